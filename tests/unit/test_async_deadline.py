"""Async deadlines: the call runs in the caller's task, is cancelled at its deadline, and
a TimeoutError of the call itself is not mistaken for the deadline."""

from __future__ import annotations

import asyncio
import sys

import pytest

from lg_router.execution.deadline import DeadlineExceeded, await_with_deadline


async def _current_task() -> asyncio.Task[object] | None:
    return asyncio.current_task()


def test_the_call_runs_in_the_callers_task_without_a_task_of_its_own() -> None:
    async def main() -> None:
        inner = await await_with_deadline(_current_task(), 5.0)
        if sys.version_info >= (3, 11):
            assert inner is asyncio.current_task()

    asyncio.run(main())


def test_a_call_past_its_deadline_is_cancelled_and_raises_deadline_exceeded() -> None:
    cancelled = asyncio.Event()

    async def hang() -> None:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    async def main() -> None:
        with pytest.raises(DeadlineExceeded, match="did not finish within 0.05s"):
            await await_with_deadline(hang(), 0.05, "model x")
        assert cancelled.is_set()
        # the caller's task is not left cancelled: it goes on awaiting normally
        assert await await_with_deadline(asyncio.sleep(0, result="next"), 5.0) == "next"

    asyncio.run(main())


def test_a_timeout_error_of_the_call_itself_passes_unchanged() -> None:
    class ReadTimeout(TimeoutError):
        pass

    async def times_out_itself() -> None:
        raise ReadTimeout("the client's read timeout")

    async def main() -> None:
        with pytest.raises(ReadTimeout):
            await await_with_deadline(times_out_itself(), 5.0)

    asyncio.run(main())


def test_an_outer_cancellation_is_not_turned_into_a_deadline() -> None:
    async def main() -> None:
        task = asyncio.ensure_future(await_with_deadline(asyncio.sleep(30), 10.0))
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
