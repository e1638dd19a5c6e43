"""Hard deadlines for sync and async calls (the HTTP client's timeout is per read)."""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")


class DeadlineExceeded(TimeoutError):
    """A call did not finish within its deadline."""

    def __init__(self, seconds: float, what: str = "call") -> None:
        self.seconds = seconds
        super().__init__(f"{what} did not finish within {seconds:g}s")


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

    threading.Thread(target=work, name="lg-router-call", daemon=True).start()
    if not done.wait(seconds):
        raise DeadlineExceeded(seconds, what)
    if "error" in box:
        raise box["error"]
    return box["value"]


async def await_with_deadline(aw: Awaitable[T], seconds: float, what: str = "call") -> T:
    """Await ``aw``; cancel it and raise :class:`DeadlineExceeded` after ``seconds``."""
    try:
        return await asyncio.wait_for(aw, seconds)
    except asyncio.TimeoutError:
        raise DeadlineExceeded(seconds, what) from None
