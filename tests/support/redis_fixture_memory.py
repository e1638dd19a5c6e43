"""A real Redis server on 127.0.0.1 for the decision-cache tests (Debian's ``redis-server``).

A minimal fixture of the memory work; a missing binary is a test failure, not a skip.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def redis_server(timeout: float = 10.0) -> Iterator[str]:
    """Start ``redis-server`` (no persistence) and yield its ``redis://127.0.0.1:PORT/0`` URL."""
    binary = shutil.which("redis-server") or shutil.which("valkey-server")
    if binary is None:
        msg = "redis-server is not installed (apt-get install -y redis-server)"
        raise RuntimeError(msg)
    port = _free_port()
    with tempfile.TemporaryDirectory() as workdir:
        proc = subprocess.Popen(
            [
                binary,
                "--bind",
                "127.0.0.1",
                "--port",
                str(port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                workdir,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
                        conn.sendall(b"PING\r\n")
                        if conn.recv(16).startswith(b"+PONG"):
                            break
                except OSError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    msg = f"redis-server did not start on port {port}"
                    raise RuntimeError(msg)
                time.sleep(0.05)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            proc.terminate()
            proc.wait(timeout=10)
