"""Benchmark 4: the first-ranked model hangs; time to the second model's answer."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from langchain_core.messages import HumanMessage

from benchmarks import clients
from benchmarks.decision import SHORT_TASK
from benchmarks.server import BenchServer
from benchmarks.stats import Row, info_row, interleave, median

BENCH = "4 fallback"
SECOND = "direct call to 2nd model"
TARGET_MS = 50.0


def run(quick: bool, timeout: float = 0.25, latency: float = 0.02) -> list[Row]:
    """Rows: each fallback path vs ``timeout`` + a measured direct call to the 2nd model."""
    from lg_router import route

    rounds = 8 if quick else 40
    rows: list[Row] = []
    with BenchServer(latency) as server:
        url = server.base_url
        catalog = clients.catalog_for(url)
        decision = route(SHORT_TASK, catalog=catalog)
        first, second = (catalog[m].provider_model for m in decision.model_ids[:2])
        server.configure(hang=[first])
        messages = [HumanMessage(SHORT_TASK)]
        direct_second = clients.direct_model(url, second)
        # Every round falls back on purpose: no retry budget, no health skipping the hung model.
        steady = {"retry_budget": None, "health": None}
        graph = clients.compiled_router(url, timeout=timeout, **steady)
        fallbacks = clients.with_fallbacks(url, first, second, timeout=timeout)
        loop = asyncio.new_event_loop()
        variants: dict[str, Callable[[], Any]] = {
            SECOND: lambda: direct_second.invoke(messages),
            "compiled router graph .invoke": lambda: _check(graph.invoke({"messages": messages}), second),
            "compiled router graph .ainvoke": lambda: _check(
                loop.run_until_complete(graph.ainvoke({"messages": messages})), second
            ),
            "ChatOpenAI(timeout).with_fallbacks": lambda: fallbacks.invoke(messages),
        }
        if clients.runnable_router_available():
            router = clients.runnable_router(url, timeout=timeout, **steady)
            variants["RunnableRouter.invoke"] = lambda: router.invoke(messages)
        broken = {name: why for name, fn in variants.items() if (why := clients.probe(fn))}
        for name in broken:
            del variants[name]
        try:
            samples = interleave(variants, rounds, warmup=1)
        finally:
            loop.close()
    ideal = timeout + median(samples[SECOND])
    case = f"1st ({first}) hangs; timeout {timeout * 1000:.0f} ms; 2nd answers in {latency * 1000:.0f} ms"
    rows.append(Row(BENCH, case, "ideal: timeout + direct 2nd call", fixed=ideal, baseline=ideal))
    rows.extend(info_row(BENCH, case, name, f"FAILED: {why}") for name, why in broken.items())
    for name, values in samples.items():
        row = Row(BENCH, case, name, values, baseline=ideal if name != SECOND else None)
        if name != SECOND:
            excess = (median(values) - ideal) * 1000
            verdict = "within" if excess <= TARGET_MS else "OVER"
            row.note = f"{excess:+.1f} ms vs ideal ({verdict} {TARGET_MS:.0f} ms target)"
        rows.append(row)
    return rows


def _check(output: dict[str, Any], second: str) -> dict[str, Any]:
    attempts = output.get("attempts") or []
    outcomes = [a.outcome for a in attempts]
    if outcomes[-1:] != ["ok"] or len(outcomes) < 2:
        raise RuntimeError(f"expected a timeout then an answer from {second}, got {outcomes}")
    return output
