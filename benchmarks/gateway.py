"""Benchmark 8: the gateway's added latency over calling the model directly.

The same official ``openai`` SDK client calls the local benchmark server either
directly or through ``lg-router serve`` (one uvicorn worker, its own process), which
routes (``model="auto"``) or pins a catalog id and then calls the same server (over
aiohttp, the default, or httpx).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

from benchmarks.decision import SHORT_TASK
from benchmarks.server import BenchServer
from benchmarks.stats import Row, info_row, interleave, rows_for

BENCH = "9 gateway"
DIRECT = "openai SDK -> model (direct)"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def gateway(upstream: str, *args: str) -> Iterator[str]:
    """``lg-router serve --catalog oxlo --base-url UPSTREAM`` on a free port; yields its base URL."""
    port = _free_port()
    cmd = [sys.executable, "-m", "lg_router.cli", "serve", "--port", str(port), "--base-url", upstream, *args]
    env = {k: v for k, v in os.environ.items() if not k.startswith("LG_ROUTER_")}
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                msg = f"lg-router serve did not start (exit {proc.poll()})"
                raise RuntimeError(msg)
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1),
            ):
                break
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _call(client: Any, model: str) -> Callable[[], Any]:
    messages = [{"role": "user", "content": SHORT_TASK}]

    def call() -> Any:
        return client.chat.completions.create(model=model, messages=messages)

    return call


def _own_work(rounds: int) -> list[Row]:
    """The gateway's own CPU per request, in process: parse, build the response, bookkeeping."""
    import json

    from langchain_core.messages import AIMessage

    from lg_router import route
    from lg_router.catalog import ModelCatalog
    from lg_router.decision import Attempt
    from lg_router.server import create_app, replies, wire
    from lg_router.server.outcome import Outcome

    catalog = ModelCatalog.preset("oxlo").with_endpoint("http://127.0.0.1:9/v1")
    gateway = create_app(catalog, keys=["bench"]).state.gateway
    body = {"model": "auto", "messages": [{"role": "user", "content": SHORT_TASK}]}
    decision = route(SHORT_TASK, catalog=catalog)
    usage = {"input_tokens": 12, "output_tokens": 1, "total_tokens": 13}
    attempts = [Attempt(model_id=decision.best, outcome="ok", seconds=0.01, usage=usage, cost=0.0)]
    answer = AIMessage("ok", response_metadata={"model_name": decision.best})
    request = wire.parse_request(body, catalog)
    raw = json.dumps(body).encode()

    def parse() -> Any:
        return wire.parse_request(json.loads(raw), catalog)

    def respond() -> Any:
        return json.dumps(replies.completion_body(answer, decision, attempts, cid="chatcmpl-bench"))

    def bookkeeping() -> Any:
        gateway.keys.check("bench")
        gateway.record(Outcome(request, decision, attempts, 0.01, 200, decision.best))

    def batch(fn: Callable[[], Any]) -> Callable[[], None]:
        def hundred() -> None:
            for _ in range(100):
                fn()

        return hundred

    variants = {
        "parse + validate the request": batch(parse),
        "build + serialise the response": batch(respond),
        "key check + metrics + status log": batch(bookkeeping),
    }
    samples = interleave(variants, rounds, warmup=2)
    per_call = {name: [s / 100 for s in values] for name, values in samples.items()}
    rows = rows_for(BENCH, "own work per request, in process", per_call, "parse + validate the request")
    for row in rows:
        row.baseline = None
    return rows


def run(quick: bool) -> list[Row]:
    """Direct vs through the gateway, at 0 ms and 20 ms server latency."""
    from openai import OpenAI

    from lg_router import route
    from lg_router.catalog import ModelCatalog

    rows: list[Row] = []
    first = route(SHORT_TASK, catalog=ModelCatalog.preset("oxlo")).best
    with (
        BenchServer(0.0) as server,
        gateway(server.base_url) as through,
        gateway(server.base_url, "--http-client", "httpx") as through_httpx,
    ):
        direct = OpenAI(base_url=server.base_url, api_key="none", max_retries=0)
        routed = OpenAI(base_url=through, api_key="none", max_retries=0)
        routed_httpx = OpenAI(base_url=through_httpx, api_key="none", max_retries=0)
        variants = {
            DIRECT: _call(direct, first),
            'lg-router serve, model="auto"': _call(routed, "auto"),
            f"lg-router serve, model={first!r}": _call(routed, first),
            'lg-router serve --http-client httpx, "auto"': _call(routed_httpx, "auto"),
        }
        answer = routed.chat.completions.create(
            model="auto", messages=[{"role": "user", "content": SHORT_TASK}]
        )
        if answer.model != first:
            rows.append(info_row(BENCH, "check", "routed model", f"expected {first}, got {answer.model}"))
        for latency, rounds in ((0.0, 30 if quick else 300), (0.02, 15 if quick else 150)):
            server.configure(latency=latency)
            samples = interleave(variants, rounds, warmup=5)
            case_rows = rows_for(BENCH, f"server {latency * 1000:.0f} ms, 1 worker", samples, DIRECT)
            base = case_rows[0].median
            for row in case_rows[1:]:
                row.note = f"{(row.median - base) * 1000:+.2f} ms vs direct (goal < 2 ms)"
            rows.extend(case_rows)
        stats = server.stats()
    if stats["bad"]:
        rows.append(info_row(BENCH, "server", "malformed requests", str(stats["bad"])))
    rows.extend(_own_work(20 if quick else 100))
    return rows
