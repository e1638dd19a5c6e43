"""Turning what a caller passes (a string, messages, dicts) into something routable."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import BaseMessage, HumanMessage
from langchain_core.messages.utils import convert_to_messages
from langchain_core.prompt_values import PromptValue

from lg_router.errors import InvalidTaskError
from lg_router.tokens import count_tokens

IMAGE_PART_TYPES = frozenset({"image_url", "image"})
TEXT_PART_TYPES = frozenset({"text", "reasoning", "thinking"})
# Parts a chat model may carry that carry no text the router reads, but that it can
# pass through unchanged (tool plumbing).
PASS_THROUGH_PART_TYPES = frozenset({"tool_use", "tool_call", "function_call", "refusal"})


@dataclass(frozen=True)
class TaskView:
    """What the classifiers look at: the conversation reduced to a few facts.

    Attributes:
        messages: the whole conversation as LangChain messages.
        text: the text of the last human message (what is being asked now).
        context_text: all other text of the conversation, oldest first.
        images: number of image parts in the conversation.
        tokens: approximate token count of the whole conversation (plus tools).
        has_tools: whether tools are bound for this call.
        needs_json: whether the caller needs structured (JSON) output.
    """

    messages: tuple[BaseMessage, ...]
    text: str
    context_text: str
    images: int
    tokens: int
    has_tools: bool = False
    needs_json: bool = False


def to_messages(task: Any) -> list[BaseMessage]:
    """Normalise a task into LangChain messages.

    Args:
        task: a string, a ``PromptValue``, a message, or a list of LangChain messages /
            OpenAI-style dicts / ``(role, content)`` tuples.

    Raises:
        InvalidTaskError: for an empty task, or input that is not a chat conversation.
    """
    if isinstance(task, str):
        if not task.strip():
            msg = "the task is empty: pass a non-blank string or a list of messages"
            raise InvalidTaskError(msg)
        return [HumanMessage(task)]
    if isinstance(task, PromptValue):
        messages = task.to_messages()
    elif isinstance(task, BaseMessage):
        messages = [task]
    elif isinstance(task, dict) and "messages" in task:
        return to_messages(task["messages"])
    elif isinstance(task, Sequence) and not isinstance(task, bytes | bytearray):
        try:
            messages = convert_to_messages(task)
        except (ValueError, TypeError, NotImplementedError) as exc:
            msg = f"cannot read the task as chat messages: {exc}"
            raise InvalidTaskError(msg) from None
    else:
        msg = (
            f"cannot route a task of type {type(task).__name__}: pass a string, a list of "
            "messages (LangChain messages or OpenAI-style dicts) or a PromptValue"
        )
        raise InvalidTaskError(msg)
    if not messages:
        msg = "the task has no messages: pass at least one message"
        raise InvalidTaskError(msg)
    return messages


def _parts(message: BaseMessage) -> tuple[list[str], int]:
    """Text pieces and image count of one message; unreadable parts raise."""
    content = message.content
    if isinstance(content, str):
        return [content], 0
    texts: list[str] = []
    images = 0
    for part in content:
        if isinstance(part, str):
            texts.append(part)
            continue
        kind = part.get("type") if isinstance(part, dict) else None
        if kind in TEXT_PART_TYPES:
            texts.append(str(part.get("text") or part.get(kind) or ""))
        elif kind in IMAGE_PART_TYPES:
            images += 1
        elif kind in PASS_THROUGH_PART_TYPES:
            continue
        else:
            msg = (
                f"the router cannot read a content part of type {kind!r} in a "
                f"{message.type} message: send text and image parts only "
                "(convert audio or files to text first)"
            )
            raise InvalidTaskError(msg)
    return texts, images


def view(
    task: Any,
    *,
    has_tools: bool = False,
    tools: Sequence[Any] | None = None,
    needs_json: bool = False,
) -> TaskView:
    """Build the :class:`TaskView` of a task (see :func:`to_messages` for inputs).

    Raises:
        InvalidTaskError: when there is nothing to read (no text and no image).
    """
    messages = to_messages(task)
    last_human = max((i for i, m in enumerate(messages) if m.type == "human"), default=len(messages) - 1)
    context: list[str] = []
    asked: list[str] = []
    images = 0
    for i, message in enumerate(messages):
        texts, n_images = _parts(message)
        images += n_images
        (asked if i == last_human else context).extend(texts)
    text = "\n".join(asked)
    context_text = "\n".join(t for t in context if t)
    if not text.strip() and not context_text.strip() and images == 0:
        msg = "the task is empty: every message is blank. Send some text or an image"
        raise InvalidTaskError(msg)
    tokens = count_tokens(messages, tools=tools)  # script-aware (lg_router.tokens)
    return TaskView(
        messages=tuple(messages),
        text=text,
        context_text=context_text,
        images=images,
        tokens=tokens,
        has_tools=has_tools or bool(tools),
        needs_json=needs_json,
    )
