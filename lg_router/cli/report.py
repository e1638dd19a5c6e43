"""``lg-router report TRACE.jsonl``: spend, fallbacks and latency of routed traffic.

The trace is written by :class:`lg_router.evaluation.TraceWriter`. Registered on the
app by :mod:`lg_router.cli.commands`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lg_router.cli.commands import CatalogOpt, JsonOpt, _print_json, app, out
from lg_router.cli.eval import PlotsOpt


@app.command("report")
def report_cmd(
    trace: Annotated[Path, typer.Argument(help="JSONL trace written by lg_router.evaluation.TraceWriter.")],
    catalog: CatalogOpt = None,
    json_output: JsonOpt = False,
    plots: PlotsOpt = None,
) -> None:
    """Spend by model, category and day, against always-strongest; fallback rate; latency."""
    from lg_router.cli.env import load_catalog
    from lg_router.evaluation import read_trace, summarize_trace, tables

    cat = load_catalog(catalog)
    summary = summarize_trace(read_trace(trace), cat)
    written = []
    if plots is not None:
        from lg_router.evaluation import plots as pictures

        figure = pictures.spend_figure(summary)
        written.append(pictures.save(figure, plots / pictures.SPEND_PNG))
    if json_output:
        _print_json({**summary.to_json(), "plots": [str(p) for p in written]})
        return
    currency = summary.currency
    out.print(
        f"{summary.requests} requests from {trace}: {summary.answered} answered, {summary.failed} failed, "
        f"fallback rate {tables.pct(summary.fallback_rate)}",
        markup=False,
    )
    by_model = tables.spend_table("Spend by model", summary.by_model, currency, "model", count="calls")
    out.print(by_model)
    out.print(tables.spend_table("Spend by category", summary.by_category, currency, "category"))
    out.print(tables.spend_table("Spend by day (UTC)", summary.by_day, currency, "day"))
    out.print(tables.latency_table(summary))
    spent, base = summary.total, summary.always_strongest
    line = (
        f"spend {tables.money(spent.cost, currency, spent.unknown)} vs always {summary.strongest} "
        f"{tables.money(base.cost, currency, base.unknown)}"
    )
    saving = summary.to_json()["saving"]
    out.print(line + (f" (saving {tables.pct(saving)})" if saving is not None else ""), markup=False)
    for path in written:
        out.print(f"wrote {path}", markup=False)
