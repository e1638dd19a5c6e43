"""The time model of an attempt, and hard deadlines for sync and async calls.

The HTTP client's own timeout is per read; these deadlines bound a whole call.
"""

from __future__ import annotations

import asyncio
import contextvars
import itertools
import queue
import threading
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from lg_router.catalog import ModelCatalog
    from lg_router.decision import Attempt
    from lg_router.state import RunOptions

T = TypeVar("T")
_TIMEOUT = getattr(asyncio, "timeout", None)  # Python 3.11+


class DeadlineExceeded(TimeoutError):
    """A call did not finish within its deadline."""

    def __init__(self, seconds: float, what: str = "call") -> None:
        self.seconds = seconds
        super().__init__(f"{what} did not finish within {seconds:g}s")


@dataclass(frozen=True)
class AttemptTimes:
    """How long one attempt may take.

    Attributes:
        timeout: a non-streamed call's whole answer.
        first_token: a streamed call, until its first content or tool-call chunk.
        idle: a streamed call, the longest gap between two chunks once it has started;
            a stream that keeps producing is never cut.
        remaining: what is left of the request's ``total_timeout`` (``None``: no cap).
    """

    timeout: float
    first_token: float
    idle: float
    remaining: float | None = None

    @property
    def call(self) -> float:
        """The deadline of a non-streamed call."""
        return self.timeout if self.remaining is None else min(self.timeout, self.remaining)

    @property
    def read(self) -> float:
        """The HTTP client's per-read timeout: ends an abandoned sync call soon after."""
        longest = max(self.timeout, self.first_token, self.idle)
        return longest if self.remaining is None else min(longest, self.remaining)


def waited_seconds(attempts: Sequence[Attempt]) -> float:
    """Seconds the run slept before same-model retries (each honoured ``Retry-After``)."""
    return sum(a.retry_after or 0.0 for a, b in itertools.pairwise(attempts) if b.model_id == a.model_id)


def attempt_times(
    options: RunOptions,
    catalog: ModelCatalog,
    model_id: str,
    router: Mapping[str, float | None],
    attempts: Sequence[Attempt] = (),
) -> AttemptTimes:
    """Resolve an attempt's times: the run's options, then the model's, then the router's
    keywords, then the catalog's defaults.

    ``total_timeout`` is spent by the attempts already made in this request (a hedged
    attempt ran alongside another and adds nothing).
    """
    spec = catalog[model_id]
    timeout = options.timeout or spec.timeout or router.get("timeout") or catalog.default_timeout
    first = (
        options.first_token_timeout
        or spec.first_token_timeout
        or router.get("first_token_timeout")
        or catalog.default_first_token_timeout
        or timeout
    )
    idle = (
        options.idle_timeout
        or spec.idle_timeout
        or router.get("idle_timeout")
        or catalog.default_idle_timeout
    )
    remaining = None
    if options.total_timeout is not None:
        spent = sum(a.seconds for a in attempts if a.outcome != "hedged") + waited_seconds(attempts)
        remaining = max(options.total_timeout - spent, 0.0)
    return AttemptTimes(timeout=timeout, first_token=first, idle=idle, remaining=remaining)


class _Workers:
    """Daemon threads that run sync calls under a deadline, kept for reuse.

    Starting a thread per call costs more than the rest of the deadline's work; a worker
    that finished waits ``IDLE_SECONDS`` for the next call. A call never waits for a
    worker: when none is idle (all are busy, some maybe with calls abandoned at their
    deadline) a new one starts. A worker is named ``lg-router-call`` while it runs a
    call and ``idle worker (lg-router deadlines)`` while it waits.
    """

    IDLE_SECONDS = 30.0
    BUSY = "lg-router-call"
    IDLE = "idle worker (lg-router deadlines)"

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._idle = 0  # idle workers not yet claimed by a submitted job

    def submit(self, job: Callable[[], None]) -> None:
        with self._lock:
            claimed = self._idle > 0
            if claimed:
                self._idle -= 1
        self._jobs.put(job)
        if not claimed:
            threading.Thread(target=self._work, name=self.BUSY, daemon=True).start()

    def _work(self) -> None:
        me = threading.current_thread()
        while True:
            try:
                job = self._jobs.get(timeout=self.IDLE_SECONDS)
            except queue.Empty:
                with self._lock:
                    if self._idle > 0:  # not claimed: leave (a claimed one takes its job)
                        self._idle -= 1
                        return
                continue
            me.name = self.BUSY
            job()  # never raises: the job keeps its own outcome
            me.name = self.IDLE
            with self._lock:
                self._idle += 1


_WORKERS = _Workers()


def run_with_deadline(fn: Callable[[], T], seconds: float, what: str = "call") -> T:
    """Run ``fn`` in a worker thread (keeping context vars); give up after ``seconds``.

    The worker is abandoned on timeout; callers make it stop soon after (the HTTP
    client's own timeout, a callback that raises once the deadline passed).
    """
    ctx = contextvars.copy_context()
    box: dict[str, Any] = {}
    done = threading.Event()

    def work() -> None:
        try:
            box["value"] = ctx.run(fn)
        except BaseException as exc:
            box["error"] = exc
        finally:
            done.set()

    _WORKERS.submit(work)
    if not done.wait(seconds):
        raise DeadlineExceeded(seconds, what)
    if "error" in box:
        raise box["error"]
    return box["value"]


async def await_with_deadline(aw: Awaitable[T], seconds: float, what: str = "call") -> T:
    """Await ``aw``; cancel it and raise :class:`DeadlineExceeded` after ``seconds``.

    On Python 3.11+ ``aw`` runs in the caller's task under ``asyncio.timeout``: no task
    of its own (``wait_for`` wraps it in one), so no extra event-loop hop per call and
    fewer objects for the cyclic GC to walk while the call is in flight.
    """
    if _TIMEOUT is None:  # pragma: no cover - Python 3.10
        try:
            return await asyncio.wait_for(aw, seconds)
        except asyncio.TimeoutError:
            raise DeadlineExceeded(seconds, what) from None
    scope = _TIMEOUT(seconds)
    try:
        async with scope:
            return await aw
    except TimeoutError:
        if scope.expired():  # ours; a TimeoutError of the call itself passes as it is
            raise DeadlineExceeded(seconds, what) from None
        raise
