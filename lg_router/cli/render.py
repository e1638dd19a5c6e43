"""How the CLI shows decisions, catalogs and run summaries (rich tables and plain lines)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from lg_router.catalog import ModelCatalog, Pricing
from lg_router.decision import Attempt, RoutingDecision


def decision_table(decision: RoutingDecision, *, seconds: float) -> Table:
    """The ranked top 3 with justifications; the caption holds category, constraints, timing."""
    table = Table(title="Routing decision", title_justify="left", show_lines=False)
    table.add_column("#", justify="right")
    table.add_column("model")
    table.add_column("score", justify="right")
    table.add_column("why", overflow="fold")
    for i, ranked in enumerate(decision.ranked, 1):
        table.add_row(str(i), ranked.model_id, f"{ranked.score:.2f}", ranked.justification)
    return table


def decision_facts(decision: RoutingDecision, *, seconds: float) -> list[str]:
    """One line per fact of the decision (shown under the table)."""
    lines = [
        f"category: {decision.category}   preference: {decision.preference}   "
        f"confidence: {decision.confidence:.2f}",
        f"classifier: {decision.classifier}   decided in {seconds * 1000:.1f} ms   "
        f"input: ≈{decision.input_tokens:,} tokens",
    ]
    if decision.constraints:
        lines.append("constraints: " + "; ".join(decision.constraints))
    for model_id, why in decision.excluded.items():
        lines.append(f"excluded {model_id}: {why}")
    if decision.note:
        lines.append(f"note: {decision.note}")
    if decision.cache:
        lines.append(f"cache: {decision.cache} hit (no classifier call)")
    if decision.thread:
        lines.append(f"thread: {decision.thread}")
    return lines


def print_decision(console: Console, decision: RoutingDecision, *, seconds: float) -> None:
    """Print the decision table and its facts."""
    console.print(decision_table(decision, seconds=seconds))
    for line in decision_facts(decision, seconds=seconds):
        console.print(Text(line, style="dim"))


def decision_json(decision: RoutingDecision, *, seconds: float) -> dict[str, Any]:
    """The decision as a JSON-ready dict, with the decision time in milliseconds."""
    data = decision.model_dump(mode="json")
    data["decision_ms"] = round(seconds * 1000, 3)
    return data


def price(pricing: Pricing) -> str:
    """A short human price: ``free``, ``0.002 USD/request``, ``14 INR/M in``, ``unknown``."""
    if pricing.free_tier:
        return "free tier"
    parts = []
    if pricing.per_request is not None:
        parts.append(f"{pricing.per_request:g} {pricing.currency}/request")
    if pricing.input_per_million is not None:
        parts.append(f"{pricing.input_per_million:g} {pricing.currency}/M in")
    if pricing.output_per_million is not None:
        parts.append(f"{pricing.output_per_million:g} {pricing.currency}/M out")
    return ", ".join(parts) or "unknown"


def catalog_table(catalog: ModelCatalog) -> Table:
    """Every model of a catalog: capabilities, context window, price and hints."""
    default = catalog.fallback_default
    table = Table(
        title=f"Catalog '{catalog.name}' ({len(catalog)} models, endpoint {catalog.base_url or 'per model'})",
        title_justify="left",
    )
    for name in ("model", "capabilities", "context", "price", "quality", "speed", "tier"):
        table.add_column(name, overflow="fold")
    for spec in catalog.models:
        caps = [*spec.strengths, *sorted(c for c in spec.capabilities if c not in spec.strengths)]
        label = spec.id + (" (default)" if spec.id == default else "")
        table.add_row(
            label,
            ", ".join(caps),
            f"{spec.context_window:,}" if spec.context_window else "unknown",
            price(spec.pricing),
            f"{spec.quality}/5",
            f"{spec.speed}/5",
            spec.tier or "",
        )
    return table


def summary_line(answer: Any, attempts: Sequence[Attempt], catalog: ModelCatalog, seconds: float) -> str:
    """One line after a run: model, attempts, latency, tokens, cost when known."""
    meta = getattr(answer, "response_metadata", {}) or {}
    model_id = meta.get("model_name") or (attempts[-1].model_id if attempts else "?")
    parts = [f"answered by {model_id}"]
    failed = [a for a in attempts if a.outcome != "ok"]
    if failed:
        why = ", ".join(f"{a.model_id} {a.outcome}" for a in failed)
        parts.append(f"{len(attempts)} attempts ({why})")
    else:
        parts.append(f"{len(attempts) or 1} attempt")
    parts.append(f"{seconds:.2f}s")
    usage = getattr(answer, "usage_metadata", None)
    if usage:
        parts.append(f"{usage.get('input_tokens', 0)} in / {usage.get('output_tokens', 0)} out tokens")
    ok = next((a for a in reversed(attempts) if a.outcome == "ok"), None)
    if ok is not None and ok.cost is not None and model_id in catalog:
        parts.append(f"cost {ok.cost:.6g} {catalog[model_id].pricing.currency}")
    return " · ".join(parts)


def what_next(attempt: Any, next_model: str | None) -> str:
    """What the router does after a failed attempt, in words."""
    if next_model is not None:
        if attempt.streamed and attempt.retryable:
            return "continuing the answer on the next ranked model"
        return "trying the next ranked model"
    if not (attempt.retryable or attempt.context_overflow):
        return "not retried on another model"
    return "no ranked model left"
