"""OpenAI response objects: ``chat.completion``, ``chat.completion.chunk`` and SSE events.

``model`` is always the catalog id that answered; the documented extra field
``lg_router`` carries the ranked decision and every attempt.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.messages import AIMessage, AIMessageChunk

from lg_router.decision import Attempt, RoutingDecision


def completion_id() -> str:
    """A fresh ``chatcmpl-...`` id."""
    return f"chatcmpl-{uuid.uuid4().hex}"


def text_of(content: Any) -> str:
    """The text of a message's content (a string or content blocks)."""
    if isinstance(content, str):
        return content
    return "".join(
        p if isinstance(p, str) else str(p.get("text", ""))
        for p in content or []
        if isinstance(p, str) or (isinstance(p, dict) and p.get("type") == "text")
    )


def usage_of(attempts: Sequence[Attempt]) -> dict[str, int]:
    """Token usage summed over every attempt that reported some."""
    prompt = sum((a.usage or {}).get("input_tokens", 0) for a in attempts)
    completion = sum((a.usage or {}).get("output_tokens", 0) for a in attempts)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def routing_field(decision: RoutingDecision | None, attempts: Sequence[Attempt]) -> dict[str, Any]:
    """The ``lg_router`` field of a response: the ranked decision and every attempt."""
    return {
        "decision": decision.model_dump(mode="json") if decision else None,
        "attempts": [a.model_dump(mode="json") for a in attempts],
    }


def _tool_calls(answer: AIMessage) -> list[dict[str, Any]]:
    calls = [
        {
            "id": c.get("id") or f"call_{uuid.uuid4().hex[:24]}",
            "type": "function",
            "function": {"name": c["name"], "arguments": json.dumps(c["args"])},
        }
        for c in answer.tool_calls
    ]
    calls += [
        {
            "id": c.get("id") or f"call_{uuid.uuid4().hex[:24]}",
            "type": "function",
            "function": {"name": c.get("name") or "", "arguments": c.get("args") or ""},
        }
        for c in answer.invalid_tool_calls
    ]
    return calls


def finish_reason(answer: AIMessage) -> str:
    """The answering model's finish reason (``tool_calls`` / ``stop`` if it gave none)."""
    reason = answer.response_metadata.get("finish_reason")
    if isinstance(reason, str) and reason:
        return reason
    return "tool_calls" if answer.tool_calls else "stop"


def completion_body(
    answer: AIMessage, decision: RoutingDecision | None, attempts: Sequence[Attempt], *, cid: str
) -> dict[str, Any]:
    """A ``chat.completion`` object; ``model`` is the catalog id that answered."""
    message: dict[str, Any] = {"role": "assistant", "content": text_of(answer.content) or None}
    calls = _tool_calls(answer)
    if calls:
        message["tool_calls"] = calls
    elif message["content"] is None:
        message["content"] = ""
    return {
        "id": cid,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": answer.response_metadata.get("model_name"),
        "choices": [
            {"index": 0, "message": message, "finish_reason": finish_reason(answer), "logprobs": None}
        ],
        "usage": usage_of(attempts),
        "system_fingerprint": None,
        "lg_router": routing_field(decision, attempts),
    }


def chunk_body(
    cid: str,
    model: str,
    *,
    delta: Mapping[str, Any] | None = None,
    finish: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """One ``chat.completion.chunk``."""
    body: dict[str, Any] = {
        "id": cid,
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": dict(delta or {}), "finish_reason": finish, "logprobs": None}],
    }
    if extra:
        body.update(extra)
    return body


def delta_of(chunk: AIMessageChunk, *, first: bool) -> dict[str, Any] | None:
    """The SSE ``delta`` of one token chunk (``None`` when it carries nothing to send)."""
    delta: dict[str, Any] = {"role": "assistant"} if first else {}
    text = text_of(chunk.content)
    if text:
        delta["content"] = text
    calls = []
    for piece in chunk.tool_call_chunks:
        call: dict[str, Any] = {"index": piece.get("index") or 0, "type": "function", "function": {}}
        if piece.get("id"):
            call["id"] = piece["id"]
        if piece.get("name"):
            call["function"]["name"] = piece["name"]
        call["function"]["arguments"] = piece.get("args") or ""
        calls.append(call)
    if calls:
        delta["tool_calls"] = calls
    if not text and not calls and not first:
        return None
    return delta


def sse(data: Mapping[str, Any] | str) -> bytes:
    """One server-sent event."""
    payload = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
    return f"data: {payload}\n\n".encode()
