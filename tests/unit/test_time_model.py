"""The time model: option validation and precedence, the stream race's rules, the relay."""

from __future__ import annotations

import asyncio
import math
import threading

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import AIMessageChunk
from langchain_core.tracers._streaming import _StreamingCallbackHandler
from langgraph.pregel._messages import StreamMessagesHandler

from lg_router import CatalogError, InvalidOptionError, ModelCatalog, RunnableRouter, create_router
from lg_router.execution.deadline import AttemptTimes, DeadlineExceeded, attempt_times
from lg_router.execution.relay import Relay, is_stream_consumer
from lg_router.execution.stream import Source, StreamRace
from lg_router.state import TIME_OPTIONS, RunOptions
from tests.support.fakes import fakes, small_catalog

BAD_SECONDS = [0, -1, math.nan, math.inf, 1e300, "5", True]


@pytest.mark.parametrize("value", BAD_SECONDS, ids=repr)
@pytest.mark.parametrize("option", TIME_OPTIONS)
def test_every_time_option_rejects_a_bad_value_naming_it(option: str, value: object) -> None:
    with pytest.raises(InvalidOptionError, match=option):
        RunOptions.build(**{option: value})


@pytest.mark.parametrize("option", ["first_token_timeout", "idle_timeout", "total_timeout", "hedge_after"])
def test_time_options_are_checked_on_every_api(option: str) -> None:
    with pytest.raises(InvalidOptionError, match=option):
        create_router(small_catalog(), chat_models=fakes(), **{option: 0})
    with pytest.raises(InvalidOptionError, match=option):
        RunnableRouter(small_catalog(), chat_models=fakes(), **{option: -2})
    router = RunnableRouter(small_catalog(), chat_models=fakes())
    with pytest.raises(InvalidOptionError, match=option):
        router.invoke("hi", config={"configurable": {option: "soon"}})


def test_on_stream_failure_must_be_continue_or_raise() -> None:
    with pytest.raises(InvalidOptionError, match="on_stream_failure"):
        create_router(small_catalog(), chat_models=fakes(), on_stream_failure="retry")


@pytest.mark.parametrize("field", ["first_token_timeout", "idle_timeout"])
@pytest.mark.parametrize("value", [0, -1, math.inf])
def test_catalog_time_fields_are_validated(field: str, value: float) -> None:
    data = {"base_url": "http://127.0.0.1:9/v1", "models": {"m": {field: value}}}
    with pytest.raises(CatalogError, match=field):
        ModelCatalog.from_dict(data)


def test_times_resolve_run_then_model_then_router_then_catalog() -> None:
    cat = ModelCatalog.from_dict(
        {
            "base_url": "http://127.0.0.1:9/v1",
            "default_timeout": 40,
            "default_idle_timeout": 20,
            "models": {"own": {"timeout": 9, "first_token_timeout": 3, "idle_timeout": 2}, "plain": {}},
        }
    )
    router = {"timeout": 7.0, "first_token_timeout": None, "idle_timeout": 5.0}
    none = RunOptions.build()
    assert attempt_times(none, cat, "own", router) == AttemptTimes(timeout=9, first_token=3, idle=2)
    assert attempt_times(none, cat, "plain", router) == AttemptTimes(timeout=7, first_token=7, idle=5)
    assert attempt_times(none, cat, "plain", {}) == AttemptTimes(timeout=40, first_token=40, idle=20)
    run = RunOptions.build(timeout=1, first_token_timeout=0.5, idle_timeout=0.25, total_timeout=10)
    times = attempt_times(run, cat, "own", router)
    assert (times.timeout, times.first_token, times.idle, times.remaining) == (1, 0.5, 0.25, 10)


def test_default_first_token_timeout_is_the_timeout_and_idle_is_30s() -> None:
    cat = ModelCatalog.from_dict({"base_url": "http://127.0.0.1:9/v1", "models": {"m": {}}})
    times = attempt_times(RunOptions.build(timeout=1.5), cat, "m", {})
    assert (times.timeout, times.first_token, times.idle) == (1.5, 1.5, 30.0)


def _source(index: int = 0, *, relay: Relay | None = None) -> Source:
    return Source(
        index=index,
        model_id=f"m{index}",
        model=None,
        messages=[],
        config={},
        relay=relay or Relay(None, "m", []),
        needs_finish=True,
    )


def _race(*sources: Source, hedge_after: float | None = None, remaining: float | None = None) -> StreamRace:
    race = StreamRace(
        AttemptTimes(timeout=1.0, first_token=1.0, idle=0.5, remaining=remaining),
        list(sources),
        hedge_after=hedge_after,
    )
    race.t0 = 0.0
    race.start(race.sources[0], 0.0)
    return race


def token(text: str = "x", **meta: str) -> AIMessageChunk:
    return AIMessageChunk(content=text, response_metadata=meta)


def test_a_stream_that_keeps_producing_is_never_cut() -> None:
    race = _race(_source())
    now = 0.0
    for _ in range(1000):  # 1000 chunks 0.45 s apart: 450 s, far past every other limit
        now += 0.45
        race.step(("chunk", 0, token()), now)
        assert race.sources[0].live
    race.step(("chunk", 0, token("", finish_reason="stop")), now)
    race.step(("end", 0, None), now)
    assert race.done and race.sources[0].outcome == "ok"


def test_a_gap_longer_than_idle_fails_the_stream() -> None:
    race = _race(_source())
    race.step(("chunk", 0, token()), 0.2)
    assert race.wait(0.2) == pytest.approx(0.5)
    race.step(None, 0.71)
    source = race.sources[0]
    assert source.outcome == "failed" and isinstance(source.error, DeadlineExceeded)
    assert "idle" in str(source.error) and race.done


def test_no_first_token_in_time_fails_the_stream_and_role_chunks_do_not_count() -> None:
    race = _race(_source())
    race.step(("chunk", 0, token("")), 0.5)  # a role/empty chunk is not a token
    race.step(None, 1.01)
    assert race.sources[0].outcome == "failed" and "first token" in str(race.sources[0].error)


def test_a_stream_ending_without_finish_reason_fails() -> None:
    race = _race(_source())
    race.step(("chunk", 0, token("half")), 0.1)
    race.step(("end", 0, None), 0.2)
    assert race.sources[0].outcome == "failed"
    assert type(race.sources[0].error).__name__ == "StreamCutError"


def test_total_timeout_caps_a_stream() -> None:
    race = _race(_source(), remaining=0.3)
    race.step(("chunk", 0, token()), 0.1)
    assert race.wait(0.1) == pytest.approx(0.2)
    race.step(None, 0.31)
    assert "total_timeout" in str(race.sources[0].error)


def test_the_hedge_starts_on_time_and_the_first_token_wins() -> None:
    race = _race(_source(0), _source(1), hedge_after=0.2)
    assert race.hedge_due(0.1) is None and race.wait(0.0) == pytest.approx(0.2)
    hedge = race.hedge_due(0.2)
    assert hedge is race.sources[1]
    race.start(hedge, 0.2)
    step = race.step(("chunk", 1, token("hi")), 0.3)
    assert race.winner is hedge and step.opened is hedge
    assert step.cancel == [race.sources[0]] and race.sources[0].outcome == "hedged"
    race.step(("chunk", 0, token("late")), 0.31)  # the loser's late chunk is ignored
    assert race.sources[0].chunks == []


def test_the_hedge_is_not_started_once_the_first_stream_failed() -> None:
    race = _race(_source(0), _source(1), hedge_after=0.2)
    race.step(("error", 0, ConnectionError("down")), 0.1)
    assert race.done and race.hedge_due(0.3) is None


def test_relay_holds_tool_call_pieces_until_the_call_is_complete() -> None:
    relay = Relay({"callbacks": []}, "m", [])
    piece = AIMessageChunk(
        content="", tool_call_chunks=[{"name": "f", "args": '{"a"', "id": "1", "index": 0}]
    )
    assert relay.pieces(AIMessageChunk(content="Let me check. ")) == [
        AIMessageChunk(content="Let me check. ", id=relay.id)
    ]
    assert relay.pieces(piece) == []
    released = relay.closing()
    assert [p.tool_call_chunks for p in released] == [piece.tool_call_chunks]
    assert relay.text == "Let me check. "


@pytest.mark.parametrize(
    ("chunks", "shown"),
    [
        (["Hello", " wor", "ld", "!"], "ld!"),  # restarted: the repeat of the prefix is dropped
        (["ld", "!"], "ld!"),  # a true continuation passes at once
        (["Hel", "p is here"], "Help is here"),  # diverges: what was held is released
        (["Hello worl", "d"], "ld"),  # one chunk crossing the end of the prefix
    ],
)
def test_relay_drops_a_repeat_of_the_answer_the_caller_has(chunks: list[str], shown: str) -> None:
    relay = Relay({"callbacks": []}, "m", [], prefix="Hello wor")
    out = "".join(str(p.content) for c in chunks for p in relay.pieces(AIMessageChunk(content=c)))
    assert out == shown == relay.text


def test_stream_consumers_are_recognised_as_langchain_does() -> None:
    # Pins langchain-core's _StreamingCallbackHandler protocol (1.7.2): it is what makes a
    # chat model's invoke stream, and what the router relays tokens to.
    handler = StreamMessagesHandler(lambda _chunk: None, subgraphs=False)
    plain = BaseCallbackHandler()
    assert isinstance(handler, _StreamingCallbackHandler) and is_stream_consumer(handler)
    assert not isinstance(plain, _StreamingCallbackHandler) and not is_stream_consumer(plain)


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_stalled_fake_stream_is_continued_in_sync_and_async(mode: str) -> None:
    gate = threading.Event()  # never set: alpha stalls after its first token
    models = fakes(alpha={"gate": gate})
    router = RunnableRouter(small_catalog(), chat_models=models, idle_timeout=0.2)

    async def collect() -> list[AIMessageChunk]:
        chunks = [c async for c in router.astream("Say hello to the team")]
        gate.set()  # let the abandoned stream's waiting thread end before the loop closes
        return chunks

    chunks = list(router.stream("Say hello to the team")) if mode == "sync" else asyncio.run(collect())
    text = "".join(str(c.content) for c in chunks)
    meta = chunks[-1].response_metadata
    second = meta["model_name"]
    assert text == f"answer from {second}" and second != "alpha"  # "answer" then the rest
    assert [(a["model_id"], a["outcome"], a["streamed"]) for a in meta["attempts"]] == [
        ("alpha", "timeout", True),
        (second, "ok", False),
    ]
    gate.set()


def test_a_tool_call_name_repeated_on_every_piece_is_merged_once() -> None:
    # llama.cpp's server repeats the name and id on every piece of the arguments
    pieces = ['{"set', 'up": "a"', ', "punchline": "b"}']
    chunks = [
        AIMessageChunk(content="", tool_call_chunks=[{"name": "Joke", "args": a, "id": "c1", "index": 0}])
        for a in pieces
    ]
    source = _source()
    source.chunks = chunks
    (call,) = source.message().tool_calls
    assert (call["name"], call["id"], call["args"]) == ("Joke", "c1", {"setup": "a", "punchline": "b"})
    relay = Relay({"callbacks": []}, "m", [])
    for chunk in chunks:
        relay.pieces(chunk)
    assert [p.tool_call_chunks[0]["name"] for p in relay.closing()] == ["Joke", None, None]
    assert chunks[1].tool_call_chunks[0]["name"] == "Joke"  # the model's own chunks are unchanged


@pytest.mark.parametrize("spent", [False, True])
def test_a_hedge_spends_the_retry_budget_and_is_skipped_when_it_is_spent(spent: bool) -> None:
    from lg_router import RetryBudget

    models = fakes(alpha={"delay": 0.4})  # alpha is slow to its first token
    budget = RetryBudget(0.0, min_retries=0 if spent else 5)
    router = RunnableRouter(small_catalog(), chat_models=models, hedge_after=0.05, retry_budget=budget)
    chunks = list(router.stream("Say hello to the team"))
    meta = chunks[-1].response_metadata
    outcomes = [(a["model_id"], a["outcome"]) for a in meta["attempts"]]
    second = meta["decision"]["ranked"][1]["model_id"]
    if spent:  # no budget left: no second call, the first model answers
        assert outcomes == [("alpha", "ok")] and not models[second].calls
    else:
        assert outcomes == [("alpha", "hedged"), (second, "ok")]
        assert budget.counts()[1] == 1  # the hedge was one extra attempt
