"""A model call nobody watches (lg_router.execution.quiet) returns what ``invoke`` returns.

Each check runs the same fake model both ways, ``quiet.invoke``/``ainvoke`` and the
model's own ``invoke``/``ainvoke``, and compares the message a caller gets (content,
metadata, usage, tool calls, id scheme) or the error; then which calls keep LangChain's
path (anything that could observe the run, or a class that changes it), and that a
router run with a callback handler gives the same answer and attempts as one without.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from langchain_core.caches import InMemoryCache
from langchain_core.globals import set_llm_cache
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.rate_limiters import InMemoryRateLimiter

from lg_router import RoutingError, create_router
from lg_router.execution import quiet
from tests.support.fakes import ChatStarts, ScriptedChat, bad_request, fakes, server_error, small_catalog

RUN_ID = re.compile(r"^lc_run--[0-9a-f-]{36}-0$")
ASK = [HumanMessage("What is 2+2?")]


class Described(BaseChatModel):
    """A model whose result carries generation info, gateway metadata and an ``llm_output``."""

    message_id: str | None = None
    streaming: bool = False  # as ChatOpenAI's: stream even when invoked
    runs: int = 0

    @property
    def _llm_type(self) -> str:
        return "described"

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kwargs: Any
    ) -> Any:
        self.runs += 1
        message = AIMessage(
            content=f"4 (stop={stop}, seed={kwargs.get('seed')})",
            id=self.message_id,
            response_metadata={"finish_reason": "from the message", "model_name": "m-1"},
            usage_metadata={"input_tokens": 3, "output_tokens": 1, "total_tokens": 4},
        )
        info = {"finish_reason": "from the info", "logprobs": None, "lc_gateway_metadata": {"via": "proxy"}}
        return ChatResult(
            generations=[ChatGeneration(message=message, generation_info=info)],
            llm_output={"model_name": "from llm_output", "system_fingerprint": "fp"},
        )


class OwnInvoke(Described):
    """A class that changes ``invoke``: its own path must run."""

    def invoke(self, input: Any, config: Any = None, **kwargs: Any) -> Any:
        return AIMessage("from the override")

    async def ainvoke(self, input: Any, config: Any = None, **kwargs: Any) -> Any:
        return AIMessage("from the override")


def _seen(message: AIMessage) -> dict[str, Any]:
    return {
        "type": type(message).__name__,
        "content": message.content,
        "response_metadata": message.response_metadata,
        "usage": message.usage_metadata,
        "tool_calls": message.tool_calls,
        "additional_kwargs": message.additional_kwargs,
    }


def _both(model: Any, kwargs: dict[str, Any], *, is_async: bool) -> tuple[AIMessage, AIMessage]:
    if is_async:

        async def run() -> tuple[AIMessage, AIMessage]:
            return await quiet.ainvoke(model, ASK, {}, kwargs), await model.ainvoke(ASK, {}, **kwargs)

        return asyncio.run(run())
    return quiet.invoke(model, ASK, {}, kwargs), model.invoke(ASK, {}, **kwargs)


@pytest.mark.parametrize("is_async", [False, True])
def test_the_answer_is_the_one_invoke_returns(is_async: bool) -> None:
    got, expected = _both(Described(), {"seed": 7}, is_async=is_async)
    assert _seen(got) == _seen(expected)
    assert got.response_metadata == {
        "model_name": "m-1",
        "system_fingerprint": "fp",
        "finish_reason": "from the message",
        "logprobs": None,
    }
    assert got.content == "4 (stop=None, seed=7)"
    assert RUN_ID.match(got.id or "") and RUN_ID.match(expected.id or "")
    assert got.id != expected.id


@pytest.mark.parametrize("is_async", [False, True])
def test_a_providers_id_and_a_bound_stop_are_kept(is_async: bool) -> None:
    model = Described(message_id="chatcmpl-42")
    got, expected = _both(model.bind(stop=["\n"]), {"seed": 1}, is_async=is_async)
    assert got.id == expected.id == "chatcmpl-42"
    assert got.content == expected.content == "4 (stop=['\\n'], seed=1)"


@pytest.mark.parametrize("is_async", [False, True])
def test_tool_calls_and_usage_of_a_scripted_model_match(is_async: bool) -> None:
    model = ScriptedChat(tool_args={"city": "Oslo"})
    tools = [{"type": "function", "function": {"name": "weather", "parameters": {"type": "object"}}}]
    got, expected = _both(model.bind(tools=tools, tool_choice="weather"), {}, is_async=is_async)
    assert _seen(got) == _seen(expected)
    assert got.tool_calls[0]["name"] == "weather" and got.tool_calls[0]["args"] == {"city": "Oslo"}
    assert [c["tool_choice"] for c in model.calls] == ["weather", "weather"]


@pytest.mark.parametrize("is_async", [False, True])
def test_an_error_is_the_models_own(is_async: bool) -> None:
    failure = server_error()
    model = ScriptedChat(fail=failure)
    with pytest.raises(type(failure)) as caught:
        if is_async:
            asyncio.run(quiet.ainvoke(model, ASK, {}, {}))
        else:
            quiet.invoke(model, ASK, {}, {})
    assert caught.value is failure


def _takes_langchains_path(
    model: Any, config: dict[str, Any], kwargs: dict[str, Any], messages: Any = ASK
) -> bool:
    return quiet._target(model, messages, config, kwargs, is_async=True) is None  # type: ignore[arg-type]


def test_what_keeps_langchains_path() -> None:
    counting = ChatStarts()
    assert not _takes_langchains_path(Described(), {}, {})
    assert not _takes_langchains_path(Described().bind(seed=1), {}, {})
    assert _takes_langchains_path(Described(), {"callbacks": [counting]}, {})
    assert _takes_langchains_path(Described(callbacks=[counting]), {}, {})
    assert _takes_langchains_path(Described(verbose=True), {}, {})
    assert _takes_langchains_path(Described(cache=True), {}, {})
    assert _takes_langchains_path(Described(rate_limiter=InMemoryRateLimiter()), {}, {})
    assert _takes_langchains_path(Described(streaming=True), {}, {})
    assert _takes_langchains_path(Described(), {}, {"stream": True})
    assert _takes_langchains_path(Described(output_version="v1"), {}, {})
    assert _takes_langchains_path(Described().with_config(tags=["t"]), {}, {})
    assert _takes_langchains_path(OwnInvoke(), {}, {})
    blocks = [HumanMessage(content=[{"type": "text", "text": "What is 2+2?"}])]
    assert _takes_langchains_path(Described(), {}, {}, blocks)
    set_llm_cache(InMemoryCache())
    try:
        assert _takes_langchains_path(Described(), {}, {})
    finally:
        set_llm_cache(None)


def test_a_watched_call_still_opens_its_run() -> None:
    counting = ChatStarts()
    assert quiet.invoke(Described(), ASK, {"callbacks": [counting]}, {}).content.startswith("4")
    assert counting.starts == 1
    assert quiet.invoke(OwnInvoke(), ASK, {}, {}).content == "from the override"


SCENARIOS: dict[str, dict[str, Any]] = {
    "first answers": {},
    "first fails, second answers": {"alpha": {"fail": server_error()}},
    "a request error is not retried elsewhere": {"alpha": {"fail": bad_request()}},
}


def _outcome(run: Any) -> Any:
    try:
        out = run()
    except RoutingError as exc:
        return type(exc), [(a.model_id, a.outcome, a.failure) for a in exc.attempts]
    answer = out["messages"][-1]
    metadata = {k: v for k, v in answer.response_metadata.items() if k != "attempts"}
    metadata["decision"] = {k: v for k, v in metadata["decision"].items() if k != "seconds"}
    attempts = [(a.model_id, a.outcome, a.failure, a.usage, a.cost) for a in out["attempts"]]
    return answer.content, answer.usage_metadata, metadata, attempts, out["spend"]


@pytest.mark.parametrize("is_async", [False, True])
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_a_router_run_answers_the_same_watched_or_not(name: str, is_async: bool) -> None:
    def graph() -> Any:
        return create_router(small_catalog(), chat_models=fakes(**SCENARIOS[name]), timeout=1.0).compile()

    counting = ChatStarts()
    task = {"messages": [HumanMessage("Write a short poem about the sea.")]}
    watched_config: Any = {"callbacks": [counting]}
    if is_async:
        quiet_run = _outcome(lambda: asyncio.run(graph().ainvoke(task)))
        watched = _outcome(lambda: asyncio.run(graph().ainvoke(task, watched_config)))
    else:
        quiet_run = _outcome(lambda: graph().invoke(task))
        watched = _outcome(lambda: graph().invoke(task, watched_config))
    assert quiet_run == watched
    assert counting.starts >= 1  # the watched run's model calls opened their runs
