"""A finished request: what it reports, and what of it a client may see.

``Outcome`` goes to ``/metrics`` and the status page; attempts are redacted before they
reach a client, and the ``x-lg-router-*`` headers describe the decision and attempts.
"""

from __future__ import annotations

from dataclasses import dataclass

from lg_router.decision import Attempt, RoutingDecision
from lg_router.server.wire import ChatRequest

# Error class names (openai's, langchain-openai's, langchain-core's) of a provider
# refusing the gateway's own credentials: their messages are not quoted to clients.
_CREDENTIAL_ERRORS = frozenset(
    {
        "AuthenticationError",
        "PermissionDeniedError",
        "OpenAIAuthenticationError",
        "OpenAIPermissionDeniedError",
        "ModelAuthenticationError",
        "ModelPermissionDeniedError",
    }
)


@dataclass
class Outcome:
    """What a finished request reports to metrics and the status page."""

    request: ChatRequest
    decision: RoutingDecision | None
    attempts: list[Attempt]
    seconds: float
    status: int
    answered: str | None = None


def redact(attempt: Attempt) -> Attempt:
    """An attempt safe to send to a client: a provider's credential complaint is not quoted."""
    if attempt.error_type in _CREDENTIAL_ERRORS:
        return attempt.model_copy(update={"error": "the provider rejected the gateway's credentials"})
    return attempt


def decision_headers(decision: RoutingDecision | None, requested: str) -> dict[str, str]:
    """``x-lg-router-*`` headers known once the decision is made."""
    headers = {"x-lg-router-requested": requested}
    if decision is not None:
        headers["x-lg-router-ranked"] = ",".join(decision.model_ids)
        headers["x-lg-router-category"] = decision.category
        headers["x-lg-router-classifier"] = decision.classifier
        headers["x-lg-router-preference"] = decision.preference
    return headers


def attempt_headers(attempts: list[Attempt]) -> dict[str, str]:
    """``x-lg-router-attempts`` (``id=outcome`` in order) and ``x-lg-router-model``."""
    headers = {"x-lg-router-attempts": ",".join(f"{a.model_id}={a.outcome}" for a in attempts)}
    answered = [a.model_id for a in attempts if a.outcome == "ok"]
    if answered:
        headers["x-lg-router-model"] = answered[-1]
    return headers
