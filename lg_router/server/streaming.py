"""Streamed answers: the graph's token events as OpenAI ``chat.completion.chunk`` events.

The graph runs in a task of its own and hands its events over a queue, so a client that
leaves cancels the run (and its model call) at once, whatever cancel scope the server
runs the response in.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from lg_router.decision import Attempt, RoutingDecision
from lg_router.runnable.runs import TokenStream, final_answer, from_call_node
from lg_router.server import replies
from lg_router.server.outcome import Outcome, attempt_headers, decision_headers, redact
from lg_router.server.wire import ChatRequest, WireError

CALL_PREFIX_LEN = len("call ")


async def open_stream(
    events: AsyncIterator[Any],
    request: ChatRequest,
    *,
    fail: Callable[[Exception, float], WireError],
    report: Callable[[Outcome], None],
) -> StreamReply:
    """Run ``events`` (the graph's ``messages``/``values`` stream) until its first token.

    Nothing is sent before that, so a request that fails before any token gets a proper
    HTTP error, and the headers carry the decision.

    Args:
        events: ``graph.astream(..., stream_mode=["messages", "values"])``.
        request: the parsed request.
        fail: reports a failure (with the run's start time) and returns its HTTP error.
        report: reports a finished stream.

    Raises:
        WireError: the request failed before its first token.
    """
    started = time.perf_counter()
    pump = _Pump(events)
    sse = _SSE(request, replies.completion_id())
    first: list[bytes] = []
    finished = False
    try:
        while not first:
            item = await pump.next()
            if item is None:
                finished = True
                first.extend(sse.close())
                break
            first.extend(sse.take(*item))
    except BaseException as exc:
        pump.cancel()
        if isinstance(exc, Exception):
            raise fail(exc, started) from None
        raise
    headers = decision_headers(sse.decision, request.requested)
    if finished:
        headers.update(attempt_headers(sse.attempts))
    return StreamReply(
        request,
        pump,
        sse,
        first,
        finished=finished,
        started=started,
        headers=headers,
        fail=fail,
        report=report,
    )


_END = object()
_RUNNING: set[asyncio.Task[None]] = set()  # strong references: the loop keeps only weak ones


class _Pump:
    """Drives the graph's event stream in its own task, handing events over a queue."""

    def __init__(self, events: AsyncIterator[Any]) -> None:
        self._queue: asyncio.Queue[Any] = asyncio.Queue()
        self._task = asyncio.create_task(self._run(events))
        _RUNNING.add(self._task)
        self._task.add_done_callback(_RUNNING.discard)

    async def _run(self, events: AsyncIterator[Any]) -> None:
        try:
            async for item in events:
                self._queue.put_nowait(item)
            self._queue.put_nowait(_END)
        except Exception as exc:
            self._queue.put_nowait(exc)

    async def next(self) -> tuple[str, Any] | None:
        """The next ``(mode, data)`` event, ``None`` at the end; re-raises the run's error."""
        item = await self._queue.get()
        if item is _END:
            return None
        if isinstance(item, Exception):
            raise item
        return item

    def cancel(self) -> None:
        """Stop the run (its model call is cancelled); a finished run is left as it is."""
        if not self._task.done():
            self._task.cancel()


class StreamReply:
    """The rest of a streamed answer: iterate it for SSE bytes, then :meth:`close` it.

    :meth:`close` is idempotent and also runs when the client left before the body was
    iterated at all: the graph run is cancelled and the request is reported once
    (``499`` when the stream did not end).
    """

    def __init__(
        self,
        request: ChatRequest,
        events: _Pump,
        sse: _SSE,
        first: list[bytes],
        *,
        finished: bool,
        started: float,
        headers: dict[str, str],
        fail: Callable[[Exception, float], WireError],
        report: Callable[[Outcome], None],
    ) -> None:
        self.fail = fail
        self.report = report
        self.request = request
        self.events = events
        self.sse = sse
        self.first = first
        self.finished = finished
        self.started = started
        self.headers = headers
        self.status = 499  # until the stream ends: the client went away
        self._closed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            for piece in self.first:
                yield piece
            if not self.finished:
                while (item := await self.events.next()) is not None:
                    for piece in self.sse.take(*item):
                        yield piece
                for piece in self.sse.close():
                    yield piece
            self.status = 200
        except Exception as exc:  # after the first token: report it in the stream
            error = self.fail(exc, self.started)
            self.status = error.status
            self._closed = True  # reported by _failed
            yield replies.sse(error.body())
        finally:
            self.close()

    def close(self) -> None:
        """Cancel the graph run if it is still going and report the outcome (once)."""
        self.events.cancel()
        if self._closed:
            return
        self._closed = True
        seconds = time.perf_counter() - self.started
        sse = self.sse
        self.report(Outcome(self.request, sse.decision, sse.attempts, seconds, self.status, sse.answered))


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
        delta = replies.delta_of(chunk.message, first=not self.started)  # type: ignore[arg-type]
        if delta is None:
            return []
        self.started = True
        return [replies.sse(replies.chunk_body(self.cid, model, delta=delta))]

    def close(self) -> list[bytes]:
        """The closing events: finish reason with the routing field, usage, ``[DONE]``."""
        answer = final_answer(self.tokens.final)
        self.answered = answer.response_metadata.get("model_name")
        attempts = self.attempts
        pieces = []
        if not self.started:  # an empty answer still opens the assistant message
            pieces.append(
                replies.sse(
                    replies.chunk_body(
                        self.cid, self.answered or "", delta={"role": "assistant", "content": ""}
                    )
                )
            )
        extra = {"lg_router": replies.routing_field(self.decision, attempts)}
        pieces.append(
            replies.sse(
                replies.chunk_body(
                    self.cid, self.answered or "", finish=replies.finish_reason(answer), extra=extra
                )
            )
        )
        if self.request.include_usage:
            usage_chunk = replies.chunk_body(
                self.cid, self.answered or "", extra={"usage": replies.usage_of(attempts)}
            )
            usage_chunk["choices"] = []
            pieces.append(replies.sse(usage_chunk))
        pieces.append(replies.sse("[DONE]"))
        return pieces
