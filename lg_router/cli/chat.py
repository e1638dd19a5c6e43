"""``lg-router chat``: a REPL where every turn is routed and the conversation is kept."""

from __future__ import annotations

import sys
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from rich.console import Console

from lg_router.catalog import ModelCatalog
from lg_router.cli.render import summary_line, what_next
from lg_router.cli.stream import stream_turn
from lg_router.decision import Attempt, RoutingDecision
from lg_router.errors import LgRouterError
from lg_router.redaction import redact

EXIT_WORDS = frozenset({"exit", "quit", ":q"})
PROMPT = "you> "


def _show_route(err: Console, decision: RoutingDecision, seconds: float) -> None:
    fallbacks = ", ".join(decision.model_ids[1:]) or "none"
    err.print(
        f"[routed to {decision.best} · {decision.category} · fallbacks: {fallbacks} · "
        f"{seconds * 1000:.0f} ms{' · ' + decision.thread if decision.thread else ''}]",
        style="cyan",
        markup=False,
    )


def _show_failure(err: Console, attempt: Attempt, next_model: str | None) -> None:
    err.print(
        f"[{attempt.model_id} {attempt.outcome}: {attempt.error_type}; {what_next(attempt, next_model)}]",
        style="yellow",
        markup=False,
    )


def repl(graph: Any, catalog: ModelCatalog, *, out: Console, err: Console) -> None:
    """Read prompts until ``exit``/``quit``/EOF; route and stream each turn.

    The whole conversation goes to the router every turn (so a follow-up is routed with
    its context). A turn that fails or is interrupted is dropped from the history.
    Ctrl-C at the prompt only clears the line; Ctrl-D or ``exit`` leaves.
    """
    out.print(
        f"lg-router chat · catalog '{catalog.name}' ({', '.join(catalog.ids)}) · "
        "type 'exit' or press Ctrl-D to quit",
        markup=False,
    )
    history: list[BaseMessage] = []
    while True:
        try:
            line = input(PROMPT)
        except EOFError:
            out.print()
            break
        except KeyboardInterrupt:
            out.print("\n(type 'exit' or press Ctrl-D to quit)", markup=False)
            continue
        text = line.strip()
        if not text:
            continue
        if text.lower() in EXIT_WORDS:
            break
        messages = [*history, HumanMessage(text)]
        try:
            turn = stream_turn(
                graph,
                messages,
                on_decision=lambda d, s: _show_route(out, d, s),
                on_failure=lambda a, n: _show_failure(out, a, n),
                out=sys.stdout,
            )
        except KeyboardInterrupt:
            out.print("\n[answer interrupted; not kept in the conversation]", markup=False)
            continue
        except LgRouterError as exc:
            err.print(f"error: {redact(str(exc))}", markup=False)
            continue
        history = [*messages, AIMessage(content=turn.answer.content)]
        out.print(
            f"[{summary_line(turn.answer, turn.attempts, catalog, turn.seconds)}]",
            style="dim",
            markup=False,
        )
    out.print("bye", markup=False)
