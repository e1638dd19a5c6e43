"""A minimal OpenAI-compatible chat-completions server for benchmarks, in its own process.

The server's CPU cost competes with the client being measured (2 cores), so it is a raw
asyncio protocol (uvloop when installed): no framework, no per-request allocations beyond
one JSON parse and one pre-built response.  It runs in a child process so it never holds
the client's GIL.  It binds 127.0.0.1 only.

Per model (the request's ``model`` field) it answers after ``latency`` seconds, or never
(``hang``).  ``POST /_control`` with ``{"latency": s, "hang": [models]}`` changes both at
run time; ``GET /_stats`` returns ``{"requests": n, "bad": n}``.

A request with ``"stream": true`` gets an SSE stream (chunked): the headers and the role
chunk at once, the first token after ``first_token`` seconds (a list is cycled, one value
per request: a latency distribution), then a token every ``interval`` seconds, then the
finish chunk, usage and ``[DONE]``; with ``stall_after`` k the stream goes silent after k
tokens (the connection stays open).  Plans per model: ``POST /_control`` with
``{"streams": {model: {"tokens": n, "interval": s, "first_token": s | [s...],
"stall_after": k, "token": text}}}``.

Run directly: ``python -m benchmarks.server --latency 0.02``; it prints ``PORT <n>``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import urllib.request
from typing import Any

_HEADER_END = b"\r\n\r\n"


def _completion(model: str) -> bytes:
    body = json.dumps(
        {
            "id": "chatcmpl-bench",
            "object": "chat.completion",
            "created": 0,
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": "ok"},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 12, "completion_tokens": 1, "total_tokens": 13},
        }
    ).encode()
    return _response(200, body)


def _response(status: int, body: bytes) -> bytes:
    reason = {200: "OK", 400: "Bad Request", 404: "Not Found"}.get(status, "OK")
    head = (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: keep-alive\r\n\r\n"
    )
    return head.encode() + body


def _sse(obj: dict[str, Any] | str) -> bytes:
    data = b"data: " + (obj.encode() if isinstance(obj, str) else json.dumps(obj).encode()) + b"\n\n"
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


def _delta(model: str, delta: dict[str, Any], finish: str | None = None) -> bytes:
    choice = {"index": 0, "delta": delta, "finish_reason": finish}
    return _sse(
        {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": model, "choices": [choice]}
    )


_STREAM_HEAD = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
    b"Transfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n"
)
_DEFAULT_PLAN: dict[str, Any] = {"tokens": 1, "interval": 0.0}


class _State:
    def __init__(self, latency: float, hang: set[str]) -> None:
        self.latency = latency
        self.hang = hang
        self.requests = 0
        self.bad = 0
        self.cache: dict[str, bytes] = {}
        self.streams: dict[str, dict[str, Any]] = {}
        self.served: dict[str, int] = {}

    def first_token(self, model: str, plan: dict[str, Any]) -> float:
        value = plan.get("first_token", self.latency)
        if isinstance(value, list):
            n = self.served.get(model, 0)
            self.served[model] = n + 1
            return float(value[n % len(value)])
        return float(value)

    def reply(self, model: str) -> bytes:
        cached = self.cache.get(model)
        if cached is None:
            cached = self.cache[model] = _completion(model)
        return cached


class _Protocol(asyncio.Protocol):
    def __init__(self, state: _State) -> None:
        self.state = state
        self.buf = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while True:
            end = self.buf.find(_HEADER_END)
            if end < 0:
                return
            head = self.buf[:end].decode("latin-1")
            length = 0
            for line in head.split("\r\n")[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            total = end + 4 + length
            if len(self.buf) < total:
                return
            body, self.buf = self.buf[end + 4 : total], self.buf[total:]
            self._handle(head.split(" ", 2), body)

    def _send(self, payload: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(payload)

    def _handle(self, request_line: list[str], body: bytes) -> None:
        method, path = request_line[0], request_line[1] if len(request_line) > 1 else "/"
        state = self.state
        if path.endswith("/chat/completions") and method == "POST":
            state.requests += 1
            try:
                request = json.loads(body)
                model = str(request.get("model", ""))
            except ValueError:
                state.bad += 1
                self._send(_response(400, b'{"error": {"message": "bad json"}}'))
                return
            if model in state.hang:
                return  # never answer; the client gives up
            if request.get("stream"):
                self._stream(model, state.streams.get(model, _DEFAULT_PLAN))
                return
            payload = state.reply(model)
            if state.latency > 0:
                asyncio.get_running_loop().call_later(state.latency, self._send, payload)
            else:
                self._send(payload)
        elif path == "/_control" and method == "POST":
            cfg = json.loads(body or b"{}")
            state.latency = float(cfg.get("latency", state.latency))
            state.hang = set(cfg.get("hang", state.hang))
            state.streams.update(cfg.get("streams", {}))
            self._send(_response(200, b"{}"))
        elif path == "/_stats":
            stats = {"requests": state.requests, "bad": state.bad}
            self._send(_response(200, json.dumps(stats).encode()))
        else:
            self._send(_response(404, b'{"error": {"message": "not found"}}'))

    def _stream(self, model: str, plan: dict[str, Any]) -> None:
        """Send one planned SSE stream (see the module docstring), one timer per token."""
        loop = asyncio.get_running_loop()
        tokens, interval = int(plan.get("tokens", 1)), float(plan.get("interval", 0.0))
        stall = plan.get("stall_after")
        token = _delta(model, {"content": str(plan.get("token", " tok"))})
        self._send(_STREAM_HEAD + _delta(model, {"role": "assistant", "content": ""}))

        def send(i: int) -> None:
            if self.transport is None or self.transport.is_closing():
                return  # the client went away
            if stall is not None and i >= int(stall):
                return  # silence, connection open
            if i < tokens:
                self._send(token)
                loop.call_later(interval, send, i + 1)
                return
            usage = {"prompt_tokens": 12, "completion_tokens": tokens, "total_tokens": 12 + tokens}
            tail = {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": model}
            self._send(
                _delta(model, {}, "stop")
                + _sse({**tail, "choices": [], "usage": usage})
                + _sse("[DONE]")
                + b"0\r\n\r\n"
            )

        loop.call_later(self.state.first_token(model, plan), send, 0)


async def _serve(latency: float, hang: set[str]) -> None:
    loop = asyncio.get_running_loop()
    state = _State(latency, hang)
    server = await loop.create_server(lambda: _Protocol(state), "127.0.0.1", 0, backlog=4096)
    port = server.sockets[0].getsockname()[1]
    print(f"PORT {port}", flush=True)
    async with server:
        await server.serve_forever()


def main(argv: list[str] | None = None) -> None:
    """Command-line entry: serve until killed."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before each answer")
    parser.add_argument("--hang", action="append", default=[], help="model that never answers")
    args = parser.parse_args(argv)
    try:
        import uvloop

        runner: Any = uvloop.run
    except ImportError:
        runner = asyncio.run
    with contextlib.suppress(KeyboardInterrupt):
        runner(_serve(args.latency, set(args.hang)))


class BenchServer:
    """Starts :func:`main` in a child process; a context manager.

    Args:
        latency: seconds before each answer (changeable with :meth:`configure`).
    """

    def __init__(self, latency: float = 0.0) -> None:
        self.latency = latency
        self.proc: subprocess.Popen[str] | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        """The OpenAI-style base URL (``.../v1``)."""
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> BenchServer:
        """Launch the child and wait for its port."""
        cmd = [sys.executable, "-m", "benchmarks.server", "--latency", str(self.latency)]
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, cwd=root)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line.startswith("PORT "):
            self.stop()
            raise RuntimeError(f"benchmark server did not start: {line!r}")
        self.port = int(line.split()[1])
        return self

    def _call(self, path: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        data = json.dumps(payload).encode() if payload is not None else None
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data)
        with urllib.request.urlopen(req, timeout=5) as resp:
            return json.loads(resp.read())  # type: ignore[no-any-return]

    def configure(
        self,
        *,
        latency: float | None = None,
        hang: list[str] | None = None,
        streams: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        """Change the answer latency, the set of hanging models and/or stream plans."""
        cfg: dict[str, Any] = {}
        if streams is not None:
            cfg["streams"] = streams
        if latency is not None:
            cfg["latency"] = latency
            self.latency = latency
        if hang is not None:
            cfg["hang"] = hang
        self._call("/_control", cfg)

    def stats(self) -> dict[str, int]:
        """Requests seen and malformed requests."""
        return self._call("/_stats")  # type: ignore[return-value]

    def stop(self) -> None:
        """Terminate the child (it holds no state worth a graceful stop)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc is not None and self.proc.stdout is not None:
            self.proc.stdout.close()
        self.proc = None

    def __enter__(self) -> BenchServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


if __name__ == "__main__":
    main()
