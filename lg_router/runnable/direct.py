"""RunnableRouter calls that nobody watches: the graph without a second run around it.

``BaseChatModel.invoke`` opens a chat-model run for every call (a callback manager, run
managers, ``on_chat_model_start``/``on_llm_end``, an ``LLMResult``, and in async a task
per prompt) even when no handler is there to see any of it. The graph opens its own
runs anyway, so when nothing listens (no callback, tracer, hook, debug or verbose
output), no cache or rate limiter applies, nothing asks for streaming and the input is
plain text, the router calls its graph directly and returns the answer
``BaseChatModel`` would have returned: the same message, metadata and id scheme
(``lc_run--<run id>-0``). Any of those present, the call takes LangChain's path. The
checks are :func:`lg_router.execution.quiet.unobserved` and ``plain``, the ones the
execution node uses for the routed model's own call.
"""

from __future__ import annotations

from uuid import UUID

from langchain_core.messages import AIMessage
from langchain_core.utils.utils import LC_ID_PREFIX
from langchain_core.utils.uuid import uuid7


def answer(final: AIMessage, run_id: UUID | None) -> AIMessage:
    """The graph's answer as ``BaseChatModel`` returns it from a run with ``run_id``."""
    return final.model_copy(
        update={
            "id": f"{LC_ID_PREFIX}-{run_id or uuid7()}-0",
            "response_metadata": dict(final.response_metadata),
        }
    )
