"""RunnableRouter calls nobody watches run the graph without a chat-model run around it,
and answer exactly as LangChain's path does; anything that watches takes LangChain's path."""

from __future__ import annotations

import asyncio
import re
import uuid
from typing import Any

import pytest
from langchain_core.caches import InMemoryCache
from langchain_core.callbacks import get_usage_metadata_callback
from langchain_core.globals import set_llm_cache
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, HumanMessage
from langchain_core.rate_limiters import InMemoryRateLimiter

from lg_router import RunnableRouter
from lg_router.execution import quiet
from tests.support.fakes import ChatStarts, fakes, small_catalog

ID = re.compile(r"^lc_run--[0-9a-f-]{36}-0$")


def _router(**kwargs: Any) -> RunnableRouter:
    return RunnableRouter(small_catalog(), chat_models=fakes(), **kwargs)


@pytest.fixture
def runs_opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Which of BaseChatModel's run-opening methods ran for the router itself."""
    opened: list[str] = []
    generate, agenerate = BaseChatModel.generate, BaseChatModel.agenerate

    def spy_generate(self: BaseChatModel, *args: Any, **kwargs: Any) -> Any:
        if isinstance(self, RunnableRouter):
            opened.append("generate")
        return generate(self, *args, **kwargs)

    async def spy_agenerate(self: BaseChatModel, *args: Any, **kwargs: Any) -> Any:
        if isinstance(self, RunnableRouter):
            opened.append("agenerate")
        return await agenerate(self, *args, **kwargs)

    monkeypatch.setattr(BaseChatModel, "generate", spy_generate)
    monkeypatch.setattr(BaseChatModel, "agenerate", spy_agenerate)
    return opened


def _same_answer(fast: AIMessage, slow: AIMessage) -> None:
    assert fast.content == slow.content
    assert fast.usage_metadata == slow.usage_metadata
    assert fast.tool_calls == slow.tool_calls
    assert set(fast.response_metadata) == set(slow.response_metadata)
    for key in ("model_name", "decision"):
        assert fast.response_metadata[key] == slow.response_metadata[key]
    assert ID.match(str(fast.id)) and ID.match(str(slow.id))


def test_an_unwatched_invoke_skips_the_chat_model_run_and_answers_the_same(runs_opened: list[str]) -> None:
    fast = _router().invoke("Say hi")
    assert runs_opened == []
    starts = ChatStarts()
    slow = _router().invoke("Say hi", {"callbacks": [starts]})  # a fresh decision cache too
    assert runs_opened == ["generate"] and starts.starts == 1
    _same_answer(fast, slow)


def test_an_unwatched_ainvoke_skips_the_chat_model_run_and_answers_the_same(runs_opened: list[str]) -> None:
    async def main() -> tuple[AIMessage, AIMessage]:
        fast = await _router().ainvoke([HumanMessage("Say hi")])
        assert runs_opened == []
        slow = await _router().ainvoke([HumanMessage("Say hi")], {"callbacks": [ChatStarts()]})
        assert runs_opened == ["agenerate"]
        return fast, slow

    _same_answer(*asyncio.run(main()))


def test_the_answer_id_names_the_run_id_given_in_the_config_as_langchain_does() -> None:
    run_id = uuid.uuid4()
    assert _router().invoke("Say hi", {"run_id": run_id}).id == f"lc_run--{run_id}-0"
    # LangChain's own path names it the same way (fails if langchain-core changes it)
    watched = _router().invoke("Say hi", {"run_id": run_id, "callbacks": [ChatStarts()]})
    assert watched.id == f"lc_run--{run_id}-0"


def test_hooks_caches_limiters_streaming_and_content_blocks_take_langchains_path(
    runs_opened: list[str],
) -> None:
    with get_usage_metadata_callback() as usage:
        _router().invoke("Say hi")
    assert runs_opened == ["generate"] and len(usage.usage_metadata) == 1
    _router(rate_limiter=InMemoryRateLimiter(requests_per_second=1000)).invoke("Say hi")
    _router(verbose=True).invoke("Say hi")
    _router(callbacks=[ChatStarts()]).invoke("Say hi")
    _router().invoke([HumanMessage(content=[{"type": "text", "text": "Say hi"}])])
    assert len(runs_opened) == 5
    set_llm_cache(InMemoryCache())
    try:
        _router().invoke("Say hi")
    finally:
        set_llm_cache(None)
    assert len(runs_opened) == 6


def test_streaming_routers_and_run_keywords_are_watched() -> None:
    router = _router()
    assert quiet.unobserved(router, {}, {}, is_async=False)
    assert not quiet.unobserved(_router(streaming=True), {}, {}, is_async=False)
    assert not quiet.unobserved(router, {}, {"stream": True}, is_async=True)
    assert not quiet.unobserved(router, {"callbacks": [ChatStarts()]}, {}, is_async=True)
