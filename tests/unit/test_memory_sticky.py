"""Thread stickiness: tool results go back to the caller's model; follow-ups escalate, never downgrade."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.tools import tool
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import START, MessagesState, StateGraph

from lg_router import RunnableRouter, create_router
from lg_router.cli.render import decision_facts
from lg_router.decision import RoutingDecision
from lg_router.errors import InvalidOptionError
from lg_router.memory import thread_model
from tests.support.fakes import ScriptedChat, ScriptedFailure, ToolResultRerouter, priced_catalog

CATALOG = priced_catalog()
IMAGE = {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}
CODE = "Refactor this Python function and add type hints:\n\ndef f(x):\n    return [i*2 for i in x]\n"


@tool
def lookup(city: str) -> str:
    """Look up a city."""
    return f"{city}: 20C"


def chats(**overrides) -> dict[str, ScriptedChat]:
    return {
        m: ScriptedChat(
            name_=m, reply=f"answer from {m}", tool_args={"city": "Paris"}, **overrides.get(m, {})
        )
        for m in CATALOG.ids
    }


def answer(model_id: str, text: str = "ok", **kw) -> AIMessage:
    return AIMessage(text, response_metadata={"model_name": model_id}, **kw)


def tool_turn(model_id: str) -> list:
    call = {"name": "lookup", "args": {"city": "Paris"}, "id": "call_1"}
    return [
        HumanMessage("What is the weather in Paris?"),
        answer(model_id, "", tool_calls=[call]),
        ToolMessage("Paris: 20C", tool_call_id="call_1"),
    ]


def test_thread_model_reads_the_conversation() -> None:
    msgs = [HumanMessage("a"), answer("budget"), HumanMessage("b"), answer("premium"), HumanMessage("c")]
    msgs += [answer("premium"), HumanMessage("d")]
    found = thread_model(msgs, CATALOG)
    assert (found.model_id, found.since_turn, found.turn, found.tool_turn) == ("premium", 2, 4, False)
    assert thread_model([HumanMessage("a"), AIMessage("not routed")], CATALOG) is None
    assert thread_model(tool_turn("budget"), CATALOG).tool_turn is True


def test_a_tool_result_goes_back_to_the_model_that_issued_the_call() -> None:
    router = RunnableRouter(CATALOG, chat_models=chats()).bind_tools([lookup])
    # routed afresh with preference=cost this turn would go to the cheapest model
    out = router.invoke(tool_turn("premium"), preference="cost")
    decision = out.response_metadata["decision"]
    assert out.response_metadata["model_name"] == "premium"
    assert decision["thread"] == "kept from turn 1: premium issued the tool calls this turn answers"
    off = RunnableRouter(CATALOG, chat_models=chats(), sticky="off").bind_tools([lookup])
    assert off.invoke(tool_turn("premium"), preference="cost").response_metadata["model_name"] != "premium"


def test_a_failing_tool_caller_falls_back_normally() -> None:
    models = chats(premium={"fail": ScriptedFailure("down")})
    out = RunnableRouter(CATALOG, chat_models=models).bind_tools([lookup]).invoke(tool_turn("premium"))
    attempts = out.response_metadata["attempts"]
    assert attempts[0]["model_id"] == "premium" and attempts[0]["outcome"] == "error"
    assert out.response_metadata["model_name"] == attempts[-1]["model_id"] != "premium"


@pytest.mark.parametrize("sticky", ["escalate", "off"])
def test_an_agent_tool_loop_stays_on_one_model(sticky: str) -> None:
    from langchain.agents import create_agent

    models = chats()
    router = RunnableRouter(CATALOG, chat_models=models, classifier=ToolResultRerouter(), sticky=sticky)
    result = create_agent(router, [lookup]).invoke({"messages": [("human", "Weather in Paris?")]})
    answers = [m for m in result["messages"] if isinstance(m, AIMessage)]
    assert len(answers) == 2 and answers[0].tool_calls
    used = [m.response_metadata["model_name"] for m in answers]
    if sticky == "off":
        assert used[0] != used[1]  # without stickiness the tool result went to another model
        return
    assert used[0] == used[1]
    assert answers[1].response_metadata["decision"]["thread"].startswith("kept from turn 1")
    assert len(models[used[0]].calls) == 2 and sum(len(m.calls) for m in models.values()) == 2


def test_an_easier_follow_up_keeps_the_model_and_a_harder_one_escalates() -> None:
    router = RunnableRouter(CATALOG, chat_models=chats())
    chat = [HumanMessage("Hi! What is the capital of France?"), answer("budget"), HumanMessage(CODE)]
    out = router.invoke(chat)
    assert out.response_metadata["model_name"] in ("premium", "standard")
    assert out.response_metadata["decision"]["thread"].startswith(
        "escalated from budget: the turn classifies as"
    )

    easy = [HumanMessage(CODE), answer("premium"), HumanMessage("Thanks! And what is 2 + 2?")]
    kept = router.invoke(easy)
    assert kept.response_metadata["model_name"] == "premium"
    assert kept.response_metadata["decision"]["thread"] == "kept from turn 1 (no downgrade mid-thread)"
    fresh = RunnableRouter(CATALOG, chat_models=chats(), sticky="off").invoke(easy)
    assert fresh.response_metadata["model_name"] != "premium"
    assert fresh.response_metadata["decision"]["thread"] is None


def test_a_turn_needing_a_missing_capability_escalates_and_pin_holds() -> None:
    router = RunnableRouter(CATALOG, chat_models=chats())
    chat = [
        HumanMessage("hello"),
        answer("standard", "hi"),
        HumanMessage([{"type": "text", "text": "What is this?"}, IMAGE]),
    ]
    out = router.invoke(chat)
    assert out.response_metadata["model_name"] == "premium"
    assert out.response_metadata["decision"]["thread"] == "escalated from standard: the turn now needs vision"

    harder = [HumanMessage("Hi"), answer("budget"), HumanMessage(CODE)]
    pinned = RunnableRouter(CATALOG, chat_models=chats(), sticky="pin").invoke(harder)
    assert pinned.response_metadata["model_name"] == "budget"
    assert pinned.response_metadata["decision"]["thread"] == "kept from turn 1"


def test_a_checkpointed_thread_keeps_its_model_between_runs() -> None:
    router = create_router(CATALOG, chat_models=chats()).compile()
    parent = StateGraph(MessagesState)
    parent.add_node("llm", router)
    parent.add_edge(START, "llm")
    app = parent.compile(checkpointer=InMemorySaver())
    cfg = {"configurable": {"thread_id": "t"}}
    first = app.invoke({"messages": [("user", CODE)]}, cfg)["messages"][-1]
    second = app.invoke({"messages": [("user", "Thanks, that is all.")]}, cfg)["messages"][-1]
    assert second.response_metadata["model_name"] == first.response_metadata["model_name"]
    assert second.response_metadata["decision"]["thread"].startswith("kept from turn 1")
    other = app.invoke({"messages": [("user", "Thanks, that is all.")]}, {"configurable": {"thread_id": "u"}})
    assert other["messages"][-1].response_metadata["decision"]["thread"] is None


def test_unknown_sticky_mode_is_a_typed_error() -> None:
    with pytest.raises(InvalidOptionError, match="unknown sticky mode 'sometimes'"):
        create_router(CATALOG, sticky="sometimes")  # type: ignore[arg-type]


def test_the_cli_shows_cache_hits_and_the_thread_rule() -> None:
    chat = [HumanMessage("Hi"), answer("premium"), HumanMessage("Thanks! And what is 2 + 2?")]
    decision = RunnableRouter(CATALOG, chat_models=chats()).invoke(chat).response_metadata["decision"]
    facts = decision_facts(RoutingDecision.model_validate(decision), seconds=0.001)
    assert "thread: kept from turn 1 (no downgrade mid-thread)" in facts
    hit = RoutingDecision.model_validate({**decision, "cache": "exact"})
    assert "cache: exact hit (no classifier call)" in decision_facts(hit, seconds=0.001)
