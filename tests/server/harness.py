"""``lg-router serve`` as a real process on 127.0.0.1, for the gateway tests."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path

from tests.support.cli_proc import REPO, clean_env

CATALOG = REPO / "examples" / "gateway" / "catalog.yaml"
GATEWAY_KEY = "gw-test-key-0f3a9c"


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class GatewayProcess:
    """``python -m lg_router.cli serve ...`` on a free port; stopped with SIGTERM.

    Args:
        upstream: the OpenAI-compatible server every model goes to (``--base-url``).
        args: extra ``serve`` options.
        keys: gateway keys (``LG_ROUTER_GATEWAY_KEYS``); empty for none.
        env: extra environment.
    """

    def __init__(
        self,
        upstream: str,
        *,
        args: Sequence[str] = (),
        keys: Sequence[str] = (GATEWAY_KEY,),
        env: Mapping[str, str] | None = None,
        catalog: Path | str = CATALOG,
    ) -> None:
        self.port = free_port()
        self.upstream = upstream
        self.args = list(args)
        self.keys = list(keys)
        self.extra_env = dict(env or {})
        self.catalog = str(catalog)
        self.proc: subprocess.Popen[bytes] | None = None
        self._log = tempfile.NamedTemporaryFile(prefix="lg-gateway-", suffix=".log", delete=False)  # noqa: SIM115

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "lg_router.cli",
            "serve",
            "--port",
            str(self.port),
            "--catalog",
            self.catalog,
            "--base-url",
            self.upstream,
            *self.args,
        ]

    def start(self, timeout: float = 60.0) -> GatewayProcess:
        env = clean_env({"LG_ROUTER_GATEWAY_KEYS": ",".join(self.keys), **self.extra_env})
        self.proc = subprocess.Popen(
            self.command(), cwd=REPO, env=env, stdout=self._log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                msg = f"gateway exited with {self.proc.returncode}:\n{self.log()}"
                raise RuntimeError(msg)
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(f"{self.url}/healthz", timeout=1) as response,
            ):
                if response.status == 200:
                    return self
            time.sleep(0.1)
        self.stop()
        msg = f"gateway did not answer /healthz within {timeout}s:\n{self.log()}"
        raise RuntimeError(msg)

    def log(self) -> str:
        return Path(self._log.name).read_text(errors="replace")

    def terminate(self) -> None:
        """Send SIGTERM (uvicorn's graceful shutdown) without waiting."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)

    def stop(self, timeout: float = 30.0) -> int | None:
        if self.proc is None:
            return None
        self.terminate()
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        code = self.proc.returncode
        self.proc = None
        return code

    def __enter__(self) -> GatewayProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
        with contextlib.suppress(OSError):
            os.unlink(self._log.name)
