"""All graph state of the router, its narrow input/output schemas, and run options."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, get_args

from langchain_core.messages import AnyMessage
from langchain_core.runnables import RunnableConfig
from langgraph.channels import BinaryOperatorAggregate, LastValue
from langgraph.graph.message import add_messages
from typing_extensions import Self, TypedDict

from lg_router.decision import Attempt, RoutingDecision
from lg_router.errors import InvalidOptionError, InvalidTaskError
from lg_router.memory.budget import Budget, Spend, add_spend
from lg_router.memory.sticky import check_sticky
from lg_router.policy import check_preference


def add_attempts(left: list[Attempt] | None, right: list[Attempt] | None) -> list[Attempt]:
    """Append attempts; ``None`` starts a fresh list (each routed run starts one)."""
    if right is None:
        return []
    return [*(left or []), *right]


# The longest timeout (seconds) any option accepts: one day.
MAX_SECONDS = 86_400.0


def check_seconds(name: str, value: Any, *, allow_zero: bool = False) -> float | None:
    """Validate a duration option: a finite number of seconds, > 0 (or >= 0), at most a day.

    Every timeout-like option of every API goes through here (``timeout``, and the
    stream timeouts), so ``0``, negatives, ``NaN``, ``inf``, ``1e300`` and strings fail
    the same way wherever they are given.

    Raises:
        InvalidOptionError: naming the option and the value.
    """
    if value is None:
        return None
    bad = isinstance(value, bool) or not isinstance(value, int | float)
    if not bad:
        number = float(value)
        bad = (
            not math.isfinite(number)
            or number > MAX_SECONDS
            or number < 0
            or (number == 0 and not allow_zero)
        )
    if bad:
        low = ">= 0" if allow_zero else "> 0"
        msg = f"option '{name}' must be a number of seconds {low} and at most {MAX_SECONDS:g}, got {value!r}"
        raise InvalidOptionError(msg)
    return float(value)


def check_count(name: str, value: Any) -> int:
    """Validate a count option (an ``int`` >= 0, at most 10).

    Raises:
        InvalidOptionError: naming the option and the value.
    """
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10:
        msg = f"option '{name}' must be an integer from 0 to 10, got {value!r}"
        raise InvalidOptionError(msg)
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, RoutingDecision | Attempt):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


class DecisionChannel(LastValue[Any]):
    """The ``decision`` channel: a :class:`RoutingDecision` in the run, plain data in checkpoints.

    Checkpointers warn on (and will block) unregistered types; a checkpoint of plain
    data loads anywhere, and comes back as a ``RoutingDecision``.
    """

    def checkpoint(self) -> Any:
        return _plain(super().checkpoint())

    def from_checkpoint(self, checkpoint: Any) -> Self:
        if isinstance(checkpoint, Mapping):
            checkpoint = RoutingDecision.model_validate(checkpoint)
        return super().from_checkpoint(checkpoint)


class AttemptsChannel(BinaryOperatorAggregate[Any]):
    """The ``attempts`` channel (appends, see :func:`add_attempts`), plain in checkpoints."""

    def __init__(self, typ: Any, operator: Any = None) -> None:
        super().__init__(typ, operator or add_attempts)

    def checkpoint(self) -> Any:
        return _plain(super().checkpoint())

    def from_checkpoint(self, checkpoint: Any) -> Self:
        if isinstance(checkpoint, list):
            checkpoint = [Attempt.model_validate(a) if isinstance(a, Mapping) else a for a in checkpoint]
        return super().from_checkpoint(checkpoint)


def add_task_messages(left: Any, right: Any) -> Any:
    """LangGraph's ``add_messages``, with a typed error for a message it cannot convert.

    The graph's input goes through this reducer before any node runs, so a malformed
    message (a tool message without ``tool_call_id``, an unknown role) is reported here as
    :class:`InvalidTaskError` naming the problem, instead of LangGraph's bare ``KeyError``.
    """
    try:
        return add_messages(left, right)
    except KeyError as exc:
        field = exc.args[0] if exc.args else "a field"
        hint = " (a tool message needs the id of the tool call it answers)" if field == "tool_call_id" else ""
        msg = f"a message of the conversation is missing {field!r}{hint}"
        raise InvalidTaskError(msg) from None
    except (ValueError, TypeError, NotImplementedError) as exc:
        msg = f"a message of the conversation cannot be read: {exc}"
        raise InvalidTaskError(msg) from None


class RouterInput(TypedDict):
    """What the router reads: the conversation (a ``MessagesState`` parent provides it)."""

    messages: Annotated[list[AnyMessage], add_task_messages]


class RouterOutput(TypedDict):
    """What the router returns: the conversation with the answer, decision, attempts."""

    messages: Annotated[list[AnyMessage], add_task_messages]
    decision: RoutingDecision | None
    attempts: list[Attempt]
    spend: Spend


class RouterState(TypedDict):
    """The router's whole state.

    ``attempts`` appends: each execution node adds the attempt it made. ``spend`` is
    the running spend of the thread (tokens and cost per currency; see
    :mod:`lg_router.memory.budget`), kept across runs by a checkpointer.
    """

    messages: Annotated[list[AnyMessage], add_task_messages]
    decision: Annotated[RoutingDecision | None, DecisionChannel]
    attempts: Annotated[list[Attempt], AttemptsChannel]
    spend: Annotated[Spend, add_spend]
    partial: str | None  # answer text already streamed by failed attempts (continuations)


# How each update of a RouterState key is applied, as its channel applies it: these keys
# fold with their reducer, every other key is replaced. The inline run
# (lg_router.execution.inline) uses it; tests pin it to the annotations above.
REDUCERS: dict[str, Callable[[Any, Any], Any]] = {
    "messages": add_task_messages,
    "attempts": add_attempts,
    "spend": add_spend,
}
OUTPUT_KEYS: tuple[str, ...] = tuple(RouterOutput.__annotations__)


def apply_update(state: dict[str, Any], update: Mapping[str, Any]) -> None:
    """Fold one node's update into ``state`` in place (see :data:`REDUCERS`)."""
    for key, value in update.items():
        reducer = REDUCERS.get(key)
        state[key] = value if reducer is None else reducer(state.get(key), value)


def initial_state(graph_input: Mapping[str, Any]) -> dict[str, Any]:
    """The state the first node reads, as the graph's channels start it and take the input."""
    state: dict[str, Any] = {"messages": [], "attempts": [], "spend": {}}
    apply_update(state, graph_input)
    return state


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
    first_token_timeout: float | None = field(
        default=None, metadata={"description": "Seconds a streamed call may take to its first token"}
    )
    idle_timeout: float | None = field(
        default=None, metadata={"description": "Longest gap in seconds between two streamed chunks"}
    )
    total_timeout: float | None = field(
        default=None, metadata={"description": "Seconds for the whole request, across all attempts"}
    )
    hedge_after: float | None = field(
        default=None,
        metadata={"description": "Start the next-ranked model too if the first has no token by then"},
    )
    on_stream_failure: str | None = field(
        default=None, metadata={"description": "continue (next model finishes the answer) or raise"}
    )


StreamFailure = Literal["continue", "raise"]
STREAM_FAILURES: tuple[str, ...] = get_args(StreamFailure)
TIME_OPTIONS = ("timeout", "first_token_timeout", "idle_timeout", "total_timeout", "hedge_after")


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
    "retries",
    "max_retry_wait",
    "answer_parser",
    "model_kwargs",
    "first_token_timeout",
    "idle_timeout",
    "total_timeout",
    "hedge_after",
    "on_stream_failure",
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
    retries: int = 1
    max_retry_wait: float = 2.0
    answer_parser: Any = None
    # Extra call arguments (temperature, max_tokens, response_format ...) bound on
    # whichever model answers; the gateway passes the OpenAI request's parameters here.
    model_kwargs: Mapping[str, Any] | None = None
    first_token_timeout: float | None = None
    idle_timeout: float | None = None
    total_timeout: float | None = None
    hedge_after: float | None = None
    on_stream_failure: StreamFailure = "continue"

    @classmethod
    def resolve(
        cls,
        config: RunnableConfig | None,
        context: Any = None,
        *,
        defaults: Mapping[str, Any] | None = None,
    ) -> RunOptions:
        """Merge defaults < ``config["configurable"]`` < runtime context.

        A run that overrides nothing gets the defaults' options, validated once per
        ``defaults`` mapping (a router's), not once per node of every run.
        """
        configurable = (config or {}).get("configurable") or {}
        found = {k: configurable[k] for k in OPTION_KEYS if configurable.get(k) is not None}
        if context is not None:
            ctx = context if isinstance(context, Mapping) else getattr(context, "__dict__", {})
            found.update({k: v for k, v in ctx.items() if k in OPTION_KEYS and v is not None})
        if not found and defaults is not None:
            return _plain_options(defaults)
        return cls.build(**{**(defaults or {}), **found})

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
        seconds = {name: check_seconds(name, values.get(name)) for name in TIME_OPTIONS}
        on_stream_failure = values.get("on_stream_failure") or "continue"
        if on_stream_failure not in STREAM_FAILURES:
            msg = f"option 'on_stream_failure' must be one of {list(STREAM_FAILURES)}"
            msg += f", got {on_stream_failure!r}"
            raise InvalidOptionError(msg)
        wait = check_seconds("max_retry_wait", values.get("max_retry_wait", 2.0), allow_zero=True)
        parser = values.get("answer_parser")
        if parser is not None and not callable(getattr(parser, "invoke", None)):
            msg = f"option 'answer_parser' must be a Runnable, got {type(parser).__name__}"
            raise InvalidOptionError(msg)
        return cls(
            preference=values.get("preference", "balanced"),
            models=tuple(models) if models is not None else None,
            timeout=seconds["timeout"],
            max_tokens=values.get("max_tokens"),
            tools=tuple(values.get("tools") or ()),
            tool_choice=values.get("tool_choice"),
            needs_json=bool(values.get("needs_json", False)),
            stop=_stop_tuple(values.get("stop")),
            budget=Budget.parse(values.get("budget")),
            sticky=check_sticky(values.get("sticky") or "escalate"),
            retries=check_count("retries", values.get("retries", 1)),
            max_retry_wait=2.0 if wait is None else wait,
            answer_parser=parser,
            model_kwargs=dict(values["model_kwargs"]) if values.get("model_kwargs") else None,
            first_token_timeout=seconds["first_token_timeout"],
            idle_timeout=seconds["idle_timeout"],
            total_timeout=seconds["total_timeout"],
            hedge_after=seconds["hedge_after"],
            on_stream_failure=on_stream_failure,  # type: ignore[arg-type]  # checked above
        )


# id(defaults) -> (the mapping, a copy of it, its options); the copy catches a mutation.
_PLAIN: dict[int, tuple[Mapping[str, Any], dict[str, Any], RunOptions]] = {}


def _plain_options(defaults: Mapping[str, Any]) -> RunOptions:
    cached = _PLAIN.get(id(defaults))
    if cached is not None and cached[0] is defaults and cached[1] == defaults:
        return cached[2]
    options = RunOptions.build(**defaults)
    if len(_PLAIN) >= 256:  # routers built in a loop: forget the old ones
        _PLAIN.clear()
    _PLAIN[id(defaults)] = (defaults, dict(defaults), options)
    return options
