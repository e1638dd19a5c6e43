"""Sync deadlines run calls on reused worker threads, and an abandoned call blocks nothing."""

from __future__ import annotations

import contextvars
import threading

import pytest

from lg_router.execution.deadline import DeadlineExceeded, _Workers, run_with_deadline

VAR: contextvars.ContextVar[str] = contextvars.ContextVar("test_deadline_workers", default="unset")


def _workers() -> set[int | None]:
    return {t.ident for t in threading.enumerate() if t.name in (_Workers.IDLE, "lg-router-call")}


def test_consecutive_calls_reuse_worker_threads() -> None:
    run_with_deadline(lambda: None, 5.0)  # a worker exists and is idle now
    before = _workers()  # other tests of the session may have left idle workers too
    idents = {run_with_deadline(threading.get_ident, 5.0) for _ in range(20)}
    assert threading.get_ident() not in idents
    assert idents <= before  # no call started a thread of its own: they ran on waiting workers


def test_an_abandoned_call_does_not_delay_the_next_one() -> None:
    release = threading.Event()
    with pytest.raises(DeadlineExceeded):
        run_with_deadline(lambda: release.wait(10), 0.05)
    try:
        # the busy worker is still waiting: the next call gets another thread at once
        assert run_with_deadline(lambda: "next", 5.0) == "next"
        busy = [t for t in threading.enumerate() if t.name == "lg-router-call"]
        assert len(busy) == 1
    finally:
        release.set()


def test_the_callers_context_and_errors_cross_the_thread() -> None:
    token = VAR.set("caller")
    try:
        assert run_with_deadline(VAR.get, 5.0) == "caller"
    finally:
        VAR.reset(token)
    with pytest.raises(ZeroDivisionError):
        run_with_deadline(lambda: 1 / 0, 5.0)
