"""The gateway's pure parts: wire format, gateway keys, pinning, plumbing, the serve command's checks."""

from __future__ import annotations

import subprocess
import sys

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, ToolMessage

from lg_router import ModelCatalog
from lg_router.decision import Attempt, RankedModel, RoutingDecision
from lg_router.errors import InvalidOptionError, RoutingError
from lg_router.server import replies
from lg_router.server.auth import GatewayKeys, bearer, digest
from lg_router.server.pinning import pin_first
from lg_router.server.plumbing import router_extras
from lg_router.server.runner import to_wire_error
from lg_router.server.wire import WireError, parse_request
from tests.server.harness import CATALOG
from tests.support.cli_proc import REPO, clean_env

CAT = ModelCatalog.from_yaml(CATALOG)


def body(**extra: object) -> dict[str, object]:
    return {"model": "auto", "messages": [{"role": "user", "content": "hi"}], **extra}


def test_parse_maps_openai_fields_onto_run_options() -> None:
    tools = [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]
    request = parse_request(
        body(
            temperature=0.2,
            max_tokens=50,
            stop="END",
            tools=tools,
            tool_choice="required",
            response_format={"type": "json_object"},
            stream=True,
            stream_options={"include_usage": True},
            model_routing_config={"models": ["openai/gpt-4o", "claude-3-sonnet"], "preference": "cost"},
        ),
        CAT,
    )
    assert request.pinned is None and request.stream and request.include_usage
    c = request.configurable
    assert c["models"] == ["openai/gpt-4o", "claude-3-sonnet"] and c["preference"] == "cost"
    assert c["tools"] == tools and c["tool_choice"] == "required" and c["stop"] == "END"
    assert c["needs_json"] is True and c["max_tokens"] == 50
    assert c["model_kwargs"] == {
        "temperature": 0.2,
        "max_tokens": 50,
        "response_format": {"type": "json_object"},
    }


def test_parse_pins_a_catalog_id_and_keeps_it_in_the_pool() -> None:
    request = parse_request(
        {**body(model_routing_config={"models": ["openai/gpt-4o"]}), "model": "claude-3-sonnet"}, CAT
    )
    assert request.pinned == "claude-3-sonnet"
    assert request.configurable["models"] == ["claude-3-sonnet", "openai/gpt-4o"]
    assert parse_request(body(model="smart-select"), CAT).pinned is None


def test_parse_accepts_assistant_tool_turns_without_content() -> None:
    messages = [
        {"role": "user", "content": "weather?"},
        {
            "role": "assistant",
            "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "f", "arguments": '{"a": 1}'}}
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "sunny"},
    ]
    parsed = parse_request({"model": "auto", "messages": messages}, CAT).messages
    assert isinstance(parsed[1], AIMessage) and parsed[1].tool_calls[0]["args"] == {"a": 1}
    assert isinstance(parsed[2], ToolMessage)


@pytest.mark.parametrize(
    ("payload", "status", "param"),
    [
        ([1, 2], 400, "body"),
        ({"messages": [{"role": "user", "content": "hi"}]}, 400, "model"),
        (body(model="gpt-9"), 404, "model"),
        (body(messages=[]), 400, "messages"),
        (body(messages=[{"role": "wizard", "content": "x"}]), 400, "messages"),
        (body(n=2), 400, "n"),
        (body(max_tokens=0), 400, "max_tokens"),
        (body(temperature="hot"), 400, "temperature"),
        (body(stop=[1]), 400, "stop"),
        (body(response_format="json"), 400, "response_format"),
        (body(model_routing_config={"models": []}), 400, "model_routing_config.models"),
        (body(model_routing_config={"models": ["nope"]}), 400, "model_routing_config.models"),
        (body(model_routing_config={"preference": "fastest"}), 400, "model_routing_config.preference"),
        (body(model_routing_config="quality"), 400, "model_routing_config"),
    ],
)
def test_parse_rejects_bad_requests_with_openai_errors(payload: object, status: int, param: str) -> None:
    with pytest.raises(WireError) as caught:
        parse_request(payload, CAT)
    assert caught.value.status == status and caught.value.param == param
    assert set(caught.value.body()["error"]) == {"message", "type", "param", "code"}


def test_completion_body_names_the_answering_model_and_sums_usage() -> None:
    answer = AIMessage(
        "",
        tool_calls=[{"name": "f", "args": {"x": 1}, "id": "call_1"}],
        response_metadata={"model_name": "openai/gpt-4o", "finish_reason": "tool_calls"},
    )
    attempts = [
        Attempt(model_id="claude-3-sonnet", outcome="error", seconds=0.1, usage={"input_tokens": 4}),
        Attempt(
            model_id="openai/gpt-4o", outcome="ok", seconds=0.2, usage={"input_tokens": 5, "output_tokens": 2}
        ),
    ]
    out = replies.completion_body(answer, None, attempts, cid="chatcmpl-x")
    assert out["model"] == "openai/gpt-4o" and out["choices"][0]["finish_reason"] == "tool_calls"
    assert out["choices"][0]["message"]["tool_calls"][0]["function"] == {"name": "f", "arguments": '{"x": 1}'}
    assert out["usage"] == {"prompt_tokens": 9, "completion_tokens": 2, "total_tokens": 11}
    assert [a["model_id"] for a in out["lg_router"]["attempts"]] == ["claude-3-sonnet", "openai/gpt-4o"]


def test_delta_of_text_and_tool_call_chunks() -> None:
    assert replies.delta_of(AIMessageChunk(content="hi"), first=True) == {
        "role": "assistant",
        "content": "hi",
    }
    assert replies.delta_of(AIMessageChunk(content=""), first=False) is None
    chunk = AIMessageChunk(
        content="", tool_call_chunks=[{"name": "f", "args": '{"a"', "id": "c1", "index": 0}]
    )
    assert replies.delta_of(chunk, first=False) == {
        "tool_calls": [
            {"index": 0, "type": "function", "id": "c1", "function": {"name": "f", "arguments": '{"a"'}}
        ]
    }


def test_routing_errors_map_to_http_statuses() -> None:
    bad = Attempt(
        model_id="a", outcome="error", seconds=0.1, error_type="OpenAIInvalidRequestError", error="bad"
    )
    assert to_wire_error(RoutingError("x", [bad])).status == 400
    down = Attempt(model_id="a", outcome="error", seconds=0.1, error_type="OpenAIAPIError", retryable=True)
    assert to_wire_error(RoutingError("x", [down, down])).status == 502
    slow = Attempt(model_id="a", outcome="timeout", seconds=1.0, retryable=True)
    assert to_wire_error(RoutingError("x", [slow])).status == 504
    leaked = Attempt(
        model_id="a",
        outcome="error",
        seconds=0.1,
        error_type="OpenAIAuthenticationError",
        error="key sk-ab***yz",
    )
    assert "sk-" not in to_wire_error(RoutingError("x", [leaked])).message
    assert to_wire_error(InvalidOptionError("nope")).status == 400


def test_gateway_keys_are_hashed_and_checked() -> None:
    keys = GatewayKeys.from_keys(["alpha", f"sha256:{digest('beta')}", " ", ""])
    assert len(keys) == 2 and keys.check("alpha") and keys.check("beta")
    assert not keys.check("gamma") and not keys.check("") and not keys.check(None)
    assert "alpha" not in repr(keys) and "alpha" not in "".join(keys.digests)
    assert not GatewayKeys() and not GatewayKeys().check("alpha")
    with pytest.raises(InvalidOptionError, match="64 hex"):
        GatewayKeys.from_keys(["sha256:abc"])
    assert bearer("Bearer tok") == "tok" and bearer("bearer  tok ") == "tok"
    assert bearer("Basic tok") is None and bearer(None) is None and bearer("Bearer ") is None


def test_gateway_keys_from_file_and_env(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "keys"
    path.write_text("# team keys\nk-one  # laptop\n\nsha256:" + digest("k-two") + "\n")
    keys = GatewayKeys.load(path, env="k-three, k-four")
    assert all(keys.check(k) for k in ("k-one", "k-two", "k-three", "k-four")) and len(keys) == 4
    empty = tmp_path / "empty"
    empty.write_text("# nothing\n")
    with pytest.raises(InvalidOptionError, match="holds no key"):
        GatewayKeys.load(empty, env="")
    with pytest.raises(InvalidOptionError, match="cannot read"):
        GatewayKeys.load(tmp_path / "missing", env="")


def test_pin_first_moves_a_feasible_pin_and_notes_an_infeasible_one() -> None:
    decision = RoutingDecision(
        ranked=tuple(RankedModel(model_id=m, justification="j", score=0.5) for m in ("a", "b", "c")),
        category="general",
        classifier="rules",
    )
    candidates = [CAT[m] for m in ("openai/gpt-4o", "claude-3-sonnet")]
    pinned = pin_first(decision, "claude-3-sonnet", candidates)
    assert pinned.model_ids == ["claude-3-sonnet", "a", "b"]
    assert pin_first(decision, None, candidates) is decision
    missing = pin_first(decision, "openai/gpt-4o-mini", candidates)
    assert missing.model_ids == ["a", "b", "c"] and "openai/gpt-4o-mini" in (missing.note or "")


def test_cache_option_maps_to_the_routers_decision_cache() -> None:
    from langgraph.cache.redis import RedisCache

    from lg_router.graph import create_router

    assert router_extras() == {} and router_extras(cache="memory") == {}
    assert router_extras(cache="off") == {"decision_cache": False}
    shared = router_extras(cache="redis://127.0.0.1:1/0")["decision_cache"]
    assert isinstance(shared, RedisCache)  # no connection is made until a decision is cached
    create_router("oxlo", decision_cache=shared)  # the router takes it as it is
    with pytest.raises(InvalidOptionError, match="--cache must be"):
        router_extras(cache="memcached://x")


def test_serve_refuses_a_public_host_without_keys() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "lg_router.cli", "serve", "--host", "0.0.0.0", "--port", "1"],
        cwd=REPO,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "refusing to serve on 0.0.0.0 without gateway keys" in done.stderr
    assert "LG_ROUTER_GATEWAY_KEYS" in done.stderr
