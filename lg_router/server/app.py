"""The ASGI app: OpenAI's chat-completions API in front of the router graph.

``create_app(...)`` returns a Starlette app for any ASGI server; ``lg-router serve`` runs
it under uvicorn (``app_from_env`` is the factory its workers call).
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import AsyncIterator, Iterable, Mapping
from typing import Any, Literal

from langchain_core.language_models import BaseChatModel
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from lg_router.catalog import ModelCatalog, resolve_catalog
from lg_router.classifiers import Classifier, SemanticClassifier
from lg_router.errors import InvalidOptionError
from lg_router.graph import create_router
from lg_router.health import Health, resolve_health
from lg_router.redaction import get_logger
from lg_router.routing import resolve_classifier
from lg_router.server import status, wire
from lg_router.server.auth import GatewayKeys
from lg_router.server.gateway import Gateway
from lg_router.server.metrics import GatewayMetrics
from lg_router.server.pinning import PinnedClassifier
from lg_router.server.plumbing import router_extras
from lg_router.server.runner import Runner

log = get_logger("lg_router.server")  # records redacted of API keys

CONFIG_ENV = "LG_ROUTER_SERVE_CONFIG"
DEFAULT_MAX_BODY = 8 * 1024 * 1024
DEFAULT_MAX_CONCURRENCY = 1024


async def _http_error(request: Request, exc: Exception) -> Response:
    code = getattr(exc, "status_code", 500)
    detail = getattr(exc, "detail", "error")
    kind = "not_found_error" if code == 404 else "invalid_request_error"
    return JSONResponse(
        wire.error_body(f"{request.method} {request.url.path}: {detail}", type=kind), status_code=code
    )


def _transport(http_client: str, client_kwargs: Mapping[str, Any] | None) -> Any:
    """The aiohttp-backed async client the built models share, or ``None`` for httpx."""
    if http_client == "httpx" or "http_async_client" in (client_kwargs or {}):
        return None
    if http_client != "aiohttp":
        msg = f"http_client must be 'httpx' or 'aiohttp', got {http_client!r}"
        raise InvalidOptionError(msg)
    try:
        import aiohttp  # noqa: F401
        from openai import DefaultAioHttpClient
    except ImportError:
        msg = "http_client='aiohttp' needs openai[aiohttp]: pip install 'lg-router[server]'"
        raise InvalidOptionError(msg) from None
    return DefaultAioHttpClient()


def create_app(
    catalog: ModelCatalog | str | None = None,
    *,
    classifier: str | Classifier | None = None,
    preference: str = "balanced",
    health: str | Health | None = "memory",
    cache: Any = None,
    retry_budget: float | None = 0.2,
    keys: GatewayKeys | Iterable[str] | None = None,
    chat_models: Mapping[str, BaseChatModel] | None = None,
    client_kwargs: Mapping[str, Any] | None = None,
    timeout: float | None = None,
    http_client: Literal["httpx", "aiohttp"] = "httpx",
    max_body_bytes: int = DEFAULT_MAX_BODY,
    max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
    retry_after: int = 1,
) -> Starlette:
    """Build the gateway's ASGI app around a compiled router graph.

    Args:
        catalog: a :class:`ModelCatalog`, a preset name or a YAML path (default ``oxlo``).
        classifier: ``"semantic"``, ``"learned"``, ``"rules"``, ``"llm"``, ``"hybrid"`` or an instance
            (default: ``semantic`` with its extra installed, else ``learned``).
        preference: the default preference (a request's ``model_routing_config`` wins).
        health: model health (breakers, measured latency): ``"memory"`` (default, this
            process's), a Redis URL shared by every worker and replica, a ``Health``
            store, or ``None`` / ``"off"``.
        cache: passed to ``create_router(cache=...)`` (the decision cache).
        retry_budget: fallbacks and retries as a fraction of recent first attempts
            (``create_router``'s option; ``None`` for no budget).
        keys: gateway keys (a :class:`GatewayKeys` or plain keys); ``None`` or empty
            accepts every caller (``lg-router serve`` then only binds loopback).
        chat_models: ready-made chat models by catalog id (tests, other providers).
        client_kwargs: extra ``ChatOpenAI`` arguments for every built model.
        timeout: default seconds per attempt.
        http_client: the transport of the models' async calls: ``"httpx"`` (the openai
            SDK's default) or ``"aiohttp"`` (``openai[aiohttp]``; less CPU per call). The
            client is closed when the app shuts down.
        max_body_bytes: larger request bodies get 413.
        max_concurrency: requests served at once by this app; more get 429.
        retry_after: the ``Retry-After`` seconds of a 429.
    """
    cat = resolve_catalog(catalog)  # the one env rule (README: Providers)
    if chat_models is None or set(chat_models) != set(cat.ids):
        # Models are built on first use; a server pays langchain_openai's import (about a
        # second) at start-up rather than inside its first request's first attempt.
        import langchain_openai  # noqa: F401
    inner = resolve_classifier(classifier, catalog=cat)
    if isinstance(inner, SemanticClassifier):
        inner.embedder.ready()  # the same for the semantic model (about 0.3 s)
    store = resolve_health(health)
    transport = _transport(http_client, client_kwargs)
    if transport is not None:
        client_kwargs = {**(client_kwargs or {}), "http_async_client": transport}
    builder = create_router(
        cat,
        classifier=PinnedClassifier(inner),
        chat_models=chat_models,
        preference=preference,
        timeout=timeout,
        client_kwargs=client_kwargs,
        retry_budget=retry_budget,
        health=store,  # None too: "off" must not fall back to create_router's default
        **router_extras(cache=cache),
    )
    runner = Runner(builder.compile(name="lg-router-gateway"), cat)
    gateway_keys = keys if isinstance(keys, GatewayKeys) else GatewayKeys.from_keys(keys or ())
    if not gateway_keys:
        log.warning("lg-router gateway: no gateway keys configured, every caller is accepted")
    gateway = Gateway(
        runner,
        keys=gateway_keys,
        metrics=GatewayMetrics(cat.ids, store),
        recent=status.RecentLog(cat),
        health=store,
        max_body_bytes=max_body_bytes,
        max_concurrency=max_concurrency,
        retry_after=retry_after,
    )
    routes = [
        Route("/v1/chat/completions", gateway.chat_completions, methods=["POST"]),
        Route("/chat/completions", gateway.chat_completions, methods=["POST"]),
        Route("/v1/models", gateway.models, methods=["GET"]),
        Route("/v1/models/{model_id:path}", gateway.model, methods=["GET"]),
        Route("/healthz", gateway.healthz, methods=["GET"]),
        Route("/metrics", gateway.metrics_page, methods=["GET"]),
        Route("/", gateway.status_page, methods=["GET"]),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        if transport is not None:
            await transport.aclose()
        if store is not None:
            store.close()  # a Redis store flushes what it has not published yet

    app = Starlette(routes=routes, exception_handlers={HTTPException: _http_error}, lifespan=lifespan)
    app.state.gateway = gateway
    return app


def app_from_env() -> Starlette:
    """The app ``lg-router serve`` workers run: options from ``LG_ROUTER_SERVE_CONFIG`` (JSON)."""
    from lg_router.cli.env import load_catalog

    options = json.loads(os.environ.get(CONFIG_ENV) or "{}")
    catalog = load_catalog(
        options.get("catalog"), base_url=options.get("base_url"), api_key_env=options.get("api_key_env")
    )
    return create_app(
        catalog,
        classifier=options.get("classifier"),
        preference=options.get("preference", "balanced"),
        health=options.get("health", "memory"),
        cache=options.get("cache"),
        retry_budget=options.get("retry_budget", 0.2),
        keys=GatewayKeys(options.get("key_digests") or ()),
        timeout=options.get("timeout"),
        http_client=options.get("http_client", "httpx"),
        max_body_bytes=options.get("max_body_bytes", DEFAULT_MAX_BODY),
        max_concurrency=options.get("max_concurrency", DEFAULT_MAX_CONCURRENCY),
    )
