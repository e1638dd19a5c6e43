"""``evaluate()`` on a hand-made data set whose every number is worked out by hand.

``data/scored.jsonl``: four tasks the offline rules route as shown (oxlo catalog), each
model's cost per row (llama 2, qwen 1, deepseek 0, kimi 4) and 0/1 quality scores:

    task          balanced  cost      speed     quality   scores (llama qwen deepseek kimi)
    coding        deepseek  deepseek  deepseek  deepseek  0 0 1 1
    multilingual  qwen      qwen      qwen      qwen      0 1 0 1
    reasoning     kimi      deepseek  qwen      kimi      0 0 0 1
    poem          llama     llama     llama     llama     1 0 0 1

Strong = kimi (mean quality 1, cost 4), weak = deepseek (cost 0, quality 0.25).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lg_router import ModelCatalog
from lg_router.evaluation import EvalDataError, evaluate, load_rows
from lg_router.evaluation.data import parse_row

pytestmark = pytest.mark.usefixtures("offline")
DATA = Path(__file__).parent / "data" / "scored.jsonl"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def report():
    return evaluate(load_rows(DATA), catalog=ModelCatalog.preset("oxlo"))


def test_label_metrics(report) -> None:
    assert [r.routed for r in report.rows] == ["deepseek-v3.2", "qwen-3-32b", "kimi-k2.6", "llama-3.3-70b"]
    overall = report.overall
    assert (overall.n, overall.top1, overall.strict, overall.top3) == (4, 0.75, 0.75, 1.0)
    assert overall.category == 0.75  # the poem is labelled 'simple', routed as 'general'
    assert report.per_category["reasoning"].top1 == 0.0 and report.per_category["coding"].top1 == 1.0
    assert report.category_confusion["simple"] == {"general": 1}
    assert report.model_confusion["deepseek-v3.2"] == {"deepseek-v3.2": 1, "kimi-k2.6": 1}


def test_distribution_and_cost_against_always_strongest(report) -> None:
    assert report.strongest == "kimi-k2.6"
    assert report.routed_counts == {"deepseek-v3.2": 1, "qwen-3-32b": 1, "kimi-k2.6": 1, "llama-3.3-70b": 1}
    assert report.total_cost() == (7.0, 16.0)  # 0+1+4+2 routed vs 4*4 always kimi
    assert report.to_json()["cost"]["saving"] == pytest.approx(1 - 7 / 16)


def test_curve_points_apgr_and_cpt(report) -> None:
    curve = report.curve
    assert (curve.weak, curve.strong, curve.axis) == ("deepseek-v3.2", "kimi-k2.6", "cost")
    points = {p.label: p for p in curve.points}
    assert (points["balanced"].quality, points["balanced"].cost) == (1.0, 1.75)
    assert (points["balanced"].x, points["balanced"].pgr) == pytest.approx((0.4375, 1.0))
    assert (points["cost"].x, points["cost"].pgr) == pytest.approx((0.1875, 2 / 3))
    assert (points["speed"].x, points["speed"].pgr) == pytest.approx((0.25, 2 / 3))
    # trapezoids over (0,0) (.1875,2/3) (.25,2/3) (.4375,1) (1,1)
    assert curve.apgr == pytest.approx(0.0625 + 0.0625 * 2 / 3 + 0.1875 * 5 / 6 + 0.5625)
    assert curve.cpt50 == pytest.approx(14.0625)
    assert curve.cpt80 == pytest.approx(32.5)
    assert curve.oracle.quality == 1.0 and curve.oracle.cost == 1.75
    # random routing at the balanced point's cost: 0.25 + 0.4375 * 0.75
    assert curve.random_quality(points["balanced"].x) == pytest.approx(0.578125)


def test_unlabelled_rows_give_only_distribution_and_cost() -> None:
    rows = [parse_row('{"task": "Write a short poem about autumn."}', 1, source=Path("x.jsonl"))]
    tiers = ModelCatalog.preset("tiers")
    report = evaluate(rows, catalog=tiers, output_tokens=0)
    assert report.overall is None and report.curve is None and not report.category_confusion
    routed, strongest = report.total_cost()
    assert report.strongest == "anthropic/claude-3-5-sonnet-20241022"
    tokens = report.rows[0]
    assert strongest == pytest.approx(routed * 289 / tiers[report.rows[0].routed].pricing.input_per_million)
    assert tokens.cost is not None and tokens.cost > 0


def test_scored_row_missing_a_pool_model_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text('{"task": "hi"}\n\n{"task": "ho", "scores": {"kimi-k2.6": 1}}\n')
    with pytest.raises(EvalDataError, match=r"line 3: no score for \['llama-3.3-70b'"):
        evaluate(load_rows(path), catalog=ModelCatalog.preset("oxlo"))
    report = evaluate(load_rows(path)[1:], catalog=ModelCatalog.preset("oxlo"), models=["kimi-k2.6"])
    assert report.curve is not None and report.curve.apgr is None  # one model: no gap


def test_unknown_model_id_names_the_line_and_the_catalog(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text('{"task": "hi", "expected": ["gpt-9"]}\n')
    with pytest.raises(EvalDataError, match=r"line 1: 'expected' names model ids \['gpt-9'\].*--catalog"):
        evaluate(load_rows(path), catalog=ModelCatalog.preset("oxlo"))


def test_devset_as_is_matches_the_quality_helpers_own_eval() -> None:
    """``evals/devset.jsonl`` loads (long documents expanded) and scores like ``python -m evals``."""
    from evals.data import load
    from lg_router import route

    rows = load_rows(REPO / "evals" / "devset.jsonl")
    items = load("dev")
    assert [r.id for r in rows] == [i.id for i in items]
    long_rows = [r for r in rows if "long_document" in r.extra]
    assert long_rows and all(len(r.text) > 80_000 for r in long_rows)
    assert [r.messages for r in rows] == [i.messages for i in items]
    theirs = sum(route(i.messages, classifier="rules").best in i.expected for i in items) / len(items)
    report = evaluate(rows, catalog=ModelCatalog.preset("oxlo"))
    assert report.overall is not None and report.overall.top1 == pytest.approx(theirs)


def test_progress_is_reported_for_every_routed_row() -> None:
    seen: list[tuple[int, int]] = []
    evaluate(
        load_rows(DATA), catalog=ModelCatalog.preset("oxlo"), on_progress=lambda d, t: seen.append((d, t))
    )
    assert seen == [(i, 16) for i in range(1, 17)]  # 4 scored rows x 4 preferences (the curve)
