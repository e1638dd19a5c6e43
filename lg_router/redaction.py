"""Keeping API keys out of what the router writes: error messages, attempts, logs, traces.

Every key value the router reads (from a catalog's env var, or given as ``api_key``) is
registered here when the router builds a chat model (see :func:`redacting`); keys of
chat models you pass in yourself can be added with :func:`register`. :func:`redact`
replaces each registered value with ``[redacted]`` in a text; the router applies it
where text leaves it: the error message of an :class:`~lg_router.decision.Attempt`,
:class:`~lg_router.errors.RoutingError` messages, the failed call's exception as
callbacks and traces see it, the CLI's stderr and lg-router's log records. A provider
that quotes the rejected ``Authorization`` header in its 401 body then shows
``Bearer [redacted]``.

The registry is process-wide on purpose: a key read once must stay hidden from every
error the process prints afterwards, whichever router or thread produced it.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import re
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any, TypeVar

from pydantic import SecretStr

MASK = "[redacted]"
# Shorter values would mask ordinary words; no provider issues keys this short.
MIN_SECRET_LENGTH = 8
# What lg_router.models sends to servers that need no key: not a secret.
PLACEHOLDER = "not-needed"

M = TypeVar("M", bound=type)

_lock = threading.Lock()
_values: set[str] = set()
_pattern: re.Pattern[str] | None = None


def register(*values: str | SecretStr | None) -> None:
    """Remember key values so that :func:`redact` hides them (``None`` and short ones are skipped)."""
    global _pattern
    fresh = set()
    for value in values:
        text = value.get_secret_value() if isinstance(value, SecretStr) else value
        if isinstance(text, str) and len(text) >= MIN_SECRET_LENGTH and text != PLACEHOLDER:
            fresh.add(text)
    fresh -= _values
    if not fresh:
        return
    with _lock:
        _values.update(fresh)
        # Longest first, so a key that contains another is masked whole.
        alternatives = sorted(_values, key=len, reverse=True)
        _pattern = re.compile("|".join(map(re.escape, alternatives)))


def redact(text: str) -> str:
    """``text`` with every registered key value replaced by ``[redacted]``."""
    pattern = _pattern
    if pattern is None or not text:
        return text
    return pattern.sub(MASK, text)


def registered() -> int:
    """How many distinct key values are registered (for tests and diagnostics)."""
    return len(_values)


def scrub(exc: BaseException) -> BaseException:
    """Redact key values inside ``exc`` and its causes, in place; returns ``exc``.

    Rewrites the string arguments and the ``message``/``body`` attributes the OpenAI SDK
    (and most clients) keep, so a provider error that quotes the key no longer carries
    it into callbacks, traces or tracebacks.
    """
    if _pattern is None:
        return exc
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        current.args = tuple(_redact_data(a) for a in current.args)
        for attr in ("message", "body"):
            value = getattr(current, attr, None)
            if isinstance(value, str | dict | list):
                _set(current, attr, _redact_data(value))
        response = getattr(current, "response", None)
        if response is not None:  # LangChain reads the body again for the trace
            _set(current, "response", _redacted_response(response))
        current = current.__cause__ or current.__context__
    return exc


def _set(obj: object, attr: str, value: Any) -> None:
    with contextlib.suppress(AttributeError):  # a read-only property stays as it is
        setattr(obj, attr, value)


def _redacted_response(response: Any) -> Any:
    """A copy of an HTTP response (httpx-style) with the same status and headers and a redacted body.

    Duck-typed: the OpenAI SDK's response class is ``httpx.Response`` or a vendored
    twin of it; anything else is returned unchanged.
    """
    try:
        text = response.text
        clean = redact(text)
        if clean == text:
            return response
        headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
        return type(response)(
            response.status_code, headers=headers, content=clean.encode(), request=response.request
        )
    except Exception:  # not an httpx-style response, or its body was never read
        return response


def _redact_data(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: _redact_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        items = [_redact_data(v) for v in value]
        if hasattr(value, "_fields"):  # a named tuple (aiohttp's ConnectionKey in its errors)
            return type(value)(*items)
        return type(value)(items)
    return value


@functools.cache
def redacting(chat_model_class: M) -> M:
    """A subclass of a chat model class whose failures are scrubbed before LangChain sees them.

    LangChain hands a failed call's exception (and the response body it reads from it)
    to every callback handler and tracer; the subclass runs :func:`scrub` on it first,
    and registers its own API key. It keeps the class name, so serialized ids, traces
    and ``repr`` are those of the original class.
    """

    class Redacting(chat_model_class):  # type: ignore[valid-type, misc]
        def model_post_init(self, context: Any, /) -> None:
            super().model_post_init(context)
            register(getattr(self, "openai_api_key", None))

        def _generate(self, *args: Any, **kwargs: Any) -> Any:
            try:
                return super()._generate(*args, **kwargs)
            except Exception as exc:
                scrub(exc)
                raise

        async def _agenerate(self, *args: Any, **kwargs: Any) -> Any:
            try:
                return await super()._agenerate(*args, **kwargs)
            except Exception as exc:
                scrub(exc)
                raise

        def _stream(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
            try:
                yield from super()._stream(*args, **kwargs)
            except Exception as exc:
                scrub(exc)
                raise

        async def _astream(self, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
            try:
                async for chunk in super()._astream(*args, **kwargs):
                    yield chunk
            except Exception as exc:
                scrub(exc)
                raise

    Redacting.__name__ = chat_model_class.__name__
    Redacting.__qualname__ = chat_model_class.__qualname__
    return Redacting  # type: ignore[return-value]


class RedactingFilter(logging.Filter):
    """A logging filter that redacts key values from a record's message and arguments.

    Attached to lg-router's own loggers by :func:`get_logger`; add it to a handler of
    yours (``handler.addFilter(RedactingFilter())``) to scrub other libraries' records
    too.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if _pattern is not None:
            message = record.getMessage()
            clean = redact(message)
            if clean != message or record.args:
                record.msg, record.args = clean, None
            if record.exc_info and record.exc_text is None:
                record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            elif record.exc_text:
                record.exc_text = redact(record.exc_text)
        return True


def get_logger(name: str) -> logging.Logger:
    """A logger of lg-router whose records are redacted (use it instead of ``logging.getLogger``)."""
    logger = logging.getLogger(name)
    if not any(isinstance(f, RedactingFilter) for f in logger.filters):
        logger.addFilter(RedactingFilter())
    return logger
