"""Running the router graph for the CLI: stream tokens as they arrive, report fallbacks."""

from __future__ import annotations

import queue
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
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
# How often the terminal's thread wakes up while it waits for the graph (so Ctrl-C is
# seen at once, whatever the model is doing).
_POLL_SECONDS = 0.05
_DONE = object()
# Turns stopped by Ctrl-C whose worker still waits for a hung model (until its deadline).
_ABANDONED: list[threading.Thread] = []


def abandoned_turns() -> bool:
    """Whether a turn stopped by Ctrl-C is still waiting for its model in the background."""
    return any(t.is_alive() for t in _ABANDONED)


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


@dataclass(frozen=True)
class _Failed:
    """An exception raised in the worker thread, to raise again in the caller's."""

    error: BaseException


def next_model(decision: RoutingDecision, attempts: Sequence[Attempt]) -> str | None:
    """The model the router tries after the last failed attempt, or ``None`` if it stops.

    Mirrors the graph's fallback rule as far as the CLI can see it: a retryable failure
    (or a context overflow) goes to the next untried ranked model, which continues the
    answer when the failed one had streamed part of it.
    """
    last = attempts[-1]
    if not (last.retryable or last.context_overflow):
        return None
    tried = {a.model_id for a in attempts}
    return next((m for m in decision.model_ids if m not in tried), None)


def _in_background(graph: Any, messages: list[BaseMessage], config: RunnableConfig | None) -> Iterator[Any]:
    """``graph.stream(...)`` run by a worker thread, read here with short waits.

    The caller's thread only waits on a queue, so Ctrl-C (``KeyboardInterrupt``) stops
    the turn at once even while a model hangs; the abandoned run ends in the worker at
    its attempt's deadline, and nothing of it is shown.
    """
    items: queue.Queue[Any] = queue.Queue()
    stop = threading.Event()

    def work() -> None:
        try:
            stream = graph.stream({"messages": messages}, config, stream_mode=["messages", "values"])
            for item in stream:
                if stop.is_set():
                    stream.close()
                    return
                items.put(item)
        except BaseException as exc:  # handed to the caller's thread
            items.put(_Failed(exc))
        finally:
            items.put(_DONE)

    worker = threading.Thread(target=work, name="lg-router-turn", daemon=True)
    worker.start()
    try:
        while True:
            try:
                item = items.get(timeout=_POLL_SECONDS)
            except queue.Empty:
                continue
            if item is _DONE:
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item
    finally:
        stop.set()
        if worker.is_alive():
            _ABANDONED.append(worker)


def stream_turn(
    graph: Any,
    messages: list[BaseMessage],
    *,
    config: RunnableConfig | None = None,
    on_decision: Callable[[RoutingDecision, float], None] | None = None,
    on_failure: Callable[[Attempt, str | None], None] | None = None,
    out: TextIO | None = None,
) -> Turn:
    """Run ``messages`` through the compiled router, writing answer tokens to ``out``.

    Tokens come from the ``call <id>`` nodes only (``stream_mode="messages"``); the
    state (``"values"``) tells when the decision is made and when an attempt failed.
    ``on_failure`` gets the failed attempt and the model tried next (``None``: none).
    Ctrl-C stops the turn at once (see :func:`_in_background`).

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
    for mode, payload in _in_background(graph, messages, config):
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
        for i in range(reported, len(attempts)):
            if attempts[i].outcome != "ok" and on_failure is not None and decision is not None:
                on_failure(attempts[i], next_model(decision, attempts[: i + 1]))
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
