"""A streamed attempt under the time model, with an optional hedge.

:class:`StreamRace` is the logic, free of I/O: it takes what the model streams (chunks,
the end, an error) and the clock, applies ``first_token_timeout`` (per stream, from its
start), ``idle_timeout`` (between two chunks once the winner produces) and what is left
of ``total_timeout``, starts the hedge when the first stream has no token by
``hedge_after``, and says what reaches the caller through each stream's
:class:`~lg_router.execution.relay.Relay`. :mod:`~lg_router.execution.drive` runs it,
sync (worker threads, a queue) or async (tasks, cancelled when abandoned).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, message_chunk_to_message
from langchain_core.runnables import RunnableConfig

from lg_router.execution.deadline import AttemptTimes, DeadlineExceeded
from lg_router.execution.relay import Relay, has_token, named_once

FINISH_KEYS = ("finish_reason", "stop_reason", "done_reason")


class StreamCutError(ConnectionError):
    """A stream ended without a finish reason: the answer is truncated (a failed attempt)."""


Event = tuple[Literal["chunk", "end", "error"], int, Any]


@dataclass
class Source:
    """One model's stream within an attempt (the model itself, or its hedge)."""

    index: int
    model_id: str
    model: Any
    messages: list[BaseMessage]
    config: RunnableConfig
    relay: Relay
    needs_finish: bool
    started: float = 0.0
    first_token: float | None = None
    last_chunk: float = 0.0
    ended: float | None = None
    chunks: list[AIMessageChunk] = field(default_factory=list)
    finished: bool = False
    outcome: Literal["running", "ok", "failed", "hedged", "pending"] = "pending"
    error: BaseException | None = None

    @property
    def live(self) -> bool:
        return self.outcome == "running"

    @property
    def seconds(self) -> float:
        return (self.ended or time.monotonic()) - self.started

    @property
    def first_token_seconds(self) -> float | None:
        return None if self.first_token is None else self.first_token - self.started

    def message(self) -> AIMessage:
        """The whole answer of this stream (its chunks merged)."""
        if not self.chunks:
            return AIMessage(content="")
        chunks = named_once(self.chunks)
        total = chunks[0]
        for chunk in chunks[1:]:
            total = total + chunk
        message = message_chunk_to_message(total)
        return message if isinstance(message, AIMessage) else AIMessage(content=message.content)


@dataclass
class Step:
    """What the driver does after one event: open the winner's relay, emit, cancel."""

    opened: Source | None = None
    emit: list[AIMessageChunk] = field(default_factory=list)
    cancel: list[Source] = field(default_factory=list)


class StreamRace:
    """The attempt's streams and the rules of the time model (see the module docstring)."""

    def __init__(
        self,
        times: AttemptTimes,
        sources: list[Source],
        *,
        hedge_after: float | None,
        check: Callable[[AIMessage], Any] | None = None,
        may_hedge: Callable[[], bool] | None = None,
    ) -> None:
        self.check = check
        self.may_hedge = may_hedge
        self.times = times
        self.sources = sources
        self.hedge_after = hedge_after if len(sources) > 1 else None
        self.winner: Source | None = None
        self.t0 = time.monotonic()

    def start(self, source: Source, now: float) -> None:
        source.started = source.last_chunk = now
        source.outcome = "running"

    @property
    def done(self) -> bool:
        if self.winner is not None:
            return not self.winner.live
        return not any(s.live for s in self.sources) and not self.hedge_due_later

    @property
    def hedge_due_later(self) -> bool:
        return self.hedge_after is not None and self.sources[1].outcome == "pending" and self.sources[0].live

    def hedge_due(self, now: float) -> Source | None:
        """The hedge to start now, if its time has come (and ``may_hedge`` allows it)."""
        if self.hedge_due_later and self.winner is None and now >= self.t0 + self.hedge_after:  # type: ignore[operator]
            if self.may_hedge is not None and not self.may_hedge():
                self.hedge_after = None  # over the retry budget: wait for the first model alone
                return None
            return self.sources[1]
        return None

    def wait(self, now: float) -> float:
        """Seconds until the next time limit (or the hedge's start)."""
        limits = [self._limit(s) for s in self.sources if s.live]
        if self.hedge_due_later and self.winner is None:
            limits.append(self.t0 + self.hedge_after)  # type: ignore[operator]
        return max(min(limits, default=now) - now, 0.0)

    def _limit(self, source: Source) -> float:
        limit = (
            source.started + self.times.first_token
            if source.first_token is None
            else source.last_chunk + self.times.idle
        )
        if self.times.remaining is not None:
            limit = min(limit, self.t0 + self.times.remaining)
        return limit

    def step(self, event: Event | None, now: float) -> Step:
        step = Step()
        if event is not None:
            kind, index, payload = event
            source = self.sources[index]
            if source.live:
                if kind == "chunk":
                    self._chunk(source, payload, now, step)
                elif kind == "end":
                    self._end(source, now, step)
                else:
                    self._fail(source, payload, now)
        for source in self.sources:
            if source.live and now >= self._limit(source):
                self._fail(source, self._timeout(source, now), now)
        return step

    def _timeout(self, source: Source, now: float) -> DeadlineExceeded:
        if self.times.remaining is not None and now >= self.t0 + self.times.remaining:
            return DeadlineExceeded(
                self.times.remaining, f"{source.model_id}: the request's total_timeout left"
            )
        if source.first_token is None:
            return DeadlineExceeded(self.times.first_token, f"{source.model_id}: first token")
        return DeadlineExceeded(self.times.idle, f"{source.model_id}: stream idle, next chunk")

    def _chunk(self, source: Source, chunk: Any, now: float, step: Step) -> None:
        if not isinstance(chunk, AIMessageChunk):
            return
        source.chunks.append(chunk)
        source.last_chunk = now
        if any(chunk.response_metadata.get(k) for k in FINISH_KEYS):
            source.finished = True
        if has_token(chunk) and source.first_token is None:
            source.first_token = now
            if self.winner is None:
                self._win(source, step)
        if source is self.winner:
            step.emit.extend(source.relay.pieces(chunk))

    def _win(self, source: Source, step: Step) -> None:
        self.winner = source
        step.opened = source
        for other in self.sources:
            if other is not source and other.live:
                other.outcome = "hedged"
                other.ended = time.monotonic()
                step.cancel.append(other)

    def _end(self, source: Source, now: float, step: Step) -> None:
        if source.needs_finish and not source.finished:
            err = StreamCutError(f"{source.model_id}: the stream ended without a finish reason (truncated)")
            self._fail(source, err, now)
            return
        if self.check is not None:
            try:
                self.check(source.message())  # e.g. the structured-output tool call parses
            except Exception as exc:
                self._fail(source, exc, now)
                return
        if self.winner is None:
            self._win(source, step)
        source.outcome = "ok"
        source.ended = now
        step.emit.extend(source.relay.closing())

    def _fail(self, source: Source, error: BaseException, now: float) -> None:
        source.outcome = "failed"
        source.error = error
        source.ended = now
