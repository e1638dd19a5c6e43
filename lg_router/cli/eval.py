"""``lg-router eval DATA.jsonl``: routing quality and savings on the user's own data.

Registered on the app by :mod:`lg_router.cli.commands`; the work is done by
:mod:`lg_router.evaluation` (imported when the command runs, so ``lg-router --help``
stays light).
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from lg_router.cli.commands import (
    DEFAULT_CLASSIFIER,
    BaseUrlOpt,
    CatalogOpt,
    ClassifierOpt,
    JsonOpt,
    KeyEnvOpt,
    ModelsOpt,
    Preference,
    PrefOpt,
    RouterOptions,
    _print_json,
    app,
    err,
    out,
)

_REASON_CHARS = 160  # the terminal shows the start of a judge's reason; --json has all of it
PlotsOpt = Annotated[
    Path | None, typer.Option("--plots", help="Write PNG pictures into this folder.", show_default=False)
]


@contextmanager
def progress_bar(label: str, *, enabled: bool) -> Any:
    """A rich progress bar on stderr (hidden when stderr is not a terminal or for --json)."""
    progress = Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not enabled or not err.is_terminal,
    )
    with progress:
        task = progress.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield update


@app.command("eval")
def eval_cmd(
    data: Annotated[Path, typer.Argument(help="JSONL rows: 'task' or 'messages', plus any labels.")],
    catalog: CatalogOpt = None,
    preference: PrefOpt = Preference.balanced,
    models: ModelsOpt = None,
    classifier: ClassifierOpt = DEFAULT_CLASSIFIER,  # what route() and the graph use
    base_url: BaseUrlOpt = None,
    api_key_env: KeyEnvOpt = None,
    json_output: JsonOpt = False,
    plots: PlotsOpt = None,
    output_tokens: Annotated[
        int, typer.Option("--output-tokens", min=0, help="Answer tokens assumed by cost estimates.")
    ] = 256,
    judge: Annotated[
        str | None,
        typer.Option("--judge", help="Catalog id of a judge model: compare routed and strongest answers."),
    ] = None,
    sample: Annotated[int, typer.Option("--sample", min=1, help="Tasks the judge samples.")] = 20,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the judge's sample.")] = 0,
    max_tokens: Annotated[
        int | None,
        typer.Option("--max-tokens", min=1, help="Output budget of each judged answer."),
    ] = None,
    timeout: Annotated[
        float | None, typer.Option("--timeout", min=0.001, help="Seconds per model attempt (judge runs).")
    ] = None,
) -> None:
    """Measure routing quality and savings on DATA (a JSONL data set).

    Labels give accuracy and confusion matrices, per-model scores give RouteLLM's
    APGR/CPT and the cost/quality curve, and every row counts in the decision
    distribution and the cost against always-strongest. --judge MODEL compares routed
    and strongest answers with an LLM judge instead.

    A row: {"task": "..."} or {"messages": [...]}, with any of "expected" (acceptable
    model ids), "category", "scores" and "costs" (model id -> number).
    """
    from lg_router.cli.env import load_catalog
    from lg_router.cli.input import parse_models
    from lg_router.evaluation import evaluate, load_rows

    rows = load_rows(data)
    cat = load_catalog(catalog, base_url=base_url, api_key_env=api_key_env)
    opts = RouterOptions(cat, classifier, preference, parse_models(models))
    if judge is not None:
        _judge(rows, opts, judge, sample, seed, max_tokens, timeout, json_output)
        return
    opts.check_classifier_key()
    with progress_bar("routing", enabled=not json_output) as update:
        report = evaluate(rows, **opts.kwargs(), output_tokens=output_tokens, on_progress=update)
    written = _eval_plots(report, plots) if plots else []
    if json_output:
        _print_json({**report.to_json(), "plots": [str(p) for p in written]})
        return
    _print_eval(report, data)
    for path in written:
        out.print(f"wrote {path}", markup=False)


def _print_eval(report: Any, data: Path) -> None:
    from lg_router.evaluation import tables

    out.print(
        f"{len(report.rows)} rows from {data}, catalog '{report.catalog}', classifier {report.classifier}, "
        f"preference {report.preference}, routed in {report.seconds:.2f}s",
        markup=False,
    )
    if report.per_category:
        out.print(tables.accuracy_table(report))
    if report.category_confusion:
        out.print(tables.confusion_table(report.category_confusion, what="category"))
    elif report.model_confusion:
        out.print(tables.confusion_table(report.model_confusion, what="model"))
    if report.curve is not None:
        out.print(tables.curve_table(report.curve))
    out.print(tables.distribution_table(report))
    for line in tables.cost_lines(report):
        out.print(line, markup=False)
    for row in report.errors[:10]:
        out.print(Text(f"no route for {row.id} (line {row.line}): {row.error}", style="yellow"))


def _eval_plots(report: Any, folder: Path) -> list[Path]:
    from lg_router.evaluation import plots

    written = []
    if report.curve is not None:
        written.append(plots.save(plots.curve_figure(report.curve), folder / plots.CURVE_PNG))
    confusion, what = (
        (report.category_confusion, "category")
        if report.category_confusion
        else (report.model_confusion, "model")
    )
    if confusion:
        written.append(plots.save(plots.confusion_figure(confusion, what=what), folder / plots.CONFUSION_PNG))
    return written


def _judge(
    rows: Any,
    opts: RouterOptions,
    judge_model: str,
    sample: int,
    seed: int,
    max_tokens: int | None,
    timeout: float | None,
    json_output: bool,
) -> None:
    from lg_router.cli.stream import check_keys
    from lg_router.errors import InvalidOptionError
    from lg_router.evaluation import judge, tables

    cat = opts.catalog
    if judge_model not in cat:
        msg = f"--judge {judge_model!r} is not a model of catalog '{cat.name}' ({', '.join(cat.ids)})"
        raise InvalidOptionError(msg)
    check_keys(cat, [*(opts.models or cat.ids), judge_model])
    with progress_bar("judging", enabled=not json_output) as update:
        report = judge(
            rows,
            **opts.kwargs(),
            judge_model=judge_model,
            sample=sample,
            seed=seed,
            timeout=timeout,
            client_kwargs={"max_tokens": max_tokens} if max_tokens else None,
            on_progress=update,
        )
    if json_output:
        _print_json(report.to_json())
        return
    out.print(tables.judge_table(report))
    for r in report.results:
        if r.error:
            out.print(Text(f"{r.id}: {r.error}", style="yellow"))
        elif not r.same_quality:
            reason = r.reason if len(r.reason) <= _REASON_CHARS else r.reason[: _REASON_CHARS - 1] + "…"
            out.print(Text(f"{r.id}: {r.routed} fell short: {reason}", style="dim"))
    cost = tables.money(report.cost, report.currency, report.unknown_cost_calls)
    verdict = {True: "well calibrated (>= 95%)", False: "below seed 003's 95%", None: "no verdicts"}
    out.print(
        f"{verdict[report.calibrated]}; {len(report.results)} tasks in {report.seconds:.1f}s, "
        f"{report.calls} model calls, cost {cost}",
        markup=False,
    )
