"""``TraceWriter``: a LangChain callback handler writing one JSON line per routed request.

Attach it like any handler, to the router graph or to ``RunnableRouter``::

    from lg_router.evaluation import TraceWriter

    with TraceWriter("trace.jsonl") as trace:
        graph.invoke({"messages": [("user", "hi")]}, config={"callbacks": [trace]})
        RunnableRouter().invoke("hi", config={"callbacks": [trace]})

It reads what the router already reports: the router graph's output (``decision`` and
``attempts`` next to ``messages``) and ``RunnableRouter``'s answer, whose
``response_metadata`` carries ``model_name``, ``decision`` and ``attempts``; a request
that fails everywhere is written from its :class:`~lg_router.errors.RoutingError`. A line
holds the time, the decision (ranked ids, category, classifier, preference, confidence),
every attempt (model, outcome, seconds, error class, tokens, cost and any other field an
attempt carries), token and cost totals, the fallback flag and the latency. It never holds
the prompt unless ``include_prompt=True``, never an attempt's error message (providers echo
request data in them), and never a key: lg-router keeps keys out of decisions and attempts.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import AIMessage, BaseMessage

from lg_router.errors import RoutingError

_SKIPPED_ATTEMPT_FIELDS = frozenset({"error"})
_MARK = "_lg_router_traced"


class TraceWriter(BaseCallbackHandler):
    """Append one JSON line per routed request to ``path`` (see the module docstring).

    Args:
        path: the JSONL file (created with its folder; appended to).
        include_prompt: also write the conversation that was routed (role and text).
    """

    raise_error = False

    def __init__(self, path: str | Path, *, include_prompt: bool = False) -> None:
        self.path = Path(path)
        self.include_prompt = include_prompt
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = self.path.open("a", encoding="utf-8")
        self._lock = threading.Lock()
        self._started: dict[UUID, tuple[float, Any]] = {}
        self._seen: deque[str] = deque(maxlen=4096)
        self.written = 0

    # -- lifecycle ----------------------------------------------------------------------
    def close(self) -> None:
        """Close the file (further requests are not written)."""
        with self._lock:
            self._file.close()

    def __enter__(self) -> TraceWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- callbacks ----------------------------------------------------------------------
    def on_chain_start(self, serialized: Any, inputs: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self._started[run_id] = (time.perf_counter(), inputs if self.include_prompt else None)

    def on_chat_model_start(
        self, serialized: Any, messages: list[list[BaseMessage]], *, run_id: UUID, **kwargs: Any
    ) -> None:
        prompt = messages[0] if self.include_prompt and messages else None
        self._started[run_id] = (time.perf_counter(), prompt)

    def on_chain_end(self, outputs: Any, *, run_id: UUID, **kwargs: Any) -> None:
        started = self._started.pop(run_id, None)
        if not isinstance(outputs, dict) or "decision" not in outputs or "attempts" not in outputs:
            return
        answers = [m for m in outputs.get("messages") or [] if isinstance(m, AIMessage)]
        if not answers or "attempts" not in answers[-1].response_metadata:
            return
        messages = [m for m in outputs.get("messages") or [] if m is not answers[-1]]
        self._answered(answers[-1], run_id, started, "graph", messages)

    def on_llm_end(self, response: Any, *, run_id: UUID, **kwargs: Any) -> None:
        started = self._started.pop(run_id, None)
        generations = getattr(response, "generations", None) or [[]]
        message = getattr(generations[0][0], "message", None) if generations[0] else None
        if isinstance(message, AIMessage) and "attempts" in message.response_metadata:
            self._answered(message, run_id, started, "runnable", None)

    def on_chain_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._failed(error, run_id, "graph")

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._failed(error, run_id, "runnable")

    # -- records ------------------------------------------------------------------------
    def _answered(
        self, answer: AIMessage, run_id: UUID, started: Any, source: str, messages: list[Any] | None
    ) -> None:
        key = answer.id or f"run:{run_id}"
        if key in self._seen:  # the same answer in a parent graph's output
            return
        self._seen.append(key)
        meta = answer.response_metadata
        prompt = messages if messages is not None else (started[1] if started else None)
        record = self._record(run_id, started, source, meta.get("decision"), meta.get("attempts") or [])
        record.update(model=meta.get("model_name"), outcome="ok")
        self._write(record, prompt)

    def _failed(self, error: BaseException, run_id: UUID, source: str) -> None:
        started = self._started.pop(run_id, None)
        if not isinstance(error, RoutingError) or getattr(error, _MARK, False):
            return
        try:
            setattr(error, _MARK, True)  # a parent run ends with the same error
        except AttributeError:  # pragma: no cover - exceptions with __slots__
            return
        record = self._record(run_id, started, source, error.decision, error.attempts)
        record.update(model=None, outcome="error", error_type=type(error).__name__)
        self._write(record, started[1] if started else None)

    def _record(
        self, run_id: UUID, started: Any, source: str, decision: Any, attempts: Any
    ) -> dict[str, Any]:
        rows = [_attempt(a) for a in attempts]
        usage = [r.get("usage") or {} for r in rows]
        costs = [r.get("cost") for r in rows if r.get("outcome") == "ok"]
        latency = time.perf_counter() - started[0] if started else sum(r.get("seconds") or 0 for r in rows)
        return {
            "ts": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
            "request_id": str(run_id),
            "source": source,
            **_decision(decision),
            "attempts": rows,
            "fallback": len(rows) > 1,
            "input_tokens": sum(int(u.get("input_tokens") or 0) for u in usage),
            "output_tokens": sum(int(u.get("output_tokens") or 0) for u in usage),
            "cost": sum(c for c in costs if c is not None) if costs and None not in costs else None,
            "latency": round(latency, 4),
        }

    def _write(self, record: dict[str, Any], prompt: Any) -> None:
        if self.include_prompt and prompt is not None:
            record["prompt"] = _prompt(prompt)
        line = json.dumps(record, ensure_ascii=False, default=str)
        with self._lock:
            if self._file.closed:
                return
            self._file.write(line + "\n")
            self._file.flush()
            self.written += 1


def _as_dict(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    dump = getattr(value, "model_dump", None)
    return dump() if callable(dump) else {}


def _decision(decision: Any) -> dict[str, Any]:
    data = _as_dict(decision)
    ranked = [r.get("model_id") for r in (_as_dict(r) for r in data.get("ranked") or [])]
    return {
        "ranked": ranked,
        "category": data.get("category"),
        "classifier": data.get("classifier"),
        "preference": data.get("preference"),
        "confidence": data.get("confidence"),
        "estimated_input_tokens": data.get("input_tokens"),
    }


def _attempt(attempt: Any) -> dict[str, Any]:
    """An attempt's fields, whatever they are (other parts add some), minus its message."""
    return {k: v for k, v in _as_dict(attempt).items() if k not in _SKIPPED_ATTEMPT_FIELDS}


def _prompt(prompt: Any) -> list[dict[str, Any]]:
    messages = prompt.get("messages", []) if isinstance(prompt, dict) else prompt
    out: list[dict[str, Any]] = []
    for message in messages or []:
        if isinstance(message, BaseMessage):
            out.append({"role": message.type, "content": message.text})
        elif isinstance(message, dict):
            out.append({"role": message.get("role"), "content": message.get("content")})
        elif isinstance(message, tuple | list) and len(message) == 2:
            out.append({"role": message[0], "content": message[1]})
        else:
            out.append({"role": "user", "content": str(message)})
    return out
