"""Health stats and the breaker state machine, driven by a fake clock (no sleeps)."""

from __future__ import annotations

import threading

import pytest

from lg_router.decision import Attempt
from lg_router.errors import InvalidOptionError
from lg_router.health import BreakerPolicy, MemoryHealth, resolve_health
from lg_router.health.stats import ModelStats, Outcome


class Clock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class LaterAttempt(Attempt):
    """An attempt with the fields the stream and errors parts add (read via getattr)."""

    retry_after: float | None = None
    first_token_seconds: float | None = None


def ok(model: str = "m", seconds: float = 0.5, **kw: object) -> Attempt:
    return LaterAttempt(model_id=model, outcome="ok", seconds=seconds, **kw)  # type: ignore[arg-type]


def timeout(model: str = "m", seconds: float = 1.0) -> Attempt:
    return Attempt(model_id=model, outcome="timeout", seconds=seconds, retryable=True)


def error(model: str = "m", **kw: object) -> Attempt:
    fields: dict[str, object] = {"error_type": "APIError", "error": "Error code: 500", "retryable": True}
    fields.update(kw)
    return LaterAttempt(model_id=model, outcome="error", seconds=0.1, **fields)  # type: ignore[arg-type]


@pytest.fixture
def clock() -> Clock:
    return Clock()


def health(clock: Clock, **policy: object) -> MemoryHealth:
    return MemoryHealth(BreakerPolicy(**policy), clock=clock)  # type: ignore[arg-type]


def check(store: MemoryHealth, model: str = "m", ttl: float = 10.0) -> tuple[dict[str, str], list[str]]:
    return store.check([model], claim_ttl=ttl)


# -- stats -------------------------------------------------------------------------------
def test_outcome_counts_only_failures_of_the_model() -> None:
    assert Outcome.of(timeout()).counts
    assert Outcome.of(error()).counts
    assert Outcome.of(error(retryable=False, streamed=True)).counts  # broken mid-stream
    assert not Outcome.of(error(retryable=False, error="Error code: 400")).counts  # the request's fault
    assert not Outcome.of(error(context_overflow=True)).counts
    limited = Outcome.of(error(retry_after=20.0, error="Error code: 429"))
    assert (limited.kind, limited.retry_after) == ("rate_limited", 20.0)


def test_ewmas_window_and_percentiles_with_a_fake_clock(clock: Clock) -> None:
    stats = ModelStats(window=30.0)
    for seconds in (1.0, 2.0, 3.0, 4.0):
        stats.add(
            Outcome.of(ok(seconds=seconds, first_token_seconds=seconds / 4, usage={"output_tokens": 30})),
            clock(),
        )
        clock.advance(1)
    assert stats.ewma_latency == pytest.approx(1.0 + 0.2 + 0.36 + 0.488, rel=1e-6)
    assert stats.ewma_first_token is not None and stats.ewma_first_token < 1.0
    assert stats.ewma_tokens_per_second is not None and stats.ewma_tokens_per_second > 0
    assert stats.percentiles() == (3.0, 4.0)  # nearest rank over [1, 2, 3, 4]
    assert stats.latency()[0] == "first token"
    stats.add(Outcome.of(timeout()), clock())
    assert stats.error_rate(clock()) == pytest.approx(1 / 5)
    clock.advance(31)  # everything left the window
    assert stats.error_rate(clock()) is None
    assert stats.consecutive_failures == 1


def test_an_input_error_never_moves_the_stats(clock: Clock) -> None:
    store = health(clock, failures=2)
    for _ in range(5):
        store.record(error(retryable=False, error="Error code: 400"))
    assert check(store) == ({}, [])
    assert store.state("m").window_calls == 0


# -- breaker -----------------------------------------------------------------------------
def test_opens_after_n_consecutive_failures_with_the_reason(clock: Clock) -> None:
    store = health(clock, failures=5, cooldown=30)
    for _ in range(4):
        store.record(timeout())
        clock.advance(6)
    assert check(store) == ({}, [])
    store.record(ok())  # a success resets the streak
    for _ in range(5):
        clock.advance(6)
        store.record(timeout())
    unavailable, probes = check(store)
    assert probes == []
    reason = unavailable["m"]
    assert reason.startswith("cooling down until ") and reason.endswith(": 5 timeouts in 25 s")
    assert " UTC: " in reason
    assert store.state("m").breaker == "open"
    assert store.state("m").cooldown_left == pytest.approx(30)


def test_error_rate_over_the_window_opens(clock: Clock) -> None:
    store = health(clock, failures=100, error_rate=0.5, min_calls=10, window=60)
    for i in range(10):
        store.record(error() if i % 2 else ok())
        clock.advance(1)
    reason = check(store)[0]["m"]
    assert "error rate 50% over the last 10 calls in 60 s" in reason


def test_a_429_with_retry_after_opens_at_once_for_that_long(clock: Clock) -> None:
    store = health(clock, failures=5, cooldown=30)
    store.record(error(retry_after=12.0, error="Error code: 429", error_type="RateLimitError"))
    assert "429 with Retry-After 12 s" in check(store)[0]["m"]
    clock.advance(11.9)
    assert "m" in check(store)[0]
    clock.advance(0.2)
    assert check(store) == ({}, ["m"])  # half-open: this request probes


def test_half_open_lets_exactly_one_probe_through_and_success_closes(clock: Clock) -> None:
    store = health(clock, failures=2, cooldown=10)
    store.record(timeout())
    store.record(timeout())
    clock.advance(10)
    assert check(store) == ({}, ["m"])
    second, probes = check(store)
    assert probes == [] and second["m"].startswith("half-open, a probe request is in flight")
    store.record(ok())
    assert check(store) == ({}, [])
    assert store.state("m").breaker == "closed"


def test_a_failed_probe_reopens_with_a_doubled_cooldown(clock: Clock) -> None:
    store = health(clock, failures=2, cooldown=10, max_cooldown=25)
    store.record(timeout())
    store.record(timeout())
    for expected in (20, 25):  # doubled, then capped
        clock.advance(store.state("m").cooldown_left)
        assert check(store)[1] == ["m"]
        store.record(timeout())
        state = store.state("m")
        assert (state.breaker, state.cooldown_left) == ("open", pytest.approx(expected))
        assert state.reason.startswith("probe failed (timeout)")


def test_a_released_probe_is_free_again_and_a_claim_expires(clock: Clock) -> None:
    store = health(clock, failures=1, cooldown=5)
    store.record(timeout())
    clock.advance(5)
    assert check(store, ttl=3)[1] == ["m"]
    store.release(["m"])
    assert check(store, ttl=3)[1] == ["m"]
    clock.advance(3.1)  # the claim's run never reported: the next request probes
    assert check(store, ttl=3)[1] == ["m"]


def test_a_late_success_of_a_call_started_before_opening_keeps_it_open(clock: Clock) -> None:
    store = health(clock, failures=1, cooldown=30)
    store.record(timeout())
    store.record(ok())
    assert store.state("m").breaker == "open"


def test_one_probe_across_threads(clock: Clock) -> None:
    store = health(clock, failures=1, cooldown=1)
    store.record(timeout())
    clock.advance(1)
    barrier = threading.Barrier(16)
    probes: list[list[str]] = []

    def ask() -> None:
        barrier.wait()
        probes.append(check(store)[1])

    threads = [threading.Thread(target=ask) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(len(p) for p in probes) == [0] * 15 + [1]


def test_per_model_policy_and_listeners(clock: Clock) -> None:
    seen: list[tuple[str, str]] = []
    store = MemoryHealth(
        BreakerPolicy(failures=5),
        per_model={"fragile": BreakerPolicy(failures=1)},
        clock=clock,
        listeners=[lambda model, change, state: seen.append((model, change))],
    )
    store.record(timeout("fragile"))
    store.record(timeout("sturdy"))
    assert set(store.check(["fragile", "sturdy"], claim_ttl=1)[0]) == {"fragile"}
    assert seen == [("fragile", "opened")]


def test_bad_options_are_typed_errors() -> None:
    with pytest.raises(InvalidOptionError, match="error_rate"):
        BreakerPolicy(error_rate=1.5)
    with pytest.raises(InvalidOptionError, match="'memory'"):
        resolve_health("postgres://x")
    assert resolve_health(None) is None and resolve_health("off") is None
    store = MemoryHealth()
    assert resolve_health(store) is store
    assert isinstance(resolve_health("memory"), MemoryHealth)


def test_a_probe_claim_lasts_the_attempt_deadline_of_the_router(clock: Clock) -> None:
    from lg_router.health.gate import HealthGate
    from lg_router.policy import feasible
    from lg_router.state import RunOptions
    from lg_router.task import view
    from tests.support.fakes import small_catalog

    catalog = small_catalog()
    store = health(clock, failures=1, cooldown=10)
    gate = HealthGate(store, catalog, timeout=2.0)  # create_router(timeout=2.0)
    pool = feasible(catalog, view("hello"))
    store.record(timeout("alpha"))
    clock.advance(10)
    kept, admission = gate.admit(pool, RunOptions.build())
    assert admission.probes == ("alpha",) and "alpha" in [m.id for m in kept.models]
    clock.advance(2.9)  # 2 s deadline + 1 s margin: still this run's probe
    assert "alpha" in gate.admit(pool, RunOptions.build())[1].skipped
    clock.advance(0.2)
    assert gate.admit(pool, RunOptions.build())[1].probes == ("alpha",)


def test_replicas_adopt_only_newer_breaker_records(clock: Clock) -> None:
    from lg_router.health.breaker import Breaker

    policy = BreakerPolicy(cooldown=30)
    mine, theirs = Breaker(policy, needs_lease=True), Breaker(policy, needs_lease=True)
    theirs.trip(clock(), 30, "5 timeouts in 9 s")
    assert mine.adopt(theirs.record(), clock()) == "opened"
    assert str(mine.verdict(clock(), claim_ttl=5)).endswith(": 5 timeouts in 9 s")
    stale = dict(theirs.record(), version=theirs.version - 1, state="closed")
    assert mine.adopt(stale, clock()) is None and mine.state == "open"
    assert mine.adopt(theirs.record(), clock()) is None  # the same record twice: no change
    clock.advance(30)
    # Cooldown over: without the shared probe lease this replica does not probe.
    assert str(mine.verdict(clock(), claim_ttl=5)).startswith("half-open, waiting for the probe lease")
    mine.lease_until = clock() + 2
    assert mine.verdict(clock(), claim_ttl=5) is None
    theirs.close(clock())
    assert mine.adopt(theirs.record(), clock()) == "closed" and mine.state == "closed"
