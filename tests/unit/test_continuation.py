"""Continuations with scripted models: the request, checkpoints, a parent graph."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage, HumanMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import START, MessagesState, StateGraph

from lg_router import StreamInterruptedError, create_router
from lg_router.execution.continuation import INSTRUCTION, continuation_messages, whole_answer
from tests.support.fakes import scripted

CODE_TASK = "Refactor this Python function to use list comprehensions."  # deepseek, kimi, ...
IDS = ["llama-3.3-70b", "qwen-3-32b", "deepseek-v3.2", "kimi-k2.6"]


def test_the_request_carries_the_partial_answer_by_prefill_or_by_instruction() -> None:
    history = [HumanMessage("Tell me a story")]
    prefill = continuation_messages(history, "Once upon", prefill=True)
    assert prefill == [history[0], AIMessage(content="Once upon")]
    asked = continuation_messages(history, "Once upon", prefill=False)
    assert asked == [history[0], AIMessage(content="Once upon"), HumanMessage(INSTRUCTION)]
    assert continuation_messages(history, "", prefill=False) == history


def test_a_whole_answer_keeps_one_copy_of_a_restarted_prefix() -> None:
    assert whole_answer(AIMessage(content=" a time"), "Once upon").content == "Once upon a time"
    assert whole_answer(AIMessage(content="Once upon a time"), "Once upon").content == "Once upon a time"
    assert whole_answer(AIMessage(content="ignored"), "Once upon", " a time").content == "Once upon a time"


def test_a_partial_answer_of_an_earlier_turn_is_never_continued() -> None:
    fakes = {m: scripted(m, "stream_then_error") for m in IDS}
    graph = create_router(chat_models=fakes).compile(checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "t"}}
    with pytest.raises(StreamInterruptedError, match="every ranked model failed"):
        for _ in graph.stream({"messages": [("user", CODE_TASK)]}, config, stream_mode="messages"):
            pass
    assert graph.get_state(config).values.get("partial") == "answer"  # left in the checkpoint
    for model in fakes.values():
        model.fail = None
    out = graph.invoke({"messages": [("user", CODE_TASK)]}, config)
    answer = out["messages"][-1]
    assert answer.content == "answer from deepseek-v3.2"
    assert [a.continued_at for a in out["attempts"]] == [None]
    assert len(fakes["deepseek-v3.2"].calls[-1]["messages"]) == 2  # two user turns, no partial


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_a_continuation_streams_once_through_a_parent_graph(mode: str) -> None:
    fakes = {m: scripted(m, "stream_then_error" if m == "deepseek-v3.2" else "ok") for m in IDS}
    parent = StateGraph(MessagesState)
    parent.add_node("llm", create_router(chat_models=fakes).compile())
    parent.add_edge(START, "llm")
    app = parent.compile()
    inputs = {"messages": [("user", CODE_TASK)]}
    if mode == "sync":
        items = list(app.stream(inputs, stream_mode="messages", subgraphs=True))
    else:
        items = [item async for item in app.astream(inputs, stream_mode="messages", subgraphs=True)]
    text = "".join(str(chunk.content) for _ns, (chunk, _meta) in items)
    assert text == "answer from kimi-k2.6"  # "answer" from deepseek, the rest from kimi
    final = app.invoke(inputs)["messages"][-1]
    assert final.content == "answer from kimi-k2.6"
    assert final.response_metadata["model_name"] == "kimi-k2.6"


def test_stream_times_come_from_the_run_context() -> None:
    import threading

    from lg_router import RouterContext

    gate = threading.Event()  # never set: deepseek stalls after its first token
    fakes = {m: scripted(m, gate=gate) if m == "deepseek-v3.2" else scripted(m) for m in IDS}
    graph = create_router(chat_models=fakes).compile()  # default idle_timeout: 30 s
    items = list(
        graph.stream(
            {"messages": [("user", CODE_TASK)]},
            stream_mode=["messages", "values"],
            context=RouterContext(idle_timeout=0.2),
        )
    )
    gate.set()
    final = [data for mode, data in items if mode == "values"][-1]
    assert [(a.model_id, a.outcome, a.streamed) for a in final["attempts"]] == [
        ("deepseek-v3.2", "timeout", True),
        ("kimi-k2.6", "ok", False),
    ]
    assert final["messages"][-1].content == "answer from kimi-k2.6"
