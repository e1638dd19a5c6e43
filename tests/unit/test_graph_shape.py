"""Graph shape and state: node names for any id, linear edges, bugs raise, plain checkpoints."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest
from langgraph.checkpoint.memory import InMemorySaver

from lg_router import Attempt, ModelCatalog, RoutingDecision, create_router
from lg_router.execution.errors import classify
from tests.support.fakes import ScriptedChat, scripted

CODE_TASK = "Refactor this Python function to use list comprehensions."


def _catalog(ids: list[str]) -> ModelCatalog:
    return ModelCatalog.from_dict(
        {
            "base_url": "http://127.0.0.1:1/v1",
            "models": {
                i: {"capabilities": ["coding"], "strengths": ["coding"], "quality": 5 - n % 5}
                for n, i in enumerate(ids)
            },
        }
    )


def test_ids_with_reserved_characters_build_and_run() -> None:
    ids = ["meta-llama/llama-3.3-70b-instruct:free", "qwen/qwen3:free", "pipe|model"]
    cat = _catalog(ids)
    graph = create_router(cat, chat_models={i: scripted(i) for i in ids}).compile()
    mermaid = graph.get_graph().draw_mermaid()
    assert "call meta-llama/llama-3.3-70b-instruct∶free" in mermaid  # readable in Studio
    out = graph.invoke({"messages": [("user", CODE_TASK)]})
    assert out["messages"][-1].response_metadata["model_name"] in ids


def test_edge_count_is_linear_in_the_catalog_size() -> None:
    counts = {}
    for n in (30, 300):
        cat = _catalog([f"model-{i}" for i in range(n)])
        started = time.perf_counter()
        graph = create_router(cat, chat_models={m: scripted(m) for m in cat.ids}).compile()
        built = time.perf_counter() - started
        counts[n] = len(graph.get_graph().edges)
        assert built < 10  # generous: the quadratic graph did not finish in 90 s
    assert counts[300] <= 10 * counts[30] + 10  # linear, not 100x
    assert counts[300] <= 5 * 300


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize(
    "bug", [RuntimeError("Event loop is closed"), TypeError("bad argument"), KeyError("x")]
)
def test_a_bug_raises_instead_of_falling_back(mode: str, bug: Exception) -> None:
    ids = ["llama-3.3-70b", "qwen-3-32b", "deepseek-v3.2", "kimi-k2.6"]
    fakes = {m: scripted(m) for m in ids}
    fakes["deepseek-v3.2"] = ScriptedChat(name_="deepseek-v3.2", fail=bug)
    graph = create_router(chat_models=fakes).compile()
    inputs = {"messages": [("user", CODE_TASK)]}
    with pytest.raises(type(bug)):
        graph.invoke(inputs) if mode == "sync" else asyncio.run(graph.ainvoke(inputs))
    assert not fakes["kimi-k2.6"].calls  # not hidden by answering from the next model


def test_classify_provider_failures_and_bugs() -> None:
    assert classify(RuntimeError("Event loop is closed")) is None
    assert classify(ValueError("oops")) is None
    assert classify(ConnectionResetError()).kind == "connection"  # type: ignore[union-attr]
    assert classify(TimeoutError()).kind == "timeout"  # type: ignore[union-attr]


def test_checkpoints_hold_plain_data_and_warn_nothing(caplog: pytest.LogCaptureFixture) -> None:
    ids = ["llama-3.3-70b", "qwen-3-32b", "deepseek-v3.2", "kimi-k2.6"]
    fakes = {m: scripted(m) for m in ids}
    fakes["deepseek-v3.2"] = scripted("deepseek-v3.2", "error")
    saver = InMemorySaver()
    # sticky="off": both runs start on the failing first choice (each gets two attempts)
    graph = create_router(chat_models=fakes, sticky="off").compile(checkpointer=saver)
    cfg = {"configurable": {"thread_id": "t"}}
    caplog.set_level(logging.WARNING)
    for _ in range(2):
        out = graph.invoke({"messages": [("user", CODE_TASK)]}, cfg)
        assert isinstance(out["decision"], RoutingDecision)
    assert not [r for r in caplog.records if "unregistered type" in r.getMessage()]
    # the stored checkpoint is plain data, and comes back typed
    raw = saver.get_tuple(cfg).checkpoint["channel_values"]
    assert isinstance(raw["decision"], dict) and all(isinstance(a, dict) for a in raw["attempts"])
    state = graph.get_state(cfg).values
    assert isinstance(state["decision"], RoutingDecision) and state["decision"] == out["decision"]
    assert [type(a) for a in state["attempts"]] == [Attempt, Attempt]
    assert [a.outcome for a in state["attempts"]] == ["error", "ok"]


def test_structured_check_reads_a_repeated_tool_name_once() -> None:
    from langchain_core.messages import AIMessage
    from langchain_core.output_parsers.openai_tools import PydanticToolsParser
    from pydantic import BaseModel

    from lg_router.execution.retry import check_answer
    from lg_router.state import RunOptions

    class Joke(BaseModel):
        setup: str

    options = RunOptions.build(answer_parser=PydanticToolsParser(tools=[Joke], first_tool_only=True))
    # llama.cpp repeats the name on every streamed chunk; merged, it reads "JokeJokeJoke"
    answer = AIMessage(content="", tool_calls=[{"name": "JokeJokeJoke", "args": {"setup": "s"}, "id": "1"}])
    assert check_answer(answer, options) is answer
    with pytest.raises(Exception, match="without calling"):
        check_answer(AIMessage(content="just text"), options)
