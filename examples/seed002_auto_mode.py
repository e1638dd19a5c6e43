"""Seed 002: ``model="auto"`` with a candidate pool and a preference, with lg-router.

What it shows:

* a candidate pool (``models``) and each preference (balanced, quality, speed, cost)
  changing the ranked top 3 for the same task, with the reason for every position;
* the pool and preference as *run-scoped* options of one compiled graph
  (``config={"configurable": {...}}``), not a rebuilt router;
* "check which model was actually used": the answer's ``response_metadata["model_name"]``;
* "high availability": the ranking below the first place is the fallback chain.

Run it:
    OXLO_API_KEY=...  python examples/seed002_auto_mode.py
    LG_ROUTER_BASE_URL=http://127.0.0.1:8080/v1 python examples/seed002_auto_mode.py
    python examples/seed002_auto_mode.py             # offline: routing decisions only
"""

from __future__ import annotations

from lg_router import create_router, route
from lg_router.cli.env import setup

POOL = ["llama-3.3-70b", "deepseek-v3.2", "kimi-k2.6"]
PREFERENCES = ("balanced", "quality", "speed", "cost")


def main() -> None:
    env = setup("oxlo")
    task = "Help me optimize this code"
    print(f"Task: {task!r}  pool: {POOL}")
    for preference in PREFERENCES:
        decision = route(task, catalog=env.catalog, models=POOL, preference=preference)
        print(f"  {preference:8} -> {' > '.join(decision.model_ids)}")
        print(f"             {decision.ranked[0].justification}")

    cheap = route("What day is it today?", catalog=env.catalog, preference="cost")
    print(f"Simple question, preference=cost -> {cheap.best} ({cheap.ranked[0].justification})")

    if not env.can_run:
        print(f"\nOffline: routing decisions only. To run the models, {env.hint}.")
        return
    graph = create_router(env.catalog).compile()
    runs = [
        ("Explain quantum computing", {}),
        ("Help me optimize this code", {"models": POOL, "preference": "quality"}),
        ("What day is it today?", {"preference": "cost"}),
        ("Analyze market trends", {"models": POOL, "preference": "balanced"}),
    ]
    for prompt, options in runs:
        result = graph.invoke({"messages": [("user", prompt)]}, {"configurable": options})
        answer = result["messages"][-1]
        chain = " > ".join(result["decision"].model_ids)
        print(f"\n{prompt!r} {options or '(auto)'}")
        print(f"  model used: {answer.response_metadata['model_name']}  (fallback chain: {chain})")
        print(f"  answer: {str(answer.content)[:120]}")


if __name__ == "__main__":
    main()
