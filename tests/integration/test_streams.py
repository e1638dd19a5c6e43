"""Streams under the time model, through the real ``ChatOpenAI`` client and the fault server.

A producing stream is never cut; a stall (``idle_timeout``), a cut or a mid-stream error
is continued by the next-ranked model; tool calls are held until complete; a stream with
no finish reason is a failed attempt; ``hedge_after`` races the next-ranked model.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx
import pytest
from langchain_core.messages import AIMessageChunk

from lg_router import ModelCatalog, RoutingError, RunnableRouter, StreamInterruptedError, create_router, route
from tests.support.fault_server import Behavior, FaultServer
from tests.support.router_harness import RunResult, run_async, run_sync

pytestmark = pytest.mark.integration

TASK = "Tell me something nice about the sea."
LONG = "one two three four five six seven eight"
HEAD = "one two three"  # what a fault with cut_after=3 sends of LONG
STREAM_APIS = ("stream", "astream", "runnable.stream", "runnable.astream")


def ranked() -> list[str]:
    return route(TASK).model_ids


def catalog(server: FaultServer, *, prefill: bool = False) -> ModelCatalog:
    cat = ModelCatalog.preset("oxlo").with_endpoint(server.base_url)
    if prefill:
        models = tuple(m.model_copy(update={"prefill": True}) for m in cat.models)
        cat = cat.model_copy(update={"models": models})
    return cat


def run(server: FaultServer, api: str, *, config: dict[str, Any] | None = None, **options: Any) -> RunResult:
    """Run TASK through ``api`` on a fresh router with its own HTTP client."""
    cat = catalog(server, prefill=options.pop("prefill", False))
    options.setdefault("timeout", 5)
    if api.split(".")[-1].startswith("a"):

        async def main() -> RunResult:
            async with httpx.AsyncClient() as client:
                target = build(cat, api, {"http_async_client": client}, options)
                return await run_async(target, api, [("user", TASK)], config)

        return asyncio.run(main())
    with httpx.Client() as client:
        return run_sync(build(cat, api, {"http_client": client}, options), api, [("user", TASK)], config)


def build(cat: ModelCatalog, api: str, clients: dict[str, Any], options: dict[str, Any]) -> Any:
    if api.startswith("runnable."):
        return RunnableRouter(cat, client_kwargs=clients, **options)
    return create_router(cat, client_kwargs=clients, **options).compile()


def test_the_issue_numbers_a_stream_longer_than_timeout_is_delivered_whole(fault_server: FaultServer) -> None:
    # RunnableRouter(timeout=1.5).stream(...) of a model streaming a token every 0.4 s
    fault_server.set_default(Behavior.drip(0.4, text="one two three four five six"))
    chunks = list(RunnableRouter(catalog(fault_server), timeout=1.5).stream(TASK))
    assert "".join(str(c.content) for c in chunks) == "one two three four five six"
    assert fault_server.calls() == 1


@pytest.mark.parametrize("api", STREAM_APIS)
def test_a_producing_stream_is_never_cut(fault_server: FaultServer, api: str) -> None:
    fault_server.set_default(Behavior.drip(0.15, text=LONG))
    result = run(fault_server, api, timeout=0.4, idle_timeout=0.5)  # 8 tokens: ~1.2 s > timeout
    assert result.error is None, result.error
    assert result.streamed_text == result.answer.content == LONG
    assert [a.outcome for a in result.attempts] == ["ok"]
    assert result.attempts[0].first_token_seconds is not None


@pytest.mark.parametrize("api", STREAM_APIS)
def test_a_stall_mid_stream_is_continued_by_the_next_model(fault_server: FaultServer, api: str) -> None:
    first, second = ranked()[:2]
    fault_server.script(first, Behavior(kind="stall_stream", cut_after=3, text=LONG))
    fault_server.script(second, Behavior(text=LONG, resume=True))
    config = {"configurable": {"idle_timeout": 0.3}} if api.startswith("runnable.") else None
    options = {} if config else {"idle_timeout": 0.3}
    result = run(fault_server, api, config=config, **options)
    assert result.error is None, result.error
    assert result.streamed_text == result.answer.content == LONG  # one answer, no repeat
    assert result.model == second
    a, b = result.attempts
    assert (a.model_id, a.outcome, a.streamed, a.continued_at) == (first, "timeout", True, None)
    assert (b.model_id, b.outcome, b.continued_at) == (second, "ok", len(HEAD))
    assert result.answer.response_metadata["continuation"] == [
        {"model_id": first, "offset": 0},
        {"model_id": second, "offset": len(HEAD)},
    ]
    if not api.startswith("runnable."):  # graph chunks name their model
        models = [m for m, text in result.chunks if text]
        assert models == [first] * 3 + [second] * 5
    sent = next(r for r in fault_server.requests if r.model == second).messages
    assert [m["role"] for m in sent[-2:]] == ["assistant", "user"]  # no prefill: asked in words
    assert sent[-2]["content"] == HEAD and "Continue" in sent[-1]["content"]


@pytest.mark.parametrize("api", ["runnable.stream", "astream"])
def test_a_continuation_uses_prefill_where_the_catalog_allows(fault_server: FaultServer, api: str) -> None:
    first, second = ranked()[:2]
    fault_server.script(first, Behavior(kind="stream_error", cut_after=3, text=LONG))
    fault_server.script(second, Behavior(text=LONG, resume=True))
    result = run(fault_server, api, prefill=True)
    assert result.streamed_text == result.answer.content == LONG
    sent = next(r for r in fault_server.requests if r.model == second).messages
    assert sent[-1] == {"role": "assistant", "content": HEAD}  # the partial answer, to go on from


@pytest.mark.parametrize("api", ["stream", "runnable.astream"])
def test_a_restarted_answer_shows_no_repeat(fault_server: FaultServer, api: str) -> None:
    first, second = ranked()[:2]
    fault_server.script(first, Behavior(kind="cut_stream", cut_after=3, text=LONG))
    fault_server.script(second, Behavior(text=LONG))  # ignores the ask and starts over
    result = run(fault_server, api)
    assert result.streamed_text == result.answer.content == LONG


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_stream_without_finish_reason_is_a_failed_attempt(fault_server: FaultServer, mode: str) -> None:
    first = ranked()[0]
    fault_server.script(first, Behavior(kind="unfinished_stream", cut_after=3, text=LONG))
    api = "runnable.stream" if mode == "sync" else "runnable.astream"
    result = run(fault_server, api, on_stream_failure="raise")
    assert isinstance(result.error, StreamInterruptedError)  # was: a silently truncated success
    assert result.attempts[0].error_type == "StreamCutError"
    assert result.streamed_text == HEAD
    continued = run(fault_server, api)
    assert continued.error is None and continued.model != first
    assert continued.answer.content.startswith(HEAD) and len(continued.answer.content) > len(HEAD)


def _tools_router(server: FaultServer, clients: dict[str, Any]) -> Any:
    def get_weather(city: str) -> str:
        """Weather of a city."""
        return "sunny"

    return RunnableRouter(catalog(server), timeout=5, client_kwargs=clients).bind_tools([get_weather])


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_tool_call_cut_midway_is_restarted_whole_on_the_next_model(
    fault_server: FaultServer, mode: str
) -> None:
    task = "What's the weather in Paris?"
    first, second = route(task).model_ids[:2]
    call = {"name": "get_weather", "arguments": {"city": "Paris"}}
    fault_server.script(first, Behavior(kind="cut_stream", cut_after=3, tool_call=call))
    fault_server.script(second, Behavior(tool_call=call))

    async def collect() -> list[AIMessageChunk]:
        async with httpx.AsyncClient() as client:
            return [c async for c in _tools_router(fault_server, {"http_async_client": client}).astream(task)]

    if mode == "sync":
        with httpx.Client() as client:
            chunks = list(_tools_router(fault_server, {"http_client": client}).stream(task))
    else:
        chunks = asyncio.run(collect())
    total = chunks[0]
    for chunk in chunks[1:]:
        total = total + chunk
    assert total.response_metadata["model_name"] == second
    assert [(c["name"], c["args"]) for c in total.tool_calls] == [("get_weather", {"city": "Paris"})]
    assert not total.invalid_tool_calls  # no half call of the first model was merged in
    assert [a["outcome"] for a in total.response_metadata["attempts"]] == ["error", "ok"]
    assert not total.response_metadata["attempts"][0]["streamed"]


def test_no_stray_callback_error_after_a_stream_is_cut(
    fault_server: FaultServer, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    first = ranked()[0]
    fault_server.script(first, Behavior(kind="stall_stream", cut_after=3, text=LONG))
    with caplog.at_level(logging.DEBUG):
        result = run(fault_server, "runnable.stream", idle_timeout=0.3, on_stream_failure="raise")
    assert isinstance(result.error, StreamInterruptedError)
    assert result.attempts[0].outcome == "timeout"
    assert "callback" not in caplog.text and "DeadlineExceeded" not in caplog.text
    assert "Error in" not in capfd.readouterr().err


@pytest.mark.parametrize("api", ["runnable.stream", "runnable.astream", "runnable.invoke", "ainvoke"])
def test_hedge_starts_the_next_model_when_the_first_is_slow(fault_server: FaultServer, api: str) -> None:
    first, second = ranked()[:2]
    fault_server.script(first, Behavior.slow(3.0, text=LONG))
    fault_server.script(second, Behavior(text=LONG))
    result = run(fault_server, api, hedge_after=0.2)
    assert result.error is None and result.model == second
    assert result.answer.content == LONG
    hedged, won = result.attempts
    assert (hedged.model_id, hedged.outcome, won.model_id, won.outcome) == (first, "hedged", second, "ok")
    assert hedged.usage and hedged.usage["input_tokens"] > 0  # its cost is counted (estimated)
    pricing = catalog(fault_server)[first].pricing
    assert hedged.cost == pricing.estimate(hedged.usage["input_tokens"], hedged.usage["output_tokens"])
    assert won.first_token_seconds is not None
    if api.split(".")[-1].startswith("a"):  # an async loser is cancelled at once
        assert fault_server.wait_idle(timeout=2.0)
        assert [r.outcome for r in fault_server.requests if r.model == first] == ["client_disconnected"]


def test_hedge_is_not_started_when_the_first_model_is_quick(fault_server: FaultServer) -> None:
    first = ranked()[0]
    result = run(fault_server, "runnable.astream", hedge_after=1.0)
    assert result.model == first and [a.outcome for a in result.attempts] == ["ok"]
    assert fault_server.calls() == 1


@pytest.mark.parametrize("api", ["stream", "ainvoke"])
def test_total_timeout_caps_the_request_across_attempts(fault_server: FaultServer, api: str) -> None:
    fault_server.set_default(Behavior.hang())
    result = run(fault_server, api, timeout=0.5, first_token_timeout=0.5, total_timeout=0.8)
    assert isinstance(result.error, RoutingError)
    outcomes = [a.outcome for a in result.attempts]
    assert outcomes == ["timeout"] * len(outcomes) and len(outcomes) >= 2
    assert result.attempts[1].seconds < 0.5  # the second got only what was left
    assert "total_timeout" in (result.attempts[-1].error or "")


@pytest.mark.parametrize("target", ["graph", "runnable"])
async def test_astream_events_carry_one_continued_answer(fault_server: FaultServer, target: str) -> None:
    first, second = ranked()[:2]
    fault_server.script(first, Behavior(kind="stall_stream", cut_after=3, text=LONG))
    fault_server.script(second, Behavior(text=LONG, resume=True))
    async with httpx.AsyncClient() as client:
        options = {"idle_timeout": 0.3, "timeout": 5, "client_kwargs": {"http_async_client": client}}
        if target == "graph":
            runnable: Any = create_router(catalog(fault_server), **options).compile()
            inputs: Any = {"messages": [("user", TASK)]}
        else:
            runnable, inputs = RunnableRouter(catalog(fault_server), **options), TASK
        events = [e async for e in runnable.astream_events(inputs, version="v2")]
    streamed = [e for e in events if e["event"] == "on_chat_model_stream"]
    if target == "runnable":  # one chat-model run: the router's
        assert {e["name"] for e in streamed} == {"RunnableRouter"}
    else:  # the node's runs, one per model, tagged with the model
        tags = [
            next(t for t in e["tags"] if t.startswith("route:"))
            for e in streamed
            if e["data"]["chunk"].content
        ]
        assert tags == [f"route:{first}"] * 3 + [f"route:{second}"] * 5
    assert "".join(str(e["data"]["chunk"].content) for e in streamed) == LONG
