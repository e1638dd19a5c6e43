"""All graph state of the router, its narrow input/output schemas, and run options."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

from langchain_core.messages import AnyMessage
from langchain_core.runnables import RunnableConfig
from langgraph.graph.message import add_messages
from typing_extensions import TypedDict

from lg_router.decision import Attempt, RoutingDecision
from lg_router.errors import InvalidOptionError
from lg_router.memory.budget import Budget, Spend, add_spend
from lg_router.memory.sticky import check_sticky
from lg_router.policy import check_preference


def add_attempts(left: list[Attempt] | None, right: list[Attempt] | None) -> list[Attempt]:
    """Append attempts; ``None`` starts a fresh list (each routed run starts one)."""
    if right is None:
        return []
    return [*(left or []), *right]


class RouterInput(TypedDict):
    """What the router reads: the conversation (a ``MessagesState`` parent provides it)."""

    messages: Annotated[list[AnyMessage], add_messages]


class RouterOutput(TypedDict):
    """What the router returns: the conversation with the answer, decision, attempts."""

    messages: Annotated[list[AnyMessage], add_messages]
    decision: RoutingDecision | None
    attempts: list[Attempt]
    spend: Spend


class RouterState(TypedDict):
    """The router's whole state.

    ``attempts`` appends: each execution node adds the attempt it made. ``spend`` is
    the running spend of the thread (tokens and cost per currency; see
    :mod:`lg_router.memory.budget`), kept across runs by a checkpointer.
    """

    messages: Annotated[list[AnyMessage], add_messages]
    decision: RoutingDecision | None
    attempts: Annotated[list[Attempt], add_attempts]
    spend: Annotated[Spend, add_spend]


@dataclass
class RouterContext:
    """Run-scoped routing options (shown in LangGraph Studio's run settings)."""

    preference: str = field(default="balanced", metadata={"description": "balanced, quality, speed or cost"})
    models: list[str] | None = field(
        default=None, metadata={"description": "Candidate pool: catalog ids the router may use"}
    )
    timeout: float | None = field(
        default=None, metadata={"description": "Seconds per model attempt (overrides the catalog)"}
    )
    max_tokens: int | None = field(
        default=None, metadata={"description": "Output budget used in the context-window check"}
    )
    sticky: str | None = field(
        default=None, metadata={"description": "Thread stickiness: escalate (default), pin or off"}
    )
    budget: float | None = field(
        default=None, metadata={"description": "Money cap per thread, in the catalog's currency"}
    )


# Keys read from ``config["configurable"]`` (RunnableRouter and parent graphs use these).
OPTION_KEYS = (
    "preference",
    "models",
    "timeout",
    "max_tokens",
    "tools",
    "tool_choice",
    "needs_json",
    "stop",
    "budget",
    "sticky",
)


def _stop_tuple(stop: Any) -> tuple[str, ...]:
    """Stop sequences as a tuple (one string is one sequence, not its characters)."""
    if not stop:
        return ()
    return (stop,) if isinstance(stop, str) else tuple(stop)


@dataclass(frozen=True)
class RunOptions:
    """The options in force for one run (context, then configurable, then defaults)."""

    preference: str = "balanced"
    models: tuple[str, ...] | None = None
    timeout: float | None = None
    max_tokens: int | None = None
    tools: tuple[dict[str, Any], ...] = ()
    tool_choice: Any = None
    needs_json: bool = False
    stop: tuple[str, ...] = ()
    budget: Budget | None = None
    sticky: str = "escalate"

    @classmethod
    def resolve(
        cls,
        config: RunnableConfig | None,
        context: Any = None,
        *,
        defaults: Mapping[str, Any] | None = None,
    ) -> RunOptions:
        """Merge defaults < ``config["configurable"]`` < runtime context."""
        values: dict[str, Any] = dict(defaults or {})
        configurable = (config or {}).get("configurable") or {}
        values.update({k: configurable[k] for k in OPTION_KEYS if configurable.get(k) is not None})
        if context is not None:
            ctx = context if isinstance(context, Mapping) else getattr(context, "__dict__", {})
            values.update({k: v for k, v in ctx.items() if k in OPTION_KEYS and v is not None})
        return cls.build(**values)

    @classmethod
    def build(cls, **values: Any) -> RunOptions:
        """Validate option values; raise :class:`InvalidOptionError` naming the bad one."""
        check_preference(values.get("preference", "balanced"))
        models = values.get("models")
        if isinstance(models, str):
            models = [m.strip() for m in models.split(",") if m.strip()]
        if models is not None and not isinstance(models, Sequence):
            msg = f"option 'models' must be a list of catalog ids, got {type(models).__name__}"
            raise InvalidOptionError(msg)
        timeout = values.get("timeout")
        if timeout is not None and (not isinstance(timeout, int | float) or timeout <= 0):
            msg = f"option 'timeout' must be a positive number of seconds, got {timeout!r}"
            raise InvalidOptionError(msg)
        return cls(
            preference=values.get("preference", "balanced"),
            models=tuple(models) if models is not None else None,
            timeout=timeout,
            max_tokens=values.get("max_tokens"),
            tools=tuple(values.get("tools") or ()),
            tool_choice=values.get("tool_choice"),
            needs_json=bool(values.get("needs_json", False)),
            stop=_stop_tuple(values.get("stop")),
            budget=Budget.parse(values.get("budget")),
            sticky=check_sticky(values.get("sticky") or "escalate"),
        )
