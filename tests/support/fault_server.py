"""A fault-injecting, OpenAI-compatible chat-completions server for integration tests.

The server runs an aiohttp application on its own asyncio event loop in one background
thread and binds 127.0.0.1 only, on a free port.  Tests script what each model (the
request's ``model`` field) does::

    with FaultServer(models=["fast", "slow"]) as server:
        server.script("slow", Behavior(kind="hang"))
        server.script("fast", [Behavior.error(500), Behavior()])   # fail once, then ok
        llm = ChatOpenAI(base_url=server.base_url, api_key="test", model="fast")
        ...
        assert server.calls("fast") == 2

Behaviours (``Behavior.kind``), as seen on the wire:

``ok``
    200 with a chat completion (or an SSE stream ending in ``data: [DONE]``).
``drip``
    like ``ok`` but slow: streaming sends one token every ``drip_interval`` seconds;
    non-streaming sends the headers at once and then the JSON body in pieces, one
    piece every ``drip_interval`` seconds.
``hang``
    reads the request and never answers (until the client goes away or the server
    stops, when the connection is dropped).
``error``
    ``status`` (default 500) with an OpenAI-style JSON error body; ``retry_after``
    adds ``retry-after`` / ``retry-after-ms`` headers.
``malformed``
    200 with ``Content-Type: application/json`` and a body that is not JSON; when
    streaming, a valid first chunk followed by a ``data:`` line that is not JSON.
``reset``
    closes the TCP connection with an RST (``SO_LINGER`` 0) without any response.
``cut_stream``
    streaming: 200, ``cut_after`` content tokens, then the connection is closed (FIN)
    without the terminating chunk or ``[DONE]``.  Non-streaming: headers announce the
    full ``Content-Length`` but only half of the body is sent before closing.
``stall_stream``
    streaming: ``cut_after`` tokens, then silence with the connection open (until the
    client leaves or the server stops).  Non-streaming: headers, half the body, silence.
``stream_error``
    streaming: ``cut_after`` tokens, then an SSE event ``data: {"error": {...}}`` (what
    OpenAI sends for mid-stream failures), then the stream ends.  Non-streaming: same as
    ``error``.
``unfinished_stream``
    streaming: ``cut_after`` tokens, then the response ends cleanly (chunked encoding
    closed) without the finishing chunk and without ``[DONE]``: what a proxy that drops
    a stream's tail sends; the openai SDK ends such a stream quietly.  Non-streaming:
    same as ``cut_stream``.
``echo_auth``
    401 whose error message quotes the request's ``Authorization`` header (what some
    gateways do: "Incorrect API key provided: Bearer sk-..."), to test redaction.
``bad_shape``
    200 with a well-formed JSON body whose ``choices`` is null (not a chat completion).
``proxy``
    forward to the upstream server given as ``FaultServer(upstream=...)`` (default
    behaviour when an upstream is configured).

``latency`` seconds (asyncio sleep) are waited before any of the above.  Every sleep of
the server is interrupted when the server stops, so ``stop()`` is fast even with hung or
dripping requests in flight.

Replies: ``text`` (default ``"answer from <model>"``), a tool call when
``Behavior.tool_call`` is set or when the request carries ``tools`` and ``tool_choice``
forces one (``"required"`` or ``{"type": "function", "function": {"name": ...}}``), and a
JSON object when ``Behavior.json`` is set or the request has a ``response_format`` of
type ``json_object`` / ``json_schema`` (filled from the schema's required properties).
With ``Behavior.resume`` the server plays a model that continues a cut answer: when the
request's last assistant message holds the start of the reply text (a continuation, by
prefill or by instruction), only the rest of the text is sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import json as _json
import math
import random
import re
import socket
import struct
import threading
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

__all__ = [
    "KINDS",
    "Behavior",
    "FaultServer",
    "RequestRecord",
    "example_from_schema",
]

KINDS = frozenset(
    {
        "ok",
        "drip",
        "hang",
        "error",
        "malformed",
        "reset",
        "cut_stream",
        "stall_stream",
        "stream_error",
        "unfinished_stream",
        "proxy",
        "echo_auth",
        # --- error classes: a 200 whose JSON is well formed but not a chat completion
        "bad_shape",
    }
)

_ERROR_TYPES: dict[int, tuple[str, str | None]] = {
    400: ("invalid_request_error", None),
    401: ("authentication_error", "invalid_api_key"),
    403: ("permission_error", None),
    404: ("not_found_error", "model_not_found"),
    408: ("timeout_error", None),
    409: ("conflict_error", None),
    413: ("invalid_request_error", "request_too_large"),
    422: ("invalid_request_error", None),
    429: ("rate_limit_error", "rate_limit_exceeded"),
    500: ("server_error", None),
    502: ("server_error", "bad_gateway"),
    503: ("server_error", "overloaded"),
    504: ("server_error", "gateway_timeout"),
}


@dataclass(frozen=True)
class Behavior:
    """What the server does with one request.  Immutable; build new ones freely.

    Attributes:
        kind: one of :data:`KINDS` (see the module docstring for the wire behaviour).
        latency: seconds to wait (asyncio sleep) before doing anything.
        status: HTTP status for ``kind="error"`` / ``"stream_error"`` (default 500).
        retry_after: seconds; when set, error responses carry ``retry-after`` and
            ``retry-after-ms`` headers.
        message: error message (default ``"<status> injected by fault server"``).
        drip_interval: seconds between tokens / body pieces for ``kind="drip"``.
        text: reply text; default ``"answer from <model>"``.
        tool_call: ``True`` (call the forced or first tool), a tool name, or a mapping
            ``{"name": ..., "arguments": dict | str}``; ``False`` never calls a tool even
            if the request forces one; ``None`` (default) calls a tool only when the
            request's ``tool_choice`` forces one.
        json: ``True`` to answer with a JSON object built from the request's schema, or
            a mapping to answer with exactly that object (also used as tool-call
            arguments); ``None`` answers JSON only if the request has a
            ``response_format`` of type ``json_object`` / ``json_schema``.
        cut_after: content tokens sent before ``cut_stream`` / ``stall_stream`` /
            ``stream_error`` strike.
        finish_reason: override the reply's finish reason.
        headers: extra response headers (only for responses the server builds itself).
        error_code: the error body's ``code`` (default: by status, e.g. ``model_not_found``).
        error_type: the error body's ``type`` (default: by status).
        resume: continue a partial answer found in the request's last assistant message
            (send only the rest of ``text``); off by default.
    """

    kind: str = "ok"
    latency: float = 0.0
    status: int | None = None
    retry_after: float | None = None
    message: str | None = None
    drip_interval: float = 0.05
    text: str | None = None
    tool_call: bool | str | Mapping[str, Any] | None = None
    json: bool | Mapping[str, Any] | None = None
    cut_after: int = 3
    finish_reason: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    # --- error bodies (error classes): override the JSON error's ``code`` / ``type``.
    error_code: str | None = None
    error_type: str | None = None
    resume: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown behaviour kind {self.kind!r}; expected one of {sorted(KINDS)}")
        if self.latency < 0 or self.drip_interval < 0 or self.cut_after < 0:
            raise ValueError("latency, drip_interval and cut_after must be >= 0")

    # Convenience constructors -------------------------------------------------------
    @classmethod
    def error(cls, status: int = 500, *, retry_after: float | None = None, **kw: Any) -> Behavior:
        return cls(kind="error", status=status, retry_after=retry_after, **kw)

    @classmethod
    def rate_limited(cls, retry_after: float | None = 1.0, **kw: Any) -> Behavior:
        return cls(kind="error", status=429, retry_after=retry_after, **kw)

    @classmethod
    def hang(cls, **kw: Any) -> Behavior:
        return cls(kind="hang", **kw)

    @classmethod
    def drip(cls, interval: float = 0.05, **kw: Any) -> Behavior:
        return cls(kind="drip", drip_interval=interval, **kw)

    @classmethod
    def slow(cls, latency: float, **kw: Any) -> Behavior:
        return cls(kind="ok", latency=latency, **kw)


@dataclass
class RequestRecord:
    """One request seen by the server (a snapshot when read through the accessors).

    ``start`` / ``end`` are ``time.monotonic()`` values.  ``outcome`` is ``"pending"``
    while in flight, then ``"completed"`` (a full response was sent), ``"aborted"`` (the
    behaviour itself dropped the connection: reset / cut), ``"client_disconnected"``
    (the client went away first) or ``"stopped"`` (the server stopped).
    """

    index: int
    model: str | None
    stream: bool
    messages: list[Any]
    tools: list[Any] | None
    tool_choice: Any
    response_format: Any
    body: dict[str, Any]
    headers: dict[str, str]
    kind: str
    start: float
    end: float | None = None
    status: int | None = None
    outcome: str = "pending"

    @property
    def duration(self) -> float | None:
        return None if self.end is None else self.end - self.start


class _ConnectionDropped(Exception):
    """Internal: the handler dropped the connection on purpose."""


class _Stopping(Exception):
    """Internal: the server is stopping; drop the connection."""


def _tokens(text: str) -> list[str]:
    """Split into word-ish tokens that concatenate back to the text."""
    toks = re.findall(r"\s*\S+", text)
    if not toks:
        return [text] if text else []
    tail = text[len("".join(toks)) :]
    if tail:
        toks[-1] += tail
    return toks


def _rest_of(text: str, messages: Sequence[Any]) -> str:
    """``text`` minus the part the request's last assistant message already holds."""
    for message in reversed(messages):
        if isinstance(message, Mapping) and message.get("role") == "assistant":
            partial = _content_text(message.get("content"))
            if partial and text.startswith(partial):
                return text[len(partial) :]
            return text
    return text


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(
            str(part.get("text", "")) if isinstance(part, Mapping) else str(part) for part in content
        )
    return "" if content is None else str(content)


def example_from_schema(
    schema: Any, defs: Mapping[str, Any] | None = None, name: str = "", _depth: int = 0
) -> Any:
    """A deterministic value that satisfies a simple JSON schema (required props only)."""
    if not isinstance(schema, Mapping) or _depth > 20:
        return None
    if defs is None:
        defs = {**schema.get("definitions", {}), **schema.get("$defs", {})}
    if "$ref" in schema:
        target = defs.get(str(schema["$ref"]).rsplit("/", 1)[-1], {})
        return example_from_schema(target, defs, name, _depth + 1)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    if "default" in schema:
        return schema["default"]
    for key in ("anyOf", "oneOf", "allOf"):
        options = schema.get(key)
        if options:
            non_null = [o for o in options if not (isinstance(o, Mapping) and o.get("type") == "null")]
            return example_from_schema((non_null or options)[0], defs, name, _depth + 1)
    typ = schema.get("type")
    if isinstance(typ, list):
        typ = next((t for t in typ if t != "null"), "null")
    if typ == "object" or (typ is None and "properties" in schema):
        props = schema.get("properties", {}) or {}
        required = schema.get("required", [])
        return {key: example_from_schema(props.get(key, {}), defs, key, _depth + 1) for key in required}
    if typ == "array":
        count = max(int(schema.get("minItems", 1)), 1)
        if "maxItems" in schema:
            count = min(count, int(schema["maxItems"]))
        item = example_from_schema(schema.get("items", {"type": "string"}), defs, name, _depth + 1)
        return [copy.deepcopy(item) for _ in range(count)]
    if typ == "integer":
        if "minimum" in schema:
            return math.ceil(schema["minimum"])
        if "exclusiveMinimum" in schema:
            return math.floor(schema["exclusiveMinimum"]) + 1
        return 1
    if typ == "number":
        if "minimum" in schema:
            return float(schema["minimum"])
        if "exclusiveMinimum" in schema:
            return float(schema["exclusiveMinimum"]) + 1.0
        return 1.0
    if typ == "boolean":
        return True
    if typ == "null":
        return None
    fmt = schema.get("format")
    if fmt == "date-time":
        return "2024-01-01T00:00:00Z"
    if fmt == "date":
        return "2024-01-01"
    value = name or "example"
    min_len = int(schema.get("minLength", 0))
    if len(value) < min_len:
        value = value + "x" * (min_len - len(value))
    if "maxLength" in schema:
        value = value[: int(schema["maxLength"])]
    return value


def _compat_body(body: dict[str, Any]) -> dict[str, Any]:
    """Rewrite an OpenAI request body for servers like llama_cpp.server."""
    out = dict(body)
    if "max_completion_tokens" in out:
        limit = out.pop("max_completion_tokens")
        out.setdefault("max_tokens", limit)
    messages = out.get("messages")
    if isinstance(messages, list):
        out["messages"] = [
            {**m, "content": ""}
            if isinstance(m, Mapping) and m.get("role") == "assistant" and m.get("content") is None
            else m
            for m in messages
        ]
    return out


@dataclass
class _Reply:
    content: str | None
    tool_calls: list[dict[str, Any]] | None
    finish_reason: str
    prompt_tokens: int
    completion_tokens: int


class FaultServer:
    """Scriptable OpenAI-compatible server on 127.0.0.1 (see the module docstring).

    Args:
        models: aliases listed by ``GET /v1/models`` (scripted models are listed too).
        default: behaviour for models without a script (default ``Behavior()``, or
            ``Behavior(kind="proxy")`` when ``upstream`` is given).
        upstream: base URL (``http://127.0.0.1:P/v1``) of an OpenAI-compatible server
            to forward ``proxy`` requests to.
        alias_map: ``{requested model: upstream model}`` renames for forwarded requests;
            responses are rewritten back to the requested name.
        api_key: if set, requests without ``Authorization: Bearer <api_key>`` get 401.
        strict_models: answer 404 ``model_not_found`` for models not in ``models``,
            ``alias_map`` or the scripts.
        upstream_compat: adapt forwarded requests to llama_cpp.server, which ignores
            ``max_completion_tokens`` (sent as ``max_tokens`` instead) and rejects
            assistant messages whose ``content`` is null (sent as ``""``).
        shutdown_timeout: seconds ``stop()`` grants in-flight upstream calls.
    """

    host = "127.0.0.1"

    def __init__(
        self,
        *,
        models: Iterable[str] = (),
        default: Behavior | None = None,
        upstream: str | None = None,
        alias_map: Mapping[str, str] | None = None,
        api_key: str | None = None,
        strict_models: bool = False,
        upstream_compat: bool = True,
        shutdown_timeout: float = 0.5,
        backlog: int = 4096,
    ) -> None:
        self._models = list(models)
        self._upstream = upstream.rstrip("/") if upstream else None
        if self._upstream and not re.match(r"^https?://(127\.0\.0\.1|localhost|\[::1\])[:/]", self._upstream):
            raise ValueError(f"upstream must be a loopback URL, got {upstream!r}")
        self._alias_map = dict(alias_map or {})
        self._default = default or Behavior(kind="proxy" if self._upstream else "ok")
        if self._default.kind == "proxy" and not self._upstream:
            raise ValueError("kind='proxy' needs FaultServer(upstream=...)")
        self._api_key = api_key
        self._strict_models = strict_models
        self._upstream_compat = upstream_compat
        self._shutdown_timeout = shutdown_timeout
        self._backlog = backlog

        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._scripts: dict[str, list[Behavior]] = {}
        self._random: tuple[float, random.Random, list[Behavior], frozenset[str] | None] | None = None
        self._records: list[RequestRecord] = []
        self._counter = itertools.count()
        self._in_flight: dict[str | None, int] = {}
        self._peak: dict[str | None, int] = {}
        self._peak_total = 0
        self._in_flight_total = 0

        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_evt: asyncio.Event | None = None
        self._ready = threading.Event()
        self._startup_error: BaseException | None = None
        self._stopping = False
        self._port: int | None = None
        self._session: aiohttp.ClientSession | None = None

    # ------------------------------------------------------------------ lifecycle
    def start(self, timeout: float = 10.0) -> FaultServer:
        if self._thread is not None:
            raise RuntimeError("FaultServer already started")
        self._stopping = False
        self._ready.clear()
        self._thread = threading.Thread(target=self._thread_main, name="fault-server", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError("FaultServer did not start in time")
        if self._startup_error is not None:
            self._thread.join(5)
            self._thread = None
            raise RuntimeError("FaultServer failed to start") from self._startup_error
        return self

    def stop(self, timeout: float = 10.0) -> None:
        thread, loop, evt = self._thread, self._loop, self._stop_evt
        if thread is None:
            return
        self._stopping = True
        if loop is not None and evt is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(evt.set)
        thread.join(timeout)
        if thread.is_alive():
            raise RuntimeError("FaultServer thread did not stop")
        self._thread = None
        self._loop = None
        self._port = None

    def __enter__(self) -> FaultServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._port is not None

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("FaultServer is not running")
        return self._port

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` (no ``/v1``)."""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/v1`` - pass as ``ChatOpenAI(base_url=...)``."""
        return f"{self.url}/v1"

    # ------------------------------------------------------------------ scripting
    @property
    def default(self) -> Behavior:
        return self._default

    @default.setter
    def default(self, behavior: Behavior) -> None:
        self.set_default(behavior)

    def set_default(self, behavior: Behavior) -> None:
        if behavior.kind == "proxy" and not self._upstream:
            raise ValueError("kind='proxy' needs FaultServer(upstream=...)")
        with self._lock:
            self._default = behavior

    def script(self, model: str, behavior: Behavior | Sequence[Behavior] | None) -> None:
        """Set what ``model`` does from the next request on.

        A single behaviour applies to every request; a sequence is consumed one per
        request, the last one repeating.  ``None`` removes the script.
        """
        if behavior is None:
            with self._lock:
                self._scripts.pop(model, None)
            return
        seq = [behavior] if isinstance(behavior, Behavior) else list(behavior)
        if not seq or not all(isinstance(b, Behavior) for b in seq):
            raise TypeError("script() needs a Behavior or a non-empty sequence of Behavior")
        if any(b.kind == "proxy" for b in seq) and not self._upstream:
            raise ValueError("kind='proxy' needs FaultServer(upstream=...)")
        with self._lock:
            self._scripts[model] = seq

    def clear_scripts(self) -> None:
        with self._lock:
            self._scripts.clear()
            self._random = None

    def random_failures(
        self,
        rate: float = 0.25,
        seed: int | None = 1,
        kinds: Sequence[str | Behavior] = ("error500", "error429", "reset"),
        *,
        retry_after: float | None = 0.1,
        models: Iterable[str] | None = None,
    ) -> None:
        """Fail a seeded-random ``rate`` of requests (every model, or only ``models``).

        ``kinds`` entries are ``"errorNNN"`` (status NNN; 429s carry ``retry_after``),
        any :data:`KINDS` name, or a :class:`Behavior`.  A drawn failure replaces the
        scripted/default behaviour of that request (a scripted sequence still advances).
        ``rate=0`` switches random failures off.
        """
        if not 0 <= rate <= 1:
            raise ValueError("rate must be within [0, 1]")
        if rate == 0:
            with self._lock:
                self._random = None
            return
        behaviors: list[Behavior] = []
        for k in kinds:
            if isinstance(k, Behavior):
                behaviors.append(k)
            elif m := re.fullmatch(r"error(\d{3})", k):
                status = int(m.group(1))
                behaviors.append(Behavior.error(status, retry_after=retry_after if status == 429 else None))
            else:
                behaviors.append(Behavior(kind=k))
        if not behaviors:
            raise ValueError("kinds must not be empty")
        with self._lock:
            self._random = (
                rate,
                random.Random(seed),
                behaviors,
                frozenset(models) if models is not None else None,
            )

    def _pick(self, model: str | None) -> Behavior:
        with self._lock:
            seq = self._scripts.get(model) if model is not None else None
            behavior = (seq.pop(0) if len(seq) > 1 else seq[0]) if seq else self._default
            if self._random is not None:
                rate, rng, failures, only = self._random
                if (only is None or model in only) and rng.random() < rate:
                    behavior = rng.choice(failures)
            return behavior

    def _known_models(self) -> list[str]:
        with self._lock:
            names = list(self._models)
            for name in itertools.chain(self._alias_map, self._scripts):
                if name not in names:
                    names.append(name)
            return names

    # ------------------------------------------------------------------ request log
    @property
    def requests(self) -> list[RequestRecord]:
        """Snapshot (copies) of every request record, in arrival order."""
        with self._lock:
            return [copy.copy(r) for r in self._records]

    def calls(self, model: str | None = None) -> int:
        """Number of chat requests received (for ``model``, or in total)."""
        with self._lock:
            if model is None:
                return len(self._records)
            return sum(1 for r in self._records if r.model == model)

    def in_flight(self, model: str | None = None) -> int:
        with self._lock:
            return self._in_flight_total if model is None else self._in_flight.get(model, 0)

    def peak_in_flight(self, model: str | None = None) -> int:
        """Highest number of simultaneously open chat requests seen since ``reset_log``."""
        with self._lock:
            return self._peak_total if model is None else self._peak.get(model, 0)

    def reset_log(self) -> None:
        with self._lock:
            self._records.clear()
            self._peak = dict(self._in_flight)
            self._peak_total = self._in_flight_total

    def wait_for_calls(self, n: int, model: str | None = None, timeout: float = 5.0) -> bool:
        """Block until at least ``n`` requests (for ``model``) arrived; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self.calls(model) < n:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
            return True

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Block until no request is in flight; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._in_flight_total:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
            return True

    # ------------------------------------------------------------------ server thread
    def _thread_main(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # pragma: no cover - surfaced through start()
            if not self._ready.is_set():
                self._startup_error = exc
                self._ready.set()

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop_evt = asyncio.Event()
        runner: web.AppRunner | None = None
        sock: socket.socket | None = None
        try:
            app = web.Application(client_max_size=64 * 1024 * 1024)
            app.router.add_post("/v1/chat/completions", self._handle_chat)
            app.router.add_get("/v1/models", self._handle_models)
            app.router.add_get("/v1/models/{model:.+}", self._handle_model)
            app.router.add_get("/health", self._handle_health)
            runner = web.AppRunner(
                app,
                handle_signals=False,
                access_log=None,
                handler_cancellation=True,
                shutdown_timeout=self._shutdown_timeout,
            )
            await runner.setup()
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.host, 0))
            sock.listen(self._backlog)
            sock.setblocking(False)
            site = web.SockSite(runner, sock, backlog=self._backlog)
            await site.start()
            if self._upstream:
                self._session = aiohttp.ClientSession(
                    connector=aiohttp.TCPConnector(limit=0),
                    timeout=aiohttp.ClientTimeout(total=None, sock_connect=10),
                    auto_decompress=False,
                )
            self._port = sock.getsockname()[1]
        except BaseException as exc:
            self._startup_error = exc
            self._ready.set()
            if runner is not None:
                await runner.cleanup()
            if sock is not None:
                sock.close()
            return
        self._ready.set()
        try:
            await self._stop_evt.wait()
        finally:
            self._stopping = True
            # Let stop-aware sleeps/hangs drop their connections before cleanup.
            await asyncio.sleep(0)
            await runner.cleanup()
            if self._session is not None:
                await self._session.close()
                self._session = None
            sock.close()

    # ------------------------------------------------------------------ helpers
    async def _sleep(self, seconds: float) -> None:
        """asyncio sleep that raises _Stopping as soon as the server stops."""
        assert self._stop_evt is not None
        if self._stop_evt.is_set():
            raise _Stopping
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        if math.isinf(seconds):
            await self._stop_evt.wait()
            raise _Stopping
        try:
            await asyncio.wait_for(self._stop_evt.wait(), seconds)
        except asyncio.TimeoutError:
            return
        raise _Stopping

    @staticmethod
    def _drop(request: web.BaseRequest, *, rst: bool) -> None:
        transport = request.transport
        if transport is None:
            return
        if rst:
            sock = transport.get_extra_info("socket")
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            transport.abort()
        else:
            transport.close()

    def _error_response(
        self, status: int, behavior: Behavior | None = None, message: str | None = None
    ) -> web.Response:
        etype, code = _ERROR_TYPES.get(
            status, ("server_error" if status >= 500 else "invalid_request_error", None)
        )
        msg = message or (behavior.message if behavior else None) or f"{status} injected by fault server"
        headers: dict[str, str] = {}
        if behavior is not None:
            headers.update(behavior.headers)
            if behavior.retry_after is not None:
                ra = behavior.retry_after
                headers["retry-after"] = str(int(ra)) if float(ra).is_integer() else f"{ra:g}"
                headers["retry-after-ms"] = str(round(ra * 1000))
        if status == 429:
            headers.setdefault("x-ratelimit-remaining-requests", "0")
        if behavior is not None:  # error classes: a server's own code / type
            code = behavior.error_code or code
            etype = behavior.error_type or etype
        body = {"error": {"message": msg, "type": etype, "param": None, "code": code}}
        return web.json_response(body, status=status, headers=headers)

    @staticmethod
    def _stream_requested(body: Mapping[str, Any]) -> bool:
        return bool(body.get("stream"))

    def _plan(self, body: Mapping[str, Any], behavior: Behavior, model: str) -> _Reply:
        messages = body.get("messages") or []
        prompt_tokens = sum(
            len(_tokens(_content_text(m.get("content")))) + 1 for m in messages if isinstance(m, Mapping)
        )
        tools = [t for t in (body.get("tools") or []) if isinstance(t, Mapping)]

        def tool_fn(name: str | None) -> Mapping[str, Any]:
            for t in tools:
                fn = t.get("function", t)
                if name is None or fn.get("name") == name:
                    return fn
            return {}

        choice = body.get("tool_choice")
        forced: str | None = None
        if isinstance(choice, Mapping):
            forced = (choice.get("function") or {}).get("name") or choice.get("name")
        elif choice in ("required", "any") and tools:
            forced = tool_fn(None).get("name")

        tc = behavior.tool_call
        if tc is not False and (tc is not None or forced is not None):
            args: Any = None
            if isinstance(tc, Mapping):
                name = tc.get("name") or forced or tool_fn(None).get("name") or "tool"
                args = tc.get("arguments")
            elif isinstance(tc, str):
                name = tc
            else:
                name = forced or tool_fn(None).get("name") or "tool"
            if args is None:
                if isinstance(behavior.json, Mapping):
                    args = dict(behavior.json)
                else:
                    args = example_from_schema(tool_fn(name).get("parameters") or {"type": "object"})
            arguments = args if isinstance(args, str) else _json.dumps(args)
            call = {
                "id": f"call_{uuid.uuid4().hex[:24]}",
                "type": "function",
                "function": {"name": name, "arguments": arguments},
            }
            return _Reply(
                content=None,
                tool_calls=[call],
                finish_reason=behavior.finish_reason or "tool_calls",
                prompt_tokens=prompt_tokens,
                completion_tokens=len(_tokens(arguments)) + 1,
            )

        text = behavior.text if behavior.text is not None else f"answer from {model}"
        rf = body.get("response_format")
        schema: Any = None
        wants_json = False
        if isinstance(rf, Mapping) and rf.get("type") in ("json_object", "json_schema"):
            wants_json = True
            if rf.get("type") == "json_schema":
                schema = (rf.get("json_schema") or {}).get("schema")
            else:
                schema = rf.get("schema")
        if isinstance(behavior.json, Mapping):
            text = _json.dumps(dict(behavior.json))
        elif behavior.json is True or (behavior.json is None and wants_json):
            obj = example_from_schema(schema) if schema else {"answer": text}
            text = _json.dumps(obj)

        if behavior.resume:
            text = _rest_of(text, messages)
        toks = _tokens(text)
        finish = behavior.finish_reason or "stop"
        limit = body.get("max_completion_tokens") or body.get("max_tokens")
        if isinstance(limit, int) and limit > 0 and len(toks) > limit and not wants_json:
            toks = toks[:limit]
            text = "".join(toks)
            finish = behavior.finish_reason or "length"
        return _Reply(
            content=text,
            tool_calls=None,
            finish_reason=finish,
            prompt_tokens=prompt_tokens,
            completion_tokens=len(toks),
        )

    @staticmethod
    def _completion(reply: _Reply, model: str, cid: str, created: int) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": reply.content, "refusal": None}
        if reply.tool_calls:
            message["tool_calls"] = reply.tool_calls
        return {
            "id": cid,
            "object": "chat.completion",
            "created": created,
            "model": model,
            "system_fingerprint": "fp_fault_server",
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "logprobs": None,
                    "finish_reason": reply.finish_reason,
                }
            ],
            "usage": {
                "prompt_tokens": reply.prompt_tokens,
                "completion_tokens": reply.completion_tokens,
                "total_tokens": reply.prompt_tokens + reply.completion_tokens,
            },
        }

    @staticmethod
    def _stream_events(reply: _Reply, model: str, cid: str, created: int, include_usage: bool) -> list[bytes]:
        """Every SSE event of a full stream (without the final ``[DONE]``)."""

        def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
            obj: dict[str, Any] = {
                "id": cid,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "system_fingerprint": "fp_fault_server",
                "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
            }
            if include_usage:
                obj["usage"] = None
            return b"data: " + _json.dumps(obj).encode() + b"\n\n"

        events = [chunk({"role": "assistant", "content": "" if reply.tool_calls is None else None})]
        if reply.tool_calls:
            for i, call in enumerate(reply.tool_calls):
                fn = call["function"]
                events.append(
                    chunk(
                        {
                            "tool_calls": [
                                {
                                    "index": i,
                                    "id": call["id"],
                                    "type": "function",
                                    "function": {"name": fn["name"], "arguments": ""},
                                }
                            ]
                        }
                    )
                )
                for piece in _tokens(fn["arguments"]):
                    events.append(chunk({"tool_calls": [{"index": i, "function": {"arguments": piece}}]}))
        else:
            for tok in _tokens(reply.content or ""):
                events.append(chunk({"content": tok}))
        events.append(chunk({}, reply.finish_reason))
        if include_usage:
            usage = {
                "prompt_tokens": reply.prompt_tokens,
                "completion_tokens": reply.completion_tokens,
                "total_tokens": reply.prompt_tokens + reply.completion_tokens,
            }
            obj = {
                "id": cid,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "system_fingerprint": "fp_fault_server",
                "choices": [],
                "usage": usage,
            }
            events.append(b"data: " + _json.dumps(obj).encode() + b"\n\n")
        return events

    # ------------------------------------------------------------------ handlers
    async def _handle_health(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    def _model_obj(self, name: str) -> dict[str, Any]:
        return {"id": name, "object": "model", "created": 1700000000, "owned_by": "fault-server"}

    async def _handle_models(self, request: web.Request) -> web.Response:
        names = self._known_models()
        if not names and self._upstream and self._session is not None:
            async with self._session.get(self._upstream + "/models") as up:
                return web.Response(status=up.status, body=await up.read(), content_type="application/json")
        return web.json_response({"object": "list", "data": [self._model_obj(n) for n in names]})

    async def _handle_model(self, request: web.Request) -> web.Response:
        name = request.match_info["model"]
        if self._strict_models and name not in self._known_models():
            return self._error_response(404, message=f"The model '{name}' does not exist")
        return web.json_response(self._model_obj(name))

    async def _handle_chat(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        try:
            body = _json.loads(raw)
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return self._error_response(400, message="request body is not a JSON object")
        model = body.get("model")
        model = model if isinstance(model, str) else None
        record = RequestRecord(
            index=next(self._counter),
            model=model,
            stream=self._stream_requested(body),
            messages=list(body.get("messages") or []),
            tools=body.get("tools"),
            tool_choice=body.get("tool_choice"),
            response_format=body.get("response_format"),
            body=body,
            headers=dict(request.headers),
            kind="?",
            start=time.monotonic(),
        )
        with self._cond:
            self._records.append(record)
            self._in_flight[model] = self._in_flight.get(model, 0) + 1
            self._in_flight_total += 1
            self._peak[model] = max(self._peak.get(model, 0), self._in_flight[model])
            self._peak_total = max(self._peak_total, self._in_flight_total)
            self._cond.notify_all()
        try:
            resp = await self._respond(request, body, model, record)
            if record.outcome == "pending":
                record.outcome = "completed"
            return resp
        except _Stopping:
            record.outcome = "stopped"
            self._drop(request, rst=True)
            raise asyncio.CancelledError from None
        except _ConnectionDropped:
            record.outcome = "aborted"
            raise asyncio.CancelledError from None
        except asyncio.CancelledError:
            if record.outcome == "pending":
                record.outcome = "stopped" if self._stopping else "client_disconnected"
            raise
        except (ConnectionError, aiohttp.ClientConnectionResetError):
            if record.outcome == "pending":
                record.outcome = "stopped" if self._stopping else "client_disconnected"
            raise asyncio.CancelledError from None
        finally:
            with self._cond:
                record.end = time.monotonic()
                self._in_flight[model] -= 1
                self._in_flight_total -= 1
                self._cond.notify_all()

    async def _respond(
        self, request: web.Request, body: dict[str, Any], model: str | None, record: RequestRecord
    ) -> web.StreamResponse:
        if self._api_key is not None and request.headers.get("Authorization") != f"Bearer {self._api_key}":
            record.kind = "error"
            record.status = 401
            return self._error_response(401, message="Incorrect API key provided")
        if model is None:
            record.kind = "error"
            record.status = 400
            return self._error_response(400, message="'model' is required")
        if self._strict_models and model not in self._known_models():
            record.kind = "error"
            record.status = 404
            return self._error_response(404, message=f"The model '{model}' does not exist")

        behavior = self._pick(model)
        record.kind = behavior.kind
        await self._sleep(behavior.latency)
        kind = behavior.kind
        stream = record.stream
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))

        if kind == "hang":
            await self._sleep(math.inf)  # only the stop event (or a client disconnect) ends this
        if kind == "reset":
            self._drop(request, rst=True)
            raise _ConnectionDropped
        if kind == "error" or (kind == "stream_error" and not stream):
            record.status = behavior.status or 500
            return self._error_response(record.status, behavior)
        if kind == "proxy":
            return await self._proxy(request, body, model, record)
        if kind == "echo_auth":  # a provider that quotes the credentials it rejected
            record.status = 401
            header = request.headers.get("Authorization", "")
            return self._error_response(401, message=f"Incorrect API key provided: {header}")

        reply = self._plan(body, behavior, model)
        cid = f"chatcmpl-{uuid.uuid4().hex[:24]}"
        created = int(time.time())
        headers = {"x-fault-server-kind": kind, **behavior.headers}

        if kind == "bad_shape":  # error classes: 200, valid JSON, ``choices`` null (vLLM does this)
            record.status = 200
            shape = {
                "id": cid,
                "object": "chat.completion",
                "created": created,
                "model": model,
                "choices": None,
            }
            return web.json_response(shape, headers=headers)
        if kind == "malformed":
            record.status = 200
            if not stream:
                return web.Response(
                    status=200,
                    body=b'{"id": "' + cid.encode() + b'", "choices": [{"mess',
                    content_type="application/json",
                    headers=headers,
                )
            resp = web.StreamResponse(status=200, headers={**headers, "Content-Type": "text/event-stream"})
            await resp.prepare(request)
            first = self._stream_events(reply, model, cid, created, include_usage)[0]
            await resp.write(first)
            await resp.write(b'data: {"id": "' + cid.encode() + b'", "choices": [{"delta": \n\n')
            await resp.write(b"data: [DONE]\n\n")
            await resp.write_eof()
            return resp

        if not stream:
            payload = _json.dumps(self._completion(reply, model, cid, created)).encode()
            record.status = 200
            if kind == "ok":
                return web.Response(
                    status=200, body=payload, content_type="application/json", headers=headers
                )
            resp = web.StreamResponse(status=200, headers={**headers, "Content-Type": "application/json"})
            resp.content_length = len(payload)
            await resp.prepare(request)
            if kind in ("cut_stream", "stall_stream", "unfinished_stream"):
                await resp.write(payload[: len(payload) // 2])
                await asyncio.sleep(0.01)
                if kind == "stall_stream":
                    await self._sleep(math.inf)
                self._drop(request, rst=False)
                raise _ConnectionDropped
            # drip: the body in about as many pieces as the reply has tokens
            pieces = max(reply.completion_tokens, 2)
            step = max(1, math.ceil(len(payload) / pieces))
            for i in range(0, len(payload), step):
                await resp.write(payload[i : i + step])
                if i + step < len(payload):
                    await self._sleep(behavior.drip_interval)
            await resp.write_eof()
            return resp

        # streaming
        events = self._stream_events(reply, model, cid, created, include_usage)
        resp = web.StreamResponse(
            status=200,
            headers={**headers, "Content-Type": "text/event-stream", "Cache-Control": "no-cache"},
        )
        await resp.prepare(request)
        record.status = 200
        if kind in ("cut_stream", "stall_stream", "stream_error", "unfinished_stream"):
            for event in events[: 1 + behavior.cut_after]:
                await resp.write(event)
            if kind == "unfinished_stream":
                await resp.write_eof()
                return resp
            if kind == "stream_error":
                status = behavior.status or 500
                etype, code = _ERROR_TYPES.get(status, ("server_error", None))
                err = {
                    "error": {
                        "message": behavior.message or f"{status} injected mid-stream by fault server",
                        "type": etype,
                        "param": None,
                        "code": code,
                    }
                }
                await resp.write(b"data: " + _json.dumps(err).encode() + b"\n\n")
                await resp.write_eof()
                return resp
            await asyncio.sleep(0.01)
            if kind == "stall_stream":
                await self._sleep(math.inf)
            self._drop(request, rst=False)
            raise _ConnectionDropped
        for i, event in enumerate(events):
            if kind == "drip" and i > 0:
                await self._sleep(behavior.drip_interval)
            await resp.write(event)
        await resp.write(b"data: [DONE]\n\n")
        await resp.write_eof()
        return resp

    async def _proxy(
        self, request: web.Request, body: dict[str, Any], model: str, record: RequestRecord
    ) -> web.StreamResponse:
        assert self._upstream is not None and self._session is not None
        with self._lock:
            target = self._alias_map.get(model, model)
        forward = {**body, "model": target}
        if self._upstream_compat:
            forward = _compat_body(forward)
        headers = {"Content-Type": "application/json"}
        if "Authorization" in request.headers:
            headers["Authorization"] = request.headers["Authorization"]

        def rename(data: bytes) -> bytes:
            try:
                obj = _json.loads(data)
            except ValueError:
                return data
            if isinstance(obj, dict) and "model" in obj:
                obj["model"] = model
                return _json.dumps(obj).encode()
            return data

        async with self._session.post(
            self._upstream + "/chat/completions", data=_json.dumps(forward), headers=headers
        ) as up:
            record.status = up.status
            ctype = up.headers.get("Content-Type", "application/json")
            passed = {
                k: v
                for k, v in up.headers.items()
                if k.lower() in ("retry-after", "retry-after-ms") or k.lower().startswith("x-ratelimit")
            }
            if not record.stream or up.status != 200 or "text/event-stream" not in ctype:
                data = await up.read()
                if up.status == 200 and "json" in ctype:
                    data = rename(data)
                return web.Response(status=up.status, body=data, headers={**passed, "Content-Type": ctype})
            resp = web.StreamResponse(
                status=200,
                headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"},
            )
            await resp.prepare(request)
            buffer = b""
            async for piece in up.content.iter_any():
                buffer += piece
                while b"\n" in buffer:
                    line, buffer = buffer.split(b"\n", 1)
                    stripped = line.rstrip(b"\r")
                    if stripped.startswith(b"data:"):
                        payload = stripped[5:].strip()
                        if payload and payload != b"[DONE]":
                            line = b"data: " + rename(payload)
                    await resp.write(line + b"\n")
            if buffer:
                await resp.write(buffer)
            await resp.write_eof()
            return resp
