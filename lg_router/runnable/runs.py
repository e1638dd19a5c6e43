"""How RunnableRouter drives the graph: nested runs, contexts and the token stream.

The router opens its own chat-model run; the graph's runs nest under it for tracers
only, in a context without the caller's ambient config and callback hooks, so stream
consumers and usage counters see each token and each answer once.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import sys
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any
from uuid import UUID, uuid4

from langchain_core.callbacks import (
    AsyncCallbackManager,
    AsyncCallbackManagerForLLMRun,
    BaseCallbackManager,
    CallbackManager,
)
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import RunnableConfig
from langchain_core.runnables.config import var_child_runnable_config
from langchain_core.tracers.base import AsyncBaseTracer, BaseTracer
from langchain_core.tracers.context import _configure_hooks

from lg_router.errors import RoutingError
from lg_router.graph import node_name

try:  # the marker base class of LangChain/LangGraph stream consumers
    from langchain_core.tracers._streaming import _StreamingCallbackHandler
except ImportError:  # pragma: no cover - older langchain-core
    _StreamingCallbackHandler = None  # type: ignore[assignment,misc]

CALL_NODE_PREFIX = node_name("")


def child_manager(
    run_manager: Any = None, *, parent: tuple[UUID, RunnableConfig] | None = None, is_async: bool = False
) -> BaseCallbackManager | None:
    """A child callback manager of the router's run that only tracers inherit.

    The graph's runs (classify, the ``call <id>`` nodes, the chosen model's run tagged
    ``route:<id>``) nest under the router's run for tracers (LangSmith, console, run
    collectors), with the router's tags and metadata. Every other handler sees one
    chat-model run per call, as with any chat model: stream consumers
    (``stream_mode="messages"``, stream events) get each token once, from the router's
    run, and usage counters count each answer once.

    Args:
        run_manager: the router run's manager (``invoke`` paths).
        parent: ``(run id, config)`` of the router's run when LangChain's ``stream`` does
            not hand ``_stream`` its run manager.
        is_async: build an async manager (only used with ``parent``).
    """
    manager: BaseCallbackManager
    if run_manager is not None:
        is_async = isinstance(run_manager, AsyncCallbackManagerForLLMRun)
        manager = (AsyncCallbackManager if is_async else CallbackManager)(
            handlers=[], parent_run_id=run_manager.run_id
        )
        manager.set_handlers(run_manager.inheritable_handlers)
        manager.add_tags(run_manager.inheritable_tags)
        manager.add_metadata(run_manager.inheritable_metadata)
    elif parent is not None:
        run_id, config = parent
        manager = (AsyncCallbackManager if is_async else CallbackManager).configure(
            inheritable_callbacks=config.get("callbacks"),
            inheritable_tags=config.get("tags"),
            inheritable_metadata=config.get("metadata"),
        )
        manager.parent_run_id = run_id
    else:
        return None
    manager.set_handlers([h for h in manager.inheritable_handlers if _traces(h)])
    return manager


def _traces(handler: Any) -> bool:
    if _StreamingCallbackHandler is not None and isinstance(handler, _StreamingCallbackHandler):
        return False
    return isinstance(handler, BaseTracer | AsyncBaseTracer)


def stream_parent(config: RunnableConfig, *, is_async: bool) -> tuple[UUID, RunnableConfig]:
    """Fix the router run's id and callbacks before ``stream`` opens it (see ``child_manager``).

    The callbacks are configured once here (adding any tracer the environment asks
    for), so the router's run and its nested runs report to the same handler objects.
    """
    cls = AsyncCallbackManager if is_async else CallbackManager
    config["callbacks"] = cls.configure(inheritable_callbacks=config.get("callbacks"))
    run_id = config.get("run_id") or uuid4()
    config["run_id"] = run_id
    return run_id, {**config}


def quiet_context() -> contextvars.Context:
    """A copy of the current context where callback hooks (``get_usage_metadata_callback``,
    ``collect_runs``, ...) are off, so they do not add themselves to the nested runs.

    They are on the router's own run already; on the nested model run too, they would
    count every answer twice. The caller's ambient runnable config (a chain step's,
    a graph node's) is cleared too: its callbacks would reach the nested runs again.
    Tracers reach the nested runs through the child manager.
    """
    ctx = contextvars.copy_context()
    ctx.run(_clear_hooks)
    return ctx


def is_quiet() -> bool:
    """Whether the current context is already what :func:`quiet_context` makes: no
    callback hook and no ambient runnable config set (a top-level call, as usual)."""
    return var_child_runnable_config.get() is None and all(var.get() is None for var, *_ in _configure_hooks)


async def quietly(coro: Any) -> Any:
    """Await ``coro`` in a quiet context: in place when the current one is quiet already
    (LangGraph runs its nodes in copies of it, and the router's steps run inline reset
    every context variable they set, so nothing leaks back), else as a task in
    :func:`quiet_context` (a task costs an event-loop hop and a few objects per call)."""
    if is_quiet():
        return await coro
    return await in_context(quiet_context(), coro)


def _clear_hooks() -> None:
    for var, *_ in _configure_hooks:
        var.set(None)
    var_child_runnable_config.set(None)  # the caller's ambient config: all is passed explicitly


def iterate_in(ctx: contextvars.Context, iterator: Iterator[Any]) -> Iterator[Any]:
    """Drive ``iterator`` inside ``ctx``."""
    while True:
        try:
            yield ctx.run(next, iterator)
        except StopIteration:
            return


async def aiterate_in(ctx: contextvars.Context, iterator: AsyncIterator[Any]) -> AsyncIterator[Any]:
    """Drive ``iterator`` inside ``ctx`` (each step is a task run in that context)."""
    while True:
        try:
            yield await in_context(ctx, _anext(iterator))
        except StopAsyncIteration:
            return


async def in_context(ctx: contextvars.Context, coro: Any) -> Any:
    """Await ``coro`` as a task running in ``ctx`` (Python 3.10: in the current context)."""
    if sys.version_info < (3, 11):  # pragma: no cover - create_task has no context= there
        return await coro
    return await asyncio.create_task(coro, context=ctx)


async def _anext(iterator: AsyncIterator[Any]) -> Any:
    return await iterator.__anext__()


def from_call_node(metadata: Mapping[str, Any]) -> bool:
    """Whether a ``stream_mode="messages"`` item comes from an execution node."""
    return str(metadata.get("langgraph_node", "")).startswith(CALL_NODE_PREFIX)


def token_chunk(message: BaseMessage) -> ChatGenerationChunk | None:
    """The router's chunk for a model's chunk (or whole answer, if it did not stream).

    Provider ``response_metadata`` is left out here and sent once, complete, on the
    last chunk: merging chunks concatenates string metadata such as ``model_name``.
    """
    if isinstance(message, AIMessageChunk):
        chunk = AIMessageChunk(
            content=message.content,
            additional_kwargs=message.additional_kwargs,
            tool_call_chunks=message.tool_call_chunks,
            usage_metadata=message.usage_metadata,
        )
    elif isinstance(message, AIMessage):
        chunk = AIMessageChunk(
            content=message.content,
            additional_kwargs=message.additional_kwargs,
            tool_call_chunks=[
                {"name": c["name"], "args": _json(c["args"]), "id": c.get("id"), "index": i}
                for i, c in enumerate(message.tool_calls)
            ],
            usage_metadata=message.usage_metadata,
        )
    else:
        return None
    if not (chunk.content or chunk.tool_call_chunks or chunk.usage_metadata or chunk.additional_kwargs):
        return None  # an empty closing chunk of the model; the router sends its own
    return ChatGenerationChunk(message=chunk)


def _json(value: Any) -> str:
    return json.dumps(value)


def final_answer(output: Mapping[str, Any] | None) -> AIMessage:
    """The answer of a graph run: its last message, with the router's metadata."""
    messages = (output or {}).get("messages") or []
    answer = messages[-1] if messages else None
    if not isinstance(answer, AIMessage) or "model_name" not in answer.response_metadata:
        msg = "the router graph finished without an answer from a model"
        raise RoutingError(msg)
    return answer


def last_chunk(answer: AIMessage, *, list_content: bool) -> ChatGenerationChunk:
    """The closing chunk: no text, the full ``response_metadata`` (model, decision, attempts)."""
    chunk = AIMessageChunk(
        content=[] if list_content else "",
        response_metadata=dict(answer.response_metadata),
        chunk_position="last",
    )
    return ChatGenerationChunk(message=chunk)


class TokenStream:
    """Turns the graph's ``messages``/``values`` stream into the router's chunks."""

    def __init__(self) -> None:
        self.final: dict[str, Any] | None = None
        self.list_content = False
        self.streamed_nodes: set[str] = set()
        self.named: dict[tuple[str, Any], tuple[Any, Any]] = {}

    def take(self, mode: str, data: Any) -> ChatGenerationChunk | None:
        if mode == "values":
            self.final = data
            return None
        message, metadata = data
        if not from_call_node(metadata):
            return None
        node = str(metadata.get("langgraph_node"))
        if not isinstance(message, AIMessageChunk) and node in self.streamed_nodes:
            return None  # the whole answer of a model whose tokens were already sent
        chunk = token_chunk(message)
        if chunk is not None:
            self._name_once(node, chunk.message)
            self.streamed_nodes.add(node)
            self.list_content = self.list_content or isinstance(message.content, list)
        return chunk

    def _name_once(self, node: str, message: Any) -> None:
        """Keep a tool call's name and id on its first chunk only.

        Some OpenAI-compatible servers (llama.cpp's) repeat them on every chunk, and
        merging chunks would concatenate them (``"JokeJoke..."``).
        """
        cleaned = []
        for piece in message.tool_call_chunks:
            key = (node, piece.get("index"))
            seen = self.named.get(key)
            if seen is None:
                self.named[key] = (piece.get("name"), piece.get("id"))
            else:
                piece = {
                    **piece,
                    "name": None if piece.get("name") == seen[0] else piece.get("name"),
                    "id": None if piece.get("id") == seen[1] else piece.get("id"),
                }
            cleaned.append(piece)
        message.tool_call_chunks = cleaned

    def close(self) -> ChatGenerationChunk:
        return last_chunk(final_answer(self.final), list_content=self.list_content)


def result(answer: AIMessage) -> ChatResult:
    """The chat result of an answer (its id is left to LangChain: the router run's)."""
    return ChatResult(generations=[ChatGeneration(message=answer.model_copy(update={"id": None}))])
