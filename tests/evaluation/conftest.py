"""The evaluation tier: unit tests run with sockets off (``offline`` fixture); the CLI
tests start a FaultServer on 127.0.0.1 and the judge's e2e test the real SmolLM2 server."""

from collections.abc import Iterator

import pytest
from pytest_socket import disable_socket, enable_socket

from tests.support.llama_server import DEFAULT_ALIASES, LlamaServer


@pytest.fixture
def offline() -> Iterator[None]:
    """No network for this test (unix sockets stay on: asyncio needs a socketpair)."""
    disable_socket(allow_unix_socket=True)
    yield
    enable_socket()


@pytest.fixture(scope="module")
def llama_server() -> Iterator[LlamaServer]:
    """The real SmolLM2 model server (``DEFAULT_ALIASES``) for the judge's e2e module only
    (so it is not alive beside ``tests/e2e``'s own server for the rest of the session).

    Not skipped when llama.cpp is missing: the e2e extra is part of the test command.
    """
    with LlamaServer(DEFAULT_ALIASES) as server:
        yield server
