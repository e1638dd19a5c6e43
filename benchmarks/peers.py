"""Benchmark 10: lg-router against its peers (issue 16's table), and where the time goes.

* sequential, 0 ms server: ms added over the bare openai SDK; 20 ms server: ratio to
  ``ChatOpenAI`` (one process, variants interleaved);
* 1,000 concurrent ``ainvoke`` at 20 ms, on each variant's DEFAULT transport and on the
  openai SDK's aiohttp client, with the peak RSS: a fresh process per variant
  (``python -m benchmarks.peers burst ...``), so imports and caches of one variant never
  count against another;
* the peers: ``ChatOpenAI``, ``with_fallbacks``, LangGraph's floor (a one-node
  ``MessagesState`` graph calling the same ``ChatOpenAI``: what any LangGraph graph
  costs), the compiled lg-router graph (unobserved calls run its node bodies inline; the
  same graph with ``inline=False`` runs LangGraph's Pregel loop), ``RunnableRouter`` and,
  when ``litellm`` is installed, LiteLLM's ``Router``;
* ``ChatOpenAI`` and the graph once more on aiohttp with ``gc.freeze()`` after the
  warm-up, the same for both: what an application's own GC setting does (lg-router
  never changes the GC itself).

Every lg-router variant runs with its defaults (health on in memory, retry budget,
stream continuation). The decomposition lives in :mod:`benchmarks.decompose`.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib.util
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

from benchmarks.decision import SHORT_TASK
from benchmarks.server import BenchServer
from benchmarks.stats import Row, info_row, interleave, median, rows_for

BENCH = "10 peers"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SDK = "openai SDK (bare)"
CHAT = "ChatOpenAI"
FALLBACKS = "with_fallbacks"
LITELLM = "LiteLLM Router"
GRAPH = "lg-router graph"
PREGEL = "lg-router graph, Pregel loop (inline=False)"
ROUTER = "RunnableRouter"
FLOOR = "LangGraph 1-node graph + ChatOpenAI"
# variants measured on the aiohttp transport too (with_fallbacks and LiteLLM: default only)
AIOHTTP_VARIANTS = (CHAT, FLOOR, GRAPH, PREGEL, ROUTER)
# "aiohttp+freeze": aiohttp, and gc.freeze() after the warm-up, the same for each variant
FROZEN = "aiohttp+freeze"
FROZEN_VARIANTS = (CHAT, GRAPH)
TRANSPORTS = ("default", "aiohttp", FROZEN)
CASE_NAMES = {
    "default": "default transport",
    "aiohttp": "aiohttp transport",
    FROZEN: "aiohttp, gc.freeze() after warm-up",
}


def litellm_available() -> bool:
    """Whether LiteLLM is installed (an optional peer; never a dependency)."""
    return importlib.util.find_spec("litellm") is not None


def _models(url: str) -> tuple[str, str]:
    """The provider model names of the first two ranked models for SHORT_TASK."""
    from benchmarks import clients
    from lg_router import route

    catalog = clients.catalog_for(url)
    ids = route(SHORT_TASK, catalog=catalog).model_ids
    return catalog[ids[0]].provider_model, catalog[ids[1]].provider_model


def _litellm_router(url: str, first: str, second: str) -> Any:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    from litellm import Router

    def entry(name: str, model: str) -> dict[str, Any]:
        params = {"model": f"openai/{model}", "api_base": url, "api_key": "not-needed", "timeout": 60}
        return {"model_name": name, "litellm_params": params}

    return Router(
        model_list=[entry("first", first), entry("second", second)],
        fallbacks=[{"first": ["second"]}],
        num_retries=0,
    )


def _transport_kwargs(transport: str) -> dict[str, Any]:
    if transport == "default":
        return {}
    from openai import DefaultAioHttpClient

    return {"http_async_client": DefaultAioHttpClient()}


def floor_graph(model: Any) -> Any:
    """LangGraph's floor around a chat model: one ``MessagesState`` node calling it
    (a sync and an async graph body, each LangGraph's cheapest: a plain function)."""
    from langgraph.graph import END, START, MessagesState, StateGraph

    def call(state: MessagesState) -> dict[str, Any]:
        return {"messages": [model.invoke(state["messages"])]}

    async def acall(state: MessagesState) -> dict[str, Any]:
        return {"messages": [await model.ainvoke(state["messages"])]}

    graphs = []
    for node in (call, acall):
        builder = StateGraph(MessagesState)
        builder.add_node("model", node)
        builder.add_edge(START, "model")
        builder.add_edge("model", END)
        graphs.append(builder.compile())
    return tuple(graphs)


def sync_calls(url: str, *, litellm: bool = True) -> dict[str, Callable[[], Any]]:
    """One sync call per variant, all sending SHORT_TASK to the server at ``url``."""
    import openai
    from langchain_core.messages import HumanMessage

    from benchmarks import clients

    first, second = _models(url)
    messages = [HumanMessage(SHORT_TASK)]
    sdk = openai.OpenAI(base_url=url, api_key=clients.NO_KEY, max_retries=0, timeout=60)
    raw = [{"role": "user", "content": SHORT_TASK}]
    chat = clients.direct_model(url, first)
    fallbacks = clients.with_fallbacks(url, first, second)
    graph = clients.compiled_router(url)
    pregel = clients.compiled_router(url, inline=False)
    router = clients.runnable_router(url)
    floor, _ = floor_graph(chat)
    calls: dict[str, Callable[[], Any]] = {
        SDK: lambda: sdk.chat.completions.create(model=first, messages=raw),  # type: ignore[arg-type]
        CHAT: lambda: chat.invoke(messages),
        FALLBACKS: lambda: fallbacks.invoke(messages),
        FLOOR: lambda: floor.invoke({"messages": messages}),
        GRAPH: lambda: graph.invoke({"messages": messages}),
        PREGEL: lambda: pregel.invoke({"messages": messages}),
        ROUTER: lambda: router.invoke(messages),
    }
    if litellm and litellm_available():
        lite = _litellm_router(url, first, second)
        calls[LITELLM] = lambda: lite.completion(model="first", messages=raw)
    return calls


def async_call(variant: str, url: str, transport: str) -> Callable[[], Awaitable[Any]]:
    """One async call of ``variant`` on ``transport`` (``default`` or ``aiohttp``)."""
    from langchain_core.messages import HumanMessage

    from benchmarks import clients

    first, second = _models(url)
    messages = [HumanMessage(SHORT_TASK)]
    kwargs = _transport_kwargs(transport)
    if variant == CHAT:
        chat = clients.direct_model(url, first, client_kwargs=kwargs)
        return lambda: chat.ainvoke(messages)
    if variant == FALLBACKS:
        chain = clients.with_fallbacks(url, first, second, client_kwargs=kwargs)
        return lambda: chain.ainvoke(messages)
    if variant == FLOOR:
        _, afloor = floor_graph(clients.direct_model(url, first, client_kwargs=kwargs))
        return lambda: afloor.ainvoke({"messages": messages})
    if variant in (GRAPH, PREGEL):
        graph = clients.compiled_router(url, client_kwargs=kwargs or None, inline=variant == GRAPH)
        return lambda: graph.ainvoke({"messages": messages})
    if variant == ROUTER:
        router = clients.runnable_router(url, client_kwargs=kwargs or None)
        return lambda: router.ainvoke(messages)
    if variant == LITELLM:
        lite = _litellm_router(url, first, second)
        raw = [{"role": "user", "content": SHORT_TASK}]
        return lambda: lite.acompletion(model="first", messages=raw)
    raise ValueError(f"unknown variant {variant!r}")


async def _bursts(
    call: Callable[[], Awaitable[Any]], n: int, rounds: int, *, freeze: bool = False
) -> dict[str, Any]:
    async def burst(size: int) -> tuple[float, list[BaseException]]:
        started = time.perf_counter()
        results = await asyncio.gather(*(call() for _ in range(size)), return_exceptions=True)
        return time.perf_counter() - started, [r for r in results if isinstance(r, BaseException)]

    await burst(min(n, 50))  # warm up: connections, lazy builds
    if freeze:  # what an application may do once it is up (every variant alike)
        gc.collect()
        gc.freeze()
    times, errors, first = [], 0, ""
    cpu = _cpu_seconds()
    for _ in range(rounds):
        elapsed, failed = await burst(n)
        times.append(elapsed)
        errors += len(failed)
        if failed and not first:
            first = f"{type(failed[0]).__name__}: {str(failed[0])[:80]}"
    cpu_ms = (_cpu_seconds() - cpu) * 1000 / (n * rounds)
    return {"times": times, "errors": errors, "first_error": first, "cpu_ms_per_request": cpu_ms}


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_rss_mib() -> float:
    """This process's peak RSS (``VmHWM``; ``ru_maxrss`` would carry the parent's over exec)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def burst_main(variant: str, url: str, transport: str, n: int, rounds: int) -> dict[str, Any]:
    """The child process's work: bursts of ``n`` concurrent calls, and the peak RSS."""
    frozen = transport == FROZEN
    call = async_call(variant, url, "aiohttp" if frozen else transport)
    out = asyncio.run(_bursts(call, n, rounds, freeze=frozen))
    out["peak_rss_mib"] = _peak_rss_mib()
    return out


def _child(variant: str, url: str, transport: str, n: int, rounds: int) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "benchmarks.peers", "burst", variant, url, transport, str(n), str(rounds)]
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"{variant} on {transport} failed: {tail[:160]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def _sequential(server: BenchServer, quick: bool) -> list[Row]:
    rows: list[Row] = []
    calls = sync_calls(server.base_url, litellm=not quick)  # importing litellm takes ~5 s
    for latency, rounds, base in ((0.0, 40 if quick else 300, SDK), (0.02, 20 if quick else 150, CHAT)):
        server.configure(latency=latency)
        samples = interleave(calls, rounds, warmup=5)
        case = f"sequential, server {latency * 1000:.0f} ms"
        case_rows = rows_for(BENCH, case, samples, base)
        base_median = median(samples[base])
        for row in case_rows:
            if latency == 0.0:
                row.note = f"{(row.median - base_median) * 1000:+.2f} ms over the openai SDK"
            else:
                row.note = f"{row.median / base_median:.2f}x ChatOpenAI"
        rows.extend(case_rows)
    return rows


def _concurrent(server: BenchServer, quick: bool) -> list[Row]:
    n, rounds = (100, 1) if quick else (1000, 3)
    server.configure(latency=0.02)
    if quick:  # CI smoke: two fresh processes only
        plan = [(CHAT, "default"), (GRAPH, "default")]
    else:
        plan = [(v, "default") for v in (CHAT, FALLBACKS, FLOOR, GRAPH, PREGEL, ROUTER)]
        if litellm_available():
            plan.insert(2, (LITELLM, "default"))
        plan += [(v, "aiohttp") for v in AIOHTTP_VARIANTS]
        plan += [(v, FROZEN) for v in FROZEN_VARIANTS]
    rows: list[Row] = []
    bases: dict[str, float] = {}
    for variant, transport in plan:
        case = f"{n:,} concurrent, server 20 ms, {CASE_NAMES[transport]}"
        try:
            got = _child(variant, server.base_url, transport, n, rounds)
        except Exception as exc:
            rows.append(info_row(BENCH, case, variant, f"FAILED: {exc}"))
            continue
        if variant == CHAT:
            bases[transport] = median(got["times"])
        note = (
            f"peak RSS {got['peak_rss_mib']:.0f} MiB; CPU {got['cpu_ms_per_request']:.2f} ms/request; "
            f"errors {got['errors']}"
        )
        if got["first_error"]:
            note += f"; first error {got['first_error']}"
        rows.append(Row(BENCH, case, variant, got["times"], baseline=bases.get(transport), note=note))
    return rows


def run(quick: bool) -> list[Row]:
    """The sequential rows, then the concurrent ones (fresh process per variant)."""
    rows: list[Row] = []
    if not litellm_available() or quick:
        why = "skipped in --quick" if quick else "skipped: litellm not installed"
        rows.append(info_row(BENCH, "all", LITELLM, why))
    with BenchServer(0.0) as server:
        rows.extend(_sequential(server, quick))
        rows.extend(_concurrent(server, quick))
        stats = server.stats()
    if stats["bad"]:
        rows.append(info_row(BENCH, "server", "malformed requests", str(stats["bad"])))
    return rows


def main(argv: list[str] | None = None) -> None:
    """``python -m benchmarks.peers burst VARIANT URL TRANSPORT N ROUNDS`` (one child)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.peers")
    parser.add_argument("mode", choices=["burst"])
    parser.add_argument("variant")
    parser.add_argument("url")
    parser.add_argument("transport", choices=TRANSPORTS)
    parser.add_argument("n", type=int)
    parser.add_argument("rounds", type=int)
    args = parser.parse_args(argv)
    print(json.dumps(burst_main(args.variant, args.url, args.transport, args.n, args.rounds)))


if __name__ == "__main__":
    main()
