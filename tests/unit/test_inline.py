"""The inline run (lg_router.execution.inline) ends where the compiled graph ends.

Each scenario builds two identical routers (fresh health, caches and budgets each), runs
one through LangGraph's Pregel loop (``create_router(inline=False)``) and the other
through ``RouterGraph.inline``, and compares everything a caller can see: the answer,
the decision, every attempt, the spend, or the error with its attempts. Then: which
calls of the compiled graph, ``RunnableRouter`` and the gateway take which path.
"""

from __future__ import annotations

import asyncio
import re
import typing
from typing import Any

import pytest
from langchain_core.messages import HumanMessage

from lg_router import RoutingError, RunnableRouter, create_router
from lg_router.graph import RouterGraph
from lg_router.memory.budget import add_spend
from lg_router.state import (
    OUTPUT_KEYS,
    REDUCERS,
    AttemptsChannel,
    RouterOutput,
    RouterState,
    add_attempts,
    add_task_messages,
)
from tests.support.fakes import ChatStarts, ScriptedChat, bad_request, fakes, server_error, small_catalog

TASK = {"messages": [HumanMessage("Write a short poem about the sea.")]}
SCENARIOS: dict[str, dict[str, Any]] = {
    "first answers": {},
    "first fails, second answers": {"alpha": {"fail": server_error()}},
    "first hangs past its deadline": {"alpha": {"delay": 2.0}},
    "every model fails": {m: {"fail": server_error()} for m in ("alpha", "beta", "gamma")},
    "a request error is not retried elsewhere": {"alpha": {"fail": bad_request()}},
}


def _builder(overrides: dict[str, Any], **kwargs: Any) -> RouterGraph:
    return create_router(small_catalog(), chat_models=fakes(**overrides), timeout=0.3, **kwargs)


def _seen(output: dict[str, Any]) -> dict[str, Any]:
    return {
        "keys": sorted(output),
        "messages": [(type(m).__name__, m.content) for m in output["messages"]],
        "model": output["messages"][-1].response_metadata.get("model_name"),
        "decision": output["decision"].model_dump(),
        "attempts": [
            (a.model_id, a.outcome, a.failure, a.error_type, a.retryable) for a in output["attempts"]
        ],
        "spend": output["spend"],
    }


def _failure(exc: BaseException) -> tuple[Any, ...]:
    attempts = [(a.model_id, a.outcome, a.failure) for a in getattr(exc, "attempts", [])]
    text = re.sub(r"after \d+\.\d+s", "after <seconds>", str(exc))  # measured times differ per run
    return type(exc), text, attempts


def _run(run: Any) -> Any:
    try:
        return _seen(run())
    except RoutingError as exc:
        return _failure(exc)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_the_inline_run_matches_the_graph(name: str) -> None:
    overrides = SCENARIOS[name]
    graph = _builder(overrides, inline=False).compile()
    inline = _builder(overrides).inline
    assert inline is not None
    via_graph = _run(lambda: graph.invoke(TASK))
    assert via_graph == _run(lambda: inline.invoke(TASK, {"configurable": {}}))


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_the_async_inline_run_matches_the_graph(name: str) -> None:
    overrides = SCENARIOS[name]

    async def both() -> tuple[Any, Any]:
        graph = _builder(overrides, inline=False).compile()
        inline = _builder(overrides).inline
        assert inline is not None

        async def run(coro: Any) -> Any:
            try:
                return _seen(await coro)
            except RoutingError as exc:
                return _failure(exc)

        return await run(graph.ainvoke(TASK)), await run(inline.ainvoke(TASK, {"configurable": {}}))

    via_graph, via_inline = asyncio.run(both())
    assert via_graph == via_inline


def test_the_scenarios_cover_what_they_claim() -> None:
    graph = _builder(SCENARIOS["first fails, second answers"]).compile()
    assert [a.outcome for a in graph.invoke(TASK)["attempts"]] == ["error", "ok"]
    hung = _builder(SCENARIOS["first hangs past its deadline"]).compile().invoke(TASK)
    assert [a.outcome for a in hung["attempts"]] == ["timeout", "ok"]
    with pytest.raises(RoutingError) as caught:
        _builder(SCENARIOS["a request error is not retried elsewhere"]).compile().invoke(TASK)
    assert [a.model_id for a in caught.value.attempts] == ["alpha"]


def test_run_options_reach_the_inline_steps() -> None:
    inline = _builder({}).inline
    assert inline is not None
    out = inline.invoke(TASK, {"configurable": {"models": ["gamma"]}})
    assert [a.model_id for a in out["attempts"]] == ["gamma"]
    assert out["messages"][-1].content == "answer from gamma"


def test_the_reducer_table_is_the_state_annotations() -> None:
    hints = typing.get_type_hints(RouterState, include_extras=True)
    folded = {}
    for key, hint in hints.items():
        extras = getattr(hint, "__metadata__", ())
        for extra in extras:
            if extra is AttemptsChannel:
                folded[key] = add_attempts
            elif callable(extra) and not isinstance(extra, type):
                folded[key] = extra
    assert folded == REDUCERS == {"messages": add_task_messages, "attempts": add_attempts, "spend": add_spend}
    assert tuple(typing.get_type_hints(RouterOutput)) == OUTPUT_KEYS


def test_a_router_whose_models_carry_callbacks_always_runs_the_graph() -> None:
    own = ScriptedChat(name_="alpha", reply="answer from alpha", callbacks=[ChatStarts()])
    assert create_router(small_catalog(), chat_models={**fakes(), "alpha": own}).inline is None
    kwargs = {"callbacks": [ChatStarts()]}
    assert create_router(small_catalog(), chat_models=fakes(), client_kwargs=kwargs).inline is None
    assert _builder({}).inline is not None


def test_an_unwatched_runnable_router_call_runs_inline_and_a_watched_one_the_graph(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    router = RunnableRouter(small_catalog(), chat_models=fakes())
    graph_runs: list[str] = []
    invoke, ainvoke = type(router.graph).invoke, type(router.graph).ainvoke

    def spy(self: Any, *args: Any, **kwargs: Any) -> Any:
        graph_runs.append("invoke")
        return invoke(self, *args, **kwargs)

    async def aspy(self: Any, *args: Any, **kwargs: Any) -> Any:
        graph_runs.append("ainvoke")
        return await ainvoke(self, *args, **kwargs)

    monkeypatch.setattr(type(router.graph), "invoke", spy)
    monkeypatch.setattr(type(router.graph), "ainvoke", aspy)
    quiet = router.invoke("Say hi")
    aquiet = asyncio.run(router.ainvoke("Say hi"))
    assert graph_runs == []
    starts = ChatStarts()
    watched = router.invoke("Say hi", {"callbacks": [starts]})
    assert graph_runs == ["invoke"] and starts.starts == 1
    seen = watched.response_metadata
    for answer in (quiet, aquiet):
        assert answer.content == watched.content
        assert answer.response_metadata["model_name"] == seen["model_name"]
        assert answer.response_metadata["decision"]["ranked"] == seen["decision"]["ranked"]
    assert [quiet.response_metadata["decision"]["cache"], aquiet.response_metadata["decision"]["cache"]] == [
        None,
        "exact",  # the same router: its decision cache is shared by both ways of running
    ]


@pytest.fixture
def pregel_runs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the graphs whose Pregel loop ran (LangGraph's own invoke/ainvoke)."""
    from langgraph.pregel import Pregel

    ran: list[str] = []
    invoke, ainvoke = Pregel.invoke, Pregel.ainvoke

    def spy(self: Any, *args: Any, **kwargs: Any) -> Any:
        ran.append(self.name)
        return invoke(self, *args, **kwargs)

    async def aspy(self: Any, *args: Any, **kwargs: Any) -> Any:
        ran.append(self.name)
        return await ainvoke(self, *args, **kwargs)

    monkeypatch.setattr(Pregel, "invoke", spy)
    monkeypatch.setattr(Pregel, "ainvoke", aspy)
    return ran


def test_the_compiled_graph_runs_unobserved_calls_inline(pregel_runs: list[str]) -> None:
    graph = _builder({}).compile(name="router")
    assert graph.invoke(TASK)["messages"][-1].content == "answer from alpha"
    assert asyncio.run(graph.ainvoke(TASK))["messages"][-1].content == "answer from alpha"
    assert len(graph.batch([TASK, TASK])) == 2
    graph.invoke(TASK, {"configurable": {"preference": "cost"}, "tags": ["t"], "run_name": "r"})
    assert pregel_runs == []


def test_anything_that_can_observe_the_run_gets_langgraphs_loop(pregel_runs: list[str]) -> None:
    from langgraph.checkpoint.memory import InMemorySaver
    from langgraph.graph import START, MessagesState, StateGraph

    from lg_router.state import RouterContext

    graph = _builder({}).compile(name="router")
    graph.invoke(TASK, {"callbacks": [ChatStarts()]})
    graph.invoke(TASK, context=RouterContext(preference="cost"))
    graph.invoke(TASK, stream_mode="updates")
    graph.with_config(tags=["x"]).invoke(TASK)
    assert pregel_runs == ["router"] * 4
    pregel_runs.clear()
    saved = _builder({}).compile(name="saved", checkpointer=InMemorySaver())
    saved.invoke(TASK, {"configurable": {"thread_id": "1"}})
    assert (
        saved.get_state({"configurable": {"thread_id": "1"}}).values["messages"][-1].content
        == "answer from alpha"
    )
    _builder({}, inline=False).compile(name="forced").invoke(TASK)
    assert pregel_runs == ["saved", "forced"]
    pregel_runs.clear()
    parent = StateGraph(MessagesState)
    parent.add_node("route", graph)  # as a subgraph: the parent's run owns checkpoints and streams
    parent.add_edge(START, "route")
    out = parent.compile(name="parent").invoke(TASK)
    assert out["messages"][-1].content == "answer from alpha"
    assert pregel_runs == ["parent", "router"]


def test_the_gateway_runs_untraced_requests_inline_and_traced_ones_on_the_graph(
    pregel_runs: list[str],
) -> None:
    from langchain_core.tracers.context import collect_runs

    from lg_router.server.runner import Runner
    from lg_router.server.wire import ChatRequest

    runner = Runner(_builder({}).compile(name="gateway"), small_catalog())
    request = ChatRequest(
        messages=[HumanMessage("Write a short poem about the sea.")], requested="auto", pinned=None
    )

    async def complete() -> dict[str, Any]:
        body, _ = await runner.complete(request)
        return body

    quiet = asyncio.run(complete())
    assert pregel_runs == []
    with collect_runs() as traced:
        watched = asyncio.run(complete())
    assert pregel_runs == ["gateway"] and traced.traced_runs  # the traced request ran (and traced) the graph
    for body in (quiet, watched):
        assert body["model"] == "alpha"
        assert body["choices"][0]["message"]["content"] == "answer from alpha"


@pytest.mark.parametrize("name", ["first answers", "first fails, second answers", "every model fails"])
def test_a_recursion_limit_stops_the_inline_run_where_it_stops_the_graph(name: str) -> None:
    from langgraph.errors import GraphRecursionError

    def outcome(run: Any) -> Any:
        try:
            return _run(run)
        except GraphRecursionError as exc:
            return "GraphRecursionError", str(exc)

    seen = []
    for limit in range(1, 12):
        config = {"recursion_limit": limit}
        graph = _builder(SCENARIOS[name], inline=False).compile()
        inline = _builder(SCENARIOS[name]).compile()  # unobserved: runs inline
        ainline = _builder(SCENARIOS[name]).compile()
        via_graph = outcome(lambda: graph.invoke(TASK, config))  # noqa: B023
        assert outcome(lambda: inline.invoke(TASK, config)) == via_graph  # noqa: B023
        assert outcome(lambda: asyncio.run(ainline.ainvoke(TASK, config))) == via_graph  # noqa: B023
        seen.append(isinstance(via_graph, tuple) and via_graph[0] == "GraphRecursionError")
    assert seen[0] and not seen[-1]  # both sides of the limit were crossed
