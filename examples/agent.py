"""RunnableRouter as the model of an agent: every turn of the loop is routed.

What it shows:

* ``create_agent(RunnableRouter(...), tools)`` (LangChain 1.x's agent constructor; it
  replaces LangGraph's deprecated ``create_react_agent``): model -> tools -> model,
  each model turn routed among the catalog models that can call tools, with fallback;
* the same router as a node of a hand-written agent graph, streamed with
  ``stream_mode="messages"``: each token of the answer arrives once;
* which model took each turn (``response_metadata["model_name"]``).

Run it:
    LG_ROUTER_BASE_URL=http://127.0.0.1:8080/v1 python examples/agent.py  # a local server
    OXLO_API_KEY=...  python examples/agent.py                              # Oxlo.ai
    python examples/agent.py              # neither: says what to set, exits 0
"""

from __future__ import annotations

from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.runnables import RunnableConfig
from langchain_core.tools import tool
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode, tools_condition

from lg_router import RunnableRouter
from lg_router.cli.env import setup


@tool
def get_weather(city: str) -> str:
    """Current weather of a city."""
    return f"It is sunny and 21°C in {city}."


def show_turns(messages: list) -> None:
    for message in messages:
        if isinstance(message, AIMessage):
            calls = [c["name"] for c in message.tool_calls]
            print(f"  [{message.response_metadata.get('model_name')}] {message.content or calls}")
        elif message.type == "tool":
            print(f"  [tool] {message.content}")


def hand_written_agent(router: RunnableRouter):
    model = router.bind_tools([get_weather])

    def agent(state: MessagesState, config: RunnableConfig) -> dict:
        return {"messages": [model.invoke(state["messages"], config)]}

    builder = StateGraph(MessagesState)
    builder.add_node("agent", agent)
    builder.add_node("tools", ToolNode([get_weather]))
    builder.add_edge(START, "agent")
    builder.add_conditional_edges("agent", tools_condition)
    builder.add_edge("tools", "agent")
    return builder.compile()


def main() -> None:
    env = setup("oxlo")
    if not env.can_run:
        print(f"This example calls models. To run it, {env.hint}.")
        return
    from langchain.agents import create_agent  # the `langchain` package (test extra)

    router = RunnableRouter(env.catalog)
    question = {"messages": [("human", "What's the weather in Lisbon? Use the tool.")]}

    print("create_agent:")
    result = create_agent(router, [get_weather]).invoke(question)
    show_turns(result["messages"][1:])

    print('hand-written graph, stream_mode="messages": ', end="", flush=True)
    graph = hand_written_agent(router)
    for chunk, meta in graph.stream(question, stream_mode="messages"):
        if isinstance(chunk, AIMessageChunk) and meta["langgraph_node"] == "agent":
            print(chunk.content, end="", flush=True)
    print()


if __name__ == "__main__":
    main()
