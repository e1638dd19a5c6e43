"""The failure classes of lg_router.execution.errors, without a server."""

from __future__ import annotations

import email.utils
import json
import time

import pytest
from langchain_core.exceptions import (
    ContextOverflowError,
    ModelAuthenticationError,
    ModelConnectionError,
    ModelInvalidRequestError,
    OutputParserException,
)

from lg_router import MissingAPIKeyError
from lg_router.execution.deadline import DeadlineExceeded
from lg_router.execution.errors import classify, describe_error, retry_after


class _Response:
    def __init__(self, status: int, headers: dict[str, str]) -> None:
        self.status_code = status
        self.headers = headers


class StatusError(Exception):
    """An SDK-style error carrying its response."""

    def __init__(self, status: int, headers: dict[str, str] | None = None, text: str = "") -> None:
        super().__init__(text or f"Error code: {status}")
        self.status_code = status
        self.response = _Response(status, headers or {})


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (DeadlineExceeded(1.0), "timeout"),
        (TimeoutError(), "timeout"),
        (MissingAPIKeyError("m", "KEY"), "missing_key"),
        (ContextOverflowError("too long"), "context_overflow"),
        (StatusError(400, text="This model's maximum context length is 4096 tokens"), "context_overflow"),
        (OutputParserException("no tool call"), "bad_output"),
        (StatusError(400), "bad_request"),
        (StatusError(422), "bad_request"),
        (StatusError(401), "auth"),
        (StatusError(403), "auth"),
        (StatusError(404), "model_not_found"),
        (StatusError(413), "too_large"),
        (StatusError(429), "rate_limited"),
        (StatusError(503), "overloaded"),
        (StatusError(500), "server"),
        (StatusError(408), "server"),
        (ModelConnectionError("refused"), "connection"),
        (ModelAuthenticationError("bad key"), "auth"),
        (ModelInvalidRequestError("bad"), "bad_request"),
        (ConnectionResetError(), "connection"),
        (json.JSONDecodeError("Expecting value", "x", 0), "malformed"),
        (UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed"), "bad_request"),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, BaseException) else v,
)
def test_failure_kinds(exc: BaseException, kind: str) -> None:
    failure = classify(exc)
    assert failure is not None and failure.kind == kind


@pytest.mark.parametrize("exc", [RuntimeError("Event loop is closed"), TypeError("x"), AttributeError("y")])
def test_bugs_are_raised_by_describe_error(exc: Exception) -> None:
    assert classify(exc) is None
    with pytest.raises(type(exc)):
        describe_error(exc)


def test_retry_after_headers() -> None:
    assert retry_after(StatusError(429, {"retry-after-ms": "1500"})) == 1.5
    assert retry_after(StatusError(429, {"retry-after": "2"})) == 2.0
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 25 <= (retry_after(StatusError(429, {"retry-after": when})) or 0) <= 31
    assert retry_after(StatusError(429, {"retry-after": "soon"})) is None
    assert retry_after(StatusError(429)) is None
    assert classify(StatusError(429, {"retry-after": "1"})).retry_after == 1.0  # type: ignore[union-attr]


def test_attempt_fields() -> None:
    fields = describe_error(StatusError(503, {"retry-after": "0.5"}))
    assert fields["outcome"] == "error" and fields["retryable"] and fields["retry_after"] == 0.5
    assert fields["failure"] == "overloaded" and fields["error_type"] == "StatusError"
    assert describe_error(DeadlineExceeded(2.0))["outcome"] == "timeout"
    assert describe_error(StatusError(401))["retryable"] is False  # only to another key
