"""Servers the tests run as subprocesses on 127.0.0.1: a free port, start-up, shutdown.

One copy of what every such harness needs (the gateway's ``lg-router serve``; Redis and
llama.cpp can use it too): wait until the process answers or fails, and stop exactly
that process (by its ``Popen``, never by name).
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
from collections.abc import Callable


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(
    proc: subprocess.Popen[bytes],
    ready: Callable[[], bool],
    *,
    timeout: float,
    what: str,
    log: Callable[[], str] = str,
    interval: float = 0.1,
) -> None:
    """Wait until ``ready()`` is true, failing at once if ``proc`` exits first.

    Args:
        proc: the server process.
        ready: whether the server answers (called every ``interval`` seconds; an
            ``OSError`` counts as "not yet").
        timeout: seconds to wait at most.
        what: the server's name in the errors, e.g. ``"gateway"``.
        log: the server's output so far, quoted in the errors.
        interval: seconds between two checks.

    Raises:
        RuntimeError: the process exited, or did not answer within ``timeout``
            (the process is left running: the caller stops it).
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            msg = f"{what} exited with {proc.returncode}:\n{log()}"
            raise RuntimeError(msg)
        with contextlib.suppress(OSError):
            if ready():
                return
        time.sleep(interval)
    msg = f"{what} did not answer within {timeout}s:\n{log()}"
    raise RuntimeError(msg)


def stop_process(proc: subprocess.Popen[bytes], timeout: float = 30.0) -> int:
    """Terminate ``proc`` (SIGTERM), kill it if it outlives ``timeout``; its exit code."""
    if proc.poll() is None:
        proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)
    return proc.returncode
