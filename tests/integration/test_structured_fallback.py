"""with_structured_output: an answer without the forced tool call is a failed attempt."""

from __future__ import annotations

import asyncio

import pytest
from pydantic import BaseModel

from lg_router import ModelCatalog, RoutingError, RunnableRouter, StructuredOutputError
from tests.support.fault_server import Behavior, FaultServer

pytestmark = pytest.mark.integration

TASK = "Classify this support ticket: my invoice is wrong."


class Ticket(BaseModel):
    """A classified ticket."""

    category: str
    urgent: bool


@pytest.fixture
def router(server: FaultServer) -> RunnableRouter:  # server: conftest's, cleared per test
    return RunnableRouter(ModelCatalog.preset("oxlo").with_endpoint(server.base_url), timeout=5)


def ranked(router: RunnableRouter, server: FaultServer) -> list[str]:
    """The models the router asks for TASK, best first (read from one healthy run)."""
    answer = router.bind_tools([Ticket], tool_choice="Ticket").invoke(TASK)
    server.reset_log()
    return [r["model_id"] for r in answer.response_metadata["decision"]["ranked"]]


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize(
    "bad",
    [
        Behavior(tool_call=False, text="Sure! The category is billing."),  # plain text, no tool call
        Behavior(tool_call={"name": "Ticket", "arguments": {"category": "billing"}}),  # missing 'urgent'
        Behavior(tool_call={"name": "Ticket", "arguments": "{not json"}),
    ],
    ids=["plain text", "arguments off the schema", "arguments not JSON"],
)
def test_a_bad_structured_answer_falls_back(
    router: RunnableRouter, server: FaultServer, bad: Behavior, mode: str
) -> None:
    order = ranked(router, server)
    server.script(order[0], bad)
    structured = router.with_structured_output(Ticket)
    result = structured.invoke(TASK) if mode == "sync" else asyncio.run(structured.ainvoke(TASK))
    assert isinstance(result, Ticket)
    assert [r.model for r in server.requests] == order[:2]


def test_every_model_failing_raises_structured_output_error(
    router: RunnableRouter, server: FaultServer
) -> None:
    order = ranked(router, server)
    for model_id in order:
        server.script(model_id, Behavior(tool_call=False))
    with pytest.raises(StructuredOutputError) as info:
        router.with_structured_output(Ticket).invoke(TASK)
    err = info.value
    assert isinstance(err, RoutingError)
    assert [a.model_id for a in err.attempts] == order
    assert {a.failure for a in err.attempts} == {"bad_output"}
    assert "without calling the structured-output tool" in err.attempts[0].error


def test_include_raw_keeps_langchain_semantics(router: RunnableRouter, server: FaultServer) -> None:
    order = ranked(router, server)
    server.script(order[0], Behavior(tool_call=False, text="no tool for you"))
    out = router.with_structured_output(Ticket, include_raw=True).invoke(TASK)
    assert out["parsed"] is None and out["parsing_error"] is None
    assert out["raw"].content == "no tool for you"
    assert server.calls() == 1  # the raw answer is the caller's to judge
    server.script(order[0], Behavior(tool_call={"name": "Ticket", "arguments": {"category": "x"}}))
    out = router.with_structured_output(Ticket, include_raw=True).invoke(TASK)
    assert out["parsed"] is None and out["parsing_error"] is not None
