"""Script-aware token estimates: 4 characters a token is right for English only.

``count_tokens_approximately`` divides characters by 4, which puts 43,211 Chinese
characters at about 10,800 tokens; the tokenizers of the catalogs' model families give
27,000-35,000. Here each character weighs what its script costs in those tokenizers.

The weights come from ``python -m evals.tokens``: the same public paragraphs in 27
languages tokenized by Llama 3, Qwen 3, DeepSeek V3 and GPT-4o's o200k (the families in
the built-in catalogs); each weight is the largest tokens-per-character any of them needs
for text of that script, so an estimate is never more than a few percent under any of
them (and over by up to about 2.5x for a script one family tokenizes much better).

Long texts are measured on an evenly spread sample of characters, so the cost stays flat:
a 500k-character conversation is counted in about a millisecond.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from langchain_core.messages import BaseMessage
from langchain_core.messages.utils import count_tokens_approximately

ASCII_WEIGHT = 0.25  # English: 4 characters a token, as count_tokens_approximately
# Other Latin-script languages cut their words into more pieces, with or without accents
# (Indonesian, Dutch, Swahili, Vietnamese typed without diacritics: 0.29-0.40 tokens a
# character): text that does not read as English is counted at the heavier weight, and
# text that is mostly punctuation and symbols (code, data) in between.
LATIN_ASCII_WEIGHT, CODE_ASCII_WEIGHT = 0.38, 0.3
ENGLISH_SHARE = 0.15  # English function words among the words of English prose: 0.3-0.4
CODE_PUNCT = 0.1  # punctuation among the characters: prose about 0.03, code 0.12-0.25
WINDOW = 3000  # characters read at the start, middle and end to tell the two apart
MIN_WORDS = 12  # fewer words than this: too short to tell, counted as English
_ENGLISH = frozenset(
    "the and of to a in is that for it with as was on be by this are or an from at which not have has".split()
)
_WORD = re.compile(r"[A-Za-z]+")
_PUNCT = re.compile(r"[^\w\s]")
# (first code point, last code point, tokens per character), checked in order.
SCRIPT_WEIGHTS: tuple[tuple[int, int, float], ...] = (
    (0x00C0, 0x024F, 1.4),  # Latin with diacritics
    (0x1E00, 0x1EFF, 1.4),  # Latin extended additional (Vietnamese)
    (0x0370, 0x03FF, 0.95),  # Greek
    (0x0400, 0x052F, 0.55),  # Cyrillic
    (0x0590, 0x05FF, 1.1),  # Hebrew
    (0x0600, 0x06FF, 0.65),  # Arabic
    (0x0900, 0x0DFF, 1.45),  # Devanagari, Bengali, Tamil and the other Indic scripts
    (0x0E00, 0x0E7F, 0.6),  # Thai
    (0x3040, 0x30FF, 0.85),  # kana
    (0x3400, 0x9FFF, 0.9),  # CJK ideographs
    (0xAC00, 0xD7AF, 0.85),  # Hangul
)
DIGIT_WEIGHT = 1.0  # Qwen's tokenizer spends a token on every digit (logs, tables, ids)
# In digit-heavy data (timestamps, ids, tables) the punctuation between the digits is a
# token of its own too.
DATA_DIGITS, DATA_PUNCT_WEIGHT = 0.2, 0.8
OTHER_WEIGHT = 1.0  # anything else that is not ASCII (emoji, symbols, rarer scripts)
SAMPLE_CHARS = 20_000


def _table() -> dict[int, str | None]:
    # str.translate drops ASCII and maps each script to a one-letter class, in C.
    table: dict[int, str | None] = dict.fromkeys(range(128))
    for n, (lo, hi, _) in enumerate(SCRIPT_WEIGHTS):
        for cp in range(lo, hi + 1):
            table[cp] = chr(ord("a") + n)
    return table


_CLASS_OF = _table()
_WEIGHT_OF = {chr(ord("a") + n): w for n, (_, _, w) in enumerate(SCRIPT_WEIGHTS)}


def _ascii_weight(text: str) -> float:
    """Tokens per ASCII character: English prose, other Latin-script prose, or code and data."""
    if len(text) <= 3 * WINDOW:
        window = text
    else:
        middle = len(text) // 2
        window = text[:WINDOW] + " " + text[middle : middle + WINDOW] + " " + text[-WINDOW:]
    words = _WORD.findall(window)
    if len(words) < MIN_WORDS:
        return ASCII_WEIGHT
    english = sum(1 for w in words if w.lower() in _ENGLISH) >= ENGLISH_SHARE * len(words)
    punctuation = len(_PUNCT.findall(window))
    if punctuation > CODE_PUNCT * len(window):
        return CODE_ASCII_WEIGHT  # code, markup, formulas: with English comments or not
    return ASCII_WEIGHT if english else LATIN_ASCII_WEIGHT


def text_tokens(text: str) -> int:
    """Estimated tokens of one text in the catalogs' tokenizer families (never negative)."""
    if not text:
        return 0
    step = max(1, len(text) // SAMPLE_CHARS)
    sample = text[::step]
    digits = sum(sample.count(d) for d in "0123456789")
    ascii_weight = _ascii_weight(text)
    cost = digits * (DIGIT_WEIGHT - ascii_weight)
    if digits >= DATA_DIGITS * len(sample):
        cost += len(_PUNCT.findall(sample)) * (DATA_PUNCT_WEIGHT - ascii_weight)
    if sample.isascii():
        cost += len(sample) * ascii_weight
        return round(cost * len(text) / len(sample))
    classes = sample.translate(_CLASS_OF)
    counts = {letter: classes.count(letter) for letter in _WEIGHT_OF}
    cost += (len(sample) - len(classes)) * ascii_weight
    cost += sum(n * _WEIGHT_OF[letter] for letter, n in counts.items())
    cost += (len(classes) - sum(counts.values())) * OTHER_WEIGHT
    return round(cost * len(text) / len(sample))


def _text_of(message: BaseMessage) -> str:
    content = message.content
    if isinstance(content, str):
        return content
    parts = []
    for part in content:
        if isinstance(part, str):
            parts.append(part)
        elif isinstance(part, dict) and part.get("type") in ("text", "reasoning", "thinking"):
            parts.append(str(part.get("text") or part.get(part["type"]) or ""))
    return "\n".join(parts)


def count_tokens(messages: Sequence[BaseMessage], *, tools: Sequence[Any] | None = None) -> int:
    """Tokens of a conversation: LangChain's estimate plus what non-English scripts add.

    ``count_tokens_approximately`` keeps counting the per-message overhead, images and
    tools; for text that is not English prose (other languages and scripts, code) its
    4-characters-a-token part is replaced by :func:`text_tokens` when that is larger.
    """
    base = count_tokens_approximately(list(messages), tools=list(tools) if tools else None)
    extra = 0
    for message in messages:
        text = _text_of(message)
        if text:
            extra += max(0, text_tokens(text) - round(len(text) / 4))
    return base + extra
