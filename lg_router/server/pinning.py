"""A request naming a catalog id goes to that model first, keeping the fallbacks.

The gateway sets ``configurable["lg_router_pin"]`` for ``model="<catalog id>"``; the
wrapped classifier ranks as usual and the pinned id is moved to the front. A pinned
model that the hard constraints removed (no vision, too small a window, cooling down)
is not forced: the ranking stands and the decision's note says why.
"""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.runnables import RunnableConfig

from lg_router.catalog import ModelSpec
from lg_router.classifiers import Classifier
from lg_router.decision import RankedModel, RoutingDecision
from lg_router.task import TaskView

PIN_KEY = "lg_router_pin"


def _pinned(config: RunnableConfig | None) -> str | None:
    value = ((config or {}).get("configurable") or {}).get(PIN_KEY)
    return value if isinstance(value, str) else None


def pin_first(decision: RoutingDecision, pin: str | None, candidates: Sequence[ModelSpec]) -> RoutingDecision:
    """``decision`` with ``pin`` ranked first (if it is a feasible candidate)."""
    if pin is None:
        return decision
    if pin not in {c.id for c in candidates}:
        note = f"requested model '{pin}' cannot take this request (hard constraints); routed instead"
        return decision.model_copy(update={"note": f"{decision.note}; {note}" if decision.note else note})
    first = RankedModel(model_id=pin, justification=f"requested by the client (model='{pin}').", score=1.0)
    rest = [r for r in decision.ranked if r.model_id != pin]
    return decision.model_copy(update={"ranked": (first, *rest[:2])})


class PinnedClassifier(Classifier):
    """Wraps a classifier so a pinned model (``configurable["lg_router_pin"]``) goes first.

    Args:
        inner: the classifier that ranks the candidates.
    """

    def __init__(self, inner: Classifier) -> None:
        self.inner = inner
        self.name = inner.name

    def classify(
        self,
        view: TaskView,
        candidates: Sequence[ModelSpec],
        *,
        preference: str,
        default_id: str,
        config: RunnableConfig | None = None,
    ) -> RoutingDecision:
        decision = self.inner.classify(
            view, candidates, preference=preference, default_id=default_id, config=config
        )
        return pin_first(decision, _pinned(config), candidates)

    async def aclassify(
        self,
        view: TaskView,
        candidates: Sequence[ModelSpec],
        *,
        preference: str,
        default_id: str,
        config: RunnableConfig | None = None,
    ) -> RoutingDecision:
        decision = await self.inner.aclassify(
            view, candidates, preference=preference, default_id=default_id, config=config
        )
        return pin_first(decision, _pinned(config), candidates)
