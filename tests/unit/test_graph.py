"""The router graph with scripted models: topology, fallback, deadlines, terminal errors."""

import asyncio
import time
from pathlib import Path

import pytest
from langchain_core.exceptions import ContextOverflowError
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import START, MessagesState, StateGraph

from lg_router import (
    MissingAPIKeyError,
    ModelCatalog,
    RoutingError,
    StreamInterruptedError,
    create_router,
)
from lg_router.routing import default_classifier_name
from tests.support.fakes import bad_request, rate_limited, scripted

SNAPSHOT = Path(__file__).parent / "snapshots" / "router_oxlo.mmd"
CODE_TASK = "Refactor this Python function to use list comprehensions."  # deepseek, kimi, ...


def models(**behaviours: str) -> dict:
    ids = ["llama-3.3-70b", "qwen-3-32b", "deepseek-v3.2", "kimi-k2.6"]
    return {m: scripted(m, behaviours.get(m.split("-")[0], "ok"), hang_seconds=5) for m in ids}


def run(graph, task: str = CODE_TASK, mode: str = "sync", **kw):
    inputs = {"messages": [("user", task)]}
    if mode == "sync":
        return graph.invoke(inputs, **kw)
    return asyncio.run(graph.ainvoke(inputs, **kw))


def test_topology_snapshot() -> None:
    mermaid = create_router().compile().get_graph().draw_mermaid()
    if not SNAPSHOT.exists():  # pragma: no cover - first run writes the snapshot
        SNAPSHOT.write_text(mermaid)
    assert mermaid == SNAPSHOT.read_text()
    for node in ("classify", "call llama-3.3-70b", "call kimi-k2.6", "exhausted"):
        assert f"({node})" in mermaid


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_best_model_answers_with_metadata(mode: str) -> None:
    fakes = models()
    out = run(create_router(chat_models=fakes).compile(), mode=mode)
    answer = out["messages"][-1]
    assert answer.content == "answer from deepseek-v3.2"
    meta = answer.response_metadata
    assert meta["model_name"] == "deepseek-v3.2"
    assert meta["decision"]["ranked"][0]["model_id"] == "deepseek-v3.2"
    assert [a["outcome"] for a in meta["attempts"]] == ["ok"]
    assert out["decision"].best == "deepseek-v3.2"
    assert answer.usage_metadata["total_tokens"] == 13
    assert len(fakes["deepseek-v3.2"].calls) == 1 and not fakes["kimi-k2.6"].calls


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_error_then_timeout_falls_back_down_the_ranking(mode: str) -> None:
    fakes = models(deepseek="error", kimi="hang")
    graph = create_router(chat_models=fakes, timeout=0.3).compile()
    started = time.perf_counter()
    out = run(graph, mode=mode)
    elapsed = time.perf_counter() - started
    ranked = out["decision"].model_ids
    attempts = out["attempts"]
    assert [a.model_id for a in attempts] == ranked
    assert [a.outcome for a in attempts] == ["error", "timeout", "ok"]
    assert attempts[0].retryable and attempts[1].error_type == "DeadlineExceeded"
    assert out["messages"][-1].response_metadata["model_name"] == ranked[2]
    assert elapsed < 0.3 + 1.0  # one timeout, not more
    # the classifier ran once: the decision is not recomputed on fallback
    assert out["decision"].classifier == default_classifier_name()


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_all_failing_raises_routing_error_listing_attempts(mode: str) -> None:
    graph = create_router(
        chat_models=models(llama="error", qwen="error", deepseek="error", kimi="error")
    ).compile()
    with pytest.raises(RoutingError) as info:
        run(graph, mode=mode)
    err = info.value
    assert [a.model_id for a in err.attempts] == err.decision.model_ids
    assert "every ranked model failed (3 attempt(s))" in str(err)
    assert all(a.error_type == "ModelAPIError" for a in err.attempts)


def test_non_retryable_error_is_reported_not_hidden() -> None:
    fakes = models()
    fakes["deepseek-v3.2"] = scripted("deepseek-v3.2", "error", error=bad_request())
    with pytest.raises(RoutingError, match="non-retryable error") as info:
        run(create_router(chat_models=fakes).compile())
    assert [a.model_id for a in info.value.attempts] == ["deepseek-v3.2"]
    assert not fakes["kimi-k2.6"].calls


def test_rate_limit_is_retryable() -> None:
    fakes = models()
    fakes["deepseek-v3.2"] = scripted("deepseek-v3.2", "error", error=rate_limited())
    out = run(create_router(chat_models=fakes).compile())
    assert out["messages"][-1].response_metadata["model_name"] == "kimi-k2.6"


def test_context_overflow_only_falls_back_to_a_larger_window() -> None:
    cat = ModelCatalog.from_dict(
        {
            "base_url": "http://127.0.0.1:1/v1",
            "models": {
                "a": {
                    "capabilities": ["coding"],
                    "strengths": ["coding"],
                    "context_window": 8000,
                    "quality": 5,
                },
                "b": {
                    "capabilities": ["coding"],
                    "strengths": ["coding"],
                    "context_window": 8000,
                    "quality": 4,
                },
                "c": {
                    "capabilities": ["coding"],
                    "strengths": ["coding"],
                    "context_window": 64000,
                    "quality": 3,
                },
            },
        }
    )
    fakes = {
        "a": scripted("a", "error", error=ContextOverflowError("context_length_exceeded")),
        "b": scripted("b"),
        "c": scripted("c"),
    }
    out = run(create_router(cat, chat_models=fakes).compile())
    assert out["decision"].model_ids == ["a", "b", "c"]
    assert [a.model_id for a in out["attempts"]] == ["a", "c"]
    assert not fakes["b"].calls


def test_failure_after_streaming_began_is_continued_by_the_next_model() -> None:
    fakes = models(deepseek="stream_then_error")
    graph = create_router(chat_models=fakes).compile()
    seen, final = [], None
    for mode, item in graph.stream({"messages": [("user", CODE_TASK)]}, stream_mode=["messages", "values"]):
        if mode == "messages":
            seen.append((item[0].content, item[1]["lg_router_model"]))
        else:
            final = item
    text = "".join(c for c, _ in seen)
    answer = final["messages"][-1]
    # kimi restarted the answer ("answer from kimi-k2.6"): its repeat of "answer" is dropped
    assert text == answer.content == "answer from kimi-k2.6"
    assert [m for c, m in seen if c] == ["deepseek-v3.2", "kimi-k2.6", "kimi-k2.6"]
    assert [(a.model_id, a.outcome, a.streamed, a.continued_at) for a in final["attempts"]] == [
        ("deepseek-v3.2", "error", True, None),
        ("kimi-k2.6", "ok", False, len("answer")),
    ]
    assert answer.response_metadata["model_name"] == "kimi-k2.6"
    assert answer.response_metadata["continuation"] == [
        {"model_id": "deepseek-v3.2", "offset": 0},
        {"model_id": "kimi-k2.6", "offset": 6},
    ]
    sent = fakes["kimi-k2.6"].calls[0]["messages"]  # the conversation, the partial answer, the ask
    assert [m.type for m in sent] == ["human", "ai", "human"] and sent[1].content == "answer"


def test_failure_after_streaming_began_raises_when_asked() -> None:
    fakes = models(deepseek="stream_then_error")
    graph = create_router(chat_models=fakes, on_stream_failure="raise").compile()
    seen = []
    with pytest.raises(StreamInterruptedError, match="after it had started streaming") as info:
        for chunk, _meta in graph.stream({"messages": [("user", CODE_TASK)]}, stream_mode="messages"):
            seen.append(chunk.content)
    assert seen == ["answer"]
    assert info.value.attempts[0].streamed and not info.value.attempts[0].retryable
    assert not fakes["kimi-k2.6"].calls


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_tokens_stream_once_from_the_chosen_model(mode: str) -> None:
    graph = create_router(chat_models=models()).compile()
    inputs = {"messages": [("user", CODE_TASK)]}

    async def collect_async():
        return [
            (c.content, m["langgraph_node"]) async for c, m in graph.astream(inputs, stream_mode="messages")
        ]

    if mode == "sync":
        items = [(c.content, m["langgraph_node"]) for c, m in graph.stream(inputs, stream_mode="messages")]
    else:
        items = asyncio.run(collect_async())
    tokens = [c for c, node in items if node == "call deepseek-v3.2" and c]
    assert "".join(tokens) == "answer from deepseek-v3.2"
    assert len(tokens) == 3


def test_missing_api_key_raised_at_first_call_naming_the_env_var(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OXLO_API_KEY", raising=False)
    graph = create_router().compile()  # building reads no env var
    with pytest.raises(RoutingError) as info:
        run(graph)
    attempt = info.value.attempts[0]
    assert attempt.error_type == "MissingAPIKeyError"
    assert "set the environment variable OXLO_API_KEY" in attempt.error
    assert issubclass(MissingAPIKeyError, Exception)


def test_works_as_a_node_in_a_messages_state_parent() -> None:
    router = create_router(chat_models=models(), sticky="off").compile()  # each turn routed afresh
    parent = StateGraph(MessagesState)
    parent.add_node("llm", router)
    parent.add_edge(START, "llm")
    app = parent.compile(checkpointer=InMemorySaver())
    cfg = {"configurable": {"thread_id": "t1"}}
    out = app.invoke({"messages": [("user", CODE_TASK)]}, cfg)
    assert [m.type for m in out["messages"]] == ["human", "ai"]
    assert out["messages"][-1].response_metadata["model_name"] == "deepseek-v3.2"
    out = app.invoke({"messages": [("user", "Now write a haiku about it.")]}, cfg)
    assert [m.type for m in out["messages"]] == ["human", "ai", "human", "ai"]
    assert out["messages"][-1].response_metadata["model_name"] == "llama-3.3-70b"


def test_run_options_come_from_configurable_and_context() -> None:
    graph = create_router(chat_models=models()).compile()
    out = graph.invoke(
        {"messages": [("user", "What day is it today?")]}, {"configurable": {"preference": "cost"}}
    )
    assert out["messages"][-1].response_metadata["model_name"] == "deepseek-v3.2"
    out = graph.invoke(
        {"messages": [("user", CODE_TASK)]}, context={"models": ["qwen-3-32b", "llama-3.3-70b"]}
    )
    assert set(out["decision"].model_ids) == {"qwen-3-32b", "llama-3.3-70b"}


def test_attempts_reset_between_runs_on_one_thread() -> None:
    graph = create_router(chat_models=models(deepseek="error"), sticky="off").compile(
        checkpointer=InMemorySaver()
    )
    cfg = {"configurable": {"thread_id": "x"}}
    first = graph.invoke({"messages": [("user", CODE_TASK)]}, cfg)
    second = graph.invoke({"messages": [("user", CODE_TASK)]}, cfg)
    assert len(first["attempts"]) == 2 and len(second["attempts"]) == 2


def test_build_time_validation() -> None:
    with pytest.raises(ValueError, match="unknown preference"):
        create_router(preference="fastest")
    with pytest.raises(ValueError, match=r"unknown model ids \['nope'\]"):
        create_router(models=["nope"])
    with pytest.raises(ValueError, match="overrides name unknown model ids"):
        create_router(chat_models={"nope": scripted("x")})
