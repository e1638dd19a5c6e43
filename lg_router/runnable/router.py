"""``RunnableRouter``: the router graph behind LangChain's chat-model interface.

Where a chain or an agent had ``ChatOpenAI(...)``, put ``RunnableRouter(...)``::

    chain = prompt | RunnableRouter(catalog="oxlo") | StrOutputParser()
    agent = create_agent(RunnableRouter(catalog="oxlo"), tools)

Every call runs the graph of :func:`~lg_router.graph.create_router` (compiled once per
instance): classify, the ranked models in order, fallback on a timeout or a retryable
error. Nothing about routing is implemented twice.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextvars import ContextVar
from typing import Any, Literal
from uuid import UUID

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.language_models.base import LangSmithParams
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_core.prompt_values import ChatPromptValue, PromptValue
from langchain_core.runnables import Runnable, RunnableConfig, ensure_config
from langchain_core.tools import BaseTool
from pydantic import ConfigDict, PrivateAttr, SecretStr, SkipValidation

from lg_router.catalog import ModelCatalog
from lg_router.classifiers import Classifier
from lg_router.errors import InvalidTaskError
from lg_router.execution import quiet
from lg_router.graph import create_router
from lg_router.runnable import direct, parts, runs
from lg_router.task import to_messages

# (run id, config) of a router run being opened by ``stream``/``astream``: LangChain's
# ``stream`` does not pass its run manager to ``_stream``, which needs it to nest the
# graph's runs. Set right before the run opens, taken (and cleared) by the run itself.
_STREAM_PARENT: ContextVar[tuple[UUID, RunnableConfig] | None] = ContextVar(
    "lg_router_stream_parent", default=None
)


class RunnableRouter(BaseChatModel):
    """A chat model that routes every call to the best model of a catalog.

    Args:
        catalog: a :class:`ModelCatalog`, a preset name or a YAML path (default ``oxlo``).
        classifier: ``"semantic"``, ``"learned"``, ``"rules"``, ``"llm"``, ``"hybrid"`` or a classifier
            (default: ``semantic`` with its extra installed, else ``learned``).
        chat_models: ready-made chat models by catalog id (instead of built ``ChatOpenAI``).
        preference: default preference (``balanced``, ``quality``, ``speed``, ``cost``).
        models: default candidate pool (catalog ids).
        timeout: seconds for a non-streamed answer, for models without their own timeout.
        first_token_timeout: seconds a streamed call may take to its first token
            (default: ``timeout``).
        idle_timeout: longest gap between two streamed chunks (default 30 s); a stream
            that keeps producing is never cut.
        total_timeout: cap in seconds for a call across all its attempts.
        hedge_after: start the next-ranked model too when the first has no token by then.
        on_stream_failure: ``"continue"`` (default: the next model finishes an answer
            whose stream failed) or ``"raise"`` (:class:`StreamInterruptedError`).
        retries: same-model retries after a short ``Retry-After`` (see :func:`create_router`).
        max_retry_wait: the longest ``Retry-After`` waited for (default 2 s).
        retry_budget: the fraction of recent requests that may fall back or retry
            (default 0.2), a :class:`~lg_router.RetryBudget`, or ``None``.
        client_kwargs: extra ``ChatOpenAI`` arguments for every model the router builds.
        llm: the chat model of the ``llm``/``hybrid`` classifier.
        temperature: sampling temperature of the models the router builds.
        max_tokens: output budget: sent to built models, and used in the context check.
        stop: default stop sequences, sent to whichever model answers.
        api_key: a key for every model the router builds (default: each one's env var).
        max_retries: accepted for LangChain compatibility and not applied: the router
            owns retries (it falls back to the next ranked model) so clients keep 0.
        streaming: ``True`` makes ``invoke`` stream from the chosen model.
        decision_cache: exact decision cache: ``True`` (default, in memory), a LangGraph
            cache backend (``RedisCache``), a ``DecisionCache``, or ``False``.
        semantic_cache: opt-in ``SemanticCache`` (paraphrases reuse a decision).
        sticky: ``"escalate"`` (default), ``"pin"`` or ``"off"``: an agent's tool loop
            stays on the model that issued the tool calls (see ``lg_router.memory``).
        budget: a ``Budget``, a number (money per conversation, catalog currency) or a
            mapping; models the rest of the budget cannot afford are not ranked.
        health: live model health: ``"memory"`` (default, this router's own store),
            ``None`` (off), a Redis URL or a ``Health`` store (see ``lg_router.health``).

    Per call, the routing options (``preference``, ``models``, ``timeout``,
    ``max_tokens``, ``stop``, ...) come from ``config["configurable"]``, from
    ``.bind(...)`` or from call keywords; keywords win over configurable, which wins
    over the constructor. The answer is an ``AIMessage`` whose
    ``response_metadata["model_name"]`` is the catalog id of the model that answered,
    with ``"decision"`` and ``"attempts"`` beside it.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True, extra="forbid", protected_namespaces=())

    catalog: Any = None
    classifier: str | Classifier | None = None
    chat_models: dict[str, BaseChatModel] | None = None
    preference: str = "balanced"
    models: list[str] | None = None
    timeout: SkipValidation[float | None] = None  # checked by create_router: InvalidOptionError
    retries: SkipValidation[int] = 1
    max_retry_wait: SkipValidation[float] = 2.0
    retry_budget: Any = 0.2
    first_token_timeout: SkipValidation[float | None] = None  # checked by create_router
    idle_timeout: SkipValidation[float | None] = None
    total_timeout: SkipValidation[float | None] = None
    hedge_after: SkipValidation[float | None] = None
    on_stream_failure: SkipValidation[str] = "continue"
    client_kwargs: dict[str, Any] | None = None
    llm: BaseChatModel | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    stop: list[str] | None = None
    api_key: SecretStr | None = None
    max_retries: int | None = None
    streaming: bool = False
    decision_cache: Any = True
    semantic_cache: Any = None
    sticky: str = "escalate"
    budget: Any = None
    health: Any = "memory"

    _catalog: ModelCatalog = PrivateAttr()
    _graph: Any = PrivateAttr()

    def __init__(self, catalog: Any = None, /, **kwargs: Any) -> None:
        if catalog is not None:
            if kwargs.get("catalog") is not None:
                msg = "pass the catalog once, positionally or as catalog="
                raise TypeError(msg)
            kwargs["catalog"] = catalog
        super().__init__(**kwargs)
        self._compile()

    def _compile(self) -> None:
        """Resolve the catalog and compile the routing graph (no network, no env access).

        Runs after pydantic's validation so the core's typed errors reach the caller as-is.
        """
        self._catalog = parts.resolve_catalog(self.catalog)
        built: dict[str, Any] = {}
        if self.temperature is not None:
            built["temperature"] = self.temperature
        if self.max_tokens is not None:
            built["max_tokens"] = self.max_tokens
        if self.api_key is not None:
            built["api_key"] = self.api_key
        self._graph = create_router(
            self._catalog,
            classifier=self.classifier,
            chat_models=self.chat_models,
            llm=self.llm,
            preference=self.preference,
            models=self.models,
            timeout=self.timeout,
            client_kwargs={**built, **(self.client_kwargs or {})},
            decision_cache=self.decision_cache,
            semantic_cache=self.semantic_cache,
            sticky=self.sticky,  # type: ignore[arg-type]
            budget=self.budget,
            retries=self.retries,
            max_retry_wait=self.max_retry_wait,
            retry_budget=self.retry_budget,
            health=self.health,
            first_token_timeout=self.first_token_timeout,
            idle_timeout=self.idle_timeout,
            total_timeout=self.total_timeout,
            hedge_after=self.hedge_after,
            on_stream_failure=self.on_stream_failure,
        ).compile(name="lg-router")

    # -- identity ---------------------------------------------------------------------
    @property
    def _llm_type(self) -> str:
        return "lg-router"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {
            "catalog": self._catalog.name,
            "classifier": self.classifier
            if isinstance(self.classifier, str)
            else type(self.classifier).__name__,
            "preference": self.preference,
            "models": self.models,
        }

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        model = kwargs.get("model")
        params = LangSmithParams(
            ls_provider="lg_router",
            ls_model_name=model if isinstance(model, str) else f"lg-router:{self._catalog.name}",
            ls_model_type="chat",
        )
        if self.temperature is not None:
            params["ls_temperature"] = self.temperature
        max_tokens = kwargs.get("max_tokens", self.max_tokens)
        if isinstance(max_tokens, int):
            params["ls_max_tokens"] = max_tokens
        if stop or self.stop:
            params["ls_stop"] = list(stop or self.stop or [])
        return params

    @property
    def graph(self) -> Any:
        """The compiled routing graph this router drives."""
        return self._graph

    # -- input and options ------------------------------------------------------------
    def _convert_input(self, model_input: LanguageModelInput) -> PromptValue:
        if isinstance(model_input, PromptValue | str):
            return super()._convert_input(model_input)
        if isinstance(model_input, Sequence | dict) and not isinstance(model_input, bytes):
            return ChatPromptValue(messages=to_messages(model_input))
        msg = (
            f"RunnableRouter cannot take a {type(model_input).__name__}: pass a string, a "
            "list of messages (LangChain messages, OpenAI-style dicts, (role, text) tuples) "
            "or a PromptValue"
        )
        raise InvalidTaskError(msg)

    def _with_configurable(self, config: RunnableConfig, kwargs: dict[str, Any]) -> dict[str, Any]:
        options = parts.configurable_options(config.get("configurable"))
        parts.call_options(kwargs)  # fail before the run opens
        return {**options, **kwargs}

    def _graph_config(
        self,
        run_manager: CallbackManagerForLLMRun | AsyncCallbackManagerForLLMRun | None,
        stop: list[str] | None,
        kwargs: dict[str, Any],
        *,
        is_async: bool = False,
    ) -> RunnableConfig:
        options: dict[str, Any] = {}
        if self.max_tokens is not None:
            options["max_tokens"] = self.max_tokens
        if self.stop:
            options["stop"] = list(self.stop)
        options.update(parts.call_options(kwargs))
        if stop:
            options["stop"] = list(stop)
        config: RunnableConfig = {"configurable": options}
        parent = _STREAM_PARENT.get()
        _STREAM_PARENT.set(None)
        callbacks = runs.child_manager(run_manager, parent=parent, is_async=is_async)
        if callbacks is not None:
            config["callbacks"] = callbacks
        return config

    def invoke(
        self,
        input: LanguageModelInput,
        config: RunnableConfig | None = None,
        *,
        stop: list[str] | None = None,
        **kwargs: Any,
    ) -> AIMessage:
        config = ensure_config(config)
        options = self._with_configurable(config, kwargs)
        if quiet.unobserved(self, config, options, is_async=False):
            messages = self._convert_input(input).to_messages()
            if quiet.plain(messages):
                graph_config = self._graph_config(None, stop, options)
                inline = self._graph.inline  # unwatched (checked above): the node bodies inline
                run = inline.invoke if inline is not None else self._graph.invoke
                output = runs.quiet_context().run(run, {"messages": messages}, graph_config)
                return direct.answer(runs.final_answer(output), config.pop("run_id", None))
        return super().invoke(input, config, stop=stop, **options)

    async def ainvoke(
        self,
        input: LanguageModelInput,
        config: RunnableConfig | None = None,
        *,
        stop: list[str] | None = None,
        **kwargs: Any,
    ) -> AIMessage:
        config = ensure_config(config)
        options = self._with_configurable(config, kwargs)
        if quiet.unobserved(self, config, options, is_async=True):
            messages = self._convert_input(input).to_messages()
            if quiet.plain(messages):
                graph_config = self._graph_config(None, stop, options, is_async=True)
                inline = self._graph.inline
                arun = inline.ainvoke if inline is not None else self._graph.ainvoke
                output = await runs.quietly(arun({"messages": messages}, graph_config))
                return direct.answer(runs.final_answer(output), config.pop("run_id", None))
        return await super().ainvoke(input, config, stop=stop, **options)

    def stream(
        self,
        input: LanguageModelInput,
        config: RunnableConfig | None = None,
        *,
        stop: list[str] | None = None,
        **kwargs: Any,
    ) -> Iterator[AIMessageChunk]:
        config = ensure_config(config)
        options = self._with_configurable(config, kwargs)
        _STREAM_PARENT.set(runs.stream_parent(config, is_async=False))
        yield from super().stream(input, config, stop=stop, **options)

    async def astream(
        self,
        input: LanguageModelInput,
        config: RunnableConfig | None = None,
        *,
        stop: list[str] | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[AIMessageChunk]:
        config = ensure_config(config)
        options = self._with_configurable(config, kwargs)
        _STREAM_PARENT.set(runs.stream_parent(config, is_async=True))
        async for chunk in super().astream(input, config, stop=stop, **options):
            yield chunk

    # -- running the graph ------------------------------------------------------------
    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        config = self._graph_config(run_manager, stop, kwargs)
        output = runs.quiet_context().run(self._graph.invoke, {"messages": messages}, config)
        return runs.result(runs.final_answer(output))

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        config = self._graph_config(run_manager, stop, kwargs, is_async=True)
        coro = self._graph.ainvoke({"messages": messages}, config)
        output = await runs.quietly(coro)
        return runs.result(runs.final_answer(output))

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        config = self._graph_config(run_manager, stop, kwargs)
        tracker = runs.TokenStream()
        stream = self._graph.stream({"messages": messages}, config, stream_mode=["messages", "values"])
        for mode, data in runs.iterate_in(runs.quiet_context(), stream):
            chunk = tracker.take(mode, data)
            if chunk is not None:
                yield chunk
        yield tracker.close()

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        config = self._graph_config(run_manager, stop, kwargs, is_async=True)
        tracker = runs.TokenStream()
        stream = self._graph.astream({"messages": messages}, config, stream_mode=["messages", "values"])
        async for mode, data in runs.aiterate_in(runs.quiet_context(), stream):
            chunk = tracker.take(mode, data)
            if chunk is not None:
                yield chunk
        yield tracker.close()

    # -- tools and structured output --------------------------------------------------
    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: str | dict[str, Any] | bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind tools: the router then routes only among tool-capable models.

        The tools are bound on whichever model is chosen, including after a fallback.

        Raises:
            NoFeasibleModelError: no model of the default pool can call tools.
            InvalidOptionError: a keyword the router cannot forward to the models.
        """
        strict = kwargs.pop("strict", None)
        formatted = [parts.structured_tool(t, strict) for t in tools]
        parts.call_options(kwargs)
        parts.require(self._catalog, self.models, "tools")
        return self.bind(tools=formatted, tool_choice=tool_choice, **kwargs)

    def with_structured_output(
        self,
        schema: dict[str, Any] | type,
        *,
        include_raw: bool = False,
        method: Literal["function_calling", "json_schema", "json_mode"] = "function_calling",
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, dict[str, Any] | Any]:
        """Return parsed objects of ``schema``, routing only among models with ``tools`` and ``json``.

        Every ``method`` is carried out by forcing a call of the schema as a tool, the
        one mechanism every tool-capable catalog model shares, so a fallback to another
        model keeps working.

        Raises:
            NoFeasibleModelError: no model of the default pool supports it.
            InvalidOptionError: an unknown method or keyword, or a schema that is not one.
        """
        return parts.structured_output(
            self, schema, include_raw=include_raw, method=method, strict=strict, **kwargs
        )
