"""Driving a :class:`~lg_router.execution.stream.StreamRace`: sync and async.

:func:`drive_sync` reads each stream in a worker thread and waits on a queue in the
node's thread; :func:`drive_async` reads each stream in a task and cancels the ones
abandoned. Both only wait, start the hedge, forward what the race says to emit, and
cancel; the rules are the race's.
"""

from __future__ import annotations

import asyncio
import contextvars
import queue
import threading
import time

from langchain_core.runnables.config import var_child_runnable_config

from lg_router.execution.stream import Event, Source, StreamRace


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
