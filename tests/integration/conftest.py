"""Fixtures for the integration tier: servers the tests start on 127.0.0.1."""

from collections.abc import Iterator

import pytest

from lg_router import ModelCatalog
from tests.support.fault_server import FaultServer


@pytest.fixture
def fault_server() -> Iterator[FaultServer]:
    """A started :class:`FaultServer` (fresh per test; starting takes a few ms)."""
    with FaultServer() as server:
        yield server


@pytest.fixture(scope="module")
def oxlo_server() -> Iterator[FaultServer]:
    """One :class:`FaultServer` per module serving the ``oxlo`` preset's models."""
    with FaultServer(models=list(ModelCatalog.preset("oxlo").ids)) as server:
        yield server


@pytest.fixture
def server(oxlo_server: FaultServer) -> FaultServer:
    """The module's ``oxlo_server``, its scripts and request log cleared for this test
    (a module defining its own ``server`` fixture uses that one instead)."""
    oxlo_server.clear_scripts()
    oxlo_server.reset_log()
    return oxlo_server
