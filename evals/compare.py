"""``python -m evals --compare``: top-1 per category for each offline classifier.

One row per (classifier, catalog, split); on ``tiers`` the last column is the input-cost
saving against sending everything to the top tier.
"""

from __future__ import annotations

import functools
import time

from lg_router import route
from lg_router.routing import available_classifiers

from . import __main__ as run
from .data import CATEGORIES, load

SHORT = {"coding": "code", "reasoning": "reason", "general": "general", "simple": "simple",
         "multilingual": "non-en", "long_context": "long", "vision": "image"}  # fmt: skip


def table(preference: str = "balanced") -> list[dict]:
    """Rows of ``{"classifier", "catalog", "split", "per_category", "overall", "ms"}``."""
    rows = []
    for classifier in available_classifiers():
        for catalog in ("oxlo", "tiers"):
            for split in ("dev", "holdout"):
                items = load(split)
                decide = functools.partial(route, classifier=classifier, catalog=catalog)
                t0 = time.perf_counter()
                results = [run.evaluate_item(i, decide, preference, catalog) for i in items]
                ms = 1000 * (time.perf_counter() - t0) / max(1, len(items))
                summary = run.summarize(results)
                rows.append(
                    {"classifier": classifier, "catalog": catalog, "split": split, "ms": ms, **summary}
                )
    return rows


def main(preference: str = "balanced") -> int:
    head = ["classifier", "catalog", "split", "n", "top-1", *(SHORT[c] for c in CATEGORIES), "saving"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for row in table(preference):
        o = row["overall"]
        cells = [row["classifier"], row["catalog"], row["split"], str(o["n"]), f"{o['top1']:.3f}"]
        cells += [
            f"{row['per_category'][c]['top1']:.2f}" if c in row["per_category"] else "-" for c in CATEGORIES
        ]
        cells.append(f"{o['saving']:.0%}" if "saving" in o else "-")
        print("| " + " | ".join(cells) + " |")
    return 0
