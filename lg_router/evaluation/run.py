"""``evaluate()``: route every row of a data set and measure what its labels allow.

* Rows with ``expected`` model ids: **top-1** (the first-ranked model is acceptable),
  **strict** (it is ``expected[0]``), **top-3** (any ranked model is acceptable), and a
  confusion matrix of ``expected[0]`` against the routed model.
* Rows with a ``category``: **category** accuracy (``decision.category`` equals the label)
  and a confusion matrix of labelled against predicted categories.
* Rows with ``scores``: RouteLLM's APGR, CPT(50%), CPT(80%) and the cost/quality curve
  (see :mod:`lg_router.evaluation.quality`), the router's operating point being its
  choices under each preference.
* Every row: the distribution of decisions and the estimated cost against always using
  the pool's strongest model (highest ``quality`` hint in the catalog).

Scored rows are routed once per preference (four decisions per row; with the ``llm``
classifier, four classifier calls). Costs come from a row's ``costs`` when given, else
the catalog's pricing applied to the decision's approximate input tokens and
``output_tokens`` assumed output tokens; an unknown price makes the total unknown
rather than zero.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from lg_router.catalog import ModelCatalog
from lg_router.classifiers import Classifier
from lg_router.decision import PREFERENCES, RoutingDecision
from lg_router.errors import LgRouterError
from lg_router.evaluation.data import EvalDataError, EvalRow
from lg_router.evaluation.quality import CurveReport, ScoreTable, curve_report
from lg_router.routing import Decider, resolve_classifier
from lg_router.state import RunOptions

DEFAULT_OUTPUT_TOKENS = 256
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class RowResult:
    """What the router did with one row (``routed`` is ``None`` when it refused)."""

    id: str
    line: int
    ranked: tuple[str, ...]
    category: str | None
    expected: tuple[str, ...]
    label: str | None
    cost: float | None
    strongest_cost: float | None
    error: str | None = None

    @property
    def routed(self) -> str | None:
        """The first-ranked model."""
        return self.ranked[0] if self.ranked else None


@dataclass(frozen=True)
class Accuracy:
    """Label metrics of a group of rows (``None``: no row of the group has that label)."""

    n: int
    top1: float | None
    strict: float | None
    top3: float | None
    category: float | None


@dataclass
class EvalReport:
    """Everything ``lg-router eval`` shows; :meth:`to_json` is the ``--json`` output."""

    catalog: str
    classifier: str
    preference: str
    pool: tuple[str, ...]
    strongest: str
    currency: str
    rows: list[RowResult]
    seconds: float
    curve: CurveReport | None = None
    overall: Accuracy | None = None
    per_category: dict[str, Accuracy] = field(default_factory=dict)
    category_confusion: dict[str, Counter[str]] = field(default_factory=dict)
    model_confusion: dict[str, Counter[str]] = field(default_factory=dict)

    @property
    def routed_counts(self) -> Counter[str]:
        """Rows per first-ranked model (``no route`` for refusals)."""
        return Counter(r.routed or "no route" for r in self.rows)

    @property
    def category_counts(self) -> Counter[str]:
        """Rows per detected category."""
        return Counter(r.category or "no route" for r in self.rows)

    @property
    def errors(self) -> list[RowResult]:
        """Rows the router refused (no feasible model, unroutable task)."""
        return [r for r in self.rows if r.error]

    def total_cost(self) -> tuple[float | None, float | None]:
        """``(routed, always strongest)`` summed over routed rows; ``None`` if any is unknown."""
        routed = [r for r in self.rows if r.routed]
        mine = [r.cost for r in routed]
        theirs = [r.strongest_cost for r in routed]
        total = None if any(c is None for c in mine) else sum(c for c in mine if c is not None)
        base = None if any(c is None for c in theirs) else sum(c for c in theirs if c is not None)
        return total, base

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready summary (rows included)."""
        from lg_router.evaluation.serialize import eval_json

        return eval_json(self)


def evaluate(
    rows: Sequence[EvalRow],
    *,
    catalog: ModelCatalog,
    classifier: str | Classifier = "rules",
    preference: str = "balanced",
    models: Sequence[str] | None = None,
    output_tokens: int = DEFAULT_OUTPUT_TOKENS,
    on_progress: Progress | None = None,
) -> EvalReport:
    """Route every row and compute the metrics its labels allow (see the module docstring).

    Args:
        rows: validated rows (:func:`~lg_router.evaluation.load_rows`).
        catalog: the models to route among.
        classifier: ``rules`` (offline), ``llm``, ``hybrid`` or a classifier instance.
        preference: the preference whose decisions give the accuracy and cost numbers.
        models: the candidate pool (catalog ids); ``None`` is the whole catalog.
        output_tokens: answer length assumed by cost estimates from catalog prices.
        on_progress: called with ``(done, total)`` after each routed row.

    Raises:
        EvalDataError: a row names a model id the catalog does not have, or a scored
            row lacks a score for a pool model.
        InvalidOptionError: unknown preference, classifier or pool id.
    """
    started = time.perf_counter()
    pool = tuple(models) if models else catalog.ids
    options = RunOptions.build(preference=preference, models=list(pool) if models else None)
    decider = Decider(catalog, resolve_classifier(classifier, catalog=catalog))
    strongest = max(pool, key=lambda m: (catalog[m].quality, -pool.index(m)))
    _check_ids(rows, catalog, pool)
    scored = [r for r in rows if r.scores]
    preferences = PREFERENCES if scored else (preference,)
    total = len(rows) * len(preferences)
    choices: dict[str, list[RowResult]] = {}
    done = 0
    for pref in preferences:
        opts = options if pref == preference else RunOptions.build(preference=pref, models=options.models)
        results = []
        for row in rows:
            results.append(_route_row(row, decider, opts, catalog, strongest, output_tokens))
            done += 1
            if on_progress is not None:
                on_progress(done, total)
        choices[pref] = results
    report = EvalReport(
        catalog=catalog.name,
        classifier=classifier if isinstance(classifier, str) else type(classifier).__name__,
        preference=preference,
        pool=pool,
        strongest=strongest,
        currency=catalog[strongest].pricing.currency,
        rows=choices[preference],
        seconds=0.0,
    )
    _label_metrics(report)
    if scored:
        report.curve = _curve(rows, choices, catalog, pool, output_tokens)
    report.seconds = time.perf_counter() - started
    return report


def _check_ids(rows: Sequence[EvalRow], catalog: ModelCatalog, pool: Sequence[str]) -> None:
    for row in rows:
        for key, ids in (("expected", row.expected), ("scores", row.scores), ("costs", row.costs)):
            unknown = [m for m in ids if m not in catalog]
            if unknown:
                msg = (
                    f"line {row.line}: '{key}' names model ids {unknown} that catalog "
                    f"'{catalog.name}' does not have ({', '.join(catalog.ids)}); pick the catalog "
                    "the data was labelled for with --catalog"
                )
                raise EvalDataError(msg)
        missing = [m for m in pool if row.scores and m not in row.scores]
        if missing:
            msg = (
                f"line {row.line}: no score for {missing}; a scored row needs a score for every "
                "model of the pool (narrow the pool with --models)"
            )
            raise EvalDataError(msg)


def _route_row(
    row: EvalRow,
    decider: Decider,
    options: RunOptions,
    catalog: ModelCatalog,
    strongest: str,
    output_tokens: int,
) -> RowResult:
    try:
        decision: RoutingDecision = decider.decide(row.messages, options)
    except LgRouterError as exc:  # a refusal is a result: counted as a miss, not a crash
        message = " ".join(str(exc).split())
        return RowResult(row.id, row.line, (), None, row.expected, row.category, None, None, message)
    best = decision.best
    return RowResult(
        id=row.id,
        line=row.line,
        ranked=tuple(decision.model_ids),
        category=decision.category,
        expected=row.expected,
        label=row.category,
        cost=cost_of(row, best, catalog, decision.input_tokens, output_tokens),
        strongest_cost=cost_of(row, strongest, catalog, decision.input_tokens, output_tokens),
    )


def cost_of(
    row: EvalRow, model_id: str, catalog: ModelCatalog, input_tokens: int, output_tokens: int
) -> float | None:
    """The row's own cost for ``model_id``, else the catalog's estimate (``None``: unknown)."""
    if model_id in row.costs:
        return row.costs[model_id]
    return catalog[model_id].pricing.estimate(input_tokens, output_tokens)


def _rate(flags: list[bool]) -> float | None:
    return sum(flags) / len(flags) if flags else None


def _accuracy(results: Sequence[RowResult]) -> Accuracy:
    labelled = [r for r in results if r.expected]
    categorised = [r for r in results if r.label]
    return Accuracy(
        n=len(results),
        top1=_rate([r.routed in r.expected for r in labelled]),
        strict=_rate([r.routed == r.expected[0] for r in labelled]),
        top3=_rate([any(m in r.expected for m in r.ranked) for r in labelled]),
        category=_rate([r.category == r.label for r in categorised]),
    )


def _label_metrics(report: EvalReport) -> None:
    results = report.rows
    if not any(r.expected or r.label for r in results):
        return
    report.overall = _accuracy(results)
    groups: dict[str, list[RowResult]] = {}
    for r in results:
        groups.setdefault(r.label or "(no category)", []).append(r)
    report.per_category = {name: _accuracy(group) for name, group in sorted(groups.items())}
    for r in results:
        if r.label:
            report.category_confusion.setdefault(r.label, Counter())[r.category or "no route"] += 1
        if r.expected:
            report.model_confusion.setdefault(r.expected[0], Counter())[r.routed or "no route"] += 1


def _curve(
    rows: Sequence[EvalRow],
    choices: dict[str, list[RowResult]],
    catalog: ModelCatalog,
    pool: Sequence[str],
    output_tokens: int,
) -> CurveReport:
    index = [i for i, row in enumerate(rows) if row.scores]
    tokens = _tokens(rows, index, catalog)
    quality = [{m: rows[i].scores[m] for m in pool} for i in index]
    costs = [{m: cost_of(rows[i], m, catalog, tokens[i], output_tokens) for m in pool} for i in index]
    table = ScoreTable(quality, costs, list(pool))
    points: dict[str, list[str]] = {}
    for pref, results in choices.items():
        # A refused row keeps the strongest model: the caller would have to send it somewhere.
        points[pref] = [results[i].routed or table.strong for i in index]
    return curve_report(table, points)


def _tokens(rows: Sequence[EvalRow], index: Sequence[int], catalog: ModelCatalog) -> dict[int, int]:
    from langchain_core.messages.utils import count_tokens_approximately

    from lg_router.task import to_messages

    return {i: count_tokens_approximately(to_messages(rows[i].messages)) for i in index}
