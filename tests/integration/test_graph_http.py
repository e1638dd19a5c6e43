"""The router graph driving the real ChatOpenAI against the fault server on 127.0.0.1."""

import asyncio
import socket
import time
from collections.abc import Iterator

import pytest

from lg_router import ModelCatalog, RoutingError, create_router
from tests.support.fault_server import Behavior, FaultServer

pytestmark = pytest.mark.integration

TIMEOUT = 0.5
CODE_TASK = "Refactor this Python function to use list comprehensions."
RANKED = ["deepseek-v3.2", "kimi-k2.6", "qwen-3-32b"]  # the rules' ranking for CODE_TASK


@pytest.fixture(scope="module")
def server() -> Iterator[FaultServer]:
    with FaultServer(models=list(ModelCatalog.preset("oxlo").ids)) as srv:
        yield srv


@pytest.fixture(scope="module")
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    # One loop for the module: cached HTTP clients keep connections bound to their loop.
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


@pytest.fixture
def graph(server: FaultServer):
    server.clear_scripts()
    server.reset_log()
    catalog = ModelCatalog.preset("oxlo").with_endpoint(server.base_url)
    return create_router(catalog, timeout=TIMEOUT).compile()


_LOOP: list[asyncio.AbstractEventLoop] = []


@pytest.fixture(autouse=True)
def _use_loop(loop: asyncio.AbstractEventLoop) -> Iterator[None]:
    _LOOP[:] = [loop]
    yield


def run(graph, mode: str):
    inputs = {"messages": [("user", CODE_TASK)]}
    started = time.perf_counter()
    try:
        out = graph.invoke(inputs) if mode == "sync" else _LOOP[0].run_until_complete(graph.ainvoke(inputs))
    finally:
        elapsed = time.perf_counter() - started
    return out, elapsed


FAULTS = {
    "hang": Behavior.hang(),
    "slow": Behavior.slow(TIMEOUT * 3),
    "500": Behavior.error(500),
    "429": Behavior.rate_limited(retry_after=30),
    "malformed": Behavior(kind="malformed"),
    "reset": Behavior(kind="reset"),
}


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_success_answers_from_first_ranked(graph, server: FaultServer, mode: str) -> None:
    out, elapsed = run(graph, mode)
    answer = out["messages"][-1]
    assert answer.content == "answer from deepseek-v3.2"
    assert answer.response_metadata["model_name"] == "deepseek-v3.2"
    assert answer.usage_metadata["total_tokens"] > 0
    assert [a.outcome for a in out["attempts"]] == ["ok"]
    assert server.calls("deepseek-v3.2") == 1 and server.calls() == 1
    assert elapsed < TIMEOUT + 2.0  # the first call also imports langchain_openai


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_retryable_fault_on_first_falls_back_to_second(
    graph, server: FaultServer, fault: str, mode: str
) -> None:
    server.script("deepseek-v3.2", FAULTS[fault])
    out, elapsed = run(graph, mode)
    attempts = out["attempts"]
    assert [a.model_id for a in attempts] == RANKED[:2]
    assert attempts[0].outcome == ("timeout" if fault in ("hang", "slow") else "error")
    assert attempts[0].retryable
    assert out["messages"][-1].response_metadata["model_name"] == "kimi-k2.6"
    assert out["messages"][-1].content == "answer from kimi-k2.6"
    assert elapsed < TIMEOUT + 1.0


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_bad_request_is_not_retried(graph, server: FaultServer, mode: str) -> None:
    server.script("deepseek-v3.2", Behavior.error(400))
    with pytest.raises(RoutingError, match="non-retryable") as info:
        run(graph, mode)
    assert [a.model_id for a in info.value.attempts] == ["deepseek-v3.2"]
    assert "InvalidRequest" in info.value.attempts[0].error_type  # a 400
    assert server.calls("kimi-k2.6") == 0


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_all_models_failing_within_the_sum_of_timeouts(graph, server: FaultServer, mode: str) -> None:
    server.script("deepseek-v3.2", Behavior.hang())
    server.script("kimi-k2.6", Behavior.error(503))
    server.script("qwen-3-32b", Behavior.hang())
    with pytest.raises(RoutingError, match="every ranked model failed") as info:
        started = time.perf_counter()
        run(graph, mode)
    elapsed = time.perf_counter() - started
    attempts = info.value.attempts
    assert [a.model_id for a in attempts] == RANKED
    assert [a.outcome for a in attempts] == ["timeout", "error", "timeout"]
    assert all(a.error for a in attempts) and all(a.seconds >= 0 for a in attempts)
    assert elapsed < 2 * TIMEOUT + 1.0


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_connection_refused_falls_back(mode: str, server: FaultServer) -> None:
    with socket.socket() as sock:  # a loopback port nobody listens on
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}/v1"
    data = ModelCatalog.preset("oxlo").with_endpoint(server.base_url).model_dump()
    for model in data["models"]:
        if model["id"] == "deepseek-v3.2":
            model["base_url"] = dead
    graph = create_router(ModelCatalog.model_validate(data), timeout=TIMEOUT).compile()
    server.clear_scripts()
    out, elapsed = run(graph, mode)
    first = out["attempts"][0]
    assert (first.model_id, first.outcome, first.retryable) == ("deepseek-v3.2", "error", True)
    # httpx: OpenAIConnectionError; aiohttp (the default async transport): ClientConnectorError
    assert first.failure == "connection" and "Connect" in first.error_type
    assert out["messages"][-1].response_metadata["model_name"] == "kimi-k2.6"
    assert elapsed < TIMEOUT + 1.0
