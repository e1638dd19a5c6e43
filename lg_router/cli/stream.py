"""Running the router graph for the CLI: stream tokens as they arrive, report fallbacks."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.runnables import RunnableConfig

from lg_router.catalog import ModelCatalog
from lg_router.cli.env import missing_key
from lg_router.decision import Attempt, RoutingDecision
from lg_router.errors import RoutingError
from lg_router.graph import node_name

CALL_PREFIX = node_name("")


@dataclass(frozen=True)
class Turn:
    """What one routed run produced."""

    answer: AIMessage
    decision: RoutingDecision
    attempts: list[Attempt]
    seconds: float
    decision_seconds: float
    streamed: bool


def check_keys(catalog: ModelCatalog, pool: Sequence[str] | None) -> None:
    """Fail before any call when a model of the pool needs a key that is not set.

    Raises:
        MissingAPIKeyError: naming the model and the env var to set.
    """
    for model_id in pool or catalog.ids:
        error = missing_key(catalog, model_id)
        if error is not None:
            raise error


def _chunk_text(chunk: Any) -> str:
    content = getattr(chunk, "content", "")
    if isinstance(content, str):
        return content
    return "".join(
        p.get("text", "") if isinstance(p, dict) else str(p)
        for p in content
        if isinstance(p, str) or (isinstance(p, dict) and p.get("type") == "text")
    )


def stream_turn(
    graph: Any,
    messages: list[BaseMessage],
    *,
    config: RunnableConfig | None = None,
    on_decision: Callable[[RoutingDecision, float], None] | None = None,
    on_failure: Callable[[Attempt], None] | None = None,
    out: TextIO | None = None,
) -> Turn:
    """Run ``messages`` through the compiled router, writing answer tokens to ``out``.

    Tokens come from the ``call <id>`` nodes only (``stream_mode="messages"``); the
    state (``"values"``) tells when the decision is made and when an attempt failed.

    Raises:
        RoutingError: every ranked model failed (listing the attempts).
    """
    out = out or sys.stdout
    started = time.perf_counter()
    decision: RoutingDecision | None = None
    decision_seconds = 0.0
    reported = 0
    streamed = False
    state: dict[str, Any] = {}
    for mode, payload in graph.stream({"messages": messages}, config, stream_mode=["messages", "values"]):
        if mode == "messages":
            chunk, meta = payload
            if not str(meta.get("langgraph_node", "")).startswith(CALL_PREFIX):
                continue
            text = _chunk_text(chunk)
            if text:
                out.write(text)
                out.flush()
                streamed = True
            continue
        state = payload
        if decision is None and state.get("decision") is not None:
            decision = state["decision"]
            decision_seconds = time.perf_counter() - started
            if on_decision is not None:
                on_decision(decision, decision_seconds)
        attempts = state.get("attempts") or []
        for attempt in attempts[reported:]:
            if attempt.outcome != "ok" and on_failure is not None:
                on_failure(attempt)
        reported = len(attempts)
    answer = (state.get("messages") or [None])[-1]
    if decision is None or not isinstance(answer, AIMessage):
        msg = "the router finished without an answer"
        raise RoutingError(msg, state.get("attempts") or [], decision)
    if streamed:
        out.write("\n")
    else:
        out.write(f"{answer.content}\n")
    out.flush()
    return Turn(
        answer=answer,
        decision=decision,
        attempts=list(state.get("attempts") or []),
        seconds=time.perf_counter() - started,
        decision_seconds=decision_seconds,
        streamed=streamed,
    )
