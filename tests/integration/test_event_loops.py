"""A fresh event loop per call (``asyncio.run`` twice in one process) through the real client."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from lg_router import ModelCatalog, RunnableRouter, create_router
from tests.support.fault_server import FaultServer

pytestmark = pytest.mark.integration

CODE_TASK = "Refactor this Python function to use list comprehensions."
FIRST = "deepseek-v3.2"  # the rules' first choice for CODE_TASK


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with FaultServer(models=list(ModelCatalog.preset("oxlo").ids)) as srv:
        yield srv


def _catalog(server: FaultServer) -> ModelCatalog:
    return ModelCatalog.preset("oxlo").with_endpoint(server.base_url)


def test_graph_ainvoke_in_two_asyncio_runs_answers_from_the_first_model(server: FaultServer) -> None:
    graph = create_router(_catalog(server), timeout=5).compile()
    for run in (1, 2, 3):
        out = asyncio.run(graph.ainvoke({"messages": [("user", CODE_TASK)]}))
        assert [(a.model_id, a.outcome) for a in out["attempts"]] == [(FIRST, "ok")]
        assert out["messages"][-1].content == f"answer from {FIRST}"
        assert server.calls() == run  # exactly one request per call: nothing hidden
    # the sync API still works beside them
    assert graph.invoke({"messages": [("user", CODE_TASK)]})["attempts"][0].outcome == "ok"


def test_runnable_router_ainvoke_in_two_asyncio_runs(server: FaultServer) -> None:
    router = RunnableRouter(_catalog(server), timeout=5)
    for run in (1, 2):
        answer = asyncio.run(router.ainvoke(CODE_TASK))
        assert answer.response_metadata["model_name"] == FIRST
        assert [a["outcome"] for a in answer.response_metadata["attempts"]] == ["ok"]
        assert server.calls() == run


def test_two_loops_alive_at_once_each_get_their_own_client(server: FaultServer) -> None:
    graph = create_router(_catalog(server), timeout=5).compile()
    loops = [asyncio.new_event_loop(), asyncio.new_event_loop()]
    try:
        for loop in [*loops, *loops]:
            out = loop.run_until_complete(graph.ainvoke({"messages": [("user", CODE_TASK)]}))
            assert [a.outcome for a in out["attempts"]] == ["ok"]
        assert server.calls() == 4
    finally:
        for loop in loops:
            loop.run_until_complete(loop.shutdown_asyncgens())  # closes the router's clients
            loop.close()


def test_clients_of_a_finished_loop_are_closed(server: FaultServer) -> None:
    graph = create_router(_catalog(server), timeout=5).compile()
    seen: list[object] = []

    async def main() -> None:
        await graph.ainvoke({"messages": [("user", CODE_TASK)]})

        node = graph.builder.nodes[f"call {FIRST}"].runnable
        provider = node.func.__self__.call.provider
        (clients,) = provider._loops.values()
        seen.extend(clients._clients.values())

    asyncio.run(main())
    assert seen and all(http.is_closed for http in seen)


def _loop_clients(graph: object) -> list[object]:
    node = graph.builder.nodes[f"call {FIRST}"].runnable  # type: ignore[attr-defined]
    return [
        http
        for clients in node.func.__self__.call.provider._loops.values()
        for http in clients._clients.values()
    ]


def test_default_transport_is_the_openai_sdks_aiohttp_client(server: FaultServer) -> None:
    import openai

    graph = create_router(_catalog(server), timeout=5).compile()
    seen: list[object] = []

    async def main() -> None:
        out = await graph.ainvoke({"messages": [("user", CODE_TASK)]})
        assert out["messages"][-1].content == f"answer from {FIRST}"
        seen.extend(_loop_clients(graph))

    asyncio.run(main())
    assert seen and all(isinstance(http, openai.DefaultAioHttpClient) for http in seen)
    assert all(http.is_closed for http in seen)  # type: ignore[attr-defined]


def test_without_aiohttp_the_router_falls_back_to_httpx(
    server: FaultServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import openai

    from lg_router import models

    monkeypatch.setattr(models, "_AIOHTTP", False)  # as if openai[aiohttp] were not installed
    graph = create_router(_catalog(server), timeout=5).compile()
    seen: list[object] = []

    async def main() -> None:
        out = await graph.ainvoke({"messages": [("user", CODE_TASK)]})
        assert [(a.model_id, a.outcome) for a in out["attempts"]] == [(FIRST, "ok")]
        seen.extend(_loop_clients(graph))

    asyncio.run(main())
    assert seen and all(isinstance(http, openai.DefaultAsyncHttpxClient) for http in seen)
    assert not any(isinstance(http, openai.DefaultAioHttpClient) for http in seen)


def test_a_users_own_async_client_is_used_and_left_open(server: FaultServer) -> None:
    import openai

    async def main() -> None:
        async with openai.DefaultAsyncHttpxClient() as own:
            sent: list[str] = []

            async def count(request: object) -> None:
                sent.append(str(getattr(request, "url", "")))

            own.event_hooks["request"].append(count)
            graph = create_router(_catalog(server), timeout=5, client_kwargs={"http_async_client": own})
            out = await graph.compile().ainvoke({"messages": [("user", CODE_TASK)]})
            assert out["attempts"][0].outcome == "ok"
            assert len(sent) == 1 and sent[0].endswith("/chat/completions")
            assert not own.is_closed  # the caller's client is theirs to close

    asyncio.run(main())
