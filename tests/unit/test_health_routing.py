"""Health in the router: open breakers leave the ranking, measured latency ranks ``speed``."""

from __future__ import annotations

import re
from typing import Any

import pytest
from langchain_core.callbacks import BaseCallbackHandler

from lg_router import RoutingError, RunnableRouter, create_router
from lg_router.decision import Attempt
from lg_router.health import BreakerPolicy, MemoryHealth
from tests.support.fakes import fakes, server_error, small_catalog

TASK = [("user", "Say hello to the team.")]


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


class Events(BaseCallbackHandler):
    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []

    def on_custom_event(self, name: str, data: Any, **kwargs: Any) -> None:
        self.events.append((name, data))


def _graph(health: Any, **overrides: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    models = fakes(**overrides)
    graph = create_router(small_catalog(), chat_models=models, health=health).compile()
    return graph, models


def _ranked_first() -> str:
    graph, _ = _graph(None)
    return graph.invoke({"messages": TASK})["decision"].best


@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
async def test_a_failing_first_model_is_skipped_once_its_breaker_opens(mode: str) -> None:
    first = _ranked_first()
    store = MemoryHealth(BreakerPolicy(failures=3, cooldown=60))
    graph, models = _graph(store, **{first: {"fail": server_error()}})
    outputs = []
    for _ in range(6):
        run = graph.invoke if mode == "invoke" else None
        out = run({"messages": TASK}) if run else await graph.ainvoke({"messages": TASK})
        outputs.append(out)
    assert len(models[first].calls) == 3
    assert all(o["messages"][-1].response_metadata["model_name"] != first for o in outputs)
    late = outputs[-1]["decision"]
    assert first not in late.model_ids
    assert late.excluded[first].startswith("cooling down until ")
    assert re.search(r": 3 server errors in \d+ s$", late.excluded[first]), late.excluded[first]
    assert [a.model_id for a in outputs[-1]["attempts"]] == [late.best]


def test_health_off_pays_for_the_failing_model_every_time() -> None:
    first = _ranked_first()
    graph, models = _graph(None, **{first: {"fail": server_error()}})
    for _ in range(6):
        graph.invoke({"messages": TASK})
    assert len(models[first].calls) == 6


def test_default_is_a_memory_store_per_router() -> None:
    first = _ranked_first()
    graph, models = _graph("memory", **{first: {"fail": server_error()}})
    for _ in range(7):
        graph.invoke({"messages": TASK})
    assert len(models[first].calls) == BreakerPolicy().failures
    other, other_models = _graph("memory", **{first: {"fail": server_error()}})
    other.invoke({"messages": TASK})
    assert len(other_models[first].calls) == 1  # a new router starts healthy


def test_when_every_model_is_open_they_are_tried_anyway_in_rank_order() -> None:
    store = MemoryHealth(BreakerPolicy(failures=1, cooldown=60))
    failing = {m: {"fail": server_error()} for m in ("alpha", "beta", "gamma")}
    graph, models = _graph(store, **failing)
    with pytest.raises(RoutingError):
        graph.invoke({"messages": TASK})
    with pytest.raises(RoutingError) as caught:
        graph.invoke({"messages": TASK})
    decision = caught.value.decision
    assert decision is not None and len(decision.ranked) == 3
    assert "every feasible model is unhealthy, trying them anyway in rank order" in (decision.note or "")
    assert [a.model_id for a in caught.value.attempts] == decision.model_ids
    assert all(len(m.calls) == 2 for m in models.values())


def test_after_the_cooldown_one_probe_closes_the_breaker() -> None:
    first = _ranked_first()
    clock = Clock()
    store = MemoryHealth(BreakerPolicy(failures=2, cooldown=30), clock=clock)
    graph, models = _graph(store, **{first: {"fail": server_error()}})
    for _ in range(3):
        graph.invoke({"messages": TASK})
    assert len(models[first].calls) == 2
    models[first].fail = None  # the provider recovers
    clock.now += 31
    probe = graph.invoke({"messages": TASK})
    assert probe["messages"][-1].response_metadata["model_name"] == first
    assert store.state(first).breaker == "closed"


def test_measured_latency_ranks_speed_and_the_justification_says_so() -> None:
    store = MemoryHealth(BreakerPolicy(min_samples=10))
    graph, _ = _graph(store)
    hinted = graph.invoke({"messages": TASK}, {"configurable": {"preference": "speed"}})["decision"]
    assert hinted.best == "gamma"  # speed 5/5 in the catalog
    assert "speed 5/5" in hinted.ranked[0].justification
    for _ in range(10):
        store.record(Attempt(model_id="gamma", outcome="ok", seconds=4.0))
        store.record(Attempt(model_id="alpha", outcome="ok", seconds=0.2))
    measured = graph.invoke({"messages": TASK}, {"configurable": {"preference": "speed"}})["decision"]
    assert measured.best == "alpha"
    assert "p50 latency 0.2 s over the last" in measured.ranked[0].justification
    balanced = graph.invoke({"messages": TASK})["decision"]
    assert any("p50 latency" in r.justification for r in balanced.ranked)


def test_too_few_samples_keep_the_catalog_hint() -> None:
    store = MemoryHealth(BreakerPolicy(min_samples=10))
    graph, _ = _graph(store)
    for _ in range(9):
        store.record(Attempt(model_id="gamma", outcome="ok", seconds=4.0))
    decision = graph.invoke({"messages": TASK}, {"configurable": {"preference": "speed"}})["decision"]
    assert decision.best == "gamma" and "speed 5/5" in decision.ranked[0].justification


@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
async def test_skips_are_reported_to_callbacks(mode: str) -> None:
    first = _ranked_first()
    store = MemoryHealth(BreakerPolicy(failures=1))
    graph, _ = _graph(store, **{first: {"fail": server_error()}})
    graph.invoke({"messages": TASK})
    handler = Events()
    config = {"callbacks": [handler]}
    if mode == "invoke":
        graph.invoke({"messages": TASK}, config)
    else:
        await graph.ainvoke({"messages": TASK}, config)
    [(name, data)] = handler.events
    assert name == "lg_router_health"
    assert data["skipped"][first].startswith("cooling down until ")
    assert first not in data["ranked"]


def test_runnable_router_takes_health() -> None:
    first = _ranked_first()
    store = MemoryHealth(BreakerPolicy(failures=2))
    models = fakes(**{first: {"fail": server_error()}})
    router = RunnableRouter(small_catalog(), chat_models=models, health=store)
    for _ in range(4):
        assert router.invoke("Say hello to the team.").response_metadata["model_name"] != first
    assert len(models[first].calls) == 2
    assert store.state(first).breaker == "open"
    off = RunnableRouter(small_catalog(), chat_models=models, health=None)
    off.invoke("Say hello to the team.")
    assert len(models[first].calls) == 3


def test_a_broken_store_never_fails_a_request() -> None:
    class Broken(MemoryHealth):
        def record(self, attempt: Attempt) -> None:
            raise RuntimeError("store bug")

    graph, _ = _graph(Broken())
    assert graph.invoke({"messages": TASK})["messages"][-1].content


def test_streamed_first_token_times_rank_speed_when_known() -> None:
    store = MemoryHealth(BreakerPolicy(min_samples=10))
    graph, _ = _graph(store)
    for _ in range(12):
        store.record(Attempt(model_id="gamma", outcome="ok", seconds=3.0, first_token_seconds=2.5))
        store.record(Attempt(model_id="beta", outcome="ok", seconds=3.0, first_token_seconds=0.8))
    decision = graph.invoke({"messages": TASK}, {"configurable": {"preference": "speed"}})["decision"]
    assert decision.best == "beta"
    assert "p50 first token 0.8 s over the last 12 calls" in decision.ranked[0].justification


@pytest.mark.parametrize("api", ["graph.stream", "runnable.stream", "runnable.astream"])
async def test_streamed_runs_report_to_health_too(api: str) -> None:
    first = _ranked_first()
    store = MemoryHealth(BreakerPolicy(failures=2))
    models = fakes(**{first: {"fail": server_error()}})
    graph = create_router(small_catalog(), chat_models=models, health=store).compile()
    router = RunnableRouter(small_catalog(), chat_models=models, health=store)
    for _ in range(4):
        if api == "graph.stream":
            chunks = list(graph.stream({"messages": TASK}, stream_mode="messages"))
        elif api == "runnable.stream":
            chunks = list(router.stream("Say hello to the team."))
        else:
            chunks = [c async for c in router.astream("Say hello to the team.")]
        assert chunks
    assert len(models[first].calls) == 2
    assert store.state(first).breaker == "open"


def test_a_store_answers_the_gateway_status_page(  # create_app(health=store) reads it duck-typed
) -> None:
    from lg_router.server.metrics import breaker_state

    first = _ranked_first()
    store = MemoryHealth(BreakerPolicy(failures=1))
    graph, _ = _graph(store, **{first: {"fail": server_error()}})
    assert breaker_state(store, first) == "closed"
    graph.invoke({"messages": TASK})
    assert breaker_state(store, first) == "open"
