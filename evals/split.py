"""Deterministic, stratified dev/holdout split that keeps every item where it is.

``python -m evals.split`` re-reads both files and writes them back; items already in
``devset.jsonl`` or ``holdout.jsonl`` keep their split, so the holdout never moves. New
items (``--add-public`` adds those of :mod:`evals.public_rows`) are drawn per category:
sorted by id, shuffled with a seeded RNG, and as many go to ``holdout.jsonl`` as bring the
category's holdout share to ``HOLDOUT_FRACTION``. Running it again without changes
rewrites identical files.
"""

from __future__ import annotations

import argparse
import json
import random
from collections import defaultdict
from typing import Any

from .data import CATEGORIES, FILES, read_raw

SEED = 20250601
HOLDOUT_FRACTION = 0.25


def split_items(
    dev: list[dict[str, Any]], holdout: list[dict[str, Any]], new: list[dict[str, Any]], seed: int = SEED
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``(dev, holdout)``: the existing items where they were, new ones drawn per category."""
    by_cat: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in new:
        by_cat[row["category"]].append(row)
    out_dev, out_hold = list(dev), list(holdout)
    for cat in CATEGORIES:
        group = sorted(by_cat.get(cat, []), key=lambda r: r["id"])
        random.Random(f"{seed}:{cat}").shuffle(group)
        total = group and sum(r["category"] == cat for r in (*dev, *holdout)) + len(group)
        held = sum(r["category"] == cat for r in holdout)
        k = min(len(group), max(0, round(total * HOLDOUT_FRACTION) - held)) if group else 0
        out_hold += group[:k]
        out_dev += group[k:]
    key = lambda r: (CATEGORIES.index(r["category"]), r["id"])  # noqa: E731
    return sorted(out_dev, key=key), sorted(out_hold, key=key)


def write(new: list[dict[str, Any]] | None = None, seed: int = SEED) -> tuple[int, int]:
    """Add ``new`` items (ids not yet present) and rewrite both files; returns their sizes."""
    dev, holdout = read_raw("dev"), read_raw("holdout")
    ids = [r["id"] for r in (*dev, *holdout)]
    if len(ids) != len(set(ids)):
        raise ValueError("duplicate ids in devset.jsonl/holdout.jsonl")
    known = set(ids)
    fresh = [r for r in new or [] if r["id"] not in known]
    if len({r["id"] for r in fresh}) != len(fresh):
        raise ValueError("duplicate ids among the new items")
    dev, holdout = split_items(dev, holdout, fresh, seed)
    for name, part in (("dev", dev), ("holdout", holdout)):
        with FILES[name].open("w", encoding="utf-8") as fh:
            for row in part:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return len(dev), len(holdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--add-public", action="store_true", help="add the items of evals.public_rows")
    args = parser.parse_args()
    new = None
    if args.add_public:
        from .public_rows import items

        new = items()
    n_dev, n_hold = write(new)
    print(f"wrote {n_dev} dev and {n_hold} holdout items")


if __name__ == "__main__":
    main()
