"""``langgraph dev`` serves langgraph.json -> graphs/router.py:graph, offline.

The server runs as a real subprocess on 127.0.0.1 with its models pointed at a
FaultServer; the test finds the assistant through langgraph-sdk, runs a task, reads the
ranked decision and the answer back, then kills the server's process group.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cli_proc import REPO, clean_env
from tests.support.fault_server import FaultServer

pytestmark = pytest.mark.integration


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_langgraph_json_points_at_the_router_graph() -> None:
    config = json.loads((REPO / "langgraph.json").read_text(encoding="utf-8"))
    assert config["graphs"] == {"router": "./graphs/router.py:graph"}
    assert config["dependencies"] == ["."]
    assert config["python_version"] == "3.11"
    env = config.get("env")
    assert env is None or isinstance(env, dict) or (REPO / env).exists()


DEV_LOG: list[Path] = []  # the running server's log (the fixture's)


@pytest.fixture(scope="module")
def dev_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, FaultServer]]:
    log_path: Path = tmp_path_factory.mktemp("langgraph") / "dev.log"
    DEV_LOG[:] = [log_path]
    with FaultServer() as fault, log_path.open("wb") as log:
        port = _free_port()
        env = clean_env(
            {
                "LG_ROUTER_BASE_URL": fault.base_url,
                "LANGGRAPH_CLI_NO_ANALYTICS": "1",
                "LANGGRAPH_NO_VERSION_CHECK": "true",
            }
        )
        langgraph = Path(sys.executable).with_name("langgraph")
        proc = subprocess.Popen(
            [
                str(langgraph),
                "dev",
                "--no-browser",
                "--no-reload",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            url = _wait_for_api(proc, log_path)
            yield url, fault
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)


def _wait_for_api(proc: subprocess.Popen[bytes], log_path: Path, timeout: float = 90) -> str:
    """The API URL the server printed (it may move off a busy port), once it answers /ok."""
    import urllib.request

    deadline = time.monotonic() + timeout
    url = None
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"langgraph dev exited:\n{log_path.read_text(errors='replace')[-3000:]}"
        text = re.sub(r"\x1b\[[0-9;]*m", "", log_path.read_text(errors="replace"))
        found = re.search(r"API: (http://127\.0\.0\.1:\d+)", text)
        url = found.group(1) if found else url
        if url:
            try:
                with urllib.request.urlopen(f"{url}/ok", timeout=2) as response:
                    if response.status == 200:
                        return url
            except OSError:
                pass
        time.sleep(0.3)
    raise AssertionError(f"langgraph dev did not come up:\n{log_path.read_text(errors='replace')[-3000:]}")


def test_studio_runs_a_task_through_the_router(dev_server: tuple[str, FaultServer]) -> None:
    from langgraph_sdk import get_sync_client

    url, fault = dev_server
    client = get_sync_client(url=url)
    assistants = client.assistants.search(graph_id="router")
    assert len(assistants) == 1
    graph = client.assistants.get_graph(assistants[0]["assistant_id"])
    node_ids = {n["id"] for n in graph["nodes"]}
    assert {"classify", "call deepseek-v3.2", "call kimi-k2.6", "exhausted"} <= node_ids

    result = client.runs.wait(
        None,
        assistants[0]["assistant_id"],
        input={
            "messages": [
                {"role": "user", "content": "Refactor this Python function to use list comprehensions."}
            ]
        },
    )
    decision = result["decision"]
    assert [r["model_id"] for r in decision["ranked"]] == ["deepseek-v3.2", "kimi-k2.6", "qwen-3-32b"]
    assert decision["category"] == "coding"
    answer = result["messages"][-1]
    assert answer["content"] == "answer from deepseek-v3.2"
    assert answer["response_metadata"]["model_name"] == "deepseek-v3.2"
    assert [a["outcome"] for a in result["attempts"]] == ["ok"]
    assert fault.requests[-1].model == "deepseek-v3.2"


def test_studio_context_sets_preference_and_pool(dev_server: tuple[str, FaultServer]) -> None:
    from langgraph_sdk import get_sync_client

    url, _ = dev_server
    client = get_sync_client(url=url)
    assistant = client.assistants.search(graph_id="router")[0]
    result = client.runs.wait(
        None,
        assistant["assistant_id"],
        input={"messages": [{"role": "user", "content": "Help me optimize this code"}]},
        context={"preference": "cost", "models": ["llama-3.3-70b", "deepseek-v3.2"]},
    )
    assert result["decision"]["preference"] == "cost"
    assert {r["model_id"] for r in result["decision"]["ranked"]} <= {"llama-3.3-70b", "deepseek-v3.2"}
    assert result["messages"][-1]["content"] == f"answer from {result['decision']['ranked'][0]['model_id']}"


def test_checkpointed_turns_log_no_unregistered_type(dev_server: tuple[str, FaultServer]) -> None:
    from langgraph_sdk import get_sync_client

    url, _ = dev_server
    client = get_sync_client(url=url)
    assistant = client.assistants.search(graph_id="router")[0]
    thread = client.threads.create()
    for turn in ("Refactor this Python function to use list comprehensions.", "Now add type hints."):
        result = client.runs.wait(
            thread["thread_id"],
            assistant["assistant_id"],
            input={"messages": [{"role": "user", "content": turn}]},
        )
        assert [a["outcome"] for a in result["attempts"]] == ["ok"]
    state = client.threads.get_state(thread["thread_id"])
    assert len(state["values"]["messages"]) == 4
    assert state["values"]["decision"]["ranked"]
    log = DEV_LOG[0].read_text(errors="replace")
    assert "unregistered type" not in log, log[-2000:]
