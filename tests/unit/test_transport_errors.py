"""The aiohttp transport's timeouts: a dropped connection stays a connection failure."""

from __future__ import annotations

import aiohttp
import httpx2
import openai

from lg_router.execution.errors import classify, describe_error


def _mapped(cause: BaseException) -> openai.APITimeoutError:
    """What the openai SDK raises when its aiohttp transport maps ``cause`` to a timeout."""
    request = httpx2.Request("POST", "http://127.0.0.1:1/v1/chat/completions")
    try:
        try:
            raise cause
        except Exception as exc:
            raise httpx2.ConnectTimeout(str(exc)) from exc
    except httpx2.ConnectTimeout as exc:
        try:
            raise openai.APITimeoutError(request=request) from exc
        except openai.APITimeoutError as err:
            return err


def test_server_disconnect_under_the_aiohttp_transport_is_a_connection_failure() -> None:
    failure = classify(_mapped(aiohttp.ServerDisconnectedError()))
    assert failure is not None and failure.kind == "connection" and failure.outcome == "error"
    fields = describe_error(_mapped(aiohttp.ServerDisconnectedError()))
    assert fields["error_type"] == "ServerDisconnectedError" and fields["retryable"]


def test_a_real_aiohttp_timeout_stays_a_timeout() -> None:
    failure = classify(_mapped(aiohttp.ServerTimeoutError("read timed out")))
    assert failure is not None and failure.kind == "timeout"


def test_an_httpx_timeout_without_aiohttp_below_it_stays_a_timeout() -> None:
    request = httpx2.Request("POST", "http://127.0.0.1:1/v1/chat/completions")
    failure = classify(openai.APITimeoutError(request=request))
    assert failure is not None and failure.kind == "timeout"


def test_scrubbing_an_aiohttp_connect_error_keeps_it_intact() -> None:
    from aiohttp.client_reqrep import ConnectionKey

    from lg_router import redaction

    key = ConnectionKey("127.0.0.1", 1, False, True, None, None, None)
    cause = aiohttp.ClientConnectorError(key, OSError(111, "Connect call failed sk-test-secret-123"))
    redaction.register("sk-test-secret-123")
    scrubbed = redaction.scrub(_mapped(cause))
    inner = scrubbed.__cause__.__cause__  # type: ignore[union-attr]
    assert isinstance(inner, aiohttp.ClientConnectorError)
    assert isinstance(inner.args[0], ConnectionKey) and inner.args[0].host == "127.0.0.1"
