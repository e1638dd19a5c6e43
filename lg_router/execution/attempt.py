"""Running one ranked model under the time model, and recording the attempt.

A call is *streamed* when the run has a stream consumer (``stream_mode="messages"``,
``astream_events``, ``RunnableRouter.stream``) or a hedge is asked for: then
:mod:`~lg_router.execution.stream` reads the model's stream under
``first_token_timeout``/``idle_timeout`` and relays what the caller may see. Otherwise
the whole answer has ``timeout``. Every finished attempt (ok, failed, hedged), sync or
async, is produced in one place: :meth:`CallModel._attempt`.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.messages.utils import count_tokens_approximately
from langchain_core.runnables import RunnableConfig
from langgraph.runtime import Runtime

from lg_router.catalog import ModelCatalog
from lg_router.decision import Attempt
from lg_router.execution import quiet
from lg_router.execution.continuation import continuation_messages, prefix_of, segments, whole_answer
from lg_router.execution.deadline import (
    AttemptTimes,
    DeadlineExceeded,
    attempt_times,
    await_with_deadline,
    run_with_deadline,
)
from lg_router.execution.drive import drive_async, drive_sync
from lg_router.execution.errors import describe_error
from lg_router.execution.outcome import Result, race_results
from lg_router.execution.relay import Relay, split_consumers
from lg_router.execution.retry import RetryBudget, check_answer, remaining_seconds
from lg_router.execution.stream import Source, StreamRace
from lg_router.health.gate import report
from lg_router.health.store import Health
from lg_router.memory.budget import attempt_cost, spend_of
from lg_router.models import ModelProvider
from lg_router.state import RouterState, RunOptions


def _child(config: RunnableConfig, model_id: str) -> RunnableConfig:
    """The model call's config: the run's callbacks, tags ``route:<id>``, metadata."""
    child: RunnableConfig = {
        **config,
        "tags": [*config.get("tags", []), f"route:{model_id}"],
        "metadata": {**config.get("metadata", {}), "lg_router_model": model_id},
    }
    child.pop("run_name", None)  # the model's run is named after the model, not the node
    return child


def _openai_client_model(model: Any) -> bool:
    """Whether ``model`` is a langchain-openai chat model (takes a per-request ``timeout``)."""
    fields = getattr(type(model), "model_fields", {})
    return "request_timeout" in fields and "openai_api_base" in fields


@dataclass
class _Call:
    """One execution of a node: options, times, the request, where tokens go."""

    options: RunOptions
    times: AttemptTimes
    prefix: str
    messages: list[BaseMessage]
    config: RunnableConfig
    hedge_id: str | None
    streams: bool
    started: float = field(default_factory=time.monotonic)


class CallModel:
    """The execution node of one catalog model.

    Sends the conversation (plus the partial answer, when it continues a stream another
    model started) to the model with the run's config (callbacks, tags ``route:<id>``),
    cuts it off by the time model in both sync and async runs, optionally hedges with
    the next-ranked model, and records the attempts. On success it adds the answer,
    whose ``response_metadata`` names the model, the decision and the attempts.
    """

    def __init__(
        self,
        model_id: str,
        *,
        provider: ModelProvider,
        catalog: ModelCatalog,
        defaults: dict[str, Any],
        timeout: float | None = None,
        first_token_timeout: float | None = None,
        idle_timeout: float | None = None,
        health: Health | None = None,
        budget: RetryBudget | None = None,
    ) -> None:
        self.health = health
        self.budget = budget
        self.model_id = model_id
        self.provider = provider
        self.catalog = catalog
        self.defaults = defaults
        self.times = {
            "timeout": timeout,
            "first_token_timeout": first_token_timeout,
            "idle_timeout": idle_timeout,
        }

    # -- preparing ------------------------------------------------------------------------
    def _prepare(self, state: RouterState, config: RunnableConfig, runtime: Runtime[Any] | None) -> _Call:
        options = RunOptions.resolve(config, runtime.context if runtime else None, defaults=self.defaults)
        attempts = state.get("attempts") or []
        times = attempt_times(options, self.catalog, self.model_id, self.times, attempts)
        # a retry of the same model (after a short Retry-After) gets what is left of it
        times = dataclasses.replace(
            times,
            timeout=remaining_seconds(state, self.model_id, times.timeout),
            first_token=remaining_seconds(state, self.model_id, times.first_token),
        )
        hedge_id = None
        decision = state.get("decision")
        if options.hedge_after is not None and not attempts and decision is not None:
            later = decision.model_ids[decision.model_ids.index(self.model_id) + 1 :]
            hedge_id = later[0] if later else None
        _, relay_config = split_consumers(config)
        return _Call(
            options=options,
            times=times,
            prefix=prefix_of(state.get("partial"), attempts),
            messages=list(state["messages"]),
            config=config,
            hedge_id=hedge_id,
            streams=relay_config is not None or hedge_id is not None,
        )

    def _request(self, model_id: str, call: _Call) -> tuple[Any, dict[str, Any]]:
        """The model to call (tools, stop words, model kwargs bound) and the call's keywords."""
        built: Any = self.provider.get(model_id)
        model = built
        if call.options.tools:
            model = model.bind_tools(list(call.options.tools), tool_choice=call.options.tool_choice)
        if call.options.stop:
            model = model.bind(stop=list(call.options.stop))
        if call.options.model_kwargs:
            model = model.bind(**call.options.model_kwargs)
        if _openai_client_model(built):
            # The request's own timeout: a sync call abandoned at its deadline (its worker
            # thread and connection) then ends right after it, not at the client's timeout.
            return model, {"timeout": call.times.read if call.streams else call.times.call}
        return model, {}

    def _model(self, model_id: str, call: _Call) -> Any:
        model, kwargs = self._request(model_id, call)
        return model.bind(**kwargs) if kwargs else model

    def _source(self, index: int, model_id: str, call: _Call) -> Source:
        messages = continuation_messages(call.messages, call.prefix, prefill=self.catalog[model_id].prefill)
        model_config, relay_config = split_consumers(_child(call.config, model_id))
        model = self._model(model_id, call)
        name = self.provider.get(model_id).get_name()
        return Source(
            index=index,
            model_id=model_id,
            model=model,
            messages=messages,
            config=model_config,
            relay=Relay(relay_config, name, messages, call.prefix),
            needs_finish=_openai_client_model(self.provider.get(model_id)),
        )

    def _race(self, call: _Call) -> StreamRace:
        sources = [self._source(0, self.model_id, call)]
        if call.hedge_id is not None:
            sources.append(self._source(1, call.hedge_id, call))
        return StreamRace(
            call.times,
            sources,
            hedge_after=call.options.hedge_after,
            check=lambda answer: check_answer(answer, call.options),
            # a hedge is an extra call like a fallback: it spends the same retry budget
            may_hedge=self.budget.try_spend if self.budget is not None else None,
        )

    # -- running ----------------------------------------------------------------------------
    def invoke(
        self, state: RouterState, config: RunnableConfig, runtime: Runtime[Any] | None = None
    ) -> dict[str, Any]:
        """Sync execution: worker threads, abandoned at the time model's limits."""
        call = self._prepare(state, config, runtime)
        try:
            self._check_total(call)
            if call.streams:
                race = self._race(call)
                drive_sync(race)
                return self._finish(state, call, race_results(race))
            child = _child(config, self.model_id)

            def whole() -> Any:  # building the client counts against the deadline too
                model, kwargs, messages = self._whole_request(call)
                return check_answer(quiet.invoke(model, messages, child, kwargs), call.options)

            answer = run_with_deadline(whole, call.times.call, self.model_id)
        except Exception as exc:
            return self._finish(state, call, [self._failure(call, exc)])
        return self._finish(state, call, [self._whole(call, answer)])

    async def ainvoke(
        self, state: RouterState, config: RunnableConfig, runtime: Runtime[Any] | None = None
    ) -> dict[str, Any]:
        """Async execution: the call is cancelled at the time model's limits."""
        call = self._prepare(state, config, runtime)
        try:
            self._check_total(call)
            if call.streams:
                race = self._race(call)
                await drive_async(race)
                return self._finish(state, call, race_results(race))
            child = _child(config, self.model_id)

            async def whole() -> Any:  # building the client counts against the deadline too
                model, kwargs, messages = self._whole_request(call)
                return await quiet.ainvoke(model, messages, child, kwargs)

            answer = check_answer(
                await await_with_deadline(whole(), call.times.call, self.model_id), call.options
            )
        except Exception as exc:
            return self._finish(state, call, [self._failure(call, exc)])
        return self._finish(state, call, [self._whole(call, answer)])

    def _check_total(self, call: _Call) -> None:
        if call.times.remaining == 0:
            raise DeadlineExceeded(call.options.total_timeout or 0.0, "the request's total_timeout")

    def _whole_request(self, call: _Call) -> tuple[Any, dict[str, Any], list[BaseMessage]]:
        prefill = self.catalog[self.model_id].prefill
        model, kwargs = self._request(self.model_id, call)
        return model, kwargs, continuation_messages(call.messages, call.prefix, prefill=prefill)

    def _whole(self, call: _Call, answer: Any) -> Result:
        if not isinstance(answer, AIMessage):
            answer = AIMessage(content=str(getattr(answer, "content", answer)))
        seconds = time.monotonic() - call.started
        return Result(self.model_id, "ok", seconds, call.messages, answer=answer)

    def _failure(self, call: _Call, exc: BaseException) -> Result:
        return Result(self.model_id, "failed", time.monotonic() - call.started, call.messages, error=exc)

    # -- recording --------------------------------------------------------------------------
    def _attempt(self, result: Result, call: _Call) -> Attempt:
        """The one place a finished attempt (ok, failed, hedged) becomes an :class:`Attempt`,
        sync or async, and is reported to health."""
        attempt = self._make_attempt(result, call)
        report(self.health, attempt)
        return attempt

    def _make_attempt(self, result: Result, call: _Call) -> Attempt:
        pricing = self.catalog[result.model_id].pricing
        usage: dict[str, int] | None = None
        if result.answer is not None and result.answer.usage_metadata:
            usage = {
                k: v for k, v in dict(result.answer.usage_metadata).items() if isinstance(v, int)
            } or None
        elif result.outcome == "hedged" or result.shown:
            # the provider's count never came (cancelled or cut): estimate, so cost counts
            usage = {
                "input_tokens": count_tokens_approximately(result.messages),
                "output_tokens": max(1, len(result.shown or "") // 4),
            }
        common: dict[str, Any] = {
            "model_id": result.model_id,
            "seconds": round(result.seconds, 4),
            "usage": usage,
            **attempt_cost(pricing, usage),  # tokens and cost, in and out apart
            "first_token_seconds": None
            if result.first_token_seconds is None
            else round(result.first_token_seconds, 4),
            "continued_at": len(call.prefix) if call.prefix else None,
        }
        if result.outcome == "ok":
            return Attempt(outcome="ok", **common)
        if result.outcome == "hedged":
            return Attempt(
                outcome="hedged", error="cancelled: the other model's first token came first", **common
            )
        fields = describe_error(result.error or RuntimeError("unknown failure"))  # raises a bug of ours
        streamed = bool(result.shown)
        if streamed and call.options.on_stream_failure == "raise":
            fields["retryable"] = False
        return Attempt(streamed=streamed, **fields, **common)

    def _finish(self, state: RouterState, call: _Call, results: list[Result]) -> dict[str, Any]:
        new = [self._attempt(r, call) for r in results]
        update: dict[str, Any] = {"attempts": new, "spend": spend_of(new)}
        won = next((r for r in results if r.outcome == "ok"), None)
        if won is None:
            shown = "".join(r.shown or "" for r in results)
            update["partial"] = call.prefix + shown
            return update
        assert won.answer is not None
        answer = whole_answer(won.answer, call.prefix, won.shown)
        if won.relay_id is not None:
            answer = answer.model_copy(update={"id": won.relay_id})  # the id the stream used
        attempts = [*state.get("attempts", []), *new]
        decision = state.get("decision")
        metadata = {
            **won.answer.response_metadata,
            "model_name": won.model_id,
            "provider_model_name": won.answer.response_metadata.get("model_name"),
            "decision": decision.model_dump() if decision else None,
            "attempts": [a.model_dump() for a in attempts],
        }
        if call.prefix:
            metadata["continuation"] = segments(attempts)
        update["messages"] = [answer.model_copy(update={"response_metadata": metadata})]
        update["partial"] = None
        return update
