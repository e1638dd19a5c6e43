"""``lg-router serve`` as a real process on 127.0.0.1, for the gateway tests."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path

from tests.support.cli_proc import REPO, clean_env
from tests.support.procs import free_port, stop_process, wait_ready

CATALOG = REPO / "examples" / "gateway" / "catalog.yaml"
GATEWAY_KEY = "gw-test-key-0f3a9c"


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
        try:
            wait_ready(self.proc, self._healthy, timeout=timeout, what="gateway (GET /healthz)", log=self.log)
        except RuntimeError:
            self.stop()
            raise
        return self

    def _healthy(self) -> bool:
        with urllib.request.urlopen(f"{self.url}/healthz", timeout=1) as response:
            return bool(response.status == 200)

    def log(self) -> str:
        return Path(self._log.name).read_text(errors="replace")

    def terminate(self) -> None:
        """Send SIGTERM (uvicorn's graceful shutdown) without waiting."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()

    def stop(self, timeout: float = 30.0) -> int | None:
        if self.proc is None:
            return None
        code = stop_process(self.proc, timeout)
        self.proc = None
        return code

    def __enter__(self) -> GatewayProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
        with contextlib.suppress(OSError):
            os.unlink(self._log.name)
