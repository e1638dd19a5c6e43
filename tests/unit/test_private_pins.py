"""Pins of the private LangGraph construct the router graph is built from.

``lg_router.graph`` builds its nodes and edges from ``langgraph._internal._runnable.
RunnableCallable(func, afunc, name=..., trace=False)``: one object with a sync and an
async body that opens no callback run of its own. The public alternative,
``RunnableLambda(func, afunc)``, opens a run per node and per edge (about 1.9x the
Python calls of the whole graph's shape, measured with ``benchmarks/decompose.py``'s
shape graph on langgraph 1.2.24). These tests fail when LangGraph changes what the
router relies on, so the switch to a public construct is made knowingly.
"""

from __future__ import annotations

import asyncio
import inspect
from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.runnables import RunnableConfig
from langgraph._internal._runnable import RunnableCallable


class _Runs(BaseCallbackHandler):
    def __init__(self) -> None:
        self.started: list[str] = []

    def on_chain_start(self, serialized: Any, inputs: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self.started.append(str(kwargs.get("name")))


def test_the_constructor_takes_sync_and_async_bodies_a_name_and_trace() -> None:
    params = inspect.signature(RunnableCallable.__init__).parameters
    assert list(params)[1:3] == ["func", "afunc"]
    assert "name" in params and "trace" in params


def test_trace_false_runs_each_body_with_the_config_and_opens_no_run() -> None:
    calls: list[tuple[str, Any]] = []

    def body(value: int, config: RunnableConfig) -> int:
        calls.append(("sync", config.get("configurable", {}).get("k")))
        return value + 1

    async def abody(value: int, config: RunnableConfig) -> int:
        calls.append(("async", config.get("configurable", {}).get("k")))
        return value + 2

    node = RunnableCallable(body, abody, name="node", trace=False)
    runs = _Runs()
    config: RunnableConfig = {"callbacks": [runs], "configurable": {"k": "v"}}
    assert node.invoke(1, config) == 2
    assert asyncio.run(node.ainvoke(1, config)) == 3
    assert calls == [("sync", "v"), ("async", "v")]
    assert runs.started == []  # no run of its own: the graph's node run is the only one
    assert node.name == "node"
