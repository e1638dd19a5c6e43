"""Seed 004's code ("smart-select" for light tasks) run against `lg-router serve`.

The seed's code, unchanged apart from ``base_url``. Start the gateway first::

    lg-router serve --catalog examples/gateway/catalog.yaml      # http://127.0.0.1:8000/v1
    LG_ROUTER_GATEWAY_URL=http://127.0.0.1:8000/v1 python examples/gateway/seed004_client.py

"Monitor the response metadata" (the seed's step 4): the response's ``model`` is the
catalog id that answered and ``x-lg-router-*`` headers carry the ranked decision; the
lines after the seed's code show both.
"""

import os

from openai import OpenAI

client = OpenAI(
    base_url=os.environ.get("LG_ROUTER_GATEWAY_URL", "http://127.0.0.1:8000/v1"),
    api_key=os.environ.get("API_KEY"),
)


def get_optimized_response(prompt, task_type):
    # Routing logic: use smart-select to automatically pick the cost-effective model
    model_name = "smart-select" if task_type == "light" else "claude-3-sonnet"
    response = client.chat.completions.create(
        model=model_name,
        messages=[{"role": "user", "content": prompt}],
    )
    return response.choices[0].message.content


# Example usage
result = get_optimized_response("Classify this sentiment.", "light")
print(result)

# Not in the seed: the complex path, and the response metadata to monitor.
print(get_optimized_response("Design a multi-step migration plan for our billing system.", "complex"))
for task_type, model_name in (("light", "smart-select"), ("complex", "claude-3-sonnet")):
    raw = client.chat.completions.with_raw_response.create(
        model=model_name, messages=[{"role": "user", "content": "Classify this sentiment."}]
    )
    completion = raw.parse()
    print(
        f"[{task_type}] asked {model_name}: answered by {completion.model}; "
        f"ranked {raw.headers['x-lg-router-ranked']}; attempts {raw.headers['x-lg-router-attempts']}"
    )
