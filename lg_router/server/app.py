"""The ASGI app: OpenAI's chat-completions API in front of the router graph.

``create_app(...)`` returns a Starlette app for any ASGI server; ``lg-router serve`` runs
it under uvicorn (``app_from_env`` is the factory its workers call).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import AsyncIterator, Iterable, Mapping
from typing import Any

from langchain_core.language_models import BaseChatModel
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from lg_router.catalog import ModelCatalog, resolve_catalog
from lg_router.classifiers import Classifier
from lg_router.graph import create_router
from lg_router.redaction import get_logger
from lg_router.routing import resolve_classifier
from lg_router.server import status, wire
from lg_router.server.auth import GatewayKeys, bearer
from lg_router.server.metrics import CONTENT_TYPE, GatewayMetrics, breaker_state
from lg_router.server.pinning import PinnedClassifier
from lg_router.server.plumbing import health_object, router_extras
from lg_router.server.runner import Outcome, Runner
from lg_router.server.wire import WireError

log = get_logger("lg_router.server")  # records redacted of API keys

CONFIG_ENV = "LG_ROUTER_SERVE_CONFIG"
DEFAULT_MAX_BODY = 8 * 1024 * 1024
DEFAULT_MAX_CONCURRENCY = 1024
_DRAIN_LIMIT = 64 * 1024 * 1024


def _error(exc: WireError) -> JSONResponse:
    return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)


class Gateway:
    """The gateway's state and request handlers (one per app, one app per worker)."""

    def __init__(
        self,
        runner: Runner,
        *,
        keys: GatewayKeys,
        metrics: GatewayMetrics,
        recent: status.RecentLog,
        health: Any,
        max_body_bytes: int,
        max_concurrency: int,
        retry_after: int,
    ) -> None:
        self.runner = runner
        self.catalog = runner.catalog
        self.keys = keys
        self.metrics = metrics
        self.recent = recent
        self.health = health
        self.max_body_bytes = max_body_bytes
        self.max_concurrency = max_concurrency
        self.retry_after = retry_after
        self.active = 0
        self.started = time.time()
        runner.report = self._report

    # -- bookkeeping ------------------------------------------------------------------
    def _report(self, outcome: Outcome) -> None:
        route = "auto" if outcome.request.pinned is None else "direct"
        self.metrics.requests.labels(route, str(outcome.status)).inc()
        self.metrics.request_seconds.observe(outcome.seconds)
        currency = next((m.pricing.currency for m in self.catalog.models if m.pricing.known), "USD")
        self.metrics.record(outcome.attempts, currency)
        self.recent.add(outcome)

    def _refused(self, exc: WireError) -> JSONResponse:
        self.metrics.requests.labels("-", str(exc.status)).inc()
        return _error(exc)

    def _authorize(self, request: Request) -> None:
        if not self.keys:
            return
        if not self.keys.check(bearer(request.headers.get("authorization"))):
            msg = "Incorrect or missing gateway API key: send 'Authorization: Bearer <gateway key>'"
            raise WireError(401, msg, code="invalid_api_key")

    async def _body(self, request: Request) -> Any:
        length = request.headers.get("content-length")
        too_big = length is not None and length.isdigit() and int(length) > self.max_body_bytes
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > _DRAIN_LIMIT:
                break
            if not too_big and size <= self.max_body_bytes:
                chunks.append(chunk)
        if too_big or size > self.max_body_bytes:
            msg = f"request body of {size} bytes exceeds this gateway's limit of {self.max_body_bytes} bytes"
            raise WireError(413, msg, code="request_too_large")
        try:
            return json.loads(b"".join(chunks))
        except (ValueError, UnicodeDecodeError) as exc:
            raise WireError(400, f"the request body is not valid JSON: {exc}", code="invalid_json") from None

    # -- endpoints --------------------------------------------------------------------
    async def chat_completions(self, request: Request) -> Response:
        try:
            self._authorize(request)
            if self.active >= self.max_concurrency:
                msg = f"the gateway is at its limit of {self.max_concurrency} requests at once; retry shortly"
                raise WireError(
                    429,
                    msg,
                    type="rate_limit_error",
                    code="concurrency_limit",
                    headers={"retry-after": str(self.retry_after)},
                )
            self.active += 1
        except WireError as exc:
            return self._refused(exc)
        self.metrics.in_flight.inc()
        streaming = False
        try:
            chat = wire.parse_request(await self._body(request), self.catalog)
            if not chat.stream:
                body, headers = await self.runner.complete(chat)
                return JSONResponse(body, headers=headers)
            headers, events = await self.runner.stream(chat)
            streaming = True
            return StreamingResponse(
                self._release_after(events),
                media_type="text/event-stream",
                headers={**headers, "cache-control": "no-cache", "x-accel-buffering": "no"},
            )
        except WireError as exc:
            if exc.status in (400, 404, 413):
                self.metrics.requests.labels("-", str(exc.status)).inc()
            return _error(exc)
        finally:
            if not streaming:
                self._release()

    def _release(self) -> None:
        self.active -= 1
        self.metrics.in_flight.dec()

    async def _release_after(self, events: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
        try:
            async for piece in events:
                yield piece
        finally:
            self._release()

    def _model_card(self, model_id: str) -> dict[str, Any]:
        created = int(self.started)
        if model_id in wire.ROUTED_MODELS:
            return {
                "id": model_id,
                "object": "model",
                "created": created,
                "owned_by": "lg-router",
                "description": "Routes each request to the best model of the catalog, with fallbacks.",
                "models": list(self.catalog.ids),
            }
        spec = self.catalog[model_id]
        return {
            "id": spec.id,
            "object": "model",
            "created": created,
            "owned_by": "lg-router",
            "description": spec.description,
            "capabilities": sorted(spec.capabilities),
            "context_window": spec.context_window,
            "max_output_tokens": spec.max_output_tokens,
            "pricing": spec.pricing.model_dump(mode="json"),
            "breaker_state": breaker_state(self.health, spec.id),
        }

    async def models(self, request: Request) -> Response:
        try:
            self._authorize(request)
        except WireError as exc:
            return self._refused(exc)
        ids = [*wire.ROUTED_MODELS, *self.catalog.ids]
        return JSONResponse({"object": "list", "data": [self._model_card(m) for m in ids]})

    async def model(self, request: Request) -> Response:
        try:
            self._authorize(request)
        except WireError as exc:
            return self._refused(exc)
        model_id = request.path_params["model_id"]
        if model_id not in wire.ROUTED_MODELS and model_id not in self.catalog:
            return _error(WireError(404, f"The model '{model_id}' does not exist", code="model_not_found"))
        return JSONResponse(self._model_card(model_id))

    async def healthz(self, request: Request) -> Response:
        return JSONResponse({"status": "ok", "models": len(self.catalog), "in_flight": self.active})

    async def metrics_page(self, request: Request) -> Response:
        return Response(self.metrics.render(), media_type=CONTENT_TYPE)

    async def status_page(self, request: Request) -> Response:
        return HTMLResponse(status.render(self.recent, self.health))


async def _http_error(request: Request, exc: Exception) -> Response:
    code = getattr(exc, "status_code", 500)
    detail = getattr(exc, "detail", "error")
    kind = "not_found_error" if code == 404 else "invalid_request_error"
    return JSONResponse(
        wire.error_body(f"{request.method} {request.url.path}: {detail}", type=kind), status_code=code
    )


def create_app(
    catalog: ModelCatalog | str | None = None,
    *,
    classifier: str | Classifier | None = "rules",
    preference: str = "balanced",
    health: Any = None,
    cache: Any = None,
    keys: GatewayKeys | Iterable[str] | None = None,
    chat_models: Mapping[str, BaseChatModel] | None = None,
    client_kwargs: Mapping[str, Any] | None = None,
    timeout: float | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY,
    max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
    retry_after: int = 1,
) -> Starlette:
    """Build the gateway's ASGI app around a compiled router graph.

    Args:
        catalog: a :class:`ModelCatalog`, a preset name or a YAML path (default ``oxlo``).
        classifier: ``"rules"``, ``"llm"``, ``"hybrid"`` or a classifier instance.
        preference: the default preference (a request's ``model_routing_config`` wins).
        health: passed to ``create_router(health=...)`` (``"memory"``, a Redis URL, an
            instance); ``None`` leaves the router's default.
        cache: passed to ``create_router(cache=...)`` (the decision cache).
        keys: gateway keys (a :class:`GatewayKeys` or plain keys); ``None`` or empty
            accepts every caller (``lg-router serve`` then only binds loopback).
        chat_models: ready-made chat models by catalog id (tests, other providers).
        client_kwargs: extra ``ChatOpenAI`` arguments for every built model.
        timeout: default seconds per attempt.
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
    builder = create_router(
        cat,
        classifier=PinnedClassifier(inner),
        chat_models=chat_models,
        preference=preference,
        timeout=timeout,
        client_kwargs=client_kwargs,
        **router_extras(health, cache),
    )
    runner = Runner(builder.compile(name="lg-router-gateway"), cat)
    gateway_keys = keys if isinstance(keys, GatewayKeys) else GatewayKeys.from_keys(keys or ())
    if not gateway_keys:
        log.warning("lg-router gateway: no gateway keys configured, every caller is accepted")
    shared_health = health_object(builder, health)
    gateway = Gateway(
        runner,
        keys=gateway_keys,
        metrics=GatewayMetrics(cat.ids, shared_health),
        recent=status.RecentLog(cat),
        health=shared_health,
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
    app = Starlette(routes=routes, exception_handlers={HTTPException: _http_error})
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
        classifier=options.get("classifier", "rules"),
        preference=options.get("preference", "balanced"),
        health=options.get("health"),
        cache=options.get("cache"),
        keys=GatewayKeys(options.get("key_digests") or ()),
        timeout=options.get("timeout"),
        max_body_bytes=options.get("max_body_bytes", DEFAULT_MAX_BODY),
        max_concurrency=options.get("max_concurrency", DEFAULT_MAX_CONCURRENCY),
    )
