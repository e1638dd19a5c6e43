"""``python -m benchmarks --quick`` runs end to end and prints every benchmark's rows.

No thresholds: CI only keeps the benchmarks from rotting.  The servers it starts bind
127.0.0.1 only.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.timeout(200)]

ROOT = Path(__file__).resolve().parents[2]


def test_quick_benchmarks_print_every_benchmark() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=170,
        check=False,
    )
    out = done.stdout
    assert done.returncode == 0, f"stdout:\n{out}\nstderr:\n{done.stderr[-2000:]}"
    assert "cores" in out and "quick mode" in out
    rows = [line for line in out.splitlines() if line.startswith("| ")]
    expected = {
        "1 decision": ["4,000 chars (code)", "500,000 chars (log)", "route()", "keyword floor"],
        "2 overhead": ["server 0 ms", "server 20 ms", "compiled router graph .invoke", "direct ChatOpenAI"],
        "3 concurrency": ["concurrent", "compiled router graph .ainvoke", "direct ChatOpenAI.ainvoke"],
        "4 fallback": ["ideal: timeout + direct 2nd call", "compiled router graph .invoke"],
        "5 start-up": ["import lg_router", "import langgraph.graph, langchain_openai"],
        "6 streams": ["ideal: idle_timeout + 2nd first token", "(whole)", "hedge_after"],
        "7 health": ["x timeout +", 'health="memory"'],
        "8 memory": ["decisions (30% repeat, 20% paraphrase)", "exact (in-memory LRU)", "semantic threshold"],
        "9 gateway": ["openai SDK -> model (direct)", 'serve, model="auto"', "own work per request"],
        "10 peers": [
            "sequential, server 0 ms",
            "openai SDK (bare)",
            "LangGraph 1-node graph + ChatOpenAI",
            "concurrent",
            "ms/request",
        ],
        "11 decomposition": [
            "LangGraph floor",
            "sync deadline thread hop",
            "ideal: floor + decision + model",
            "GC-tracked objects per run",
        ],
        "12 work per request": ["Python calls/request", "gen0 GCs per 1,000", "RunnableRouter"],
    }
    for bench, needles in expected.items():
        bench_rows = "\n".join(r for r in rows if r.startswith(f"| {bench}"))
        assert bench_rows, f"no rows for {bench}"
        assert "FAILED" not in bench_rows or "RunnableRouter" in bench_rows, bench_rows
        for needle in needles:
            assert needle in bench_rows, f"{bench}: {needle!r} missing"
    measured = [r for r in rows if "| route() " in r]
    medians = [r.split("|")[5].strip() for r in measured]
    assert all(m not in ("", "-") for m in medians), medians
