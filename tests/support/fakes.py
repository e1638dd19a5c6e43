"""The shared fakes of the test suite: a scriptable chat model and a small catalog.

``ScriptedChat`` streams its reply word by word, honours ``bind_tools`` (answering with a
tool call when tools are bound and ``tool_args`` is set), reports usage, can fail before
or after streaming, can sleep, and records every call it gets. ``scripted()`` builds one
from a behaviour name (``ok``, ``error``, ``hang``, ``stream_then_error``).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any

from langchain_core.callbacks import (
    AsyncCallbackManagerForLLMRun,
    BaseCallbackHandler,
    CallbackManagerForLLMRun,
)
from langchain_core.exceptions import ModelAPIError, ModelInvalidRequestError, ModelRateLimitError
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import ConfigDict, Field

from lg_router import ModelCatalog
from lg_router.classifiers import Classifier, RulesClassifier


class ScriptedFailure(ConnectionError):
    """A retryable failure (an unknown transport error is retryable for the router)."""


class BadRequest(Exception):
    """A non-retryable failure (HTTP 400)."""

    status_code = 400


class ChatStarts(BaseCallbackHandler):
    """A plain callback handler that counts chat-model runs (``starts``): a run is watched."""

    def __init__(self) -> None:
        self.starts = 0

    def on_chat_model_start(self, *args: Any, **kwargs: Any) -> None:
        self.starts += 1


class ScriptedChat(BaseChatModel):
    """A fake chat model; see the module docstring."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    name_: str = "fake"
    reply: str = "hello from the fake model"
    tool_args: dict[str, Any] | None = None
    fail: BaseException | None = None
    fail_after: int = 0
    delay: float = 0.0
    usage: tuple[int, int] = (7, 5)
    calls: list[dict[str, Any]] = Field(default_factory=list)
    in_flight: int = 0
    peak: int = 0
    lock: Any = Field(default_factory=threading.Lock)
    repeat_names: bool = False
    gate: Any = None  # a threading.Event the stream waits for after its first token
    tool_loop: bool = False  # keep calling the tool after tool results (an agent that never stops)

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def bind_tools(self, tools: Sequence[Any], *, tool_choice: Any = None, **kwargs: Any) -> Any:
        return self.bind(tools=[convert_to_openai_tool(t) for t in tools], tool_choice=tool_choice, **kwargs)

    # -- behaviour --------------------------------------------------------------------
    def _enter(self, messages: list[BaseMessage], kwargs: dict[str, Any]) -> None:
        with self.lock:
            self.calls.append({"messages": list(messages), **kwargs})
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)

    def _leave(self) -> None:
        with self.lock:
            self.in_flight -= 1

    def _pieces(self, messages: list[BaseMessage], kwargs: dict[str, Any]) -> list[AIMessageChunk]:
        tools = kwargs.get("tools") or []
        answered = bool(messages) and isinstance(messages[-1], ToolMessage) and not self.tool_loop
        if tools and self.tool_args is not None and not answered:
            choice = kwargs.get("tool_choice")
            name = tools[0]["function"]["name"]
            if isinstance(choice, str) and choice not in ("any", "required", "auto", "none"):
                name = choice
            args = json.dumps(self.tool_args)
            # like llama.cpp's server: name and id repeated on every piece of the arguments
            parts = [args[i : i + 4] for i in range(0, len(args), 4)] if self.repeat_names else [args]
            pieces = [
                AIMessageChunk(
                    content="", tool_call_chunks=[{"name": name, "args": a, "id": "call_1", "index": 0}]
                )
                for a in parts
            ]
        else:
            words = self.reply.split(" ")
            pieces = [AIMessageChunk(content=w if i == 0 else " " + w) for i, w in enumerate(words)]
        usage = {
            "input_tokens": self.usage[0],
            "output_tokens": self.usage[1],
            "total_tokens": sum(self.usage),
        }
        pieces.append(
            AIMessageChunk(content="", usage_metadata=usage, response_metadata={"model_name": self.name_})
        )
        return pieces

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        self._enter(messages, {"stop": stop, **kwargs})
        try:
            time.sleep(self.delay)
            for i, piece in enumerate(self._pieces(messages, kwargs)):
                if self.fail is not None and i == self.fail_after:
                    raise self.fail
                chunk = ChatGenerationChunk(message=piece)
                if run_manager:
                    run_manager.on_llm_new_token(str(piece.content), chunk=chunk)
                yield chunk
                if i == 0 and self.gate is not None and not self.gate.wait(5):
                    raise TimeoutError("the consumer never saw the first token")
        finally:
            self._leave()

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        self._enter(messages, {"stop": stop, **kwargs})
        try:
            await asyncio.sleep(self.delay)
            for i, piece in enumerate(self._pieces(messages, kwargs)):
                if self.fail is not None and i == self.fail_after:
                    raise self.fail
                chunk = ChatGenerationChunk(message=piece)
                if run_manager:
                    await run_manager.on_llm_new_token(str(piece.content), chunk=chunk)
                yield chunk
                if i == 0 and self.gate is not None and not await asyncio.to_thread(self.gate.wait, 5):
                    raise TimeoutError("the consumer never saw the first token")
        finally:
            self._leave()

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        self._enter(messages, {"stop": stop, **kwargs})
        try:
            time.sleep(self.delay)
            if self.fail is not None:
                raise self.fail
            return _whole(self._pieces(messages, kwargs))
        finally:
            self._leave()

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        self._enter(messages, {"stop": stop, **kwargs})
        try:
            await asyncio.sleep(self.delay)
            if self.fail is not None:
                raise self.fail
            return _whole(self._pieces(messages, kwargs))
        finally:
            self._leave()


def _whole(pieces: list[AIMessageChunk]) -> ChatResult:
    total = pieces[0]
    for piece in pieces[1:]:
        total = total + piece
    message = AIMessage(
        content=total.content,
        tool_calls=total.tool_calls,
        usage_metadata=total.usage_metadata,
        response_metadata=total.response_metadata,
    )
    return ChatResult(generations=[ChatGeneration(message=message)])


def small_catalog(
    *, tools: Sequence[str] = ("alpha", "beta"), json_models: Sequence[str] = ("alpha", "beta")
) -> ModelCatalog:
    """Three local models: ``alpha`` (best general), ``beta``, ``gamma`` (no tools/json)."""
    models: dict[str, Any] = {}
    for model_id, quality, speed in (("alpha", 5, 3), ("beta", 4, 4), ("gamma", 3, 5)):
        caps = ["general", "writing", "reasoning"]
        caps += ["tools"] if model_id in tools else []
        caps += ["json"] if model_id in json_models else []
        models[model_id] = {
            "description": f"model {model_id}",
            "capabilities": caps,
            "strengths": ["general"],
            "context_window": 32768,
            "quality": quality,
            "speed": speed,
        }
    return ModelCatalog.from_dict(
        {
            "name": "fakes",
            "base_url": "http://127.0.0.1:9/v1",
            "default_model": "alpha",
            "default_timeout": 5,
            "models": models,
        }
    )


def fakes(**overrides: dict[str, Any]) -> dict[str, ScriptedChat]:
    """One ``ScriptedChat`` per model of :func:`small_catalog` (``name_`` is its id)."""
    return {
        m: ScriptedChat(name_=m, reply=f"answer from {m}", **overrides.get(m, {}))
        for m in ("alpha", "beta", "gamma")
    }


def server_error() -> Exception:
    """A retryable provider error (HTTP 500)."""
    return ModelAPIError("Error code: 500 - internal server error")


def rate_limited() -> Exception:
    """A retryable provider error (HTTP 429)."""
    return ModelRateLimitError("Error code: 429 - rate limited")


def bad_request() -> Exception:
    """A non-retryable provider error (HTTP 400)."""
    return ModelInvalidRequestError("Error code: 400 - invalid request")


def scripted(
    name: str,
    behavior: str = "ok",
    *,
    error: BaseException | None = None,
    hang_seconds: float = 10.0,
    **kwargs: Any,
) -> ScriptedChat:
    """A fresh ``ScriptedChat`` answering ``answer from <name>`` (10 in, 3 out tokens).

    Args:
        behavior: ``ok``; ``error`` (raises ``error``, default a 500, before any token);
            ``hang`` (sleeps ``hang_seconds`` first); ``stream_then_error`` (one token,
            then ``error``).
    """
    fields: dict[str, Any] = {"name_": name, "reply": f"answer from {name}", "usage": (10, 3)}
    if behavior == "error":
        fields["fail"] = error or server_error()
    elif behavior == "hang":
        fields["delay"] = hang_seconds
    elif behavior == "stream_then_error":
        fields.update(fail=error or server_error(), fail_after=1)
    elif behavior != "ok":
        msg = f"unknown behavior {behavior!r}"
        raise ValueError(msg)
    return ScriptedChat(**fields, **kwargs)


# -- memory (decision cache, stickiness, budgets) ---------------------------------------


def priced_catalog(base_url: str = "http://127.0.0.1:9/v1") -> ModelCatalog:
    """Three tool-capable models with known per-token prices (USD per million tokens).

    ``premium`` (quality 5, vision, $30/$60), ``standard`` (quality 3, $3/$6) and
    ``budget`` (quality 2, $0.30/$0.60); ``standard`` is the default model.
    """
    models: dict[str, Any] = {}
    for model_id, quality, price, extra in (
        ("premium", 5, 30.0, ["vision", "coding", "reasoning"]),
        ("standard", 3, 3.0, ["coding"]),
        ("budget", 2, 0.3, []),
    ):
        models[model_id] = {
            "description": f"model {model_id}",
            "capabilities": ["general", "tools", "json", *extra],
            "strengths": ["coding", "general"] if "coding" in extra else ["general"],
            "context_window": 32768,
            "pricing": {"currency": "USD", "input_per_million": price, "output_per_million": 2 * price},
            "quality": quality,
            "speed": 6 - quality,
        }
    return ModelCatalog.from_dict(
        {
            "name": "priced",
            "base_url": base_url,
            "default_model": "standard",
            "default_timeout": 5,
            "default_max_output_tokens": 256,
            "models": models,
        }
    )


class CountingClassifier(Classifier):
    """Wraps a classifier (default: rules) and counts how often it is really asked."""

    def __init__(self, inner: Classifier | None = None) -> None:
        self.inner = inner or RulesClassifier()
        self.name = self.inner.name
        self.calls = 0

    def classify(self, view: Any, candidates: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return self.inner.classify(view, candidates, **kwargs)


class ToolResultRerouter(Classifier):
    """Rules, but a turn ending in a tool result is ranked in reverse.

    Stands for routers that read a tool's output as a new task and re-route every ReAct
    step: without stickiness the tool result goes to another model.
    """

    name = "rerouter"

    def classify(self, view: Any, candidates: Any, **kwargs: Any) -> Any:
        decision = RulesClassifier().classify(view, candidates, **kwargs)
        if isinstance(view.messages[-1], ToolMessage):
            return decision.model_copy(update={"ranked": tuple(reversed(decision.ranked))})
        return decision


def word_embedder(dim: int = 256) -> Any:
    """A deterministic bag-of-words embedder (lower-cased words hashed into ``dim`` slots).

    Paraphrases that share most words land close together; unrelated texts do not.
    """
    import hashlib

    def embed(text: str) -> list[float]:
        vector = [0.0] * dim
        for word in "".join(c if c.isalnum() else " " for c in text.lower()).split():
            slot = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=4).digest(), "big") % dim
            vector[slot] += 1.0
        return vector

    return embed
