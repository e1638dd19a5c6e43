"""``lg-router serve``: the OpenAI-compatible gateway under uvicorn (extra ``server``).

Every worker builds the same app from ``LG_ROUTER_SERVE_CONFIG`` (JSON: catalog,
endpoint, classifier, preference, health, cache, the *hashed* gateway keys, limits), so
``--workers N`` runs N identical processes behind one socket. Provider keys stay in the
environment the workers inherit and are read by the router when a model is first built.
"""

from __future__ import annotations

import ipaddress
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from lg_router.cli.commands import (
    DEFAULT_CLASSIFIER,
    BaseUrlOpt,
    CatalogOpt,
    ClassifierOpt,
    KeyEnvOpt,
    Preference,
    PrefOpt,
    app,
    err,
)
from lg_router.cli.env import load_catalog
from lg_router.cli.health import HealthOpt, health_option
from lg_router.errors import InvalidOptionError


def is_loopback_host(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _budget(value: str) -> float | None:
    if value.strip().lower() in ("off", "none"):
        return None
    try:
        budget = float(value)
    except ValueError:
        budget = -1.0
    if budget < 0:
        msg = f"--retry-budget must be a fraction >= 0 or 'off', got {value!r}"
        raise InvalidOptionError(msg)
    return budget


@app.command()
def serve(
    host: Annotated[
        str, typer.Option("--host", help="Address to bind (non-loopback needs gateway keys).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port to bind.")] = 8000,
    workers: Annotated[int, typer.Option("--workers", min=1, help="uvicorn worker processes.")] = 1,
    catalog: CatalogOpt = None,
    base_url: BaseUrlOpt = None,
    api_key_env: KeyEnvOpt = None,
    classifier: ClassifierOpt = DEFAULT_CLASSIFIER,
    preference: PrefOpt = Preference.balanced,
    health: HealthOpt = None,
    cache: Annotated[
        str | None,
        typer.Option("--cache", help="Decision cache: memory (per worker), off, or a redis:// URL (shared)."),
    ] = None,
    keys_file: Annotated[
        Path | None,
        typer.Option("--keys-file", help="Gateway keys, one per line. Env: LG_ROUTER_GATEWAY_KEYS (a,b)."),
    ] = None,
    retry_budget: Annotated[
        str,
        typer.Option("--retry-budget", help="Fallbacks+retries as a fraction of first attempts, or 'off'."),
    ] = "0.2",
    timeout: Annotated[
        float | None, typer.Option("--timeout", min=0.001, help="Seconds per model attempt.")
    ] = None,
    max_body_bytes: Annotated[
        int, typer.Option("--max-body-bytes", min=1, help="Larger request bodies get 413.")
    ] = 8 * 1024 * 1024,
    max_concurrency: Annotated[
        int, typer.Option("--max-concurrency", min=1, help="Requests at once per worker; more get 429.")
    ] = 1024,
    http_client: Annotated[
        str, typer.Option("--http-client", help="Transport of the model calls: aiohttp or httpx.")
    ] = "aiohttp",
    graceful_timeout: Annotated[
        int, typer.Option("--graceful-timeout", min=0, help="Seconds in-flight requests get on shutdown.")
    ] = 30,
    access_log: Annotated[
        bool, typer.Option("--access-log/--no-access-log", help="uvicorn's access log.")
    ] = False,
) -> None:
    """Serve the router as an OpenAI-compatible API: model="auto" routes, a catalog id pins.

    Endpoints: POST /v1/chat/completions (streaming or not), GET /v1/models, /healthz,
    /metrics (Prometheus) and a status page at /.
    """
    try:
        import uvicorn

        from lg_router.server.app import CONFIG_ENV
        from lg_router.server.auth import GatewayKeys
        from lg_router.server.plumbing import router_extras
    except ImportError as exc:  # pragma: no cover - the extra is missing
        msg = f"lg-router serve needs the 'server' extra: pip install 'lg-router[server]' ({exc.name})"
        raise InvalidOptionError(msg) from None

    load_catalog(catalog, base_url=base_url, api_key_env=api_key_env)  # fail here, not in each worker
    from lg_router.health import resolve_health

    store_option = health_option(health)
    resolve_health(store_option)  # validates; a Redis store connects only when first used
    router_extras(cache=cache)
    budget = _budget(retry_budget)
    if http_client not in ("aiohttp", "httpx"):
        msg = f"--http-client must be aiohttp or httpx, got {http_client!r}"
        raise InvalidOptionError(msg)
    keys = GatewayKeys.load(keys_file)
    if not keys:
        if not is_loopback_host(host):
            msg = (
                f"refusing to serve on {host} without gateway keys: pass --keys-file or set "
                "LG_ROUTER_GATEWAY_KEYS, or bind a loopback address (127.0.0.1)"
            )
            raise InvalidOptionError(msg)
        err.print(
            f"warning: no gateway keys; anyone on this machine can call http://{host}:{port}/v1",
            style="yellow",
            markup=False,
        )
    config = {
        "catalog": catalog,
        "base_url": base_url,
        "api_key_env": api_key_env,
        "classifier": classifier.value,
        "preference": preference.value,
        "health": store_option,
        "cache": cache,
        "retry_budget": budget,
        "key_digests": list(keys.digests),
        "timeout": timeout,
        "http_client": http_client,
        "max_body_bytes": max_body_bytes,
        "max_concurrency": max_concurrency,
    }
    os.environ[CONFIG_ENV] = json.dumps(config)
    metrics_dir = None
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        metrics_dir = tempfile.mkdtemp(prefix="lg-router-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    try:
        uvicorn.run(
            "lg_router.server.app:app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            access_log=access_log,
            timeout_graceful_shutdown=graceful_timeout,
            log_level="info",
        )
    finally:
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)
