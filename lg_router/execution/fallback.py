"""The fallback dispatch after a failed attempt, and the terminal ``exhausted`` node.

After an execution node fails, the ``fallback`` node decides where the run goes: the
same model again (a short ``Retry-After``), the next ranked model (which failures may
fall back, and where, is :mod:`lg_router.execution.errors`'s classification), or
``exhausted``, which raises the typed error that says why. Every extra attempt spends
the router's retry budget.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.runtime import Runtime
from langgraph.types import Command

from lg_router.catalog import ModelCatalog
from lg_router.decision import Attempt
from lg_router.errors import (
    MissingAPIKeyError,
    RetryBudgetExceededError,
    RoutingError,
    StreamInterruptedError,
    StructuredOutputError,
)
from lg_router.execution.deadline import waited_seconds
from lg_router.execution.errors import KEY_KINDS
from lg_router.execution.retry import RetryBudget, retry_wait
from lg_router.state import RouterState, RunOptions

FALLBACK = "fallback"
EXHAUSTED = "exhausted"
# LangGraph reserves ':' and '|' in node names; these look the same in Studio and traces.
_RESERVED = str.maketrans({":": "\u2236", "|": "\u2223"})


def node_name(model_id: str) -> str:
    """The execution node of a model: ``call <id>`` (``:`` and ``|`` shown as look-alikes)."""
    return f"call {model_id.translate(_RESERVED)}"


def _current_attempts(state: RouterState) -> list[Attempt]:
    return list(state.get("attempts") or [])


def _key_of(catalog: ModelCatalog, model_id: str) -> tuple[str, str | None]:
    return catalog.endpoint(model_id)


def next_model(state: RouterState, catalog: ModelCatalog) -> str | None:
    """The next ranked model to fall back to after the last failed attempt, if any.

    The decision is not recomputed. A provider failure (timeout, 429/5xx, connection,
    malformed body, model not found, 413, an unparsable structured answer) goes to the
    next untried model; context overflow only to a larger window; a key problem
    (401/403, missing key) only to a model served from another endpoint or with another
    key; an error of the request itself nowhere. After tokens were streamed the next
    model continues the answer (``on_stream_failure="continue"``; with ``"raise"`` the
    attempt is not retryable and the run ends in :class:`StreamInterruptedError`).
    """
    attempts = _current_attempts(state)
    last = attempts[-1]
    decision = state["decision"]
    if decision is None or (last.streamed and not last.retryable):
        return None
    tried = {a.model_id for a in attempts}
    refused = {_key_of(catalog, a.model_id) for a in attempts if a.failure in KEY_KINDS}
    for model_id in decision.model_ids:
        if model_id in tried or _key_of(catalog, model_id) in refused:
            continue  # a key that was refused (or is missing) is not tried again
        if last.context_overflow:
            window = catalog[model_id].context_window
            if window is not None and window > (catalog[last.model_id].context_window or 0):
                return model_id
            continue
        if last.retryable or last.failure in KEY_KINDS:
            return model_id
    return None


class Fallback:
    """The fallback dispatch: retry the same model after a short Retry-After, try the next
    ranked model, or give up (``exhausted``). Each extra attempt spends the retry budget.
    """

    def __init__(
        self,
        catalog: ModelCatalog,
        defaults: dict[str, Any],
        *,
        timeout: float | None,
        budget: RetryBudget | None,
    ) -> None:
        self.catalog = catalog
        self.defaults = defaults
        self.timeout = timeout
        self.budget = budget

    def _plan(
        self, state: RouterState, config: RunnableConfig, runtime: Runtime[Any] | None
    ) -> tuple[str, float]:
        """``(node to go to, seconds to wait first)``."""
        options = RunOptions.resolve(config, runtime.context if runtime else None, defaults=self.defaults)
        attempts = _current_attempts(state)
        last = attempts[-1]
        spec = self.catalog[last.model_id]
        deadline = options.timeout or spec.timeout or self.timeout or self.catalog.default_timeout
        total_left = None
        if options.total_timeout is not None:
            spent = sum(a.seconds for a in attempts if a.outcome != "hedged") + waited_seconds(attempts)
            total_left = options.total_timeout - spent
        wait = retry_wait(
            attempts,
            deadline,
            retries=options.retries,
            max_wait=options.max_retry_wait,
            total_left=total_left,
        )
        target = last.model_id if wait is not None else next_model(state, self.catalog)
        if target is None:
            return EXHAUSTED, 0.0
        if self.budget is not None and not self.budget.try_spend():
            first, extra = self.budget.counts()
            reason = (
                f"model '{last.model_id}' failed and the retry budget is spent ({extra} fallbacks/retries "
                f"for {first} requests in the last {self.budget.window:g}s, limit "
                f"{self.budget.ratio:.0%} + {self.budget.min_retries}); failing fast instead of adding load"
            )
            raise RetryBudgetExceededError(reason, attempts, state.get("decision"))
        return node_name(target), wait or 0.0

    def invoke(
        self, state: RouterState, config: RunnableConfig, runtime: Runtime[Any] | None = None
    ) -> Command[str]:
        target, wait = self._plan(state, config, runtime)
        if wait:
            time.sleep(wait)
        return Command(goto=target)

    async def ainvoke(
        self, state: RouterState, config: RunnableConfig, runtime: Runtime[Any] | None = None
    ) -> Command[str]:
        target, wait = self._plan(state, config, runtime)
        if wait:
            await asyncio.sleep(wait)
        return Command(goto=target)


def exhausted_node(catalog: ModelCatalog) -> Any:
    def exhausted(state: RouterState) -> dict[str, Any]:
        """Terminal node: raise a :class:`RoutingError` (or a subclass) listing every attempt."""
        attempts = _current_attempts(state)
        decision = state.get("decision")
        last = attempts[-1]
        if last.streamed and not last.retryable:
            reason = (
                f"model '{last.model_id}' failed after it had started streaming "
                f"({last.error_type}: {last.error}); the answer was not continued on another model "
                "(on_stream_failure='raise', or an error of the request itself)"
            )
            raise StreamInterruptedError(reason, attempts, decision)
        if any(a.streamed for a in attempts):
            reason = (
                f"every ranked model failed ({len(attempts)} attempt(s)) after the answer had started "
                "streaming; the caller has a partial answer only"
            )
            raise StreamInterruptedError(reason, attempts, decision)
        if last.failure == "missing_key":  # named after the first model that lacked its key
            first = next(a for a in attempts if a.failure == "missing_key")
            env = _key_of(catalog, first.model_id)[1] or "the catalog's api_key_env"
            raise MissingAPIKeyError(first.model_id, env, attempts, decision)
        if any(a.failure == "bad_output" for a in attempts):
            reason = (
                f"no ranked model answered with a valid call of the structured-output schema "
                f"({len(attempts)} attempt(s))"
            )
            raise StructuredOutputError(reason, attempts, decision)
        if last.failure in KEY_KINDS:
            reason = (
                f"model '{last.model_id}' was refused its key ({last.error_type}); no other ranked "
                "model is served from another endpoint or with another key: fix the key"
            )
        elif not last.retryable and not last.context_overflow:
            reason = (
                f"model '{last.model_id}' failed with a non-retryable error ({last.error_type}); "
                "fix the request or the configuration, the router does not hide it by falling back"
            )
        else:
            reason = f"every ranked model failed ({len(attempts)} attempt(s))"
        raise RoutingError(reason, attempts, decision)

    return exhausted
