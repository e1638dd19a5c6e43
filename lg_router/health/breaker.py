"""A circuit breaker per model: closed → open → half-open → closed (or open again).

Times are wall-clock epoch seconds (replicas share them through Redis); every method
takes ``now`` so tests drive the state machine with a fake clock.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Literal

from lg_router.errors import InvalidOptionError
from lg_router.health.stats import ModelStats, Outcome

State = Literal["closed", "open", "half_open"]


@dataclass(frozen=True)
class BreakerPolicy:
    """When a model's breaker opens, and for how long.

    Attributes:
        failures: consecutive failures (timeouts, 429/5xx, connection errors, broken
            streams) that open the breaker.
        error_rate: failed share of the calls in ``window`` that opens it ...
        min_calls: ... once the window holds at least this many calls.
        window: seconds of history for the error rate.
        cooldown: seconds the breaker stays open; doubled after each failed probe.
        max_cooldown: cap of the doubled cooldown and of a provider's ``Retry-After``.
        probe_ttl: seconds a half-open probe may take before another request may probe
            (also when the probe's run ended without calling the model).
        min_samples: successful calls before measured latency replaces the catalog's
            speed hint in the ranking.
    """

    failures: int = 5
    error_rate: float = 0.5
    min_calls: int = 10
    window: float = 60.0
    cooldown: float = 30.0
    max_cooldown: float = 300.0
    probe_ttl: float = 30.0
    min_samples: int = 10

    def __post_init__(self) -> None:
        checks = {
            "failures": self.failures >= 1,
            "error_rate": 0.0 < self.error_rate <= 1.0,
            "min_calls": self.min_calls >= 1,
            "window": self.window > 0,
            "cooldown": self.cooldown > 0,
            "max_cooldown": self.max_cooldown >= self.cooldown,
            "probe_ttl": self.probe_ttl > 0,
            "min_samples": self.min_samples >= 1,
        }
        bad = [name for name, ok in checks.items() if not ok]
        if bad:
            msg = (
                f"invalid BreakerPolicy {bad}: failures/min_calls/min_samples >= 1, 0 < error_rate <= 1, "
                f"window/cooldown/probe_ttl > 0, max_cooldown >= cooldown (got {self})"
            )
            raise InvalidOptionError(msg)


def clock_text(epoch: float) -> str:
    """``"12:03:05 UTC"``."""
    return time.strftime("%H:%M:%S UTC", time.gmtime(epoch))


class Breaker:
    """The breaker of one model (not thread-safe: its store holds the lock).

    Args:
        policy: thresholds and cooldowns.
        needs_lease: a half-open probe also needs a lease granted from outside
            (:class:`~lg_router.health.redis.RedisHealth` takes it in Redis, so one
            replica probes); otherwise the first request after the cooldown probes.
    """

    def __init__(self, policy: BreakerPolicy, *, needs_lease: bool = False) -> None:
        self.policy = policy
        self.needs_lease = needs_lease
        self.state: State = "closed"
        self.until = 0.0
        self.reason = ""
        self.cooldown = 0.0
        self.version = 0
        self.probe_until = 0.0
        self.lease_until = 0.0
        self.wanted = 0.0

    # -- asking ---------------------------------------------------------------------
    def verdict(self, now: float, *, claim_ttl: float | None = None) -> str | None:
        """``None`` if a request may use the model, else why not (in words).

        After the cooldown the breaker turns half-open; with ``claim_ttl`` the asking
        request takes the one probe (for ``claim_ttl`` seconds), others are kept out.
        """
        if self.state == "closed":
            return None
        if self.state == "open":
            if now < self.until:
                return f"cooling down until {clock_text(self.until)}: {self.reason}"
            self.state = "half_open"
        if self.probe_until > now:
            return f"half-open, a probe request is in flight (opened: {self.reason})"
        if self.needs_lease and self.lease_until <= now:
            self.wanted = now
            return f"half-open, waiting for the probe lease (opened: {self.reason})"
        if claim_ttl is not None:
            self.probe_until = now + claim_ttl
        return None

    def release(self) -> None:
        """Give back an unused probe (its request did not rank the model)."""
        self.probe_until = 0.0

    # -- learning -------------------------------------------------------------------
    def observe(self, outcome: Outcome, stats: ModelStats, now: float) -> str | None:
        """Update the state after ``outcome`` (already added to ``stats``).

        Returns:
            ``"opened"``, ``"reopened"`` or ``"closed"`` when the state changed.
        """
        if outcome.ok:
            if self.state == "closed":
                return None
            if self.state == "half_open" or now >= self.until:
                self.close(now)
                return "closed"
            return None  # a call that started before the breaker opened
        if not outcome.counts:
            return None
        limit = self.policy.max_cooldown
        if outcome.retry_after is not None and outcome.retry_after > 0:
            seconds = min(outcome.retry_after, limit)
            reopened = self.state != "closed"
            self.trip(now, seconds, f"429 with Retry-After {outcome.retry_after:g} s")
            return "reopened" if reopened else "opened"
        if self.state == "half_open" and self.probe_until > 0:
            cooldown = min(max(self.cooldown, self.policy.cooldown) * 2, limit)
            self.trip(now, cooldown, f"probe failed ({outcome.kind.replace('_', ' ')}); {stats.streak(now)}")
            return "reopened"
        if self.state != "closed":
            return None
        if stats.consecutive_failures >= self.policy.failures:
            self.trip(now, self.policy.cooldown, stats.streak(now))
            return "opened"
        calls, failed = stats.window_counts(now)
        if calls >= self.policy.min_calls and failed / calls >= self.policy.error_rate:
            rate = f"{failed / calls:.0%}"
            reason = f"error rate {rate} over the last {calls} calls in {self.policy.window:g} s"
            self.trip(now, self.policy.cooldown, reason)
            return "opened"
        return None

    def trip(self, now: float, seconds: float, reason: str) -> None:
        """Open for ``seconds`` from ``now``."""
        self.state = "open"
        self.until = now + seconds
        self.cooldown = seconds
        self.reason = reason
        self.probe_until = 0.0
        self.lease_until = 0.0
        self.version = time.time_ns()

    def close(self, now: float) -> None:
        """Back to normal traffic."""
        self.state = "closed"
        self.until = 0.0
        self.reason = ""
        self.cooldown = 0.0
        self.probe_until = 0.0
        self.lease_until = 0.0
        self.version = time.time_ns()

    # -- sharing --------------------------------------------------------------------
    def record(self) -> dict[str, Any]:
        """The shared form of the state (what other replicas adopt)."""
        return {
            "state": "closed" if self.state == "closed" else "open",
            "until": self.until,
            "reason": self.reason,
            "cooldown": self.cooldown,
            "version": self.version,
        }

    def adopt(self, record: dict[str, Any], now: float) -> str | None:
        """Take over a newer state another replica wrote; returns the change, if any."""
        if int(record.get("version", 0)) <= self.version:
            return None
        self.version = int(record["version"])
        if record.get("state") == "closed":
            if self.state == "closed":
                return None
            self.state, self.until, self.reason, self.cooldown = "closed", 0.0, "", 0.0
            self.probe_until = self.lease_until = 0.0
            return "closed"
        was = self.state
        self.state = "open"
        self.until = float(record["until"])
        self.reason = str(record.get("reason", ""))
        self.cooldown = float(record.get("cooldown", self.policy.cooldown))
        self.probe_until = self.lease_until = 0.0
        if was == "open":
            return None  # both replicas opened it: take the newer record quietly
        return "opened" if was == "closed" else "reopened"

    def seconds_left(self, now: float) -> float:
        """Cooldown left (0 when closed or half-open)."""
        return max(0.0, self.until - now) if self.state == "open" else 0.0

    def current(self, now: float) -> State:
        """The state as of ``now`` (an elapsed cooldown reads as half-open)."""
        if self.state == "open" and now >= self.until:
            return "half_open"
        return self.state
