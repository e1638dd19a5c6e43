"""The OpenAI chat-completions wire format: requests in, completions, chunks and errors out.

Nothing here runs a model: :func:`parse_request` turns a request body into the router's
run options, and the ``*_body`` functions turn the router's answer back into JSON that
the official ``openai`` SDK reads.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage

from lg_router.catalog import ModelCatalog
from lg_router.decision import PREFERENCES, Attempt, RoutingDecision
from lg_router.task import to_messages

ROUTED_MODELS = ("auto", "smart-select")
# Request fields sent on to whichever model answers (as call arguments).
PASS_THROUGH = (
    "temperature",
    "top_p",
    "response_format",
    "seed",
    "presence_penalty",
    "frequency_penalty",
    "logit_bias",
    "user",
    "parallel_tool_calls",
)


class WireError(Exception):
    """A request the gateway refuses, with its HTTP status and OpenAI error fields."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        """OpenAI's error object: ``{"error": {"message", "type", "param", "code"}}``."""
        return error_body(self.message, type=self.type, param=self.param, code=self.code)


def error_body(
    message: str, *, type: str = "invalid_request_error", param: str | None = None, code: str | None = None
) -> dict[str, Any]:
    """An error in OpenAI's format."""
    return {"error": {"message": message, "type": type, "param": param, "code": code}}


@dataclass(frozen=True)
class ChatRequest:
    """A parsed chat-completions request.

    Attributes:
        messages: the conversation as LangChain messages.
        requested: the ``model`` field as sent (``auto``, ``smart-select`` or a catalog id).
        pinned: the catalog id to try first (``None`` when the router decides).
        configurable: the graph run's ``configurable`` options.
        stream: whether the client asked for server-sent events.
        include_usage: ``stream_options.include_usage``.
    """

    messages: list[BaseMessage]
    requested: str
    pinned: str | None
    configurable: dict[str, Any] = field(default_factory=dict)
    stream: bool = False
    include_usage: bool = False


def _require(condition: bool, message: str, param: str) -> None:
    if not condition:
        raise WireError(400, message, param=param)


def _routing_config(body: Mapping[str, Any], catalog: ModelCatalog) -> tuple[list[str] | None, str | None]:
    config = body.get("model_routing_config")
    if config is None:
        return None, None
    _require(isinstance(config, Mapping), "model_routing_config must be an object", "model_routing_config")
    models = config.get("models")
    if models is not None:
        _require(
            isinstance(models, list) and bool(models) and all(isinstance(m, str) for m in models),
            "model_routing_config.models must be a non-empty list of model ids",
            "model_routing_config.models",
        )
        unknown = [m for m in models if m not in catalog]
        if unknown:
            msg = f"model_routing_config.models names models this gateway does not serve: {unknown}"
            raise WireError(400, msg, param="model_routing_config.models", code="model_not_found")
    preference = config.get("preference")
    if preference is not None:
        _require(
            preference in PREFERENCES,
            f"model_routing_config.preference must be one of {list(PREFERENCES)}, got {preference!r}",
            "model_routing_config.preference",
        )
    return models, preference


def _model_kwargs(body: Mapping[str, Any]) -> dict[str, Any]:
    kwargs = {k: body[k] for k in PASS_THROUGH if body.get(k) is not None}
    max_tokens = body.get("max_completion_tokens", body.get("max_tokens"))
    if max_tokens is not None:
        _require(
            isinstance(max_tokens, int) and not isinstance(max_tokens, bool) and max_tokens > 0,
            "max_tokens must be a positive integer",
            "max_tokens",
        )
        kwargs["max_tokens"] = max_tokens
    if "temperature" in kwargs:
        _require(
            isinstance(kwargs["temperature"], int | float), "temperature must be a number", "temperature"
        )
    if "response_format" in kwargs:
        _require(
            isinstance(kwargs["response_format"], Mapping) and "type" in kwargs["response_format"],
            "response_format must be an object with a 'type'",
            "response_format",
        )
    return kwargs


def _with_content(message: Any) -> Any:
    """OpenAI lets an assistant turn with tool calls omit ``content`` (or send null)."""
    if isinstance(message, Mapping) and message.get("content") is None:
        return {**message, "content": ""}
    return message


def parse_request(body: Any, catalog: ModelCatalog) -> ChatRequest:
    """Validate a chat-completions body and map it onto router options.

    Raises:
        WireError: 400 for malformed fields, 404 for a model the gateway does not serve.
    """
    _require(isinstance(body, Mapping), "the request body must be a JSON object", "body")
    model = body.get("model")
    _require(isinstance(model, str) and bool(model), "'model' is required: 'auto' or a model id", "model")
    if model not in ROUTED_MODELS and model not in catalog:
        msg = (
            f"The model '{model}' does not exist on this gateway: use 'auto' (or 'smart-select') to "
            f"route, or one of {list(catalog.ids)}"
        )
        raise WireError(404, msg, param="model", code="model_not_found")
    raw_messages = body.get("messages")
    _require(
        isinstance(raw_messages, list) and bool(raw_messages),
        "'messages' must be a non-empty list",
        "messages",
    )
    n = body.get("n")
    _require(n in (None, 1), "only n=1 is supported", "n")
    try:
        messages = to_messages([_with_content(m) for m in raw_messages])
    except ValueError as exc:
        raise WireError(400, str(exc), param="messages") from None
    pool, preference = _routing_config(body, catalog)
    pinned = None if model in ROUTED_MODELS else model
    if pinned is not None and pool is not None and pinned not in pool:
        pool = [pinned, *pool]
    configurable: dict[str, Any] = {}
    if pool is not None:
        configurable["models"] = pool
    if preference is not None:
        configurable["preference"] = preference
    tools = body.get("tools")
    if tools:
        _require(isinstance(tools, list), "tools must be a list", "tools")
        configurable["tools"] = tools
        if body.get("tool_choice") is not None:
            configurable["tool_choice"] = body["tool_choice"]
    stop = body.get("stop")
    if stop:
        _require(
            isinstance(stop, str) or (isinstance(stop, list) and all(isinstance(s, str) for s in stop)),
            "stop must be a string or a list of strings",
            "stop",
        )
        configurable["stop"] = stop
    kwargs = _model_kwargs(body)
    if kwargs.get("max_tokens"):
        configurable["max_tokens"] = kwargs["max_tokens"]
    rf_type = (kwargs.get("response_format") or {}).get("type")
    if rf_type in ("json_object", "json_schema"):
        configurable["needs_json"] = True
    if kwargs:
        configurable["model_kwargs"] = kwargs
    stream_options = body.get("stream_options") or {}
    return ChatRequest(
        messages=messages,
        requested=model,
        pinned=pinned,
        configurable=configurable,
        stream=bool(body.get("stream")),
        include_usage=bool(isinstance(stream_options, Mapping) and stream_options.get("include_usage")),
    )


# ----------------------------------------------------------------------- responses
def completion_id() -> str:
    """A fresh ``chatcmpl-...`` id."""
    return f"chatcmpl-{uuid.uuid4().hex}"


def text_of(content: Any) -> str:
    """The text of a message's content (a string or content blocks)."""
    if isinstance(content, str):
        return content
    return "".join(
        p if isinstance(p, str) else str(p.get("text", ""))
        for p in content or []
        if isinstance(p, str) or (isinstance(p, dict) and p.get("type") == "text")
    )


def usage_of(attempts: Sequence[Attempt]) -> dict[str, int]:
    """Token usage summed over every attempt that reported some."""
    prompt = sum((a.usage or {}).get("input_tokens", 0) for a in attempts)
    completion = sum((a.usage or {}).get("output_tokens", 0) for a in attempts)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def routing_field(decision: RoutingDecision | None, attempts: Sequence[Attempt]) -> dict[str, Any]:
    """The ``lg_router`` field of a response: the ranked decision and every attempt."""
    return {
        "decision": decision.model_dump(mode="json") if decision else None,
        "attempts": [a.model_dump(mode="json") for a in attempts],
    }


def _tool_calls(answer: AIMessage) -> list[dict[str, Any]]:
    calls = [
        {
            "id": c.get("id") or f"call_{uuid.uuid4().hex[:24]}",
            "type": "function",
            "function": {"name": c["name"], "arguments": json.dumps(c["args"])},
        }
        for c in answer.tool_calls
    ]
    calls += [
        {
            "id": c.get("id") or f"call_{uuid.uuid4().hex[:24]}",
            "type": "function",
            "function": {"name": c.get("name") or "", "arguments": c.get("args") or ""},
        }
        for c in answer.invalid_tool_calls
    ]
    return calls


def finish_reason(answer: AIMessage) -> str:
    """The answering model's finish reason (``tool_calls`` / ``stop`` if it gave none)."""
    reason = answer.response_metadata.get("finish_reason")
    if isinstance(reason, str) and reason:
        return reason
    return "tool_calls" if answer.tool_calls else "stop"


def completion_body(
    answer: AIMessage, decision: RoutingDecision | None, attempts: Sequence[Attempt], *, cid: str
) -> dict[str, Any]:
    """A ``chat.completion`` object; ``model`` is the catalog id that answered."""
    message: dict[str, Any] = {"role": "assistant", "content": text_of(answer.content) or None}
    calls = _tool_calls(answer)
    if calls:
        message["tool_calls"] = calls
    elif message["content"] is None:
        message["content"] = ""
    return {
        "id": cid,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": answer.response_metadata.get("model_name"),
        "choices": [
            {"index": 0, "message": message, "finish_reason": finish_reason(answer), "logprobs": None}
        ],
        "usage": usage_of(attempts),
        "system_fingerprint": None,
        "lg_router": routing_field(decision, attempts),
    }


def chunk_body(
    cid: str,
    model: str,
    *,
    delta: Mapping[str, Any] | None = None,
    finish: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """One ``chat.completion.chunk``."""
    body: dict[str, Any] = {
        "id": cid,
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": dict(delta or {}), "finish_reason": finish, "logprobs": None}],
    }
    if extra:
        body.update(extra)
    return body


def delta_of(chunk: AIMessageChunk, *, first: bool) -> dict[str, Any] | None:
    """The SSE ``delta`` of one token chunk (``None`` when it carries nothing to send)."""
    delta: dict[str, Any] = {"role": "assistant"} if first else {}
    text = text_of(chunk.content)
    if text:
        delta["content"] = text
    calls = []
    for piece in chunk.tool_call_chunks:
        call: dict[str, Any] = {"index": piece.get("index") or 0, "type": "function", "function": {}}
        if piece.get("id"):
            call["id"] = piece["id"]
        if piece.get("name"):
            call["function"]["name"] = piece["name"]
        call["function"]["arguments"] = piece.get("args") or ""
        calls.append(call)
    if calls:
        delta["tool_calls"] = calls
    if not text and not calls and not first:
        return None
    return delta


def sse(data: Mapping[str, Any] | str) -> bytes:
    """One server-sent event."""
    payload = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
    return f"data: {payload}\n\n".encode()
