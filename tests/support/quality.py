"""Routing quality over the labelled eval splits, shared by the classifiers' floor tests."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from evals import tiers
from evals.data import load
from lg_router import route


@dataclass(frozen=True)
class SplitQuality:
    """Top-1 per category and overall on one split and catalog; ``saving`` on ``tiers``."""

    per_category: dict[str, float]
    overall: float
    saving: float | None


def split_quality(split: str, catalog: str, classifier: Any, name: str) -> SplitQuality:
    """Route every item of ``split`` with ``classifier`` (which must report itself as ``name``)."""
    hits: dict[str, list[bool]] = defaultdict(list)
    cost = top_cost = 0.0
    for item in load(split):
        decision = route(item.messages, catalog=catalog, classifier=classifier)
        assert decision.classifier == name
        if catalog == "tiers":
            scored = tiers.score(item, decision)
            hits[item.category].append(scored["ok"])
            cost, top_cost = cost + scored["cost"], top_cost + scored["top_cost"]
        else:
            hits[item.category].append(decision.best in item.expected)
    overall = sum(sum(v) for v in hits.values()) / sum(len(v) for v in hits.values())
    return SplitQuality(
        per_category={c: sum(v) / len(v) for c, v in hits.items()},
        overall=overall,
        saving=1 - cost / top_cost if catalog == "tiers" else None,
    )


def below_floors(quality: SplitQuality, floors: dict[str, float], split: str) -> dict[str, float]:
    """Categories under their floor (the holdout gets 0.1 of slack per category)."""
    assert set(quality.per_category) == set(floors)
    slack = 0.1 if split == "holdout" else 0.0
    return {c: round(a, 3) for c, a in quality.per_category.items() if a < floors[c] - slack}


# The task before the language on ``tiers``: maths named in the language's own words, or
# answer choices that are numbers, needs the complex tier; writing with numbers stays medium.
FOREIGN_MATHS_TIERS = [
    ("Berechne die Standardabweichung der Werte 4, 8, 15, 16 und 23.", "complex"),
    ("求数据 3、7、8、12 的标准差。", "complex"),
    ("다음 방정식의 해를 구하세요: 2x + 6 = 14", "complex"),
    ("Quelle est la valeur de x si 2x = 18 ? A. 6 B. 9 C. 12 D. 36", "complex"),
    ("Schreibe einen kurzen Blogbeitrag über den Herbst in Berlin, etwa 300 Wörter.", "medium"),
    ("用三句话介绍一下长城的历史，大约100字。", "medium"),
]


def routed_tier(task: str, classifier: str) -> str:
    """The tier ``classifier`` sends ``task`` to on the ``tiers`` catalog."""
    return tiers.TIER_OF[route(task, catalog="tiers", classifier=classifier).best]
