"""Cost/quality metrics of a router on scored data: RouteLLM's PGR, APGR and CPT.

The definitions follow RouteLLM (Ong et al., "RouteLLM: Learning to Route LLMs with
Preference Data", 2024, and ``routellm/evals/evaluate.py``), generalised from one
strong/weak pair to a pool of models:

* Every row has a quality score ``q[i][m]`` and a cost ``c[i][m]`` for each model ``m``.
  An *operating point* sends each row to one model; its quality ``Q`` and cost ``C`` are
  the means over the rows.
* The **strong** model ``S`` is the best single model: the highest mean quality (ties:
  the cheaper). The **weak** model ``W`` is the cheapest single model (ties: the better;
  when a cost is unknown, the model with the lowest mean quality).
* ``PGR(P) = (Q(P) - Q(W)) / (Q(S) - Q(W))``: the share of the quality gap between the
  weak and the strong model that the point recovers (RouteLLM's performance gap recovered).
* The x axis is the **strong-call equivalent** ``x(P) = (C(P) - C(W)) / (C(S) - C(W))``,
  which is exactly RouteLLM's "percentage of calls to the strong model" when only ``W``
  and ``S`` are used. When the costs are unknown or ``C(S) == C(W)``, ``x`` is the share
  of rows sent to ``S`` (RouteLLM's own axis).
* The router's **curve** joins, in order of ``x``, the all-weak anchor ``(0, 0)``, the
  router's operating points (one per preference: its knob, as RouteLLM's threshold) and
  the all-strong anchor ``(1, 1)`` with straight lines; every point of a segment is
  reached in expectation by sending each request at random to one end's choice.
* ``APGR = ∫₀¹ PGR(x) dx`` by the trapezoid rule over the curve's vertices, which is
  RouteLLM's ``(AUC(router) - AUC(weak)) / (AUC(strong) - AUC(weak))``. A **random**
  router that calls ``S`` with probability ``x`` and ``W`` otherwise has ``PGR(x) = x``
  in expectation: APGR 0.5. An **oracle** that calls ``S`` only on the share ``a`` of rows
  where it is better reaches PGR 1 at ``x = a``: APGR ``1 - a/2``, which tends to 1 as
  ``a`` shrinks. When the cheapest model is also the best there is no gap to recover and
  APGR and CPT are undefined (``None``).
* ``CPT(p)`` is the smallest ``x`` (as a percentage) at which the curve reaches
  ``PGR >= p``, interpolated linearly within a segment: RouteLLM's call-performance
  threshold (``CPT(50%)``, ``CPT(80%)``). The all-strong anchor bounds it by 100%.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Literal

Axis = Literal["cost", "strong_calls"]


@dataclass(frozen=True)
class Point:
    """One operating point: who it is, what it costs and how good it is.

    Attributes:
        label: ``weak``/``strong`` anchors, a preference name, ``oracle`` ...
        quality: mean quality over the rows.
        cost: mean cost per row, ``None`` when a price is unknown.
        strong_share: share of rows sent to the strong model.
        x: strong-call equivalent (see the module docstring).
        pgr: performance gap recovered.
    """

    label: str
    quality: float
    cost: float | None
    strong_share: float
    x: float
    pgr: float


@dataclass(frozen=True)
class CurveReport:
    """The router's cost/quality curve and RouteLLM's summary numbers.

    Attributes:
        weak, strong: the anchor model ids.
        axis: ``cost`` (strong-call equivalent by cost) or ``strong_calls``.
        curve: the curve's vertices, anchors included, in order of ``x``.
        points: the router's own operating points (one per preference).
        oracle: each row to the cheapest model that scores highest on it.
        apgr: ``None`` when the weak model is as good as the strong one (no gap).
        cpt50, cpt80: percentages, ``None`` when there is no gap.
    """

    weak: str
    strong: str
    axis: Axis
    curve: tuple[Point, ...]
    points: tuple[Point, ...]
    oracle: Point
    apgr: float | None
    cpt50: float | None
    cpt80: float | None

    def random_quality(self, x: float) -> float:
        """Mean quality of random weak/strong routing at strong-call equivalent ``x``."""
        weak, strong = self.curve[0], self.curve[-1]
        for point in self.curve:
            if point.label == "weak":
                weak = point
            elif point.label == "strong":
                strong = point
        return weak.quality + x * (strong.quality - weak.quality)


class ScoreTable:
    """Per-row quality and cost of every model of a pool.

    Args:
        quality: one mapping per row, model id -> quality score.
        costs: one mapping per row, model id -> cost (``None`` values: unknown).
        models: the pool, in a stable order (ties go to the earlier model).
    """

    def __init__(
        self,
        quality: Sequence[Mapping[str, float]],
        costs: Sequence[Mapping[str, float | None]],
        models: Sequence[str],
    ) -> None:
        if not quality or len(quality) != len(costs):
            msg = "a score table needs one quality and one cost mapping per row, and at least one row"
            raise ValueError(msg)
        self.quality = list(quality)
        self.costs = list(costs)
        self.models = list(models)
        self.cost_known = all(row.get(m) is not None for row in self.costs for m in self.models)

    def mean_quality(self, model_id: str) -> float:
        """Mean quality of always using ``model_id``."""
        return sum(row[model_id] for row in self.quality) / len(self.quality)

    def mean_cost(self, model_id: str) -> float | None:
        """Mean cost of always using ``model_id`` (``None`` when a cost is unknown)."""
        values = [row.get(model_id) for row in self.costs]
        if any(v is None for v in values):
            return None
        return sum(v for v in values if v is not None) / len(values)

    @property
    def strong(self) -> str:
        """The best single model (highest mean quality; ties: cheaper, then pool order)."""
        return min(self.models, key=lambda m: (-self.mean_quality(m), self._cost_key(m)))

    @property
    def weak(self) -> str:
        """The cheapest single model (ties: better). Without costs: the worst model."""
        if not self.cost_known:
            return min(self.models, key=lambda m: self.mean_quality(m))
        return min(self.models, key=lambda m: (self._cost_key(m), -self.mean_quality(m)))

    def _cost_key(self, model_id: str) -> float:
        cost = self.mean_cost(model_id)
        return cost if cost is not None else float("inf")

    def oracle_choices(self) -> list[str]:
        """Per row: the cheapest model with the row's highest score."""
        choices = []
        for q, c in zip(self.quality, self.costs, strict=True):
            best = max(q[m] for m in self.models)
            top = [m for m in self.models if q[m] == best]
            prices = {m: _or_inf(c.get(m)) for m in top}
            choices.append(min(top, key=prices.__getitem__))
        return choices

    def point(self, label: str, choices: Sequence[str]) -> Point:
        """The operating point that sends row ``i`` to ``choices[i]``."""
        if len(choices) != len(self.quality):
            msg = f"point {label!r}: {len(choices)} choices for {len(self.quality)} rows"
            raise ValueError(msg)
        n = len(choices)
        quality = sum(q[m] for q, m in zip(self.quality, choices, strict=True)) / n
        costs = [c.get(m) for c, m in zip(self.costs, choices, strict=True)]
        cost = None if any(v is None for v in costs) else sum(v for v in costs if v is not None) / n
        strong, weak = self.strong, self.weak
        share = sum(1 for m in choices if m == strong) / n
        gap = self.mean_quality(strong) - self.mean_quality(weak)
        pgr = (quality - self.mean_quality(weak)) / gap if gap > 0 else 0.0
        return Point(label, quality, cost, share, self._x(cost, share), pgr)

    def _x(self, cost: float | None, share: float) -> float:
        c_weak, c_strong = self.mean_cost(self.weak), self.mean_cost(self.strong)
        if cost is None or c_weak is None or c_strong is None or c_strong <= c_weak:
            return share
        return (cost - c_weak) / (c_strong - c_weak)

    @property
    def axis(self) -> Axis:
        """Which x axis the points use."""
        c_weak, c_strong = self.mean_cost(self.weak), self.mean_cost(self.strong)
        ok = self.cost_known and c_weak is not None and c_strong is not None and c_strong > c_weak
        return "cost" if ok else "strong_calls"


def curve_report(table: ScoreTable, router_points: Mapping[str, Sequence[str]]) -> CurveReport:
    """The router's curve, APGR and CPT from its choices per preference.

    Args:
        table: quality and cost of every model on every row.
        router_points: preference (or any label) -> the model chosen for each row.
    """
    n = len(table.quality)
    weak = table.point("weak", [table.weak] * n)
    strong = table.point("strong", [table.strong] * n)
    weak = Point("weak", weak.quality, weak.cost, 0.0, 0.0, 0.0)
    strong = Point("strong", strong.quality, strong.cost, 1.0, 1.0, 1.0)
    points = tuple(table.point(label, choices) for label, choices in router_points.items())
    curve = tuple(sorted((weak, *points, strong), key=lambda p: (p.x, p.pgr)))
    has_gap = table.mean_quality(table.strong) > table.mean_quality(table.weak)
    return CurveReport(
        weak=table.weak,
        strong=table.strong,
        axis=table.axis,
        curve=curve,
        points=points,
        oracle=table.point("oracle", table.oracle_choices()),
        apgr=apgr(curve) if has_gap else None,
        cpt50=cpt(curve, 0.5) if has_gap else None,
        cpt80=cpt(curve, 0.8) if has_gap else None,
    )


def apgr(curve: Sequence[Point]) -> float:
    """``∫₀¹ PGR(x) dx`` over a curve whose vertices are sorted by ``x`` (trapezoids).

    The part of the curve beyond ``x = 1`` (costlier than the strong model) is left out;
    a segment crossing ``x = 1`` is cut there by linear interpolation.
    """
    area = 0.0
    for a, b in pairwise(curve):
        lo, hi = max(a.x, 0.0), min(b.x, 1.0)
        if hi <= lo:
            continue
        area += (hi - lo) * (_at(a, b, lo) + _at(a, b, hi)) / 2
    return area


def cpt(curve: Sequence[Point], target: float) -> float | None:
    """Smallest strong-call equivalent (percent) at which the curve reaches ``PGR >= target``."""
    if curve and curve[0].pgr >= target:
        return 100 * max(curve[0].x, 0.0)
    for a, b in pairwise(curve):
        if b.pgr >= target:
            if b.pgr == a.pgr or b.x == a.x:
                return 100 * b.x
            return 100 * (a.x + (target - a.pgr) * (b.x - a.x) / (b.pgr - a.pgr))
    return None


def _or_inf(value: float | None) -> float:
    return float("inf") if value is None else value


def _at(a: Point, b: Point, x: float) -> float:
    if b.x == a.x:
        return max(a.pgr, b.pgr)
    return a.pgr + (x - a.x) * (b.pgr - a.pgr) / (b.x - a.x)


def wilson(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of a proportion (95% for ``z = 1.96``); ``(0, 1)`` for ``n = 0``."""
    if n <= 0:
        return 0.0, 1.0
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * ((p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)
