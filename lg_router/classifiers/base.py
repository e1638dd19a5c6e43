"""The classifier contract: a task view + feasible candidates + preference -> decision."""

from __future__ import annotations

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
        """Async twin; the default runs :meth:`classify` (fine for CPU-only classifiers)."""
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
