"""What of a model's stream reaches the caller, and when.

The model is called with the run's callbacks *minus* its stream consumers (LangGraph's
``stream_mode="messages"`` handler, ``astream_events``/``astream_log``); tracers still
see the model's own run. A :class:`Relay` opens a chat-model run of its own on the
stream consumers, once the attempt has won (produced its first token), and forwards
the chunks the caller may see:

* text at once;
* tool-call pieces only when the call is complete (the stream ended well), so a
  failure in the middle of a tool call never shows the caller half a call;
* in a continuation, text that merely repeats the answer the caller already has is
  held while it repeats, and dropped when it turns out to be a repeat.
"""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from langchain_core.callbacks import BaseCallbackManager
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, LLMResult
from langchain_core.runnables import RunnableConfig
from langchain_core.runnables.config import (
    get_async_callback_manager_for_config,
    get_callback_manager_for_config,
)


def is_stream_consumer(handler: Any) -> bool:
    """Whether ``handler`` consumes a model's token stream for the caller.

    This is langchain-core's ``_StreamingCallbackHandler`` protocol (checked with
    langchain-core 1.7.2; runtime-checkable, two methods), which is also what makes a
    chat model's ``invoke`` stream. Tested in ``tests/unit/test_time_model.py``.
    """
    return callable(getattr(handler, "tap_output_iter", None)) and callable(
        getattr(handler, "tap_output_aiter", None)
    )


def split_consumers(config: RunnableConfig) -> tuple[RunnableConfig, RunnableConfig | None]:
    """``(model call config, relay config)``: the model's call keeps every handler but
    the stream consumers; the relay gets only those (``None`` when there are none)."""
    callbacks = config.get("callbacks")
    manager = callbacks if isinstance(callbacks, BaseCallbackManager) else None
    handlers: list[Any] = list(manager.handlers) if manager else list(callbacks or [])  # type: ignore[arg-type]
    if not any(is_stream_consumer(h) for h in handlers):
        return config, None
    if manager is not None:
        model_side, relay_side = manager.copy(), manager.copy()
        model_side.handlers = [h for h in manager.handlers if not is_stream_consumer(h)]
        model_side.inheritable_handlers = [
            h for h in manager.inheritable_handlers if not is_stream_consumer(h)
        ]
        relay_side.handlers = [h for h in manager.handlers if is_stream_consumer(h)]
        relay_side.inheritable_handlers = [h for h in manager.inheritable_handlers if is_stream_consumer(h)]
        return {**config, "callbacks": model_side}, {**config, "callbacks": relay_side}
    consumers = [h for h in handlers if is_stream_consumer(h)]
    others = [h for h in handlers if not is_stream_consumer(h)]
    return {**config, "callbacks": others}, {**config, "callbacks": consumers}


def text_of(content: Any) -> str:
    """The text of a message's content (a string or a list of content blocks)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [p if isinstance(p, str) else p.get("text", "") for p in content if isinstance(p, str | dict)]
        return "".join(str(p) for p in parts)
    return ""


def named_once(chunks: list[AIMessageChunk]) -> list[AIMessageChunk]:
    """``chunks`` with each tool call's name and id kept on its first piece only.

    Some OpenAI-compatible servers (llama.cpp's) repeat them on every piece, and merging
    chunks would concatenate them (``"JokeJoke..."``). New chunks; the input is unchanged.
    """
    seen: dict[Any, tuple[Any, Any]] = {}
    out = []
    for chunk in chunks:
        if not chunk.tool_call_chunks:
            out.append(chunk)
            continue
        pieces = []
        for piece in chunk.tool_call_chunks:
            index = piece.get("index")
            if index not in seen:
                seen[index] = (piece.get("name"), piece.get("id"))
            else:
                name, call_id = seen[index]
                piece = {
                    **piece,
                    "name": None if piece.get("name") == name else piece.get("name"),
                    "id": None if piece.get("id") == call_id else piece.get("id"),
                }
            pieces.append(piece)
        out.append(chunk.model_copy(update={"tool_call_chunks": pieces}))
    return out


def has_token(chunk: AIMessageChunk) -> bool:
    """A chunk with content or a tool-call piece (what ends the first-token wait)."""
    return bool(text_of(chunk.content) or chunk.tool_call_chunks)


class Relay:
    """The caller's view of one attempt's stream (see the module docstring).

    Args:
        config: the relay's config (stream consumers only), or ``None``: nobody watches.
        name: the run name the consumers see (the model's).
        messages: the request, reported at the run's start.
        prefix: the answer the caller already has (a continuation), for the seam guard.
    """

    def __init__(
        self, config: RunnableConfig | None, name: str, messages: list[BaseMessage], prefix: str = ""
    ) -> None:
        self.config = config
        self.name = name
        self.messages = messages
        self.prefix = prefix
        self.id = f"lc_run--{uuid4()}"
        self.delivered: list[str] = []
        self._seam: str | None = "" if prefix else None  # text held while it repeats the prefix
        self._tools: list[AIMessageChunk] = []
        self._run: Any = None

    @property
    def watched(self) -> bool:
        return self.config is not None

    @property
    def text(self) -> str:
        """The text this attempt delivered to the caller."""
        return "".join(self.delivered)

    # -- what to emit --------------------------------------------------------------------
    def pieces(self, chunk: AIMessageChunk) -> list[AIMessageChunk]:
        """What the caller sees now of a model chunk."""
        if not self.watched:
            return []
        out: list[AIMessageChunk] = []
        if chunk.tool_call_chunks:
            self._tools.append(chunk)
            text = self._guard(text_of(chunk.content))
            if text:
                out.append(self._piece(text))
            return out
        text = self._guard(text_of(chunk.content))
        if text or chunk.usage_metadata:
            out.append(self._piece(text, usage=chunk.usage_metadata))
        return out

    def closing(self) -> list[AIMessageChunk]:
        """The held tool-call pieces, released once the stream ended well."""
        self._seam = None  # text still held only repeated the prefix: dropped
        held, self._tools = self._tools, []
        pieces = named_once(held)
        return [AIMessageChunk(content="", tool_call_chunks=c.tool_call_chunks, id=self.id) for c in pieces]

    def _guard(self, text: str) -> str:
        """Hold text while it repeats the start of ``prefix``; drop a whole repeat."""
        if self._seam is None or not text:
            if text:
                self.delivered.append(text)
            return text
        held = self._seam + text
        if self.prefix.startswith(held):
            self._seam = held
            if len(held) == len(self.prefix):
                self._seam = None  # the model restarted the answer: drop the repeat
            return ""
        self._seam = None
        if held.startswith(self.prefix):
            held = held[len(self.prefix) :]
        self.delivered.append(held)
        return held

    def _piece(self, text: str, *, usage: Any = None) -> AIMessageChunk:
        return AIMessageChunk(content=text, usage_metadata=usage, id=self.id)

    # -- the consumers' run ----------------------------------------------------------------
    def _start_args(self) -> tuple[dict[str, Any], list[list[BaseMessage]]]:
        serialized = {"lc": 1, "type": "not_implemented", "id": ["lg_router", self.name], "name": self.name}
        return serialized, [self.messages]

    def open(self) -> None:
        if self.watched and self._run is None:
            serialized, messages = self._start_args()
            manager = get_callback_manager_for_config(self.config)  # type: ignore[arg-type]
            self._run = manager.on_chat_model_start(serialized, messages, name=self.name, run_id=uuid4())[0]

    async def aopen(self) -> None:
        if self.watched and self._run is None:
            serialized, messages = self._start_args()
            manager = get_async_callback_manager_for_config(self.config)  # type: ignore[arg-type]
            runs = await manager.on_chat_model_start(serialized, messages, name=self.name, run_id=uuid4())
            self._run = runs[0]

    def emit(self, pieces: list[AIMessageChunk]) -> None:
        for piece in pieces:
            self._run.on_llm_new_token(text_of(piece.content), chunk=ChatGenerationChunk(message=piece))

    async def aemit(self, pieces: list[AIMessageChunk]) -> None:
        for piece in pieces:
            await self._run.on_llm_new_token(text_of(piece.content), chunk=ChatGenerationChunk(message=piece))

    def _result(self, message: AIMessage | None) -> LLMResult:
        shown = AIMessage(content=self.text, id=self.id)
        if message is not None:
            shown = message.model_copy(update={"content": self.text, "id": self.id})
        return LLMResult(generations=[[ChatGeneration(message=shown)]])

    def close(self, message: AIMessage | None, error: BaseException | None) -> None:
        if self._run is None:
            return
        run, self._run = self._run, None
        if error is not None:
            run.on_llm_error(error)
        else:
            run.on_llm_end(self._result(message))

    async def aclose(self, message: AIMessage | None, error: BaseException | None) -> None:
        if self._run is None:
            return
        run, self._run = self._run, None
        if error is not None:
            await run.on_llm_error(error)
        else:
            await run.on_llm_end(self._result(message))
