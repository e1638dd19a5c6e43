"""Typed errors a user can act on. Every message says what to fix."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from lg_router.redaction import redact

if TYPE_CHECKING:
    from lg_router.decision import Attempt, RoutingDecision


class LgRouterError(Exception):
    """Base class of every error lg-router raises on purpose."""


class CatalogError(LgRouterError, ValueError):
    """An invalid catalog: the message names the file, the model id and the field."""


class InvalidTaskError(LgRouterError, ValueError):
    """The task cannot be routed as given (empty, unreadable content, wrong type)."""


class InvalidOptionError(LgRouterError, ValueError):
    """An unknown preference, classifier, configurable key or candidate id."""


class ClassifierUnavailableError(LgRouterError, ImportError):
    """A classifier's extra is not installed (the message names the ``pip install``)."""


class ClassifierWeightsError(LgRouterError, ValueError):
    """A classifier's weights file is missing or not what it should be (names the file)."""


class NoFeasibleModelError(LgRouterError, ValueError):
    """No model of the candidate pool satisfies the task's hard constraints.

    Attributes:
        excluded: model id -> the constraint that removed it.
    """

    def __init__(self, excluded: dict[str, str], *, needs: Sequence[str] = ()) -> None:
        self.excluded = dict(excluded)
        self.needs = tuple(needs)
        reasons = "; ".join(f"{m}: {why}" for m, why in self.excluded.items()) or "the pool is empty"
        need = f" (task needs: {', '.join(self.needs)})" if self.needs else ""
        msg = (
            f"no model can take this task{need}. Removed: {reasons}. "
            "Widen the candidate pool or add a model with the missing capability to the catalog."
        )
        super().__init__(msg)


class RoutingError(LgRouterError, RuntimeError):
    """Every ranked model that could be tried failed (or a failure could not be retried).

    Attributes:
        attempts: every attempt made, in order, with model, error class, message, seconds.
        decision: the routing decision that was being executed.
    """

    def __init__(
        self,
        reason: str,
        attempts: Sequence[Attempt] = (),
        decision: RoutingDecision | None = None,
    ) -> None:
        self.reason = reason
        self.attempts = tuple(attempts)
        self.decision = decision
        lines = [reason]
        for i, a in enumerate(self.attempts, 1):
            lines.append(
                f"  {i}. {a.model_id}: {a.outcome} {a.error_type or ''} after {a.seconds:.2f}s"
                f"{': ' + a.error if a.error else ''}"
            )
        super().__init__(redact("\n".join(lines)))  # a provider may quote the key back


class StreamInterruptedError(RoutingError):
    """A streamed answer could not be finished after tokens had reached the caller.

    By default the next ranked model continues a stream that failed mid-way; this is
    raised with ``on_stream_failure="raise"``, or when no ranked model could finish it.
    The attempts say what was streamed (``streamed``) and who took over (``continued_at``).
    """


class MissingAPIKeyError(RoutingError):
    """The env var that holds a model's API key is not set (raised at first call).

    Raised by the router when the model the task was routed to has no key and no other
    ranked model is served from another endpoint or with another key; ``attempts`` and
    ``decision`` then say what was tried.

    Attributes:
        model_id: the model whose key is missing.
        env_var: the environment variable to set.
    """

    def __init__(
        self,
        model_id: str,
        env_var: str,
        attempts: Sequence[Attempt] = (),
        decision: RoutingDecision | None = None,
    ) -> None:
        self.model_id = model_id
        self.env_var = env_var
        super().__init__(
            f"model '{model_id}' needs an API key: set the environment variable {env_var}", attempts, decision
        )


class StructuredOutputError(RoutingError):
    """No ranked model answered with a valid call of the structured-output schema.

    Each model that answered without the forced tool call, or with arguments that do
    not match the schema, is an attempt; ``attempts`` lists them.
    """


class RetryBudgetExceededError(RoutingError):
    """A fallback or retry was refused because the router's retry budget is spent.

    Under overload, fallbacks would multiply the load sent upstream; the budget allows
    extra attempts up to a fraction of the recent first attempts (``retry_budget``).
    """


# -- memory: budgets (lg_router.memory.budget) -------------------------------------------


class BudgetExceededError(LgRouterError, RuntimeError):
    """No candidate model fits what is left of the run's or thread's budget.

    Raised by the classify step, before any model is called.

    Attributes:
        budget: the budget in force, in words (``"0.01 USD per thread"``).
        spent: what the thread has spent so far, in words.
        excluded: model id -> why it cannot be afforded (or was removed otherwise).
    """

    def __init__(self, budget: str, spent: str, excluded: dict[str, str]) -> None:
        self.budget = budget
        self.spent = spent
        self.excluded = dict(excluded)
        reasons = "; ".join(f"{m}: {why}" for m, why in self.excluded.items())
        msg = (
            f"the budget ({budget}; spent {spent}) cannot afford any candidate model. {reasons}. "
            "Raise the budget, lower max_tokens, or start a new thread."
        )
        super().__init__(msg)
