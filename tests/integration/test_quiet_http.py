"""An unwatched model call (lg_router.execution.quiet) with the real ChatOpenAI, against the
fault server: the same request on the wire, the same answer, the same failures and the
key still scrubbed, as the watched call that goes through ``BaseChatModel.invoke``."""

from __future__ import annotations

import asyncio
import re
import traceback
from typing import Any

import pytest

from lg_router import ModelCatalog, RoutingError, create_router
from tests.support.fakes import ChatStarts
from tests.support.fault_server import Behavior, FaultServer

pytestmark = pytest.mark.integration

TASK = {"messages": [("user", "Refactor this Python function to use list comprehensions.")]}


def _run(server: FaultServer, mode: str, config: Any = None) -> Any:
    catalog = ModelCatalog.preset("oxlo").with_endpoint(server.base_url)
    graph = create_router(catalog, timeout=2.0).compile()
    try:
        out = graph.invoke(TASK, config) if mode == "sync" else asyncio.run(graph.ainvoke(TASK, config))
    except RoutingError as exc:
        text = re.sub(r"after \d+\.\d+s", "after <seconds>", str(exc))  # measured, differs per run
        return (
            "error",
            text,
            [(a.model_id, a.outcome, a.failure, a.error_type, a.retryable) for a in exc.attempts],
        )
    answer = out["messages"][-1]
    metadata = dict(answer.response_metadata)
    attempts = [(a.model_id, a.outcome, a.failure, a.usage, a.cost) for a in out["attempts"]]
    for key in ("attempts", "decision"):
        metadata.pop(key)
    assert metadata.pop("id").startswith("chatcmpl-")  # the server's, new per request
    return answer.content, answer.usage_metadata, answer.additional_kwargs, metadata, attempts


def _bodies(server: FaultServer) -> list[dict[str, Any]]:
    return [r.body for r in server.requests]


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("fault", ["none", "500 on the first", "400 on the first"])
def test_unwatched_calls_send_and_answer_as_watched_ones(server: FaultServer, mode: str, fault: str) -> None:
    if fault != "none":
        server.script("deepseek-v3.2", Behavior.error(int(fault[:3])))
    unwatched = _run(server, mode)
    unwatched_bodies = _bodies(server)
    server.reset_log()
    counting = ChatStarts()
    watched = _run(server, mode, {"callbacks": [counting]})
    assert counting.starts == len(unwatched_bodies) >= 1  # the watched calls opened their runs
    assert _bodies(server) == unwatched_bodies
    assert unwatched == watched
    if fault == "none":
        assert unwatched[0] == "answer from deepseek-v3.2"
    elif fault.startswith("500"):
        assert [a[0] for a in unwatched[-1]] == ["deepseek-v3.2", "kimi-k2.6"]
    else:
        assert unwatched[0] == "error" and [a[:2] for a in unwatched[2]] == [("deepseek-v3.2", "error")]


def test_an_echoed_key_is_scrubbed_from_unwatched_failures(monkeypatch: pytest.MonkeyPatch) -> None:
    key = "sk-quiet-" + "0123456789abcdef" * 2
    monkeypatch.setenv("OXLO_API_KEY", key)
    with FaultServer() as server:
        server.set_default(Behavior(kind="echo_auth"))
        catalog = ModelCatalog.preset("oxlo").with_endpoint(server.base_url, api_key_env="OXLO_API_KEY")
        graph = create_router(catalog, timeout=5.0).compile()
        texts: list[str] = []
        for run in (lambda: graph.invoke(TASK), lambda: asyncio.run(graph.ainvoke(TASK))):
            with pytest.raises(RoutingError) as info:
                run()
            error = info.value
            texts += [str(error), repr(error), *map(repr, error.attempts)]
            texts.append("".join(traceback.format_exception(error)))
        assert {
            r.headers.get("authorization") or r.headers.get("Authorization") for r in server.requests
        } == {f"Bearer {key}"}
    assert any("Incorrect API key provided" in t for t in texts)
    assert not [t for t in texts if key in t]
