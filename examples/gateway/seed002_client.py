"""Seed 002's code (OfoxAI "Smart Model Routing") run against `lg-router serve`.

The four snippets below are the seed's, unchanged apart from the client's ``base_url``
(and the client construction the seed leaves out). Start the gateway first::

    lg-router serve --catalog examples/gateway/catalog.yaml      # http://127.0.0.1:8000/v1
    LG_ROUTER_GATEWAY_URL=http://127.0.0.1:8000/v1 python examples/gateway/seed002_client.py

``API_KEY`` is your *gateway* key (any value when the gateway runs without keys on
127.0.0.1); the provider's key stays on the gateway.
"""

import os

from openai import OpenAI

client = OpenAI(
    base_url=os.environ.get("LG_ROUTER_GATEWAY_URL", "http://127.0.0.1:8000/v1"),
    api_key=os.environ.get("API_KEY", "none"),
)

# --- Auto Mode -------------------------------------------------------------------------
response = client.chat.completions.create(
    model="auto", messages=[{"role": "user", "content": "Explain quantum computing"}]
)
# Check which model was actually used
print(response.model)  # e.g. "openai/gpt-4o"

# --- Model Pool Configuration (model_routing.py) ---------------------------------------
response = client.chat.completions.create(
    model="auto",
    messages=[{"role": "user", "content": "Help me optimize this code"}],
    extra_body={
        "model_routing_config": {
            "models": ["openai/gpt-4o", "anthropic/claude-sonnet-4.5", "google/gemini-3-flash-preview"],
            "preference": "quality",  # Quality-first
        }
    },
)
print(response.model)

# --- Cost Optimization -----------------------------------------------------------------
# Simple scenario → might select gpt-4o-mini or gemini-3-flash-preview
response = client.chat.completions.create(
    model="auto",
    messages=[{"role": "user", "content": "What day is it today?"}],
    extra_body={"model_routing_config": {"preference": "cost"}},
)
print(response.model)

# --- High Availability -----------------------------------------------------------------
response = client.chat.completions.create(
    model="auto",
    messages=[{"role": "user", "content": "Analyze market trends"}],
    extra_body={
        "model_routing_config": {
            "models": ["openai/gpt-4o", "anthropic/claude-sonnet-4.5", "google/gemini-3.1-pro-preview"],
            "preference": "balanced",
        }
    },
)
print(response.model)
# Not in the seed: what the gateway adds to every response (the ranked decision, attempts).
print("ranked:", [r["model_id"] for r in response.lg_router["decision"]["ranked"]])
print("attempts:", [(a["model_id"], a["outcome"]) for a in response.lg_router["attempts"]])
