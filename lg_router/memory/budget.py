"""Cost and budget: what each attempt cost, what a thread has spent, what it may still afford.

Amounts are kept per currency (the catalog's ``pricing.currency``); a price the catalog
does not know stays unknown (``None``), never 0. The thread's spend is plain data in
graph state (``{"calls", "input_tokens", "output_tokens", "cost": {currency: amount},
"unpriced"}``) and is also readable from the conversation itself, since every answer
of the router carries its attempts in ``response_metadata``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from langchain_core.messages import AIMessage, BaseMessage

from lg_router.catalog import ModelCatalog, ModelSpec, Pricing
from lg_router.errors import BudgetExceededError, InvalidOptionError

Scope = Literal["run", "thread"]
Spend = dict[str, Any]


@dataclass(frozen=True)
class Budget:
    """A spending cap for routed calls.

    Args:
        cost: money cap, in ``currency``.
        tokens: token cap (input + output tokens).
        currency: the money's currency; default: the one currency the catalog prices in.
        per: ``"thread"`` (default) caps everything the thread (a checkpointed
            ``thread_id``, or an agent's conversation) has spent; ``"run"`` caps each
            routed call on its own.

    A model is kept only if its estimated cost (input size + output budget) fits what is
    left; under a money cap, a model whose price is unknown cannot be shown to fit.
    """

    cost: float | None = None
    tokens: int | None = None
    currency: str | None = None
    per: Scope = "thread"

    def __post_init__(self) -> None:
        if self.cost is None and self.tokens is None:
            msg = "a budget needs cost= (money) or tokens=, or both"
            raise InvalidOptionError(msg)
        if self.cost is not None and (not isinstance(self.cost, int | float) or self.cost < 0):
            msg = f"budget cost must be a number >= 0, got {self.cost!r}"
            raise InvalidOptionError(msg)
        if self.tokens is not None and (not isinstance(self.tokens, int) or self.tokens < 0):
            msg = f"budget tokens must be an int >= 0, got {self.tokens!r}"
            raise InvalidOptionError(msg)
        if self.per not in ("run", "thread"):
            msg = f"budget per= must be 'run' or 'thread', got {self.per!r}"
            raise InvalidOptionError(msg)

    @classmethod
    def parse(cls, value: Any) -> Budget | None:
        """A budget from ``None``, a :class:`Budget`, a number (money) or a mapping of fields."""
        if value is None or isinstance(value, Budget):
            return value
        if isinstance(value, bool):
            msg = f"budget must be a number, a mapping or a Budget, got {value!r}"
            raise InvalidOptionError(msg)
        if isinstance(value, int | float):
            return cls(cost=float(value))
        if isinstance(value, Mapping):
            unknown = sorted(set(value) - {"cost", "tokens", "currency", "per"})
            if unknown:
                msg = f"unknown budget keys {unknown}; use cost, tokens, currency, per"
                raise InvalidOptionError(msg)
            return cls(**dict(value))
        msg = f"budget must be a number, a mapping or a Budget, got {type(value).__name__}"
        raise InvalidOptionError(msg)

    def describe(self, currency: str | None = None) -> str:
        """The budget in words (``"0.01 USD and 5,000 tokens per thread"``)."""
        parts = []
        if self.cost is not None:
            parts.append(f"{self.cost:g} {self.currency or currency or ''}".strip())
        if self.tokens is not None:
            parts.append(f"{self.tokens:,} tokens")
        return f"{' and '.join(parts)} per {self.per}"


# -- per attempt --------------------------------------------------------------------------
def attempt_cost(pricing: Pricing, usage: Mapping[str, Any] | None) -> dict[str, Any]:
    """The :class:`~lg_router.decision.Attempt` cost fields for one answered call.

    Per-token prices give ``input_cost`` and ``output_cost``; a flat price gives
    ``request_cost`` (and the total is that price, as in :meth:`Pricing.estimate`).
    Unknown usage or an unknown price leaves the field ``None``.
    """
    if not usage:
        return {"cost": None}
    tokens_in = usage.get("input_tokens")
    tokens_out = usage.get("output_tokens")
    fields: dict[str, Any] = {
        "input_tokens": tokens_in,
        "output_tokens": tokens_out,
        "currency": pricing.currency if pricing.known else None,
    }
    if pricing.free_tier:
        return {**fields, "input_cost": 0.0, "output_cost": 0.0, "cost": 0.0}
    if pricing.per_request is not None:
        return {**fields, "request_cost": pricing.per_request, "cost": pricing.per_request}
    if pricing.input_per_million is not None and tokens_in is not None:
        fields["input_cost"] = tokens_in * pricing.input_per_million / 1e6
    if pricing.output_per_million is not None and tokens_out is not None:
        fields["output_cost"] = tokens_out * pricing.output_per_million / 1e6
    fields["cost"] = pricing.estimate(tokens_in or 0, tokens_out or 0)
    return fields


# -- spend of a thread --------------------------------------------------------------------
def empty_spend() -> Spend:
    """No calls, no tokens, no money."""
    return {"calls": 0, "input_tokens": 0, "output_tokens": 0, "cost": {}, "unpriced": 0}


def spend_of(attempts: Iterable[Any]) -> Spend:
    """What some attempts (``Attempt`` objects or their dumps) spent.

    Every attempt that used tokens counts: answers, and also a hedged call cancelled or
    a stream cut after tokens were sent (their tokens are estimated by the attempt).
    """
    total = empty_spend()
    for a in attempts:
        get = a.get if isinstance(a, Mapping) else lambda k, _a=a: getattr(_a, k, None)
        if get("cost") is None and get("input_tokens") is None and get("output_tokens") is None:
            continue
        total["calls"] += 1
        total["input_tokens"] += get("input_tokens") or 0
        total["output_tokens"] += get("output_tokens") or 0
        cost, currency = get("cost"), get("currency")
        if cost is None or currency is None:
            total["unpriced"] += 1
        else:
            total["cost"][currency] = total["cost"].get(currency, 0.0) + cost
    return total


def add_spend(left: Spend | None, right: Spend | None) -> Spend:
    """Reducer of the ``spend`` state key: running totals of the thread."""
    out = {**empty_spend(), **(left or {})}
    out["cost"] = dict(out["cost"])
    for key in ("calls", "input_tokens", "output_tokens", "unpriced"):
        out[key] += (right or {}).get(key, 0)
    for currency, amount in ((right or {}).get("cost") or {}).items():
        out["cost"][currency] = out["cost"].get(currency, 0.0) + amount
    return out


def conversation_spend(messages: Sequence[BaseMessage]) -> Spend:
    """What the router's answers in a conversation record they spent."""
    attempts: list[Any] = []
    for m in messages:
        if isinstance(m, AIMessage):
            attempts.extend(m.response_metadata.get("attempts") or [])
    return spend_of(attempts)


def thread_spend(state_spend: Spend | None, messages: Sequence[BaseMessage]) -> Spend:
    """The thread's spend: the larger of the checkpointed total and the conversation's record.

    A checkpointed thread keeps its total even if the conversation is trimmed; an agent
    driving ``RunnableRouter`` has no router checkpoint but its conversation has the answers.
    """
    a, b = {**empty_spend(), **(state_spend or {})}, conversation_spend(messages)
    out = {k: max(a[k], b[k]) for k in ("calls", "input_tokens", "output_tokens", "unpriced")}
    currencies = set(a["cost"]) | set(b["cost"])
    out["cost"] = {c: max(a["cost"].get(c, 0.0), b["cost"].get(c, 0.0)) for c in currencies}
    return out


def describe_spend(spend: Spend) -> str:
    """A spend in words (``"0.0042 USD, 1,830 tokens in 3 call(s)"``)."""
    money = ", ".join(f"{v:.4g} {c}" for c, v in sorted(spend["cost"].items())) or "no priced calls"
    tokens = spend["input_tokens"] + spend["output_tokens"]
    return f"{money}, {tokens:,} tokens in {spend['calls']} call(s)"


# -- what the budget affords ----------------------------------------------------------------
def budget_currency(budget: Budget, catalog: ModelCatalog) -> str | None:
    """The budget's currency, or the single currency the catalog prices in."""
    if budget.currency or budget.cost is None:
        return budget.currency
    priced = {m.pricing.currency for m in catalog.models if m.pricing.known and not m.pricing.free_tier}
    if len(priced) > 1:
        msg = f"the catalog prices in {sorted(priced)}: give the budget a currency= (Budget(currency=...))"
        raise InvalidOptionError(msg)
    return next(iter(priced), None)


def _why_not(
    spec: ModelSpec,
    budget: Budget,
    currency: str | None,
    money_left: float | None,
    tokens_left: int | None,
    input_tokens: int,
    output_tokens: int,
) -> str | None:
    if tokens_left is not None and input_tokens + output_tokens > tokens_left:
        need = input_tokens + output_tokens
        return f"budget: ≈{need:,} tokens for this call > {max(tokens_left, 0):,} left"
    if money_left is None or spec.pricing.free_tier:
        return None
    if not spec.pricing.known:
        return "budget: its price is unknown, so it cannot be shown to fit a money budget"
    if spec.pricing.currency != currency:
        return f"budget: priced in {spec.pricing.currency}, the budget is in {currency}"
    estimate = spec.pricing.estimate(input_tokens, output_tokens) or 0.0
    if estimate > money_left + 1e-12:
        return f"budget: ≈{estimate:.4g} {currency} for this call > {max(money_left, 0):.4g} {currency} left"
    return None


@dataclass(frozen=True)
class Affordable:
    """Which models a budget keeps, and the constraint line for the decision."""

    kept: tuple[ModelSpec, ...]
    excluded: dict[str, str]
    constraint: str


def afford(
    models: Sequence[ModelSpec],
    budget: Budget,
    *,
    catalog: ModelCatalog,
    spent: Spend,
    input_tokens: int,
    output_tokens: int,
) -> Affordable:
    """Keep the models whose estimated cost fits what is left of ``budget``.

    Raises:
        BudgetExceededError: when no model fits (before any model is called).
    """
    currency = budget_currency(budget, catalog)
    thread = budget.per == "thread"
    money_left = None
    if budget.cost is not None:
        money_left = budget.cost - (spent["cost"].get(currency or "", 0.0) if thread else 0.0)
    tokens_left = None
    if budget.tokens is not None:
        tokens_left = budget.tokens - ((spent["input_tokens"] + spent["output_tokens"]) if thread else 0)
    kept, excluded = [], {}
    for spec in models:
        why = _why_not(spec, budget, currency, money_left, tokens_left, input_tokens, output_tokens)
        if why is None:
            kept.append(spec)
        else:
            excluded[spec.id] = why
    left = []
    if money_left is not None:
        left.append(f"{max(money_left, 0):.4g} {currency or ''}".strip())
    if tokens_left is not None:
        left.append(f"{max(tokens_left, 0):,} tokens")
    constraint = f"budget {budget.describe(currency)}: {' and '.join(left)} left"
    if not kept:
        raise BudgetExceededError(budget.describe(currency), describe_spend(spent), excluded)
    return Affordable(tuple(kept), excluded, constraint)
