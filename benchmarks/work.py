"""Benchmark 12: the work of one request, counted rather than timed.

Timings on a shared 2-core machine swing 2-3x between runs; counts do not. For
the fake chat model alone, LangGraph's one-node floor (its node returns a message: add
the model's count for a floor around a model), the lg-router graph and
``RunnableRouter`` (fake models, in process, ``ainvoke``, 1,000 concurrent runs in one
event loop):

* Python function calls per request (``cProfile``'s call count over 200 runs);
* young-generation (gen0) collections per 1,000 requests with CPython's default GC
  thresholds: one per ~700 net new GC-tracked objects, so it counts allocations that
  outlive a moment.

What each in-flight run keeps alive for the GC is in :mod:`benchmarks.decompose`.
"""

from __future__ import annotations

import asyncio
import cProfile
import gc
import pstats
from collections.abc import Awaitable, Callable
from typing import Any

from benchmarks import decompose
from benchmarks.stats import Row, info_row

BENCH = "12 work per request"


def _counts(call: Callable[[], Awaitable[Any]], n: int, profiled: int) -> tuple[int, float]:
    async def burst(size: int) -> None:
        await asyncio.gather(*(call() for _ in range(size)))

    asyncio.run(burst(50))  # warm up: lazy builds, caches
    gc.collect()
    before = gc.get_stats()[0]["collections"]
    asyncio.run(burst(n))
    gen0 = gc.get_stats()[0]["collections"] - before
    profile = cProfile.Profile()
    profile.enable()
    asyncio.run(burst(profiled))
    profile.disable()
    calls = pstats.Stats(profile).total_calls / profiled  # type: ignore[attr-defined]
    return gen0, calls


def run(quick: bool) -> list[Row]:
    """One row per variant: Python calls per request, gen0 collections per 1,000 requests."""
    _, asyn = decompose.parts()
    n, profiled = (200, 50) if quick else (1000, 200)
    case = f"async, {n:,} concurrent in process (fake models)"
    rows = []
    for name in (decompose.MODEL, decompose.FLOOR, decompose.GRAPH, decompose.PREGEL, decompose.ROUTER):
        gen0, calls = _counts(asyn[name], n, profiled)
        per_1000 = gen0 * 1000 / n
        rows.append(
            info_row(
                BENCH, case, name, f"{calls:,.0f} Python calls/request; {per_1000:.0f} gen0 GCs per 1,000"
            )
        )
    return rows
