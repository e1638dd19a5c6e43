"""The classifier contract: a task view + feasible candidates + preference -> decision."""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Sequence

from langchain_core.runnables import RunnableConfig

from lg_router.catalog import ModelSpec
from lg_router.decision import RoutingDecision
from lg_router.policy import rank
from lg_router.task import TaskView


class Classifier(ABC):
    """Decides the category and a ranking of the feasible candidates for a task.

    Implementations get only models that already passed the hard constraints; whatever
    they return is checked again by :func:`lg_router.policy.enforce`.
    """

    name: str = "classifier"
    # True when classify() blocks for milliseconds (an ONNX call): async callers then run it
    # on a worker thread, so the event loop keeps serving.
    offload: bool = False

    @abstractmethod
    def classify(
        self,
        view: TaskView,
        candidates: Sequence[ModelSpec],
        *,
        preference: str,
        default_id: str,
        config: RunnableConfig | None = None,
    ) -> RoutingDecision:
        """Rank ``candidates`` for ``view``; ``default_id`` is the catalog's default model."""

    async def aclassify(
        self,
        view: TaskView,
        candidates: Sequence[ModelSpec],
        *,
        preference: str,
        default_id: str,
        config: RunnableConfig | None = None,
    ) -> RoutingDecision:
        """Async twin: :meth:`classify` in place, or on a worker thread when ``offload`` is set."""
        if self.offload:
            return await asyncio.to_thread(
                self.classify, view, candidates, preference=preference, default_id=default_id, config=config
            )
        return self.classify(view, candidates, preference=preference, default_id=default_id, config=config)


def ranked_decision(
    classifier: str,
    view: TaskView,
    candidates: Sequence[ModelSpec],
    *,
    category: str,
    confidence: float,
    evidence: str,
    language: str | None,
    preference: str,
    default_id: str,
) -> RoutingDecision:
    """The decision of an offline classifier: the policy's ranking for its category."""
    ranked = rank(
        category,
        candidates,
        preference,
        view=view,
        default_id=default_id,
        evidence=evidence,
        language=language,
    )
    return RoutingDecision(
        ranked=tuple(ranked),
        category=category,  # type: ignore[arg-type]
        classifier=classifier,
        preference=preference,  # type: ignore[arg-type]
        confidence=confidence,
        input_tokens=view.tokens,
    )
