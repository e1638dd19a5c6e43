"""Fixtures: one fault server and one `lg-router serve` process per module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.server.harness import GATEWAY_KEY, GatewayProcess
from tests.support.fault_server import FaultServer


@pytest.fixture(scope="module")
def upstream() -> Iterator[FaultServer]:
    """The fault-injecting OpenAI-compatible server every catalog model is sent to."""
    with FaultServer() as server:
        yield server


@pytest.fixture
def fault(upstream: FaultServer) -> Iterator[FaultServer]:
    """The module's fault server, with scripts and the request log reset around each test."""
    upstream.clear_scripts()
    upstream.reset_log()
    yield upstream
    upstream.clear_scripts()
    upstream.wait_idle(10)


@pytest.fixture(scope="module")
def gateway(upstream: FaultServer) -> Iterator[GatewayProcess]:
    """`lg-router serve` (one worker, gateway key :data:`GATEWAY_KEY`) in front of ``upstream``.

    Health is off so that failures scripted by one test do not open a breaker that
    changes the next test's routing; the health tests start their own gateway.
    """
    with GatewayProcess(upstream.base_url, args=["--timeout", "5", "--health", "off"]) as process:
        yield process
        # Whatever the tests did, the gateway itself never failed with a traceback.
        assert "Traceback" not in process.log(), process.log()[-4000:]


@pytest.fixture
def key() -> str:
    return GATEWAY_KEY
