"""The exact decision cache: the same routing question gets the same answer without a classifier call.

The key is a digest of everything the classifier's answer depends on: the normalised
conversation (roles, text, image parts, tool calls), the catalog, the classifier, the
feasible candidate pool it was given (so a model that started or stopped cooling down,
or a budget that shrank, changes the key), the preference and the constraints (tools,
JSON, output budget). Entries live in any LangGraph cache backend
(:class:`langgraph.cache.base.BaseCache`): a bounded in-memory LRU by default,
``langgraph.cache.redis.RedisCache(redis.Redis(...))`` to share decisions between
replicas. This is not LangGraph's node cache: it works however the graph is compiled.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage
from langgraph.cache.base import BaseCache, FullKey, Namespace

from lg_router.catalog import ModelCatalog
from lg_router.decision import RoutingDecision

NAMESPACE: Namespace = ("lg_router", "decisions")


class LRUCache(BaseCache[Any]):
    """A bounded in-memory LangGraph cache (least recently used entries go first).

    LangGraph's ``InMemoryCache`` never evicts; a router in a long-running process sees
    endless distinct prompts, so its default store is bounded. Values are kept as given
    (the decision cache stores plain dicts), TTLs are honoured.
    """

    def __init__(self, maxsize: int = 10_000) -> None:
        super().__init__()
        if maxsize <= 0:
            msg = f"LRUCache maxsize must be > 0, got {maxsize}"
            raise ValueError(msg)
        self.maxsize = maxsize
        self._data: OrderedDict[FullKey, tuple[Any, float | None]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._data)

    def get(self, keys: Sequence[FullKey]) -> dict[FullKey, Any]:
        now = time.monotonic()
        out: dict[FullKey, Any] = {}
        with self._lock:
            for key in keys:
                item = self._data.get(key)
                if item is None:
                    continue
                value, expiry = item
                if expiry is not None and now >= expiry:
                    del self._data[key]
                    continue
                self._data.move_to_end(key)
                out[key] = value
        return out

    async def aget(self, keys: Sequence[FullKey]) -> dict[FullKey, Any]:
        return self.get(keys)

    def set(self, pairs: Mapping[FullKey, tuple[Any, int | None]]) -> None:
        now = time.monotonic()
        with self._lock:
            for key, (value, ttl) in pairs.items():
                self._data[key] = (value, None if ttl is None else now + ttl)
                self._data.move_to_end(key)
            while len(self._data) > self.maxsize:
                self._data.popitem(last=False)

    async def aset(self, pairs: Mapping[FullKey, tuple[Any, int | None]]) -> None:
        self.set(pairs)

    def clear(self, namespaces: Sequence[Namespace] | None = None) -> None:
        with self._lock:
            if namespaces is None:
                self._data.clear()
                return
            drop = [k for k in self._data if k[0] in set(namespaces)]
            for k in drop:
                del self._data[k]

    async def aclear(self, namespaces: Sequence[Namespace] | None = None) -> None:
        self.clear(namespaces)


def catalog_fingerprint(catalog: ModelCatalog) -> str:
    """A digest of a catalog, the same in every process (another catalog, another key)."""
    data = catalog.model_dump(mode="json")
    for model in data["models"]:  # a frozenset's order changes between processes
        model["capabilities"] = sorted(model["capabilities"])
    return digest(data)[:16]


def _text(value: str) -> str:
    return unicodedata.normalize("NFC", value).strip()


def _content(content: Any) -> Any:
    if isinstance(content, str):
        return _text(content)
    parts: list[Any] = []
    for part in content:
        if isinstance(part, str):
            parts.append(_text(part))
        elif isinstance(part, Mapping):
            parts.append({k: v for k, v in part.items() if k not in ("id", "cache_control", "index")})
        else:
            parts.append(str(part))
    return parts


def normalised_conversation(messages: Sequence[BaseMessage]) -> list[Any]:
    """What of a conversation can change a route: roles, text, image parts, tool calls.

    Message ids, names of the answering model, usage and other metadata are left out.
    """
    out: list[Any] = []
    for m in messages:
        item: list[Any] = [m.type, _content(m.content)]
        if isinstance(m, AIMessage) and m.tool_calls:
            item.append([[c["name"], c["args"]] for c in m.tool_calls])
        out.append(item)
    return out


def digest(payload: Any) -> str:
    """A stable 128-bit digest of JSON-able data."""
    raw = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()


class DecisionCache:
    """Exact decision cache over a LangGraph cache backend.

    Args:
        store: a LangGraph ``BaseCache``; default a bounded :class:`LRUCache`. For
            replicas, ``RedisCache(redis.Redis(...))`` (a sync client: LangGraph's
            ``RedisCache`` calls it synchronously, also from ``aget``).
        ttl: seconds a decision is kept (``None``: until evicted).

    Stored values are plain dicts (a decision's JSON dump), so any serializer reads them.
    """

    def __init__(self, store: BaseCache[Any] | None = None, *, ttl: int | None = 3600) -> None:
        self.store: BaseCache[Any] = store if store is not None else LRUCache()
        self.ttl = ttl

    @staticmethod
    def valid(decision: RoutingDecision, pool_ids: Sequence[str]) -> bool:
        """Whether every ranked model of a cached decision is in today's feasible pool.

        This is the hook health and budgets act through: a model cooling down or no
        longer affordable is not in the pool, so a decision naming it is never served.
        """
        allowed = set(pool_ids)
        return all(r.model_id in allowed for r in decision.ranked)

    def _read(
        self, found: Mapping[FullKey, Any], key: str, pool_ids: Sequence[str]
    ) -> RoutingDecision | None:
        value = found.get((NAMESPACE, key))
        if not isinstance(value, Mapping):
            return None
        try:
            decision = RoutingDecision.model_validate(value)
        except ValueError:  # an entry written by another version: a miss
            return None
        return decision if self.valid(decision, pool_ids) else None

    def get(self, key: str, pool_ids: Sequence[str]) -> RoutingDecision | None:
        """The cached decision for ``key`` if it is still feasible, else ``None``."""
        return self._read(self.store.get([(NAMESPACE, key)]), key, pool_ids)

    async def aget(self, key: str, pool_ids: Sequence[str]) -> RoutingDecision | None:
        """Async :meth:`get`."""
        return self._read(await self.store.aget([(NAMESPACE, key)]), key, pool_ids)

    def put(self, key: str, decision: RoutingDecision) -> None:
        """Remember ``decision`` (the classifier's, before stickiness) under ``key``."""
        self.store.set({(NAMESPACE, key): (decision.model_dump(mode="json"), self.ttl)})

    async def aput(self, key: str, decision: RoutingDecision) -> None:
        """Async :meth:`put`."""
        await self.store.aset({(NAMESPACE, key): (decision.model_dump(mode="json"), self.ttl)})


def as_decision_cache(value: DecisionCache | BaseCache[Any] | bool | None) -> DecisionCache | None:
    """A :class:`DecisionCache` from the ``decision_cache=`` argument of the router's builders."""
    if value is None or value is False:
        return None
    if value is True:
        return DecisionCache()
    if isinstance(value, DecisionCache):
        return value
    if isinstance(value, BaseCache):
        return DecisionCache(value)
    msg = (
        "decision_cache must be True/False, a DecisionCache or a LangGraph cache backend "
        f"(InMemoryCache, RedisCache), got {type(value).__name__}"
    )
    raise TypeError(msg)


# configurable keys that never change a route (LangGraph's and LangChain's own).
_FRAMEWORK_KEYS = frozenset({"thread_id", "checkpoint_id", "checkpoint_ns", "checkpoint_map", "run_id"})


def redis_cache(url: str, *, what: str = "a Redis decision cache") -> BaseCache[Any]:
    """LangGraph's ``RedisCache`` over ``url``, shared by every process pointing at it.

    No connection is opened until the first decision is cached.

    Raises:
        ImportError: the ``redis`` client is not installed (the message says which extra).
    """
    try:
        import redis
    except ImportError:
        msg = f"{what} needs the redis client: pip install 'lg-router[redis]'"
        raise ImportError(msg) from None
    from langgraph.cache.redis import RedisCache

    return RedisCache(redis.Redis.from_url(url))


def configurable_key(config: Mapping[str, Any] | None) -> list[Any] | None:
    """The run's ``configurable`` values other than the framework's own, for the cache key.

    A classifier may read the run's config (the gateway's pinning does): whatever it
    could read is part of the key, so a decision is only reused under the same options.
    Thread ids are left out, so a repeated workflow hits across threads.
    """
    configurable = (config or {}).get("configurable") or {}
    items = [
        [k, v]
        for k, v in sorted(configurable.items())
        if k not in _FRAMEWORK_KEYS and not str(k).startswith(("__", "checkpoint"))
    ]
    return items or None
