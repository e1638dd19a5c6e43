"""RunnableRouter through the real ChatOpenAI client against the fault server (127.0.0.1)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnableConfig
from langchain_core.tools import tool
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode, tools_condition
from pydantic import BaseModel

from lg_router import ModelCatalog, RunnableRouter, StreamInterruptedError, route
from tests.support.fault_server import Behavior, FaultServer

pytestmark = pytest.mark.integration

TASK = "Write a short poem about the sea."


@tool
def get_weather(city: str) -> str:
    """Weather of a city."""
    return f"sunny in {city}"


class City(BaseModel):
    name: str
    country: str


def router_for(server: FaultServer, **kwargs: Any) -> RunnableRouter:
    catalog = ModelCatalog.preset("oxlo").with_endpoint(server.base_url)
    client = {"http_async_client": httpx.AsyncClient(timeout=10)}
    return RunnableRouter(catalog, client_kwargs=client, timeout=5, **kwargs)


def ranked(task: str = TASK) -> list[str]:
    return route(task).model_ids


def joined(chunks: list[AIMessageChunk]) -> AIMessageChunk:
    total = chunks[0]
    for chunk in chunks[1:]:
        total = total + chunk
    return total


async def test_chain_falls_back_on_a_server_error(fault_server: FaultServer) -> None:
    first, second = ranked()[:2]
    fault_server.script(first, Behavior.error(503))
    chain = ChatPromptTemplate.from_messages([("human", "{q}")]) | router_for(fault_server)
    answer = await chain.ainvoke({"q": TASK})
    assert answer.content == f"answer from {second}"
    assert answer.response_metadata["model_name"] == second
    assert [a["outcome"] for a in answer.response_metadata["attempts"]] == ["error", "ok"]
    assert answer.usage_metadata and answer.usage_metadata["total_tokens"] > 0
    text = (chain | StrOutputParser()).invoke({"q": TASK})
    assert text == f"answer from {second}"


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_stream_yields_the_model_tokens_once(fault_server: FaultServer, mode: str) -> None:
    best = ranked()[0]
    fault_server.script(best, Behavior(text="one two three four"))
    router = router_for(fault_server)
    chunks = list(router.stream(TASK)) if mode == "sync" else [c async for c in router.astream(TASK)]
    assert [c.content for c in chunks if c.content] == ["one", " two", " three", " four"]
    total = joined(chunks)
    assert total.response_metadata["model_name"] == best
    assert total.usage_metadata is not None and total.usage_metadata["total_tokens"] > 0
    assert fault_server.calls() == 1


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_a_stream_cut_after_tokens_raises_when_asked(fault_server: FaultServer, mode: str) -> None:
    best = ranked()[0]
    fault_server.script(best, Behavior(kind="stream_error", cut_after=2, text="a b c d e"))
    router = router_for(fault_server, on_stream_failure="raise")
    seen: list[str] = []
    with pytest.raises(StreamInterruptedError, match="after it had started streaming"):
        if mode == "sync":
            for chunk in router.stream(TASK):
                seen.append(str(chunk.content))
        else:
            async for chunk in router.astream(TASK):
                seen.append(str(chunk.content))
    assert "".join(seen) == "a b"
    assert fault_server.calls() == 1  # on_stream_failure="raise": no failover mid-stream


@pytest.mark.parametrize("mode", ["invoke", "stream"])
def test_bound_tools_survive_a_fallback(fault_server: FaultServer, mode: str) -> None:
    first, second = ranked("What's the weather in Paris?")[:2]
    fault_server.script(first, Behavior.error(500))
    bound = router_for(fault_server).bind_tools([get_weather], tool_choice="get_weather")
    answer = (
        bound.invoke("What's the weather in Paris?")
        if mode == "invoke"
        else joined(list(bound.stream("What's the weather in Paris?")))
    )
    assert answer.response_metadata["model_name"] == second
    assert [c["name"] for c in answer.tool_calls] == ["get_weather"]
    sent = next(r for r in fault_server.requests if r.model == second)
    assert [t["function"]["name"] for t in sent.tools] == ["get_weather"]
    assert sent.tool_choice == {"type": "function", "function": {"name": "get_weather"}}


async def test_structured_output_survives_a_fallback(fault_server: FaultServer) -> None:
    first, second = ranked("Name a city in France")[:2]
    fault_server.script(first, Behavior.error(429))
    fault_server.script(second, Behavior(json={"name": "Lyon", "country": "France"}))
    city = await router_for(fault_server).with_structured_output(City).ainvoke("Name a city in France")
    assert city == City(name="Lyon", country="France")


def test_agent_loop_goes_through_the_router(fault_server: FaultServer) -> None:
    from langchain.agents import create_agent

    for model_id in ModelCatalog.preset("oxlo").ids:
        fault_server.script(
            model_id,
            [
                Behavior(tool_call={"name": "get_weather", "arguments": {"city": "Oslo"}}),
                Behavior(text="It is sunny in Oslo."),
            ],
        )
    agent = create_agent(router_for(fault_server), [get_weather])
    result = agent.invoke({"messages": [("human", "Weather in Oslo?")]})
    ai = [m for m in result["messages"] if isinstance(m, AIMessage)]
    assert ai[0].tool_calls[0]["args"] == {"city": "Oslo"}
    assert ai[-1].content == "It is sunny in Oslo."
    assert all(m.response_metadata.get("decision") for m in ai)
    assert fault_server.calls() == 2
    assert result["messages"][2].content == "sunny in Oslo"


@pytest.mark.parametrize("pass_config", [True, False])
def test_messages_stream_of_a_user_graph_carries_each_token_once(
    fault_server: FaultServer, pass_config: bool
) -> None:
    for model_id in ModelCatalog.preset("oxlo").ids:
        fault_server.script(model_id, Behavior(text="alpha beta gamma"))
    router = router_for(fault_server)

    def agent(state: MessagesState, config: RunnableConfig) -> dict:
        answer = router.invoke(state["messages"], config) if pass_config else router.invoke(state["messages"])
        return {"messages": [answer]}

    builder = StateGraph(MessagesState)
    builder.add_node("agent", agent)
    builder.add_node("tools", ToolNode([get_weather]))
    builder.add_edge(START, "agent")
    builder.add_conditional_edges("agent", tools_condition)
    builder.add_edge("tools", "agent")
    graph = builder.compile()
    pieces = [
        str(m.content)
        for m, meta in graph.stream({"messages": [("human", TASK)]}, stream_mode="messages")
        if isinstance(m, AIMessageChunk) and meta["langgraph_node"] == "agent"
    ]
    assert "".join(pieces) == "alpha beta gamma"
    assert [p for p in pieces if p] == ["alpha", " beta", " gamma"]
