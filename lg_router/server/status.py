"""The status page at ``/``: models with breaker state and latency, recent decisions, spend.

Plain HTML with inline CSS, no script and no external asset. The request counts,
latencies and spend are this worker's (each uvicorn worker keeps its own recent log);
breaker states come from the router's health store, shared by every worker when it
lives in Redis.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections import deque
from dataclasses import dataclass
from html import escape

from lg_router.catalog import ModelCatalog
from lg_router.health import Health
from lg_router.server.metrics import breaker_state, health_states
from lg_router.server.outcome import Outcome

RECENT = 50
LATENCY_WINDOW = 200


@dataclass(frozen=True)
class Entry:
    """One finished request as the status page shows it (no prompt text)."""

    at: float
    requested: str
    category: str
    ranked: tuple[str, ...]
    attempts: tuple[str, ...]
    answered: str | None
    status: int
    seconds: float
    cost: float | None


class RecentLog:
    """Recent decisions, per-model latencies and spend of this worker (thread-safe)."""

    def __init__(self, catalog: ModelCatalog) -> None:
        self.catalog = catalog
        self._lock = threading.Lock()
        self._entries: deque[Entry] = deque(maxlen=RECENT)
        self._latency: dict[str, deque[float]] = {m: deque(maxlen=LATENCY_WINDOW) for m in catalog.ids}
        self._counts: dict[str, dict[str, int]] = {m: {"ok": 0, "failed": 0} for m in catalog.ids}
        self.spend = 0.0
        self.requests = 0

    def add(self, outcome: Outcome) -> None:
        """Record one finished request."""
        costs = [a.cost for a in outcome.attempts if a.cost is not None]
        entry = Entry(
            at=time.time(),
            requested=outcome.request.requested,
            category=outcome.decision.category if outcome.decision else "-",
            ranked=tuple(outcome.decision.model_ids) if outcome.decision else (),
            attempts=tuple(f"{a.model_id} {a.outcome}" for a in outcome.attempts),
            answered=outcome.answered,
            status=outcome.status,
            seconds=outcome.seconds,
            cost=sum(costs) if costs else None,
        )
        with self._lock:
            self.requests += 1
            self._entries.appendleft(entry)
            self.spend += entry.cost or 0.0
            for a in outcome.attempts:
                if a.model_id in self._latency:
                    self._latency[a.model_id].append(a.seconds)
                    self._counts[a.model_id]["ok" if a.outcome == "ok" else "failed"] += 1

    def snapshot(self) -> tuple[list[Entry], dict[str, tuple[float | None, int, int]], float, int]:
        """``(recent entries, {model: (median seconds, ok, failed)}, spend, requests)``."""
        with self._lock:
            models = {
                m: (
                    statistics.median(self._latency[m]) if self._latency[m] else None,
                    self._counts[m]["ok"],
                    self._counts[m]["failed"],
                )
                for m in self.catalog.ids
            }
            return list(self._entries), models, self.spend, self.requests


_CSS = """
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#1b1f24;background:#fafafa}
h1{font-size:1.4rem;margin:0 0 .2rem}h2{font-size:1.1rem;margin:1.4rem 0 .4rem}
table{border-collapse:collapse;background:#fff;font-size:.9rem}
th,td{border:1px solid #d0d7de;padding:.3rem .6rem;text-align:left}th{background:#eef1f4}
.state-closed,.state-ok,.state-healthy{color:#1a7f37}.state-open{color:#cf222e;font-weight:600}
.state-half_open,.state-half-open{color:#9a6700}.muted{color:#57606a}
"""


def _state_class(state: str) -> str:
    return "state-" + "".join(c if c.isalnum() or c in "-_" else "-" for c in state)


def render(log: RecentLog, health: Health | None = None) -> str:
    """The status page's HTML."""
    entries, models, spend, requests = log.snapshot()
    states = health_states(health)
    currency = next((m.pricing.currency for m in log.catalog.models if m.pricing.known), "USD")
    rows = []
    for spec in log.catalog.models:
        median, ok, failed = models[spec.id]
        state = breaker_state(health, spec.id, states)
        known = states.get(spec.id)
        reason = f" ({known.reason})" if known is not None and known.reason and state != "closed" else ""
        latency = f"{median * 1000:.1f} ms" if median is not None else "-"
        caps = ", ".join(sorted(spec.capabilities))
        rows.append(
            f'<tr class="model-row" data-model="{escape(spec.id)}"><td>{escape(spec.id)}</td>'
            f'<td class="{_state_class(state)}">{escape(state)}{escape(reason)}</td><td>{latency}</td>'
            f"<td>{ok}</td><td>{failed}</td><td>{escape(caps)}</td></tr>"
        )
    recent = []
    for e in entries:
        when = time.strftime("%H:%M:%S", time.gmtime(e.at))
        cost = f"{e.cost:.6f}" if e.cost is not None else "-"
        recent.append(
            f'<tr class="decision-row"><td>{when}</td><td>{escape(e.requested)}</td>'
            f"<td>{escape(e.category)}</td>"
            f"<td>{escape(' > '.join(e.ranked)) or '-'}</td><td>{escape('; '.join(e.attempts)) or '-'}</td>"
            f"<td>{escape(e.answered or '-')}</td><td>{e.status}</td><td>{e.seconds * 1000:.0f} ms</td>"
            f"<td>{cost}</td></tr>"
        )
    if not recent:
        recent.append('<tr><td colspan="9" class="muted">no requests yet</td></tr>')
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>lg-router gateway</title>
<style>{_CSS}</style></head><body>
<h1>lg-router gateway</h1>
<p class="muted">catalog <b>{escape(log.catalog.name)}</b> &middot;
{requests} request(s) served by this worker &middot;
spend <b id="spend">{spend:.6f} {escape(currency)}</b> (known prices only)</p>
<h2>Models</h2>
<table id="models"><thead><tr><th>model</th><th>breaker</th><th>median latency</th><th>ok</th>
<th>failed</th><th>capabilities</th></tr></thead><tbody>
{"".join(rows)}
</tbody></table>
<h2>Recent decisions</h2>
<table id="recent"><thead><tr><th>time (UTC)</th><th>model asked</th><th>category</th><th>ranked</th>
<th>attempts</th><th>answered by</th><th>status</th><th>latency</th><th>cost</th></tr></thead><tbody>
{"".join(recent)}
</tbody></table>
</body></html>
"""
