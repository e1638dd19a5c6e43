"""A streamed attempt under the time model, with an optional hedge.

:class:`StreamRace` is the logic, free of I/O: it takes what the model streams (chunks,
the end, an error) and the clock, applies ``first_token_timeout`` (per stream, from its
start), ``idle_timeout`` (between two chunks once the winner produces) and what is left
of ``total_timeout``, starts the hedge when the first stream has no token by
``hedge_after``, and says what reaches the caller through each stream's
:class:`~lg_router.execution.relay.Relay`. :func:`drive_sync` (worker threads, a queue)
and :func:`drive_async` (tasks, cancelled when abandoned) only wait and forward.
"""

from __future__ import annotations

import asyncio
import contextvars
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, message_chunk_to_message
from langchain_core.runnables import RunnableConfig
from langchain_core.runnables.config import var_child_runnable_config

from lg_router.execution.deadline import AttemptTimes, DeadlineExceeded
from lg_router.execution.relay import Relay, has_token

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
        total = self.chunks[0]
        for chunk in self.chunks[1:]:
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
    ) -> None:
        self.check = check
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
        """The hedge to start now, if its time has come."""
        if self.hedge_due_later and self.winner is None and now >= self.t0 + self.hedge_after:  # type: ignore[operator]
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


def _produce_sync(source: Source, events: queue.Queue[Event], stop: threading.Event) -> None:
    # The node's ambient config would bring the stream consumers back (a RunnableBinding
    # merges it in); this thread's context is a copy, so clearing it here is local.
    var_child_runnable_config.set(None)
    iterator = source.model.stream(source.messages, source.config)
    try:
        for chunk in iterator:
            if stop.is_set():
                return
            events.put(("chunk", source.index, chunk))
        events.put(("end", source.index, None))
    except BaseException as exc:  # handed to the race, which records it
        events.put(("error", source.index, exc))
    finally:
        iterator.close()


def drive_sync(race: StreamRace) -> None:
    """Run the race in this thread; each stream is read by a worker thread.

    An abandoned worker stops at its next chunk, or when the HTTP client's per-read
    timeout (``AttemptTimes.read``) ends a stalled read.
    """
    events: queue.Queue[Event] = queue.Queue()
    stops: dict[int, threading.Event] = {}

    def start(source: Source) -> None:
        stops[source.index] = threading.Event()
        race.start(source, time.monotonic())
        ctx = contextvars.copy_context()
        args = (_produce_sync, source, events, stops[source.index])
        threading.Thread(target=ctx.run, args=args, name="lg-router-stream", daemon=True).start()

    start(race.sources[0])
    try:
        while not race.done:
            hedge = race.hedge_due(time.monotonic())
            if hedge is not None:
                start(hedge)
            try:
                event: Event | None = events.get(timeout=race.wait(time.monotonic()) + 0.001)
            except queue.Empty:
                event = None
            step = race.step(event, time.monotonic())
            for source in step.cancel:
                stops[source.index].set()
            if step.opened is not None:
                step.opened.relay.open()
            if step.emit:
                race.winner.relay.emit(step.emit)  # type: ignore[union-attr]
    finally:
        for stop in stops.values():
            stop.set()
        if race.winner is not None:
            race.winner.relay.close(
                race.winner.message() if race.winner.outcome == "ok" else None, race.winner.error
            )


async def _produce_async(source: Source, events: asyncio.Queue[Event]) -> None:
    var_child_runnable_config.set(None)  # see _produce_sync; a task's context is a copy
    try:
        async for chunk in source.model.astream(source.messages, source.config):
            events.put_nowait(("chunk", source.index, chunk))
        events.put_nowait(("end", source.index, None))
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # handed to the race, which records it
        events.put_nowait(("error", source.index, exc))


async def drive_async(race: StreamRace) -> None:
    """Run the race as tasks; an abandoned stream's task is cancelled (its request closed)."""
    events: asyncio.Queue[Event] = asyncio.Queue()
    tasks: dict[int, asyncio.Task[None]] = {}

    def start(source: Source) -> None:
        race.start(source, time.monotonic())
        tasks[source.index] = asyncio.ensure_future(_produce_async(source, events))

    start(race.sources[0])
    try:
        while not race.done:
            hedge = race.hedge_due(time.monotonic())
            if hedge is not None:
                start(hedge)
            event: Event | None
            try:
                event = events.get_nowait()
            except asyncio.QueueEmpty:
                try:
                    event = await asyncio.wait_for(events.get(), race.wait(time.monotonic()) + 0.001)
                except asyncio.TimeoutError:
                    event = None
            step = race.step(event, time.monotonic())
            for source in step.cancel:
                tasks[source.index].cancel()
            if step.opened is not None:
                await step.opened.relay.aopen()
            if step.emit:
                await race.winner.relay.aemit(step.emit)  # type: ignore[union-attr]
    finally:
        for task in tasks.values():
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks.values(), return_exceptions=True)
        if race.winner is not None:
            await race.winner.relay.aclose(
                race.winner.message() if race.winner.outcome == "ok" else None, race.winner.error
            )
