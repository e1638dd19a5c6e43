"""`lg-router serve` in front of a real model: SmolLM2-135M on llama.cpp (e2e tier).

Chain: openai SDK -> lg-router serve (uvicorn) -> FaultServer proxy (renames every
catalog model to the one llama.cpp alias, rewrites ``max_completion_tokens``) ->
llama_cpp.server. A missing llama.cpp is a failure here, not a skip.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import pytest
from openai import AsyncOpenAI, OpenAI

from lg_router import ModelCatalog
from tests.server.harness import CATALOG, GATEWAY_KEY, GatewayProcess
from tests.support.fault_server import FaultServer
from tests.support.llama_server import LlamaServer, llama_cpp_available

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.timeout(600)]

ALIAS = "smollm2"


@pytest.fixture(scope="module")
def real_gateway() -> Iterator[tuple[GatewayProcess, FaultServer]]:
    if not llama_cpp_available():
        pytest.fail("llama_cpp.server is not importable: install the 'e2e' extra")
    catalog = ModelCatalog.from_yaml(CATALOG)
    aliases = {catalog[m].provider_model: ALIAS for m in catalog.ids}
    with (
        LlamaServer([ALIAS]) as llama,
        FaultServer(upstream=llama.base_url, alias_map=aliases) as proxy,
        GatewayProcess(proxy.base_url, args=["--timeout", "120"]) as gateway,
    ):
        yield gateway, proxy


def test_smart_select_answers_with_the_real_model(real_gateway: tuple[GatewayProcess, FaultServer]) -> None:
    gateway, proxy = real_gateway
    client = OpenAI(base_url=gateway.base_url, api_key=GATEWAY_KEY, max_retries=0, timeout=120)
    response = client.chat.completions.create(
        model="smart-select",
        messages=[{"role": "user", "content": "Classify this sentiment: 'I love this phone.'"}],
        max_tokens=24,
        temperature=0,
    )
    assert response.model == "openai/gpt-4o-mini"
    assert response.choices[0].message.content.strip()
    assert 0 < response.usage.completion_tokens <= 24
    assert proxy.requests[-1].model == "openai/gpt-4o-mini"


def test_streaming_and_forced_tool_call_with_the_real_model(
    real_gateway: tuple[GatewayProcess, FaultServer],
) -> None:
    gateway, _ = real_gateway

    async def run() -> tuple[str, str | None, str]:
        client = AsyncOpenAI(base_url=gateway.base_url, api_key=GATEWAY_KEY, max_retries=0, timeout=120)
        stream = await client.chat.completions.create(
            model="auto",
            messages=[{"role": "user", "content": "Write one sentence about the sea."}],
            max_tokens=24,
            stream=True,
        )
        text, finish = "", None
        async for chunk in stream:
            if chunk.choices:
                text += chunk.choices[0].delta.content or ""
                finish = chunk.choices[0].finish_reason or finish
        tools = [
            {
                "type": "function",
                "function": {
                    "name": "get_weather",
                    "parameters": {
                        "type": "object",
                        "properties": {"city": {"type": "string"}},
                        "required": ["city"],
                    },
                },
            }
        ]
        called = await client.chat.completions.create(
            model="auto",
            messages=[{"role": "user", "content": "What is the weather in Paris?"}],
            tools=tools,
            tool_choice={"type": "function", "function": {"name": "get_weather"}},
            max_tokens=48,
        )
        await client.close()
        call = called.choices[0].message.tool_calls[0]
        assert call.function.name == "get_weather"
        return text, finish, call.function.arguments

    text, finish, arguments = asyncio.run(run())
    assert text.strip() and finish in ("stop", "length")
    assert "city" in json.loads(arguments)
