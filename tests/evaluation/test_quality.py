"""RouteLLM's metrics on hand-made score tables whose values can be worked out by hand."""

from __future__ import annotations

import random

import pytest

from lg_router.evaluation.quality import Point, ScoreTable, apgr, cpt, curve_report, wilson

pytestmark = pytest.mark.usefixtures("offline")


def two_models(weak: list[float], strong: list[float]) -> ScoreTable:
    """W costs 0 and S costs 1 per row: the x axis is exactly the share of calls to S."""
    quality = [{"W": w, "S": s} for w, s in zip(weak, strong, strict=True)]
    return ScoreTable(quality, [{"W": 0.0, "S": 1.0}] * len(weak), ["W", "S"])


def test_anchors_weak_is_cheapest_strong_is_best() -> None:
    table = two_models([1, 0, 1, 0], [1, 1, 1, 1])
    assert (table.weak, table.strong, table.axis) == ("W", "S", "cost")
    assert table.mean_quality("W") == 0.5 and table.mean_cost("S") == 1.0


def test_random_router_has_apgr_one_half_in_expectation() -> None:
    rng = random.Random(7)
    n = 4000
    weak = [float(rng.random() < 0.4) for _ in range(n)]
    strong = [float(rng.random() < 0.8) for _ in range(n)]
    table = two_models(weak, strong)
    points = {}
    for k in range(1, 10):
        p = k / 10
        points[f"p={p}"] = ["S" if rng.random() < p else "W" for _ in range(n)]
    report = curve_report(table, points)
    assert report.apgr == pytest.approx(0.5, abs=0.03)
    assert report.cpt50 == pytest.approx(50, abs=5)
    assert report.cpt80 == pytest.approx(80, abs=5)
    # and each random point sits on the random-routing line at its own cost
    for point in report.points:
        assert point.quality == pytest.approx(report.random_quality(point.x), abs=0.03)


def test_diagonal_curve_is_exactly_one_half() -> None:
    curve = [Point(str(x), 0, 0, x, x, x) for x in (0.0, 0.3, 0.7, 1.0)]
    assert apgr(curve) == pytest.approx(0.5)
    assert cpt(curve, 0.5) == pytest.approx(50)


def test_oracle_recovers_the_whole_gap_at_the_share_it_must_call_the_strong_model() -> None:
    # 10 rows; the weak model fails on 2 of them (a = 0.2), the strong never fails.
    weak = [0, 0, 1, 1, 1, 1, 1, 1, 1, 1]
    table = two_models(weak, [1.0] * 10)
    oracle = table.oracle_choices()
    assert oracle == ["S", "S"] + ["W"] * 8
    report = curve_report(table, {"oracle": oracle})
    point = report.points[0]
    assert (point.x, point.pgr, point.quality) == pytest.approx((0.2, 1.0, 1.0))
    # curve (0,0) -> (0.2,1) -> (1,1): area 0.2*0.5 + 0.8*1 = 1 - a/2
    assert report.apgr == pytest.approx(0.9)
    assert report.cpt50 == pytest.approx(10) and report.cpt80 == pytest.approx(16)
    assert report.oracle.pgr == pytest.approx(1.0)


@pytest.mark.parametrize(("failures", "n", "expected"), [(50, 100, 0.75), (20, 100, 0.9), (1, 100, 0.995)])
def test_oracle_apgr_is_one_minus_half_its_strong_share(failures: int, n: int, expected: float) -> None:
    table = two_models([0.0] * failures + [1.0] * (n - failures), [1.0] * n)
    report = curve_report(table, {"oracle": table.oracle_choices()})
    assert report.apgr == pytest.approx(expected)  # -> 1 as the weak model's failures vanish


def test_no_gap_when_the_cheapest_model_is_also_the_best() -> None:
    quality = [{"W": w, "M": 1.0, "S": 1.0} for w in (0, 1, 0, 1)]
    costs = [{"W": 0.0, "M": 0.0, "S": 2.0}] * 4
    table = ScoreTable(quality, costs, ["S", "M", "W"])
    assert table.strong == "M" and table.weak == "M"  # as good as S, as cheap as W
    report = curve_report(table, {"router": ["M"] * 4})
    assert report.apgr is None and report.cpt50 is None


def test_cpt_and_apgr_of_a_known_curve() -> None:
    curve = [
        Point("weak", 0, 0, 0, 0.0, 0.0),
        Point("a", 0, 0, 0, 0.25, 0.5),
        Point("b", 0, 0, 0, 0.5, 0.9),
        Point("strong", 0, 0, 0, 1.0, 1.0),
    ]
    # trapezoids: 0.25*0.25 + 0.25*0.7 + 0.5*0.95
    assert apgr(curve) == pytest.approx(0.7125)
    assert cpt(curve, 0.5) == pytest.approx(25.0)
    assert cpt(curve, 0.8) == pytest.approx(43.75)  # 25 + 25 * (0.3 / 0.4)
    assert cpt(curve, 1.0) == pytest.approx(100.0)
    assert cpt(curve, 1.5) is None


def test_part_of_the_curve_beyond_the_strong_model_cost_is_left_out() -> None:
    curve = [
        Point("weak", 0, 0, 0, 0.0, 0.0),
        Point("strong", 0, 0, 0, 1.0, 1.0),
        Point("x", 0, 0, 0, 2.0, 1.0),
    ]
    assert apgr(curve) == pytest.approx(0.5)


def test_without_costs_the_axis_is_the_share_of_strong_calls() -> None:
    quality = [{"W": 0.0, "S": 1.0}, {"W": 1.0, "S": 1.0}]
    table = ScoreTable(quality, [{"W": None, "S": None}] * 2, ["W", "S"])
    assert table.axis == "strong_calls" and not table.cost_known
    report = curve_report(table, {"router": ["S", "W"]})
    (point,) = report.points
    assert (point.x, point.pgr, point.cost) == (0.5, 1.0, None)


def test_wilson_interval_matches_known_values() -> None:
    low, high = wilson(0, 10)
    assert low == 0 and high == pytest.approx(0.2775, abs=1e-4)
    low, high = wilson(95, 100)
    assert (low, high) == pytest.approx((0.8883, 0.9785), abs=1e-4)
    assert wilson(0, 0) == (0.0, 1.0)
