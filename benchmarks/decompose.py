"""Benchmark 11: where a request's time goes, in process, no network (sync and async).

The parts, each timed alone and interleaved with the others (median per call):

* the decision (``route`` with the default classifier, ``learned`` unless set);
* the sync deadline's worker-thread hop (``run_with_deadline`` of a no-op);
* LangGraph's floor: a one-node ``MessagesState`` graph whose node returns a message;
* lg-router's graph shape (classify, one node per model, fallback dispatch, the same
  edges) with trivial nodes;
* the fake chat model alone;
* the lg-router graph with every model a fake chat model (defaults: health on, retry
  budget, continuation), and ``RunnableRouter`` over the same. Unobserved, both run the
  graph's node bodies inline (``lg_router.execution.inline``); the same graph built with
  ``create_router(inline=False)`` measures LangGraph's Pregel loop running them.

* around a model that sleeps 20 ms: the same CPU work costs more between idle waits
  (caches and the CPU go to other processes), which is what a 20 ms server adds;
* CPU per request at 1,000 concurrent runs in one event loop (no network), with
  CPython's cyclic GC on and off: what concurrency itself costs LangGraph runs;
* the GC-tracked objects each in-flight run keeps alive (runs held in the model call):
  what every full collection walks, per request (the "median ms" column holds the
  object count there, as the note says).

The goals (issue 16): graph <= floor + decision + model + 0.5 ms ("ideal" row), and
RunnableRouter <= graph + 0.3 ms; the Pregel-loop row is held to the same goal.
"""

from __future__ import annotations

import asyncio
import gc
import resource
import time
from collections.abc import Awaitable, Callable
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.outputs import ChatGeneration, ChatResult

from benchmarks.decision import SHORT_TASK
from benchmarks.stats import Row, ainterleave, interleave, median, rows_for

BENCH = "11 decomposition"
FLOOR = "LangGraph floor: 1-node MessagesState"
DECISION = "decision (route, default classifier)"
HOP = "sync deadline thread hop"
SHAPE = "lg-router graph shape, trivial nodes"
MODEL = "fake chat model alone"
GRAPH = "lg-router graph, fake models"
PREGEL = "lg-router graph, Pregel loop (inline=False)"
ROUTER = "RunnableRouter, fake models"


class FakeChat(BaseChatModel):
    """Answers ``ok`` at once, with usage (what a provider's answer carries)."""

    @property
    def _llm_type(self) -> str:
        return "bench-fake"

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> ChatResult:
        usage = {"input_tokens": 12, "output_tokens": 1, "total_tokens": 13}
        return ChatResult(generations=[ChatGeneration(message=AIMessage("ok", usage_metadata=usage))])

    async def _agenerate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> ChatResult:
        return self._generate(messages)


def _node(value: Any, is_async: bool) -> Any:
    """A node returning ``value``: a plain function, or a coroutine function for async runs
    (LangGraph runs a plain function in a worker thread during async runs)."""

    def node(state: Any) -> Any:
        return value

    async def anode(state: Any) -> Any:
        return value

    return anode if is_async else node


class SleepyChat(FakeChat):
    """Answers ``ok`` after ``time.sleep(0.02)``: a 20 ms model without a network."""

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> ChatResult:
        time.sleep(0.02)
        return super()._generate(messages)


class _Gate:
    """Holds WaitingChat calls until ``release`` is set; counts the calls waiting."""

    waiting = 0
    release: asyncio.Event | None = None


class WaitingChat(FakeChat):
    """Answers ``ok`` once ``_Gate.release`` is set: holds async runs in flight (no network)."""

    async def _agenerate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> ChatResult:
        _Gate.waiting += 1
        assert _Gate.release is not None
        await _Gate.release.wait()
        return self._generate(messages)


async def _in_flight_objects(call: Callable[[], Awaitable[Any]], n: int) -> float:
    """GC-tracked objects per run while ``n`` runs wait in the model call."""
    _Gate.release = asyncio.Event()
    _Gate.release.set()
    await asyncio.gather(*(call() for _ in range(5)))  # warm up
    _Gate.release = asyncio.Event()
    _Gate.waiting = 0
    gc.collect()
    before = len(gc.get_objects())
    tasks = [asyncio.ensure_future(call()) for _ in range(n)]
    while _Gate.waiting < n:
        await asyncio.sleep(0.01)
    gc.collect()
    during = len(gc.get_objects())
    _Gate.release.set()
    await asyncio.gather(*tasks)
    return (during - before) / n


def _in_flight_rows(quick: bool) -> list[Row]:
    """What each in-flight run keeps alive: the cyclic GC walks all of it, every full pass."""
    from langgraph.graph import END, START, MessagesState, StateGraph

    from benchmarks.clients import catalog_for
    from lg_router import RunnableRouter, create_router

    catalog = catalog_for("http://127.0.0.1:9/v1")
    waiting = {m: WaitingChat() for m in catalog.ids}
    model = WaitingChat()

    async def node(state: Any) -> Any:
        return {"messages": [await model.ainvoke(state["messages"])]}

    builder = StateGraph(MessagesState)
    builder.add_node("model", node)
    builder.add_edge(START, "model")
    builder.add_edge("model", END)
    floor: Any = builder.compile()
    graph: Any = create_router(catalog, chat_models=waiting).compile()
    pregel: Any = create_router(catalog, chat_models=waiting, inline=False).compile()
    router = RunnableRouter(catalog, chat_models=waiting)
    messages = [HumanMessage(SHORT_TASK)]
    calls: dict[str, Callable[[], Awaitable[Any]]] = {
        MODEL: lambda: model.ainvoke(messages),
        FLOOR: lambda: floor.ainvoke({"messages": messages}),
        GRAPH: lambda: graph.ainvoke({"messages": messages}),
        PREGEL: lambda: pregel.ainvoke({"messages": messages}),
        ROUTER: lambda: router.ainvoke(messages),
    }
    n = 50 if quick else 500
    case = f"async, {n} runs in flight: GC-tracked objects per run"
    counts = {name: asyncio.run(_in_flight_objects(call, n)) for name, call in calls.items()}
    return [
        Row(BENCH, case, name, fixed=value / 1000, baseline=counts[FLOOR] / 1000, note=f"{value:.0f} objects")
        for name, value in counts.items()
    ]


def _sleepy_rows(quick: bool) -> list[Row]:
    """Sync rows around a 20 ms model: what CPU work costs between idle waits."""
    from langgraph.graph import END, START, MessagesState, StateGraph

    from benchmarks.clients import catalog_for
    from lg_router import create_router
    from lg_router.execution.deadline import run_with_deadline

    catalog = catalog_for("http://127.0.0.1:9/v1")
    model = SleepyChat()
    sleepy = {m: SleepyChat() for m in catalog.ids}
    graph: Any = create_router(catalog, chat_models=sleepy).compile()
    pregel: Any = create_router(catalog, chat_models=sleepy, inline=False).compile()
    builder = StateGraph(MessagesState)
    builder.add_node("model", lambda state: {"messages": [model.invoke(state["messages"])]})
    builder.add_edge(START, "model")
    builder.add_edge("model", END)
    floor: Any = builder.compile()
    messages = [HumanMessage(SHORT_TASK)]
    alone = "20 ms model alone"
    samples = interleave(
        {
            alone: lambda: model.invoke(messages),
            "20 ms model in a deadline thread": lambda: run_with_deadline(
                lambda: model.invoke(messages), 10.0
            ),
            "LangGraph floor + 20 ms model": lambda: floor.invoke({"messages": messages}),
            "lg-router graph, 20 ms models": lambda: graph.invoke({"messages": messages}),
            "lg-router graph, Pregel loop, 20 ms models": lambda: pregel.invoke({"messages": messages}),
        },
        10 if quick else 100,
        warmup=3,
    )
    rows = rows_for(BENCH, "sync, 20 ms model (sleeps), in process", samples, alone)
    base = median(samples[alone])
    for row in rows:
        row.note = f"{(row.median - base) * 1000:+.2f} ms vs the model alone"
    return rows


def floor_graph(is_async: bool = False) -> Any:
    """LangGraph's minimum for a chat turn: one node appending one message."""
    from langgraph.graph import END, START, MessagesState, StateGraph

    node = _node({"messages": [AIMessage("ok")]}, is_async)
    builder = StateGraph(MessagesState)
    builder.add_node("model", node)
    builder.add_edge(START, "model")
    builder.add_edge("model", END)
    return builder.compile()


def shape_graph(catalog: Any, is_async: bool = False) -> Any:
    """lg-router's topology (same state, schemas, nodes and ``Command`` routing) with
    nodes that do nothing."""
    from langgraph.graph import END, START, StateGraph
    from langgraph.types import Command

    from lg_router.decision import Attempt
    from lg_router.execution.fallback import EXHAUSTED, FALLBACK, node_name
    from lg_router.graph import CLASSIFY
    from lg_router.routing import route
    from lg_router.state import RouterContext, RouterInput, RouterOutput, RouterState

    decision = route(SHORT_TASK, catalog=catalog)
    answer = AIMessage("ok")
    builder = StateGraph(
        RouterState, context_schema=RouterContext, input_schema=RouterInput, output_schema=RouterOutput
    )
    calls = [node_name(m) for m in catalog.ids]
    first = Command(update={"decision": decision, "attempts": None}, goto=node_name(decision.best))
    builder.add_node(CLASSIFY, _node(first, is_async), destinations=tuple(calls))
    builder.add_edge(START, CLASSIFY)
    for name in calls:
        ok = [Attempt(model_id=name, outcome="ok", seconds=0.0)]
        done = Command(update={"messages": [answer], "attempts": ok, "partial": None}, goto=END)
        ends = {END: "answer", FALLBACK: "timeout or error"}
        builder.add_node(name, _node(done, is_async), destinations=ends)
    builder.add_node(FALLBACK, _node({}, is_async), destinations=(*calls, EXHAUSTED))
    builder.add_node(EXHAUSTED, _node({}, is_async))
    builder.add_edge(EXHAUSTED, END)
    return builder.compile()


def parts() -> tuple[dict[str, Callable[[], Any]], dict[str, Callable[[], Any]]]:
    """(sync, async) callables per part."""
    from benchmarks.clients import catalog_for
    from lg_router import RunnableRouter, create_router, route
    from lg_router.execution.deadline import run_with_deadline

    catalog = catalog_for("http://127.0.0.1:9/v1")  # never contacted: every model is fake
    fakes = {m: FakeChat() for m in catalog.ids}
    messages = [HumanMessage(SHORT_TASK)]
    floor, shape = floor_graph(), shape_graph(catalog)
    afloor, ashape = floor_graph(is_async=True), shape_graph(catalog, is_async=True)
    graph: Any = create_router(catalog, chat_models=fakes).compile()
    pregel: Any = create_router(catalog, chat_models=fakes, inline=False).compile()
    router = RunnableRouter(catalog, chat_models=fakes)
    fake = FakeChat()
    sync: dict[str, Callable[[], Any]] = {
        FLOOR: lambda: floor.invoke({"messages": messages}),
        DECISION: lambda: route(SHORT_TASK, catalog=catalog),
        HOP: lambda: run_with_deadline(lambda: None, 10.0),
        MODEL: lambda: fake.invoke(messages),
        SHAPE: lambda: shape.invoke({"messages": messages}),
        GRAPH: lambda: graph.invoke({"messages": messages}),
        PREGEL: lambda: pregel.invoke({"messages": messages}),
        ROUTER: lambda: router.invoke(messages),
    }
    asyn: dict[str, Callable[[], Any]] = {
        FLOOR: lambda: afloor.ainvoke({"messages": messages}),
        MODEL: lambda: fake.ainvoke(messages),
        SHAPE: lambda: ashape.ainvoke({"messages": messages}),
        GRAPH: lambda: graph.ainvoke({"messages": messages}),
        PREGEL: lambda: pregel.ainvoke({"messages": messages}),
        ROUTER: lambda: router.ainvoke(messages),
    }
    return sync, asyn


def _goal_rows(case: str, samples: dict[str, list[float]], decision: float, rows: list[Row]) -> None:
    ideal = median(samples[FLOOR]) + decision + median(samples[MODEL])
    rows.append(Row(BENCH, case, "ideal: floor + decision + model", fixed=ideal, baseline=ideal))
    graph, router = median(samples[GRAPH]), median(samples[ROUTER])
    for row in rows:
        if row.case != case:
            continue
        if row.variant in (GRAPH, PREGEL):
            row.note = f"{(median(samples[row.variant]) - ideal) * 1000:+.2f} ms vs ideal (goal <= +0.5)"
        elif row.variant == ROUTER:
            row.note = f"{(router - graph) * 1000:+.2f} ms vs graph (goal <= +0.3)"
        elif row.variant == SHAPE:
            row.note = f"{(median(samples[SHAPE]) - median(samples[FLOOR])) * 1000:+.2f} ms vs floor"


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _cpu_per_request(call: Callable[[], Awaitable[Any]], n: int, rounds: int) -> float:
    await asyncio.gather(*(call() for _ in range(min(n, 50))))
    started = _cpu()
    for _ in range(rounds):
        await asyncio.gather(*(call() for _ in range(n)))
    return (_cpu() - started) / (n * rounds)


def _concurrent_rows(asyn: dict[str, Callable[[], Any]], quick: bool) -> list[Row]:
    n, rounds = (100, 1) if quick else (1000, 3)
    case = f"async, {n:,} concurrent in process: CPU per request"
    names = (FLOOR, SHAPE, GRAPH, PREGEL, ROUTER)
    on = {name: asyncio.run(_cpu_per_request(asyn[name], n, rounds)) for name in names}
    gc.disable()
    try:
        off = {name: asyncio.run(_cpu_per_request(asyn[name], n, rounds)) for name in names}
    finally:
        gc.enable()
    base = on[FLOOR]
    return [
        Row(BENCH, case, name, fixed=on[name], baseline=base, note=f"GC off: {off[name] * 1000:.2f} ms")
        for name in names
    ]


def run(quick: bool) -> list[Row]:
    """Sync and async rows; ratios against the LangGraph floor."""
    rounds = 100 if quick else 1000
    sync, asyn = parts()
    rows: list[Row] = []
    samples = interleave(sync, rounds, warmup=20)
    case = "sync, in process"
    rows.extend(rows_for(BENCH, case, samples, FLOOR))
    decision = median(samples[DECISION])
    _goal_rows(case, samples, decision, rows)
    asamples = asyncio.run(ainterleave(asyn, rounds, warmup=20))
    case = "async, in process"
    rows.extend(rows_for(BENCH, case, asamples, FLOOR))
    _goal_rows(case, asamples, decision, rows)
    rows.extend(_concurrent_rows(asyn, quick))
    rows.extend(_in_flight_rows(quick))
    rows.extend(_sleepy_rows(quick))
    return rows
