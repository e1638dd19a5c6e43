"""Reading what a user hands the CLI: the task text (argument, stdin, file) and images."""

from __future__ import annotations

import base64
import sys
from pathlib import Path
from typing import Any, BinaryIO

from lg_router.errors import InvalidOptionError, InvalidTaskError

# The largest context windows in the presets hold about 200K tokens (under 1 MB of
# text); a task above this size cannot be routed anywhere, so it is refused up front.
MAX_TASK_BYTES = 4 * 1024 * 1024
MAX_IMAGE_BYTES = 20 * 1024 * 1024

_IMAGE_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"BM", "image/bmp"),
)


def _read_limited(stream: BinaryIO, what: str) -> str:
    data = stream.read(MAX_TASK_BYTES + 1)
    if len(data) > MAX_TASK_BYTES:
        msg = (
            f"{what} is larger than {MAX_TASK_BYTES // (1024 * 1024)} MB; no model's context "
            "window holds that much. Send an excerpt or a summary"
        )
        raise InvalidTaskError(msg)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        msg = f"{what} is not UTF-8 text"
        raise InvalidTaskError(msg) from None


def read_task(task: str | None, file: Path | None, *, stdin: BinaryIO | None = None) -> str:
    """The task text from the argument, ``-`` (stdin) or ``--file``.

    When both an argument and a file are given, the argument is the instruction and the
    file's content follows it (``lg-router route "Summarise this" --file log.txt``).

    Raises:
        InvalidOptionError: nothing given, or stdin requested twice.
        InvalidTaskError: unreadable, not UTF-8, too large or blank.
    """
    parts: list[str] = []
    if task == "-":
        source = stdin or sys.stdin.buffer
        parts.append(_read_limited(source, "the task read from stdin"))
    elif task is not None:
        if len(task.encode("utf-8", "surrogateescape")) > MAX_TASK_BYTES:
            _read_limited_bytes_error()
        parts.append(task)
    if file is not None:
        if str(file) == "-":
            parts.append(_read_limited(stdin or sys.stdin.buffer, "the task read from stdin"))
        else:
            try:
                with file.open("rb") as fh:
                    parts.append(_read_limited(fh, f"file {file}"))
            except IsADirectoryError:
                msg = f"cannot read task file {file}: it is a directory"
                raise InvalidTaskError(msg) from None
            except OSError as exc:
                msg = f"cannot read task file {file}: {exc.strerror or exc}"
                raise InvalidTaskError(msg) from None
    if not parts:
        msg = "no task given: pass TASK, '-' to read stdin, or --file FILE"
        raise InvalidOptionError(msg)
    text = "\n\n".join(parts)
    if len(text.encode("utf-8", "surrogateescape")) > MAX_TASK_BYTES:
        _read_limited_bytes_error()
    if not text.strip():
        msg = "the task is empty: give some text to route"
        raise InvalidTaskError(msg)
    return text


def _read_limited_bytes_error() -> None:
    msg = (
        f"the task is larger than {MAX_TASK_BYTES // (1024 * 1024)} MB; no model's context "
        "window holds that much. Send an excerpt or a summary"
    )
    raise InvalidTaskError(msg)


def image_part(ref: str) -> dict[str, Any]:
    """An OpenAI-style image part for a URL or a local file (as a base64 data URL).

    Raises:
        InvalidTaskError: the file is missing, unreadable, too large or not an image.
    """
    if ref.startswith(("http://", "https://", "data:image/")):
        return {"type": "image_url", "image_url": {"url": ref}}
    path = Path(ref).expanduser()
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_IMAGE_BYTES + 1)
    except OSError as exc:
        msg = f"cannot read image {ref}: {exc.strerror or exc}"
        raise InvalidTaskError(msg) from None
    if len(data) > MAX_IMAGE_BYTES:
        msg = f"image {ref} is larger than {MAX_IMAGE_BYTES // (1024 * 1024)} MB"
        raise InvalidTaskError(msg)
    mime = _sniff(data)
    if mime is None:
        msg = f"image {ref} is not a PNG, JPEG, GIF, WEBP or BMP image"
        raise InvalidTaskError(msg)
    encoded = base64.b64encode(data).decode("ascii")
    return {"type": "image_url", "image_url": {"url": f"data:{mime};base64,{encoded}"}}


def _sniff(data: bytes) -> str | None:
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    for magic, mime in _IMAGE_MAGIC:
        if data.startswith(magic):
            return mime
    return None


def build_task(text: str, images: list[str] | None) -> str | list[dict[str, Any]]:
    """The task to route: the text alone, or one user message with text and image parts."""
    if not images:
        return text
    content: list[dict[str, Any]] = [{"type": "text", "text": text}]
    content.extend(image_part(ref) for ref in images)
    return [{"role": "user", "content": content}]


def parse_models(models: str | None) -> list[str] | None:
    """``"a,b"`` -> ``["a", "b"]``; ``None`` or blank -> ``None``."""
    if models is None:
        return None
    ids = [m.strip() for m in models.split(",") if m.strip()]
    if not ids:
        msg = "--models needs at least one catalog id (comma-separated)"
        raise InvalidOptionError(msg)
    return ids
