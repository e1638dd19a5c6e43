"""Benchmark 6: streams. Mid-stream failover, a long healthy stream, hedging a heavy tail.

* **stall -> continuation**: the first-ranked model streams 5 tokens and goes silent;
  the time the caller waits from its last token to the continuation's first token, vs
  the ideal ``idle_timeout`` + the second model's own first-token time (goal: within
  20 ms). ``with_fallbacks`` cannot fall back once a chunk was sent: it raises.
* **long healthy stream**: a stream much longer than ``timeout`` (2 minutes, 5 s in
  ``--quick``) must arrive whole: tokens delivered and wall time, side by side.
* **hedging**: the first model's first-token time is heavy-tailed (Pareto); p50/p99 of a
  whole streamed answer with and without ``hedge_after``, and the direct call.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from langchain_core.messages import HumanMessage

from benchmarks import clients
from benchmarks.decision import SHORT_TASK
from benchmarks.server import BenchServer
from benchmarks.stats import Row, info_row, median, percentile

BENCH = "6 streams"
TARGET_MS = 20.0


def _largest_gap(stamped: Iterable[tuple[float, Any]]) -> tuple[float, int]:
    """``(largest gap between two content chunks, content chunks)`` of ``(arrival, chunk)`` pairs."""
    times = [now for now, chunk in stamped if getattr(chunk, "content", None)]
    return max((b - a for a, b in itertools.pairwise(times)), default=0.0), len(times)


def _gaps(chunks: Iterable[Any]) -> tuple[float, int]:
    """:func:`_largest_gap` of a stream consumed here (each chunk stamped as it arrives)."""
    return _largest_gap((time.perf_counter(), chunk) for chunk in chunks)


async def _agaps(chunks: Any) -> tuple[float, int]:
    """The async twin of :func:`_gaps`."""
    return _largest_gap([(time.perf_counter(), chunk) async for chunk in chunks])


def _first_token(chunks: Iterable[Any]) -> float:
    start = time.perf_counter()
    for chunk in chunks:
        if getattr(chunk, "content", None):
            return time.perf_counter() - start
    raise RuntimeError("the stream sent no token")


def stall(quick: bool, idle: float = 0.3) -> list[Row]:
    """Rows: the stall-to-continuation wait of each router API vs the ideal."""
    from lg_router import RunnableRouter, create_router, route

    rounds = 3 if quick else 15
    with BenchServer(0.02) as server:
        url = server.base_url
        catalog = clients.catalog_for(url)
        first, second = route(SHORT_TASK, catalog=catalog).model_ids[:2]
        server.configure(
            streams={
                first: {"tokens": 40, "interval": 0.01, "first_token": 0.02, "stall_after": 5, "token": " a"},
                second: {"tokens": 5, "interval": 0.01, "first_token": 0.02, "token": " b"},
            }
        )
        messages = [HumanMessage(SHORT_TASK)]
        # Health and the retry budget off: every round stalls the first model on purpose
        # (with health on, its breaker opens after a few rounds and it is skipped).
        off: dict[str, Any] = {"health": None, "retry_budget": None}
        router = RunnableRouter(catalog, idle_timeout=idle, **off)
        graph = create_router(catalog, idle_timeout=idle, **off).compile()
        direct = clients.direct_model(url, second)
        loop = asyncio.new_event_loop()

        def graph_stream() -> tuple[float, int]:
            items = graph.stream({"messages": messages}, stream_mode="messages")
            return _gaps(chunk for chunk, _ in items)

        variants: dict[str, Callable[[], tuple[float, int]]] = {
            "RunnableRouter.stream": lambda: _gaps(router.stream(messages)),
            "RunnableRouter.astream": lambda: loop.run_until_complete(_agaps(router.astream(messages))),
            "compiled router graph .stream (messages)": graph_stream,
        }
        samples: dict[str, list[float]] = {name: [] for name in variants}
        firsts: list[float] = []
        try:
            for i in range(rounds + 1):
                firsts.append(_first_token(direct.stream(messages)))
                for name, fn in variants.items():
                    gap, n = fn()
                    if n != 10:
                        raise RuntimeError(f"{name}: {n} tokens reached the caller, expected 5 + 5")
                    if i:
                        samples[name].append(gap)
            fallbacks_note = _with_fallbacks(url, first, second, idle, messages)
        finally:
            loop.close()
    direct_first = median(firsts[1:])
    ideal = idle + direct_first
    case = f"1st stalls after 5 tokens; idle_timeout {idle * 1000:.0f} ms; 2nd first token ~20 ms"
    rows = [
        Row(BENCH, case, "direct 2nd model: time to first token", firsts[1:]),
        Row(BENCH, case, "ideal: idle_timeout + 2nd first token", fixed=ideal, baseline=ideal),
    ]
    for name, values in samples.items():
        excess = (median(values) - ideal) * 1000
        verdict = "within" if excess <= TARGET_MS else "OVER"
        note = f"stall -> next token; {excess:+.1f} ms vs ideal ({verdict} {TARGET_MS:.0f} ms)"
        rows.append(Row(BENCH, case, name, values, baseline=ideal, note=note))
    rows.append(info_row(BENCH, case, f"ChatOpenAI(timeout={idle:g}).with_fallbacks", fallbacks_note))
    return rows


def _with_fallbacks(url: str, first: str, second: str, idle: float, messages: list[Any]) -> str:
    chain = clients.with_fallbacks(url, first, second, timeout=idle)
    start = time.perf_counter()
    try:
        n = sum(1 for c in chain.stream(messages) if c.content)
    except Exception as exc:
        return f"raises {type(exc).__name__} after {time.perf_counter() - start:.2f} s; no continuation"
    return f"delivered {n} tokens"


def long_stream(quick: bool, timeout: float = 1.5) -> list[Row]:
    """Rows: a stream far longer than ``timeout`` through each API, run side by side."""
    from lg_router import RunnableRouter, route

    tokens, interval = (60, 0.05) if quick else (2400, 0.05)
    with BenchServer(0.02) as server:
        url = server.base_url
        catalog = clients.catalog_for(url)
        best = route(SHORT_TASK, catalog=catalog).model_ids[0]
        server.configure(streams={best: {"tokens": tokens, "interval": interval, "first_token": 0.02}})
        messages = [HumanMessage(SHORT_TASK)]
        router = RunnableRouter(catalog, timeout=timeout)
        direct = clients.direct_model(url, best, timeout=timeout)
        chain = clients.with_fallbacks(url, best, best, timeout=timeout)
        results: dict[str, str | tuple[int, float]] = {}

        def measure(name: str, consume: Callable[[], int]) -> None:
            start = time.perf_counter()
            try:
                results[name] = (consume(), time.perf_counter() - start)
            except Exception as exc:
                results[name] = f"{type(exc).__name__} after {time.perf_counter() - start:.1f} s"

        async def astream() -> int:
            return sum([1 async for c in router.astream(messages) if c.content])

        jobs: dict[str, Callable[[], int]] = {
            "direct ChatOpenAI.stream": lambda: sum(1 for c in direct.stream(messages) if c.content),
            "ChatOpenAI.with_fallbacks .stream": lambda: sum(1 for c in chain.stream(messages) if c.content),
            "RunnableRouter.stream": lambda: sum(1 for c in router.stream(messages) if c.content),
            "RunnableRouter.astream": lambda: asyncio.run(astream()),
        }
        threads = [threading.Thread(target=measure, args=item) for item in jobs.items()]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    case = f"{tokens} tokens, one per {interval * 1000:.0f} ms ({tokens * interval:.0f} s)"
    case += f"; timeout {timeout:g} s"
    base = results.get("direct ChatOpenAI.stream")
    baseline = base[1] if isinstance(base, tuple) else None
    rows = []
    for name in jobs:
        got = results[name]
        if isinstance(got, str):
            rows.append(info_row(BENCH, case, name, f"FAILED: {got}"))
            continue
        n, seconds = got
        verdict = "whole" if n == tokens else "CUT"
        rows.append(
            Row(BENCH, case, name, fixed=seconds, baseline=baseline, note=f"{n}/{tokens} tokens ({verdict})")
        )
    return rows


def hedge(quick: bool, hedge_after: float = 0.1) -> list[Row]:
    """Rows: p50/p99 of a streamed answer when the first model's first token is heavy-tailed."""
    from lg_router import RunnableRouter, route

    rounds = 20 if quick else 200
    rng = random.Random(11)
    tail = [min(0.02 * rng.paretovariate(1.3), 2.0) for _ in range(rounds + 1)]
    with BenchServer(0.02) as server:
        url = server.base_url
        catalog = clients.catalog_for(url)
        first, second = route(SHORT_TASK, catalog=catalog).model_ids[:2]
        variants = 3  # each variant sends one request to the first model per round: same draws
        server.configure(
            streams={
                first: {
                    "tokens": 5,
                    "interval": 0.005,
                    "first_token": [t for t in tail for _ in range(variants)],
                },
                second: {"tokens": 5, "interval": 0.005, "first_token": 0.03},
            }
        )
        messages = [HumanMessage(SHORT_TASK)]
        off: dict[str, Any] = {"health": None, "retry_budget": None}  # measure the hedge alone
        plain = RunnableRouter(catalog, **off)
        hedged = RunnableRouter(catalog, hedge_after=hedge_after, **off)
        direct = clients.direct_model(url, first)

        async def consume(stream: Any) -> None:
            async for _ in stream:
                pass

        fns: dict[str, Callable[[], Any]] = {
            "direct ChatOpenAI.astream (1st model)": lambda: consume(direct.astream(messages)),
            "RunnableRouter.astream": lambda: consume(plain.astream(messages)),
            f"RunnableRouter(hedge_after={hedge_after:g}).astream": lambda: consume(hedged.astream(messages)),
        }

        async def main() -> dict[str, list[float]]:
            samples: dict[str, list[float]] = {name: [] for name in fns}
            for i in range(rounds + 1):
                for name, fn in fns.items():
                    start = time.perf_counter()
                    await fn()
                    if i:
                        samples[name].append(time.perf_counter() - start)
            return samples

        samples = asyncio.run(main())
    p50, p99 = median(tail) * 1000, percentile(tail, 99) * 1000
    case = f"1st model first token Pareto (p50 {p50:.0f} ms, p99 {p99:.0f} ms); 2nd 30 ms"
    base = next(iter(fns))
    rows = []
    for name, values in samples.items():
        note = f"p50 {median(values) * 1000:.0f} ms, p99 {percentile(values, 99) * 1000:.0f} ms"
        rows.append(
            Row(
                BENCH, case, name, values, baseline=median(samples[base]) if name != base else None, note=note
            )
        )
    return rows


def run(quick: bool) -> list[Row]:
    """All three cases."""
    return [*stall(quick), *long_stream(quick), *hedge(quick)]
