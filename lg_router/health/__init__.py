"""Live model health: stats, circuit breakers, and the memory and Redis stores.

``health=`` on :func:`~lg_router.create_router`, :class:`~lg_router.RunnableRouter` and
the CLI takes ``"memory"`` (the default: one store per router, thread- and task-safe),
``None`` (off), a Redis URL or a :class:`RedisHealth`, or any :class:`Health` instance
(pass the same one to several routers to share it). The ``redis`` package is imported
only when a Redis store is built (extra ``lg-router[redis]``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lg_router.errors import InvalidOptionError
from lg_router.health.breaker import BreakerPolicy
from lg_router.health.stats import Measured
from lg_router.health.store import Health, MemoryHealth, ModelState

if TYPE_CHECKING:
    from lg_router.health.redis import RedisHealth

REDIS_SCHEMES = ("redis://", "rediss://", "unix://")

__all__ = [
    "BreakerPolicy",
    "Health",
    "Measured",
    "MemoryHealth",
    "ModelState",
    "RedisHealth",
    "resolve_health",
]


def __getattr__(name: str) -> Any:
    if name == "RedisHealth":
        from lg_router.health.redis import RedisHealth

        return RedisHealth
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)


def resolve_health(health: Any, *, policy: BreakerPolicy | None = None) -> Health | None:
    """A health store from the ``health=`` option.

    Args:
        health: ``"memory"`` (a new in-process store), ``None``/``"off"`` (no health),
            a ``redis://``/``rediss://``/``unix://`` URL (a new :class:`RedisHealth`) or a
            :class:`Health` instance (used as is).
        policy: breaker thresholds for stores built here.

    Raises:
        InvalidOptionError: for anything else, naming the accepted values.
    """
    if health is None or health is False or health == "off":
        return None
    if isinstance(health, Health):
        return health
    if health == "memory":
        return MemoryHealth(policy)
    if isinstance(health, str) and health.startswith(REDIS_SCHEMES):
        from lg_router.health.redis import RedisHealth

        return RedisHealth(health, policy=policy)
    msg = (
        f"health={health!r} is not a health store: pass 'memory' (default), None or 'off', "
        "a redis:// URL, or a Health instance (MemoryHealth(...), RedisHealth(...))"
    )
    raise InvalidOptionError(msg)
