"""The OpenAI chat-completions request, and OpenAI's error format.

Nothing here runs a model: :func:`parse_request` validates a request body and turns it
into the router's run options (responses are built in :mod:`lg_router.server.replies`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import BaseMessage

from lg_router.catalog import ModelCatalog
from lg_router.decision import PREFERENCES
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
