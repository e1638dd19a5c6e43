"""What the router remembers around one decision: budget, cached decisions, the thread's model.

:class:`RouterMemory` is what the :class:`~lg_router.routing.Decider` calls, in order:

1. :meth:`~RouterMemory.afford` drops models the budget cannot afford (before ranking);
2. :meth:`~RouterMemory.recall` looks for a cached decision (exact, then semantic) that
   is still feasible; on a miss the classifier runs and :meth:`~RouterMemory.remember`
   stores its answer;
3. :meth:`~RouterMemory.settle` applies the thread's stickiness.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from lg_router.catalog import ModelCatalog
from lg_router.decision import RoutingDecision
from lg_router.memory.budget import Spend, afford, thread_spend
from lg_router.memory.cache import DecisionCache, catalog_fingerprint, digest, normalised_conversation
from lg_router.memory.semantic import SemanticCache
from lg_router.memory.sticky import settle, thread_model
from lg_router.policy import Feasible
from lg_router.task import TaskView

if TYPE_CHECKING:
    from lg_router.state import RunOptions


@dataclass(frozen=True)
class Recall:
    """The result of a cache lookup: the hit (if any) and what is needed to store a miss."""

    decision: RoutingDecision | None = None
    key: str | None = None
    scope: str | None = None
    vector: np.ndarray | None = None


NO_RECALL = Recall()


class RouterMemory:
    """Budget, decision caches and stickiness for one catalog and classifier.

    Args:
        catalog: the router's catalog.
        classifier_id: names the classifier in cache keys (another classifier, another key).
        cache: the exact decision cache, or ``None``.
        semantic: the semantic decision cache, or ``None``.
    """

    def __init__(
        self,
        catalog: ModelCatalog,
        classifier_id: str,
        *,
        cache: DecisionCache | None = None,
        semantic: SemanticCache | None = None,
    ) -> None:
        self.catalog = catalog
        self.cache = cache
        self.semantic = semantic
        self._base = [catalog_fingerprint(catalog), classifier_id]

    # -- 1. budget ----------------------------------------------------------------------
    def afford(self, pool: Feasible, view: TaskView, options: RunOptions, spent: Spend | None) -> Feasible:
        """``pool`` without the models the budget cannot afford (raises if none is left)."""
        if options.budget is None:
            return pool
        found = afford(
            pool.models,
            options.budget,
            catalog=self.catalog,
            spent=thread_spend(spent, view.messages),
            input_tokens=view.tokens,
            output_tokens=options.max_tokens or self.catalog.default_max_output_tokens,
        )
        if not found.excluded:
            return Feasible(pool.models, pool.excluded, (*pool.constraints, found.constraint), pool.needs)
        return Feasible(
            found.kept, {**pool.excluded, **found.excluded}, (*pool.constraints, found.constraint), pool.needs
        )

    # -- 2. caches ----------------------------------------------------------------------
    def _frame(self, view: TaskView, pool: Feasible, options: RunOptions, extra: Any) -> list[Any]:
        return [
            extra,
            *self._base,
            options.preference,
            [m.id for m in pool.models],
            list(pool.needs),
            options.max_tokens,
            list(options.tools),
            options.needs_json,
        ]

    def _keys(
        self, view: TaskView, pool: Feasible, options: RunOptions, extra: Any
    ) -> tuple[str | None, str | None]:
        frame = self._frame(view, pool, options, extra)
        key = digest([*frame, normalised_conversation(view.messages)]) if self.cache else None
        scope = None
        if self.semantic is not None:
            scope = digest([*frame, view.context_text, view.images, view.tokens.bit_length()])
        return key, scope

    def _semantic(self, scope: str | None, view: TaskView, pool_ids: list[str]) -> Recall:
        if self.semantic is None or scope is None or not view.text.strip():
            return NO_RECALL
        vector = self.semantic.vector(view.text)
        found = self.semantic.lookup(scope, vector, pool_ids)
        if found is None:
            return Recall(scope=scope, vector=vector)
        decision, similarity = found
        note = f"semantic cache hit (similarity {similarity:.3f})"
        hit = decision.model_copy(update={"cache": "semantic", "note": note})
        return Recall(hit, scope=scope, vector=vector)

    def recall(self, view: TaskView, pool: Feasible, options: RunOptions, extra: Any = None) -> Recall:
        """A still-feasible cached decision for this task, exact first, then semantic.

        ``extra``: anything else the ranking depended on (the measured latencies health
        ranked with), JSON-able; another value is another key.
        """
        if self.cache is None and self.semantic is None:
            return NO_RECALL
        key, scope = self._keys(view, pool, options, extra)
        pool_ids = [m.id for m in pool.models]
        if self.cache is not None and key is not None:
            hit = self.cache.get(key, pool_ids)
            if hit is not None:
                return Recall(hit.model_copy(update={"cache": "exact"}), key=key)
        found = self._semantic(scope, view, pool_ids)
        return Recall(found.decision, key=key, scope=scope, vector=found.vector)

    async def arecall(self, view: TaskView, pool: Feasible, options: RunOptions, extra: Any = None) -> Recall:
        """Async :meth:`recall` (the store's async API)."""
        if self.cache is None and self.semantic is None:
            return NO_RECALL
        key, scope = self._keys(view, pool, options, extra)
        pool_ids = [m.id for m in pool.models]
        if self.cache is not None and key is not None:
            hit = await self.cache.aget(key, pool_ids)
            if hit is not None:
                return Recall(hit.model_copy(update={"cache": "exact"}), key=key)
        found = self._semantic(scope, view, pool_ids)
        return Recall(found.decision, key=key, scope=scope, vector=found.vector)

    @staticmethod
    def _cacheable(decision: RoutingDecision) -> bool:
        # A stand-in decision (the LLM classifier failed and rules decided) is not kept.
        return "->" not in decision.classifier

    def remember(self, recall: Recall, decision: RoutingDecision) -> None:
        """Store the classifier's decision after a miss, in both caches."""
        if not self._cacheable(decision):
            return
        if self.cache is not None and recall.key is not None:
            self.cache.put(recall.key, decision)
        if self.semantic is not None and recall.scope is not None and recall.vector is not None:
            self.semantic.put(recall.scope, recall.vector, decision)

    async def aremember(self, recall: Recall, decision: RoutingDecision) -> None:
        """Async :meth:`remember`."""
        if not self._cacheable(decision):
            return
        if self.cache is not None and recall.key is not None:
            await self.cache.aput(recall.key, decision)
        if self.semantic is not None and recall.scope is not None and recall.vector is not None:
            self.semantic.put(recall.scope, recall.vector, decision)

    # -- 3. the thread's model ----------------------------------------------------------
    def settle(
        self, decision: RoutingDecision, view: TaskView, pool: Feasible, options: RunOptions
    ) -> RoutingDecision:
        """Apply the thread's stickiness (``options.sticky``) to this turn's decision."""
        if options.sticky == "off":
            return decision
        return settle(
            decision,
            thread_model(view.messages, self.catalog),
            mode=options.sticky,
            pool_ids=[m.id for m in pool.models],
            excluded=pool.excluded,
            needs=pool.needs,
            catalog=self.catalog,
        )
