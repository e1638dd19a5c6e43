"""Reading an evaluation data set: one JSON object per line, validated with line numbers.

A row holds the task and any of the labels the metrics need::

    {"id": "q1",                                   # optional; default "line N"
     "task": "Refactor this function",             # or "messages": [{"role", "content"}, ...]
     "expected": ["deepseek-v3.2", "kimi-k2.6"],   # acceptable model ids, best first (or one id)
     "category": "coding",                         # the task's category
     "scores": {"deepseek-v3.2": 1, "kimi-k2.6": 1, "llama-3.3-70b": 0},  # quality per model
     "costs": {"deepseek-v3.2": 0.0, "kimi-k2.6": 0.004}}                 # cost per model (optional)

Unknown keys (``source``, ``license`` ...) are kept in :attr:`EvalRow.extra` and ignored.
A row may instead carry ``"long_document": {"corpus": [file, ...], "repeat_to_chars": N}``
and a ``{{document}}`` placeholder in one message: the document is the named files of a
``corpus/`` folder next to the data file, joined by a blank line, repeated and cut at
exactly ``N`` characters (the format of ``evals/devset.jsonl``, which keeps large
documents out of the data file).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lg_router.decision import CATEGORIES
from lg_router.errors import LgRouterError

PLACEHOLDER = "{{document}}"
_KNOWN = frozenset({"id", "task", "prompt", "messages", "expected", "category", "scores", "costs"})


class EvalDataError(LgRouterError, ValueError):
    """A data set row that cannot be used; the message names the file and the line."""


@dataclass(frozen=True)
class EvalRow:
    """One validated row.

    Attributes:
        line: 1-based line number in the file (for messages that point at it).
        id: the row's ``id``, or ``"line N"``.
        messages: the task as OpenAI-style message dicts.
        expected: acceptable model ids, best first (empty: not labelled).
        category: the labelled category, or ``None``.
        scores: quality score per model id (empty: not scored).
        costs: cost per model id given by the row (empty: estimate from the catalog).
        extra: every other key of the row, untouched.
    """

    line: int
    id: str
    messages: list[dict[str, Any]]
    expected: tuple[str, ...] = ()
    category: str | None = None
    scores: dict[str, float] = field(default_factory=dict)
    costs: dict[str, float] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def text(self) -> str:
        """The last user message's text (for previews and the judge)."""
        for message in reversed(self.messages):
            if message.get("role") in ("user", "human"):
                return _text(message.get("content"))
        return _text(self.messages[-1].get("content")) if self.messages else ""


def load_rows(path: str | Path) -> list[EvalRow]:
    """Read and validate every row of a JSONL data set.

    Raises:
        EvalDataError: unreadable file, no rows, or a bad row (naming ``file:line`` and
            what to fix: malformed JSON, no task, a wrong type, an unknown category,
            a duplicate id).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        msg = f"{path}: cannot read the data set ({exc.strerror or exc})"
        raise EvalDataError(msg) from None
    except UnicodeDecodeError:
        msg = f"{path}: not UTF-8 text"
        raise EvalDataError(msg) from None
    rows: list[EvalRow] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        row = parse_row(line, number, source=path)
        if row.id in seen:
            msg = f"{path}:{number}: duplicate id {row.id!r} (first on line {seen[row.id]})"
            raise EvalDataError(msg)
        seen[row.id] = number
        rows.append(row)
    if not rows:
        msg = f"{path}: no rows (one JSON object per line, each with 'task' or 'messages')"
        raise EvalDataError(msg)
    return rows


def parse_row(line: str, number: int, *, source: Path) -> EvalRow:
    """Validate one JSONL line (see the module docstring for the format)."""
    where = f"{source}:{number}"
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        msg = f"{where}: malformed JSON ({exc.msg} at column {exc.colno})"
        raise EvalDataError(msg) from None
    if not isinstance(data, dict):
        msg = f"{where}: a row must be a JSON object, got {type(data).__name__}"
        raise EvalDataError(msg)
    messages = _messages(data, where)
    if "long_document" in data:
        messages = _expand(messages, _document(data["long_document"], source, where), where)
    return EvalRow(
        line=number,
        id=str(data.get("id") or f"line {number}"),
        messages=messages,
        expected=_expected(data.get("expected"), where),
        category=_category(data.get("category"), where),
        scores=_numbers(data.get("scores"), "scores", where),
        costs=_numbers(data.get("costs"), "costs", where, non_negative=True),
        extra={k: v for k, v in data.items() if k not in _KNOWN},
    )


def _messages(data: dict[str, Any], where: str) -> list[dict[str, Any]]:
    task = next((data[k] for k in ("messages", "task", "prompt") if k in data), None)
    if isinstance(task, str):
        if not task.strip():
            msg = f"{where}: the task is blank"
            raise EvalDataError(msg)
        return [{"role": "user", "content": task}]
    if not isinstance(task, list) or not task:
        msg = f"{where}: no task: give 'task' (a string) or 'messages' (a non-empty list)"
        raise EvalDataError(msg)
    for i, message in enumerate(task):
        if not isinstance(message, dict) or "role" not in message or "content" not in message:
            msg = f"{where}: messages[{i}] must be an object with 'role' and 'content'"
            raise EvalDataError(msg)
    return [dict(m) for m in task]


def _expected(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        msg = f"{where}: 'expected' must be a model id or a non-empty list of model ids"
        raise EvalDataError(msg)
    return tuple(value)


def _category(value: Any, where: str) -> str | None:
    if value is None:
        return None
    if value not in CATEGORIES:
        msg = f"{where}: unknown category {value!r}; use one of {', '.join(CATEGORIES)}"
        raise EvalDataError(msg)
    return str(value)


def _numbers(value: Any, key: str, where: str, *, non_negative: bool = False) -> dict[str, float]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not value:
        msg = f"{where}: '{key}' must be a non-empty object of model id -> number"
        raise EvalDataError(msg)
    out: dict[str, float] = {}
    for model_id, number in value.items():
        ok = isinstance(number, int | float) and not isinstance(number, bool) and math.isfinite(number)
        if not ok or (non_negative and number < 0):
            kind = "a non-negative number" if non_negative else "a number"
            msg = f"{where}: '{key}' of {model_id!r} must be {kind}, got {number!r}"
            raise EvalDataError(msg)
        out[str(model_id)] = float(number)
    return out


def _document(spec: Any, source: Path, where: str) -> str:
    if not isinstance(spec, dict) or "corpus" not in spec or "repeat_to_chars" not in spec:
        msg = f"{where}: 'long_document' must be {{'corpus': [file, ...], 'repeat_to_chars': N}}"
        raise EvalDataError(msg)
    files = [spec["corpus"]] if isinstance(spec["corpus"], str) else spec["corpus"]
    folder = (source.parent / "corpus").resolve()
    parts = []
    for name in files:
        path = (folder / str(name)).resolve()
        if path.parent != folder:
            msg = f"{where}: long_document file {name!r} is outside {folder.name}/"
            raise EvalDataError(msg)
        try:
            parts.append(path.read_text(encoding="utf-8").strip("\n"))
        except OSError:
            msg = f"{where}: long_document file {name!r} not found in the corpus/ folder next to the data"
            raise EvalDataError(msg) from None
    base = "\n\n".join(parts)
    target = spec["repeat_to_chars"]
    if not base or not isinstance(target, int) or target <= 0:
        msg = f"{where}: long_document needs non-empty files and a positive 'repeat_to_chars'"
        raise EvalDataError(msg)
    text = base
    while len(text) < target:
        text = f"{text}\n\n{base}"
    return text[:target]


def _expand(messages: list[dict[str, Any]], document: str, where: str) -> list[dict[str, Any]]:
    found = False
    out = []
    for message in messages:
        content = message.get("content")
        if isinstance(content, str) and PLACEHOLDER in content:
            message = {**message, "content": content.replace(PLACEHOLDER, document)}
            found = True
        elif isinstance(content, list):
            parts = []
            for part in content:
                if isinstance(part, dict) and PLACEHOLDER in str(part.get("text", "")):
                    part = {**part, "text": part["text"].replace(PLACEHOLDER, document)}
                    found = True
                parts.append(part)
            message = {**message, "content": parts}
        out.append(message)
    if not found:
        msg = f"{where}: a long_document row needs a {PLACEHOLDER} placeholder in one message"
        raise EvalDataError(msg)
    return out


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""
