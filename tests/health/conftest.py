"""Health tier: a real Redis server and the fault server, both on 127.0.0.1."""

from collections.abc import Iterator

import pytest

from tests.support.fault_server import FaultServer
from tests.support.redis_server import RedisServer


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """A fresh ``valkey-server`` (or ``redis-server``) per test, torn down after it."""
    with RedisServer() as server:
        yield server


@pytest.fixture
def fault_server() -> Iterator[FaultServer]:
    with FaultServer() as server:
        yield server
