"""Retrying within limits: the same model after a short Retry-After, and a retry budget.

* A 429/503 whose ``Retry-After`` is at most ``max_retry_wait`` and fits in what is left
  of the model's deadline is retried on the same model (``retries`` times) before the
  router falls back; the wait and the retry count against that deadline, so a run never
  takes longer than the sum of its models' deadlines.
* :class:`RetryBudget` caps fallbacks and retries at a fraction of the recent first
  attempts (as Envoy's and gRPC's retry budgets do), so that under overload the router
  does not multiply the load it sends upstream.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Sequence
from typing import Any

from langchain_core.exceptions import OutputParserException

from lg_router.decision import Attempt
from lg_router.errors import InvalidOptionError
from lg_router.execution.errors import RETRY_SAME_KINDS

# A retry needs at least this much of the deadline left after its wait to be worth sending.
MIN_RETRY_SECONDS = 0.05


def used_seconds(attempts: Sequence[Attempt], model_id: str) -> float:
    """Seconds ``model_id`` has used in this run: its attempts and the waits between them.

    Called when its last attempt is being retried: each earlier try of it was followed by
    a wait, and the one being retried is about to be.
    """
    same = [a for a in attempts if a.model_id == model_id]
    return sum(a.seconds + (a.retry_after or 0.0) for a in same)


def remaining_seconds(state: Any, model_id: str, seconds: float) -> float:
    """The deadline of ``model_id``'s next attempt: ``seconds`` less what it already used."""
    attempts = list(state.get("attempts") or [])
    if not any(a.model_id == model_id for a in attempts):
        return seconds
    return max(seconds - used_seconds(attempts, model_id), MIN_RETRY_SECONDS)


def retry_wait(
    attempts: Sequence[Attempt],
    deadline: float,
    *,
    retries: int,
    max_wait: float,
    total_left: float | None = None,
) -> float | None:
    """Seconds to wait before retrying the last attempt's model, or ``None`` to fall back.

    Args:
        attempts: this run's attempts, the failed one last.
        deadline: that model's deadline for the whole run (its ``timeout``).
        retries: how many retries of one model are allowed.
        max_wait: the longest ``Retry-After`` honoured.
        total_left: what is left of the request's ``total_timeout``, if it has one.
    """
    last = attempts[-1]
    if last.failure not in RETRY_SAME_KINDS or last.retry_after is None or last.streamed:
        return None
    tries = sum(1 for a in attempts if a.model_id == last.model_id)
    if tries > retries or last.retry_after > max_wait:
        return None
    left = deadline - used_seconds(attempts, last.model_id)  # includes this wait
    if total_left is not None:  # the request's total_timeout: never sleep past it either
        left = min(left, total_left - last.retry_after)
    return last.retry_after if left >= MIN_RETRY_SECONDS else None


def check_answer(answer: Any, options: Any) -> Any:
    """Fail the attempt when the run needs a parsed answer and this one does not parse.

    ``options.answer_parser`` (set by ``with_structured_output``) must turn the answer into
    a value; ``None`` (no tool call) or a parse error is the model's failure, so the router
    falls back to the next ranked model.

    Raises:
        OutputParserException: naming what was wrong with the answer.
    """
    parser = getattr(options, "answer_parser", None)
    if parser is None:
        return answer
    try:
        parsed = parser.invoke(_repeated_names_fixed(answer, parser))
    except Exception as exc:
        msg = f"the answer does not match the structured-output schema: {exc}"
        raise OutputParserException(msg) from exc
    if parsed is None:
        msg = "the model answered without calling the structured-output tool"
        raise OutputParserException(msg)
    return answer


def _repeated_names_fixed(answer: Any, parser: Any) -> Any:
    """The answer with tool-call names like ``"JokeJokeJoke"`` read as ``"Joke"``.

    Some OpenAI-compatible servers (llama.cpp's) repeat a tool call's name on every
    streamed chunk, and merging the chunks concatenates it; the caller's stream gets
    the name once (see ``runnable.runs.TokenStream``), so the check reads it the same way.
    """
    calls = getattr(answer, "tool_calls", None)
    candidates = [getattr(parser, "key_name", None)]
    candidates += [t.__name__ for t in getattr(parser, "tools", None) or []]
    names: list[str] = [n for n in candidates if isinstance(n, str) and n]
    if not calls or not names:
        return answer
    fixed = []
    for call in calls:
        name = call.get("name") or ""
        for n in names:
            if name != n and len(name) % len(n) == 0 and name == n * (len(name) // len(n)):
                call = {**call, "name": n}
        fixed.append(call)
    return answer.model_copy(update={"tool_calls": fixed})


class RetryBudget:
    """Fallbacks and retries may not exceed ``ratio`` of the recent first attempts.

    Counts first attempts and extra attempts (retries on the same model and fallbacks)
    over a sliding ``window`` of seconds; an extra attempt is allowed while
    ``extra < min_retries + ratio * first``. ``min_retries`` lets a quiet router fall
    back at all. Thread-safe; share one instance between routers to share the budget.

    Args:
        ratio: the fraction, in ``[0, 1]`` (default 0.2, as Envoy and gRPC).
        min_retries: extra attempts allowed per window whatever the traffic.
        window: seconds of history that count.
    """

    def __init__(self, ratio: float = 0.2, *, min_retries: int = 10, window: float = 10.0) -> None:
        if isinstance(ratio, bool) or not isinstance(ratio, int | float) or not 0 <= ratio <= 1:
            msg = f"retry budget ratio must be a number in [0, 1], got {ratio!r}"
            raise InvalidOptionError(msg)
        if isinstance(min_retries, bool) or not isinstance(min_retries, int) or min_retries < 0:
            msg = f"retry budget min_retries must be an integer >= 0, got {min_retries!r}"
            raise InvalidOptionError(msg)
        if (
            isinstance(window, bool)
            or not isinstance(window, int | float)
            or not (math.isfinite(window) and window > 0)
        ):
            msg = f"retry budget window must be a positive number of seconds, got {window!r}"
            raise InvalidOptionError(msg)
        self.ratio = float(ratio)
        self.min_retries = min_retries
        self.window = float(window)
        self._slot = self.window / 10
        self._buckets: deque[list[float]] = deque()  # [slot start, first attempts, extra attempts]
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"RetryBudget(ratio={self.ratio}, min_retries={self.min_retries}, window={self.window})"

    def _bucket(self, now: float) -> list[float]:
        while self._buckets and self._buckets[0][0] <= now - self.window:
            self._buckets.popleft()
        if not self._buckets or self._buckets[-1][0] + self._slot <= now:
            self._buckets.append([now, 0.0, 0.0])
        return self._buckets[-1]

    def record_first(self) -> None:
        """Count a routed run's first attempt."""
        with self._lock:
            self._bucket(time.monotonic())[1] += 1

    def try_spend(self) -> bool:
        """Take one extra attempt from the budget; ``False`` when it is spent."""
        with self._lock:
            bucket = self._bucket(time.monotonic())
            first = sum(b[1] for b in self._buckets)
            extra = sum(b[2] for b in self._buckets)
            if extra >= self.min_retries + self.ratio * first:
                return False
            bucket[2] += 1
            return True

    def counts(self) -> tuple[int, int]:
        """``(first attempts, extra attempts)`` in the current window."""
        with self._lock:
            self._bucket(time.monotonic())
            return int(sum(b[1] for b in self._buckets)), int(sum(b[2] for b in self._buckets))


def resolve_budget(budget: RetryBudget | float | None) -> RetryBudget | None:
    """A :class:`RetryBudget` from a ratio, an instance, or ``None`` (no budget)."""
    if budget is None or isinstance(budget, RetryBudget):
        return budget
    return RetryBudget(budget)
