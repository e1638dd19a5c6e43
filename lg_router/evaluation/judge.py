"""``judge()``: does the routed model answer as well as the strongest one? (seed 003's method)

For each sampled task: run it through the router (the routed model, with its fallbacks),
run it on the pool's strongest model (highest ``quality`` hint), and ask a judge chat
model, through a forced tool call (``with_structured_output(Verdict,
method="function_calling")``, which llama.cpp and most OpenAI-compatible servers
support), whether the routed answer is as good. A task routed to the strongest model
itself is a match without asking the judge. Routing is well calibrated when the match
rate is 95% or more (seed 003); the report gives the rate with a 95% Wilson interval,
also over the downgraded tasks alone, and what the run cost and how long it took.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.language_models import BaseChatModel
from pydantic import BaseModel, Field

from lg_router.catalog import ModelCatalog
from lg_router.classifiers import Classifier
from lg_router.errors import InvalidOptionError, LgRouterError
from lg_router.evaluation.data import EvalRow
from lg_router.evaluation.quality import wilson

CALIBRATED = 0.95
_TASK_CHARS = 6000
_ANSWER_CHARS = 3000
JUDGE_SYSTEM = (
    "You grade answers. You get a task, answer A and a reference answer B from a strong model. "
    "Decide whether answer A is as good as B for the person who asked: as correct, as complete "
    "and as faithful to the instructions (style and length may differ). Call the tool with "
    "same_quality and a one-sentence reason."
)


class Verdict(BaseModel):
    """The judge's answer: is answer A as good as the reference answer B?"""

    same_quality: bool = Field(description="true if answer A is as good as answer B for this task")
    reason: str = Field(description="one sentence: why")


@dataclass(frozen=True)
class Judged:
    """One judged task. ``same_quality`` is ``None`` when a step failed (``error`` says which)."""

    id: str
    line: int
    routed: str | None
    same_model: bool
    same_quality: bool | None
    reason: str
    seconds: float
    error: str | None = None


@dataclass
class JudgeReport:
    """Match rate, interval, cost and time of a judged sample."""

    judge: str
    strongest: str
    currency: str
    results: list[Judged]
    seconds: float = 0.0
    cost: float = 0.0
    unknown_cost_calls: int = 0
    calls: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def verdicts(self) -> list[Judged]:
        """Tasks with a verdict (same model or judged)."""
        return [r for r in self.results if r.same_quality is not None]

    @property
    def downgraded(self) -> list[Judged]:
        """Judged tasks that did not run on the strongest model."""
        return [r for r in self.verdicts if not r.same_model]

    def rate(self, only_downgraded: bool = False) -> tuple[int, int, float | None, tuple[float, float]]:
        """``(matches, n, rate, 95% Wilson interval)``."""
        group = self.downgraded if only_downgraded else self.verdicts
        matches = sum(1 for r in group if r.same_quality)
        n = len(group)
        return matches, n, (matches / n if n else None), wilson(matches, n)

    @property
    def calibrated(self) -> bool | None:
        """Seed 003's test: the routed model matches on 95% or more of the sample."""
        rate = self.rate()[2]
        return None if rate is None else rate >= CALIBRATED

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready summary, every task included."""
        out: dict[str, Any] = {"judge": self.judge, "strongest_model": self.strongest}
        for key, only in (("all", False), ("downgraded", True)):
            matches, n, rate, (low, high) = self.rate(only)
            out[key] = {"matches": matches, "n": n, "rate": rate, "ci95": [round(low, 4), round(high, 4)]}
        out.update(
            calibrated=self.calibrated,
            threshold=CALIBRATED,
            sampled=len(self.results),
            failed=sum(1 for r in self.results if r.error),
            seconds=round(self.seconds, 3),
            cost={"currency": self.currency, "known": self.cost, "calls": self.calls},
            unknown_cost_calls=self.unknown_cost_calls,
            results=[r.__dict__ for r in self.results],
        )
        return out


def judge(
    rows: Sequence[EvalRow],
    *,
    catalog: ModelCatalog,
    judge_model: str,
    classifier: str | Classifier = "rules",
    preference: str = "balanced",
    models: Sequence[str] | None = None,
    sample: int = 20,
    seed: int = 0,
    timeout: float | None = None,
    client_kwargs: Mapping[str, Any] | None = None,
    judge_max_tokens: int = 300,
    chat_models: Mapping[str, BaseChatModel] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> JudgeReport:
    """Judge a random sample of ``rows`` (see the module docstring).

    Args:
        judge_model: catalog id of the judge (served by the catalog's endpoint).
        sample: how many rows to draw (all if fewer), with ``random.Random(seed)``.
        timeout: seconds per model attempt (default: the catalog's).
        client_kwargs: extra ``ChatOpenAI`` arguments for every model (e.g. ``max_tokens``).
        judge_max_tokens: the judge's output budget (its tool call needs room for a reason).
        chat_models: ready-made chat models by id instead of building them (tests).

    Raises:
        InvalidOptionError: the judge is not a catalog id, or ``sample`` < 1.
    """
    from lg_router.graph import create_router
    from lg_router.models import ModelProvider

    if judge_model not in catalog:
        msg = f"judge model {judge_model!r} is not in catalog '{catalog.name}' ({', '.join(catalog.ids)})"
        raise InvalidOptionError(msg)
    if sample < 1:
        msg = f"sample must be at least 1, got {sample}"
        raise InvalidOptionError(msg)
    started = time.perf_counter()
    pool = tuple(models) if models else catalog.ids
    strongest = max(pool, key=lambda m: (catalog[m].quality, -pool.index(m)))
    graph = create_router(
        catalog,
        classifier=classifier,
        chat_models=chat_models,
        preference=preference,
        models=list(pool) if models else None,
        timeout=timeout,
        client_kwargs=client_kwargs,
    ).compile()
    provider = ModelProvider(catalog, overrides=chat_models, client_kwargs=client_kwargs)
    judge_kwargs = {**(client_kwargs or {}), "max_tokens": judge_max_tokens}
    judges = ModelProvider(catalog, overrides=chat_models, client_kwargs=judge_kwargs)
    picked = sorted(random.Random(seed).sample(list(rows), min(sample, len(rows))), key=lambda r: r.line)
    report = JudgeReport(judge_model, strongest, catalog[strongest].pricing.currency, [])
    for done, row in enumerate(picked, 1):
        report.results.append(_one(row, graph, provider, judges, catalog, strongest, judge_model, report))
        if on_progress is not None:
            on_progress(done, len(picked))
    report.seconds = time.perf_counter() - started
    return report


def _one(
    row: EvalRow,
    graph: Any,
    provider: Any,
    judges: Any,
    catalog: ModelCatalog,
    strongest: str,
    judge_model: str,
    report: JudgeReport,
) -> Judged:
    started = time.perf_counter()

    def result(routed: str | None, **kw: Any) -> Judged:
        seconds = round(time.perf_counter() - started, 3)
        return Judged(row.id, row.line, routed, seconds=seconds, **{"same_model": False, **kw})

    try:
        out = graph.invoke({"messages": row.messages})
    except LgRouterError as exc:
        return result(None, same_quality=None, reason="", error=f"routed run failed: {_line(exc)}")
    for attempt in out.get("attempts") or []:
        _spend(report, attempt.cost)
    answer = out["messages"][-1]
    routed = str(answer.response_metadata.get("model_name"))
    if routed == strongest:
        return result(routed, same_model=True, same_quality=True, reason="routed to the strongest model")
    try:
        reference = provider.get(strongest).invoke(row.messages)
    except Exception as exc:
        return result(routed, same_quality=None, reason="", error=f"{strongest} failed: {_line(exc)}")
    _spend(report, _cost(catalog, strongest, reference))
    prompt = [("system", JUDGE_SYSTEM), ("human", _judge_prompt(row.text, answer, reference))]
    try:
        grader = judges.get(judge_model).with_structured_output(
            Verdict, method="function_calling", include_raw=True
        )
        graded = grader.invoke(prompt)
    except Exception as exc:
        return result(routed, same_quality=None, reason="", error=f"judge failed: {_line(exc)}")
    _spend(report, _cost(catalog, judge_model, graded.get("raw")))
    verdict = graded.get("parsed")
    if not isinstance(verdict, Verdict):
        why = graded.get("parsing_error") or "no tool call"
        return result(routed, same_quality=None, reason="", error=f"judge gave no verdict: {_line(why)}")
    return result(routed, same_quality=verdict.same_quality, reason=verdict.reason.strip())


def _judge_prompt(task: str, answer: Any, reference: Any) -> str:
    return (
        f"Task:\n{_cut(task, _TASK_CHARS)}\n\n"
        f"Answer A:\n{_cut(_content(answer), _ANSWER_CHARS)}\n\n"
        f"Answer B (reference):\n{_cut(_content(reference), _ANSWER_CHARS)}"
    )


def _content(message: Any) -> str:
    text = getattr(message, "text", None)
    if isinstance(text, str):
        return text
    return str(getattr(message, "content", message))


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else f"{text[:limit]}\n[... {len(text) - limit} characters cut]"


def _cost(catalog: ModelCatalog, model_id: str, message: Any) -> float | None:
    usage = getattr(message, "usage_metadata", None)
    if not usage:
        return None
    return catalog[model_id].pricing.estimate(usage.get("input_tokens", 0), usage.get("output_tokens", 0))


def _spend(report: JudgeReport, cost: float | None) -> None:
    report.calls += 1
    if cost is None:
        report.unknown_cost_calls += 1
    else:
        report.cost += cost


def _line(exc: Any) -> str:
    return " ".join(str(exc).split())[:300] or type(exc).__name__
