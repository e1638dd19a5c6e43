"""The gateway's request handlers: auth, limits, and the OpenAI endpoints over a runner."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse

from lg_router.server import status, wire
from lg_router.server.auth import GatewayKeys, bearer
from lg_router.server.metrics import CONTENT_TYPE, GatewayMetrics, breaker_state
from lg_router.server.outcome import Outcome
from lg_router.server.runner import Runner
from lg_router.server.streaming import StreamReply
from lg_router.server.wire import WireError

_DRAIN_LIMIT = 64 * 1024 * 1024


class _EventStream(StreamingResponse):
    """Server-sent events of a :class:`StreamReply`; closed (and the slot freed) however it ends."""

    def __init__(self, reply: StreamReply, *, on_close: Callable[[], None]) -> None:
        headers = {**reply.headers, "cache-control": "no-cache", "x-accel-buffering": "no"}
        super().__init__(reply.__aiter__(), media_type="text/event-stream", headers=headers)
        self.reply = reply
        self.on_close = on_close

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            try:
                self.reply.close()
            finally:
                self.on_close()


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
        runner.report = self.record

    # -- bookkeeping ------------------------------------------------------------------
    def record(self, outcome: Outcome) -> None:
        """Count a finished request in the metrics and the status page's recent log."""
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
            reply = await self.runner.stream(chat)
            streaming = True
            return _EventStream(reply, on_close=self._release)
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
        body = {"status": "ok", "models": len(self.catalog), "in_flight": self.active, "worker": os.getpid()}
        return JSONResponse(body)

    async def metrics_page(self, request: Request) -> Response:
        return Response(self.metrics.render(), media_type=CONTENT_TYPE)

    async def status_page(self, request: Request) -> Response:
        return HTMLResponse(status.render(self.recent, self.health))
