"""Memory through real clients: an agent on the fault server, Redis shared by two processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from typing import Any

import httpx
import pytest
from langchain_core.messages import AIMessage
from langchain_core.tools import tool

from lg_router import RunnableRouter
from lg_router.errors import BudgetExceededError
from tests.support.fakes import ToolResultRerouter, priced_catalog
from tests.support.fault_server import Behavior, FaultServer
from tests.support.redis_server import RedisServer

pytestmark = pytest.mark.integration

LONG_ARGS = {"query": " ".join(["word"] * 300)}  # 300+ completion tokens on the wire


@tool
def search(query: str) -> str:
    """Search the web."""
    return f"{len(query.split())} results"


def router_for(server: FaultServer, **kwargs: Any) -> RunnableRouter:
    client = {"http_async_client": httpx.AsyncClient(timeout=10)}
    return RunnableRouter(priced_catalog(server.base_url), client_kwargs=client, timeout=5, **kwargs)


def answers(result: dict[str, Any]) -> list[AIMessage]:
    return [m for m in result["messages"] if isinstance(m, AIMessage)]


def test_an_agent_tool_loop_stays_on_the_model_that_called_the_tools(fault_server: FaultServer) -> None:
    from langchain.agents import create_agent

    calls = [Behavior(tool_call={"name": "search", "arguments": {"query": q}}) for q in ("a", "b", "c")]
    for model_id in priced_catalog().ids:
        fault_server.script(model_id, [*calls, Behavior(text=f"done by {model_id}")])
    router = router_for(fault_server, classifier=ToolResultRerouter(), preference="quality")
    result = create_agent(router, [search]).invoke({"messages": [("human", "Research hash maps.")]})
    ai = answers(result)
    assert [len(m.tool_calls) for m in ai] == [1, 1, 1, 0]
    assert {m.response_metadata["model_name"] for m in ai} == {"premium"}
    assert ai[-1].content == "done by premium"
    assert [m.response_metadata["decision"]["thread"] for m in ai[1:]] == [
        "kept from turn 1: premium issued the tool calls this turn answers"
    ] * 3
    assert fault_server.calls("premium") == 4 and fault_server.calls() == 4


def test_a_failing_tool_caller_hands_the_loop_to_the_next_model(fault_server: FaultServer) -> None:
    from langchain.agents import create_agent

    call = Behavior(tool_call={"name": "search", "arguments": {"query": "q"}})
    fault_server.script("premium", [call, Behavior.error(503)])
    fault_server.script("standard", [call, Behavior(text="done by standard")])
    fault_server.script("budget", Behavior(text="done by budget"))
    result = create_agent(router_for(fault_server, preference="quality"), [search]).invoke(
        {"messages": [("human", "Research hash maps.")]}
    )
    ai = answers(result)
    second = ai[1].response_metadata
    assert [a["outcome"] for a in second["attempts"]] == ["error", "ok"]
    fallback = second["model_name"]
    assert fallback != "premium"
    # the model that took over issued the next tool call: the loop stays with it
    assert {m.response_metadata["model_name"] for m in ai[1:]} == {fallback}


def test_an_agent_with_a_budget_degrades_to_a_cheaper_model(fault_server: FaultServer) -> None:
    from langchain.agents import create_agent

    long_call = Behavior(tool_call={"name": "search", "arguments": LONG_ARGS})
    for model_id in priced_catalog().ids:
        fault_server.script(model_id, [long_call, long_call, Behavior(text=f"done by {model_id}")])
    # max_tokens bounds each answer and the estimate: premium ≈ 0.025 USD a call at most
    router = router_for(fault_server, preference="quality", budget=0.03, max_tokens=400)
    result = create_agent(router, [search]).invoke({"messages": [("human", "Research hash maps.")]})
    ai = answers(result)
    used = [m.response_metadata["model_name"] for m in ai]
    assert used[0] == "premium" and "premium" not in used[1:]
    assert used[1:] == ["standard"] * (len(used) - 1)
    second = ai[1].response_metadata["decision"]
    assert second["excluded"]["premium"].startswith("budget: ≈")
    assert second["thread"].startswith("left premium (the thread's model since turn 1): budget:")
    spent = sum(a["cost"] for m in ai for a in m.response_metadata["attempts"] if a["cost"] is not None)
    assert 0 < spent <= 0.03
    first = ai[0].response_metadata["attempts"][0]
    assert first["output_tokens"] > 300 and first["output_cost"] == pytest.approx(
        first["output_tokens"] * 60e-6
    )


def test_an_unaffordable_run_fails_before_any_request(fault_server: FaultServer) -> None:
    with pytest.raises(BudgetExceededError):
        router_for(fault_server, budget=0.000001).invoke("Summarise this paragraph.")
    assert fault_server.calls() == 0


ROUTE_ONCE = textwrap.dedent(
    """
    import json, sys
    import redis
    from langgraph.cache.redis import RedisCache
    from lg_router import create_router
    from tests.support.fakes import CountingClassifier, fakes, small_catalog

    counting = CountingClassifier()
    app = create_router(
        small_catalog(), classifier=counting, chat_models=fakes(),
        decision_cache=RedisCache(redis.Redis.from_url(sys.argv[1])),
    ).compile()
    out = app.invoke({"messages": [("user", sys.argv[2])]})
    print(json.dumps({"cache": out["decision"].cache, "classified": counting.calls,
                      "ranked": out["decision"].model_ids, "pid": __import__("os").getpid()}))
    """
)


def route_in_process(url: str, task: str) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    done = subprocess.run(
        [sys.executable, "-c", ROUTE_ONCE, url, task], capture_output=True, text=True, timeout=120, env=env
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_two_processes_share_decisions_through_redis() -> None:
    with RedisServer() as server:
        url = server.url
        task = "Summarise the plot of Hamlet in two sentences."
        first = route_in_process(url, task)
        second = route_in_process(url, task)
        other = route_in_process(url, "Write a limerick about a cat.")
    assert first["pid"] != second["pid"]
    assert (first["cache"], first["classified"]) == (None, 1)
    assert (second["cache"], second["classified"]) == ("exact", 0)
    assert second["ranked"] == first["ranked"]
    assert (other["cache"], other["classified"]) == (None, 1)


def test_the_cli_and_studio_graph_read_the_redis_url(monkeypatch: pytest.MonkeyPatch) -> None:
    from langgraph.cache.redis import RedisCache

    from lg_router import create_router
    from lg_router.cli.env import decision_cache
    from tests.support.fakes import CountingClassifier, fakes, small_catalog

    monkeypatch.delenv("LG_ROUTER_REDIS_URL", raising=False)
    assert decision_cache() is True
    with RedisServer() as server:
        monkeypatch.setenv("LG_ROUTER_REDIS_URL", server.url)
        store = decision_cache()
        assert isinstance(store, RedisCache)
        counting = CountingClassifier()
        apps = [
            create_router(
                small_catalog(), classifier=counting, chat_models=fakes(), decision_cache=store
            ).compile()
            for _ in range(2)
        ]
        outs = [app.invoke({"messages": [("user", "Plan a three-day trip to Kyoto.")]}) for app in apps]
    assert [o["decision"].cache for o in outs] == [None, "exact"] and counting.calls == 1
