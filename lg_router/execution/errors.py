"""Which failures of a model call fall back to the next ranked model, and which raise.

A failure that belongs to the model or its provider (a timeout, 408/409/425/429/5xx, a
dropped connection, a malformed body, 404 ``model_not_found``, 413, context overflow, an
answer without the forced tool call) falls back. An error of the request itself, that any
model would give (400, 422), is raised at once. A key problem (401/403, a missing key)
falls back only to a model served from another endpoint or with another key. Anything
else (a ``RuntimeError``/``TypeError`` from lg-router or the caller's code) is a bug, and
is raised as such instead of being recorded as the provider's failure.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import re
import time
from dataclasses import dataclass
from typing import Any, Literal, get_args

from langchain_core.exceptions import (
    ContextOverflowError,
    ModelAPIError,
    ModelAuthenticationError,
    ModelConnectionError,
    ModelError,
    ModelInvalidRequestError,
    ModelNotFoundError,
    ModelPermissionDeniedError,
    ModelRateLimitError,
    ModelTimeoutError,
    OutputParserException,
)

from lg_router.errors import LgRouterError, MissingAPIKeyError
from lg_router.execution.deadline import DeadlineExceeded
from lg_router.redaction import redact

# Kinds that fall back to any next ranked model.
FallbackKind = Literal[
    "timeout",
    "rate_limited",
    "overloaded",
    "server",
    "connection",
    "malformed",
    "model_not_found",
    "too_large",
    "bad_output",
]
FailureKind = Literal[FallbackKind, "context_overflow", "auth", "missing_key", "bad_request"]
FALLBACK_KINDS: frozenset[str] = frozenset(get_args(FallbackKind))
# Kinds that fall back only to a model served from another endpoint or with another key.
KEY_KINDS = frozenset({"auth", "missing_key"})
# Kinds whose Retry-After may be honoured by retrying the same model.
RETRY_SAME_KINDS = frozenset({"rate_limited", "overloaded"})

_FALLBACK_STATUS = frozenset({408, 409, 425, 429})
# Libraries whose own exceptions are transport/SDK failures, not bugs of ours.
_TRANSPORT_MODULES = frozenset(
    {"httpx", "httpx2", "httpcore", "httpcore2", "h11", "h2", "aiohttp", "openai", "anthropic", "ssl"}
)
# How the major servers word a context-length error (OpenAI, vLLM, llama.cpp's server,
# llama-cpp-python, Anthropic through an OpenAI-compatible gateway, LiteLLM, Bedrock).
_CONTEXT_OVERFLOW = re.compile(
    r"context_length_exceeded|maximum context length|prompt is too long|"
    r"exceeds? (?:the )?(?:available )?context (?:window|size|length)|exceed_context_size|"
    r"longer than the maximum model length|input tokens exceed|contextwindowexceeded|"
    r"too many tokens in (?:the )?prompt",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Failure:
    """What went wrong in one attempt, in the router's terms.

    Attributes:
        kind: the failure class (see :data:`FailureKind`).
        message: the first line of the error (at most 300 characters).
        status: the HTTP status, when there was one.
        retry_after: seconds the provider asked to wait (``Retry-After``), if any.
    """

    kind: FailureKind
    message: str
    status: int | None = None
    retry_after: float | None = None

    @property
    def outcome(self) -> Literal["timeout", "error"]:
        """The attempt's outcome."""
        return "timeout" if self.kind == "timeout" else "error"

    @property
    def falls_back(self) -> bool:
        """Whether any next ranked model may be tried."""
        return self.kind in FALLBACK_KINDS


def _first_line(exc: BaseException) -> str:
    text = redact(str(exc)).strip()  # a provider may quote the key back
    return text.splitlines()[0][:300] if text else type(exc).__name__


def _status(exc: BaseException) -> int | None:
    status = getattr(exc, "status_code", None)
    if status is None:
        status = getattr(getattr(exc, "response", None), "status_code", None)
    if status is None:
        status = getattr(exc, "status", None)  # aiohttp.ClientResponseError
    return status if isinstance(status, int) and not isinstance(status, bool) else None


def retry_after(exc: BaseException) -> float | None:
    """Seconds from the ``retry-after-ms`` / ``Retry-After`` headers of a failed response."""
    headers = getattr(getattr(exc, "response", None), "headers", None)
    if headers is None:
        return None
    try:
        millis = headers.get("retry-after-ms")
        if millis is not None:
            return max(float(millis) / 1000.0, 0.0)
        value = headers.get("retry-after")
    except (AttributeError, TypeError, ValueError):
        return None
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - time.time(), 0.0)


def _is_transport(exc: BaseException) -> bool:
    module = type(exc).__module__.split(".", 1)[0]
    return module in _TRANSPORT_MODULES or isinstance(exc, OSError | EOFError)


def dropped_connection(exc: BaseException) -> BaseException | None:
    """The aiohttp error under a "timeout" that really was a dropped or refused connection.

    The openai SDK's aiohttp transport re-raises every ``aiohttp.ClientConnectionError``
    (refused, reset, server disconnect) as ``httpx.ConnectTimeout`` (openai 3.57); the
    aiohttp error it chains says what happened, as httpx's own error would have.
    """
    cause, depth = exc.__cause__ or exc.__context__, 0
    while cause is not None and depth < 8:
        if type(cause).__module__.split(".", 1)[0] == "aiohttp":
            return None if isinstance(cause, TimeoutError) else cause
        cause, depth = cause.__cause__ or cause.__context__, depth + 1
    return None


# Where chat-model integrations turn a response body into a message: a ValueError /
# KeyError / TypeError raised there is a body that is not a chat completion (a 200 with an
# ``error`` object, no ``choices``, null ``choices``), not a bug.
_RESPONSE_PARSERS = frozenset(
    {"_create_chat_result", "_convert_chunk_to_generation_chunk", "_convert_dict_to_message"}
)


def _raised_parsing_a_response(exc: BaseException) -> bool:
    if not isinstance(exc, ValueError | KeyError | TypeError):
        return False
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is None:
        return False
    module = str(tb.tb_frame.f_globals.get("__name__", ""))
    return module.startswith("langchain_") and tb.tb_frame.f_code.co_name in _RESPONSE_PARSERS


def _by_status(status: int, exc: BaseException) -> FailureKind:
    if status in (401, 403):
        return "auth"
    if status == 404:
        return "model_not_found"
    if status == 413:
        return "too_large"
    if status == 429:
        return "rate_limited"
    if status == 503 or status == 529:
        return "overloaded"
    if status in _FALLBACK_STATUS or status >= 500:
        return "server"
    return "bad_request"


def _by_model_error(exc: ModelError) -> FailureKind:
    kinds: tuple[tuple[type[ModelError], FailureKind], ...] = (
        (ModelTimeoutError, "timeout"),
        (ModelRateLimitError, "rate_limited"),
        (ModelConnectionError, "connection"),
        (ModelAPIError, "server"),
        (ModelAuthenticationError, "auth"),
        (ModelPermissionDeniedError, "auth"),
        (ModelNotFoundError, "model_not_found"),
        (ModelInvalidRequestError, "bad_request"),
    )
    for cls, kind in kinds:
        if isinstance(exc, cls):
            return kind
    return "server" if exc.is_retryable else "bad_request"


def classify(exc: BaseException) -> Failure | None:
    """The :class:`Failure` of a failed model call, or ``None`` when it is not a provider's.

    ``None`` means a bug (of lg-router or of code it runs): the caller re-raises it.
    """
    message = _first_line(exc)
    if isinstance(exc, DeadlineExceeded | asyncio.TimeoutError | TimeoutError | ModelTimeoutError):
        return Failure("connection" if dropped_connection(exc) else "timeout", message)
    if isinstance(exc, MissingAPIKeyError):
        return Failure("missing_key", message)
    if isinstance(exc, LgRouterError):
        return Failure("bad_request", message)
    status = _status(exc)
    if isinstance(exc, ContextOverflowError) or (
        _CONTEXT_OVERFLOW.search(str(exc)) and (status is None or 400 <= status < 600)
    ):
        return Failure("context_overflow", message, status)
    if isinstance(exc, OutputParserException):
        return Failure("bad_output", message)
    if status is not None and (
        isinstance(exc, ModelError) or hasattr(exc, "status_code") or _is_transport(exc)
    ):
        return Failure(_by_status(status, exc), message, status, retry_after(exc))
    if isinstance(exc, ModelError):
        return Failure(_by_model_error(exc), message, None, retry_after(exc))
    if "Timeout" in type(exc).__name__ and _is_transport(exc):
        return Failure("connection" if dropped_connection(exc) else "timeout", message)
    if (
        isinstance(exc, json.JSONDecodeError)
        or _raised_parsing_a_response(exc)
        or (_is_transport(exc) and "Validation" in type(exc).__name__)
    ):
        return Failure("malformed", message)
    if _is_transport(exc):
        return Failure("connection", message)
    if isinstance(exc, UnicodeError):
        return Failure("bad_request", message)  # text no model can be sent
    return None


def describe_error(exc: BaseException) -> dict[str, Any]:
    """The :class:`~lg_router.decision.Attempt` fields of a failed call.

    Raises:
        BaseException: ``exc`` itself when it is not a provider failure (a bug), so it
            reaches the caller instead of being retried on another model.
    """
    failure = classify(exc)
    if failure is None:
        raise exc
    named = dropped_connection(exc) if failure.kind == "connection" else None
    return {
        "outcome": failure.outcome,
        "error_type": type(named or exc).__name__,
        "error": failure.message,
        "retryable": failure.falls_back,
        "context_overflow": failure.kind == "context_overflow",
        "failure": failure.kind,
        "retry_after": failure.retry_after,
    }
