"""The health interface and its in-process store (the default, ``health="memory"``)."""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from lg_router.decision import Attempt
from lg_router.health.breaker import Breaker, BreakerPolicy, State
from lg_router.health.stats import Measured, ModelStats, Outcome, measured
from lg_router.redaction import get_logger

log = get_logger("lg_router.health")  # records redacted of API keys

Listener = Callable[[str, str, "ModelState"], None]


@dataclass(frozen=True)
class ModelState:
    """One model's health at a moment (what ``lg-router health`` prints)."""

    model_id: str
    breaker: State
    reason: str = ""
    cooldown_left: float = 0.0
    until: float = 0.0
    p50: float | None = None
    p95: float | None = None
    error_rate: float | None = None
    window_calls: int = 0
    consecutive_failures: int = 0
    ewma_first_token: float | None = None
    ewma_latency: float | None = None
    ewma_tokens_per_second: float | None = None
    last_retry_after: float | None = None
    latencies: list[float] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-able data."""
        return asdict(self)


class Health:
    """What the router asks of a health store; every method is cheap and never blocks on I/O."""

    def record(self, attempt: Attempt) -> None:
        """Fold a finished attempt into the model's stats and breaker."""
        raise NotImplementedError

    def check(self, model_ids: Iterable[str], *, claim_ttl: float) -> tuple[dict[str, str], list[str]]:
        """``(unavailable, probes)``: models a request must skip now (why, in words), and
        half-open models whose one probe this request took for ``claim_ttl`` seconds
        (give them back with :meth:`release` if the request does not rank them).
        """
        raise NotImplementedError

    def release(self, model_ids: Iterable[str]) -> None:
        """Give back probes taken by :meth:`unavailable` that the request will not use."""
        raise NotImplementedError

    def measured(self, model_ids: Iterable[str]) -> dict[str, Measured]:
        """Measured latency of the models that have enough samples."""
        raise NotImplementedError

    def states(self) -> list[ModelState]:
        """Every known model's state, sorted by id."""
        raise NotImplementedError

    def close(self) -> None:
        """Stop background work (Redis); the memory store has none."""

    def dump(self, path: str | Path) -> Path:
        """Write :meth:`states` as JSON to ``path`` atomically (``lg-router health --file``)."""
        target = Path(path)
        data = {"written_at": time.time(), "pid": os.getpid(), "models": [s.as_dict() for s in self.states()]}
        fd, tmp = tempfile.mkstemp(dir=target.parent or ".", prefix=".health-", suffix=".json")
        with os.fdopen(fd, "w") as fh:
            json.dump(data, fh, indent=1)
        os.replace(tmp, target)
        return target


class MemoryHealth(Health):
    """Per-process health: thread-safe and task-safe (one lock, never held across I/O).

    Args:
        policy: breaker thresholds for every model.
        per_model: thresholds for some catalog ids instead of ``policy``.
        clock: wall-clock seconds (tests pass a fake one).
        listeners: called as ``fn(model_id, change, state)`` on ``opened``/``reopened``/
            ``closed``/``half_open``, outside the lock.
        dump_to: a JSON file a daemon thread rewrites (at most every ``dump_every`` s,
            only after changes) for ``lg-router health --file``.
        dump_every: seconds between dumps.
    """

    needs_lease = False

    def __init__(
        self,
        policy: BreakerPolicy | None = None,
        *,
        per_model: Mapping[str, BreakerPolicy] | None = None,
        clock: Callable[[], float] = time.time,
        listeners: Iterable[Listener] = (),
        dump_to: str | Path | None = None,
        dump_every: float = 1.0,
    ) -> None:
        self.policy = policy or BreakerPolicy()
        self.dump_to = Path(dump_to) if dump_to is not None else None
        self.dump_every = dump_every
        self._dirty = threading.Event()
        self._dumper: threading.Thread | None = None
        self.per_model = dict(per_model or {})
        self.clock = clock
        self.listeners = list(listeners)
        self._lock = threading.Lock()
        self._stats: dict[str, ModelStats] = {}
        self._breakers: dict[str, Breaker] = {}

    def _policy(self, model_id: str) -> BreakerPolicy:
        return self.per_model.get(model_id, self.policy)

    def _entry(self, model_id: str) -> tuple[ModelStats, Breaker]:
        stats = self._stats.get(model_id)
        if stats is None:
            policy = self._policy(model_id)
            stats = self._stats[model_id] = ModelStats(window=policy.window)
            self._breakers[model_id] = Breaker(policy, needs_lease=self.needs_lease)
        return stats, self._breakers[model_id]

    def record(self, attempt: Attempt) -> None:
        outcome = Outcome.of(attempt)
        now = self.clock()
        with self._lock:
            stats, breaker = self._entry(attempt.model_id)
            stats.add(outcome, now)
            change = breaker.observe(outcome, stats, now)
            self._observed(attempt.model_id, outcome)
            if change:
                self._changed(attempt.model_id, breaker)
        if change:
            self._announce(attempt.model_id, change)
        if self.dump_to is not None:
            self._dirty.set()
            if self._dumper is None:
                self._start_dumper()

    def _start_dumper(self) -> None:
        with self._lock:
            if self._dumper is not None:
                return
            self._dumper = threading.Thread(target=self._dump_loop, name="health-dump", daemon=True)
            self._dumper.start()

    def _dump_loop(self) -> None:
        while True:
            self._dirty.wait()
            self._dirty.clear()
            try:
                self.dump(self.dump_to)  # type: ignore[arg-type]
            except OSError as exc:
                log.warning("lg-router health: cannot write %s (%s); not dumping any more", self.dump_to, exc)
                return
            time.sleep(self.dump_every)

    def _changed(self, model_id: str, breaker: Breaker) -> None:
        """Hook for stores that share state: a breaker changed (called under the lock)."""

    def _observed(self, model_id: str, outcome: Outcome) -> None:
        """Hook for stores that share state: an outcome was recorded (under the lock)."""

    def check(self, model_ids: Iterable[str], *, claim_ttl: float) -> tuple[dict[str, str], list[str]]:
        now = self.clock()
        out: dict[str, str] = {}
        probes: list[str] = []
        half_open: list[str] = []
        with self._lock:
            for model_id in model_ids:
                breaker = self._breakers.get(model_id)
                if breaker is None:
                    self._entry(model_id)
                    continue
                if breaker.state == "closed":
                    continue
                was = breaker.state
                reason = breaker.verdict(now, claim_ttl=claim_ttl)
                if was == "open" and breaker.state == "half_open":
                    half_open.append(model_id)
                if reason is not None:
                    out[model_id] = reason
                else:
                    probes.append(model_id)
        for model_id in half_open:
            self._announce(model_id, "half_open")
        return out, probes

    def release(self, model_ids: Iterable[str]) -> None:
        with self._lock:
            for model_id in model_ids:
                breaker = self._breakers.get(model_id)
                if breaker is not None:
                    breaker.release()

    def measured(self, model_ids: Iterable[str]) -> dict[str, Measured]:
        out: dict[str, Measured] = {}
        with self._lock:
            for model_id in model_ids:
                stats = self._stats.get(model_id)
                if stats is not None and stats.calls:
                    value = measured(stats, self._policy(model_id).min_samples)
                    if value is not None:
                        out[model_id] = value
        return out

    def _state(self, model_id: str, now: float) -> ModelState:
        stats, breaker = self._stats[model_id], self._breakers[model_id]
        p50, p95 = stats.percentiles()
        calls, _ = stats.window_counts(now)
        return ModelState(
            model_id=model_id,
            breaker=breaker.current(now),
            reason=breaker.reason,
            cooldown_left=round(breaker.seconds_left(now), 3),
            until=breaker.until,
            p50=p50,
            p95=p95,
            error_rate=stats.error_rate(now),
            window_calls=calls,
            consecutive_failures=stats.consecutive_failures,
            ewma_first_token=stats.ewma_first_token,
            ewma_latency=stats.ewma_latency,
            ewma_tokens_per_second=stats.ewma_tokens_per_second,
            last_retry_after=stats.last_retry_after,
            latencies=stats.recent_latencies(),
        )

    def state(self, model_id: str) -> ModelState:
        """One model's state (a closed, empty one if the store has not seen it)."""
        with self._lock:
            if model_id not in self._stats:
                return ModelState(model_id=model_id, breaker="closed")
            return self._state(model_id, self.clock())

    def breaker_state(self, model_id: str) -> str:
        """``"closed"``, ``"open"`` or ``"half_open"`` (what the gateway's status page shows)."""
        breaker = self._breakers.get(model_id)
        return "closed" if breaker is None else breaker.current(self.clock())

    def states(self) -> list[ModelState]:
        now = self.clock()
        with self._lock:
            return [self._state(m, now) for m in sorted(self._stats)]

    def _announce(self, model_id: str, change: str) -> None:
        state = self.state(model_id)
        if change in ("opened", "reopened"):
            log.warning(
                "lg-router health: model %r circuit %s, cooling down %.1f s (until %s): %s",
                model_id,
                change,
                state.cooldown_left,
                time.strftime("%H:%M:%S UTC", time.gmtime(state.until)),
                state.reason,
            )
        else:
            log.info("lg-router health: model %r circuit %s", model_id, change.replace("_", "-"))
        for listener in self.listeners:
            try:
                listener(model_id, change, state)
            except Exception:  # a listener must never break a request
                log.exception("lg-router health: listener %r failed", listener)
