"""The key registry and redaction helpers (the HTTP path is in tests/reliability/test_security.py)."""

from __future__ import annotations

import logging
import secrets

import pytest
from langchain_openai import ChatOpenAI

from lg_router import redaction
from lg_router.models import NO_KEY_PLACEHOLDER


@pytest.fixture
def key() -> str:
    value = f"sk-unit-{secrets.token_hex(10)}"
    redaction.register(value)
    return value


def test_redact_hides_every_registered_value(key: str) -> None:
    other = f"gw-{secrets.token_hex(10)}"
    redaction.register(None, other)
    text = f"401: Bearer {key}; retried with {other}"
    assert redaction.redact(text) == "401: Bearer [redacted]; retried with [redacted]"


def test_short_values_and_the_placeholder_are_not_secrets() -> None:
    before = redaction.registered()
    redaction.register("abc", NO_KEY_PLACEHOLDER, "")
    assert redaction.registered() == before
    assert redaction.PLACEHOLDER == NO_KEY_PLACEHOLDER  # the two modules agree
    assert redaction.redact("abc not-needed") == "abc not-needed"


def test_scrub_rewrites_the_exception_and_its_causes(key: str) -> None:
    class ProviderError(Exception):
        def __init__(self, message: str) -> None:
            super().__init__(message)
            self.message = message
            self.body = {"error": {"message": message}}

    try:
        try:
            raise ValueError(f"inner {key}")
        except ValueError as inner:
            raise ProviderError(f"Incorrect API key provided: {key}") from inner
    except ProviderError as exc:
        redaction.scrub(exc)
        assert key not in str(exc) and key not in exc.message and key not in str(exc.body)
        assert key not in str(exc.__cause__)
        assert "[redacted]" in str(exc)


def test_logging_filter_redacts_message_args_and_traceback(key: str) -> None:
    logger = redaction.get_logger("lg_router.test_redaction")
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(self.format(record))

    handler = Keep()
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        logger.debug("request failed: %s", f"Bearer {key}")
        try:
            raise RuntimeError(key)
        except RuntimeError:
            logger.exception("boom")
    finally:
        logger.removeHandler(handler)
    assert len(records) == 2
    assert not any(key in r for r in records), records
    assert "Bearer [redacted]" in records[0]


def test_redacting_chat_model_keeps_its_identity_and_registers_its_key() -> None:
    value = f"sk-built-{secrets.token_hex(10)}"
    cls = redaction.redacting(ChatOpenAI)
    model = cls(model="m", base_url="http://127.0.0.1:9/v1", api_key=value, max_retries=0)
    assert issubclass(cls, ChatOpenAI) and cls.__name__ == "ChatOpenAI"
    assert cls.lc_id() == ChatOpenAI.lc_id()
    assert model.to_json()["id"] == ["langchain", "chat_models", "openai", "ChatOpenAI"]
    assert redaction.redact(value) == "[redacted]"
    assert redaction.redacting(ChatOpenAI) is cls  # one subclass per class
