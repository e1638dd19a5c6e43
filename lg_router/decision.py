"""What a routing decision and an execution attempt look like (frozen values)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator

Category = Literal["coding", "reasoning", "multilingual", "long_context", "vision", "simple", "general"]
Preference = Literal["balanced", "quality", "speed", "cost"]
PREFERENCES: tuple[str, ...] = get_args(Preference)
CATEGORIES: tuple[str, ...] = get_args(Category)


class RankedModel(BaseModel):
    """One entry of the ranking: a catalog id, why it fits, and a score in [0, 1]."""

    model_config = ConfigDict(frozen=True)

    model_id: str
    justification: str
    score: float = Field(ge=0.0, le=1.0)


class RoutingDecision(BaseModel):
    """The ranked top-3 for one task, and how it was reached.

    Attributes:
        ranked: 1-3 distinct catalog ids, best first; the execution order on failure.
        category: the detected kind of task.
        classifier: which classifier decided (``rules``, ``llm``, ``hybrid:llm`` ...).
        constraints: hard constraints applied, in words ("needs vision", ...).
        excluded: model id -> the constraint that removed it from the pool.
        preference: the preference that ordered the feasible models.
        confidence: how sure the classifier was, in [0, 1].
        input_tokens: approximate token count of the whole conversation.
        note: why the decision deviates from the classifier's plan (e.g. LLM failed).
        cache: ``"exact"`` or ``"semantic"`` when the ranking came from the decision
            cache (no classifier ran), ``None`` when it was classified now.
        thread: how the thread's model shaped the ranking ("kept from turn 3",
            "escalated: the turn now needs vision"), ``None`` without a thread model.
    """

    model_config = ConfigDict(frozen=True)

    ranked: tuple[RankedModel, ...] = Field(min_length=1, max_length=3)
    category: Category
    classifier: str
    constraints: tuple[str, ...] = ()
    excluded: dict[str, str] = Field(default_factory=dict)
    preference: Preference = "balanced"
    confidence: float = Field(default=1.0, ge=0.0, le=1.0)
    input_tokens: int = 0
    note: str | None = None
    cache: Literal["exact", "semantic"] | None = None
    thread: str | None = None

    @field_validator("ranked")
    @classmethod
    def _distinct(cls, ranked: tuple[RankedModel, ...]) -> tuple[RankedModel, ...]:
        ids = [r.model_id for r in ranked]
        if len(set(ids)) != len(ids):
            msg = f"ranked model ids must be distinct, got {ids}"
            raise ValueError(msg)
        return ranked

    @property
    def model_ids(self) -> list[str]:
        """The ranked ids, best first."""
        return [r.model_id for r in self.ranked]

    @property
    def best(self) -> str:
        """The first-ranked model id."""
        return self.ranked[0].model_id


Outcome = Literal["ok", "timeout", "error", "hedged"]


class Attempt(BaseModel):
    """One call of one model during a routed run.

    Attributes:
        outcome: ``ok``; ``timeout``; ``error``; or ``hedged`` (started because the
            first-ranked model was slow to its first token, then cancelled because the
            other model produced one first).
        streamed: text of this attempt reached the caller's stream before it failed.
        first_token_seconds: seconds from the request to the first content or tool-call
            chunk of a streamed call (``None`` when none came or the call was not streamed).
        continued_at: for a continuation after a mid-stream failure, the character offset
            in the answer where this model took over (``None``: it started the answer).
        usage: token counts the provider reported; for a failed or hedged stream, an
            estimate (about 4 characters per token) so its cost is still counted.
    """

    model_config = ConfigDict(frozen=True)

    model_id: str
    outcome: Outcome
    seconds: float
    error_type: str | None = None
    error: str | None = None
    retryable: bool = False
    streamed: bool = False
    context_overflow: bool = False
    usage: dict[str, int] | None = None
    cost: float | None = None
    # Cost and tokens, separately (lg_router.memory.budget.attempt_cost); None = unknown.
    input_tokens: int | None = None
    output_tokens: int | None = None
    input_cost: float | None = None
    output_cost: float | None = None
    request_cost: float | None = None
    currency: str | None = None
    # The failure class (lg_router.execution.errors.FailureKind) and the provider's Retry-After.
    failure: str | None = None
    retry_after: float | None = None
    first_token_seconds: float | None = None
    continued_at: int | None = None


def llm_schema(candidate_ids: Sequence[str]) -> dict[str, Any]:
    """The JSON schema an LLM classifier fills in, generated for ``candidate_ids``.

    ``model_id`` is an enum of exactly the candidates, so a schema-following model cannot
    name a model outside the feasible pool; the answer is still re-checked afterwards.
    """
    return {
        "title": "route_choice",
        "description": "Rank the best models for the task, best first.",
        "type": "object",
        "properties": {
            "category": {"type": "string", "enum": list(CATEGORIES), "description": "The kind of task."},
            "ranked": {
                "type": "array",
                "minItems": 1,
                "maxItems": 3,
                "description": "Up to 3 distinct model ids, best first.",
                "items": {
                    "type": "object",
                    "properties": {
                        "model_id": {"type": "string", "enum": list(candidate_ids)},
                        "justification": {
                            "type": "string",
                            "description": "One sentence: why this model fits the task.",
                        },
                    },
                    "required": ["model_id", "justification"],
                },
            },
        },
        "required": ["category", "ranked"],
    }
