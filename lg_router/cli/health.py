"""``lg-router health``: each model's breaker, latency and error rate, from Redis or a dump.

Where the state comes from:

* ``--redis URL`` (or ``LG_ROUTER_HEALTH=redis://...``): what every replica sharing that
  Redis published (breakers at once, stats at most ``STATS_EVERY`` s old).
* ``--file PATH``: the JSON a running process writes with
  ``MemoryHealth(dump_to=PATH)`` (or once, with ``health.dump(PATH)``).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from lg_router.errors import InvalidOptionError

ENV = "LG_ROUTER_HEALTH"
HealthOpt = Annotated[
    str | None,
    typer.Option(
        "--health",
        help="Model health: memory (default), off, or a redis:// URL replicas share. Env: LG_ROUTER_HEALTH.",
    ),
]


def health_option(value: str | None) -> str | None:
    """The ``health=`` of a CLI run: the option, else ``LG_ROUTER_HEALTH``, else memory."""
    chosen = value or os.environ.get(ENV) or "memory"
    return None if chosen == "off" else chosen


def health(
    redis: Annotated[
        str | None, typer.Option("--redis", help="Redis URL the routers share. Env: LG_ROUTER_HEALTH.")
    ] = None,
    file: Annotated[
        Path | None, typer.Option("--file", "-f", help="JSON written by MemoryHealth(dump_to=...).")
    ] = None,
    prefix: Annotated[str, typer.Option("--prefix", help="Key prefix of the routers' RedisHealth.")] = (
        "lg-router:health"
    ),
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON for machines.")] = False,
) -> None:
    """Show each model's health: breaker, cooldown left, p50/p95 latency, error rate."""
    rows, source = _read(redis, file, prefix)
    if json_output:
        sys.stdout.write(json.dumps({"source": source, "models": rows}, indent=2) + "\n")
        return
    out = Console(highlight=False, soft_wrap=True)
    if not rows:
        out.print(f"no model health recorded yet ({source})")
        return
    out.print(table(rows, source))


def _read(redis: str | None, file: Path | None, prefix: str) -> tuple[list[dict[str, Any]], str]:
    if redis and file:
        msg = "pass either --redis or --file, not both"
        raise InvalidOptionError(msg)
    if file is not None:
        try:
            data = json.loads(file.read_text())
        except (OSError, ValueError) as exc:
            msg = f"cannot read health dump {file}: {exc}"
            raise InvalidOptionError(msg) from exc
        now = time.time()
        rows = []
        for row in data.get("models", []):
            row = dict(row)
            row.pop("latencies", None)
            left = max(0.0, row.get("until", 0.0) - now) if row.get("breaker") == "open" else 0.0
            row["cooldown_left"] = left
            if row.get("breaker") == "open" and not left:
                row["breaker"] = "half_open"
            rows.append(row)
        age = now - float(data.get("written_at", now))
        return rows, f"{file}, written by pid {data.get('pid')} {age:.0f} s ago"
    url = redis or os.environ.get(ENV)
    if not url or not url.startswith(("redis://", "rediss://", "unix://")):
        msg = "say where the health is: --redis URL (or LG_ROUTER_HEALTH=redis://...) or --file PATH"
        raise InvalidOptionError(msg)
    from lg_router.health.shared import read_shared, safe_url

    where = safe_url(url)
    try:
        return read_shared(url, prefix=prefix), f"Redis {where}, prefix {prefix}"
    except Exception as exc:  # the redis client's errors: one clear line
        msg = f"cannot read health from Redis at {where}: {type(exc).__name__}"
        raise InvalidOptionError(msg) from exc


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.3g} s"


def table(rows: list[dict[str, Any]], source: str) -> Table:
    """The rich table ``lg-router health`` prints."""
    grid = Table(title=f"model health ({source})", title_justify="left")
    for name in ("model", "breaker", "cooldown left", "p50", "p95", "error rate", "why"):
        grid.add_column(name)
    styles = {"open": "red", "half_open": "yellow", "closed": "green"}
    for row in rows:
        rate = row.get("error_rate")
        calls = row.get("window_calls", 0)
        breaker = row.get("breaker", "closed")
        grid.add_row(
            row["model_id"],
            f"[{styles.get(breaker, '')}]{breaker.replace('_', '-')}[/]",
            f"{row.get('cooldown_left', 0.0):.1f} s" if breaker == "open" else "-",
            _seconds(row.get("p50")),
            _seconds(row.get("p95")),
            "-" if rate is None else f"{rate:.0%} of {calls}",
            row.get("reason") or "",
        )
    return grid
