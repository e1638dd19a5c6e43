"""Routing quality guard: the learned classifier on the labelled public dev set (evals/).

Floors sit a little under the README's quality table (``python -m evals --compare``); the
holdout gets 0.1 of slack per category (4-43 items each). A change that makes routing
worse on any category, on either catalog, fails here.
"""

import pytest

from tests.support.quality import below_floors, split_quality

FLOORS = {
    "oxlo": {
        "coding": 0.97,
        "reasoning": 0.93,  # BBH and LogiQA joined on 2026-12-01: a harder measure (dev 0.95)
        "general": 0.95,
        "simple": 0.96,
        "multilingual": 0.97,
        "long_context": 1.0,
        "vision": 1.0,
    },
    "tiers": {
        "coding": 0.97,
        "reasoning": 0.93,
        "general": 0.95,
        "simple": 0.96,
        "multilingual": 0.92,
        "long_context": 1.0,
        "vision": 1.0,
    },
}
MIN_SAVING = 0.6  # tiers: input cost saved against sending everything to the top tier


@pytest.mark.parametrize("catalog", ["oxlo", "tiers"])
@pytest.mark.parametrize("split", ["dev", "holdout"])
def test_top1_accuracy_per_category_meets_the_floor(split: str, catalog: str) -> None:
    quality = split_quality(split, catalog, "learned", "learned")
    below = below_floors(quality, FLOORS[catalog], split)
    assert not below, f"per-category top-1 below the floor on {split}/{catalog}: {below}"
    if catalog == "tiers":
        assert quality.saving is not None and quality.saving >= MIN_SAVING
