"""Health against the fault server through the real ChatOpenAI: a hung model stops costing time."""

from __future__ import annotations

import asyncio
import json

import pytest

from lg_router import ModelCatalog, create_router
from lg_router.health import BreakerPolicy, MemoryHealth
from tests.health.replica import ANSWER_TIMEOUT, catalog_for
from tests.support.cli_proc import run_cli
from tests.support.fault_server import Behavior, FaultServer

pytestmark = pytest.mark.integration

TIMEOUT = 0.3
TASK = "Refactor this Python function to use list comprehensions."
RANKED = ["deepseek-v3.2", "kimi-k2.6", "qwen-3-32b"]  # the rules' ranking for TASK


def _catalog(server: FaultServer) -> ModelCatalog:
    return catalog_for(server.base_url, TIMEOUT)  # only the hung model times out fast


@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
def test_with_the_first_model_hanging_only_the_first_requests_wait(
    fault_server: FaultServer, mode: str
) -> None:
    fault_server.script(RANKED[0], Behavior.hang())
    store = MemoryHealth(BreakerPolicy(failures=3))
    graph = create_router(_catalog(fault_server), timeout=ANSWER_TIMEOUT, health=store).compile()

    async def runs() -> list[dict]:
        return [await graph.ainvoke({"messages": [("user", TASK)]}) for _ in range(10)]

    if mode == "invoke":
        outputs = [graph.invoke({"messages": [("user", TASK)]}) for _ in range(10)]
    else:
        outputs = asyncio.run(runs())
    assert fault_server.calls(RANKED[0]) == 3  # only the breaker's threshold paid the timeout
    outcomes = [[(a.model_id, a.outcome) for a in o["attempts"]] for o in outputs]
    assert outcomes[:3] == [[(RANKED[0], "timeout"), (RANKED[1], "ok")]] * 3
    assert outcomes[3:] == [[(RANKED[1], "ok")]] * 7
    assert all(o["messages"][-1].content == f"answer from {RANKED[1]}" for o in outputs)
    skipped = outputs[-1]["decision"]
    assert skipped.model_ids[0] == RANKED[1] and RANKED[0] not in skipped.model_ids
    assert "3 timeouts in" in skipped.excluded[RANKED[0]]


def test_a_running_process_dumps_its_store_for_the_cli(fault_server: FaultServer, tmp_path) -> None:
    fault_server.script(RANKED[0], Behavior.hang())
    dump = tmp_path / "health.json"
    store = MemoryHealth(BreakerPolicy(failures=2), dump_to=dump, dump_every=0.05)
    graph = create_router(_catalog(fault_server), timeout=ANSWER_TIMEOUT, health=store).compile()
    for _ in range(4):
        graph.invoke({"messages": [("user", TASK)]})
    store.dump(dump)  # what the dump thread writes within dump_every; written here to not wait
    result = run_cli("health", "--file", str(dump), "--json")
    assert result.returncode == 0, result.stderr
    rows = {r["model_id"]: r for r in json.loads(result.stdout)["models"]}
    assert rows[RANKED[0]]["breaker"] == "open"
    assert rows[RANKED[0]]["reason"].startswith("2 timeouts in")
    assert 0 < rows[RANKED[0]]["cooldown_left"] <= 30
    assert rows[RANKED[1]]["breaker"] == "closed" and rows[RANKED[1]]["p50"] > 0
    assert rows[RANKED[1]]["error_rate"] == 0.0
    table = run_cli("health", "--file", str(dump))
    assert table.returncode == 0, table.stderr
    line = next(line for line in table.stdout.splitlines() if RANKED[0] in line)
    assert "open" in line and "2 timeouts" in line


def test_a_429_with_retry_after_takes_the_model_out_at_once_for_that_long(fault_server: FaultServer) -> None:
    fault_server.script(RANKED[0], Behavior.rate_limited(retry_after=20))
    store = MemoryHealth()  # default thresholds: 5 failures would be needed otherwise
    graph = create_router(_catalog(fault_server), timeout=ANSWER_TIMEOUT, health=store).compile()
    outputs = [graph.invoke({"messages": [("user", TASK)]}) for _ in range(3)]
    assert fault_server.calls(RANKED[0]) == 1
    assert [a.model_id for a in outputs[0]["attempts"]] == RANKED[:2]
    reason = outputs[1]["decision"].excluded[RANKED[0]]
    assert reason.startswith("cooling down until ") and reason.endswith("429 with Retry-After 20 s")
    assert 18 < store.state(RANKED[0]).cooldown_left <= 20
