"""Which errors fall back, which raise, and retries on the same model: real client, fault server.

Every class of failure a provider gives is scripted on the first-ranked model and the test
asserts the attempts the router made (and the requests the server saw).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from lg_router import MissingAPIKeyError, ModelCatalog, RoutingError, create_router
from tests.support.fault_server import Behavior, FaultServer

pytestmark = pytest.mark.integration

CODE_TASK = "Refactor this Python function to use list comprehensions."
RANKED = ["deepseek-v3.2", "kimi-k2.6", "qwen-3-32b"]  # the rules' ranking for CODE_TASK
TIMEOUT = 1.0


def catalog(server: FaultServer, **windows: int) -> ModelCatalog:
    cat = ModelCatalog.preset("oxlo").with_endpoint(server.base_url)
    models = tuple(
        m.model_copy(update={"context_window": windows[m.id.split("-")[0]]})
        if m.id.split("-")[0] in windows
        else m
        for m in cat.models
    )
    return cat.model_copy(update={"models": models})


def run(graph: Any, mode: str) -> dict[str, Any]:
    inputs = {"messages": [("user", CODE_TASK)]}
    if mode == "sync":
        return graph.invoke(inputs)
    return asyncio.run(graph.ainvoke(inputs))


FALLS_BACK = {
    "408": Behavior.error(408),
    "409": Behavior.error(409),
    "425": Behavior.error(425),
    "429 (long Retry-After)": Behavior.rate_limited(retry_after=30),
    "500": Behavior.error(500),
    "502": Behavior.error(502),
    "503": Behavior.error(503),
    "504": Behavior.error(504),
    "413": Behavior.error(413),
    "404 model_not_found": Behavior.error(404, message="The model 'deepseek-v3.2' does not exist"),
    "connection reset": Behavior(kind="reset"),
    "malformed body": Behavior(kind="malformed"),
    "200 that is not a completion": Behavior(kind="bad_shape"),
    "timeout": Behavior.hang(),
}
EXPECTED_KIND = {
    "408": "server",
    "409": "server",
    "425": "server",
    "429 (long Retry-After)": "rate_limited",
    "500": "server",
    "502": "server",
    "503": "overloaded",
    "504": "server",
    "413": "too_large",
    "404 model_not_found": "model_not_found",
    "connection reset": "connection",
    "malformed body": "malformed",
    "200 that is not a completion": "malformed",
    "timeout": "timeout",
}


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("fault", list(FALLS_BACK))
def test_provider_failures_fall_back_to_the_second_ranked(server: FaultServer, fault: str, mode: str) -> None:
    server.script(RANKED[0], FALLS_BACK[fault])
    out = run(create_router(catalog(server), timeout=TIMEOUT).compile(), mode)
    attempts = out["attempts"]
    assert [(a.model_id, a.outcome) for a in attempts] == [
        (RANKED[0], "timeout" if fault == "timeout" else "error"),
        (RANKED[1], "ok"),
    ]
    assert attempts[0].failure == EXPECTED_KIND[fault] and attempts[0].retryable
    assert server.calls(RANKED[0]) == 1 and server.calls(RANKED[1]) == 1


REQUEST_ERRORS = {
    "400": Behavior.error(400, message="Invalid value for 'temperature'"),
    "422": Behavior.error(422, message="Unprocessable request"),
}


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("fault", list(REQUEST_ERRORS))
def test_errors_of_the_request_raise_at_once(server: FaultServer, fault: str, mode: str) -> None:
    server.script(RANKED[0], REQUEST_ERRORS[fault])
    with pytest.raises(RoutingError, match="non-retryable") as info:
        run(create_router(catalog(server), timeout=TIMEOUT).compile(), mode)
    assert [(a.model_id, a.failure) for a in info.value.attempts] == [(RANKED[0], "bad_request")]
    assert server.calls() == 1  # no other model was asked


# How each major server words a context-length error.
OVERFLOWS = {
    "openai": Behavior.error(
        400,
        message="This model's maximum context length is 8192 tokens. "
        "However, your messages resulted in 9000 tokens.",
        error_code="context_length_exceeded",
    ),
    "vllm": Behavior.error(
        400,
        message="This model's maximum context length is 8192 tokens. However, you requested 9000 tokens "
        "(8000 in the messages, 1000 in the completion).",
        error_type="BadRequestError",
    ),
    "llama.cpp server": Behavior.error(
        400,
        message="the request exceeds the available context size, try increasing it",
        error_type="exceed_context_size_error",
    ),
    "llama-cpp-python": Behavior.error(400, message="Requested tokens (9000) exceed context window of 8192"),
    "anthropic via gateway": Behavior.error(
        400, message="prompt is too long: 210000 tokens > 200000 maximum"
    ),
}


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("server_kind", list(OVERFLOWS))
def test_context_overflow_goes_only_to_a_larger_window(
    server: FaultServer, server_kind: str, mode: str
) -> None:
    # deepseek (8k) overflows; kimi has a larger window (128k), qwen a smaller one than kimi
    server.script(RANKED[0], OVERFLOWS[server_kind])
    out = run(create_router(catalog(server, deepseek=8192), timeout=TIMEOUT).compile(), mode)
    attempts = out["attempts"]
    assert [a.model_id for a in attempts] == RANKED[:2]
    assert attempts[0].context_overflow and attempts[0].failure == "context_overflow"


def test_context_overflow_with_no_larger_window_raises(server: FaultServer) -> None:
    server.script(RANKED[0], OVERFLOWS["openai"])
    with pytest.raises(RoutingError) as info:
        run(create_router(catalog(server), timeout=TIMEOUT).compile(), "sync")  # all 128k or less
    assert [a.model_id for a in info.value.attempts] == [RANKED[0]]
    assert server.calls() == 1


def _two_keys(server: FaultServer) -> ModelCatalog:
    """deepseek and qwen share OXLO_A's key; kimi is served with another key (OXLO_B)."""
    cat = catalog(server)
    keys = {
        "deepseek-v3.2": "OXLO_A",
        "qwen-3-32b": "OXLO_A",
        "kimi-k2.6": "OXLO_B",
        "llama-3.3-70b": "OXLO_A",
    }
    models = tuple(m.model_copy(update={"api_key_env": keys[m.id]}) for m in cat.models)
    return cat.model_copy(update={"models": models, "api_key_env": None})


@pytest.mark.parametrize("status", [401, 403])
def test_key_refused_falls_back_only_to_another_key(
    server: FaultServer, status: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OXLO_A", "key-a")
    monkeypatch.setenv("OXLO_B", "key-b")
    graph = create_router(_two_keys(server), timeout=TIMEOUT).compile()
    server.script(RANKED[0], Behavior.error(status))
    out = run(graph, "sync")  # deepseek's key A refused -> kimi, served with key B
    assert [(a.model_id, a.failure) for a in out["attempts"]] == [(RANKED[0], "auth"), (RANKED[1], None)]
    server.script(RANKED[1], Behavior.error(500))
    with pytest.raises(RoutingError) as info:
        run(graph, "sync")  # ... kimi fails too; qwen would use the refused key A: not tried
    assert [a.model_id for a in info.value.attempts] == RANKED[:2]
    assert server.calls(RANKED[2]) == 0


def test_key_refused_with_the_same_key_everywhere_raises(server: FaultServer) -> None:
    server.script(RANKED[0], Behavior.error(401))
    with pytest.raises(RoutingError, match="refused its key") as info:
        run(create_router(catalog(server), timeout=TIMEOUT).compile(), "sync")
    assert [a.model_id for a in info.value.attempts] == [RANKED[0]]
    assert server.calls() == 1


def test_missing_key_is_catchable_and_falls_back_to_another_key(
    server: FaultServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    cat = _two_keys(server)
    models = tuple(m.model_copy(update={"base_url": "https://models.example/v1"}) for m in cat.models)
    remote = cat.model_copy(update={"models": models})  # remote endpoints need a key
    monkeypatch.delenv("OXLO_A", raising=False)
    monkeypatch.delenv("OXLO_B", raising=False)
    with pytest.raises(MissingAPIKeyError) as info:
        run(create_router(remote, timeout=TIMEOUT).compile(), "sync")
    err = info.value
    # deepseek's key A is missing -> kimi (key B) missing too -> qwen shares key A: not tried
    assert [(a.model_id, a.failure) for a in err.attempts] == [(m, "missing_key") for m in RANKED[:2]]
    assert (err.model_id, err.env_var) == (RANKED[0], "OXLO_A") and isinstance(err, RoutingError)
    # with kimi's key set, the router falls back to it and answers
    monkeypatch.setenv("OXLO_B", "key-b")
    cat_b = _two_keys(server)  # kimi on the fault server with key B
    models = tuple(
        m.model_copy(update={"base_url": "https://models.example/v1"}) if m.id != "kimi-k2.6" else m
        for m in cat_b.models
    )
    out = run(create_router(cat_b.model_copy(update={"models": models}), timeout=TIMEOUT).compile(), "sync")
    assert [(a.model_id, a.failure) for a in out["attempts"]] == [
        (RANKED[0], "missing_key"),
        (RANKED[1], None),
    ]


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("status", [429, 503])
def test_short_retry_after_retries_the_same_model(server: FaultServer, status: int, mode: str) -> None:
    server.script(RANKED[0], [Behavior.error(status, retry_after=0.3), Behavior()])
    started = time.perf_counter()
    out = run(create_router(catalog(server), timeout=TIMEOUT).compile(), mode)
    elapsed = time.perf_counter() - started
    attempts = out["attempts"]
    assert [(a.model_id, a.outcome) for a in attempts] == [(RANKED[0], "error"), (RANKED[0], "ok")]
    assert attempts[0].retry_after == pytest.approx(0.3)
    assert server.calls(RANKED[1]) == 0
    assert elapsed >= 0.3  # it waited as asked


def test_retry_after_longer_than_max_retry_wait_falls_back_at_once(server: FaultServer) -> None:
    server.script(RANKED[0], Behavior.rate_limited(retry_after=0.5))
    graph = create_router(catalog(server), timeout=TIMEOUT, max_retry_wait=0.2).compile()
    out = run(graph, "sync")
    assert [a.model_id for a in out["attempts"]] == RANKED[:2]
    assert out["attempts"][0].retry_after == pytest.approx(0.5)


def test_retry_after_that_does_not_fit_the_deadline_falls_back(server: FaultServer) -> None:
    server.script(RANKED[0], Behavior.rate_limited(retry_after=0.8, latency=0.3))
    out = run(create_router(catalog(server), timeout=TIMEOUT).compile(), "sync")  # 0.3 + 0.8 > 1.0
    assert [a.model_id for a in out["attempts"]] == RANKED[:2]


def test_retries_are_limited(server: FaultServer) -> None:
    server.script(RANKED[0], Behavior.rate_limited(retry_after=0.05))
    out = run(create_router(catalog(server), timeout=TIMEOUT, retries=2).compile(), "sync")
    assert [a.model_id for a in out["attempts"]] == [RANKED[0]] * 3 + [RANKED[1]]
    out = run(create_router(catalog(server), timeout=TIMEOUT, retries=0).compile(), "sync")
    assert [a.model_id for a in out["attempts"]] == RANKED[:2]


@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
@pytest.mark.parametrize(
    ("fault", "falls_back"),
    [
        (Behavior.error(503), True),
        (Behavior.error(404), True),
        (Behavior(kind="malformed"), True),
        (Behavior.error(400), False),
        (Behavior.error(422), False),
        (Behavior.error(401), False),  # every model shares the key
    ],
    ids=["503", "404", "malformed", "400", "422", "401"],
)
def test_runnable_router_sees_the_same_classes(
    server: FaultServer, fault: Behavior, falls_back: bool, mode: str
) -> None:
    from lg_router import RunnableRouter

    router = RunnableRouter(catalog(server), timeout=TIMEOUT)
    server.script(RANKED[0], fault)
    call = router.invoke if mode == "invoke" else (lambda task: asyncio.run(router.ainvoke(task)))
    if falls_back:
        answer = call(CODE_TASK)
        assert [a["model_id"] for a in answer.response_metadata["attempts"]] == RANKED[:2]
        assert answer.response_metadata["model_name"] == RANKED[1]
    else:
        with pytest.raises(RoutingError) as info:
            call(CODE_TASK)
        assert [a.model_id for a in info.value.attempts] == [RANKED[0]]
        assert server.calls() == 1


def test_retry_after_never_sleeps_past_the_total_timeout(server: FaultServer) -> None:
    server.script(RANKED[0], [Behavior.rate_limited(retry_after=0.6, latency=0.2), Behavior()])
    graph = create_router(catalog(server), timeout=TIMEOUT, total_timeout=0.7).compile()
    started = time.perf_counter()
    out = run(graph, "sync")  # 0.2 s spent + 0.6 s wait > 0.7 s total: no retry, fall back now
    assert time.perf_counter() - started < 0.7 + 0.5
    assert [a.model_id for a in out["attempts"]] == RANKED[:2]
    assert server.calls(RANKED[0]) == 1


@pytest.mark.parametrize("mode", ["stream", "astream"])
def test_short_retry_after_is_retried_while_streaming(server: FaultServer, mode: str) -> None:
    from lg_router import RunnableRouter

    server.script(RANKED[0], [Behavior.rate_limited(retry_after=0.2), Behavior()])
    router = RunnableRouter(catalog(server), timeout=TIMEOUT)

    async def collect() -> list:
        return [c async for c in router.astream(CODE_TASK)]

    chunks = list(router.stream(CODE_TASK)) if mode == "stream" else asyncio.run(collect())
    assert "".join(str(c.content) for c in chunks) == f"answer from {RANKED[0]}"
    attempts = chunks[-1].response_metadata["attempts"]
    assert [(a["model_id"], a["outcome"]) for a in attempts] == [(RANKED[0], "error"), (RANKED[0], "ok")]
    assert server.calls(RANKED[1]) == 0
