"""What the router remembers: decision caches, the thread's model, cost and budget.

See :class:`RouterMemory` for how the decider uses it, and the README's memory section.
"""

from lg_router.memory.budget import (
    Budget,
    Spend,
    add_spend,
    attempt_cost,
    empty_spend,
    spend_of,
    thread_spend,
)
from lg_router.memory.cache import DecisionCache, LRUCache
from lg_router.memory.core import Recall, RouterMemory
from lg_router.memory.semantic import DEFAULT_THRESHOLD, LexicalEmbedder, SemanticCache
from lg_router.memory.sticky import STICKY_MODES, Sticky, ThreadModel, check_sticky, thread_model

__all__ = [
    "DEFAULT_THRESHOLD",
    "STICKY_MODES",
    "Budget",
    "DecisionCache",
    "LRUCache",
    "LexicalEmbedder",
    "Recall",
    "RouterMemory",
    "SemanticCache",
    "Spend",
    "Sticky",
    "ThreadModel",
    "add_spend",
    "attempt_cost",
    "check_sticky",
    "empty_spend",
    "spend_of",
    "thread_model",
    "thread_spend",
]
