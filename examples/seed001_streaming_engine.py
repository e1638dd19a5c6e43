"""Seed 001: the "tiny inference engine" — classify, route, stream — as one LangGraph graph.

What it shows:

* one compiled router graph doing the seed's two stages (classification, streamed
  inference) with no extra classification call: the rules classifier is offline;
* tokens streamed as they arrive from the ``call <model>`` node that is answering
  (``stream_mode=["messages", "values"]``), and the routing decision printed before them;
* the seed's REPL done properly is ``lg-router chat`` (history, Ctrl-C/Ctrl-D, per-turn
  model); this script streams the seed's two sample prompts (or the prompts you pass).

Run it:
    OXLO_API_KEY=...  python examples/seed001_streaming_engine.py ["your prompt" ...]
    LG_ROUTER_BASE_URL=http://127.0.0.1:8080/v1 python examples/seed001_streaming_engine.py
    python examples/seed001_streaming_engine.py     # offline: routing decisions only
"""

from __future__ import annotations

import sys

from langchain_core.messages import HumanMessage, SystemMessage

from lg_router import create_router, route
from lg_router.cli.env import setup

PROMPTS = ["Write a Python function to merge two sorted lists", "Explain the halting problem"]
SYSTEM = "You are a helpful assistant. Answer concisely and accurately."


def stream(graph: object, prompt: str) -> None:
    """Stream one prompt through the router, printing the route, then the tokens."""
    messages = [SystemMessage(SYSTEM), HumanMessage(prompt)]
    final: dict = {}
    announced = False
    for mode, payload in graph.stream({"messages": messages}, stream_mode=["messages", "values"]):  # type: ignore[attr-defined]
        if mode == "values":
            final = payload
            if not announced and payload.get("decision") is not None:
                print(f"\n[Engine routed to {payload['decision'].best}]\n")
                announced = True
            continue
        chunk, meta = payload
        if meta.get("langgraph_node", "").startswith("call ") and isinstance(chunk.content, str):
            print(chunk.content, end="", flush=True)
    answer = final["messages"][-1]
    print(f"\n[answered by {answer.response_metadata['model_name']}, {len(final['attempts'])} attempt(s)]")


def main(argv: list[str]) -> None:
    env = setup("oxlo")
    prompts = argv or PROMPTS
    print("Tiny Inference Engine (lg-router). For an interactive session run: lg-router chat")
    if not env.can_run:
        for prompt in prompts:
            print(f"\nPrompt> {prompt}\n[Engine would route to {route(prompt, catalog=env.catalog).best}]")
        print(f"\nOffline: routing decisions only. To stream answers, {env.hint}.")
        return
    graph = create_router(env.catalog).compile()
    for prompt in prompts:
        print(f"\nPrompt> {prompt}")
        stream(graph, prompt)


if __name__ == "__main__":
    main(sys.argv[1:])
