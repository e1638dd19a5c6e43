"""RunnableRouter as a chat model in LCEL: invoke/stream/batch, options, errors."""

from __future__ import annotations

import threading

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from pydantic import ValidationError

from lg_router import (
    InvalidOptionError,
    InvalidTaskError,
    LgRouterError,
    RoutingError,
    RunnableRouter,
    StreamInterruptedError,
)
from tests.support.fakes import BadRequest, ScriptedFailure, fakes, small_catalog

TASK = "Say hello to the team"


def make(**overrides: dict) -> tuple[RunnableRouter, dict]:
    models = fakes(**overrides)
    return RunnableRouter(small_catalog(), chat_models=models), models


def joined(chunks: list[AIMessageChunk]) -> AIMessageChunk:
    total = chunks[0]
    for chunk in chunks[1:]:
        total = total + chunk
    return total


def test_invoke_answers_with_model_decision_attempts_and_usage() -> None:
    router, models = make()
    answer = router.invoke(TASK)
    assert isinstance(answer, AIMessage)
    assert answer.content == "answer from alpha"
    meta = answer.response_metadata
    assert meta["model_name"] == "alpha"
    assert meta["decision"]["ranked"][0]["model_id"] == "alpha"
    assert [a["model_id"] for a in meta["attempts"]] == ["alpha"]
    assert answer.usage_metadata == {"input_tokens": 7, "output_tokens": 5, "total_tokens": 12}
    assert len(models["alpha"].calls) == 1 and not models["beta"].calls


def test_invoke_falls_back_through_the_graph() -> None:
    router, models = make(alpha={"fail": ScriptedFailure("down")})
    answer = router.invoke(TASK)
    ranked = answer.response_metadata["decision"]["ranked"]
    second = ranked[1]["model_id"]
    assert answer.response_metadata["model_name"] == second
    assert [a["outcome"] for a in answer.response_metadata["attempts"]] == ["error", "ok"]
    assert len(models["alpha"].calls) == 1


def test_non_retryable_error_is_a_routing_error() -> None:
    router, models = make(alpha={"fail": BadRequest("bad request")})
    with pytest.raises(RoutingError, match="non-retryable"):
        router.invoke(TASK)
    assert not models["beta"].calls and not models["gamma"].calls


async def test_lcel_chain_invoke_and_ainvoke() -> None:
    router, _ = make()
    chain = ChatPromptTemplate.from_messages([("human", "Greet {who}")]) | router | StrOutputParser()
    assert chain.invoke({"who": "Ada"}) == "answer from alpha"
    assert await chain.ainvoke({"who": "Ada"}) == "answer from alpha"


def test_stream_yields_each_token_once_then_metadata() -> None:
    router, _ = make()
    chunks = list(router.stream(TASK))
    texts = [c.content for c in chunks if c.content]
    assert texts == ["answer", " from", " alpha"]
    total = joined(chunks)
    assert total.content == "answer from alpha"
    assert total.response_metadata["model_name"] == "alpha"
    assert total.response_metadata["attempts"][0]["outcome"] == "ok"
    assert total.usage_metadata["total_tokens"] == 12  # not doubled


def test_stream_tokens_arrive_while_the_model_is_still_producing() -> None:
    gate = threading.Event()
    router, _ = make(alpha={"gate": gate})
    stream = router.stream(TASK)
    first = next(stream)
    assert first.content == "answer"  # the model is blocked until we release it
    gate.set()
    assert "".join(str(c.content) for c in stream) == " from alpha"


async def test_astream_tokens_arrive_while_the_model_is_still_producing() -> None:
    gate = threading.Event()
    router, _ = make(alpha={"gate": gate})
    stream = router.astream(TASK)
    first = await stream.__anext__()
    assert first.content == "answer"
    gate.set()
    rest = [c async for c in stream]
    assert "".join(str(c.content) for c in rest) == " from alpha"
    assert joined(rest).response_metadata["model_name"] == "alpha"


def test_stream_falls_back_before_the_first_token() -> None:
    router, _ = make(alpha={"fail": ScriptedFailure("down"), "fail_after": 0})
    total = joined(list(router.stream(TASK)))
    assert total.response_metadata["model_name"] != "alpha"
    assert total.content == f"answer from {total.response_metadata['model_name']}"


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_failure_after_first_token_is_continued(mode: str) -> None:
    router, models = make(alpha={"fail": ScriptedFailure("cut"), "fail_after": 2})
    chunks = list(router.stream(TASK)) if mode == "sync" else [c async for c in router.astream(TASK)]
    total = joined(chunks)
    second = total.response_metadata["model_name"]
    assert second != "alpha"
    # the caller saw "answer from" from alpha, then only what the next model added
    assert total.content == "answer from" + f" {second}"
    assert [a["continued_at"] for a in total.response_metadata["attempts"]] == [None, len("answer from")]
    assert len(models[second].calls) == 1


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_failure_after_first_token_raises_stream_interrupted_when_asked(mode: str) -> None:
    router, models = make(alpha={"fail": ScriptedFailure("cut"), "fail_after": 2})
    router = RunnableRouter(small_catalog(), chat_models=models, on_stream_failure="raise")
    seen: list[str] = []
    with pytest.raises(StreamInterruptedError, match="after it had started streaming"):
        if mode == "sync":
            seen.extend(str(c.content) for c in router.stream(TASK))
        else:
            async for chunk in router.astream(TASK):
                seen.append(str(chunk.content))
    assert seen == ["answer", " from"]  # what arrived, then an error, never a silent end
    assert not models["beta"].calls and not models["gamma"].calls


def test_batch_is_concurrent_and_honours_max_concurrency() -> None:
    router, models = make(alpha={"delay": 0.1})
    answers = router.batch([f"{TASK} {i}" for i in range(6)], config={"max_concurrency": 2})
    assert [a.content for a in answers] == ["answer from alpha"] * 6
    assert models["alpha"].peak == 2


async def test_abatch_is_concurrent_and_honours_max_concurrency() -> None:
    router, models = make(alpha={"delay": 0.1})
    answers = await router.abatch([f"{TASK} {i}" for i in range(6)], config={"max_concurrency": 3})
    assert len(answers) == 6 and all(a.response_metadata["model_name"] == "alpha" for a in answers)
    assert models["alpha"].peak == 3


async def test_astream_events_stream_tokens_once_from_the_router_run() -> None:
    router, _ = make()
    events = [e async for e in router.astream_events(TASK, version="v2")]
    streamed = [e for e in events if e["event"] == "on_chat_model_stream"]
    assert {e["name"] for e in streamed} == {"RunnableRouter"}
    assert "".join(str(e["data"]["chunk"].content) for e in streamed) == "answer from alpha"
    end = [e for e in events if e["event"] == "on_chat_model_end"]
    assert len(end) == 1 and end[0]["data"]["output"].response_metadata["model_name"] == "alpha"


def test_configurable_options_pick_the_pool_and_preference() -> None:
    router, _ = make()
    answer = router.invoke(TASK, config={"configurable": {"models": ["beta", "gamma"], "preference": "cost"}})
    decision = answer.response_metadata["decision"]
    assert answer.response_metadata["model_name"] in ("beta", "gamma")
    assert decision["preference"] == "cost"
    assert {r["model_id"] for r in decision["ranked"]} <= {"beta", "gamma"}


def test_with_config_and_bind_carry_options() -> None:
    router, _ = make()
    via_config = router.with_config(configurable={"models": ["gamma"]}).invoke(TASK)
    assert via_config.response_metadata["model_name"] == "gamma"
    via_bind = router.bind(models=["beta"]).invoke(TASK)
    assert via_bind.response_metadata["model_name"] == "beta"
    # bound keywords win over configurable
    both = router.bind(models=["beta"]).invoke(TASK, config={"configurable": {"models": ["gamma"]}})
    assert both.response_metadata["model_name"] == "beta"


def test_constructor_defaults_apply() -> None:
    router = RunnableRouter(small_catalog(), chat_models=fakes(), models=["gamma"], preference="speed")
    answer = router.invoke(TASK)
    assert answer.response_metadata["model_name"] == "gamma"
    assert answer.response_metadata["decision"]["preference"] == "speed"


def test_stop_sequences_reach_the_chosen_model() -> None:
    router = RunnableRouter(small_catalog(), chat_models=(models := fakes()), stop=["END"])
    router.invoke(TASK)
    router.invoke(TASK, stop=["HALT"])
    assert [c["stop"] for c in models["alpha"].calls] == [["END"], ["HALT"]]


def test_unknown_configurable_key_is_a_typed_error() -> None:
    router, models = make()
    with pytest.raises(InvalidOptionError, match=r"'preferense' \(did you mean 'preference'\?\)"):
        router.invoke(TASK, config={"configurable": {"preferense": "cost"}})
    with pytest.raises(InvalidOptionError, match="'flavour'"):
        list(router.stream(TASK, config={"configurable": {"flavour": 1}}))
    # LangChain's / LangGraph's own keys are fine
    router.invoke(TASK, config={"configurable": {"thread_id": "t1", "checkpoint_ns": ""}})
    assert len(models["alpha"].calls) == 1


def test_bad_option_values_and_keywords_are_typed_errors() -> None:
    router, _ = make()
    with pytest.raises(InvalidOptionError, match="unknown preference 'cheap'"):
        router.invoke(TASK, config={"configurable": {"preference": "cheap"}})
    with pytest.raises(InvalidOptionError, match="unknown model ids"):
        router.invoke(TASK, config={"configurable": {"models": ["nope"]}})
    with pytest.raises(InvalidOptionError, match="'temprature'"):
        router.invoke(TASK, temprature=0.2)


@pytest.mark.parametrize("bad", [42, object(), b"bytes"])
def test_non_chat_input_is_a_typed_error(bad: object) -> None:
    router, _ = make()
    with pytest.raises(InvalidTaskError, match="cannot take"):
        router.invoke(bad)  # type: ignore[arg-type]


def test_empty_or_unreadable_messages_are_typed_errors() -> None:
    router, _ = make()
    with pytest.raises(InvalidTaskError):
        router.invoke("   ")
    with pytest.raises(InvalidTaskError):
        router.invoke([{"nonsense": 1}])


def test_constructor_is_strict_and_offline() -> None:
    with pytest.raises(ValidationError, match="preferense"):
        RunnableRouter(small_catalog(), preferense="cost")
    with pytest.raises(LgRouterError, match=r"unknown model ids \['nope'\]"):
        RunnableRouter(small_catalog(), models=["nope"])
    router = RunnableRouter("oxlo")  # no key needed, no network until a model is called
    assert router._identifying_params["catalog"] == "oxlo"
    assert router._get_ls_params()["ls_provider"] == "lg_router"
