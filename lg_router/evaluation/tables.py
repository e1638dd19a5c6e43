"""Rich tables of the evaluation reports (what ``lg-router eval`` and ``report`` print)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from rich.table import Table

if TYPE_CHECKING:
    from lg_router.evaluation.judge import JudgeReport
    from lg_router.evaluation.quality import CurveReport
    from lg_router.evaluation.report import Spend, TraceReport
    from lg_router.evaluation.run import EvalReport


def pct(value: float | None, digits: int = 1) -> str:
    """``95.8%`` (or ``-`` when unknown)."""
    return "-" if value is None else f"{100 * value:.{digits}f}%"


def money(value: float | None, currency: str, unknown: int = 0) -> str:
    """``0.0123 INR``; ``unknown`` when nothing is known; a note when some costs are."""
    if value is None or (unknown and not value):
        return "unknown"
    note = f" (+{unknown} unknown)" if unknown else ""
    return f"{value:.6g} {currency}{note}"


# Column headings short enough for an 80-column terminal.
_SHORT = {"long_context": "long", "multilingual": "multi", "reasoning": "reason", "general": "gen."}


def accuracy_table(report: EvalReport) -> Table:
    """Per labelled category: rows, top-1, strict, top-3, category accuracy."""
    table = Table(title="Routing accuracy by labelled category", title_justify="left")
    for name in ("category", "n", "top-1", "strict", "top-3", "category acc."):
        table.add_column(name, justify="left" if name == "category" else "right")
    for name, acc in report.per_category.items():
        table.add_row(name, str(acc.n), pct(acc.top1), pct(acc.strict), pct(acc.top3), pct(acc.category))
    if report.overall is not None:
        o = report.overall
        table.add_section()
        table.add_row("overall", str(o.n), pct(o.top1), pct(o.strict), pct(o.top3), pct(o.category))
    return table


def confusion_table(confusion: Mapping[str, Mapping[str, int]], *, what: str) -> Table:
    """Labelled (rows) by routed (columns) counts; the diagonal is bold."""
    labels = sorted(confusion)
    columns = sorted({c for row in confusion.values() for c in row} | set(labels))
    table = Table(title=f"Confusion matrix: labelled {what} (rows) by routed {what}", title_justify="left")
    table.add_column("labelled")
    for column in columns:
        table.add_column(_SHORT.get(column, column), justify="right", overflow="fold")
    for label in labels:
        cells = []
        for column in columns:
            value = confusion[label].get(column, 0)
            text = str(value) if value else "."
            cells.append(f"[bold]{text}[/bold]" if column == label else text)
        table.add_row(label, *cells)
    return table


def distribution_table(report: EvalReport) -> Table:
    """How many rows went to each model, and the estimated cost against always-strongest."""
    n = len(report.rows) or 1
    table = Table(title="Decisions", title_justify="left")
    for name in ("routed to", "rows", "share"):
        table.add_column(name, justify="left" if name == "routed to" else "right")
    for model, count in report.routed_counts.most_common():
        label = f"{model} (strongest)" if model == report.strongest else model
        table.add_row(label, str(count), pct(count / n))
    return table


def cost_lines(report: EvalReport) -> list[str]:
    """The cost comparison in words (estimates; unknown prices say so)."""
    routed, strongest = report.total_cost()
    n = len(report.rows)
    off = sum(1 for r in report.rows if r.routed != report.strongest)
    lines = [
        f"{off} of {n} rows ({pct(off / n if n else None)}) avoided the strongest model {report.strongest}"
    ]
    if routed is not None and strongest:
        lines.append(
            f"estimated cost: {money(routed, report.currency)} routed vs {money(strongest, report.currency)} "
            f"always {report.strongest} (saving {pct(1 - routed / strongest)})"
        )
    else:
        lines.append(
            "estimated cost: unknown (the catalog does not price every model; add pricing or row 'costs')"
        )
    return lines


def curve_table(curve: CurveReport) -> Table:
    """The router's operating points against random routing and the best single model."""
    axis = "cost equiv." if curve.axis == "cost" else "strong calls"
    table = Table(
        title=f"Cost/quality (weak {curve.weak}, strong {curve.strong})",
        caption=(
            f"APGR {curve.apgr:.3f} (random 0.500)   "
            f"CPT(50%) {curve.cpt50:.1f}%   CPT(80%) {curve.cpt80:.1f}%"
            if curve.apgr is not None and curve.cpt50 is not None and curve.cpt80 is not None
            else "no quality gap between the weak and the strong model: APGR and CPT are undefined"
        ),
        title_justify="left",
        caption_justify="left",
    )
    table.add_column("point", no_wrap=True)
    for name in (axis, "mean cost", "quality", "PGR", "random@cost"):
        table.add_column(name, justify="right")
    for p in (*curve.points, curve.oracle):
        random_q = f"{curve.random_quality(p.x):.3f}" if p.label != "oracle" else ""
        cost = "-" if p.cost is None else f"{p.cost:.6g}"
        table.add_row(p.label, pct(p.x), cost, f"{p.quality:.3f}", f"{p.pgr:.3f}", random_q)
    table.add_section()
    for p in curve.curve:
        if p.label in ("weak", "strong"):
            name = f"all {curve.weak if p.label == 'weak' else curve.strong}"
            cost = "-" if p.cost is None else f"{p.cost:.6g}"
            table.add_row(name, pct(p.x), cost, f"{p.quality:.3f}", f"{p.pgr:.3f}", "")
    return table


def judge_table(report: JudgeReport) -> Table:
    """Match rates with 95% Wilson intervals, and the tasks that did not match."""
    table = Table(
        title=f"Judge {report.judge}: routed answer as good as {report.strongest}'s?", title_justify="left"
    )
    for name in ("group", "matches", "n", "rate", "95% CI"):
        table.add_column(name, justify="left" if name == "group" else "right")
    for name, only in (("all sampled tasks", False), ("downgraded only", True)):
        matches, n, rate, (low, high) = report.rate(only)
        table.add_row(name, str(matches), str(n), pct(rate), f"{pct(low)} - {pct(high)}")
    return table


def spend_table(
    title: str, rows: Mapping[str, Spend], currency: str, first: str, *, count: str = "requests"
) -> Table:
    """Requests (or attempts), tokens and cost per key (model, category or day)."""
    table = Table(title=title, title_justify="left")
    table.add_column(first, no_wrap=True)
    for name in (count, "in tok", "out tok", f"cost {currency}"):
        table.add_column(name, justify="right")
    for key, spend in rows.items():
        cost = "unknown" if spend.unknown and not spend.cost else f"{spend.cost:.6g}"
        if spend.unknown and spend.cost:
            cost += f" (+{spend.unknown} unknown)"
        table.add_row(key, str(spend.n), f"{spend.input_tokens:,}", f"{spend.output_tokens:,}", cost)
    return table


def latency_table(report: TraceReport) -> Table:
    """p50/p95 seconds of each model's successful attempts."""
    table = Table(title="Latency per model (successful attempts)", title_justify="left")
    for name in ("model", "answers", "p50 s", "p95 s"):
        table.add_column(name, justify="left" if name == "model" else "right")
    for model, (p50, p95, n) in report.latency.items():
        table.add_row(model, str(n), f"{p50:.3f}", f"{p95:.3f}")
    return table
