"""End to end: a stream that stalls halfway is finished by the real model (SmolLM2-135M).

The first-ranked alias is played by the fault server in front of llama_cpp.server (a few
tokens, then silence); the next-ranked alias is forwarded to the real model, which gets
the conversation, the partial answer and the request to go on. Assertions are about
structure (one answer, the partial text first, who wrote what), never the wording.
"""

from __future__ import annotations

import pytest

from lg_router import ModelCatalog, RunnableRouter, create_router, route
from tests.support.e2e_fixtures import llama_proxy_fixture  # noqa: F401 - fixture 'llama_proxy'
from tests.support.fault_server import Behavior, FaultServer
from tests.support.router_harness import run_any

pytestmark = pytest.mark.e2e

TASK = "Describe the sea on a calm summer morning."
PARTIAL = "The sea is calm and"
TIMEOUT = 120.0  # first token: generous, the CPU model is slow on a busy CI runner


@pytest.mark.parametrize("api", ["stream", "runnable.astream"])
async def test_a_stalled_stream_is_continued_by_the_real_model(llama_proxy: FaultServer, api: str) -> None:
    catalog = ModelCatalog.preset("oxlo").with_endpoint(llama_proxy.base_url)
    first, second = route(TASK, catalog=catalog).model_ids[:2]
    llama_proxy.script(first, Behavior(kind="stall_stream", cut_after=5, text=PARTIAL + " blue."))
    options = {"timeout": TIMEOUT, "idle_timeout": 1.0}
    if api.startswith("runnable."):
        target = RunnableRouter(catalog, max_tokens=24, **options)
    else:
        target = create_router(catalog, client_kwargs={"max_tokens": 24}, **options).compile()
    result = await run_any(target, api, [("user", TASK)])
    assert result.error is None, result.error
    answer = result.answer
    assert answer.response_metadata["model_name"] == second
    # one answer: the first model's words, then the real model's, exactly as streamed
    assert result.streamed_text == answer.content
    assert answer.content.startswith(PARTIAL) and answer.content[len(PARTIAL) :].strip()
    a, b = result.attempts
    assert (a.model_id, a.outcome, a.streamed) == (first, "timeout", True)
    assert (b.model_id, b.outcome, b.continued_at) == (second, "ok", len(PARTIAL))
    assert b.first_token_seconds is not None
    (request,) = [r for r in llama_proxy.requests if r.model == second]
    assert request.status == 200 and request.stream
    roles = [m["role"] for m in request.messages]
    assert roles[-2:] == ["assistant", "user"] and request.messages[-2]["content"] == PARTIAL
