"""Load with faults, and cancellation: nothing hangs, nothing is lost, nothing runs on.

1,000 concurrent async runs go through ONE compiled router against the fault server,
which fails a seeded-random 25% of all calls (500, 429 with Retry-After, connection
reset, malformed JSON).  Every run carries its number in the task, so each request
the server saw is matched to the run that sent it.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from langchain_openai import ChatOpenAI
from openai import DefaultAioHttpClient

from lg_router import LLMClassifier, ModelCatalog, RoutingError, create_router
from tests.support.fault_server import Behavior, FaultServer
from tests.support.router_harness import RunResult, run_async

pytestmark = pytest.mark.integration

REQUESTS = 1000
FAILURE_RATE = 0.25
SEED = 20240611
ATTEMPT_TIMEOUT = 20.0  # generous: a timeout here would be load, not a fault
WALL_LIMIT = 60.0
ANSWER_LATENCY = 1.0
KINDS = ("error500", "error429", "reset", "malformed")


def task(i: int) -> str:
    return f"Request #{i}: write two friendly sentences about the sea."


async def _load(server: FaultServer) -> tuple[list[RunResult], float]:
    catalog = ModelCatalog.preset("oxlo").with_endpoint(server.base_url)
    client = DefaultAioHttpClient()
    # Random faults, not overload: each request gets its three ranked chances, one try each
    # (no same-model retry after the injected 429s' Retry-After, no retry budget).
    graph = create_router(
        catalog,
        timeout=ATTEMPT_TIMEOUT,
        client_kwargs={"http_async_client": client},
        retries=0,
        retry_budget=None,
    ).compile()
    started = time.perf_counter()
    try:
        runs = [run_async(graph, "ainvoke", [("user", task(i))]) for i in range(REQUESTS)]
        results = await asyncio.wait_for(asyncio.gather(*runs), WALL_LIMIT)
    finally:
        await client.aclose()
    return list(results), time.perf_counter() - started


def test_thousand_concurrent_requests_with_random_faults(
    server: FaultServer, matrix_log: Any, tmp_path: Path
) -> None:
    server.random_failures(FAILURE_RATE, seed=SEED, kinds=KINDS, retry_after=0.1)
    # Answers take a second, so the runs overlap however fast this machine starts them
    # (with instant answers the peak in flight read 32-87 on a slow day, 118 on another).
    server.set_default(Behavior.slow(ANSWER_LATENCY))
    results, wall = asyncio.run(_load(server))
    assert server.wait_idle(timeout=5.0)

    # What the server saw, per run (the run number is in the task text).
    wire: dict[int, list[tuple[str | None, str]]] = defaultdict(list)
    for record in server.requests:
        text = json.dumps(record.messages)
        match = re.search(r"Request #(\d+):", text)
        assert match, f"unexpected request on the wire: {text[:200]}"
        wire[int(match.group(1))].append((record.model, record.kind))

    answered = failed = 0
    log_lines = []
    for i, result in enumerate(results):
        assert result.decision is not None, f"run {i}: no decision ({result.error!r})"
        ranked = result.decision.model_ids
        tried = [a.model_id for a in result.attempts]
        assert tried == ranked[: len(tried)], f"run {i}: attempts out of ranking order"
        # Each attempt is exactly one request on the wire, same model, same order.
        assert [m for m, _ in wire[i]] == tried, f"run {i}: wire {wire[i]} vs attempts {tried}"
        wire_failed = [kind != "ok" for _, kind in wire[i]]
        assert wire_failed == [a.outcome != "ok" for a in result.attempts], f"run {i}"
        if result.error is None:
            answered += 1
            assert result.answer is not None and result.model == tried[-1]
            assert result.answer.content == f"answer from {result.model}"
            assert [a.outcome for a in result.attempts].count("ok") == 1
        else:
            failed += 1
            assert type(result.error) is RoutingError, f"run {i}: {result.error!r}"
            # Only when every ranked model failed, each with a retryable error.
            assert tried == ranked and all(a.outcome != "ok" and a.retryable for a in result.attempts)
        log_lines.append(
            json.dumps(
                {
                    "run": i,
                    "decision": ranked,
                    "attempts": [a.model_dump() for a in result.attempts],
                    "answered_by": result.model,
                }
            )
        )
    journal = tmp_path / "load.jsonl"
    journal.write_text("\n".join(log_lines) + "\n")

    lost = REQUESTS - answered - failed
    total_calls = server.calls()
    failed_calls = sum(1 for r in server.requests if r.kind != "ok")
    note = (
        f"load: sent {REQUESTS}, answered {answered}, failed with RoutingError {failed}, "
        f"lost {lost}; {total_calls} model calls of which {failed_calls} "
        f"({failed_calls / total_calls:.0%}) failed by injection; wall {wall:.1f}s; "
        f"peak in flight {server.peak_in_flight()}"
    )
    matrix_log.notes.append(note)
    print(note)
    assert lost == 0 and len(journal.read_text().splitlines()) == REQUESTS
    assert answered > 0.9 * REQUESTS  # 25% failure, 3 chances: ~1.6% expected to fail
    assert 0.15 < failed_calls / total_calls < 0.35
    assert server.peak_in_flight() > 100  # they really were concurrent
    assert wall < WALL_LIMIT


def _router_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("lg-router")]


async def test_cancelled_request_leaves_nothing_running(server: FaultServer) -> None:
    server.set_default(Behavior.hang())
    catalog = ModelCatalog.preset("oxlo").with_endpoint(server.base_url)
    graph = create_router(catalog, timeout=30.0).compile()
    before = {t for t in asyncio.all_tasks() if t is not asyncio.current_task()}
    run = asyncio.create_task(graph.ainvoke({"messages": [("user", "hello")]}))
    assert await asyncio.to_thread(server.wait_for_calls, 1, None, 5.0)
    assert server.in_flight() == 1
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    assert await asyncio.to_thread(server.wait_idle, 2.0), "the model call kept running"
    assert server.calls() == 1  # cancellation is not a failure: no fallback call
    await asyncio.sleep(0.05)
    leftover = {t for t in asyncio.all_tasks() if t is not asyncio.current_task()} - before
    assert not [t for t in leftover if not t.done()], leftover
    assert not _router_threads()


def test_sync_timeouts_leave_no_threads_or_calls_running(server: FaultServer) -> None:
    server.set_default(Behavior.hang())
    catalog = ModelCatalog.preset("oxlo").with_endpoint(server.base_url)
    graph = create_router(catalog, timeout=0.3).compile()
    started = time.perf_counter()
    with pytest.raises(RoutingError) as info:
        graph.invoke({"messages": [("user", "hello")]})
    assert time.perf_counter() - started < 0.9 + 1.0
    assert [a.outcome for a in info.value.attempts] == ["timeout"] * 3
    # The abandoned worker threads end with their requests, right after the deadline
    # (not after the catalog's 60 s client timeout).
    assert server.wait_idle(timeout=1.5), f"{server.in_flight()} call(s) still open"
    deadline = time.monotonic() + 1.5
    while _router_threads() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not _router_threads()


def test_sync_classifier_timeout_leaves_no_call_running(server: FaultServer) -> None:
    # Keep this test last in the module: its abandoned thread outlives it until teardown.
    server.script("router-llm", Behavior.hang())
    llm = ChatOpenAI(base_url=server.base_url, model="router-llm", api_key="x", max_retries=0)
    catalog = ModelCatalog.preset("oxlo").with_endpoint(server.base_url)
    graph = create_router(catalog, classifier=LLMClassifier(llm, timeout=0.3), timeout=2.0).compile()
    out = graph.invoke({"messages": [("user", "hello")]})
    assert out["decision"].classifier == "llm->rules"
    assert out["messages"][-1].response_metadata["model_name"] == out["decision"].best
    assert server.wait_idle(timeout=1.5), "the abandoned classifier call is still open"
