"""Health shared through a real Redis server: three router processes, Redis dying, the CLI."""

from __future__ import annotations

import json
import logging
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from lg_router import ModelCatalog, create_router
from lg_router.health import BreakerPolicy
from lg_router.health.redis import RedisHealth
from tests.health.replica import ANSWER_TIMEOUT, catalog_for
from tests.support.cli_proc import REPO, clean_env, run_cli
from tests.support.fault_server import Behavior, FaultServer
from tests.support.redis_server import RedisServer

pytestmark = pytest.mark.integration

TIMEOUT = 0.5  # of the hung model only; the others have ANSWER_TIMEOUT
TASK = "Refactor this Python function to use list comprehensions."
RANKED = ["deepseek-v3.2", "kimi-k2.6", "qwen-3-32b"]  # the rules' ranking for TASK


class Replica:
    """``python -m tests.health.replica`` in its own process, one command per line."""

    def __init__(self, base_url: str, redis_url: str, failures: int = 3) -> None:
        args = ["--base-url", base_url, "--redis", redis_url, "--failures", str(failures)]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.health.replica", *args, "--timeout", str(TIMEOUT)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=REPO,
            env=clean_env({"PYTHONPATH": str(REPO)}),
        )

    def ready(self) -> None:
        assert self._line() == "ready"

    def _line(self) -> str:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        assert line, f"replica exited with {self.proc.poll()}"
        return line.strip()

    def send(self, command: str) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return json.loads(self._line())

    def close(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.write("quit\n")
            self.proc.stdin.close()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


@pytest.fixture
def replicas(fault_server: FaultServer, redis_server: RedisServer) -> Iterator[list[Replica]]:
    started = [Replica(fault_server.base_url, redis_server.url) for _ in range(3)]
    try:
        for replica in started:
            replica.ready()
        yield started
    finally:
        for replica in started:
            replica.close()


def test_failures_seen_by_one_replica_make_the_others_skip_the_model(
    replicas: list[Replica], fault_server: FaultServer, redis_server: RedisServer
) -> None:
    for replica in replicas:  # every replica has routed (and so watches) the catalog
        # A loaded machine may time out a replica's very first call: warm up until it answers.
        assert any(replica.send("run")["answered_by"] == RANKED[0] for _ in range(3))
    before = fault_server.calls(RANKED[0])
    fault_server.script(RANKED[0], Behavior.hang())
    first, *others = replicas
    for _ in range(3):
        out = first.send("run")
        assert out["attempts"] == [[RANKED[0], "timeout"], [RANKED[1], "ok"]]
    assert first.send(f"state {RANKED[0]}")["breaker"] == "open"
    time.sleep(1.0)  # the bound: seen by the other replicas within 1 s
    for replica in others:
        assert replica.send(f"state {RANKED[0]}")["breaker"] == "open"
        for _ in range(2):
            out = replica.send("run")
            assert out["attempts"] == [[RANKED[1], "ok"]]
            assert out["excluded"][RANKED[0]].startswith("cooling down until ")
            assert "3 timeouts in" in out["excluded"][RANKED[0]]
    assert fault_server.calls(RANKED[0]) == before + 3  # the three timeouts of the first replica

    shown = run_cli("health", "--redis", redis_server.url, "--json")
    assert shown.returncode == 0, shown.stderr
    rows = {r["model_id"]: r for r in json.loads(shown.stdout)["models"]}
    assert rows[RANKED[0]]["breaker"] == "open" and rows[RANKED[0]]["cooldown_left"] > 0
    assert rows[RANKED[0]]["reason"].startswith("3 timeouts in")
    assert rows[RANKED[1]]["breaker"] == "closed" and rows[RANKED[1]]["p50"] > 0
    table = run_cli("health", "--redis", redis_server.url)
    assert table.returncode == 0, table.stderr
    assert "open" in next(line for line in table.stdout.splitlines() if RANKED[0] in line)


def test_killing_redis_mid_run_loses_no_request(
    fault_server: FaultServer, redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="lg_router.health")
    fault_server.script(RANKED[0], Behavior.hang())
    store = RedisHealth(redis_server.url, policy=BreakerPolicy(failures=2), refresh=0.05)
    graph = create_router(
        catalog_for(fault_server.base_url, TIMEOUT), timeout=ANSWER_TIMEOUT, health=store
    ).compile()
    answers = []
    try:
        for i in range(12):
            if i == 4:
                redis_server.kill()
            out = graph.invoke({"messages": [("user", TASK)]})
            answers.append(out["messages"][-1].response_metadata["model_name"])
        deadline = time.monotonic() + 5
        while store.connected and time.monotonic() < deadline:  # the sync thread notices
            time.sleep(0.02)
        for _ in range(3):
            out = graph.invoke({"messages": [("user", TASK)]})
            answers.append(out["messages"][-1].response_metadata["model_name"])
    finally:
        store.close()
    assert answers == [RANKED[1]] * 15
    assert fault_server.calls(RANKED[0]) == 2  # the local breaker kept working without Redis
    down = [r for r in caplog.records if "unreachable" in r.getMessage()]
    assert len(down) == 1, [r.getMessage() for r in caplog.records]


def test_a_redis_that_never_answers_does_not_hold_up_requests(fault_server: FaultServer) -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    threading.Thread(target=lambda: accepted.append(listener.accept()[0]), daemon=True).start()
    url = f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    store = RedisHealth(url, timeout=30.0)  # the sync thread waits 30 s for each reply
    catalog = ModelCatalog.preset("oxlo").with_endpoint(fault_server.base_url)
    graph = create_router(catalog, timeout=5.0, health=store).compile()
    try:
        graph.invoke({"messages": [("user", TASK)]})
        deadline = time.monotonic() + 5
        while not accepted and time.monotonic() < deadline:
            time.sleep(0.01)
        assert accepted, "the store never connected"
        started = time.monotonic()
        for _ in range(5):
            out = graph.invoke({"messages": [("user", TASK)]})
            assert out["messages"][-1].content == f"answer from {RANKED[0]}"
        assert time.monotonic() - started < 15  # not 5 x the 30 s Redis socket timeout
        assert store.syncs == 0  # Redis never answered once, meanwhile
    finally:
        store.close(flush_timeout=0)
        for conn in accepted:
            conn.close()
        listener.close()


def test_cli_run_shares_what_it_saw_through_redis(
    fault_server: FaultServer, redis_server: RedisServer
) -> None:
    fault_server.script(RANKED[0], Behavior.hang())
    result = run_cli(
        "run", TASK, "--base-url", fault_server.base_url, "--api-key-env", "NO_KEY",
        "--timeout", "2", "--health", redis_server.url, "--json",
        env={"NO_KEY": "x"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["model"] == RANKED[1]
    shown = run_cli("health", "--json", env={"LG_ROUTER_HEALTH": redis_server.url})
    assert shown.returncode == 0, shown.stderr
    rows = {r["model_id"]: r for r in json.loads(shown.stdout)["models"]}
    assert rows[RANKED[0]]["error_rate"] == 1.0 and rows[RANKED[0]]["window_calls"] == 1
    assert rows[RANKED[1]]["error_rate"] == 0.0


def _wait_for(condition: Any, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def _timeout(model: str) -> Any:
    from lg_router.decision import Attempt

    return Attempt(model_id=model, outcome="timeout", seconds=0.3, retryable=True)


def test_failures_add_up_across_replicas(redis_server: RedisServer) -> None:
    policy = BreakerPolicy(failures=3)
    a, b = (RedisHealth(redis_server.url, policy=policy, refresh=0.05) for _ in range(2))
    try:
        for store in (a, b):
            store.check(["m"], claim_ttl=1)
        a.record(_timeout("m"))
        a.record(_timeout("m"))
        assert _wait_for(lambda: a.syncs > 2 and b.syncs > 2)
        assert a.state("m").breaker == b.state("m").breaker == "closed"
        b.record(_timeout("m"))  # no replica saw 3, together they did
        assert _wait_for(lambda: a.state("m").breaker == "open" and b.state("m").breaker == "open")
        assert "3 failures in a row across replicas" in b.state("m").reason
    finally:
        a.close()
        b.close()


def test_after_the_cooldown_exactly_one_replica_probes(redis_server: RedisServer) -> None:
    policy = BreakerPolicy(failures=1, cooldown=0.5)
    stores = [RedisHealth(redis_server.url, policy=policy, refresh=0.05) for _ in range(3)]
    try:
        for store in stores:
            store.check(["m"], claim_ttl=1)
        stores[0].record(_timeout("m"))
        assert _wait_for(lambda: all(s.state("m").breaker == "open" for s in stores))
        probes: list[int] = []

        def someone_probes() -> bool:
            for i, store in enumerate(stores):
                if store.check(["m"], claim_ttl=30)[1]:
                    probes.append(i)
            return bool(probes)

        assert _wait_for(someone_probes)
        time.sleep(0.5)  # a few more refreshes: nobody else gets a probe meanwhile
        assert not [i for i, s in enumerate(stores) if s.check(["m"], claim_ttl=30)[1]]
        assert len(probes) == 1
        from lg_router.decision import Attempt

        stores[probes[0]].record(Attempt(model_id="m", outcome="ok", seconds=0.1))
        assert _wait_for(lambda: all(s.check(["m"], claim_ttl=30)[0] == {} for s in stores))
        assert all(s.state("m").breaker == "closed" for s in stores)
    finally:
        for store in stores:
            store.close()


def test_the_redis_password_never_reaches_logs_or_messages(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="lg_router.health")
    from tests.support.redis_server import free_port

    url = f"redis://:s3cret-pw@127.0.0.1:{free_port()}/0"  # nothing listens there
    store = RedisHealth(url, refresh=0.05)
    try:
        store.record(_timeout("m"))
        assert _wait_for(lambda: not store.connected)
    finally:
        store.close(flush_timeout=0)
    assert "s3cret" not in repr(store)
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "unreachable" in logged and "s3cret" not in logged
    shown = run_cli("health", "--redis", url)
    assert shown.returncode != 0 and "cannot read health from Redis at redis://127.0.0.1:" in shown.stderr
    assert "s3cret" not in shown.stderr + shown.stdout
