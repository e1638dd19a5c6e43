"""Scoring a decision on the ``tiers`` catalog: an acceptable tier, and the saving.

Seed 003's tiers: *simple* (classification, extraction, short Q&A), *medium*
(summarisation, structured generation), *complex* (long-form writing, code, multi-step
reasoning). A labelled item's acceptable tiers follow from its category:

| category | acceptable tiers |
| --- | --- |
| coding, reasoning | complex |
| multilingual | complex for non-English code or maths (``expected`` names the coding or |
| | reasoning model), else medium or complex |
| general writing | medium or complex |
| simple | simple or medium |
| long_context | medium or complex (both have the 200K window the documents need) |
| vision | simple or complex (the two that can see) |

The saving compares the input cost of the routed models with sending every item to the
complex tier (output prices are not in the seed, so output is not counted).
"""

from __future__ import annotations

from typing import Any

from .data import Item

TIER_OF = {
    "openai/gpt-4o-mini": "simple",
    "anthropic/claude-3-5-haiku-20241022": "medium",
    "anthropic/claude-3-5-sonnet-20241022": "complex",
}
PRICE = {"simple": 14.0, "medium": 96.0, "complex": 289.0}  # INR per million input tokens
TOP = "complex"
_HARD_LANGUAGE_TASK = {"deepseek-v3.2", "kimi-k2.6"}


def acceptable_tiers(item: Item) -> frozenset[str]:
    """The tiers that may take ``item`` (see the module's table)."""
    cat = item.category
    if cat in ("coding", "reasoning"):
        return frozenset({"complex"})
    if cat == "multilingual":
        if _HARD_LANGUAGE_TASK & set(item.expected):
            return frozenset({"complex"})
        return frozenset({"medium", "complex"})
    if cat == "simple":
        return frozenset({"simple", "medium"})
    if cat == "vision":
        return frozenset({"simple", "complex"})
    return frozenset({"medium", "complex"})


def score(item: Item, decision: Any) -> dict[str, Any]:
    """``{"ok", "tier", "cost", "top_cost"}`` for one decision on the tiers catalog."""
    tier = TIER_OF.get(decision.ranked[0].model_id, "?")
    tokens = max(1, int(getattr(decision, "input_tokens", 0) or 0))
    return {
        "ok": tier in acceptable_tiers(item),
        "tier": tier,
        "cost": tokens * PRICE.get(tier, PRICE[TOP]) / 1e6,
        "top_cost": tokens * PRICE[TOP] / 1e6,
    }
