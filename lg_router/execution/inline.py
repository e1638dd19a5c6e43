"""The router's steps run in place, without LangGraph's Pregel loop, for calls nobody watches.

The compiled graph is what Studio shows and what traces record: each step is a node,
each hop a superstep with its channels, tasks, configs and writes. For a call nobody can
observe (no callback, tracer or hook, no stream, no checkpointer, not a subgraph:
``CompiledRouterGraph`` decides for ``graph.invoke``, :mod:`lg_router.runnable.direct`
for ``RunnableRouter``), that machinery does nothing a caller can see, yet it is most of
the router's own cost (a one-node LangGraph graph costs more CPU than the whole
decision). :class:`InlineRouter` runs the **same step objects** the
graph's nodes wrap (classify, one execution node per model, the fallback dispatch, the
exhausted node) in a plain loop: each returns a ``Command`` naming the next step, its
update is folded into the state with the graph's own reducers, and the loop ends where
the graph ends. Same decisions, attempts, health records, errors and answer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from langchain_core.runnables import RunnableConfig
from langgraph.errors import ErrorCode, GraphRecursionError, create_error_message
from langgraph.graph import END
from langgraph.types import Command

from lg_router.state import OUTPUT_KEYS, RouterState, apply_update, initial_state

# A run takes 1 + 2 steps per attempt (+1 when all fail). Without a ``recursion_limit``
# in the config (LangGraph's ensure_config always sets one), this bounds the loop.
MAX_STEPS = 10_000


class Step(Protocol):
    """A node body of the router graph: both calling conventions, a ``Command`` out."""

    def invoke(self, state: RouterState, config: RunnableConfig, runtime: Any = None) -> Command[str]:
        """The node's sync body."""

    async def ainvoke(self, state: RouterState, config: RunnableConfig, runtime: Any = None) -> Command[str]:
        """The node's async body."""


class Terminal:
    """A plain ``state -> update`` node body (the exhausted node) as a :class:`Step` to ``END``."""

    def __init__(self, func: Callable[[RouterState], Mapping[str, Any] | None]) -> None:
        self.func = func

    def invoke(self, state: RouterState, config: RunnableConfig, runtime: Any = None) -> Command[str]:
        return Command(update=self.func(state), goto=END)

    async def ainvoke(self, state: RouterState, config: RunnableConfig, runtime: Any = None) -> Command[str]:
        return self.invoke(state, config, runtime)


class InlineRouter:
    """The router graph's steps by node name, run in place (see the module docstring).

    Args:
        steps: every node of the graph by name; each returns a ``Command`` to the next.
        first: the node ``START`` leads to.
    """

    def __init__(self, steps: Mapping[str, Step], first: str) -> None:
        self.steps = dict(steps)
        self.first = first

    @staticmethod
    def _next(state: dict[str, Any], command: Any) -> str:
        if not isinstance(command, Command) or not isinstance(command.goto, str):
            msg = f"router step returned {type(command).__name__}, not a Command naming one node"
            raise TypeError(msg)
        if command.update:
            apply_update(state, command.update)
        return command.goto

    @staticmethod
    def _check_steps(count: int, config: RunnableConfig) -> None:
        """LangGraph's recursion limit, counted as its loop counts supersteps: before each
        node, and once more after the last (LangGraph's closing step that finds no task),
        ``count`` steps taken must stay under the limit (the same ``GraphRecursionError``)."""
        limit = config.get("recursion_limit") or MAX_STEPS
        if count >= limit:
            msg = create_error_message(
                message=(
                    f"Recursion limit of {limit} reached without hitting a stop condition. You can "
                    "increase the limit by setting the `recursion_limit` config key."
                ),
                error_code=ErrorCode.GRAPH_RECURSION_LIMIT,
            )
            raise GraphRecursionError(msg)

    def invoke(self, graph_input: Mapping[str, Any], config: RunnableConfig) -> dict[str, Any]:
        """Run to the end; the graph's output (``messages``, ``decision``, ``attempts``, ``spend``)."""
        state = initial_state(graph_input)
        node, count = self.first, 0
        while node != END:
            self._check_steps(count, config)
            count += 1
            node = self._next(state, self.steps[node].invoke(state, config, None))  # type: ignore[arg-type]
        self._check_steps(count, config)
        return {key: state[key] for key in OUTPUT_KEYS if key in state}

    async def ainvoke(self, graph_input: Mapping[str, Any], config: RunnableConfig) -> dict[str, Any]:
        """:meth:`invoke`, awaiting each step's async body."""
        state = initial_state(graph_input)
        node, count = self.first, 0
        while node != END:
            self._check_steps(count, config)
            count += 1
            node = self._next(state, await self.steps[node].ainvoke(state, config, None))  # type: ignore[arg-type]
        self._check_steps(count, config)
        return {key: state[key] for key in OUTPUT_KEYS if key in state}
