"""Running one ranked model with a hard deadline, and recording the attempt."""

from __future__ import annotations

import time
from typing import Any

from langchain_core.callbacks import BaseCallbackHandler, BaseCallbackManager
from langchain_core.messages import AIMessage
from langchain_core.runnables import RunnableConfig
from langgraph.runtime import Runtime

from lg_router.catalog import ModelCatalog
from lg_router.decision import Attempt
from lg_router.execution.deadline import DeadlineExceeded, await_with_deadline, run_with_deadline
from lg_router.execution.errors import describe_error
from lg_router.execution.retry import check_answer, remaining_seconds
from lg_router.health.gate import report
from lg_router.health.store import Health
from lg_router.models import ModelProvider
from lg_router.state import RouterState, RunOptions


class _AttemptWatch(BaseCallbackHandler):
    """Counts streamed tokens; once the attempt is abandoned, stops a late stream.

    It runs first among the handlers and raises after the deadline, so tokens of a
    timed-out model never reach the caller's stream.
    """

    raise_error = True
    run_inline = True

    def __init__(self) -> None:
        self.tokens = 0
        self.closed = False

    def on_llm_new_token(self, token: Any, *, chunk: Any = None, **kwargs: Any) -> None:
        if self.closed:
            msg = "attempt abandoned after its deadline"
            raise DeadlineExceeded(0.0, msg)
        message = getattr(chunk, "message", None)
        if token or getattr(message, "tool_call_chunks", None):
            self.tokens += 1


def _with_watch(config: RunnableConfig, watch: _AttemptWatch, model_id: str, *, sync: bool) -> RunnableConfig:
    """The model call's config: the run's callbacks (the watch first), tags, metadata.

    An async call with no callback handler at all skips the watch: nobody can see its
    tokens (so none count as streamed), and a cancelled call sends no late ones; leaving
    the call's callback manager empty keeps LangChain on its cheap path.
    """
    callbacks = config.get("callbacks")
    observed = callbacks.handlers if isinstance(callbacks, BaseCallbackManager) else callbacks
    if not sync and not observed:
        new_callbacks: Any = callbacks
    elif isinstance(callbacks, BaseCallbackManager):
        manager = callbacks.copy()
        manager.handlers = [watch, *manager.handlers]
        manager.inheritable_handlers = [watch, *manager.inheritable_handlers]
        new_callbacks = manager
    else:
        new_callbacks = [watch, *(callbacks or [])]
    child: RunnableConfig = {
        **config,
        "callbacks": new_callbacks,
        "tags": [*config.get("tags", []), f"route:{model_id}"],
        "metadata": {**config.get("metadata", {}), "lg_router_model": model_id},
    }
    child.pop("run_name", None)  # the model's run is named after the model, not the node
    return child


def _openai_client_model(model: Any) -> bool:
    """Whether ``model`` is a langchain-openai chat model (takes a per-request ``timeout``)."""
    fields = getattr(type(model), "model_fields", {})
    return "request_timeout" in fields and "openai_api_base" in fields


class CallModel:
    """The execution node of one catalog model.

    Sends the conversation to the model with the run's config (callbacks, tags
    ``route:<id>``), cuts it off at the attempt's deadline in both sync and async
    runs, and records an :class:`Attempt`. On success it adds the answer, whose
    ``response_metadata`` names the model, the decision and the attempts.
    """

    def __init__(
        self,
        model_id: str,
        *,
        provider: ModelProvider,
        catalog: ModelCatalog,
        defaults: dict[str, Any],
        timeout: float | None = None,
        health: Health | None = None,
    ) -> None:
        self.health = health
        self.model_id = model_id
        self.provider = provider
        self.catalog = catalog
        self.defaults = defaults
        self.timeout = timeout

    def _setup(
        self, config: RunnableConfig, runtime: Runtime[Any] | None, *, sync: bool
    ) -> tuple[float, _AttemptWatch, RunnableConfig, RunOptions]:
        options = RunOptions.resolve(config, runtime.context if runtime else None, defaults=self.defaults)
        spec = self.catalog[self.model_id]
        seconds = options.timeout or spec.timeout or self.timeout or self.catalog.default_timeout
        watch = _AttemptWatch()
        return seconds, watch, _with_watch(config, watch, self.model_id, sync=sync), options

    def _model(self, options: RunOptions, seconds: float) -> Any:
        built: Any = self.provider.get(self.model_id)
        model = built
        if options.tools:
            model = model.bind_tools(list(options.tools), tool_choice=options.tool_choice)
        if options.stop:
            model = model.bind(stop=list(options.stop))
        if options.model_kwargs:
            model = model.bind(**options.model_kwargs)
        if _openai_client_model(built):
            # The request's own timeout: a sync call abandoned at the deadline (its worker
            # thread and connection) then ends right after it, not at the client's timeout.
            model = model.bind(timeout=seconds)
        return model

    def _ok(self, state: RouterState, answer: Any, started: float) -> dict[str, Any]:
        seconds = time.perf_counter() - started
        if not isinstance(answer, AIMessage):
            answer = AIMessage(content=str(getattr(answer, "content", answer)))
        usage = dict(answer.usage_metadata) if answer.usage_metadata else None
        cost = None
        if usage:
            pricing = self.catalog[self.model_id].pricing
            cost = pricing.estimate(usage.get("input_tokens", 0), usage.get("output_tokens", 0))
        usage_ints = {k: v for k, v in (usage or {}).items() if isinstance(v, int)} or None
        attempt = Attempt(
            model_id=self.model_id, outcome="ok", seconds=round(seconds, 4), usage=usage_ints, cost=cost
        )
        report(self.health, attempt)
        attempts = [*state.get("attempts", []), attempt]
        decision = state.get("decision")
        metadata = {
            **answer.response_metadata,
            "model_name": self.model_id,
            "provider_model_name": answer.response_metadata.get("model_name"),
            "decision": decision.model_dump() if decision else None,
            "attempts": [a.model_dump() for a in attempts],
        }
        return {
            "messages": [answer.model_copy(update={"response_metadata": metadata})],
            "attempts": [attempt],
        }

    def _failed(self, exc: BaseException, started: float, watch: _AttemptWatch) -> dict[str, Any]:
        watch.closed = True
        fields = describe_error(exc)  # raises a bug of ours instead of blaming the provider
        fields["retryable"] = fields["retryable"] and not watch.tokens
        attempt = Attempt(
            model_id=self.model_id,
            seconds=round(time.perf_counter() - started, 4),
            streamed=bool(watch.tokens),
            **fields,
        )
        report(self.health, attempt)
        return {"attempts": [attempt]}

    def invoke(
        self, state: RouterState, config: RunnableConfig, runtime: Runtime[Any] | None = None
    ) -> dict[str, Any]:
        """Sync execution: the call runs in a worker thread under a hard deadline."""
        seconds, watch, child, options = self._setup(config, runtime, sync=True)
        seconds = remaining_seconds(state, self.model_id, seconds)  # a retry gets what is left
        started = time.perf_counter()

        def call() -> Any:
            answer = self._model(options, seconds).invoke(state["messages"], child)
            return check_answer(answer, options)

        try:
            answer = run_with_deadline(call, seconds, self.model_id)
        except Exception as exc:
            return self._failed(exc, started, watch)
        return self._ok(state, answer, started)

    async def ainvoke(
        self, state: RouterState, config: RunnableConfig, runtime: Runtime[Any] | None = None
    ) -> dict[str, Any]:
        """Async execution: the call is cancelled at the deadline."""
        seconds, watch, child, options = self._setup(config, runtime, sync=False)
        seconds = remaining_seconds(state, self.model_id, seconds)  # a retry gets what is left
        started = time.perf_counter()
        try:
            model = self._model(options, seconds)
            answer = await await_with_deadline(
                model.ainvoke(state["messages"], child), seconds, self.model_id
            )
            check_answer(answer, options)
        except Exception as exc:
            return self._failed(exc, started, watch)
        return self._ok(state, answer, started)
