"""Running one chat-completions request through the compiled router graph.

The gateway adds no routing of its own: a request becomes ``graph.ainvoke`` (or
``graph.astream`` with ``stream_mode=["messages", "values"]``) with the request's options
in ``configurable``; the answer, the decision and the attempts become the response.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from langchain_core.runnables import RunnableConfig

from lg_router.catalog import ModelCatalog
from lg_router.decision import Attempt, RoutingDecision
from lg_router.errors import InvalidOptionError, InvalidTaskError, NoFeasibleModelError, RoutingError
from lg_router.redaction import get_logger
from lg_router.runnable.runs import TokenStream, final_answer, from_call_node
from lg_router.server import wire
from lg_router.server.pinning import PIN_KEY
from lg_router.server.wire import ChatRequest, WireError

log = get_logger("lg_router.server")  # records redacted of API keys

CALL_PREFIX_LEN = len("call ")
# Error class names (openai's, langchain-openai's, langchain-core's) of a request any
# model would reject, and of a provider refusing the gateway's own credentials.
_INPUT_ERRORS = frozenset(
    {
        "BadRequestError",
        "UnprocessableEntityError",
        "OpenAIInvalidRequestError",
        "ModelInvalidRequestError",
        "InvalidTaskError",
    }
)
_CREDENTIAL_ERRORS = frozenset(
    {
        "AuthenticationError",
        "PermissionDeniedError",
        "OpenAIAuthenticationError",
        "OpenAIPermissionDeniedError",
        "ModelAuthenticationError",
        "ModelPermissionDeniedError",
    }
)


def redact(attempt: Attempt) -> Attempt:
    """An attempt safe to send to a client: a provider's credential complaint is not quoted."""
    if attempt.error_type in _CREDENTIAL_ERRORS:
        return attempt.model_copy(update={"error": "the provider rejected the gateway's credentials"})
    return attempt


def to_wire_error(exc: Exception) -> WireError:
    """The HTTP error a router failure becomes (400 for the request's own faults)."""
    if isinstance(exc, WireError):
        return exc
    if isinstance(exc, NoFeasibleModelError | InvalidTaskError | InvalidOptionError):
        return WireError(
            400, str(exc), code="no_feasible_model" if isinstance(exc, NoFeasibleModelError) else None
        )
    if isinstance(exc, RoutingError):
        attempts = [redact(a) for a in exc.attempts]
        last = attempts[-1] if attempts else None
        summary = "; ".join(f"{a.model_id}: {a.outcome} {a.error_type or ''}".strip() for a in attempts)
        if last is not None and not last.retryable and last.error_type in _INPUT_ERRORS:
            return WireError(
                400, f"model '{last.model_id}' rejected the request: {last.error}", code="upstream_rejected"
            )
        if attempts and all(a.outcome == "timeout" for a in attempts):
            return WireError(
                504, f"every ranked model timed out ({summary})", type="server_error", code="upstream_timeout"
            )
        code = "stream_interrupted" if type(exc).__name__ == "StreamInterruptedError" else "all_models_failed"
        return WireError(502, f"{exc.reason} ({summary})", type="server_error", code=code)
    log.exception("unexpected error while routing a request")
    return WireError(500, f"internal gateway error ({type(exc).__name__})", type="server_error")


def decision_headers(decision: RoutingDecision | None, requested: str) -> dict[str, str]:
    """``x-lg-router-*`` headers known once the decision is made."""
    headers = {"x-lg-router-requested": requested}
    if decision is not None:
        headers["x-lg-router-ranked"] = ",".join(decision.model_ids)
        headers["x-lg-router-category"] = decision.category
        headers["x-lg-router-classifier"] = decision.classifier
        headers["x-lg-router-preference"] = decision.preference
    return headers


def attempt_headers(attempts: list[Attempt]) -> dict[str, str]:
    """``x-lg-router-attempts`` (``id=outcome`` in order) and ``x-lg-router-model``."""
    headers = {"x-lg-router-attempts": ",".join(f"{a.model_id}={a.outcome}" for a in attempts)}
    answered = [a.model_id for a in attempts if a.outcome == "ok"]
    if answered:
        headers["x-lg-router-model"] = answered[-1]
    return headers


@dataclass
class Outcome:
    """What a finished request reports to metrics and the status page."""

    request: ChatRequest
    decision: RoutingDecision | None
    attempts: list[Attempt]
    seconds: float
    status: int
    answered: str | None = None


@dataclass
class Runner:
    """Runs requests on a compiled router graph and reports each outcome.

    Args:
        graph: ``create_router(...).compile()``.
        catalog: the catalog the graph was built from.
        report: called with every finished request's :class:`Outcome`.
    """

    graph: Any
    catalog: ModelCatalog
    report: Callable[[Outcome], None] = field(default=lambda outcome: None)

    def _config(self, request: ChatRequest) -> RunnableConfig:
        configurable = dict(request.configurable)
        if request.pinned is not None:
            configurable[PIN_KEY] = request.pinned
        return {"configurable": configurable}

    async def complete(self, request: ChatRequest) -> tuple[dict[str, Any], dict[str, str]]:
        """A non-streamed answer: ``(chat.completion body, headers)``.

        Raises:
            WireError: the request failed (status and OpenAI error fields set).
        """
        started = time.perf_counter()
        try:
            output = await self.graph.ainvoke({"messages": request.messages}, self._config(request))
            answer = final_answer(output)
        except Exception as exc:
            self._failed(request, exc, started)
            raise to_wire_error(exc) from None
        decision = output.get("decision")
        attempts = [redact(a) for a in output.get("attempts") or []]
        body = wire.completion_body(answer, decision, attempts, cid=wire.completion_id())
        headers = {**decision_headers(decision, request.requested), **attempt_headers(attempts)}
        self.report(Outcome(request, decision, attempts, time.perf_counter() - started, 200, body["model"]))
        return body, headers

    def _failed(self, request: ChatRequest, exc: Exception, started: float) -> WireError:
        error = to_wire_error(exc)
        decision = getattr(exc, "decision", None)
        attempts = [redact(a) for a in getattr(exc, "attempts", ())]
        self.report(Outcome(request, decision, attempts, time.perf_counter() - started, error.status))
        return error

    async def stream(self, request: ChatRequest) -> tuple[dict[str, str], AsyncIterator[bytes]]:
        """A streamed answer: ``(headers, SSE byte stream)``.

        The graph runs until its first token (or its end) before anything is sent, so a
        request that fails before any token gets a proper HTTP error, and the headers
        carry the decision.

        Raises:
            WireError: the request failed before its first token.
        """
        started = time.perf_counter()
        events = self.graph.astream(
            {"messages": request.messages}, self._config(request), stream_mode=["messages", "values"]
        )
        sse = _SSE(request, wire.completion_id())
        first: list[bytes] = []
        finished = False
        try:
            while not first:
                try:
                    mode, data = await events.__anext__()
                except StopAsyncIteration:
                    finished = True
                    first.extend(sse.close())
                    break
                first.extend(sse.take(mode, data))
        except BaseException as exc:
            await events.aclose()
            if isinstance(exc, Exception):
                raise self._failed(request, exc, started) from None
            raise
        headers = decision_headers(sse.decision, request.requested)
        if finished:
            headers.update(attempt_headers(sse.attempts))

        async def body() -> AsyncIterator[bytes]:
            status = 499  # unless the stream ends: the client went away
            try:
                for piece in first:
                    yield piece
                if not finished:
                    async for mode, data in events:
                        for piece in sse.take(mode, data):
                            yield piece
                    for piece in sse.close():
                        yield piece
                status = 200
            except Exception as exc:  # after the first token: report it in the stream
                error = self._failed(request, exc, started)
                status = error.status
                yield wire.sse(error.body())
            finally:
                await events.aclose()
                if status in (200, 499):
                    outcome = Outcome(
                        request,
                        sse.decision,
                        sse.attempts,
                        time.perf_counter() - started,
                        status,
                        sse.answered,
                    )
                    self.report(outcome)

        return headers, body()


class _SSE:
    """Turns the graph's ``messages``/``values`` events into ``chat.completion.chunk`` events."""

    def __init__(self, request: ChatRequest, cid: str) -> None:
        self.request = request
        self.cid = cid
        self.tokens = TokenStream()
        self.started = False
        self.answered: str | None = None

    @property
    def state(self) -> dict[str, Any]:
        return self.tokens.final or {}

    @property
    def decision(self) -> RoutingDecision | None:
        return self.state.get("decision")

    @property
    def attempts(self) -> list[Attempt]:
        return [redact(a) for a in self.state.get("attempts") or []]

    def take(self, mode: str, data: Any) -> list[bytes]:
        model = ""
        if mode == "messages":
            if not from_call_node(data[1]):
                return []
            model = str(data[1].get("langgraph_node", ""))[CALL_PREFIX_LEN:]
        chunk = self.tokens.take(mode, data)
        if chunk is None:
            return []
        delta = wire.delta_of(chunk.message, first=not self.started)  # type: ignore[arg-type]
        if delta is None:
            return []
        self.started = True
        return [wire.sse(wire.chunk_body(self.cid, model, delta=delta))]

    def close(self) -> list[bytes]:
        """The closing events: finish reason with the routing field, usage, ``[DONE]``."""
        answer = final_answer(self.tokens.final)
        self.answered = answer.response_metadata.get("model_name")
        attempts = self.attempts
        pieces = []
        if not self.started:  # an empty answer still opens the assistant message
            pieces.append(
                wire.sse(
                    wire.chunk_body(self.cid, self.answered or "", delta={"role": "assistant", "content": ""})
                )
            )
        extra = {"lg_router": wire.routing_field(self.decision, attempts)}
        pieces.append(
            wire.sse(
                wire.chunk_body(self.cid, self.answered or "", finish=wire.finish_reason(answer), extra=extra)
            )
        )
        if self.request.include_usage:
            usage_chunk = wire.chunk_body(
                self.cid, self.answered or "", extra={"usage": wire.usage_of(attempts)}
            )
            usage_chunk["choices"] = []
            pieces.append(wire.sse(usage_chunk))
        pieces.append(wire.sse("[DONE]"))
        return pieces
