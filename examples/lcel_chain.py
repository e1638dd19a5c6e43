"""RunnableRouter in an LCEL chain: swap ``ChatOpenAI(...)`` for ``RunnableRouter(...)``.

What it shows:

* ``prompt | RunnableRouter(catalog=...) | StrOutputParser()`` with ``invoke``,
  ``stream`` (tokens as the chosen model produces them), ``batch`` (concurrent,
  ``max_concurrency``) and ``ainvoke``;
* which model answered, why, and what it cost in tokens: the answer's
  ``response_metadata["model_name"]``, ``["decision"]``, ``["attempts"]`` and
  ``usage_metadata``;
* per-call routing options (seed 002's ``model_routing_config``) through
  ``config={"configurable": {...}}`` and ``.with_config(...)``;
* ``with_structured_output(Schema)``: routed only among models that can produce it.

Run it:
    LG_ROUTER_BASE_URL=http://127.0.0.1:8080/v1 python examples/lcel_chain.py  # a local server
    OXLO_API_KEY=...  python examples/lcel_chain.py                              # Oxlo.ai
    python examples/lcel_chain.py          # neither: says what to set, exits 0
"""

from __future__ import annotations

import asyncio

from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from pydantic import BaseModel, Field

from lg_router import RunnableRouter
from lg_router.cli.env import setup


class Verdict(BaseModel):
    """A one-line code review."""

    language: str = Field(description="programming language of the snippet")
    verdict: str = Field(description="one sentence")


def main() -> None:
    env = setup("oxlo")
    if not env.can_run:
        print(f"This example calls models. To run it, {env.hint}.")
        return
    router = RunnableRouter(env.catalog)
    prompt = ChatPromptTemplate.from_messages([("system", "Be brief."), ("human", "{question}")])

    # 1. invoke: the answer says which model answered and why
    answer = (prompt | router).invoke({"question": "Refactor this Python loop into a comprehension."})
    decision = answer.response_metadata["decision"]
    print(
        f"answered by {answer.response_metadata['model_name']} "
        f"(ranked {[r['model_id'] for r in decision['ranked']]}, category {decision['category']})"
    )
    print(f"  {answer.content}")
    print(f"  usage: {answer.usage_metadata}")

    # 2. stream through a parser: tokens as they are produced
    chain = prompt | router | StrOutputParser()
    print("stream: ", end="", flush=True)
    for token in chain.stream({"question": "Write a haiku about routers."}):
        print(token, end="", flush=True)
    print()

    # 3. per-call routing options (pool and preference), no new router
    cheap = chain.with_config(configurable={"preference": "cost", "models": ["qwen-3-32b", "llama-3.3-70b"]})
    print(f"cost, pool of two: {cheap.invoke({'question': 'What day is it today?'})}")

    # 4. batch, two at a time
    questions = [{"question": q} for q in ("Bonjour !", "Explain recursion.", "Sum 2+2.")]
    for reply in chain.batch(questions, config={"max_concurrency": 2}):
        print(f"batch: {reply}")

    # 5. structured output, routed only among models that support it
    review = router.with_structured_output(Verdict)
    verdict = asyncio.run(review.ainvoke("Review: def f(x): return x*2"))
    print(f"structured: {verdict!r}")


if __name__ == "__main__":
    main()
