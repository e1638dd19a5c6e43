"""The router as a LangGraph ``StateGraph``: classify, one node per model, fallback edges."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.runnables import RunnableConfig
from langgraph._internal._runnable import RunnableCallable
from langgraph.cache.base import BaseCache
from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime

from lg_router.catalog import ModelCatalog
from lg_router.classifiers import Classifier
from lg_router.decision import Attempt, RoutingDecision
from lg_router.errors import RoutingError, StreamInterruptedError
from lg_router.execution import CallModel
from lg_router.memory import Budget, DecisionCache, RouterMemory, SemanticCache, Sticky
from lg_router.memory.cache import as_decision_cache
from lg_router.models import ModelProvider
from lg_router.routing import Decider, default_catalog, resolve_classifier
from lg_router.state import RouterContext, RouterInput, RouterOutput, RouterState, RunOptions

CLASSIFY = "classify"
EXHAUSTED = "exhausted"


def node_name(model_id: str) -> str:
    """The execution node of a model (``call <id>``; ':' is reserved by LangGraph)."""
    return f"call {model_id}"


def _current_attempts(state: RouterState) -> list[Attempt]:
    return list(state.get("attempts") or [])


def next_step(state: RouterState, catalog: ModelCatalog) -> str:
    """Where to go after an execution node: done, the next ranked model, or exhausted.

    Falls back (without re-classifying) on a timeout or a retryable error; on context
    overflow only to a model with a larger window; never after tokens were streamed.
    """
    attempts = _current_attempts(state)
    last = attempts[-1]
    if last.outcome == "ok":
        return END
    decision = state["decision"]
    if decision is None or last.streamed:
        return EXHAUSTED
    tried = {a.model_id for a in attempts}
    for model_id in decision.model_ids:
        if model_id in tried:
            continue
        if last.context_overflow:
            window = catalog[model_id].context_window
            if window is not None and window > (catalog[last.model_id].context_window or 0):
                return node_name(model_id)
            continue
        if last.retryable:
            return node_name(model_id)
    return EXHAUSTED


def exhausted(state: RouterState) -> dict[str, Any]:
    """Terminal node: raise a :class:`RoutingError` listing every attempt."""
    attempts = _current_attempts(state)
    decision = state.get("decision")
    last = attempts[-1]
    if last.streamed:
        reason = (
            f"model '{last.model_id}' failed after it had started streaming "
            f"({last.error_type}: {last.error}); the router does not fail over mid-stream"
        )
        raise StreamInterruptedError(reason, attempts, decision)
    if not last.retryable and not last.context_overflow:
        reason = (
            f"model '{last.model_id}' failed with a non-retryable error ({last.error_type}); "
            "fix the request or the configuration, the router does not hide it by falling back"
        )
    else:
        reason = f"every ranked model failed ({len(attempts)} attempt(s))"
    raise RoutingError(reason, attempts, decision)


class Classify:
    """The classify node: decides the ranking once per run and starts a fresh attempt list."""

    def __init__(self, decider: Decider, defaults: dict[str, Any]) -> None:
        self.decider = decider
        self.defaults = defaults

    def _options(self, config: RunnableConfig, runtime: Runtime[Any] | None) -> RunOptions:
        return RunOptions.resolve(config, runtime.context if runtime else None, defaults=self.defaults)

    def invoke(
        self, state: RouterState, config: RunnableConfig, runtime: Runtime[Any] | None = None
    ) -> dict[str, Any]:
        options = self._options(config, runtime)
        decision = self.decider.decide(state["messages"], options, config, spent=state.get("spend"))
        return {"decision": decision, "attempts": None}

    async def ainvoke(
        self, state: RouterState, config: RunnableConfig, runtime: Runtime[Any] | None = None
    ) -> dict[str, Any]:
        options = self._options(config, runtime)
        decision = await self.decider.adecide(state["messages"], options, config, spent=state.get("spend"))
        return {"decision": decision, "attempts": None}


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
    decision_cache: DecisionCache | BaseCache[Any] | bool | None = True,
    semantic_cache: SemanticCache | None = None,
    sticky: Sticky = "escalate",
    budget: Budget | float | Mapping[str, Any] | None = None,
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
        decision_cache: the exact decision cache: ``True`` (default) a bounded in-memory
            one, a LangGraph cache backend (``RedisCache(redis.Redis(...))`` to share it
            between replicas) or a :class:`DecisionCache`; ``False``/``None`` disables it.
            It is the classify node's own, so no ``compile(cache=...)`` is needed.
        semantic_cache: opt-in :class:`SemanticCache` (an embedding and a threshold).
        sticky: default thread stickiness: ``"escalate"``, ``"pin"`` or ``"off"``.
        budget: default budget: a :class:`Budget`, a number (money per thread, in the
            catalog's currency) or a mapping of ``Budget`` fields.

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
    defaults: dict[str, Any] = {
        "preference": preference,
        "models": list(models) if models else None,
        "sticky": sticky,
        "budget": budget,
    }
    RunOptions.build(**defaults)  # validate at build time
    if models:
        cat.subset(list(models))  # unknown ids fail here, naming them
    provider = ModelProvider(cat, overrides=chat_models, client_kwargs=client_kwargs)
    chosen = resolve_classifier(classifier, catalog=cat, provider=provider, llm=llm)
    memory = RouterMemory(
        cat, type(chosen).__name__, cache=as_decision_cache(decision_cache), semantic=semantic_cache
    )
    decider = Decider(cat, chosen, memory)

    builder = StateGraph(
        RouterState, context_schema=RouterContext, input_schema=RouterInput, output_schema=RouterOutput
    )
    classify = Classify(decider, defaults)
    builder.add_node(
        CLASSIFY, RunnableCallable(classify.invoke, classify.ainvoke, name=CLASSIFY, trace=False)
    )
    call_nodes = [node_name(m) for m in cat.ids]
    builder.add_edge(START, CLASSIFY)
    builder.add_conditional_edges(CLASSIFY, _edge(first_choice), call_nodes)
    for model_id in cat.ids:
        call = CallModel(model_id, provider=provider, catalog=cat, defaults=defaults, timeout=timeout)
        name = node_name(model_id)
        builder.add_node(name, RunnableCallable(call.invoke, call.ainvoke, name=name, trace=False))
        others = [n for n in call_nodes if n != name]
        builder.add_conditional_edges(name, _edge(_after(cat)), [*others, EXHAUSTED, END])
    builder.add_node(EXHAUSTED, exhausted)
    builder.add_edge(EXHAUSTED, END)
    return builder


def _edge(choose: Callable[[RouterState], str]) -> RunnableCallable:
    """An edge usable from sync and async runs alike.

    A plain function edge runs in a thread-pool executor during async runs; the choice
    is pure CPU work of microseconds, so the async twin simply calls it.
    """

    async def achoose(state: RouterState) -> str:
        return choose(state)

    return RunnableCallable(choose, achoose, name=getattr(choose, "__name__", "edge"), trace=False)


def _after(catalog: ModelCatalog) -> Callable[[RouterState], str]:
    def after_call(state: RouterState) -> str:
        return next_step(state, catalog)

    return after_call
