"""PNG pictures of the reports: cost/quality curve, confusion matrix, spend over time.

matplotlib (the ``eval`` extra) is imported only here, only when a picture is drawn, and
through its object API with the Agg canvas: no pyplot, no global backend switch, no
window. Each ``*_figure`` function returns the figure (tests read its axes); :func:`save`
writes it at exactly ``SIZE`` pixels.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lg_router.errors import LgRouterError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from lg_router.evaluation.quality import CurveReport
    from lg_router.evaluation.report import TraceReport

SIZE = (960, 600)  # pixels of every PNG
DPI = 100
CURVE_PNG = "cost_quality.png"
CONFUSION_PNG = "confusion.png"
SPEND_PNG = "spend_over_time.png"


class PlotError(LgRouterError, RuntimeError):
    """matplotlib is missing, or a picture cannot be written."""


def _figure() -> Figure:
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        msg = "plots need matplotlib: pip install 'lg-router[eval]'"
        raise PlotError(msg) from None
    figure = Figure(figsize=(SIZE[0] / DPI, SIZE[1] / DPI), dpi=DPI)
    FigureCanvasAgg(figure)
    return figure


def save(figure: Figure, path: str | Path) -> Path:
    """Write ``figure`` as a PNG of ``SIZE`` pixels (folders created)."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path, dpi=DPI, format="png")
    except OSError as exc:
        msg = f"{path}: cannot write the picture ({exc.strerror or exc})"
        raise PlotError(msg) from None
    return path


def curve_figure(curve: CurveReport) -> Figure:
    """Mean quality against strong-call equivalent: router, random routing, single models."""
    figure = _figure()
    ax = figure.add_subplot()
    xs = [100 * p.x for p in curve.curve]
    ax.plot(xs, [p.quality for p in curve.curve], marker="o", label="lg-router (by preference)")
    spots: dict[tuple[float, float], list[str]] = {}
    for p in curve.points:  # one label per spot: preferences often share a point
        spots.setdefault((round(100 * p.x, 6), round(p.quality, 6)), []).append(p.label)
    for (x, y), names in spots.items():
        ax.annotate(", ".join(names), (x, y), textcoords="offset points", xytext=(6, -12))
    weak, strong = curve.curve[0], curve.curve[-1]
    for point in curve.curve:
        weak = point if point.label == "weak" else weak
        strong = point if point.label == "strong" else strong
    ax.plot([0, 100], [weak.quality, strong.quality], linestyle="--", color="grey", label="random routing")
    ax.axhline(strong.quality, color="red", linestyle=":", label=f"best single model ({curve.strong})")
    ax.axhline(weak.quality, color="black", linestyle=":", label=f"cheapest model ({curve.weak})")
    ax.scatter(
        [100 * curve.oracle.x],
        [curve.oracle.quality],
        marker="x",
        s=80,
        color="green",
        label="oracle",
        zorder=3,
    )
    if curve.axis == "cost":
        ax.set_xlabel(f"Cost as strong-model call equivalent (%: 0 = {curve.weak}, 100 = {curve.strong})")
    else:
        ax.set_xlabel(f"Calls to the strong model {curve.strong} (%)")
    ax.set_ylabel("Mean quality score")
    apgr = "n/a" if curve.apgr is None else f"{curve.apgr:.3f}"
    ax.set_title(f"Cost/quality curve (APGR {apgr}; random routing 0.5)")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize="small")
    figure.tight_layout()
    return figure


def confusion_figure(confusion: Mapping[str, Mapping[str, int]], *, what: str = "category") -> Figure:
    """A labelled-by-routed count matrix (rows: labels; columns: what the router chose)."""
    figure = _figure()
    ax = figure.add_subplot()
    labels = sorted(confusion)
    columns = sorted({c for row in confusion.values() for c in row} | set(labels))
    grid = [[confusion.get(r, {}).get(c, 0) for c in columns] for r in labels]
    image = ax.imshow(grid, cmap="Blues", aspect="auto")
    peak = max((v for row in grid for v in row), default=0)
    for i, row in enumerate(grid):
        for j, value in enumerate(row):
            if value:
                colour = "white" if value > peak / 2 else "black"
                ax.text(j, i, str(value), ha="center", va="center", color=colour, fontsize="small")
    ax.set_xticks(range(len(columns)), columns, rotation=30, ha="right", fontsize="small")
    ax.set_yticks(range(len(labels)), labels, fontsize="small")
    ax.set_xlabel(f"Routed {what}")
    ax.set_ylabel(f"Labelled {what}")
    ax.set_title(f"Confusion matrix ({what})")
    figure.colorbar(image, ax=ax, label="rows")
    figure.tight_layout()
    return figure


def spend_figure(report: TraceReport) -> Figure:
    """Spend per day stacked by answering model (requests per day when no cost is known)."""
    figure = _figure()
    ax = figure.add_subplot()
    days = list(report.daily)
    models = sorted({m for day in report.daily.values() for m in day})
    by_cost = report.total.cost > 0
    bottom = [0.0] * len(days)
    for model in models:
        values: list[Any] = []
        for day in days:
            spend = report.daily[day].get(model)
            values.append(0.0 if spend is None else (spend.cost if by_cost else spend.n))
        ax.bar(days, values, bottom=bottom, label=model)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax.set_xlabel("Day (UTC)")
    ax.set_ylabel(f"Spend ({report.currency})" if by_cost else "Requests (prices unknown)")
    ax.set_title("Spend over time by model" if by_cost else "Requests over time by model")
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3, axis="y")
    figure.tight_layout()
    return figure
