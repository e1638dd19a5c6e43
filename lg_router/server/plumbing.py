"""Where the gateway meets the decision cache (``--cache``).

Health is passed to :func:`lg_router.graph.create_router` directly (``health=``). The
decision cache comes as ``--cache memory`` (each worker's own, the router's default), a
``redis://`` URL (one cache shared by every worker and replica, through LangGraph's
``RedisCache``) or ``off``.
"""

from __future__ import annotations

from typing import Any

from lg_router.errors import InvalidOptionError


def router_extras(*, cache: Any = None) -> dict[str, Any]:
    """The ``create_router`` keywords for ``cache`` (empty when ``None``: the default cache).

    Args:
        cache: ``None`` or ``"memory"`` (per-process cache), ``"off"``, a ``redis://`` /
            ``rediss://`` / ``unix://`` URL, or a cache object (passed as it is).

    Raises:
        InvalidOptionError: an unknown value, or a Redis URL without the redis client.
    """
    if cache is None or cache == "memory":
        return {}
    if cache in ("off", "none"):
        return {"decision_cache": False}
    if not isinstance(cache, str):
        return {"decision_cache": cache}
    if not cache.startswith(("redis://", "rediss://", "unix://")):
        msg = f"--cache must be 'memory', 'off' or a redis:// URL, got {cache!r}"
        raise InvalidOptionError(msg)
    from lg_router.memory.cache import redis_cache

    try:
        return {"decision_cache": redis_cache(cache, what="--cache with a Redis URL")}
    except ImportError as exc:
        raise InvalidOptionError(str(exc)) from None
