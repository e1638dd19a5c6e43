"""Reading shared health back: every replica's stats merged with the shared breakers."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from lg_router.health.stats import quantile


def safe_url(url: str) -> str:
    """``redis://user:secret@host:6379/0`` -> ``redis://host:6379/0``."""
    parts = urlsplit(url)
    if parts.password is None and parts.username is None:
        return url
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def read_shared(url: str, *, prefix: str = "lg-router:health", timeout: float = 2.0) -> list[dict[str, Any]]:
    """Every model's state as the replicas published it (for ``lg-router health``).

    Breakers come from the shared breaker keys; latency percentiles and error rates
    merge every live replica's stats.
    """
    import redis

    client = redis.Redis.from_url(
        url, socket_timeout=timeout, socket_connect_timeout=timeout, decode_responses=True
    )
    try:
        now = time.time()
        stats_keys = list(client.scan_iter(f"{prefix}:stats:*"))
        replicas = [json.loads(v) for v in (client.mget(stats_keys) if stats_keys else []) if v]
        breaker_keys = list(client.scan_iter(f"{prefix}:breaker:*"))
        values = client.mget(breaker_keys) if breaker_keys else []
        head = len(f"{prefix}:breaker:")
        breakers = {k[head:]: json.loads(v) for k, v in zip(breaker_keys, values, strict=True) if v}
    finally:
        client.close()
    return merge(replicas, breakers, now)


def merge(
    replicas: list[dict[str, Any]], breakers: dict[str, dict[str, Any]], now: float
) -> list[dict[str, Any]]:
    """One row per model from several replicas' stats and the shared breakers."""
    rows: dict[str, dict[str, Any]] = {}
    for replica in replicas:
        for model in replica.get("models", []):
            row = rows.setdefault(
                model["model_id"],
                {
                    "model_id": model["model_id"],
                    "breaker": "closed",
                    "reason": "",
                    "until": 0.0,
                    "latencies": [],
                },
            )
            row["latencies"].extend(model.get("latencies") or [])
            row["window_calls"] = row.get("window_calls", 0) + model.get("window_calls", 0)
            failed = (model.get("error_rate") or 0.0) * model.get("window_calls", 0)
            row["failed"] = row.get("failed", 0.0) + failed
            if model.get("breaker") != "closed" and model.get("until", 0) >= row["until"]:
                row.update(
                    breaker=model["breaker"], reason=model.get("reason", ""), until=model.get("until", 0)
                )
    for model_id, record in breakers.items():
        row = rows.setdefault(
            model_id, {"model_id": model_id, "latencies": [], "window_calls": 0, "failed": 0}
        )
        if record.get("state") == "open":
            row.update(
                breaker="open" if record["until"] > now else "half_open",
                reason=record.get("reason", ""),
                until=record["until"],
            )
        elif record.get("state") == "closed":
            row.update(breaker="closed", reason="", until=0.0)
    out = []
    for row in sorted(rows.values(), key=lambda r: r["model_id"]):
        values = row.pop("latencies")
        calls, failed = row.get("window_calls", 0), row.pop("failed", 0.0)
        row["p50"] = quantile(values, 0.5) if values else None
        row["p95"] = quantile(values, 0.95) if values else None
        row["error_rate"] = failed / calls if calls else None
        row["cooldown_left"] = max(0.0, row.get("until", 0.0) - now) if row.get("breaker") == "open" else 0.0
        out.append(row)
    return out
