"""Cost per attempt, the thread's running spend, and budgets that act before ranking."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage
from langchain_core.tools import tool
from langgraph.checkpoint.memory import InMemorySaver

from lg_router import ModelCatalog, RunnableRouter, create_router
from lg_router.catalog import Pricing
from lg_router.errors import BudgetExceededError, InvalidOptionError
from lg_router.memory import Budget, attempt_cost, thread_spend
from tests.support.fakes import ScriptedChat, priced_catalog

CATALOG = priced_catalog()
TASK = "Explain what a hash map is."


def chats(usage: tuple[int, int] = (1000, 500), **kw) -> dict[str, ScriptedChat]:
    return {m: ScriptedChat(name_=m, reply=f"answer from {m}", usage=usage, **kw) for m in CATALOG.ids}


def test_attempt_cost_keeps_input_output_and_flat_prices_apart() -> None:
    per_token = Pricing(currency="EUR", input_per_million=2.0, output_per_million=8.0)
    got = attempt_cost(per_token, {"input_tokens": 1000, "output_tokens": 500})
    assert got == {
        "input_tokens": 1000,
        "output_tokens": 500,
        "currency": "EUR",
        "input_cost": pytest.approx(0.002),
        "output_cost": pytest.approx(0.004),
        "cost": pytest.approx(0.006),
    }
    flat = attempt_cost(Pricing(per_request=0.01), {"input_tokens": 3, "output_tokens": 4})
    assert flat["request_cost"] == 0.01 and flat["cost"] == 0.01 and "input_cost" not in flat
    unknown = attempt_cost(Pricing(), {"input_tokens": 3, "output_tokens": 4})
    assert unknown["cost"] is None and unknown["currency"] is None and "input_cost" not in unknown
    partial = attempt_cost(Pricing(input_per_million=1.0), {"input_tokens": 10, "output_tokens": 4})
    assert partial["input_cost"] == pytest.approx(1e-5) and "output_cost" not in partial
    assert attempt_cost(Pricing(free_tier=True), {"input_tokens": 1, "output_tokens": 1})["cost"] == 0.0
    assert attempt_cost(per_token, None) == {"cost": None}


def test_an_answered_attempt_records_tokens_and_cost_and_the_state_keeps_the_spend() -> None:
    app = create_router(CATALOG, chat_models=chats(), models=["standard"]).compile(
        checkpointer=InMemorySaver()
    )
    cfg = {"configurable": {"thread_id": "t"}}
    out = app.invoke({"messages": [("user", TASK)]}, cfg)
    attempt = out["attempts"][-1]
    assert (attempt.input_tokens, attempt.output_tokens, attempt.currency) == (1000, 500, "USD")
    assert attempt.input_cost == pytest.approx(0.003) and attempt.output_cost == pytest.approx(0.003)
    assert out["spend"]["cost"] == {"USD": pytest.approx(0.006)}
    out = app.invoke({"messages": [("user", "And a linked list?")]}, cfg)
    assert out["spend"]["calls"] == 2 and out["spend"]["cost"]["USD"] == pytest.approx(0.012)
    assert out["spend"]["input_tokens"] == 2000 and out["spend"]["output_tokens"] == 1000


def test_unknown_prices_stay_unknown_in_the_spend() -> None:
    catalog = ModelCatalog.from_dict({"base_url": "http://127.0.0.1:9/v1", "models": {"m": {}}})
    out = (
        create_router(catalog, chat_models={"m": ScriptedChat(name_="m")})
        .compile()
        .invoke({"messages": [("user", TASK)]})
    )
    assert out["attempts"][-1].cost is None
    assert out["spend"]["cost"] == {} and out["spend"]["unpriced"] == 1


def test_a_budget_removes_unaffordable_models_before_ranking_and_says_so() -> None:
    # ≈5,000 input tokens cost 0.15 USD on premium; 256 output tokens another 0.015
    task = "the word " * 2222  # English: 4 characters a token
    out = (
        create_router(CATALOG, chat_models=chats(), budget=0.01, preference="quality")
        .compile()
        .invoke({"messages": [("user", task)]})
    )
    decision = out["decision"]
    assert "premium" not in decision.model_ids
    why = decision.excluded["premium"]
    assert why.startswith("budget: ≈0.16") and why.endswith("USD for this call > 0.01 USD left")
    assert any(c.startswith("budget 0.01 USD per thread: 0.01 USD left") for c in decision.constraints)


def test_nothing_affordable_raises_before_any_call() -> None:
    models = chats()
    app = create_router(CATALOG, chat_models=models, budget=Budget(cost=0.00001)).compile()
    with pytest.raises(BudgetExceededError) as info:
        app.invoke({"messages": [("user", TASK)]})
    assert set(info.value.excluded) == set(CATALOG.ids)
    assert "0.00001 USD per thread" in str(info.value) or "1e-05 USD per thread" in str(info.value)
    assert not any(m.calls for m in models.values())


def test_a_thread_budget_counts_what_the_thread_spent() -> None:
    app = create_router(CATALOG, chat_models=chats(), budget={"tokens": 3200}).compile(
        checkpointer=InMemorySaver()
    )
    cfg = {"configurable": {"thread_id": "t"}}
    app.invoke({"messages": [("user", TASK)]}, cfg)  # 1,500 tokens
    app.invoke({"messages": [("user", "More?")]}, cfg)  # 3,000: 200 left < ≈290 for a call
    with pytest.raises(BudgetExceededError, match="3,000 tokens in 2 call"):
        app.invoke({"messages": [("user", "And more?")]}, cfg)
    # per run: each call on its own
    per_run = create_router(CATALOG, chat_models=chats(), budget={"tokens": 3200, "per": "run"}).compile(
        checkpointer=InMemorySaver()
    )
    for text in ("a", "b", "c"):
        per_run.invoke({"messages": [("user", text)]}, cfg)


def test_the_budget_can_come_per_call_and_reads_an_agents_conversation() -> None:
    router = RunnableRouter(CATALOG, chat_models=chats())
    spent = AIMessage(
        "earlier",
        response_metadata={
            "model_name": "premium",
            "attempts": [{"outcome": "ok", "model_id": "premium", "cost": 0.05, "currency": "USD"}],
        },
    )
    history = [("human", "hi"), spent, ("human", TASK)]
    assert thread_spend(None, [spent])["cost"] == {"USD": 0.05}
    out = router.invoke(history, budget=0.06, preference="quality")  # 0.01 left
    assert out.response_metadata["model_name"] != "premium"
    assert "premium" in out.response_metadata["decision"]["excluded"]
    thread = out.response_metadata["decision"]["thread"]
    assert thread.startswith("left premium (the thread's model since turn 1): budget:")
    with pytest.raises(BudgetExceededError):
        router.invoke(history, budget=0.05)


def test_money_budgets_and_prices_that_cannot_be_compared() -> None:
    mixed = ModelCatalog.from_dict(
        {
            "base_url": "http://127.0.0.1:9/v1",
            "models": {
                "eur": {"pricing": {"currency": "EUR", "input_per_million": 1}},
                "usd": {"pricing": {"currency": "USD", "input_per_million": 1}},
                "unknown": {},
            },
        }
    )
    models = {m: ScriptedChat(name_=m) for m in mixed.ids}
    with pytest.raises(InvalidOptionError, match="give the budget a currency"):
        create_router(mixed, chat_models=models, budget=1.0).compile().invoke({"messages": [("user", TASK)]})
    out = (
        create_router(mixed, chat_models=models, budget=Budget(cost=1.0, currency="EUR"))
        .compile()
        .invoke({"messages": [("user", TASK)]})
    )
    assert out["decision"].model_ids == ["eur"]
    assert out["decision"].excluded["usd"] == "budget: priced in USD, the budget is in EUR"
    assert "price is unknown" in out["decision"].excluded["unknown"]


@pytest.mark.parametrize(
    ("value", "match"),
    [
        ({}, "needs cost="),
        (-1, "must be a number >= 0"),
        ({"cost": 1, "per": "day"}, "per= must be"),
        ({"money": 1}, "unknown budget keys"),
        ("10 USD", "must be a number, a mapping or a Budget"),
        (True, "must be a number"),
    ],
)
def test_bad_budgets_are_typed_errors(value: object, match: str) -> None:
    with pytest.raises(InvalidOptionError, match=match):
        create_router(CATALOG, budget=value)  # type: ignore[arg-type]


@tool
def search(query: str) -> str:
    """Search the web."""
    return f"results for {query}"


def test_an_agent_with_a_budget_degrades_to_cheaper_models_then_stops() -> None:
    from langchain.agents import create_agent

    # each call reports 100 in + 200 out tokens (under the router's estimate: the
    # conversation's tokens + the 256-token output budget): premium 0.015 USD a call,
    # standard 0.0015, budget 0.00015
    models = chats(usage=(100, 200), tool_args={"query": "q"}, tool_loop=True)  # never stops by itself
    router = RunnableRouter(CATALOG, chat_models=models, preference="quality", budget=0.02)
    agent = create_agent(router, [search])
    with pytest.raises(BudgetExceededError, match="cannot afford any candidate model"):
        agent.invoke({"messages": [("human", "Research hash maps.")]}, {"recursion_limit": 200})
    by_model = {m: len(models[m].calls) for m in CATALOG.ids}
    assert by_model["premium"] == 1  # 0.015 spent; 0.005 left cannot pay premium's next call
    assert by_model["standard"] >= 1 and by_model["budget"] >= 1  # then cheaper, then cheapest
    order = [
        m for _, m in sorted((len(c["messages"]), name) for name in CATALOG.ids for c in models[name].calls)
    ]
    assert order == sorted(order, key=["premium", "standard", "budget"].index)  # only ever down
    total = by_model["premium"] * 0.015 + by_model["standard"] * 0.0015 + by_model["budget"] * 0.00015
    assert total <= 0.02


def test_attempts_that_used_tokens_count_even_without_an_answer() -> None:
    from lg_router.decision import Attempt
    from lg_router.memory import spend_of

    hedged = Attempt(
        model_id="premium", outcome="hedged", seconds=0.1, input_tokens=100, output_tokens=4,
        cost=0.01, currency="USD",
    )  # fmt: skip
    failed = Attempt(model_id="budget", outcome="error", seconds=0.1)  # no tokens: nothing spent
    ok = Attempt(model_id="standard", outcome="ok", seconds=0.1, input_tokens=10, output_tokens=5)
    spent = spend_of([hedged, failed, ok])
    assert spent["calls"] == 2 and spent["cost"] == {"USD": 0.01} and spent["unpriced"] == 1
    assert (spent["input_tokens"], spent["output_tokens"]) == (110, 9)
