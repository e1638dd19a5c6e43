"""``summarize_trace()`` on hand-made trace records (numbers worked out by hand)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from lg_router import ModelCatalog
from lg_router.evaluation import EvalDataError, read_trace, summarize_trace
from lg_router.evaluation.report import percentile

pytestmark = pytest.mark.usefixtures("offline")
MINI, SONNET = "openai/gpt-4o-mini", "anthropic/claude-3-5-sonnet-20241022"  # 14 and 289 INR/M input


def attempt(model: str, outcome: str = "ok", seconds: float = 1.0, tokens: int = 1000, cost=None, **extra):
    usage = {"input_tokens": tokens, "output_tokens": 10} if outcome == "ok" else None
    return {"model_id": model, "outcome": outcome, "seconds": seconds, "usage": usage, "cost": cost, **extra}


def record(ts: str, category: str, attempts: list, outcome: str = "ok") -> dict:
    ok = [a for a in attempts if a["outcome"] == "ok"]
    return {
        "ts": ts,
        "category": category,
        "model": ok[-1]["model_id"] if ok else None,
        "outcome": outcome,
        "attempts": attempts,
        "input_tokens": sum(a["usage"]["input_tokens"] for a in ok),
        "output_tokens": sum(a["usage"]["output_tokens"] for a in ok),
        "cost": ok[-1]["cost"] if ok else None,
    }


RECORDS = [
    record("2026-11-30T10:00:00+00:00", "simple", [attempt(MINI, seconds=0.5, cost=0.014)]),
    record("2026-11-30T11:00:00+00:00", "simple", [attempt(MINI, seconds=1.5, cost=0.014)]),
    record(
        "2026-12-01T09:00:00+00:00",
        "coding",
        [
            attempt(MINI, "timeout", seconds=5.0),
            attempt(SONNET, seconds=3.0, cost=0.289, first_token_seconds=0.4),
        ],
    ),
    record("2026-12-01T09:30:00+00:00", "coding", [attempt(MINI, "error", 0.1)], outcome="error"),
]


def test_spend_fallbacks_latency_and_always_strongest() -> None:
    report = summarize_trace(RECORDS, ModelCatalog.preset("tiers"))
    assert (report.requests, report.answered, report.failed, report.fallbacks) == (4, 3, 1, 1)
    assert report.fallback_rate == 0.25
    assert report.currency == "INR" and report.strongest == SONNET
    assert report.total.cost == pytest.approx(0.317) and report.total.unknown == 1  # the failed request
    assert report.by_model[SONNET].cost == pytest.approx(0.289)
    assert report.by_model[MINI].n == 4 and report.by_model[MINI].cost == pytest.approx(0.028)
    assert report.by_model[MINI].unknown == 2  # the timeout and the error
    assert report.by_category["simple"].cost == pytest.approx(0.028)
    assert list(report.by_day) == ["2026-11-30", "2026-12-01"]
    assert report.by_day["2026-12-01"].n == 2
    # always sonnet: 3 answered requests x 1000 input tokens x 289 INR/M (output unpriced)
    assert report.always_strongest.cost == pytest.approx(3 * 0.289)
    assert report.to_json()["saving"] is None  # a failed request's cost is unknown
    assert report.latency[MINI] == (0.5, 1.5, 2) and report.latency[SONNET] == (3.0, 3.0, 1)
    assert report.daily["2026-12-01"]["failed"].n == 1


def test_nearest_rank_percentiles() -> None:
    values = [float(v) for v in range(1, 21)]  # 1..20
    assert percentile(values, 50) == 10 and percentile(values, 95) == 19
    assert percentile([4.0], 95) == 4 and math.isnan(percentile([], 50))


def test_read_trace_names_a_malformed_line(tmp_path: Path) -> None:
    path = tmp_path / "trace.jsonl"
    path.write_text(json.dumps(RECORDS[0]) + "\n{oops\n")
    with pytest.raises(EvalDataError, match=r"trace.jsonl:2: malformed JSON"):
        read_trace(path)
    path.write_text('{"attempts": 3}\n')
    with pytest.raises(EvalDataError, match=r"trace.jsonl:1: not a trace record"):
        read_trace(path)
