"""Hard constraints first, then the preference: which models may take a task, in what order.

Every classifier's output passes through :func:`enforce`, so no classifier (and no text
inside a task) can put a model outside the feasible pool into a decision.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace

from lg_router.catalog import ModelCatalog, ModelSpec
from lg_router.decision import PREFERENCES, RankedModel, RoutingDecision
from lg_router.errors import InvalidOptionError, NoFeasibleModelError
from lg_router.health.stats import Measured
from lg_router.task import TaskView

# Which declared capability serves each category.
CATEGORY_CAPABILITY: dict[str, str] = {
    "coding": "coding",
    "reasoning": "reasoning",
    "multilingual": "multilingual",
    "long_context": "long_context",
    "vision": "vision",
    "simple": "fast",
    "general": "general",
}
# (fit, quality, speed, cheapness) weights per preference.
WEIGHTS: dict[str, tuple[float, float, float, float]] = {
    "balanced": (0.70, 0.10, 0.10, 0.10),
    "quality": (0.45, 0.45, 0.05, 0.05),
    "speed": (0.45, 0.05, 0.45, 0.05),
    "cost": (0.45, 0.05, 0.05, 0.45),
}
STRENGTH_FIT = (1.0, 0.8, 0.65, 0.5, 0.4, 0.3)
DEFAULT_BONUS = 0.3
# A task written in another language: models that handle it gain, the others lose.
LANGUAGE_BONUS, LANGUAGE_PENALTY = 0.1, 0.35


@dataclass(frozen=True)
class Feasible:
    """The candidates that survive the hard constraints, and why the others did not."""

    models: tuple[ModelSpec, ...]
    excluded: dict[str, str]
    constraints: tuple[str, ...]
    needs: tuple[str, ...]


def check_preference(preference: str) -> str:
    """Return ``preference`` or raise a typed error listing the valid ones."""
    if preference not in PREFERENCES:
        msg = f"unknown preference {preference!r}; choose one of {list(PREFERENCES)}"
        raise InvalidOptionError(msg)
    return preference


def feasible(
    catalog: ModelCatalog,
    view: TaskView,
    *,
    pool: Sequence[str] | None = None,
    output_tokens: int | None = None,
    unhealthy: Sequence[str] = (),
) -> Feasible:
    """Apply the hard constraints: pool, vision, tools, JSON, context window, health.

    Raises:
        InvalidOptionError: if ``pool`` names ids the catalog does not have.
        NoFeasibleModelError: if no model survives, naming what removed each one.
    """
    if pool is not None:
        unknown = [m for m in pool if m not in catalog]
        if unknown:
            msg = f"candidate pool names unknown model ids {unknown}; the catalog has {list(catalog.ids)}"
            raise InvalidOptionError(msg)
        if not pool:
            msg = "the candidate pool is empty: name at least one model id or pass None"
            raise InvalidOptionError(msg)
    budget = output_tokens or catalog.default_max_output_tokens
    needs: list[str] = []
    constraints: list[str] = []
    if pool is not None:
        constraints.append(f"candidate pool: {', '.join(pool)}")
    if view.images:
        needs.append("vision")
        constraints.append(f"needs vision ({view.images} image part(s))")
    if view.has_tools:
        needs.append("tools")
        constraints.append("needs tool calling")
    if view.needs_json:
        needs.append("json")
        constraints.append("needs structured (JSON) output")
    constraints.append(f"≈{view.tokens:,} input tokens + {budget:,} output must fit the context window")

    kept: list[ModelSpec] = []
    excluded: dict[str, str] = {}
    for spec in catalog.models:
        if pool is not None and spec.id not in pool:
            excluded[spec.id] = "not in the candidate pool"
            continue
        if spec.id in unhealthy:
            excluded[spec.id] = "marked unhealthy"
            continue
        missing = [n for n in needs if not spec.can(n)]
        if missing:
            excluded[spec.id] = f"no {' / '.join(missing)} capability in the catalog"
            continue
        if spec.context_window is not None and view.tokens + budget > spec.context_window:
            excluded[spec.id] = (
                f"≈{view.tokens:,} tokens + {budget:,} output > {spec.context_window:,} context window"
            )
            continue
        kept.append(spec)
    if not kept:
        raise NoFeasibleModelError(excluded, needs=needs)
    return Feasible(tuple(kept), excluded, tuple(constraints), tuple(needs))


def fit(spec: ModelSpec, category: str, default_id: str) -> tuple[float, str]:
    """How well a model's declared strengths fit a category, in [0, 1], with the reason."""
    capability = CATEGORY_CAPABILITY[category]
    if capability in spec.strengths:
        idx = spec.strengths.index(capability)
        value = STRENGTH_FIT[min(idx, len(STRENGTH_FIT) - 1)]
        if idx == 0:
            why = f"{capability} is its main strength"
        elif idx == 1:
            why = f"{capability} is its second strength, after {spec.strengths[0]}"
        else:
            why = f"it also lists {capability} among its strengths (after {', '.join(spec.strengths[:idx])})"
    elif spec.can(capability):
        value, why = 0.4, f"it declares {capability} but not as a strength"
    elif category == "simple":
        value, why = 0.0, "any model can take a simple task"
    else:
        value, why = 0.0, f"it does not declare {capability}"
    if category in ("general", "simple") and spec.id == default_id:
        value, why = min(1.0, value + DEFAULT_BONUS), why + "; it is the catalog's default"
    return value, why


def language_fit(spec: ModelSpec, language: str | None) -> tuple[float, str]:
    """The ranking's language requirement: a fit adjustment and its reason (none for English)."""
    if not language or language == "English":
        return 0.0, ""
    if spec.handles(language):
        return LANGUAGE_BONUS, f"handles {language}"
    return -LANGUAGE_PENALTY, f"not declared for {language}"


def _cheapness(candidates: Sequence[ModelSpec], view: TaskView, budget: int) -> dict[str, float]:
    costs = {m.id: m.pricing.estimate(view.tokens, budget) for m in candidates}
    known = [c for c in costs.values() if c is not None]
    lo, hi = (min(known), max(known)) if known else (0.0, 0.0)
    out: dict[str, float] = {}
    for model_id, cost in costs.items():
        if cost is None:
            out[model_id] = 0.5
        elif hi == lo:
            out[model_id] = 1.0
        else:
            out[model_id] = 1.0 - (cost - lo) / (hi - lo)
    return out


def _trait(spec: ModelSpec, preference: str, cheap: float) -> str:
    if preference == "cost" or (preference == "balanced" and spec.pricing.free_tier):
        if spec.pricing.free_tier:
            return "free tier"
        return "price unknown" if not spec.pricing.known else f"cheapness {cheap:.2f} in pool"
    if preference == "speed":
        return f"speed {spec.speed}/5"
    return f"quality {spec.quality}/5"


def rank(
    category: str,
    candidates: Sequence[ModelSpec],
    preference: str,
    *,
    view: TaskView,
    default_id: str,
    evidence: str = "",
    output_tokens: int = 1024,
    language: str | None = None,
) -> list[RankedModel]:
    """Order feasible models for a category under a preference (deterministic).

    ``language`` is the task's language when it is not English: a requirement that moves
    the models that handle it up (see :func:`language_fit`), never an override.
    """
    w_fit, w_q, w_s, w_c = WEIGHTS[check_preference(preference)]
    cheap = _cheapness(candidates, view, output_tokens)
    scored: list[tuple[float, int, ModelSpec, str]] = []
    for order, spec in enumerate(candidates):
        value, why = fit(spec, category, default_id)
        bonus, lang_why = language_fit(spec, language)
        value, why = value + bonus, f"{why}; {lang_why}" if lang_why else why
        score = (
            w_fit * value + w_q * (spec.quality - 1) / 4 + w_s * speed_term(spec)[0] + w_c * cheap[spec.id]
        )
        scored.append((score, order, spec, why))
    scored.sort(key=lambda t: (-t[0], t[1]))
    cue = f" ({evidence})" if evidence else ""
    ranked = []
    for pos, (score, _, spec, why) in enumerate(scored[:3]):
        lead = (
            f"{category.replace('_', ' ')} task{cue}"
            if pos == 0
            else f"fallback #{pos} for this {category.replace('_', ' ')} task"
        )
        trait = _measured_trait(spec, preference, _trait(spec, preference, cheap[spec.id]))
        ranked.append(
            RankedModel(
                model_id=spec.id,
                justification=f"{lead}: {why}; {trait} ({preference}).",
                score=round(min(1.0, max(0.0, score)), 3),
            )
        )
    return ranked


def enforce(
    decision: RoutingDecision,
    feasible_set: Feasible,
    *,
    view: TaskView,
    default_id: str,
    output_tokens: int = 1024,
) -> RoutingDecision:
    """Drop ranked ids outside the feasible pool (and duplicates), pad to 3 by policy."""
    allowed = {m.id for m in feasible_set.models}
    kept: list[RankedModel] = []
    dropped: list[str] = []
    for item in decision.ranked:
        if item.model_id in allowed and item.model_id not in {k.model_id for k in kept}:
            kept.append(item)
        else:
            dropped.append(item.model_id)
    target = min(3, len(feasible_set.models))
    if len(kept) < target:
        for item in rank(
            decision.category,
            feasible_set.models,
            decision.preference,
            view=view,
            default_id=default_id,
            output_tokens=output_tokens,
        ):
            if len(kept) >= target:
                break
            if item.model_id not in {k.model_id for k in kept}:
                kept.append(item)
    note = decision.note
    if dropped:
        extra = f"dropped ids outside the feasible pool or repeated: {dropped}"
        note = f"{note}; {extra}" if note else extra
    return decision.model_copy(
        update={
            "ranked": tuple(kept[:3]),
            "constraints": tuple(dict.fromkeys((*feasible_set.constraints, *decision.constraints))),
            "excluded": {**feasible_set.excluded, **decision.excluded},
            "note": note,
        }
    )


# -- health: models cooling down, measured latency ---------------------------------------
# Seconds of p50 latency that score 0.5 on the speed term (0.2 s -> 0.83, 2 s -> 0.33).
SPEED_REFERENCE_SECONDS = 1.0
# Measured p50 latency per model id, set by the Decider around one decision (a context
# variable, so the classifiers' contract stays ``candidates -> decision``).
_MEASURED: ContextVar[Mapping[str, Measured] | None] = ContextVar("lg_router_measured", default=None)


@contextmanager
def measured_latency(measured: Mapping[str, Measured]) -> Iterator[None]:
    """Within the block, :func:`rank` scores speed from ``measured`` (id -> ``Measured``)."""
    token = _MEASURED.set(measured)
    try:
        yield
    finally:
        _MEASURED.reset(token)


def speed_term(spec: ModelSpec) -> tuple[float, str | None]:
    """The speed score in [0, 1]: measured p50 latency if known, else the catalog hint."""
    value = (_MEASURED.get() or {}).get(spec.id)
    if value is None:
        return (spec.speed - 1) / 4, None
    return 1.0 / (1.0 + value.p50 / SPEED_REFERENCE_SECONDS), value.words


def _measured_trait(spec: ModelSpec, preference: str, trait: str) -> str:
    """The justification's trait, saying so when measured latency replaced the speed hint."""
    measured = speed_term(spec)[1]
    if measured is None or preference not in ("speed", "balanced"):
        return trait
    return measured if preference == "speed" else f"{trait}; {measured}"


def healthy(feasible_set: Feasible, unavailable: Mapping[str, str]) -> tuple[Feasible, str | None]:
    """Take models whose breaker is open out of the pool, before anything is ranked.

    Returns:
        The pool without them (their reasons in ``excluded``) and no note; or, when
        every feasible model is unavailable, the pool unchanged and a note saying the
        router tries them anyway in rank order.
    """
    out = {m.id: unavailable[m.id] for m in feasible_set.models if m.id in unavailable}
    if not out:
        return feasible_set, None
    kept = tuple(m for m in feasible_set.models if m.id not in out)
    if not kept:
        reasons = "; ".join(f"{k}: {v}" for k, v in out.items())
        note = f"every feasible model is unhealthy, trying them anyway in rank order ({reasons})"
        return feasible_set, note
    return replace(feasible_set, models=kept, excluded={**feasible_set.excluded, **out}), None
