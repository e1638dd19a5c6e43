"""Justifications read as a person would write them (no "fifth strength")."""

from __future__ import annotations

import re

from lg_router import ModelCatalog, route
from lg_router.policy import fit

# Its strengths: coding, reasoning, writing, long_context, vision, multilingual.
SONNET = "anthropic/claude-3-5-sonnet-20241022"


def test_fit_names_the_main_strength_plainly() -> None:
    spec = ModelCatalog.preset("tiers")[SONNET]
    assert fit(spec, "coding", SONNET)[1] == "coding is its main strength"
    assert fit(spec, "reasoning", SONNET)[1] == "reasoning is its second strength, after coding"


def test_fit_never_counts_past_second() -> None:
    spec = ModelCatalog.preset("tiers")[SONNET]
    why = fit(spec, "vision", SONNET)[1]
    assert why == "it also lists vision among its strengths (after coding, reasoning, writing, long_context)"
    ordinal = re.compile(r"\b(third|fourth|fifth|sixth|primary)\b")
    for task in ("Describe this chart", "Translate this into German", "Refactor this function"):
        for ranked in route(task, catalog="tiers").ranked:
            assert not ordinal.search(ranked.justification), ranked.justification
