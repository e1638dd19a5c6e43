"""Where health meets a decision: skip models cooling down, rank on measured latency.

The :class:`~lg_router.routing.Decider` asks a :class:`HealthGate` before ranking and
hands it the decision after; the gate reports what health changed to the run's
callbacks (a custom event ``lg_router_health``) so traces show why a model was skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field

from langchain_core.callbacks.manager import adispatch_custom_event, dispatch_custom_event
from langchain_core.runnables import RunnableConfig

from lg_router.catalog import ModelCatalog
from lg_router.decision import Attempt, RoutingDecision
from lg_router.health.stats import Measured
from lg_router.health.store import Health
from lg_router.policy import Feasible, healthy, measured_latency
from lg_router.redaction import get_logger
from lg_router.state import RunOptions

log = get_logger("lg_router.health")  # records redacted of API keys
EVENT = "lg_router_health"
PROBE_MARGIN = 1.0  # seconds a probe claim outlives the attempt's timeout


@dataclass
class Admission:
    """What health did to one request's pool."""

    skipped: dict[str, str] = field(default_factory=dict)
    probes: tuple[str, ...] = ()
    measured: dict[str, Measured] = field(default_factory=dict)
    note: str | None = None

    @property
    def worth_reporting(self) -> bool:
        return bool(self.skipped or self.probes or self.note)

    def event(self, decision: RoutingDecision) -> dict[str, object]:
        """The custom event's payload."""
        return {
            "skipped": dict(self.skipped),
            "probing": [m for m in self.probes if m in decision.model_ids],
            "note": self.note,
            "ranked": decision.model_ids,
        }


class HealthGate:
    """Filters a feasible pool through a health store (one per router)."""

    def __init__(self, health: Health, catalog: ModelCatalog, *, timeout: float | None = None) -> None:
        self.health = health
        self.catalog = catalog
        self.timeout = timeout  # the router's default seconds per attempt

    def _deadline(self, model_id: str, options: RunOptions) -> float:
        """An attempt's deadline, resolved as the execution node resolves it."""
        spec = self.catalog[model_id]
        return options.timeout or spec.timeout or self.timeout or self.catalog.default_timeout

    def admit(self, pool: Feasible, options: RunOptions) -> tuple[Feasible, Admission]:
        """Drop models whose breaker is open (all kept if all are), take half-open probes."""
        ids = [m.id for m in pool.models]
        timeout = max(self._deadline(m, options) for m in ids)
        unavailable, probes = self.health.check(ids, claim_ttl=timeout + PROBE_MARGIN)
        kept, note = healthy(pool, unavailable)
        admission = Admission(
            skipped={m: r for m, r in unavailable.items() if m in kept.excluded},
            probes=tuple(probes),
            measured=self.health.measured([m.id for m in kept.models]),
            note=note,
        )
        return kept, admission

    @contextmanager
    def ranking(self, admission: Admission) -> Iterator[None]:
        """Rank with measured latency where there is enough of it."""
        with measured_latency(admission.measured):
            yield

    def finish(self, decision: RoutingDecision, admission: Admission) -> RoutingDecision:
        """Give back probes the ranking did not use; add the all-unhealthy note."""
        unused = [m for m in admission.probes if m not in decision.model_ids]
        if unused:
            self.health.release(unused)
        if admission.note:
            note = f"{decision.note}; {admission.note}" if decision.note else admission.note
            decision = decision.model_copy(update={"note": note})
        return decision

    def report(self, decision: RoutingDecision, admission: Admission, config: RunnableConfig | None) -> None:
        """Tell the run's callbacks what health changed (sync runs)."""
        if config and admission.worth_reporting:
            # No parent run (route() outside a graph): nothing to attach the event to.
            with suppress(RuntimeError):
                dispatch_custom_event(EVENT, admission.event(decision), config=config)

    async def areport(
        self, decision: RoutingDecision, admission: Admission, config: RunnableConfig | None
    ) -> None:
        """Tell the run's callbacks what health changed (async runs)."""
        if config and admission.worth_reporting:
            with suppress(RuntimeError):
                await adispatch_custom_event(EVENT, admission.event(decision), config=config)


def report(health: Health | None, attempt: Attempt) -> None:
    """Record a finished attempt; health must never fail or slow a request."""
    if health is None:
        return
    try:
        health.record(attempt)
    except Exception:  # a bug in a store must not lose the answer
        log.exception("lg-router health: recording an attempt of %r failed", attempt.model_id)
