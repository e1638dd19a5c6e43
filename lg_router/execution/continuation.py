"""Continuing an answer another model started, after its stream failed.

The next-ranked model gets the conversation plus the partial answer and is asked for
the rest only:

* ``prefill`` (the catalog says the endpoint continues a trailing assistant message,
  as Anthropic-style and vLLM ``continue_final_message`` servers do): the partial
  answer is the last message, an assistant turn; the model's output is the rest.
* otherwise: the partial answer as an assistant turn, then a user turn asking to go on
  from its last character without repeating or commenting (:data:`INSTRUCTION`).

Either way the caller's stream already has the partial text: the relay forwards only
new text (a model that restarts the answer has the repeat dropped), and the final
``AIMessage`` is the partial text plus the continuation.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage

from lg_router.decision import Attempt

INSTRUCTION = (
    "Your previous reply was cut off mid-answer. Continue it from exactly where it stops, "
    "as if you had never been interrupted: do not repeat any of it, do not comment, do not "
    "start over; output only the missing rest."
)


def prefix_of(state_partial: str | None, attempts: Sequence[Attempt]) -> str:
    """The answer text the caller already has in this run ("" when none).

    The state's ``partial`` is only this run's when one of its attempts streamed (a new
    run starts with no attempts, so a stale value of an earlier run is ignored).
    """
    if state_partial and any(a.streamed for a in attempts):
        return state_partial
    return ""


def continuation_messages(
    messages: Sequence[BaseMessage], prefix: str, *, prefill: bool
) -> list[BaseMessage]:
    """The request that asks the next model for the rest of ``prefix``."""
    if not prefix:
        return list(messages)
    partial = AIMessage(content=prefix)
    if prefill:
        return [*messages, partial]
    return [*messages, partial, HumanMessage(content=INSTRUCTION)]


def whole_answer(answer: AIMessage, prefix: str, rest: str | None = None) -> AIMessage:
    """The continued answer: ``prefix`` and then this model's text (``rest`` if given,
    the text the caller saw; else the answer's own content)."""
    if not prefix:
        return answer
    tail: Any = rest if rest is not None else answer.content
    if rest is None and isinstance(tail, str) and tail.startswith(prefix):
        tail = tail[len(prefix) :]  # the model restarted the answer: keep one copy
    if isinstance(tail, list):
        return answer.model_copy(update={"content": [{"type": "text", "text": prefix}, *tail]})
    return answer.model_copy(update={"content": prefix + str(tail)})


def segments(attempts: Sequence[Attempt]) -> list[dict[str, Any]]:
    """Who wrote which part of a continued answer: ``[{"model_id", "offset"}, ...]``."""
    return [
        {"model_id": a.model_id, "offset": a.continued_at or 0}
        for a in attempts
        if a.streamed or (a.outcome == "ok" and a.continued_at is not None)
    ]
