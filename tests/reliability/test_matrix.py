"""The fault matrix: every fault x where it strikes x every API -> the expected outcome.

Faults are injected on the wire by the fault server in front of the real ``ChatOpenAI``
clients the router builds.  The LLM classifier is a ``ChatOpenAI`` too, scripted to rank
:data:`LLM_RANKING`.  Positions:

* ``classifier``: the classifier's model has the fault, so the rules decide; every
  ranked model is healthy.
* ``first``: the first-ranked model has the fault; the others are healthy.
* ``second``: the first-ranked model fails with a plain 500 (retryable) and the
  second-ranked model has the fault; the third is healthy.
* ``all``: every ranked model has the fault.

Outcome codes (the table :data:`EXPECTED` is the specification): ``A<k>`` answered by the
k-th ranked model; ``C<k>`` answered by the k-th ranked model continuing an answer whose
stream failed after tokens had reached the caller (one answer, no repeated text);
``E<n>`` a ``RoutingError`` listing n attempts; ``S<n>`` a ``StreamInterruptedError``
after n attempts (a partial answer had reached the caller and no model could finish
it).  Streams have ``idle_timeout`` = :data:`TIMEOUT`, so a slow drip is never cut and a
stall is.  Each case also bounds the wall time by the sum of the timeouts that could
apply plus :data:`MARGIN`, and checks that nothing is left in flight on the server.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from langchain_openai import ChatOpenAI

from lg_router import LLMClassifier, ModelCatalog, RoutingError, StreamInterruptedError, create_router
from tests.support.fault_server import Behavior, FaultServer
from tests.support.router_harness import (
    GRAPH_APIS,
    RUNNABLE_APIS,
    RunResult,
    is_streaming,
    run_async,
    run_sync,
    runnable_router_available,
)

pytestmark = pytest.mark.integration

TIMEOUT = 1.0  # seconds per model attempt, and for the LLM classifier (0.3 and 0.6 s flaked on 2 cores)
MARGIN = 1.0  # seconds of slack on top of the timeouts (2-core CI machines)
CLASSIFIER_ALIAS = "router-llm"
CLASSIFIER_CLIENT_TIMEOUT = 1.5
TASK = "Tell me something nice about the sea."
LLM_RANKING = ["qwen-3-32b", "deepseek-v3.2", "kimi-k2.6"]
LONG = "one two three four five six seven eight"

FAULTS: dict[str, Behavior] = {
    "latency>timeout": Behavior.slow(TIMEOUT * 4),
    "hang": Behavior.hang(),
    "slow drip": Behavior.drip(0.2, text=LONG),
    "500": Behavior.error(500),
    "429 Retry-After": Behavior.rate_limited(retry_after=30),
    "400": Behavior.error(400),
    "malformed JSON": Behavior(kind="malformed"),
    "conn reset": Behavior(kind="reset"),
    "stream cut": Behavior(kind="cut_stream", cut_after=3, text=LONG),
    "stream stall": Behavior(kind="stall_stream", cut_after=3, text=LONG),
}
HEAD = "one two three"  # what a cut or stalled stream of LONG sends first
DRIP_SECONDS = 8 * 0.2  # a whole slow drip of LONG (longer than TIMEOUT)
TIMED_FAULTS = {"latency>timeout", "hang", "slow drip", "stream stall"}  # attempts end as "timeout"
POSITIONS = ("classifier", "first", "second", "all")

# fault: (outcomes for invoke/ainvoke, outcomes for stream/astream), each per POSITIONS.
EXPECTED: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "latency>timeout": (("A1", "A2", "A3", "E3"), ("A1", "A2", "A3", "E3")),
    "hang": (("A1", "A2", "A3", "E3"), ("A1", "A2", "A3", "E3")),
    "slow drip": (("A1", "A2", "A3", "E3"), ("A1", "A1", "A2", "A1")),
    "500": (("A1", "A2", "A3", "E3"), ("A1", "A2", "A3", "E3")),
    "429 Retry-After": (("A1", "A2", "A3", "E3"), ("A1", "A2", "A3", "E3")),
    "400": (("A1", "E1", "E2", "E1"), ("A1", "E1", "E2", "E1")),
    "malformed JSON": (("A1", "A2", "A3", "E3"), ("A1", "A2", "A3", "E3")),
    "conn reset": (("A1", "A2", "A3", "E3"), ("A1", "A2", "A3", "E3")),
    "stream cut": (("A1", "A2", "A3", "E3"), ("A1", "C2", "C3", "S3")),
    "stream stall": (("A1", "A2", "A3", "E3"), ("A1", "C2", "C3", "S3")),
}
APIS = GRAPH_APIS + (RUNNABLE_APIS if runnable_router_available() else ())


def expected(fault: str, position: str, api: str) -> str:
    call, stream = EXPECTED[fault]
    return (stream if is_streaming(api) else call)[POSITIONS.index(position)]


def ranking_answer() -> dict[str, Any]:
    ranked = [{"model_id": m, "justification": f"scripted choice {m}"} for m in LLM_RANKING]
    return {"category": "general", "ranked": ranked}


def script(server: FaultServer, fault: str, position: str) -> None:
    behavior = FAULTS[fault]
    server.script(
        CLASSIFIER_ALIAS, Behavior(tool_call={"name": "route_choice", "arguments": ranking_answer()})
    )
    if position == "classifier":
        server.script(CLASSIFIER_ALIAS, behavior)
    elif position == "first":
        server.script(LLM_RANKING[0], behavior)
    elif position == "second":
        server.script(LLM_RANKING[0], Behavior.error(500))
        server.script(LLM_RANKING[1], behavior)
    else:
        for model_id in LLM_RANKING:
            server.script(model_id, behavior)


def build(server: FaultServer, api: str, clients: dict[str, Any]) -> Any:
    """A fresh router (own HTTP clients) whose classifier and models are on the server."""
    catalog = ModelCatalog.preset("oxlo").with_endpoint(server.base_url)
    # The classifier's client timeout is the caller's to set (LLMClassifier abandons a sync
    # call at its deadline but cannot end it; see test_classifier_sync_call_left_running).
    clf_model = ChatOpenAI(
        base_url=server.base_url,
        model=CLASSIFIER_ALIAS,
        api_key="x",
        max_retries=0,
        timeout=CLASSIFIER_CLIENT_TIMEOUT,
        **clients,
    )
    classifier = LLMClassifier(clf_model, timeout=TIMEOUT)
    if api.startswith("runnable."):
        from lg_router import RunnableRouter

        return RunnableRouter(
            catalog, classifier=classifier, timeout=TIMEOUT, idle_timeout=TIMEOUT, client_kwargs=clients
        )
    return create_router(
        catalog, classifier=classifier, timeout=TIMEOUT, idle_timeout=TIMEOUT, client_kwargs=clients
    ).compile()


def run_case(server: FaultServer, api: str) -> RunResult:
    messages = [("user", TASK)]
    if api.split(".")[-1].startswith("a"):

        async def main() -> RunResult:
            client = httpx.AsyncClient()
            try:
                target = build(server, api, {"http_async_client": client})
                return await run_async(target, api, messages)
            finally:
                await client.aclose()

        return asyncio.run(main())
    with httpx.Client() as client:
        return run_sync(build(server, api, {"http_client": client}), api, messages)


def outcome_code(result: RunResult) -> str:
    if result.error is None:
        assert result.decision is not None and result.model is not None
        kind = "C" if any(a.streamed for a in result.attempts) else "A"
        return f"{kind}{result.decision.model_ids.index(result.model) + 1}"
    prefix = "S" if isinstance(result.error, StreamInterruptedError) else "E"
    return f"{prefix}{len(result.attempts)}"


def faulted_codes(position: str) -> set[str]:
    """Answer codes of the ranked models that have the fault at ``position``."""
    return {"classifier": set(), "first": {"A1"}, "second": {"A2"}, "all": {"A1", "A2", "A3"}}[position]


def check(result: RunResult, server: FaultServer, fault: str, position: str, want: str) -> None:
    decision = result.decision
    assert decision is not None
    if position == "classifier":
        assert decision.classifier == "llm->rules", decision
        assert "LLM classifier failed" in (decision.note or "")
    else:
        assert decision.classifier == "llm" and decision.model_ids == LLM_RANKING
    assert server.calls(CLASSIFIER_ALIAS) == 1
    kind, n = want[0], int(want[1:])
    tried = [a.model_id for a in result.attempts]
    # Attempts follow the ranking, and each attempt is exactly one request on the wire.
    assert tried == decision.model_ids[: len(tried)]
    wire = [r.model for r in server.requests if r.model != CLASSIFIER_ALIAS]
    assert wire == tried
    if kind == "A":
        assert len(tried) == n and result.attempts[-1].outcome == "ok"
        text = (
            LONG
            if fault == "slow drip" and f"A{tried.index(result.model) + 1}" in faulted_codes(position)
            else f"answer from {result.model}"
        )
        assert result.answer is not None and result.answer.content == text
        if is_streaming(result.api):
            assert result.streamed_text == result.answer.content
            if not result.api.startswith("runnable."):  # graph chunks name their model
                assert result.streamed_models == {result.model}
    elif kind == "C":
        assert result.answer is not None and result.attempts[-1].outcome == "ok"
        # the partial answer, then the next model's whole reply: one answer, nothing repeated
        assert result.streamed_text == result.answer.content == HEAD + f"answer from {result.model}"
        assert result.attempts[-1].continued_at == len(HEAD)
        streamed = [a.model_id for a in result.attempts if a.streamed]
        assert streamed == [tried[-2]]
        if not result.api.startswith("runnable."):
            assert result.streamed_models == {tried[-2], result.model}
    else:
        assert result.answer is None and len(tried) == n
        assert isinstance(result.error, RoutingError)
        assert isinstance(result.error, StreamInterruptedError) == (kind == "S")
        if kind == "S":
            streamed = [a.model_id for a in result.attempts if a.streamed]
            # the first model's partial answer; the others' repeats of it were dropped
            assert streamed == [tried[0]] and result.streamed_text == HEAD
            if not result.api.startswith("runnable."):  # partial tokens of one model only
                assert result.streamed_models == {tried[0]}
        else:
            assert not (result.streamed_text.strip())
    faulted = {"classifier": [], "first": [0], "second": [1], "all": [0, 1, 2]}[position]
    for i in (i for i in faulted if i < len(tried)):
        want_outcome = "timeout" if fault in TIMED_FAULTS else "error"
        if fault == "slow drip" and is_streaming(result.api):
            want_outcome = "ok"  # a producing stream is never cut
        assert result.attempts[i].outcome == want_outcome, result.attempts[i]
    if fault == "400" and kind == "E":
        assert not result.attempts[-1].retryable
    budget = (TIMEOUT if position == "classifier" else 0.0) + len(tried) * TIMEOUT + MARGIN
    if fault == "slow drip" and is_streaming(result.api):
        budget += DRIP_SECONDS  # a producing stream is never cut
    assert result.seconds < budget, f"{result.seconds:.2f}s > {budget:.2f}s"


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("position", POSITIONS)
@pytest.mark.parametrize("fault", list(FAULTS))
def test_fault_matrix(server: FaultServer, matrix_log: Any, fault: str, position: str, api: str) -> None:
    script(server, fault, position)
    want = expected(fault, position, api)
    result = run_case(server, api)
    got = outcome_code(result) if result.decision is not None else "??"
    cell = f"{got} {result.seconds:.2f}s" if got == want else f"{got} [{want}] {result.seconds:.2f}s"
    matrix_log.record(fault, position, api, cell)
    assert got == want, (
        f"{fault}/{position}/{api}: got {got}, expected {want}; "
        f"attempts {result.attempts}; error {result.error!r}"
    )
    check(result, server, fault, position, want)
    # Nothing the router abandoned keeps running on the server.
    assert server.wait_idle(timeout=CLASSIFIER_CLIENT_TIMEOUT + 0.5), (
        f"{server.in_flight()} request(s) still in flight"
    )
