"""A model call nobody watches, without the chat-model run around it.

``BaseChatModel.invoke``/``ainvoke`` open a run for every call: a callback manager, run
managers and ``on_chat_model_start``/``on_llm_end`` events, an ``LLMResult``, and in async
a task per prompt. With no handler anywhere that work is seen by no one, yet at 1,000
concurrent requests it is about a third of ``ChatOpenAI``'s CPU per call. When nothing
can observe the call (no callback, tracer, hook, debug or verbose output; no cache or
rate limiter; no streaming asked for; plain-text messages) and the model class runs
LangChain's own run methods, the execution node asks the model's ``_generate`` /
``_agenerate`` for the answer directly (the hooks every LangChain chat model implements)
and returns the message ``invoke`` would have returned: the same content, metadata and
id scheme (``lc_run--<run id>-0`` when the provider names none).

``BaseChatModel``'s public API has no call without a run; this reproduces what
``_generate_with_cache``/``_agenerate_with_cache`` add to the generation (checked on
langchain-core 1.7.2), and ``tests/unit/test_quiet.py`` compares both paths' answers and
errors, so a change in langchain-core fails there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.callbacks import AsyncCallbackManager, CallbackManager
from langchain_core.globals import get_llm_cache
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatResult
from langchain_core.runnables import RunnableBinding, RunnableConfig
from langchain_core.utils.utils import LC_ID_PREFIX
from langchain_core.utils.uuid import uuid7

# call keywords that make BaseChatModel do more than call _generate
_RUN_KEYWORDS = ("stream", "ls_structured_output_format", "structured_output_format")
# the BaseChatModel methods between invoke and _generate; a class overriding one keeps its path
_RUN_METHODS = (
    "invoke",
    "ainvoke",
    "generate",
    "agenerate",
    "generate_prompt",
    "agenerate_prompt",
    "_generate_with_cache",
    "_agenerate_with_cache",
)
# the generation-info key LangChain keeps out of response_metadata (langchain_core.utils._gateway)
_GATEWAY_KEY = "lc_gateway_metadata"


def nobody_listens(
    config: RunnableConfig, local: Any = None, *, verbose: bool = False, is_async: bool = True
) -> bool:
    """Whether a run with ``config`` would have no callback handler at all.

    Resolved as LangChain resolves a run's callbacks: the config's, ``local`` ones (a
    chat model's own), tracing and hooks from the environment and context, debug and
    ``verbose``.
    """
    manager_cls = AsyncCallbackManager if is_async else CallbackManager
    manager = manager_cls.configure(config.get("callbacks"), local, verbose)
    return not manager.handlers and not manager.inheritable_handlers


def unobserved(
    model: BaseChatModel, config: RunnableConfig, options: Mapping[str, Any], *, is_async: bool
) -> bool:
    """Whether a call of ``model`` with ``config`` and call keywords ``options`` would open a
    run nobody sees and do nothing but ask the model for its answer.

    The callbacks are resolved as ``BaseChatModel`` resolves them (the config's, the
    model's, tracing and hooks from the environment and context, debug, verbose).
    """
    if getattr(model, "streaming", False) or model.rate_limiter is not None or model.output_version == "v1":
        return False
    if model.cache is not False and (model.cache is not None or get_llm_cache() is not None):
        return False
    if any(key in options for key in _RUN_KEYWORDS):
        return False
    return nobody_listens(config, model.callbacks, verbose=model.verbose, is_async=is_async)


def plain(messages: Sequence[BaseMessage]) -> bool:
    """Whether every message is plain text (LangChain normalizes content blocks only)."""
    return all(isinstance(m.content, str) for m in messages)


_LANGCHAINS_PATH: dict[type, bool] = {}


def _runs_langchains_path(cls: type) -> bool:
    """Whether ``cls`` is a chat model whose ``invoke`` leads to ``_generate`` unchanged."""
    known = _LANGCHAINS_PATH.get(cls)
    if known is None:
        known = _LANGCHAINS_PATH[cls] = issubclass(cls, BaseChatModel) and all(
            getattr(cls, name) is getattr(BaseChatModel, name) for name in _RUN_METHODS
        )
    return known


def _plain_binding(model: Any) -> bool:
    """A ``RunnableBinding`` (``BaseChatModel.bind`` returns a subclass) that calls its
    bound runnable with its keywords, as ``RunnableBinding`` itself does."""
    cls = type(model)
    return (
        isinstance(model, RunnableBinding)
        and cls.invoke is RunnableBinding.invoke
        and cls.ainvoke is RunnableBinding.ainvoke
    )


def _target(
    model: Any,
    messages: Sequence[BaseMessage],
    config: RunnableConfig,
    kwargs: Mapping[str, Any],
    is_async: bool,
) -> tuple[BaseChatModel, dict[str, Any]] | None:
    """The chat model and call keywords to ask directly, or ``None`` for ``model.invoke``.

    A ``.bind(...)`` without config of its own is looked through: its keywords are the
    call's.
    """
    options = dict(kwargs)
    if _plain_binding(model) and not model.config and not model.config_factories:
        options = {**model.kwargs, **options}
        model = model.bound
    if not _runs_langchains_path(type(model)) or not plain(messages):
        return None
    if not unobserved(model, config, options, is_async=is_async):
        return None
    return model, options


def _answer(result: ChatResult) -> AIMessage:
    """The message ``invoke`` returns for ``result``: generation info folded into
    ``response_metadata``, then the model's ``llm_output``, and a run-style id if none."""
    generation = result.generations[0]
    message = generation.message
    if message.id is None:
        message.id = f"{LC_ID_PREFIX}-{uuid7()}-0"
    info = {k: v for k, v in (generation.generation_info or {}).items() if k != _GATEWAY_KEY}
    message.response_metadata = {**info, **message.response_metadata}
    if len(result.generations) == 1 and result.llm_output is not None:
        message.response_metadata = {**result.llm_output, **message.response_metadata}
    return message  # type: ignore[return-value]


def invoke(model: Any, messages: list[BaseMessage], config: RunnableConfig, kwargs: Mapping[str, Any]) -> Any:
    """``model.invoke(messages, config, **kwargs)``, without its run when nobody watches."""
    target = _target(model, messages, config, kwargs, is_async=False)
    if target is None:
        return model.invoke(messages, config, **kwargs)
    chat, options = target
    stop = options.pop("stop", None)
    return _answer(chat._generate(messages, stop=stop, **options))


async def ainvoke(
    model: Any, messages: list[BaseMessage], config: RunnableConfig, kwargs: Mapping[str, Any]
) -> Any:
    """``await model.ainvoke(messages, config, **kwargs)``, without its run when nobody watches."""
    target = _target(model, messages, config, kwargs, is_async=True)
    if target is None:
        return await model.ainvoke(messages, config, **kwargs)
    chat, options = target
    stop = options.pop("stop", None)
    return _answer(await chat._agenerate(messages, stop=stop, **options))
