"""``summarize_trace()``: spend, fallbacks and latency from a :class:`TraceWriter` file.

* **Spend by model** sums the cost of every attempt of that model (a failed attempt that
  reported a cost counts too); **by category** and **by day** (UTC, from ``ts``) sum the
  request's cost. A cost the trace could not know (unknown price, no usage) is counted as
  unknown, never as zero.
* **Always strongest** prices each answered request's tokens (input and output of its
  answering attempt) with the catalog's strongest model (highest ``quality`` hint).
* **Fallback rate**: answered or failed requests that needed more than one attempt.
* **Latency p50/p95 per model**: over the ``seconds`` of that model's successful
  attempts, nearest-rank percentiles.

Lines are read defensively: fields other parts add later (first-token time, retry
hints, per-attempt tokens) are kept but not required; a malformed line is an error that
names it.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lg_router.catalog import ModelCatalog
from lg_router.evaluation.data import EvalDataError


@dataclass
class Spend:
    """Requests (or attempts), known cost, how many costs were unknown, and tokens."""

    n: int = 0
    cost: float = 0.0
    unknown: int = 0
    input_tokens: int = 0
    output_tokens: int = 0

    def add(self, cost: Any, input_tokens: Any = 0, output_tokens: Any = 0) -> None:
        self.n += 1
        if isinstance(cost, int | float) and not isinstance(cost, bool):
            self.cost += float(cost)
        else:
            self.unknown += 1
        self.input_tokens += _int(input_tokens)
        self.output_tokens += _int(output_tokens)


@dataclass
class TraceReport:
    """What ``lg-router report`` shows; :meth:`to_json` is its ``--json`` output."""

    requests: int
    answered: int
    failed: int
    fallbacks: int
    currency: str
    strongest: str
    total: Spend
    always_strongest: Spend
    by_model: dict[str, Spend]
    by_category: dict[str, Spend]
    by_day: dict[str, Spend]
    answered_by: dict[str, int]
    latency: dict[str, tuple[float, float, int]] = field(default_factory=dict)
    daily: dict[str, dict[str, Spend]] = field(default_factory=dict)

    @property
    def fallback_rate(self) -> float | None:
        """Share of requests that needed more than one attempt."""
        return self.fallbacks / self.requests if self.requests else None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready summary."""

        def spend(s: Spend) -> dict[str, Any]:
            return {**s.__dict__, "cost": round(s.cost, 8)}

        saving = None
        if self.always_strongest.cost and not self.always_strongest.unknown and not self.total.unknown:
            saving = round(1 - self.total.cost / self.always_strongest.cost, 4)
        return {
            "requests": self.requests,
            "answered": self.answered,
            "failed": self.failed,
            "fallback_rate": self.fallback_rate,
            "currency": self.currency,
            "spend": spend(self.total),
            "always_strongest": {"model": self.strongest, **spend(self.always_strongest)},
            "saving": saving,
            "by_model": {k: spend(v) for k, v in self.by_model.items()},
            "by_category": {k: spend(v) for k, v in self.by_category.items()},
            "by_day": {k: spend(v) for k, v in self.by_day.items()},
            "answered_by": self.answered_by,
            "latency": {k: {"p50": v[0], "p95": v[1], "n": v[2]} for k, v in self.latency.items()},
        }


def read_trace(path: str | Path) -> list[dict[str, Any]]:
    """The records of a trace file.

    Raises:
        EvalDataError: unreadable file, or a line that is not a JSON object (naming it).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        msg = f"{path}: cannot read the trace ({getattr(exc, 'strerror', None) or exc})"
        raise EvalDataError(msg) from None
    records = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            msg = f"{path}:{number}: malformed JSON ({exc.msg} at column {exc.colno})"
            raise EvalDataError(msg) from None
        if not isinstance(record, dict) or not isinstance(record.get("attempts", []), list):
            msg = f"{path}:{number}: not a trace record (a JSON object with an 'attempts' list)"
            raise EvalDataError(msg)
        records.append(record)
    return records


def summarize_trace(records: Sequence[dict[str, Any]], catalog: ModelCatalog) -> TraceReport:
    """Aggregate trace records (see the module docstring)."""
    strongest = max(catalog.ids, key=lambda m: (catalog[m].quality, -catalog.ids.index(m)))
    by_model: dict[str, Spend] = defaultdict(Spend)
    by_category: dict[str, Spend] = defaultdict(Spend)
    by_day: dict[str, Spend] = defaultdict(Spend)
    answered_by: dict[str, int] = defaultdict(int)
    daily: dict[str, dict[str, Spend]] = defaultdict(lambda: defaultdict(Spend))
    seconds: dict[str, list[float]] = defaultdict(list)
    total, baseline = Spend(), Spend()
    answered = fallbacks = 0
    for record in records:
        attempts = [a for a in record.get("attempts") or [] if isinstance(a, dict)]
        for attempt in attempts:
            usage = attempt.get("usage") or {}
            model = str(attempt.get("model_id") or "?")
            by_model[model].add(attempt.get("cost"), usage.get("input_tokens"), usage.get("output_tokens"))
            if attempt.get("outcome") == "ok" and isinstance(attempt.get("seconds"), int | float):
                seconds[model].append(float(attempt["seconds"]))
        cost = record.get("cost")
        tokens = (record.get("input_tokens"), record.get("output_tokens"))
        total.add(cost, *tokens)
        by_category[str(record.get("category") or "unknown")].add(cost, *tokens)
        day = str(record.get("ts") or "unknown")[:10]
        by_day[day].add(cost, *tokens)
        daily[day][str(record.get("model") or "failed")].add(cost, *tokens)
        fallbacks += len(attempts) > 1
        if record.get("outcome") == "ok":
            answered += 1
            answered_by[str(record.get("model") or "?")] += 1
            ok = next((a for a in reversed(attempts) if a.get("outcome") == "ok"), {})
            usage = ok.get("usage") or {}
            if usage:
                price = catalog[strongest].pricing.estimate(
                    _int(usage.get("input_tokens")), _int(usage.get("output_tokens"))
                )
            else:
                price = None
            baseline.add(price, usage.get("input_tokens"), usage.get("output_tokens"))
    return TraceReport(
        requests=len(records),
        answered=answered,
        failed=len(records) - answered,
        fallbacks=fallbacks,
        currency=catalog[strongest].pricing.currency,
        strongest=strongest,
        total=total,
        always_strongest=baseline,
        by_model=dict(sorted(by_model.items(), key=lambda kv: (-kv[1].cost, -kv[1].n))),
        by_category=dict(sorted(by_category.items(), key=lambda kv: (-kv[1].cost, -kv[1].n))),
        by_day=dict(sorted(by_day.items())),
        answered_by=dict(sorted(answered_by.items(), key=lambda kv: -kv[1])),
        latency={m: (percentile(v, 50), percentile(v, 95), len(v)) for m, v in sorted(seconds.items())},
        daily={day: dict(models) for day, models in sorted(daily.items())},
    )


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile: the smallest value with at least ``p``% of values at or below it."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def _int(value: Any) -> int:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0
