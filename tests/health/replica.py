"""One router replica in its own process, driven line by line over stdin (for tests).

    python -m tests.health.replica --base-url URL --redis URL [--failures 3] [--timeout 0.3]

Commands (one per line): ``run`` routes one request and prints a JSON line with the
decision's ranking and exclusions, the attempts and who answered; ``state MODEL`` prints
that model's local breaker state; ``quit`` flushes health to Redis and exits. It prints
``ready`` once the router is built.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from lg_router import ModelCatalog, RoutingError, create_router
from lg_router.health import BreakerPolicy
from lg_router.health.redis import RedisHealth

TASK = "Refactor this Python function to use list comprehensions."
HUNG = "deepseek-v3.2"  # the rules' first choice for TASK; the tests make it hang
ANSWER_TIMEOUT = 10.0  # the healthy models: generous, so a loaded machine never times them out


def catalog_for(base_url: str, hung_timeout: float) -> ModelCatalog:
    """The ``oxlo`` preset at ``base_url``; only the model the tests hang has a short timeout."""
    catalog = ModelCatalog.preset("oxlo").with_endpoint(base_url)
    models = tuple(
        m.model_copy(update={"timeout": hung_timeout}) if m.id == HUNG else m for m in catalog.models
    )
    return catalog.model_copy(update={"models": models})


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--redis", required=True)
    parser.add_argument("--prefix", default="lg-router:health")
    parser.add_argument("--failures", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=0.3, help=f"seconds before {HUNG} times out")
    args = parser.parse_args(argv)
    health = RedisHealth(args.redis, prefix=args.prefix, policy=BreakerPolicy(failures=args.failures))
    catalog = catalog_for(args.base_url, args.timeout)
    graph = create_router(catalog, timeout=ANSWER_TIMEOUT, health=health).compile()
    print("ready", flush=True)
    for line in sys.stdin:
        command = line.split()
        if not command:
            continue
        if command[0] == "quit":
            break
        if command[0] == "state":
            state = health.state(command[1])
            print(json.dumps({"breaker": state.breaker, "reason": state.reason}), flush=True)
            continue
        started = time.perf_counter()
        try:
            out = graph.invoke({"messages": [("user", TASK)]})
            decision, attempts = out["decision"], out["attempts"]
            answered = out["messages"][-1].response_metadata["model_name"]
        except RoutingError as exc:
            decision, attempts, answered = exc.decision, exc.attempts, None
        print(
            json.dumps(
                {
                    "ranked": decision.model_ids if decision else [],
                    "excluded": decision.excluded if decision else {},
                    "attempts": [[a.model_id, a.outcome] for a in attempts],
                    "answered_by": answered,
                    "seconds": time.perf_counter() - started,
                }
            ),
            flush=True,
        )
    health.close()


if __name__ == "__main__":
    main()
