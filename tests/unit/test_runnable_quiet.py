"""RunnableRouter's async runs: in place when the caller's context is quiet already, in a
quiet task otherwise; either way each answer is counted once and nothing leaks back."""

from __future__ import annotations

import asyncio

from langchain_core.callbacks import get_usage_metadata_callback
from langchain_core.runnables.config import var_child_runnable_config

from lg_router import RunnableRouter
from lg_router.runnable import runs
from tests.support.fakes import fakes, small_catalog


def _router() -> RunnableRouter:
    return RunnableRouter(small_catalog(), chat_models=fakes())


def test_a_top_level_call_is_quiet_and_leaves_the_callers_context_as_it_was() -> None:
    router = _router()

    async def main() -> None:
        assert runs.is_quiet()
        answer = await router.ainvoke("Say hi")
        assert answer.response_metadata["model_name"]
        assert var_child_runnable_config.get() is None
        assert runs.is_quiet()

    asyncio.run(main())


def test_a_hook_makes_the_context_loud_and_the_answer_is_counted_once() -> None:
    router = _router()

    async def main() -> None:
        with get_usage_metadata_callback() as usage:
            assert not runs.is_quiet()
            answer = await router.ainvoke("Say hi")
        assert answer.usage_metadata is not None
        totals = [u["total_tokens"] for u in usage.usage_metadata.values()]
        assert totals == [answer.usage_metadata["total_tokens"]]

    asyncio.run(main())


def test_an_ambient_config_makes_the_context_loud() -> None:
    token = var_child_runnable_config.set({"tags": ["outer"]})
    try:
        assert not runs.is_quiet()
    finally:
        var_child_runnable_config.reset(token)
