"""Chat models per catalog entry, built lazily (no network or env access until first use).

Async calls get a model whose HTTP client belongs to the running event loop: an async
client is bound to the loop it first ran on, so a process that calls
``asyncio.run(graph.ainvoke(...))`` twice (Celery tasks, sync web views, scripts) would
otherwise send its second run's requests through a client of a closed loop. The clients
the router creates for a loop are closed when that loop shuts down (``asyncio.run``
finalizes async generators before closing; see :class:`_LoopClients`).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import ssl
import threading
import weakref
from collections.abc import AsyncIterator, Mapping
from typing import Any

from langchain_core.language_models import BaseChatModel

from lg_router.catalog import ModelCatalog
from lg_router.errors import MissingAPIKeyError
from lg_router.redaction import redacting

# Local servers (llama.cpp, vLLM) accept any key; the SDK insists on one being set.
NO_KEY_PLACEHOLDER = "not-needed"
_LOOPBACK_PREFIXES = ("http://127.", "http://localhost", "http://[::1]")


class ModelProvider:
    """Builds and caches one chat model per catalog id.

    Args:
        catalog: where each model is served and its timeout.
        overrides: ready-made chat models by id (tests, or a provider lg-router does not
            build itself); they are used as given.
        client_kwargs: extra ``ChatOpenAI`` arguments for every built model (e.g.
            ``http_async_client``, ``default_headers``, ``temperature``).
    """

    def __init__(
        self,
        catalog: ModelCatalog,
        *,
        overrides: Mapping[str, BaseChatModel] | None = None,
        client_kwargs: Mapping[str, Any] | None = None,
    ) -> None:
        unknown = [m for m in (overrides or {}) if m not in catalog]
        if unknown:
            msg = (
                f"chat model overrides name unknown model ids {unknown}; the catalog has {list(catalog.ids)}"
            )
            raise ValueError(msg)
        self.catalog = catalog
        self.client_kwargs = dict(client_kwargs or {})
        self._overrides = frozenset(overrides or {})
        self._models: dict[str, BaseChatModel] = dict(overrides or {})
        self._loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopClients] = (
            weakref.WeakKeyDictionary()
        )
        self._lock = threading.Lock()

    def prepare(self) -> None:
        """Import the chat-model library now if any model will be built (at graph build).

        Importing ``langchain_openai`` takes about a second; done here, it never runs
        inside an attempt's deadline. Reads no API key and opens no connection.
        """
        if any(m not in self._overrides for m in self.catalog.ids):
            import langchain_openai  # noqa: F401

            # The first async client of a process imports and sets up its transport
            # (~0.3 s): build one now and drop it. It opens no connection until a request.
            if "http_async_client" not in self.client_kwargs:
                async_http_client(timeout=1.0, **_tls())

    def __repr__(self) -> str:
        return f"ModelProvider(catalog={self.catalog.name!r}, built={sorted(self._models)})"

    def get(self, model_id: str) -> BaseChatModel:
        """The chat model for ``model_id``, building it on first use.

        Raises:
            MissingAPIKeyError: the model's key env var is not set (remote endpoints).
        """
        if model_id not in self._overrides and "http_async_client" not in self.client_kwargs:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                loop = None
            if loop is not None:
                return self._for_loop(model_id, loop)
        model = self._models.get(model_id)
        if model is None:
            with self._lock:
                model = self._models.get(model_id) or self._build(model_id)
                self._models[model_id] = model
        return model

    def _for_loop(self, model_id: str, loop: asyncio.AbstractEventLoop) -> BaseChatModel:
        """The model for async calls on ``loop``, with an async HTTP client of that loop."""
        clients = self._loops.get(loop)
        if clients is None:
            with self._lock:
                for old in [lp for lp in self._loops if lp.is_closed()]:
                    del self._loops[old]  # loops closed without shutting down (no asyncio.run)
                clients = self._loops.setdefault(loop, _LoopClients(self._loops, loop))
        model = clients.models.get(model_id)
        if model is None:
            base_url = self.catalog.endpoint(model_id)[0]
            http = clients.client(base_url, self.catalog.timeout_for(model_id))
            model = self._build(model_id, http_async_client=http)
            clients.models[model_id] = model
        return model

    def _build(self, model_id: str, **extra: Any) -> BaseChatModel:
        from langchain_openai import ChatOpenAI  # heavy: imported on first model build only
        from pydantic import SecretStr

        spec = self.catalog[model_id]
        base_url, env = self.catalog.endpoint(model_id)
        key = os.environ.get(env) if env else None
        if not key:
            if env and not base_url.startswith(_LOOPBACK_PREFIXES):
                raise MissingAPIKeyError(model_id, env)
            key = NO_KEY_PLACEHOLDER
        kwargs: dict[str, Any] = {
            "model": spec.provider_model,
            "base_url": base_url,
            "api_key": SecretStr(key),
            "timeout": self.catalog.timeout_for(model_id),
            "max_retries": 0,
            "stream_usage": True,
        }
        if spec.max_output_tokens is not None:
            kwargs["max_tokens"] = spec.max_output_tokens
        kwargs.update(self.client_kwargs)
        kwargs.update(extra)
        return redacting(ChatOpenAI)(**kwargs)  # registers its key; scrubs it from failures


_SSL: ssl.SSLContext | None = None
_AIOHTTP: bool | None = None  # whether the openai SDK's aiohttp transport is installed


def _tls() -> dict[str, Any]:
    if os.environ.get("SSL_CERT_FILE") or os.environ.get("SSL_CERT_DIR"):
        return {}  # httpx reads those itself
    return {"verify": _ssl_context()}


def async_http_client(**kwargs: Any) -> Any:
    """The async HTTP client the router builds for one event loop (call it on that loop).

    The openai SDK's aiohttp transport (``openai[aiohttp]``, a core dependency) when it
    is installed: at 1,000 concurrent requests it costs about half the CPU of httpx,
    whose per-request work is the limit then (README: Performance). Otherwise the SDK's
    httpx client. Either takes the SDK's defaults (limits, redirects) plus ``kwargs``.
    """
    global _AIOHTTP
    import openai

    if _AIOHTTP is not False:
        try:
            client = openai.DefaultAioHttpClient(**kwargs)
        except RuntimeError:  # "install the package with the `aiohttp` extra"
            _AIOHTTP = False
        else:
            _AIOHTTP = True
            return client
    return openai.DefaultAsyncHttpxClient(**kwargs)


def _ssl_context() -> ssl.SSLContext:
    """One TLS context for every client the router creates (building one costs ~40 ms)."""
    global _SSL
    if _SSL is None:
        import certifi

        _SSL = ssl.create_default_context(cafile=certifi.where())
    return _SSL


class _LoopClients:
    """The async HTTP clients and models the router created for one event loop.

    A sentinel async generator, started on the loop, is finalized by the loop's
    ``shutdown_asyncgens()`` (which ``asyncio.run`` and ``asyncio.Runner`` call before
    closing the loop); its ``finally`` closes the clients and forgets the loop.
    """

    def __init__(
        self,
        registry: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopClients],
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        self.models: dict[str, BaseChatModel] = {}
        self._clients: dict[tuple[str, float], Any] = {}
        self._closer = self._close_at_shutdown(registry, weakref.ref(loop))
        step: Any = self._closer.__anext__()  # registers the generator with the running loop
        with contextlib.suppress(StopIteration):
            step.send(None)  # run it to its first ``yield``, where it waits for shutdown

    def client(self, base_url: str, timeout: float) -> Any:
        key = (base_url, timeout)
        http = self._clients.get(key)
        if http is None:
            http = async_http_client(timeout=timeout, **_tls())
            self._clients[key] = http
        return http

    async def _close_at_shutdown(
        self,
        registry: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopClients],
        loop: weakref.ref[asyncio.AbstractEventLoop],
    ) -> AsyncIterator[None]:
        try:
            yield
        finally:
            clients, self._clients, self.models = list(self._clients.values()), {}, {}
            owner = loop()
            if owner is not None:
                registry.pop(owner, None)
            for http in clients:
                await http.aclose()
