"""Health shared by every replica through Redis, off the request's critical path.

Requests only touch the local store (:class:`MemoryHealth`, microseconds). One daemon
thread per store talks to Redis: it writes breaker changes at once (woken by them) and,
every ``refresh`` seconds, reads the other replicas' breakers in the same pipeline,
takes half-open probe leases (``SET NX``), and publishes this replica's stats for
``lg-router health``. A breaker opened anywhere is seen everywhere within
``refresh`` + one round trip. Redis down or slow: routing goes on with local health,
logged once; the thread reconnects by itself.

Keys (``prefix`` default ``lg-router:health``), all with an expiry:

* ``{prefix}:breaker:{model}``: the breaker, JSON; expires when its cooldown ends
  (a closed marker after ``CLOSED_TTL`` s).
* ``{prefix}:probe:{model}``: the replica holding the one half-open probe.
* ``{prefix}:fails:{model}``: consecutive failures summed over replicas (reset by any
  success, expires after the policy's ``window``): ``failures`` of them open the
  breaker everywhere, even when no single replica saw that many.
* ``{prefix}:stats:{replica}``: a replica's model stats (``STATS_TTL`` s).
"""

from __future__ import annotations

import atexit
import json
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from lg_router.health.breaker import Breaker, BreakerPolicy
from lg_router.health.shared import safe_url
from lg_router.health.stats import Outcome
from lg_router.health.store import Listener, MemoryHealth
from lg_router.redaction import get_logger

log = get_logger("lg_router.health")  # records redacted of API keys
CLOSED_TTL = 10.0
STATS_TTL = 10.0
STATS_EVERY = 1.0
LEASE_SECONDS = 2.0  # an unclaimed probe lease; extended to the probe's own time once used
WANTED_FOR = 2.0  # a replica asks for the lease only if a request wanted the model lately
WAITING = "half-open, waiting"


class RedisHealth(MemoryHealth):
    """Health in Redis, shared by every replica that points at the same server and prefix.

    Args:
        url: ``redis://host:port/db`` (or ``rediss://``, ``unix://``).
        prefix: key prefix; replicas of one deployment share it.
        policy: breaker thresholds for every model.
        per_model: thresholds for some catalog ids instead of ``policy``.
        refresh: seconds between reads of the shared state.
        timeout: socket timeout of the background client (it never blocks a request).
        client: a ready ``redis.Redis`` client instead of ``url``.
        clock: wall-clock seconds.
        listeners: see :class:`MemoryHealth`.

    Nothing connects until the router first uses the store.
    """

    needs_lease = True

    def __init__(
        self,
        url: str = "redis://127.0.0.1:6379/0",
        *,
        prefix: str = "lg-router:health",
        policy: BreakerPolicy | None = None,
        per_model: Mapping[str, BreakerPolicy] | None = None,
        refresh: float = 0.25,
        timeout: float = 0.5,
        client: Any = None,
        clock: Callable[[], float] = time.time,
        listeners: Iterable[Listener] = (),
    ) -> None:
        super().__init__(policy, per_model=per_model, clock=clock, listeners=listeners)
        self.url = url
        self.prefix = prefix
        self.refresh = refresh
        self.timeout = timeout
        self.replica = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._client = client
        self._pending: dict[str, dict[str, Any]] = {}
        self._streaks: dict[str, tuple[bool, int]] = {}  # (a success reset it, failures since)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._down = False
        self._last_stats = 0.0
        self.syncs = 0

    def __repr__(self) -> str:
        return f"RedisHealth({self.where!r}, prefix={self.prefix!r})"

    @property
    def where(self) -> str:
        """The Redis address without credentials (for logs and messages)."""
        return safe_url(self.url)

    @property
    def connected(self) -> bool:
        """False while the last exchange with Redis failed (routing uses local health)."""
        return not self._down

    # -- the request side: local only ----------------------------------------------------
    def _changed(self, model_id: str, breaker: Breaker) -> None:
        self._pending[model_id] = breaker.record()
        self._wake.set()

    def record(self, attempt: Any) -> None:
        self._start()
        super().record(attempt)

    def check(self, model_ids: Iterable[str], *, claim_ttl: float) -> tuple[dict[str, str], list[str]]:
        self._start()
        unavailable, probes = super().check(model_ids, claim_ttl=claim_ttl)
        if any(r.startswith(WAITING) for r in unavailable.values()):
            self._wake.set()  # ask for the probe lease now, not at the next refresh
        return unavailable, probes

    def _start(self) -> None:
        if self._thread is not None and self._pid == os.getpid():
            return
        with self._lock:
            if self._thread is not None and self._pid == os.getpid():
                return
            self._pid = os.getpid()
            if self._client is not None and self._thread is not None:
                self._client = None  # a forked child needs its own connection
            self._thread = threading.Thread(target=self._run, name="health-redis-sync", daemon=True)
            self._thread.start()
            atexit.register(self.close)  # a short-lived process (the CLI) still shares what it saw

    def close(self, flush_timeout: float = 1.0) -> None:
        """Write pending changes (waiting at most ``flush_timeout`` s) and stop the thread."""
        thread = self._thread
        if thread is None:
            return
        self._stop.set()
        self._wake.set()
        thread.join(flush_timeout)
        self._thread = None

    # -- the background side -----------------------------------------------------------
    def _redis(self) -> Any:
        if self._client is None:
            import redis
            from redis.backoff import NoBackoff
            from redis.retry import Retry

            self._client = redis.Redis.from_url(
                self.url,
                socket_timeout=self.timeout,
                socket_connect_timeout=self.timeout,
                retry=Retry(NoBackoff(), 0),
                decode_responses=True,
            )
        return self._client

    def _run(self) -> None:
        while True:
            stopping = self._stop.is_set()
            try:
                self.sync(publish=stopping)
            except Exception as exc:  # any Redis or network failure: keep routing locally
                if not self._down:
                    self._down = True
                    log.warning(
                        "lg-router health: Redis at %s unreachable (%s: %s); routing on this "
                        "process's health until it is back",
                        self.where,
                        type(exc).__name__,
                        exc,
                    )
            else:
                if self._down:
                    self._down = False
                    log.warning("lg-router health: Redis at %s reachable again", self.where)
            if stopping:
                return
            self._wake.wait(self.refresh)
            self._wake.clear()

    def _key(self, kind: str, name: str) -> str:
        return f"{self.prefix}:{kind}:{name}"

    def sync(self, *, publish: bool = False) -> None:
        """One exchange with Redis (one pipeline): write breaker changes and failure
        streaks, read the shared breakers and streaks, take half-open probe leases.

        This replica's stats are published every ``STATS_EVERY`` s, or now with ``publish``.
        """
        client = self._redis()
        now = self.clock()
        with self._lock:
            pending, self._pending = self._pending, {}
            streaks, self._streaks = self._streaks, {}
            ids = sorted(self._breakers)
            wanted = [
                m
                for m, b in self._breakers.items()
                if b.current(now) == "half_open" and b.wanted > now - WANTED_FOR and b.lease_until <= now
            ]
            probing = {m: b.probe_until for m, b in self._breakers.items() if b.probe_until > now}
        tags: list[tuple[str, str]] = []
        try:
            pipe = client.pipeline(transaction=False)
            for model_id, record in pending.items():
                tags += self._write(pipe, model_id, record, now)
            for model_id, (reset, failed) in streaks.items():
                key = self._key("fails", model_id)
                if reset:
                    pipe.delete(key)
                    tags.append(("reset", model_id))
                if failed:
                    pipe.incrby(key, failed)
                    pipe.pexpire(key, int(self._policy(model_id).window * 1000))
                    tags += [("fails", model_id), ("expire", model_id)]
            for model_id, until in probing.items():
                pipe.pexpire(self._key("probe", model_id), max(1, int((until - now) * 1000)))
                tags.append(("extend", model_id))
            if ids:
                pipe.mget([self._key("breaker", m) for m in ids])
                tags.append(("breakers", ""))
            for model_id in wanted:
                pipe.set(self._key("probe", model_id), self.replica, nx=True, px=int(LEASE_SECONDS * 1000))
                tags.append(("lease", model_id))
            if publish or now - self._last_stats >= STATS_EVERY:
                self._last_stats = now
                data = json.dumps({"replica": self.replica, "at": now, "models": self._stats_rows()})
                pipe.set(self._key("stats", self.replica), data, px=int(STATS_TTL * 1000))
                tags.append(("stats", ""))
            replies = pipe.execute()
        except Exception:
            self._restore(pending, streaks)
            raise
        self.syncs += 1
        self._apply(ids, tags, replies, now)

    def _restore(self, pending: dict[str, dict[str, Any]], streaks: dict[str, tuple[bool, int]]) -> None:
        """Keep unsent writes for the next try; newer local changes win."""
        with self._lock:
            self._pending = {**pending, **self._pending}
            for model_id, (reset, failed) in streaks.items():
                later = self._streaks.get(model_id)
                if later is None:
                    self._streaks[model_id] = (reset, failed)
                elif not later[0]:
                    self._streaks[model_id] = (reset, failed + later[1])

    def _observed(self, model_id: str, outcome: Outcome) -> None:
        if outcome.ok:
            self._streaks[model_id] = (True, 0)
        elif outcome.counts:
            reset, failed = self._streaks.get(model_id, (False, 0))
            self._streaks[model_id] = (reset, failed + 1)
            self._wake.set()  # other replicas count this failure within one round trip

    def _write(self, pipe: Any, model_id: str, record: dict[str, Any], now: float) -> list[tuple[str, str]]:
        ttl = max(0.001, record["until"] - now) if record["state"] == "open" else CLOSED_TTL
        pipe.set(self._key("breaker", model_id), json.dumps(record), px=max(1, int(ttl * 1000)))
        pipe.delete(self._key("probe", model_id))
        pipe.delete(self._key("fails", model_id))  # a new breaker state starts a new streak
        return [("write", model_id)] * 3

    def _apply(self, ids: list[str], tags: list[tuple[str, str]], replies: list[Any], now: float) -> None:
        changes: list[tuple[str, str]] = []
        with self._lock:
            for (tag, model_id), reply in zip(tags, replies, strict=True):
                if tag == "breakers":
                    for shared_id, raw in zip(ids, reply, strict=True):
                        change = self._adopt(shared_id, raw, now)
                        if change:
                            changes.append((shared_id, change))
                elif tag == "lease" and reply:
                    self._breakers[model_id].lease_until = now + LEASE_SECONDS
                elif tag == "fails":
                    breaker, policy = self._breakers[model_id], self._policy(model_id)
                    if int(reply) >= policy.failures and breaker.state == "closed":
                        streak = self._stats[model_id].streak(now)
                        reason = f"{int(reply)} failures in a row across replicas ({streak} here)"
                        breaker.trip(now, policy.cooldown, reason)
                        self._changed(model_id, breaker)
                        changes.append((model_id, "opened"))
        for model_id, change in changes:
            self._announce(model_id, change)

    def _adopt(self, model_id: str, raw: Any, now: float) -> str | None:
        if not raw:
            return None
        try:
            record = json.loads(raw)
        except ValueError:
            return None
        return self._breakers[model_id].adopt(record, now)

    def _stats_rows(self) -> list[dict[str, Any]]:
        return [s.as_dict() for s in self.states()]
