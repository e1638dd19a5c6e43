"""Seed 004: the light / complex split, with a caller's tag or decided per request.

What it shows:

* a task tagged ``light`` is restricted to the light tier, a task tagged ``complex`` to the
  complex tier — through the run's candidate pool (``configurable={"models": [...]}``),
  so one compiled graph serves both, and the top-ranked model can still fall back
  within the tier;
* an untagged task is routed by the classifier over the whole catalog;
* the seed's "monitor the response metadata to verify the correct model": each answer's
  ``response_metadata["model_name"]`` is checked against the tier it should come from.

Run it:
    AICREDITS_API_KEY=...  python examples/seed004_light_complex.py
    LG_ROUTER_BASE_URL=http://127.0.0.1:8080/v1 python examples/seed004_light_complex.py
    python examples/seed004_light_complex.py         # offline: routing decisions only
"""

from __future__ import annotations

from lg_router import create_router, route
from lg_router.cli.env import setup

TASKS = [
    ("Classify this sentiment: 'I love the new dashboard.'", "light"),
    ("Design the architecture of a multi-tenant billing system with event sourcing.", "complex"),
    ("Extract the dates mentioned in: 'We met on 3 May and again on 9 June.'", None),
    ("Compare three strategies for sharding a Postgres database and recommend one.", None),
]


def main() -> None:
    env = setup("tiers")
    catalog = env.catalog
    pools = {
        "light": [m.id for m in catalog.models if m.tier in ("simple", "medium")],
        "complex": [m.id for m in catalog.models if m.tier == "complex"],
    }
    graph = create_router(catalog).compile() if env.can_run else None
    for task, tag in TASKS:
        pool = pools.get(tag) if tag else None
        decision = route(task, catalog=catalog, models=pool)
        print(f"\n[{tag or 'auto'}] {task}")
        print(f"  route: {' > '.join(decision.model_ids)} ({decision.category})")
        if graph is None:
            continue
        result = graph.invoke({"messages": [("user", task)]}, {"configurable": {"models": pool}})
        answer = result["messages"][-1]
        used = answer.response_metadata["model_name"]
        allowed = pool or catalog.ids
        verdict = "as expected" if used in allowed else "OUTSIDE THE TIER"
        print(f"  answered by {used} (tier {catalog[used].tier}): {verdict}")
        print(f"  answer: {str(answer.content)[:100]}")
    if graph is None:
        print(f"\nOffline: routing decisions only. To run the models, {env.hint}.")


if __name__ == "__main__":
    main()
