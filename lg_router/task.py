"""Turning what a caller passes (a string, messages, dicts) into something routable."""

from __future__ import annotations

import binascii
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

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
# A str holds code points, so any surrogate in it is a lone one (valid pairs were joined
# when the text was decoded): UTF-8 cannot encode it, so no provider can be sent it.


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
        _check_tool_messages(task)
        try:
            messages = convert_to_messages(task)
        except (ValueError, TypeError, KeyError, NotImplementedError) as exc:
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


def _check_tool_messages(items: Sequence[Any]) -> None:
    """Tool results must say which call they answer (LangChain raises a bare KeyError)."""
    for i, item in enumerate(items):
        if isinstance(item, Mapping):
            role, has_id = item.get("role", item.get("type")), bool(item.get("tool_call_id"))
        elif isinstance(item, tuple | list) and len(item) == 2 and isinstance(item[0], str):
            role, has_id = item[0], False
        else:
            continue
        if role == "tool" and not has_id:
            msg = (
                f"message {i} (role 'tool') has no 'tool_call_id': a tool result must name "
                "the id of the assistant's tool call it answers"
            )
            raise InvalidTaskError(msg)


def _check_text(text: str, where: str) -> None:
    if text.isascii():  # the common case, at C speed
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        found = text[exc.start]
        msg = (
            f"{where}, position {exc.start}: lone surrogate {found!r} is not valid "
            "Unicode and cannot be sent to any model; fix the text's encoding "
            "(e.g. decode it with errors='replace')"
        )
        raise InvalidTaskError(msg) from None


def _image_problem(part: Mapping[str, Any]) -> str | None:
    """Why an image part cannot be sent, or ``None`` when it can."""
    if part.get("type") == "image_url":
        ref = part.get("image_url")
        url = ref.get("url") if isinstance(ref, Mapping) else ref
        return _url_problem(url)
    if part.get("url") is not None:  # LangChain's standard image block
        return _url_problem(part["url"])
    data = part.get("base64") or (part.get("data") if part.get("source_type") == "base64" else None)
    if data is not None:
        mime = part.get("mime_type")
        if mime is not None and not str(mime).startswith("image/"):
            return f"mime_type {mime!r} is not an image type"
        return _base64_problem(data)
    if part.get("file_id") or (part.get("id") and part.get("source_type") == "id"):
        return None
    return "it has no 'url', 'base64' data or 'file_id'"


def _url_problem(url: Any) -> str | None:
    if not isinstance(url, str) or not url.strip():
        return f"its URL is missing or not a string (got {type(url).__name__})"
    if url.startswith("data:"):
        header, comma, data = url[len("data:") :].partition(",")
        mime, *params = header.split(";")
        if not comma or "base64" not in params:
            return "its data URL is not of the form data:image/<type>;base64,<data>"
        if not mime.startswith("image/"):
            return f"its data URL holds {mime or 'no media type'!r}, not an image"
        return _base64_problem(data)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return f"{url[:60]!r} is not an http(s) URL or a data:image URL"
    return None


def _base64_problem(data: Any) -> str | None:
    if not isinstance(data, str) or not data:
        return "its base64 data is empty or not a string"
    try:  # C speed, also for a 20 MB image
        binascii.a2b_base64(data + "=" * (-len(data) % 4), strict_mode=True)
    except (binascii.Error, ValueError):
        return "its base64 data is not valid base64"
    return None


def _parts(message: BaseMessage, index: int) -> tuple[list[str], int]:
    """Text pieces and image count of one message; unreadable or invalid parts raise."""
    content = message.content
    if isinstance(content, str):
        _check_text(content, f"message {index}")
        return [content], 0
    texts: list[str] = []
    images = 0
    for j, part in enumerate(content):
        where = f"message {index}, part {j}"
        if isinstance(part, str):
            _check_text(part, where)
            texts.append(part)
            continue
        kind = part.get("type") if isinstance(part, dict) else None
        if kind in TEXT_PART_TYPES:
            text = str(part.get("text") or part.get(kind) or "")
            _check_text(text, where)
            texts.append(text)
        elif kind in IMAGE_PART_TYPES:
            problem = _image_problem(part)
            if problem is not None:
                msg = f"{where}: the image cannot be sent: {problem}"
                raise InvalidTaskError(msg)
            images += 1
        elif kind in PASS_THROUGH_PART_TYPES:
            continue
        else:
            msg = (
                f"the router cannot read a content part of type {kind!r} in a "
                f"{message.type} message ({where}): send text and image parts only "
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
        texts, n_images = _parts(message, i)
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
