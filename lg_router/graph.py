"""The router as a LangGraph ``StateGraph``: classify, one node per model, fallback edges."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.runnables import RunnableConfig
from langgraph._internal._runnable import RunnableCallable
from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from langgraph.types import Command

from lg_router.catalog import ModelCatalog
from lg_router.classifiers import Classifier
from lg_router.decision import Attempt, RoutingDecision
from lg_router.errors import (
    CatalogError,
    MissingAPIKeyError,
    RetryBudgetExceededError,
    RoutingError,
    StreamInterruptedError,
    StructuredOutputError,
)
from lg_router.execution import CallModel
from lg_router.execution.errors import KEY_KINDS
from lg_router.execution.retry import RetryBudget, resolve_budget, retry_wait
from lg_router.health import Health, resolve_health
from lg_router.models import ModelProvider
from lg_router.routing import Decider, default_catalog, resolve_classifier
from lg_router.state import RouterContext, RouterInput, RouterOutput, RouterState, RunOptions, check_seconds

CLASSIFY = "classify"
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
    key; an error of the request itself, or a failure after tokens were streamed, nowhere.
    """
    attempts = _current_attempts(state)
    last = attempts[-1]
    decision = state["decision"]
    if decision is None or last.streamed:
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


def after_call(state: RouterState) -> str:
    """Edge after an execution node: ``answer`` (to ``END``) or ``timeout or error`` (to the fallback)."""
    return "answer" if _current_attempts(state)[-1].outcome == "ok" else "timeout or error"


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
        wait = retry_wait(attempts, deadline, retries=options.retries, max_wait=options.max_retry_wait)
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


def _exhausted(catalog: ModelCatalog) -> Callable[[RouterState], dict[str, Any]]:
    def exhausted(state: RouterState) -> dict[str, Any]:
        """Terminal node: raise a :class:`RoutingError` (or a subclass) listing every attempt."""
        attempts = _current_attempts(state)
        decision = state.get("decision")
        last = attempts[-1]
        if last.streamed:
            reason = (
                f"model '{last.model_id}' failed after it had started streaming "
                f"({last.error_type}: {last.error}); the router does not fail over mid-stream"
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


class Classify:
    """The classify node: decides the ranking once per run and starts a fresh attempt list."""

    def __init__(self, decider: Decider, defaults: dict[str, Any], budget: RetryBudget | None = None) -> None:
        self.decider = decider
        self.defaults = defaults
        self.budget = budget

    def _started(self, decision: RoutingDecision) -> dict[str, Any]:
        if self.budget is not None:
            self.budget.record_first()
        return {"decision": decision, "attempts": None}

    def _options(self, config: RunnableConfig, runtime: Runtime[Any] | None) -> RunOptions:
        return RunOptions.resolve(config, runtime.context if runtime else None, defaults=self.defaults)

    def invoke(
        self, state: RouterState, config: RunnableConfig, runtime: Runtime[Any] | None = None
    ) -> dict[str, Any]:
        decision = self.decider.decide(state["messages"], self._options(config, runtime), config)
        return self._started(decision)

    async def ainvoke(
        self, state: RouterState, config: RunnableConfig, runtime: Runtime[Any] | None = None
    ) -> dict[str, Any]:
        decision = await self.decider.adecide(state["messages"], self._options(config, runtime), config)
        return self._started(decision)


def first_choice(state: RouterState) -> str:
    """Edge from ``classify``: the first-ranked model's execution node."""
    decision: RoutingDecision = state["decision"]  # type: ignore[assignment]
    return node_name(decision.best)


def create_router(
    catalog: ModelCatalog | str | None = None,
    *,
    classifier: str | Classifier | None = "rules",
    chat_models: Mapping[str, BaseChatModel] | None = None,
    llm: BaseChatModel | None = None,
    preference: str = "balanced",
    models: Sequence[str] | None = None,
    timeout: float | None = None,
    client_kwargs: Mapping[str, Any] | None = None,
    retries: int = 1,
    max_retry_wait: float = 2.0,
    retry_budget: RetryBudget | float | None = 0.2,
    health: str | Health | None = "memory",
) -> StateGraph[RouterState, RouterContext, RouterInput, RouterOutput]:
    """Build the router graph (uncompiled, so the caller picks checkpointer and store).

    Args:
        catalog: a :class:`ModelCatalog`, a preset name or a YAML path (default ``oxlo``).
        classifier: ``"rules"`` (default), ``"llm"``, ``"hybrid"`` or a classifier instance.
        chat_models: ready-made chat models by catalog id, used instead of building
            ``ChatOpenAI`` from the catalog (tests, other providers).
        llm: the chat model of the ``llm``/``hybrid`` classifier (default: the catalog's
            default model).
        preference: default preference; a run may override it through
            ``configurable``/context.
        models: default candidate pool (catalog ids).
        timeout: default seconds per attempt for models without their own timeout.
        client_kwargs: extra ``ChatOpenAI`` arguments for every built model.
        retries: retries of the same model after a 429/503 whose ``Retry-After`` is at
            most ``max_retry_wait`` seconds and fits in its deadline (default 1).
        max_retry_wait: the longest ``Retry-After`` waited for (default 2 s).
        retry_budget: fallbacks and retries may not exceed this fraction of the recent
            first attempts (default 0.2), or a :class:`RetryBudget` (shared between
            routers), or ``None`` for no budget. Over budget, a run fails fast with
            :class:`RetryBudgetExceededError`.
        health: live model health (breakers, measured latency): ``"memory"`` (default,
            this router's own store), ``None`` (off), a Redis URL or a ``Health`` store.

    Returns:
        A ``StateGraph`` with input ``{"messages"}`` and output
        ``{"messages", "decision", "attempts"}``.
    """
    if catalog is None or (isinstance(catalog, str) and catalog in ("oxlo", "tiers")):
        cat = default_catalog(catalog or "oxlo")
    elif isinstance(catalog, ModelCatalog):
        cat = catalog
    else:
        cat = ModelCatalog.load(catalog)
    check_seconds("timeout", timeout)
    defaults: dict[str, Any] = {
        "preference": preference,
        "models": list(models) if models else None,
        "retries": retries,
        "max_retry_wait": max_retry_wait,
    }
    RunOptions.build(**defaults)  # validate at build time
    budget = resolve_budget(retry_budget)
    if models:
        cat.subset(list(models))  # unknown ids fail here, naming them
    provider = ModelProvider(cat, overrides=chat_models, client_kwargs=client_kwargs)
    provider.prepare()  # heavy imports now, never inside an attempt's deadline
    store = resolve_health(health)
    decider = Decider(
        cat, resolve_classifier(classifier, catalog=cat, provider=provider, llm=llm), store, timeout=timeout
    )

    builder = StateGraph(
        RouterState, context_schema=RouterContext, input_schema=RouterInput, output_schema=RouterOutput
    )
    classify = Classify(decider, defaults, budget)
    builder.add_node(
        CLASSIFY, RunnableCallable(classify.invoke, classify.ainvoke, name=CLASSIFY, trace=False)
    )
    call_nodes = _call_nodes(cat)
    builder.add_edge(START, CLASSIFY)
    builder.add_conditional_edges(CLASSIFY, _edge(first_choice), call_nodes)
    # Every execution node has two edges (answer -> END, failure -> fallback) and the
    # fallback dispatch one to each model: the edge count grows linearly with the catalog.
    for model_id in cat.ids:
        call = CallModel(
            model_id, provider=provider, catalog=cat, defaults=defaults, timeout=timeout, health=store
        )
        name = node_name(model_id)
        builder.add_node(name, RunnableCallable(call.invoke, call.ainvoke, name=name, trace=False))
        builder.add_conditional_edges(name, _edge(after_call), {"answer": END, "timeout or error": FALLBACK})
    fallback = Fallback(cat, defaults, timeout=timeout, budget=budget)
    builder.add_node(
        FALLBACK,
        RunnableCallable(fallback.invoke, fallback.ainvoke, name=FALLBACK, trace=False),
        destinations={**dict.fromkeys(call_nodes, "next ranked / retry"), EXHAUSTED: "none left"},
    )
    builder.add_node(EXHAUSTED, _exhausted(cat))
    builder.add_edge(EXHAUSTED, END)
    return builder


def _call_nodes(catalog: ModelCatalog) -> list[str]:
    names = [node_name(m) for m in catalog.ids]
    if len(set(names)) != len(names):
        clash = sorted({n for n in names if names.count(n) > 1})
        msg = f"catalog ids {clash} differ only in ':' / '|' and look-alike characters; rename one"
        raise CatalogError(msg)
    return names


def _edge(choose: Callable[[RouterState], str]) -> RunnableCallable:
    """An edge usable from sync and async runs alike.

    A plain function edge runs in a thread-pool executor during async runs; the choice
    is pure CPU work of microseconds, so the async twin simply calls it.
    """

    async def achoose(state: RouterState) -> str:
        return choose(state)

    return RunnableCallable(choose, achoose, name=getattr(choose, "__name__", "edge"), trace=False)
