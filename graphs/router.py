"""The lg-router graph for LangGraph Studio / ``langgraph dev`` (see ``langgraph.json``).

Built once at import, from the environment:

* ``LG_ROUTER_CATALOG``: preset name (``oxlo``, ``tiers``) or YAML file; default ``oxlo``.
* ``LG_ROUTER_BASE_URL``: send every model to this OpenAI-compatible endpoint (a local
  llama.cpp server, a gateway); unset keeps the catalog's own endpoint and key.
* ``LG_ROUTER_API_KEY_ENV``: the env var holding that endpoint's key; without it no key
  is sent there (the catalog's provider key only goes to the provider's endpoint).
* ``LG_ROUTER_CLASSIFIER``: ``semantic``, ``learned``, ``rules``, ``llm`` or ``hybrid``;
  default the best offline classifier installed (``semantic`` with its extra, else ``learned``).
* ``LG_ROUTER_REDIS_URL``: share routing decisions between replicas through this Redis
  (default: each process caches its own decisions in memory).

Run-scoped options (preference, candidate pool, timeout) are the graph's context,
editable in Studio's run settings.
"""

from __future__ import annotations

from lg_router.cli.env import decision_cache, load_catalog, missing_key
from lg_router.graph import create_router
from lg_router.models import ModelProvider
from lg_router.routing import default_classifier_name

catalog = load_catalog()

# Build the chat models now, outside the server's event loop (creating an HTTP client
# loads TLS certificates, a blocking call the dev server refuses inside async code).
# Models whose key is missing stay lazy and report the missing env var when called.
_provider = ModelProvider(catalog)
chat_models = {m: _provider.get(m) for m in catalog.ids if missing_key(catalog, m) is None}

graph = create_router(
    catalog,
    classifier=default_classifier_name(),
    chat_models=chat_models,
    decision_cache=decision_cache(),
).compile(name="lg-router")
