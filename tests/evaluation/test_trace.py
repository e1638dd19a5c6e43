"""TraceWriter on the real graph and RunnableRouter (fake chat models, no network)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from langgraph.graph import START, MessagesState, StateGraph

from lg_router import Pricing, RoutingError, RunnableRouter, create_router, route
from lg_router.evaluation import TraceWriter, read_trace, summarize_trace
from tests.support.fakes import scripted, small_catalog

pytestmark = pytest.mark.usefixtures("offline")
TASK = "Tell me about the weather in spring."
SECRET = "sk-test-secret-0123456789"


def priced():
    """small_catalog with 1 USD per million input tokens and 2 per million output tokens."""
    catalog = small_catalog()
    price = Pricing(input_per_million=1.0, output_per_million=2.0)
    models = tuple(m.model_copy(update={"pricing": price}) for m in catalog.models)
    return catalog.model_copy(update={"models": models})


def chat_models(**behaviours: str):
    return {m: scripted(m, behaviours.get(m, "ok")) for m in ("alpha", "beta", "gamma")}


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_graph_run_writes_one_line_with_decision_attempts_tokens_and_cost(tmp_path: Path) -> None:
    path = tmp_path / "t" / "trace.jsonl"
    graph = create_router(priced(), chat_models=chat_models()).compile()
    with TraceWriter(path) as trace:
        out = graph.invoke({"messages": [("user", TASK)]}, config={"callbacks": [trace]})
    (record,) = lines(path)
    decision = out["decision"]
    assert record["model"] == decision.best == out["messages"][-1].response_metadata["model_name"]
    assert record["ranked"] == decision.model_ids and record["category"] == decision.category
    assert (record["outcome"], record["source"], record["fallback"]) == ("ok", "graph", False)
    (attempt,) = record["attempts"]
    assert attempt["model_id"] == decision.best and attempt["outcome"] == "ok"
    assert (record["input_tokens"], record["output_tokens"]) == (10, 3)
    assert record["cost"] == pytest.approx(10 / 1e6 + 3 * 2 / 1e6)
    assert record["latency"] >= attempt["seconds"] > 0
    assert "prompt" not in record and TASK not in path.read_text()


def test_fallback_and_total_failure_are_recorded_without_error_messages(tmp_path: Path) -> None:
    path = tmp_path / "trace.jsonl"
    first = route(TASK, catalog=priced()).best
    graph = create_router(priced(), chat_models=chat_models(**{first: "error"})).compile()
    dead = create_router(
        priced(), chat_models=chat_models(alpha="error", beta="error", gamma="error")
    ).compile()
    with TraceWriter(path) as trace:
        graph.invoke({"messages": [("user", TASK)]}, config={"callbacks": [trace]})
        with pytest.raises(RoutingError):
            dead.invoke({"messages": [("user", TASK)]}, config={"callbacks": [trace]})
    ok, failed = lines(path)
    assert ok["fallback"] and [a["outcome"] for a in ok["attempts"]] == ["error", "ok"]
    assert ok["attempts"][0]["model_id"] == first and ok["model"] != first
    assert ok["cost"] == pytest.approx(16 / 1e6)  # only the answering attempt reported usage
    assert (failed["outcome"], failed["model"], failed["error_type"]) == ("error", None, "RoutingError")
    assert len(failed["attempts"]) == 3 and failed["cost"] is None
    assert "internal server error" not in path.read_text()  # error messages stay out
    assert all("error" not in a for a in failed["attempts"])


def test_runnable_router_and_a_parent_graph_each_write_one_line(tmp_path: Path) -> None:
    path = tmp_path / "trace.jsonl"
    router = RunnableRouter(catalog=priced(), chat_models=chat_models())
    parent = StateGraph(MessagesState)
    parent.add_node("llm", create_router(priced(), chat_models=chat_models()).compile())
    parent.add_edge(START, "llm")
    app = parent.compile()
    with TraceWriter(path) as trace:
        answer = router.invoke(TASK, config={"callbacks": [trace]})
        app.invoke({"messages": [("user", TASK)]}, config={"callbacks": [trace]})
    runnable, nested = lines(path)
    assert runnable["source"] == "runnable" and runnable["model"] == answer.response_metadata["model_name"]
    assert runnable["ranked"] and runnable["cost"] == pytest.approx(16 / 1e6)
    assert nested["source"] == "graph" and nested["outcome"] == "ok"


async def test_async_runs_and_include_prompt(tmp_path: Path) -> None:
    path = tmp_path / "trace.jsonl"
    graph = create_router(priced(), chat_models=chat_models()).compile()
    with TraceWriter(path, include_prompt=True) as trace:
        await graph.ainvoke({"messages": [("user", TASK)]}, config={"callbacks": [trace]})
        await RunnableRouter(catalog=priced(), chat_models=chat_models()).ainvoke(
            TASK, config={"callbacks": [trace]}
        )
    for record in lines(path):
        assert record["prompt"] == [{"role": "human", "content": TASK}]


def test_no_key_reaches_the_trace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_PROVIDER_KEY", SECRET)
    catalog = priced().model_copy(update={"api_key_env": "FAKE_PROVIDER_KEY"})
    path = tmp_path / "trace.jsonl"
    graph = create_router(catalog, chat_models=chat_models()).compile()
    with TraceWriter(path, include_prompt=True) as trace:
        graph.invoke({"messages": [("user", TASK)]}, config={"callbacks": [trace]})
    assert SECRET not in path.read_text() and "FAKE_PROVIDER_KEY" not in path.read_text()


def test_report_of_a_written_trace(tmp_path: Path) -> None:
    path = tmp_path / "trace.jsonl"
    graph = create_router(priced(), chat_models=chat_models()).compile()
    with TraceWriter(path) as trace:
        for _ in range(3):
            graph.invoke({"messages": [("user", TASK)]}, config={"callbacks": [trace]})
    report = summarize_trace(read_trace(path), priced())
    assert (report.requests, report.answered, report.fallbacks) == (3, 3, 0)
    assert report.total.cost == pytest.approx(3 * 16 / 1e6) and report.total.unknown == 0
    # every model has the same price here, so always-strongest costs the same
    assert report.always_strongest.cost == pytest.approx(report.total.cost)


def test_streamed_runs_are_traced_once_each(tmp_path: Path) -> None:
    path = tmp_path / "trace.jsonl"
    graph = create_router(priced(), chat_models=chat_models()).compile()
    router = RunnableRouter(catalog=priced(), chat_models=chat_models())
    with TraceWriter(path) as trace:
        config = {"callbacks": [trace]}
        list(graph.stream({"messages": [("user", TASK)]}, config=config))
        list(graph.stream({"messages": [("user", TASK)]}, config=config, stream_mode="messages"))
        list(router.stream(TASK, config=config))
    assert [(r["source"], r["outcome"]) for r in lines(path)] == [("graph", "ok")] * 2 + [("runnable", "ok")]
