"""Seed 003: the cost-tier router (simple / medium / complex), rules and LLM classifiers.

What it shows:

* the ``tiers`` preset (GPT-4o Mini, Claude 3.5 Haiku, Claude 3.5 Sonnet with the seed's
  INR prices) routed by the offline **rules** classifier, with a reason per model;
* the seed's "measuring routing quality" as numbers, offline: accuracy of the rules
  router on a small labelled set and the estimated input cost against sending everything
  to the complex tier;
* the **LLM** classifier (the seed's ``llm_route``), here GPT-4o Mini filling a schema whose
  ``model_id`` is an enum of the catalog ids, checked against the hard constraints; if it
  fails, the decision falls back to the rules (the note says so).

Run it:
    AICREDITS_API_KEY=...  python examples/seed003_cost_tiers.py
    LG_ROUTER_BASE_URL=http://127.0.0.1:8080/v1 python examples/seed003_cost_tiers.py
    python examples/seed003_cost_tiers.py            # offline: rules routing and the evaluation
"""

from __future__ import annotations

from lg_router import LLMClassifier, create_router, route
from lg_router.cli.env import setup
from lg_router.models import ModelProvider

LABELLED = [  # (prompt, the tier a person would pick)
    ("Classify as positive or negative: 'The product arrived on time.'", "simple"),
    ("Extract the email addresses from: write to ana@example.com or bo@example.org", "simple"),
    ("Is Paris the capital of France? Answer yes or no.", "simple"),
    ("Label this ticket as bug, feature or question: 'The app crashes on login.'", "simple"),
    ("Analyse the tradeoffs of microservices vs monolith for a 5-person startup.", "complex"),
    ("Refactor this Python class to use dependency injection and explain the design.", "complex"),
    ("Debug why this recursive function overflows the stack for large inputs.", "complex"),
    ("Prove that the square root of 2 is irrational, step by step.", "complex"),
]
COMPLEX = "anthropic/claude-3-5-sonnet-20241022"


def main() -> None:
    env = setup("tiers")
    catalog = env.catalog
    print("Rules router (offline, no classification call):")
    correct, routed_cost, complex_cost = 0, 0.0, 0.0
    for prompt, expected in LABELLED:
        decision = route(prompt, catalog=catalog)
        tier = catalog[decision.best].tier
        correct += tier == expected
        routed_cost += catalog[decision.best].pricing.estimate(decision.input_tokens, 0) or 0.0
        complex_cost += catalog[COMPLEX].pricing.estimate(decision.input_tokens, 0) or 0.0
        mark = "ok " if tier == expected else "MISS"
        print(f"  {mark} {tier:7} {decision.best:38} <- {prompt[:60]}")
    saved = 1 - routed_cost / complex_cost if complex_cost else 0.0
    print(
        f"Accuracy {correct}/{len(LABELLED)}; estimated input cost {saved:.0%} lower "
        "than sending every prompt to the complex tier."
    )

    if not env.can_run:
        print(f"\nOffline: the LLM classifier and the models need an endpoint; {env.hint}.")
        return
    judge = ModelProvider(catalog).get("openai/gpt-4o-mini")
    classifier = LLMClassifier(judge)
    print("\nLLM router (GPT-4o Mini fills the routing schema):")
    graph = create_router(catalog, classifier=classifier).compile()
    for prompt, _ in LABELLED[:1] + LABELLED[4:5]:
        result = graph.invoke({"messages": [("user", prompt)]})
        decision, answer = result["decision"], result["messages"][-1]
        print(f"  {prompt[:60]}")
        print(f"    classifier: {decision.classifier}; ranked: {' > '.join(decision.model_ids)}")
        if decision.note:
            print(f"    note: {decision.note}")
        print(f"    answered by {answer.response_metadata['model_name']}: {str(answer.content)[:100]}")


if __name__ == "__main__":
    main()
