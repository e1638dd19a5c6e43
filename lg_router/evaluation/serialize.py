"""JSON shapes of the evaluation reports (the ``--json`` outputs of ``eval`` and ``report``)."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lg_router.evaluation.quality import CurveReport
    from lg_router.evaluation.run import EvalReport


def _round(value: float | None, digits: int = 6) -> float | None:
    return None if value is None else round(value, digits)


def curve_json(curve: CurveReport) -> dict[str, Any]:
    """APGR, CPT and every point of the curve."""
    return {
        "weak": curve.weak,
        "strong": curve.strong,
        "axis": curve.axis,
        "apgr": _round(curve.apgr, 4),
        "cpt50_percent": _round(curve.cpt50, 2),
        "cpt80_percent": _round(curve.cpt80, 2),
        "points": [asdict(p) for p in curve.points],
        "curve": [asdict(p) for p in curve.curve],
        "oracle": asdict(curve.oracle),
        "random_quality_at_points": {p.label: _round(curve.random_quality(p.x), 6) for p in curve.points},
    }


def eval_json(report: EvalReport) -> dict[str, Any]:
    """The whole evaluation report."""
    routed, strongest = report.total_cost()
    n = len(report.rows)
    on_strongest = sum(1 for r in report.rows if r.routed == report.strongest)
    data: dict[str, Any] = {
        "catalog": report.catalog,
        "classifier": report.classifier,
        "preference": report.preference,
        "pool": list(report.pool),
        "rows": n,
        "no_route": len(report.errors),
        "seconds": round(report.seconds, 3),
        "distribution": {
            "models": dict(report.routed_counts.most_common()),
            "categories": dict(report.category_counts.most_common()),
        },
        "cost": {
            "currency": report.currency,
            "strongest_model": report.strongest,
            "routed": _round(routed),
            "always_strongest": _round(strongest),
            "saving": _round(1 - routed / strongest, 4) if routed is not None and strongest else None,
            "share_not_on_strongest": _round((n - on_strongest) / n, 4) if n else None,
        },
        "accuracy": asdict(report.overall) if report.overall else None,
        "per_category": {k: asdict(v) for k, v in report.per_category.items()},
        "category_confusion": {k: dict(v) for k, v in report.category_confusion.items()},
        "model_confusion": {k: dict(v) for k, v in report.model_confusion.items()},
        "curve": curve_json(report.curve) if report.curve else None,
        "results": [
            {
                "id": r.id,
                "line": r.line,
                "ranked": list(r.ranked),
                "category": r.category,
                "expected": list(r.expected),
                "label": r.label,
                "cost": r.cost,
                "strongest_cost": r.strongest_cost,
                "error": r.error,
            }
            for r in report.rows
        ],
    }
    return data
