"""RunnableRouter calls that nobody watches: the graph without a second run around it.

``BaseChatModel.invoke`` opens a chat-model run for every call (a callback manager, run
managers, ``on_chat_model_start``/``on_llm_end``, an ``LLMResult``, and in async a task
per prompt) even when no handler is there to see any of it. The graph opens its own
runs anyway, so when nothing listens (no callback, tracer, hook, debug or verbose
output), no cache or rate limiter applies, nothing asks for streaming and the input is
plain text, the router calls its graph directly and returns the answer
``BaseChatModel`` would have returned: the same message, metadata and id scheme
(``lc_run--<run id>-0``). Any of those present, the call takes LangChain's path.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from langchain_core.globals import get_llm_cache
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.runnables import RunnableConfig
from langchain_core.utils.utils import LC_ID_PREFIX
from langchain_core.utils.uuid import uuid7

from lg_router.execution.inline import nobody_listens

# call keywords that make BaseChatModel do more than call _generate
_RUN_KEYWORDS = ("stream", "ls_structured_output_format", "structured_output_format")


def unobserved(
    model: BaseChatModel, config: RunnableConfig, options: Mapping[str, Any], *, is_async: bool
) -> bool:
    """Whether a call of ``model`` with ``config`` would open a run nobody sees.

    The callbacks are resolved as ``BaseChatModel`` resolves them (the config's, the
    model's, tracing and hooks from the environment and context, debug, verbose).
    """
    if getattr(model, "streaming", False) or model.rate_limiter is not None or model.output_version == "v1":
        return False
    if model.cache is not False and (model.cache is not None or get_llm_cache() is not None):
        return False
    if any(key in options for key in _RUN_KEYWORDS):
        return False
    return nobody_listens(config, model.callbacks, verbose=model.verbose, is_async=is_async)


def plain(messages: Sequence[BaseMessage]) -> bool:
    """Whether every message is plain text (LangChain normalizes content blocks only)."""
    return all(isinstance(m.content, str) for m in messages)


def answer(final: AIMessage, run_id: UUID | None) -> AIMessage:
    """The graph's answer as ``BaseChatModel`` returns it from a run with ``run_id``."""
    return final.model_copy(
        update={
            "id": f"{LC_ID_PREFIX}-{run_id or uuid7()}-0",
            "response_metadata": dict(final.response_metadata),
        }
    )
