"""Running one chat-completions request through the compiled router graph.

The gateway adds no routing of its own: a request becomes ``graph.ainvoke`` (or
``graph.astream`` with ``stream_mode=["messages", "values"]``) with the request's options
in ``configurable``; the answer, the decision and the attempts become the response. An
untraced ``ainvoke`` runs the graph's node bodies inline (see ``CompiledRouterGraph``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from langchain_core.runnables import RunnableConfig

from lg_router.catalog import ModelCatalog
from lg_router.errors import (
    InvalidOptionError,
    InvalidTaskError,
    NoFeasibleModelError,
    RetryBudgetExceededError,
    RoutingError,
)
from lg_router.redaction import get_logger
from lg_router.runnable.runs import final_answer
from lg_router.server import replies
from lg_router.server.outcome import Outcome, attempt_headers, decision_headers, redact
from lg_router.server.pinning import PIN_KEY
from lg_router.server.streaming import StreamReply, open_stream
from lg_router.server.wire import ChatRequest, WireError

log = get_logger("lg_router.server")  # records redacted of API keys

# Error class names (openai's, langchain-openai's, langchain-core's) of a request any
# model would reject: the client gets a 400, as from the model itself.
_INPUT_ERRORS = frozenset(
    {
        "BadRequestError",
        "UnprocessableEntityError",
        "OpenAIInvalidRequestError",
        "ModelInvalidRequestError",
        "InvalidTaskError",
    }
)


def to_wire_error(exc: Exception) -> WireError:
    """The HTTP error a router failure becomes (400 for the request's own faults)."""
    if isinstance(exc, WireError):
        return exc
    if isinstance(exc, NoFeasibleModelError | InvalidTaskError | InvalidOptionError):
        return WireError(
            400, str(exc), code="no_feasible_model" if isinstance(exc, NoFeasibleModelError) else None
        )
    if isinstance(exc, RetryBudgetExceededError):
        msg = f"the gateway is shedding fallbacks under load ({exc.reason}); retry shortly"
        return WireError(
            503, msg, type="server_error", code="retry_budget_exceeded", headers={"retry-after": "1"}
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
            raise self._failed(request, exc, started) from None
        decision = output.get("decision")
        attempts = [redact(a) for a in output.get("attempts") or []]
        body = replies.completion_body(answer, decision, attempts, cid=replies.completion_id())
        headers = {**decision_headers(decision, request.requested), **attempt_headers(attempts)}
        self.report(Outcome(request, decision, attempts, time.perf_counter() - started, 200, body["model"]))
        return body, headers

    def _failed(self, request: ChatRequest, exc: Exception, started: float) -> WireError:
        error = to_wire_error(exc)
        decision = getattr(exc, "decision", None)
        attempts = [redact(a) for a in getattr(exc, "attempts", ())]
        self.report(Outcome(request, decision, attempts, time.perf_counter() - started, error.status))
        return error

    async def stream(self, request: ChatRequest) -> StreamReply:
        """A streamed answer, its headers known before the first byte is sent.

        Raises:
            WireError: the request failed before its first token (see :func:`open_stream`).
        """
        events = self.graph.astream(
            {"messages": request.messages}, self._config(request), stream_mode=["messages", "values"]
        )
        return await open_stream(
            events, request, fail=lambda exc, started: self._failed(request, exc, started), report=self.report
        )
