"""Choosing a catalog and an endpoint from options and environment variables.

Shared by the CLI, the examples and ``graphs/router.py`` so they all read the same
variables:

* ``LG_ROUTER_CATALOG``: a preset name (``oxlo``, ``tiers``) or a YAML file.
* ``LG_ROUTER_BASE_URL``: send every model to this OpenAI-compatible endpoint (a local
  llama.cpp / vLLM server, a gateway). It wins over the catalog's own endpoint.
* ``LG_ROUTER_API_KEY_ENV``: the env var holding that endpoint's key. Without it no key
  is sent there (the catalog's provider key stays with the provider's own endpoint).
* ``LG_ROUTER_REDIS_URL``: share routing decisions between processes through this Redis.

Explicit arguments win over these variables.

Nothing here opens a connection or reads a key's value except :func:`missing_key`,
which only checks whether the variable is set.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from lg_router.catalog import (
    API_KEY_ENV_ENV,
    BASE_URL_ENV,
    CATALOG_ENV,
    DEFAULT_CATALOG,
    ModelCatalog,
    preset_names,
    resolve_catalog,
)
from lg_router.errors import CatalogError, MissingAPIKeyError

__all__ = [
    "API_KEY_ENV_ENV",
    "BASE_URL_ENV",
    "CATALOG_ENV",
    "DEFAULT_CATALOG",
    "Setup",
    "is_loopback",
    "load_catalog",
    "missing_key",
    "setup",
]

Mode = Literal["local", "provider", "offline"]


@dataclass(frozen=True)
class Setup:
    """A catalog ready to use, and how its models would be reached.

    Attributes:
        catalog: the catalog, with the endpoint override applied.
        mode: ``local`` (an endpoint given by option or ``LG_ROUTER_BASE_URL``),
            ``provider`` (the catalog's own endpoint and its key is set) or ``offline``
            (no key: only routing decisions can be made).
        hint: for ``offline``, what to set to run the models.
    """

    catalog: ModelCatalog
    mode: Mode
    hint: str = ""

    @property
    def can_run(self) -> bool:
        """Whether the models can be called (an endpoint that needs no key, or a key)."""
        return self.mode != "offline"


def load_catalog(
    name_or_path: str | None = None,
    *,
    base_url: str | None = None,
    api_key_env: str | None = None,
) -> ModelCatalog:
    """The catalog named by the argument or ``LG_ROUTER_CATALOG``, endpoint applied.

    The same rule as :func:`lg_router.catalog.resolve_catalog` (which the library's
    entry points use), with a friendlier message for a name that is neither a preset
    nor a file.

    Args:
        name_or_path: a preset name or YAML path; ``None`` reads ``LG_ROUTER_CATALOG``
            (default ``oxlo``).
        base_url: an OpenAI-compatible endpoint for every model; ``None`` reads
            ``LG_ROUTER_BASE_URL`` (unset keeps the catalog's endpoints).
        api_key_env: env var with that endpoint's key; ``None`` reads
            ``LG_ROUTER_API_KEY_ENV``; unset sends no key to that endpoint (see
            :meth:`ModelCatalog.with_endpoint`).

    Raises:
        CatalogError: unknown preset, unreadable or invalid file.
    """
    name = name_or_path or os.environ.get(CATALOG_ENV) or DEFAULT_CATALOG
    if name not in preset_names() and not Path(name).expanduser().exists():
        msg = f"unknown catalog '{name}': not a preset ({', '.join(preset_names())}) and no such file"
        raise CatalogError(msg)
    source = name if name in preset_names() else Path(name).expanduser()
    return resolve_catalog(source, base_url=base_url, api_key_env=api_key_env)


def is_loopback(url: str) -> bool:
    """Whether ``url`` is a local server (which needs no API key)."""
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def missing_key(catalog: ModelCatalog, model_id: str) -> MissingAPIKeyError | None:
    """The error to report if ``model_id`` needs a key that is not set, else ``None``."""
    base_url, env = catalog.endpoint(model_id)
    if env and not os.environ.get(env) and not is_loopback(base_url):
        return MissingAPIKeyError(model_id, env)
    return None


def setup(
    name_or_path: str | None = None,
    *,
    base_url: str | None = None,
    api_key_env: str | None = None,
) -> Setup:
    """Load a catalog (see :func:`load_catalog`) and say whether its models can run."""
    catalog = load_catalog(name_or_path, base_url=base_url, api_key_env=api_key_env)
    if base_url or os.environ.get(BASE_URL_ENV):
        missing = missing_key(catalog, catalog.fallback_default)
        if missing is None:
            return Setup(catalog, "local")
        return Setup(catalog, "offline", f"set {missing.env_var} (the key of {catalog.base_url})")
    errors = [e for e in (missing_key(catalog, m) for m in catalog.ids) if e is not None]
    if not errors:
        return Setup(catalog, "provider")
    env_vars = sorted({e.env_var for e in errors})
    hint = (
        f"set {' and '.join(env_vars)} to call {catalog.name}'s models, or set "
        f"{BASE_URL_ENV} to a local OpenAI-compatible server (e.g. http://127.0.0.1:8080/v1)"
    )
    return Setup(catalog, "offline", hint)


# -- memory: the decision cache of the CLI and graphs/router.py ---------------------------
REDIS_URL_ENV = "LG_ROUTER_REDIS_URL"


def decision_cache() -> Any:
    """The decision cache from the environment: Redis if ``LG_ROUTER_REDIS_URL`` is set.

    Returns ``True`` (the router's bounded in-memory cache) otherwise. Connecting is lazy:
    no connection is opened until the first decision.
    """
    url = os.environ.get(REDIS_URL_ENV)
    if not url:
        return True
    from lg_router.memory.cache import redis_cache

    try:
        return redis_cache(url, what=f"{REDIS_URL_ENV} (set)")
    except ImportError as exc:
        raise CatalogError(str(exc)) from None
