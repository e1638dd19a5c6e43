"""The first routed call in a fresh process stays within the sum of its deadlines.

Run in a new interpreter, so nothing (``langchain_openai``, HTTP clients) is imported or
built yet when the router is created.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from lg_router import ModelCatalog
from tests.support.fault_server import Behavior, FaultServer

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
TIMEOUT = 0.5
SLACK = 0.6  # generous: classification and the node steps, on a loaded machine

SCRIPT = textwrap.dedent(
    """
    import asyncio, json, sys, time
    from lg_router import ModelCatalog, RoutingError, create_router

    base_url, mode, timeout = sys.argv[1], sys.argv[2], float(sys.argv[3])
    catalog = ModelCatalog.preset("oxlo").with_endpoint(base_url)
    graph = create_router(catalog, timeout=timeout).compile()
    inputs = {"messages": [("user", "Refactor this Python function to use list comprehensions.")]}
    started = time.perf_counter()
    try:
        graph.invoke(inputs) if mode == "sync" else asyncio.run(graph.ainvoke(inputs))
    except RoutingError as exc:
        attempts = [a.outcome for a in exc.attempts]
    print(json.dumps({"seconds": time.perf_counter() - started, "attempts": attempts}))
    """
)


@pytest.fixture
def hanging() -> Iterator[FaultServer]:
    with FaultServer(models=list(ModelCatalog.preset("oxlo").ids), default=Behavior.hang()) as srv:
        yield srv


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_first_call_in_a_fresh_process_within_the_sum_of_deadlines(hanging: FaultServer, mode: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, hanging.base_url, mode, str(TIMEOUT)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["attempts"] == ["timeout"] * 3
    assert result["seconds"] < 3 * TIMEOUT + SLACK, result
