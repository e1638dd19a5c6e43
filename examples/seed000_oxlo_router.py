"""Seed 000: the Oxlo.ai four-model router, with its three tasks, done with lg-router.

What it shows:

* the ``oxlo`` preset (Llama 3.3 70B, Qwen 3 32B, DeepSeek V3.2, Kimi K2.6) routed by the
  offline rules classifier: no routing call, a ranked top 3 with a reason per model;
* the seed's own "next step": the second- and third-ranked models are the fallback chain
  taken on a timeout or retryable error, inside one LangGraph graph;
* the long-context task really carries a generated ~120K-token server log, so the
  context-window check is done on the real input (Qwen's 32K window is excluded).

Run it:
    OXLO_API_KEY=...  python examples/seed000_oxlo_router.py                # Oxlo.ai
    LG_ROUTER_BASE_URL=http://127.0.0.1:8080/v1 python examples/seed000_oxlo_router.py
    python examples/seed000_oxlo_router.py          # offline: routing decisions only
"""

from __future__ import annotations

import random

from lg_router import create_router, route
from lg_router.cli.env import setup
from lg_router.tokens import text_tokens

TASKS = [
    "Refactor this Python function to use list comprehensions.",
    "Write a formal business email in Japanese requesting a meeting.",
    "Analyze this 120K token server log and summarize the top errors.",
]
SERVICES = ("api-gateway", "auth", "billing", "db-pool", "search", "worker")
ERRORS = (
    "connection reset by peer",
    "upstream timed out after 30s",
    "deadlock detected while updating row",
    "certificate verify failed",
    "out of memory: killed process",
    "HTTP 503 from payment provider",
)


def server_log(tokens: int = 120_000, seed: int = 0) -> str:
    """A deterministic, realistic-looking server log of about ``tokens`` tokens.

    Sized by lg-router's own estimate: timestamps and hex ids make a log about 2 characters
    a token for real tokenizers, not the 4 of English prose.
    """
    rng = random.Random(seed)
    lines: list[str] = []
    while len(lines) % 100 or text_tokens("\n".join(lines)) < tokens:
        level = rng.choices(("INFO", "WARN", "ERROR"), weights=(6, 2, 2))[0]
        message = rng.choice(ERRORS) if level != "INFO" else f"handled request in {rng.randint(3, 900)}ms"
        line = (
            f"2025-03-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:"
            f"{rng.randint(0, 59):02d}Z {level:5} [{rng.choice(SERVICES)}] {message} "
            f"req={rng.getrandbits(40):010x}"
        )
        lines.append(line)
    return "\n".join(lines)


def main() -> None:
    env = setup("oxlo")
    tasks = [*TASKS[:2], f"{TASKS[2]}\n\n{server_log()}"]
    graph = create_router(env.catalog).compile() if env.can_run else None
    for title, task in zip(TASKS, tasks, strict=True):
        decision = route(task, catalog=env.catalog)
        print(f"\nTask: {title}")
        print(f"Routing to: {decision.best}  (fallbacks: {', '.join(decision.model_ids[1:]) or 'none'})")
        print(f"  why: {decision.ranked[0].justification}")
        print(f"  category: {decision.category}, input ≈{decision.input_tokens:,} tokens")
        for model_id, why in decision.excluded.items():
            print(f"  excluded {model_id}: {why}")
        if graph is None:
            continue
        result = graph.invoke({"messages": [("user", task)]})
        answer = result["messages"][-1]
        print(
            f"Answered by: {answer.response_metadata['model_name']} "
            f"after {len(result['attempts'])} attempt(s)"
        )
        print(f"Result snippet: {str(answer.content)[:200]}...")
    if graph is None:
        print(f"\nOffline: routing decisions only. To run the models, {env.hint}.")


if __name__ == "__main__":
    main()
