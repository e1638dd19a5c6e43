"""``python -m benchmarks [--quick] [--only NAME ...]``: run and print one results table."""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import signal
import sys
import time
from collections.abc import Callable

from benchmarks import (
    concurrency,
    decision,
    decompose,
    fallback,
    gateway,
    health,
    memory,
    overhead,
    peers,
    startup,
    streaming,
    work,
)
from benchmarks.stats import Row, format_table, info_row

SUITES: dict[str, tuple[str, Callable[[bool], list[Row]]]] = {
    "decision": (decision.BENCH, decision.run),
    "overhead": (overhead.BENCH, overhead.run),
    "concurrency": (concurrency.BENCH, concurrency.run),
    "fallback": (fallback.BENCH, fallback.run),
    "startup": (startup.BENCH, startup.run),
    "streaming": (streaming.BENCH, streaming.run),
    "health": (health.BENCH, health.run),
    "memory": (memory.BENCH, memory.run),
    "gateway": (gateway.BENCH, gateway.run),
    "peers": (peers.BENCH, peers.run),
    "decompose": (decompose.BENCH, decompose.run),
    "work": (work.BENCH, work.run),
}


# The numbers are for the core install, whose default classifier is "learned"; with the
# semantic extra installed (the test extra has it) the library would default to it. Set the
# variable yourself to measure another (LG_ROUTER_CLASSIFIER=semantic python -m benchmarks).
os.environ.setdefault("LG_ROUTER_CLASSIFIER", "learned")


def header(quick: bool) -> list[str]:
    """Lines describing the machine and the run."""
    return [
        f"lg-router benchmarks, {datetime.date.today().isoformat()}, {'quick' if quick else 'full'} mode",
        f"machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}, "
        f"{platform.system()}",
        "server: benchmarks/server.py (raw asyncio, own process, 127.0.0.1); its latency is in each case",
        "ratio = median / the case's baseline median (first row of the case, or the ideal row)",
        f"classifier: {os.environ['LG_ROUTER_CLASSIFIER']} (LG_ROUTER_CLASSIFIER; learned: the core default)",
    ]


def main(argv: list[str] | None = None) -> int:
    """Run the selected suites; print the table; 0 unless a suite crashed."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small runs (CI smoke, < 60 s)")
    parser.add_argument("--only", nargs="+", choices=sorted(SUITES), help="run only these suites")
    args = parser.parse_args(argv)
    # SIGTERM unwinds like Ctrl-C, so the servers started in `with` blocks are stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    rows: list[Row] = []
    failed = False
    started = time.perf_counter()
    for name in args.only or list(SUITES):
        bench, run = SUITES[name]
        t0 = time.perf_counter()
        print(f"running {name} ...", file=sys.stderr, flush=True)
        try:
            rows.extend(run(args.quick))
        except Exception as exc:  # one broken suite must not hide the others' results
            failed = True
            rows.append(info_row(bench, "FAILED", type(exc).__name__, str(exc).splitlines()[0][:160]))
        print(f"  {name} took {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
    lines = header(args.quick)
    lines.append(f"total run time {time.perf_counter() - started:.0f} s")
    print(format_table(rows, lines))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
