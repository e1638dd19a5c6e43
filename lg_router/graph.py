"""The router as a LangGraph ``StateGraph``: classify, one node per model, fallback edges."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.runnables import RunnableConfig, ensure_config

# Private (checked on langgraph 1.2.24): the one construct with a sync and an async body
# that opens no callback run of its own; RunnableLambda(func, afunc) costs ~1.9x the
# graph's Python calls. Pinned by tests/unit/test_private_pins.py.
from langgraph._internal._runnable import RunnableCallable
from langgraph.cache.base import BaseCache
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.runtime import Runtime
from langgraph.types import Command

from lg_router.catalog import ModelCatalog, resolve_catalog
from lg_router.classifiers import Classifier
from lg_router.decision import RoutingDecision
from lg_router.errors import CatalogError
from lg_router.execution import CallModel
from lg_router.execution.fallback import (
    EXHAUSTED,
    FALLBACK,
    Fallback,
    exhausted_node,
    node_name,
)
from lg_router.execution.inline import InlineRouter, Step, Terminal
from lg_router.execution.quiet import nobody_listens
from lg_router.execution.retry import RetryBudget, resolve_budget
from lg_router.health import Health, resolve_health
from lg_router.memory import Budget, DecisionCache, RouterMemory, SemanticCache, Sticky
from lg_router.memory.cache import as_decision_cache
from lg_router.models import ModelProvider
from lg_router.routing import Decider, resolve_classifier
from lg_router.state import RouterContext, RouterInput, RouterOutput, RouterState, RunOptions, check_seconds

CLASSIFY = "classify"


class Classify:
    """The classify node: decides the ranking once per run and starts a fresh attempt list."""

    def __init__(self, decider: Decider, defaults: dict[str, Any], budget: RetryBudget | None = None) -> None:
        self.decider = decider
        self.defaults = defaults
        self.budget = budget

    def _started(self, decision: RoutingDecision) -> Command[str]:
        if self.budget is not None:
            self.budget.record_first()
        # the first-ranked model's node is named here, not by an edge function: one
        # runnable less per run (the drawn edges come from the node's destinations)
        return Command(update={"decision": decision, "attempts": None}, goto=node_name(decision.best))

    def _options(self, config: RunnableConfig, runtime: Runtime[Any] | None) -> RunOptions:
        return RunOptions.resolve(config, runtime.context if runtime else None, defaults=self.defaults)

    def invoke(
        self, state: RouterState, config: RunnableConfig, runtime: Runtime[Any] | None = None
    ) -> Command[str]:
        options = self._options(config, runtime)
        decision = self.decider.decide(state["messages"], options, config, spent=state.get("spend"))
        return self._started(decision)

    async def ainvoke(
        self, state: RouterState, config: RunnableConfig, runtime: Runtime[Any] | None = None
    ) -> Command[str]:
        options = self._options(config, runtime)
        decision = await self.decider.adecide(state["messages"], options, config, spent=state.get("spend"))
        return self._started(decision)


class Routed:
    """An execution node that names where the run goes next, as a ``Command``: ``END``
    when its last attempt answered, else the fallback dispatch (a timeout or an error).
    No edge function runs after every call; Studio draws the same two labelled edges
    from the node's destinations."""

    def __init__(self, call: CallModel) -> None:
        self.call = call

    @staticmethod
    def _route(update: dict[str, Any]) -> Command[str]:
        answered = update["attempts"][-1].outcome == "ok"
        return Command(update=update, goto=END if answered else FALLBACK)

    def invoke(
        self, state: RouterState, config: RunnableConfig, runtime: Runtime[Any] | None = None
    ) -> Command[str]:
        return self._route(self.call.invoke(state, config, runtime))

    async def ainvoke(
        self, state: RouterState, config: RunnableConfig, runtime: Runtime[Any] | None = None
    ) -> Command[str]:
        return self._route(await self.call.ainvoke(state, config, runtime))


class CompiledRouterGraph(CompiledStateGraph[RouterState, RouterContext, RouterInput, RouterOutput]):
    """The compiled router graph: LangGraph's, except that a call nobody can observe runs inline.

    ``graph.invoke(input)`` / ``ainvoke`` (and ``batch``) with no keyword argument, a
    ``{"messages": ...}`` input and a config that no callback, tracer or hook listens to,
    outside another graph's run, on a graph compiled without checkpointer, store, cache,
    interrupts or debug, run the same node bodies through :class:`InlineRouter`: same
    output, errors and side effects (health, caches, budgets), without the Pregel loop.
    Everything else (``stream``, ``astream_events``, tracing, checkpointers, ``context=``,
    subgraph use, Studio) is LangGraph's own path.
    """

    def __init__(self, *, inline: InlineRouter | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.inline = inline

    def _inline_run(
        self, graph_input: Any, config: RunnableConfig | None, kwargs: Mapping[str, Any], *, is_async: bool
    ) -> tuple[InlineRouter, RunnableConfig] | None:
        """The inline run and the config to give it, or ``None`` when LangGraph's path must run."""
        if self.inline is None or kwargs or not isinstance(graph_input, dict):
            return None
        if set(graph_input) != {"messages"}:
            return None
        if self.checkpointer or self.store or self.cache or self.debug or self.config:
            return None
        if self.interrupt_before_nodes or self.interrupt_after_nodes:
            return None
        merged = ensure_config(config)  # the caller's ambient config too (a node, a chain step)
        if any(str(key).startswith("__pregel") for key in merged.get("configurable", {})):
            return None  # a subgraph of another run: its checkpoints and streams are LangGraph's
        return (self.inline, merged) if nobody_listens(merged, is_async=is_async) else None

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        """LangGraph's ``invoke``; inline when nobody can observe the run (see the class)."""
        inline = self._inline_run(input, config, kwargs, is_async=False)
        if inline is None:
            return super().invoke(input, config, **kwargs)
        return inline[0].invoke(input, inline[1])

    async def ainvoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        """LangGraph's ``ainvoke``; inline when nobody can observe the run (see the class)."""
        inline = self._inline_run(input, config, kwargs, is_async=True)
        if inline is None:
            return await super().ainvoke(input, config, **kwargs)
        return await inline[0].ainvoke(input, inline[1])


class RouterGraph(StateGraph[RouterState, RouterContext, RouterInput, RouterOutput]):
    """The router's ``StateGraph``; :attr:`inline` runs the same node bodies in place.

    ``inline`` is ``None`` when a chat model given to the router carries callbacks of its
    own (those see the graph's run metadata) or when ``create_router(inline=False)``:
    such a router always runs LangGraph's Pregel loop.
    """

    inline: InlineRouter | None = None

    def compile(self, *args: Any, **kwargs: Any) -> CompiledStateGraph[Any, Any, Any, Any]:
        """``StateGraph.compile``, returning a :class:`CompiledRouterGraph`."""
        compiled = super().compile(*args, **kwargs)
        attrs = {key: value for key, value in compiled.__dict__.items() if key != "__orig_class__"}
        return CompiledRouterGraph(inline=self.inline, **attrs)


def create_router(
    catalog: ModelCatalog | str | None = None,
    *,
    classifier: str | Classifier | None = None,
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
    first_token_timeout: float | None = None,
    idle_timeout: float | None = None,
    total_timeout: float | None = None,
    hedge_after: float | None = None,
    on_stream_failure: str = "continue",
    decision_cache: DecisionCache | BaseCache[Any] | bool | None = True,
    semantic_cache: SemanticCache | None = None,
    sticky: Sticky = "escalate",
    budget: Budget | float | Mapping[str, Any] | None = None,
    inline: bool = True,
) -> RouterGraph:
    """Build the router graph (uncompiled, so the caller picks checkpointer and store).

    Args:
        catalog: a :class:`ModelCatalog`, a preset name or a YAML path (default ``oxlo``).
        classifier: ``"semantic"``, ``"learned"``, ``"rules"``, ``"llm"``, ``"hybrid"`` or an instance
            (default ``None``: ``semantic`` with its extra installed, else ``learned``).
        chat_models: ready-made chat models by catalog id, used instead of building
            ``ChatOpenAI`` from the catalog (tests, other providers).
        llm: the chat model of the ``llm``/``hybrid`` classifier (default: the catalog's
            default model).
        preference: default preference; a run may override it through
            ``configurable``/context.
        models: default candidate pool (catalog ids).
        timeout: default seconds for a non-streamed answer, for models without their own.
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
        first_token_timeout: default seconds a streamed call may take to its first
            content or tool-call chunk (default: the timeout).
        idle_timeout: default longest gap between two streamed chunks (default: the
            catalog's ``default_idle_timeout``, 30 s); a producing stream is never cut.
        total_timeout: cap in seconds for a request across all its attempts.
        hedge_after: start the next-ranked model too when the first-ranked one has no
            first token after this many seconds; the first to produce a token wins.
        on_stream_failure: ``"continue"`` (the next model finishes an answer whose stream
            failed) or ``"raise"`` (:class:`StreamInterruptedError`).
        decision_cache: the exact decision cache: ``True`` (default) a bounded in-memory
            one, a LangGraph cache backend (``RedisCache(redis.Redis(...))`` to share it
            between replicas) or a :class:`DecisionCache`; ``False``/``None`` disables it.
            It is the classify node's own, so no ``compile(cache=...)`` is needed.
        semantic_cache: opt-in :class:`SemanticCache` (an embedding and a threshold).
        sticky: default thread stickiness: ``"escalate"``, ``"pin"`` or ``"off"``.
        budget: default spending cap (not ``retry_budget``): a :class:`Budget`, a number
            (money per thread, in the catalog's currency) or a mapping of ``Budget`` fields.
        inline: let calls nobody can observe skip LangGraph's Pregel loop and run the same
            node bodies in place (default ``True``; see :class:`CompiledRouterGraph`).
            ``False``: every call runs the Pregel loop.

    Returns:
        A ``StateGraph`` with input ``{"messages"}`` and output
        ``{"messages", "decision", "attempts", "spend"}``.
    """
    cat = resolve_catalog(catalog)  # a name or None follows LG_ROUTER_* (README: Providers)
    check_seconds("timeout", timeout)
    defaults: dict[str, Any] = {
        "preference": preference,
        "models": list(models) if models else None,
        "retries": retries,
        "max_retry_wait": max_retry_wait,
        "total_timeout": total_timeout,
        "hedge_after": hedge_after,
        "on_stream_failure": on_stream_failure,
        "sticky": sticky,
        "budget": budget,
    }
    stream_times = {"first_token_timeout": first_token_timeout, "idle_timeout": idle_timeout}
    RunOptions.build(**defaults, **stream_times)  # validate at build time
    retry = resolve_budget(retry_budget)
    if models:
        cat.subset(list(models))  # unknown ids fail here, naming them
    provider = ModelProvider(cat, overrides=chat_models, client_kwargs=client_kwargs)
    provider.prepare()  # heavy imports now, never inside an attempt's deadline
    store = resolve_health(health)
    chosen = resolve_classifier(classifier, catalog=cat, provider=provider, llm=llm)
    memory = RouterMemory(
        cat, type(chosen).__name__, cache=as_decision_cache(decision_cache), semantic=semantic_cache
    )
    decider = Decider(cat, chosen, store, memory, timeout=timeout)

    builder = RouterGraph(
        RouterState, context_schema=RouterContext, input_schema=RouterInput, output_schema=RouterOutput
    )
    classify = Classify(decider, defaults, retry)
    steps: dict[str, Step] = {CLASSIFY: classify}
    call_nodes = _call_nodes(cat)
    builder.add_node(
        CLASSIFY,
        RunnableCallable(classify.invoke, classify.ainvoke, name=CLASSIFY, trace=False),
        destinations=tuple(call_nodes),
    )
    builder.add_edge(START, CLASSIFY)
    # Every execution node has two edges (answer -> END, failure -> fallback) and the
    # fallback dispatch one to each model: the edge count grows linearly with the catalog.
    for model_id in cat.ids:
        call = CallModel(
            model_id,
            provider=provider,
            catalog=cat,
            defaults=defaults,
            timeout=timeout,
            health=store,
            budget=retry,
            **stream_times,
        )
        name = node_name(model_id)
        routed = steps[name] = Routed(call)
        builder.add_node(
            name,
            RunnableCallable(routed.invoke, routed.ainvoke, name=name, trace=False),
            destinations={END: "answer", FALLBACK: "timeout or error"},
        )
    fallback = Fallback(cat, defaults, timeout=timeout, budget=retry)
    builder.add_node(
        FALLBACK,
        RunnableCallable(fallback.invoke, fallback.ainvoke, name=FALLBACK, trace=False),
        destinations={**dict.fromkeys(call_nodes, "next ranked / retry"), EXHAUSTED: "none left"},
    )
    exhausted = exhausted_node(cat)
    builder.add_node(EXHAUSTED, exhausted)
    builder.add_edge(EXHAUSTED, END)
    steps[FALLBACK], steps[EXHAUSTED] = fallback, Terminal(exhausted)
    if inline and not _own_callbacks(chat_models, llm, client_kwargs):
        builder.inline = InlineRouter(steps, CLASSIFY)
    return builder


def _own_callbacks(
    chat_models: Mapping[str, BaseChatModel] | None,
    llm: BaseChatModel | None,
    client_kwargs: Mapping[str, Any] | None,
) -> bool:
    """Whether a model the router calls has callbacks of its own (they see run metadata)."""
    given = [*(chat_models or {}).values(), *([llm] if llm is not None else [])]
    return bool((client_kwargs or {}).get("callbacks")) or any(getattr(m, "callbacks", None) for m in given)


def _call_nodes(catalog: ModelCatalog) -> list[str]:
    names = [node_name(m) for m in catalog.ids]
    if len(set(names)) != len(names):
        clash = sorted({n for n in names if names.count(n) > 1})
        msg = f"catalog ids {clash} differ only in ':' / '|' and look-alike characters; rename one"
        raise CatalogError(msg)
    return names
