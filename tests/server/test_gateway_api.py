"""`lg-router serve` driven by the official openai SDK (sync, async, streaming).

The gateway is a real uvicorn process; every catalog model goes to a fault-injecting
OpenAI-compatible server that answers ``answer from <model>`` unless a test scripts it.
"""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import openai
import pytest
from openai import AsyncOpenAI, OpenAI

from tests.server.harness import GatewayProcess
from tests.support.fault_server import Behavior, FaultServer

pytestmark = pytest.mark.integration

CATALOG_IDS = {
    "openai/gpt-4o",
    "openai/gpt-4o-mini",
    "anthropic/claude-sonnet-4.5",
    "google/gemini-3-flash-preview",
    "google/gemini-3.1-pro-preview",
    "claude-3-sonnet",
}


def provider_name(model_id: str) -> str:
    """The name the catalog sends to the provider (only claude-3-sonnet differs)."""
    return {"claude-3-sonnet": "anthropic/claude-3-sonnet"}.get(model_id, model_id)


def client(gateway: GatewayProcess, key: str) -> OpenAI:
    return OpenAI(base_url=gateway.base_url, api_key=key, max_retries=0, timeout=30)


def test_auto_routes_and_says_who_answered(gateway: GatewayProcess, key: str, fault: FaultServer) -> None:
    raw = client(gateway, key).chat.completions.with_raw_response.create(
        model="auto",
        messages=[{"role": "user", "content": "Refactor this Python function to use a generator."}],
    )
    response = raw.parse()
    assert response.model == "anthropic/claude-sonnet-4.5"  # the catalog's coding strength
    assert response.choices[0].message.content == "answer from anthropic/claude-sonnet-4.5"
    assert response.choices[0].finish_reason == "stop"
    ranked = raw.headers["x-lg-router-ranked"].split(",")
    assert ranked[0] == response.model and len(ranked) == 3 and set(ranked) <= CATALOG_IDS
    assert raw.headers["x-lg-router-category"] == "coding"
    assert raw.headers["x-lg-router-model"] == response.model
    assert raw.headers["x-lg-router-attempts"] == f"{response.model}=ok"
    routing = response.lg_router  # the documented extra field
    assert [r["model_id"] for r in routing["decision"]["ranked"]] == ranked
    assert routing["decision"]["ranked"][0]["justification"]
    assert response.usage is not None and response.usage.total_tokens > 0
    # The provider's key never reaches the client; the model the provider saw is the catalog's.
    assert fault.requests[-1].model == "anthropic/claude-sonnet-4.5"


def test_fallback_on_a_failing_model_aggregates_attempts(
    gateway: GatewayProcess, key: str, fault: FaultServer
) -> None:
    fault.script("anthropic/claude-sonnet-4.5", Behavior.error(503))
    raw = client(gateway, key).chat.completions.with_raw_response.create(
        model="auto",
        messages=[{"role": "user", "content": "Refactor this Python function to use a generator."}],
    )
    response = raw.parse()
    ranked = raw.headers["x-lg-router-ranked"].split(",")
    assert ranked[0] == "anthropic/claude-sonnet-4.5"
    assert response.model == ranked[1]
    assert raw.headers["x-lg-router-attempts"] == f"anthropic/claude-sonnet-4.5=error,{ranked[1]}=ok"
    attempts = response.lg_router["attempts"]
    assert [a["outcome"] for a in attempts] == ["error", "ok"]
    assert attempts[0]["error_type"] == "OpenAIAPIError" and attempts[0]["retryable"]
    summed = sum((a["usage"] or {}).get("total_tokens", 0) for a in attempts)
    assert response.usage.total_tokens == summed > 0
    assert fault.calls("anthropic/claude-sonnet-4.5") == 1 and fault.calls(provider_name(ranked[1])) == 1


def test_catalog_id_goes_straight_to_that_model_with_fallback(
    gateway: GatewayProcess, key: str, fault: FaultServer
) -> None:
    sdk = client(gateway, key)
    messages = [{"role": "user", "content": "Classify this sentiment."}]
    direct = sdk.chat.completions.with_raw_response.create(model="claude-3-sonnet", messages=messages)
    assert direct.parse().model == "claude-3-sonnet"
    assert direct.headers["x-lg-router-ranked"].startswith("claude-3-sonnet,")
    assert fault.requests[-1].model == "anthropic/claude-3-sonnet"  # the provider's name for it
    fault.script("anthropic/claude-3-sonnet", Behavior.error(500))
    fallback = sdk.chat.completions.with_raw_response.create(model="claude-3-sonnet", messages=messages)
    ranked = fallback.headers["x-lg-router-ranked"].split(",")
    assert fallback.parse().model == ranked[1] != "claude-3-sonnet"


def test_model_routing_config_pool_and_preference(
    gateway: GatewayProcess, key: str, fault: FaultServer
) -> None:
    pool = ["openai/gpt-4o", "anthropic/claude-sonnet-4.5", "google/gemini-3-flash-preview"]
    sdk = client(gateway, key)
    raw = sdk.chat.completions.with_raw_response.create(
        model="auto",
        messages=[{"role": "user", "content": "Classify this sentiment: I love it."}],
        extra_body={"model_routing_config": {"models": pool, "preference": "speed"}},
    )
    assert set(raw.headers["x-lg-router-ranked"].split(",")) <= set(pool)
    assert raw.headers["x-lg-router-preference"] == "speed"
    assert raw.parse().model == "google/gemini-3-flash-preview"  # the pool's fastest
    with pytest.raises(openai.BadRequestError) as bad:
        sdk.chat.completions.create(
            model="auto",
            messages=[{"role": "user", "content": "hi"}],
            extra_body={"model_routing_config": {"models": ["gpt-9"]}},
        )
    assert bad.value.body["param"] == "model_routing_config.models" and "gpt-9" in bad.value.body["message"]
    with pytest.raises(openai.BadRequestError, match="preference"):
        sdk.chat.completions.create(
            model="auto",
            messages=[{"role": "user", "content": "hi"}],
            extra_body={"model_routing_config": {"preference": "cheapest"}},
        )


def test_parameters_pass_through_to_the_answering_model(
    gateway: GatewayProcess, key: str, fault: FaultServer
) -> None:
    response = client(gateway, key).chat.completions.create(
        model="openai/gpt-4o",
        messages=[
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "List three colours"},
        ],
        temperature=0.25,
        max_tokens=77,
        stop=["END"],
        top_p=0.5,
        seed=7,
    )
    assert response.model == "openai/gpt-4o"
    body = fault.requests[-1].body
    assert body["temperature"] == 0.25 and body["top_p"] == 0.5 and body["seed"] == 7
    assert body.get("max_tokens", body.get("max_completion_tokens")) == 77
    assert body["stop"] == ["END"]
    assert [m["role"] for m in body["messages"]] == ["system", "user"]


def test_tools_and_tool_choice(gateway: GatewayProcess, key: str, fault: FaultServer) -> None:
    tools = [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "Weather of a city",
                "parameters": {
                    "type": "object",
                    "properties": {"city": {"type": "string"}},
                    "required": ["city"],
                },
            },
        }
    ]
    sdk = client(gateway, key)
    response = sdk.chat.completions.create(
        model="auto",
        messages=[{"role": "user", "content": "What is the weather in Paris?"}],
        tools=tools,
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
    )
    call = response.choices[0].message.tool_calls[0]
    assert call.function.name == "get_weather" and "city" in json.loads(call.function.arguments)
    assert response.choices[0].finish_reason == "tool_calls"
    sent = fault.requests[-1]
    assert sent.tools[0]["function"]["name"] == "get_weather"
    assert sent.tool_choice == {"type": "function", "function": {"name": "get_weather"}}
    # The tool result goes back through the gateway as OpenAI messages.
    follow = sdk.chat.completions.create(
        model=response.model,
        messages=[
            {"role": "user", "content": "What is the weather in Paris?"},
            response.choices[0].message.model_dump(exclude_none=True),
            {"role": "tool", "tool_call_id": call.id, "content": "18 C and sunny"},
        ],
        tools=tools,
    )
    assert follow.choices[0].message.content == f"answer from {provider_name(response.model)}"
    assert [m["role"] for m in fault.requests[-1].messages] == ["user", "assistant", "tool"]


def test_response_format_json(gateway: GatewayProcess, key: str, fault: FaultServer) -> None:
    schema = {
        "name": "person",
        "schema": {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]},
    }
    response = client(gateway, key).chat.completions.create(
        model="auto",
        messages=[{"role": "user", "content": "Extract the person: Ada Lovelace wrote programs."}],
        response_format={"type": "json_schema", "json_schema": schema},
    )
    assert "name" in json.loads(response.choices[0].message.content)
    assert fault.requests[-1].response_format["type"] == "json_schema"


def test_streaming_sync(gateway: GatewayProcess, key: str, fault: FaultServer) -> None:
    stream = client(gateway, key).chat.completions.create(
        model="auto",
        messages=[{"role": "user", "content": "Refactor this Python function to use a generator."}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "answer from anthropic/claude-sonnet-4.5"
    assert {c.model for c in chunks} == {"anthropic/claude-sonnet-4.5"}
    finals = [c for c in chunks if c.choices and c.choices[0].finish_reason]
    assert len(finals) == 1 and finals[0].choices[0].finish_reason == "stop"
    assert finals[0].lg_router["attempts"][0]["outcome"] == "ok"
    assert chunks[-1].usage is not None and chunks[-1].usage.total_tokens > 0


def test_streaming_fallback_before_first_token(gateway: GatewayProcess, key: str, fault: FaultServer) -> None:
    # A Retry-After longer than the router waits for: the next ranked model at once. (The
    # router then leaves that model alone for those 30 s, so no other test of this module
    # routes a task to it first.)
    fault.script("google/gemini-3.1-pro-preview", Behavior.rate_limited(30))
    with client(gateway, key).chat.completions.with_streaming_response.create(
        model="auto",
        messages=[{"role": "user", "content": "Prove that the square root of 2 is irrational."}],
        stream=True,
    ) as raw:
        ranked = raw.headers["x-lg-router-ranked"].split(",")
        assert ranked[0] == "google/gemini-3.1-pro-preview"
        chunks = list(raw.parse())
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == f"answer from {provider_name(ranked[1])}"
    final = next(c for c in chunks if c.choices and c.choices[0].finish_reason)
    assert [a["outcome"] for a in final.lg_router["attempts"]] == ["error", "ok"]


def test_stream_failing_after_tokens_is_continued_by_the_next_model(
    gateway: GatewayProcess, key: str, fault: FaultServer
) -> None:
    fault.script("anthropic/claude-sonnet-4.5", Behavior(kind="cut_stream", cut_after=2))
    stream = client(gateway, key).chat.completions.create(
        model="auto", messages=[{"role": "user", "content": "Refactor this Python function."}], stream=True
    )
    chunks = [c for c in stream if c.choices]
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert text == "answer from anthropic/claude-3-sonnet"  # two tokens, then the rest from the next
    models = [c.model for c in chunks if c.choices[0].delta.content]
    assert models[0] == "anthropic/claude-sonnet-4.5" and models[-1] == "claude-3-sonnet"
    final = chunks[-1]
    assert final.model == "claude-3-sonnet" and final.choices[0].finish_reason == "stop"
    attempts = [(a["model_id"], a["outcome"], a["streamed"]) for a in final.lg_router["attempts"]]
    assert attempts == [("anthropic/claude-sonnet-4.5", "error", True), ("claude-3-sonnet", "ok", False)]


def test_stream_failing_everywhere_after_tokens_ends_with_an_error_event(
    gateway: GatewayProcess, key: str, fault: FaultServer
) -> None:
    for model in ("anthropic/claude-sonnet-4.5", "anthropic/claude-3-sonnet", "openai/gpt-4o"):
        fault.script(model, Behavior(kind="cut_stream", cut_after=2))
    stream = client(gateway, key).chat.completions.create(
        model="auto", messages=[{"role": "user", "content": "Refactor this Python function."}], stream=True
    )
    received = []
    with pytest.raises(openai.APIError, match="after the answer had started streaming"):
        for chunk in stream:
            received.append(chunk)
    assert received, "tokens before the failure reached the client"


async def test_async_client_concurrent_and_streaming(
    gateway: GatewayProcess, key: str, fault: FaultServer
) -> None:
    sdk = AsyncOpenAI(base_url=gateway.base_url, api_key=key, max_retries=0, timeout=30)
    prompts = ["Refactor this Python function.", "Classify this sentiment.", "Translate 'hello' to Japanese."]
    answers = await asyncio.gather(
        *[
            sdk.chat.completions.create(model="auto", messages=[{"role": "user", "content": p}])
            for p in prompts
        ]
    )
    for answer in answers:
        assert answer.model in CATALOG_IDS
        assert answer.choices[0].message.content == f"answer from {provider_name(answer.model)}"
    stream = await sdk.chat.completions.create(
        model="smart-select", messages=[{"role": "user", "content": "Classify this sentiment."}], stream=True
    )
    text = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
    assert text == "answer from openai/gpt-4o-mini"
    await sdk.close()


def test_models_endpoint(gateway: GatewayProcess, key: str) -> None:
    models = {m.id: m for m in client(gateway, key).models.list()}
    assert {"auto", "smart-select"} <= set(models) and set(models) >= CATALOG_IDS
    assert "vision" in models["openai/gpt-4o"].capabilities
    assert models["auto"].models and set(models["auto"].models) == CATALOG_IDS
    assert client(gateway, key).models.retrieve("claude-3-sonnet").id == "claude-3-sonnet"


def test_openai_format_errors(gateway: GatewayProcess, key: str) -> None:
    with pytest.raises(openai.AuthenticationError) as bad_key:
        client(gateway, "wrong-key").chat.completions.create(
            model="auto", messages=[{"role": "user", "content": "hi"}]
        )
    assert bad_key.value.code == "invalid_api_key"
    with pytest.raises(openai.AuthenticationError):
        client(gateway, "wrong-key").models.list()
    with pytest.raises(openai.NotFoundError) as unknown:
        client(gateway, key).chat.completions.create(
            model="gpt-9", messages=[{"role": "user", "content": "hi"}]
        )
    assert unknown.value.code == "model_not_found" and "auto" in unknown.value.message
    with pytest.raises(openai.BadRequestError, match="messages"):
        client(gateway, key).chat.completions.create(model="auto", messages=[])
    headers = {"authorization": f"Bearer {key}", "content-type": "application/json"}
    bad_json = httpx.post(
        f"{gateway.base_url}/chat/completions", content=b'{"model": "auto",', headers=headers
    )
    assert bad_json.status_code == 400 and bad_json.json()["error"]["code"] == "invalid_json"
    assert set(bad_json.json()["error"]) == {"message", "type", "param", "code"}
    no_auth = httpx.post(f"{gateway.base_url}/chat/completions", content=b"{}")
    assert no_auth.status_code == 401 and no_auth.json()["error"]["type"] == "invalid_request_error"


def test_oversized_body_is_413(gateway: GatewayProcess, key: str, fault: FaultServer) -> None:
    huge = "x" * (9 * 1024 * 1024)  # the default limit is 8 MiB
    with pytest.raises(openai.APIStatusError) as too_big:
        client(gateway, key).chat.completions.create(
            model="auto", messages=[{"role": "user", "content": huge}]
        )
    assert too_big.value.status_code == 413 and too_big.value.code == "request_too_large"
    assert fault.calls() == 0


def test_metrics_and_healthz(gateway: GatewayProcess, key: str, fault: FaultServer) -> None:
    fault.script("anthropic/claude-sonnet-4.5", Behavior.error(500))
    client(gateway, key).chat.completions.create(
        model="auto", messages=[{"role": "user", "content": "Refactor this Python function."}]
    )
    assert httpx.post(f"{gateway.base_url}/chat/completions", json={}).status_code == 401
    assert httpx.get(f"{gateway.url}/healthz").json()["status"] == "ok"
    text = httpx.get(f"{gateway.url}/metrics").text
    assert 'lg_router_gateway_fallbacks_total{model="anthropic/claude-sonnet-4.5"}' in text
    assert 'lg_router_model_attempts_total{model="anthropic/claude-sonnet-4.5",outcome="error"}' in text
    assert 'lg_router_model_attempt_seconds_bucket{le="0.5",model="openai/gpt-4o"}' in text or (
        "lg_router_model_attempt_seconds_bucket" in text
    )
    assert 'lg_router_gateway_requests_total{code="401",route="-"}' in text


def test_concurrency_limit_is_429_with_retry_after(
    upstream: FaultServer, key: str, fault: FaultServer
) -> None:
    fault.set_default(Behavior.slow(3.0))
    try:
        with GatewayProcess(upstream.base_url, args=["--max-concurrency", "2"]) as small:

            async def burst() -> list[int | None]:
                async with httpx.AsyncClient(timeout=30) as http:
                    body = {"model": "auto", "messages": [{"role": "user", "content": "hi"}]}
                    headers = {"authorization": f"Bearer {key}"}

                    async def one(delay: float) -> httpx.Response:
                        await asyncio.sleep(delay)
                        return await http.post(
                            f"{small.base_url}/chat/completions", json=body, headers=headers
                        )

                    responses = await asyncio.gather(one(0), one(0), one(1.0))
                    limited = [r for r in responses if r.status_code == 429]
                    assert len(limited) == 1
                    assert limited[0].headers["retry-after"] == "1"
                    assert limited[0].json()["error"]["code"] == "concurrency_limit"
                    return [r.status_code for r in responses]

            assert sorted(asyncio.run(burst())) == [200, 200, 429]
    finally:
        fault.set_default(Behavior())


def test_graceful_shutdown_finishes_in_flight_streams(
    upstream: FaultServer, key: str, fault: FaultServer
) -> None:
    fault.set_default(Behavior.drip(0.3, text="one two three four five six"))
    try:
        gateway = GatewayProcess(upstream.base_url).start()
        stream = client(gateway, key).chat.completions.create(
            model="auto", messages=[{"role": "user", "content": "hi"}], stream=True
        )
        first = next(iter(stream))
        gateway.terminate()  # SIGTERM while the answer is still dripping
        rest = list(stream)
        text = "".join(c.choices[0].delta.content or "" for c in [first, *rest] if c.choices)
        assert text == "one two three four five six"
        assert any(c.choices and c.choices[0].finish_reason == "stop" for c in rest)
        assert gateway.stop() in (0, -15)  # uvicorn re-raises SIGTERM once it has shut down
        assert "Finished server process" in gateway.log()
    finally:
        fault.set_default(Behavior())


def test_no_keys_on_loopback_serves_with_a_warning(upstream: FaultServer, fault: FaultServer) -> None:
    with GatewayProcess(upstream.base_url, keys=()) as open_gateway:
        anyone = OpenAI(base_url=open_gateway.base_url, api_key="anything", max_retries=0)
        assert anyone.chat.completions.create(
            model="auto", messages=[{"role": "user", "content": "hi"}]
        ).model
        assert "warning: no gateway keys" in open_gateway.log()


def test_client_leaving_mid_stream_cancels_the_model_call(
    gateway: GatewayProcess, key: str, fault: FaultServer
) -> None:
    fault.set_default(Behavior.drip(0.2, text="one two three four five six seven eight nine ten"))
    try:
        stream = client(gateway, key).chat.completions.create(
            model="auto", messages=[{"role": "user", "content": "hi"}], stream=True
        )
        assert next(iter(stream)).choices[0].delta.content
        stream.close()  # the client goes away after the first token
        assert fault.wait_idle(10), "the model call was left running"
        assert fault.requests[-1].outcome == "client_disconnected"
        deadline = time.monotonic() + 10
        while httpx.get(f"{gateway.url}/healthz").json()["in_flight"] and time.monotonic() < deadline:
            time.sleep(0.05)
        assert httpx.get(f"{gateway.url}/healthz").json()["in_flight"] == 0  # the slot is free again
        metrics = httpx.get(f"{gateway.url}/metrics").text
        assert 'lg_router_gateway_requests_total{code="499",route="auto"}' in metrics
    finally:
        fault.set_default(Behavior())


def test_provider_key_never_leaves_the_gateway(key: str) -> None:
    secret = "sk-provider-" + "7f3c9a1e5b" * 3
    with FaultServer(api_key=secret) as provider:
        env = {"UPSTREAM_KEY": secret}
        with GatewayProcess(provider.base_url, args=["--api-key-env", "UPSTREAM_KEY"], env=env) as gw:
            sdk = client(gw, key)
            seen: list[str] = []
            raw = sdk.chat.completions.with_raw_response.create(
                model="auto", messages=[{"role": "user", "content": "hi"}]
            )
            seen += [raw.text, str(raw.headers)]
            assert provider.requests[-1].headers["Authorization"] == f"Bearer {secret}"  # sent upstream
            provider.script("openai/gpt-4o", Behavior.error(401, message=f"bad key {secret[:12]}..."))
            provider.script("openai/gpt-4o-mini", Behavior.error(401))
            failed = httpx.post(
                f"{gw.base_url}/chat/completions",
                json={"model": "openai/gpt-4o", "messages": [{"role": "user", "content": "hi"}]},
                headers={"authorization": f"Bearer {key}"},
            )
            assert failed.status_code in (400, 502)
            seen += [failed.text, str(failed.headers)]
            provider.clear_scripts()
            with sdk.chat.completions.create(
                model="auto", messages=[{"role": "user", "content": "hi"}], stream=True
            ) as stream:
                seen += [c.model_dump_json() for c in stream]
            seen += [httpx.get(f"{gw.url}{path}").text for path in ("/", "/metrics", "/healthz")]
            seen.append(sdk.models.list().model_dump_json())
            seen.append(gw.log())
    leaked = [s for s in seen if secret in s or secret[:12] in s]
    assert not leaked, leaked[0][:500]


def test_health_off_means_no_breaker_and_no_memory_of_failures(
    gateway: GatewayProcess, key: str, fault: FaultServer
) -> None:
    # The module's gateway runs with --health off.
    assert client(gateway, key).models.retrieve("openai/gpt-4o").breaker_state == "n/a"
    fault.script("google/gemini-3.1-pro-preview", Behavior.rate_limited(30))
    messages = [{"role": "user", "content": "Prove that the square root of 2 is irrational."}]
    for _ in range(6):  # more failures than open a breaker when health is on
        client(gateway, key).chat.completions.create(model="auto", messages=messages)
    fault.clear_scripts()
    raw = client(gateway, key).chat.completions.with_raw_response.create(model="auto", messages=messages)
    assert raw.headers["x-lg-router-attempts"] == "google/gemini-3.1-pro-preview=ok"
    assert 'class="state-n-a">n/a<' in httpx.get(f"{gateway.url}/").text
