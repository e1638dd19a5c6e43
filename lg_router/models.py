"""Chat models per catalog entry, built lazily (no network or env access until first use)."""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
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
        self._models: dict[str, BaseChatModel] = dict(overrides or {})
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"ModelProvider(catalog={self.catalog.name!r}, built={sorted(self._models)})"

    def get(self, model_id: str) -> BaseChatModel:
        """The chat model for ``model_id``, building it on first use.

        Raises:
            MissingAPIKeyError: the model's key env var is not set (remote endpoints).
        """
        model = self._models.get(model_id)
        if model is None:
            with self._lock:
                model = self._models.get(model_id) or self._build(model_id)
                self._models[model_id] = model
        return model

    def _build(self, model_id: str) -> BaseChatModel:
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
        return redacting(ChatOpenAI)(**kwargs)  # registers its key; scrubs it from failures
