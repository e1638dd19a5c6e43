"""Prometheus metrics of the gateway, and the health view shared with the status page.

With several uvicorn workers, ``lg-router serve`` sets ``PROMETHEUS_MULTIPROC_DIR`` before
they start, so ``/metrics`` on any worker reports the sum over all of them. Breaker
states are read from the router's health store (:mod:`lg_router.health`) at scrape time:
shared by every worker and replica when it lives in Redis. With health off they are
``n/a`` on the status page and left out of ``/metrics``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from lg_router.decision import Attempt
from lg_router.health import Health, ModelState

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)


def health_states(health: Health | None) -> dict[str, ModelState]:
    """Each model's :class:`ModelState` by id (empty with health off or unreadable)."""
    if health is None:
        return {}
    try:
        return {s.model_id: s for s in health.states()}
    except Exception:  # a health store that is down must not break a scrape or the page
        return {}


def breaker_state(health: Health | None, model_id: str, states: dict[str, ModelState] | None = None) -> str:
    """``closed``, ``open``, ``half_open`` (a model not seen yet is closed), or ``n/a``."""
    if health is None:
        return "n/a"
    state = (health_states(health) if states is None else states).get(model_id)
    return state.breaker if state is not None else "closed"


class _HealthCollector:
    """``lg_router_breaker_state{model, state}``: 1 for each model's current state."""

    def __init__(self, health: Health | None, model_ids: Sequence[str]) -> None:
        self.health = health
        self.model_ids = tuple(model_ids)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "lg_router_breaker_state",
            "Circuit-breaker state per model (1 = current)",
            labels=["model", "state"],
        )
        if self.health is not None:
            states = health_states(self.health)
            for model_id in self.model_ids:
                family.add_metric([model_id, breaker_state(self.health, model_id, states)], 1.0)
        yield family


class GatewayMetrics:
    """The gateway's counters and histograms.

    Args:
        model_ids: catalog ids (for the breaker-state family).
        health: the router's health store, if any.
    """

    def __init__(self, model_ids: Sequence[str], health: Health | None = None) -> None:
        self.multiprocess = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
        self.registry = CollectorRegistry()
        own = None if self.multiprocess else self.registry
        self.requests = Counter(
            "lg_router_gateway_requests",
            "Chat-completion requests by routing mode and HTTP status",
            ["route", "code"],
            registry=own,
        )
        self.answers = Counter(
            "lg_router_gateway_answers",
            "Requests answered, by the model that answered",
            ["model"],
            registry=own,
        )
        self.fallbacks = Counter(
            "lg_router_gateway_fallbacks",
            "Failed attempts followed by another model, by the model that failed",
            ["model"],
            registry=own,
        )
        self.attempts = Counter(
            "lg_router_model_attempts", "Model attempts by outcome", ["model", "outcome"], registry=own
        )
        self.attempt_seconds = Histogram(
            "lg_router_model_attempt_seconds",
            "Latency of model attempts",
            ["model"],
            buckets=_LATENCY_BUCKETS,
            registry=own,
        )
        self.request_seconds = Histogram(
            "lg_router_gateway_request_seconds",
            "Latency of whole gateway requests",
            buckets=_LATENCY_BUCKETS,
            registry=own,
        )
        self.spend = Counter(
            "lg_router_gateway_spend", "Estimated spend of answered attempts", ["currency"], registry=own
        )
        self.in_flight = Gauge(
            "lg_router_gateway_in_flight", "Requests being served", registry=own, multiprocess_mode="livesum"
        )
        self.health_collector = _HealthCollector(health, model_ids)
        if self.multiprocess:
            MultiProcessCollector(self.registry)
        self.registry.register(self.health_collector)

    def record(self, attempts: Sequence[Attempt], currency: str = "USD") -> None:
        """Count one routed run's attempts (outcomes, latencies, fallbacks, spend)."""
        for i, attempt in enumerate(attempts):
            self.attempts.labels(attempt.model_id, attempt.outcome).inc()
            self.attempt_seconds.labels(attempt.model_id).observe(attempt.seconds)
            if attempt.outcome != "ok" and i + 1 < len(attempts):
                self.fallbacks.labels(attempt.model_id).inc()
            if attempt.outcome == "ok":
                self.answers.labels(attempt.model_id).inc()
                if attempt.cost:
                    self.spend.labels(currency).inc(attempt.cost)

    def render(self) -> bytes:
        """The Prometheus text exposition of every metric."""
        return generate_latest(self.registry)
