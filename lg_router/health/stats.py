"""What the last calls of one model measured: EWMAs, a sliding error window, percentiles.

Pure bookkeeping with the time passed in, so tests drive it with a fake clock.
"""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field

from lg_router.decision import Attempt

EWMA_ALPHA = 0.2
LATENCY_SAMPLES = 50


@dataclass(frozen=True)
class Outcome:
    """One finished attempt as health sees it.

    Attributes:
        ok: the model answered.
        counts: a failure that belongs to the model or its provider (timeouts, 429/5xx,
            connection errors, broken streams); errors of the request itself do not.
        kind: ``ok``, ``timeout``, ``rate_limited`` or ``error``.
        seconds: wall time of the attempt.
        first_token: seconds to the first streamed token, when known.
        output_tokens: tokens the model produced, when reported.
        retry_after: the provider's ``Retry-After`` in seconds, when given.
    """

    ok: bool
    counts: bool
    kind: str
    seconds: float
    first_token: float | None = None
    output_tokens: int | None = None
    retry_after: float | None = None

    @classmethod
    def of(cls, attempt: Attempt) -> Outcome:
        """Read an :class:`Attempt`; fields other parts add later are read when present."""
        retry_after = getattr(attempt, "retry_after", None)
        first_token = getattr(attempt, "first_token_seconds", None)
        output = (attempt.usage or {}).get("output_tokens")
        if attempt.outcome == "ok":
            return cls(True, False, "ok", attempt.seconds, first_token, output)
        rate_limited = (
            retry_after is not None
            or "429" in (attempt.error or "")
            or ("RateLimit" in (attempt.error_type or ""))
        )
        guessed = "timeout" if attempt.outcome == "timeout" else ("rate_limited" if rate_limited else "error")
        kind = getattr(attempt, "failure", None) or guessed  # the errors part's class, when present
        counts = (attempt.retryable or attempt.streamed) and not attempt.context_overflow
        return cls(False, counts, kind, attempt.seconds, first_token, None, retry_after)


_KIND_WORDS = {
    "timeout": ("timeout", "timeouts"),
    "rate_limited": ("429", "429s"),
    "overloaded": ("overloaded reply", "overloaded replies"),
    "server": ("server error", "server errors"),
    "connection": ("connection error", "connection errors"),
    "malformed": ("malformed reply", "malformed replies"),
    "model_not_found": ("model-not-found error", "model-not-found errors"),
}


def describe_failures(kinds: Counter[str]) -> str:
    """``"5 timeouts"``, ``"2 timeouts, 1 error"``: a run of failures in words."""
    parts = []
    for kind, n in kinds.most_common():
        one, many = _KIND_WORDS.get(kind, ("error", "errors"))
        parts.append(f"{n} {one if n == 1 else many}")
    return ", ".join(parts)


def _ewma(old: float | None, value: float) -> float:
    return value if old is None else old + EWMA_ALPHA * (value - old)


def quantile(values: list[float], q: float) -> float:
    """The ``q`` quantile of ``values`` (nearest rank)."""
    ordered = sorted(values)
    idx = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[idx]


@dataclass
class ModelStats:
    """Running measurements of one model.

    Args:
        window: seconds of history the error rate looks at.
    """

    window: float = 60.0
    ewma_first_token: float | None = None
    ewma_latency: float | None = None
    ewma_tokens_per_second: float | None = None
    consecutive_failures: int = 0
    streak_started: float | None = None
    streak_kinds: Counter[str] = field(default_factory=Counter)
    last_retry_after: float | None = None
    calls: int = 0
    _events: deque[tuple[float, bool]] = field(default_factory=deque)
    _latencies: deque[float] = field(default_factory=lambda: deque(maxlen=LATENCY_SAMPLES))
    _first_tokens: deque[float] = field(default_factory=lambda: deque(maxlen=LATENCY_SAMPLES))

    def add(self, outcome: Outcome, now: float) -> None:
        """Fold one attempt in (failures that are the request's own fault are not counted)."""
        if not outcome.ok and not outcome.counts:
            return
        self.calls += 1
        self._events.append((now, outcome.ok))
        self._trim(now)
        if outcome.ok:
            self.consecutive_failures = 0
            self.streak_started = None
            self.streak_kinds.clear()
            self.ewma_latency = _ewma(self.ewma_latency, outcome.seconds)
            self._latencies.append(outcome.seconds)
            if outcome.first_token is not None:
                self.ewma_first_token = _ewma(self.ewma_first_token, outcome.first_token)
                self._first_tokens.append(outcome.first_token)
            generating = outcome.seconds - (outcome.first_token or 0.0)
            if outcome.output_tokens and generating > 0:
                rate = outcome.output_tokens / generating
                self.ewma_tokens_per_second = _ewma(self.ewma_tokens_per_second, rate)
            return
        if self.consecutive_failures == 0:
            self.streak_started = now - outcome.seconds
        self.consecutive_failures += 1
        self.streak_kinds[outcome.kind] += 1
        if outcome.retry_after is not None:
            self.last_retry_after = outcome.retry_after

    def _trim(self, now: float) -> None:
        while self._events and self._events[0][0] < now - self.window:
            self._events.popleft()

    def window_counts(self, now: float) -> tuple[int, int]:
        """``(calls, failures)`` in the sliding window ending at ``now``."""
        self._trim(now)
        failures = sum(1 for _, ok in self._events if not ok)
        return len(self._events), failures

    def error_rate(self, now: float) -> float | None:
        """Failed share of the calls in the window (``None`` without calls)."""
        calls, failures = self.window_counts(now)
        return failures / calls if calls else None

    def streak(self, now: float) -> str:
        """The current run of failures in words: ``"5 timeouts in 30 s"``."""
        span = max(1.0, now - (self.streak_started if self.streak_started is not None else now))
        return f"{describe_failures(self.streak_kinds)} in {span:.0f} s"

    def latency(self) -> tuple[str, list[float]]:
        """``("first token" | "latency", samples)``: first-token times when known, else totals."""
        if self._first_tokens:
            return "first token", list(self._first_tokens)
        return "latency", list(self._latencies)

    def percentiles(self) -> tuple[float | None, float | None]:
        """p50 and p95 of the recent total latencies of successful calls."""
        if not self._latencies:
            return None, None
        values = list(self._latencies)
        return quantile(values, 0.5), quantile(values, 0.95)

    def recent_latencies(self) -> list[float]:
        """The last successful calls' latencies (at most 50), oldest first."""
        return list(self._latencies)


@dataclass(frozen=True)
class Measured:
    """A latency a ranking may use instead of the catalog's speed hint."""

    what: str
    p50: float
    samples: int

    @property
    def words(self) -> str:
        """``"p50 first token 0.8 s over the last 50 calls"``."""
        return f"p50 {self.what} {self.p50:.2g} s over the last {self.samples} calls"


def measured(stats: ModelStats, min_samples: int) -> Measured | None:
    """The model's measured latency, once it has at least ``min_samples`` successful calls."""
    what, values = stats.latency()
    if len(values) < max(1, min_samples):
        return None
    return Measured(what, quantile(values, 0.5), len(values))
