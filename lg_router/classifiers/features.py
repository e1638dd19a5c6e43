"""The learned classifier's inputs: the rules' scores, a few shape cues and hashed n-grams.

Pure Python and deterministic across processes (CRC32, not ``hash()``), so the weights
trained by ``python -m evals.training.train`` mean the same thing everywhere. Words are
read from the head and the tail of the request (where the instruction usually is); runs of
CJK, Hangul or Thai characters give character bigrams, other scripts give words.
"""

from __future__ import annotations

import math
import re
import zlib
from itertools import pairwise

from lg_router.classifiers.signals import Signals

BUCKETS = 1 << 12  # the semantic model's; each weights file names its own
LEARNED_BUCKETS = 1 << 13  # the learned model's: fewer collisions without an embedding
BUCKET_CHOICES = (BUCKETS, LEARNED_BUCKETS)  # the counts a weights file may name
HEAD, TAIL = 1500, 500
RULE_CATEGORIES = ("coding", "reasoning", "general", "simple", "multilingual", "long_context")
DENSE = (
    *(f"rules:{c}" for c in RULE_CATEGORIES),
    "words:log",
    "words:<=3",
    "words:<=12",
    "words:<=40",
    "words:>150",
    "asks:?",
    "code:fence",
    "code:lines",
    "digits",
    "lines:>5",
    "bias",
)
_SPACELESS = "\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\u0e00-\u0e7f"  # kana, CJK, Hangul, Thai
_TOKEN = re.compile(rf"[{_SPACELESS}]+|[^\W\d_{_SPACELESS}]+|\d+|[{{}}()\[\];=<>#$%*+/\\^|`'\"?:.,-]")
_DENSE_SCRIPT = re.compile(f"[{_SPACELESS}]")


def tokens(text: str) -> list[str]:
    """The n-gram strings of a request (what the hashed buckets stand for)."""
    sample = text if len(text) <= HEAD + TAIL else text[:HEAD] + "\n" + text[-TAIL:]
    words: list[str] = []
    for match in _TOKEN.finditer(sample.lower()):
        token = match.group()
        if _DENSE_SCRIPT.match(token):
            words.extend(token[i : i + 2] for i in range(max(1, len(token) - 1)))
        elif token.isdigit():
            words.append("<num>" if len(token) < 4 else "<bignum>")
        else:
            words.append(token)
    grams = list(dict.fromkeys(words))
    grams += list(dict.fromkeys(f"{a} {b}" for a, b in pairwise(words)))[:400]
    return grams


def bucket(gram: str, buckets: int = BUCKETS) -> int:
    """The hashed feature index of an n-gram."""
    return zlib.crc32(gram.encode("utf-8")) % buckets


def vector(text: str, sig: Signals, buckets: int = BUCKETS) -> tuple[dict[int, float], dict[int, str]]:
    """Sparse feature vector of a request, and which n-gram (or cue) each index stands for.

    N-grams hash into ``buckets`` indices; the dense cues follow them (``buckets + i``).
    """
    grams = tokens(text)
    scale = 1.0 / math.sqrt(max(1, len(grams)))
    x: dict[int, float] = {}
    names: dict[int, str] = {}
    for gram in grams:
        idx = bucket(gram, buckets)
        x[idx] = x.get(idx, 0.0) + scale
        names.setdefault(idx, gram)
    scores = sig.scores
    raw = text[: HEAD + TAIL]
    # Scripts without spaces: about two characters a word.
    words = sig.words + len(_DENSE_SCRIPT.findall(raw)) // 2
    dense = {
        **{f"rules:{c}": min(3.0, scores.get(c, 0.0) / 4.0) for c in RULE_CATEGORIES},
        "words:log": math.log1p(words) / 5.0,
        "words:<=3": float(words <= 3),
        "words:<=12": float(words <= 12),
        "words:<=40": float(words <= 40),
        "words:>150": float(words > 150),
        "asks:?": float("?" in raw or "？" in raw),
        "code:fence": float("```" in raw),
        "code:lines": min(
            2.0, sum(1 for ln in raw.splitlines() if ln.rstrip().endswith((":", "{", ";", ")"))) / 5
        ),
        "digits": min(2.0, sum(ch.isdigit() for ch in raw) / 20.0),
        "lines:>5": float(raw.count("\n") > 5),
        "bias": 1.0,
    }
    for i, name in enumerate(DENSE):
        if dense[name]:
            x[buckets + i] = dense[name]
            names[buckets + i] = name
    return x, names
