"""Thread stickiness: an agent's tool loop stays on one model; later turns escalate, never downgrade.

The thread's model is read from the conversation itself: every answer of the router
names the catalog id that gave it (``response_metadata["model_name"]``). That works the
same for a checkpointed ``thread_id`` (the messages persist) and for an agent driving
``RunnableRouter`` (the agent sends the whole conversation each step), in every replica.

Modes (``sticky=``):

* ``"escalate"`` (default): a turn carrying tool results goes to the model that issued
  the calls; other turns keep the thread's model unless it lacks what the turn needs
  (vision, context) or the new turn ranks a higher-quality model first (it classifies
  as harder). A cheaper or weaker model never takes over mid-thread.
* ``"pin"``: keep the thread's model whenever it is feasible.
* ``"off"``: route every turn from scratch.

A thread model that is cooling down, over budget or otherwise infeasible is not kept:
the turn is routed normally and the decision says why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from langchain_core.messages import AIMessage, BaseMessage, ToolMessage

from lg_router.catalog import ModelCatalog
from lg_router.decision import RankedModel, RoutingDecision
from lg_router.errors import InvalidOptionError

Sticky = Literal["escalate", "pin", "off"]
STICKY_MODES: tuple[str, ...] = ("escalate", "pin", "off")


def check_sticky(mode: str) -> str:
    """Return ``mode`` or raise a typed error listing the valid ones."""
    if mode not in STICKY_MODES:
        msg = f"unknown sticky mode {mode!r}; choose one of {list(STICKY_MODES)}"
        raise InvalidOptionError(msg)
    return mode


@dataclass(frozen=True)
class ThreadModel:
    """The model a thread has been using.

    Attributes:
        model_id: catalog id of the model that gave the thread's last answer (or that
            issued the tool calls this turn answers).
        since_turn: the turn (1-based count of answers) from which it has answered.
        turn: the number of the turn being routed now.
        tool_turn: whether this turn carries results of that model's tool calls.
    """

    model_id: str
    since_turn: int
    turn: int
    tool_turn: bool


def thread_model(messages: Sequence[BaseMessage], catalog: ModelCatalog) -> ThreadModel | None:
    """The thread's model, read from the router's earlier answers, or ``None``."""
    answers = [m for m in messages if isinstance(m, AIMessage)]
    named: list[tuple[int, str]] = []
    for i, m in enumerate(answers, 1):
        name = m.response_metadata.get("model_name")
        if isinstance(name, str) and name in catalog:
            named.append((i, name))
    if not named:
        return None
    turn = len(answers) + 1
    model_id = named[-1][1]
    tool_turn = False
    if messages and isinstance(messages[-1], ToolMessage):
        issuer = _issuer(messages, messages[-1].tool_call_id, catalog)
        if issuer is not None:
            model_id, tool_turn = issuer, True
    since: int | None = None
    for i, name in reversed(named):  # the start of the latest unbroken run of this model
        if name == model_id:
            since = i
        elif since is not None:
            break
    return ThreadModel(model_id, since or named[-1][0], turn, tool_turn)


def _issuer(messages: Sequence[BaseMessage], call_id: str, catalog: ModelCatalog) -> str | None:
    for m in reversed(messages):
        if isinstance(m, AIMessage) and any(c.get("id") == call_id for c in m.tool_calls):
            name = m.response_metadata.get("model_name")
            return name if isinstance(name, str) and name in catalog else None
    return None


def _first(decision: RoutingDecision, model_id: str, why: str) -> RoutingDecision:
    """``decision`` with ``model_id`` first (the rest keep their order as fallbacks)."""
    own = next((r for r in decision.ranked if r.model_id == model_id), None)
    score = own.score if own else decision.ranked[0].score
    lead = RankedModel(model_id=model_id, justification=f"{why}.", score=score)
    rest = [r for r in decision.ranked if r.model_id != model_id]
    return decision.model_copy(update={"ranked": (lead, *rest)[:3], "thread": why})


def settle(
    decision: RoutingDecision,
    thread: ThreadModel | None,
    *,
    mode: str,
    pool_ids: Sequence[str],
    excluded: dict[str, str],
    needs: Sequence[str],
    catalog: ModelCatalog,
) -> RoutingDecision:
    """Apply stickiness to a (fresh or cached) decision.

    Args:
        decision: the policy-checked ranking of this turn.
        thread: the thread's model (see :func:`thread_model`), or ``None``.
        mode: ``"escalate"``, ``"pin"`` or ``"off"``.
        pool_ids: today's feasible pool (health, budget and capabilities applied).
        excluded: model id -> why it is not in the pool.
        needs: capabilities the turn needs (``vision``, ``tools`` ...).
        catalog: the catalog (qualities of the models).
    """
    if mode == "off" or thread is None:
        return decision
    held = thread.model_id
    since = f"turn {thread.since_turn}"
    if held not in pool_ids:
        reason = excluded.get(held, "not in the candidate pool")
        missing = [n for n in needs if not catalog[held].can(n)]
        if missing:
            why = f"escalated from {held}: the turn now needs {' and '.join(missing)}"
        elif "context window" in reason:
            why = f"escalated from {held}: the conversation no longer fits its context window"
        else:
            why = f"left {held} (the thread's model since {since}): {reason}"
        return decision.model_copy(update={"thread": why})
    if thread.tool_turn:
        return _first(decision, held, f"kept from {since}: {held} issued the tool calls this turn answers")
    if mode == "pin" or decision.best == held:
        return _first(decision, held, f"kept from {since}")
    new, old = catalog[decision.best], catalog[held]
    if new.quality > old.quality:
        why = (
            f"escalated from {held}: the turn classifies as {decision.category} and {new.id} "
            f"ranks first (quality {new.quality}/5 > {old.quality}/5)"
        )
        return decision.model_copy(update={"thread": why})
    return _first(decision, held, f"kept from {since} (no downgrade mid-thread)")
