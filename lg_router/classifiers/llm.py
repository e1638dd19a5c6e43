"""An LLM ranks the candidates through structured output; rules decide when it fails."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from langchain_core.runnables import Runnable, RunnableConfig
from langgraph.constants import TAG_NOSTREAM

from lg_router.catalog import ModelSpec
from lg_router.classifiers.base import Classifier
from lg_router.classifiers.rules import RulesClassifier
from lg_router.decision import CATEGORIES, RankedModel, RoutingDecision, llm_schema
from lg_router.execution.deadline import await_with_deadline, run_with_deadline
from lg_router.task import TaskView

StructuredMethod = Literal["function_calling", "json_schema", "json_mode"]

_SYSTEM = (
    "You are a model router. Read the task and rank up to 3 models from the catalog that "
    "fit it best, best first, each with one checkable sentence of justification. "
    "Only use model ids from the catalog. Categories: {categories}.\n"
    "Routing rules: code -> a coding model; non-English text -> a multilingual model; "
    "images or very long inputs -> a vision / long-context model; demanding multi-step "
    "reasoning -> a reasoning model; ordinary or ambiguous tasks -> the default model "
    "({default}).\nCatalog:\n{catalog}"
)


class LLMClassifier(Classifier):
    """Ask a chat model for the ranking, with the candidate ids as a schema enum.

    Args:
        model: any chat model supporting ``with_structured_output``, or a function that
            builds one on first use (so building a router reads no key and opens nothing).
        method: the structured-output method (servers differ: llama.cpp needs
            ``function_calling``, OpenAI supports ``json_schema``).
        timeout: seconds before the rules classifier decides instead.
        max_chars: how much of the task text the LLM sees (head and tail).
        fallback: the classifier used when the call fails (default: rules).
    """

    name = "llm"

    def __init__(
        self,
        model: BaseChatModel | Callable[[], BaseChatModel],
        *,
        method: StructuredMethod = "function_calling",
        timeout: float = 15.0,
        max_chars: int = 3000,
        fallback: Classifier | None = None,
    ) -> None:
        self._source = model
        self._model: BaseChatModel | None = None
        self.method = method
        self.timeout = timeout
        self.max_chars = max_chars
        self.fallback = fallback or RulesClassifier()
        self._runnables: dict[tuple[str, ...], Runnable[Any, Any]] = {}

    @property
    def model(self) -> BaseChatModel:
        """The classifying model (temperature 0, short output, never streamed)."""
        if self._model is None:
            source = self._source
            built = source if isinstance(source, BaseChatModel) else source()
            self._model = _low_temperature(built, self.timeout)
        return self._model

    # ------------------------------------------------------------ shared core
    def _runnable(self, candidates: Sequence[ModelSpec]) -> Runnable[Any, Any]:
        key = tuple(m.id for m in candidates)
        if key not in self._runnables:
            self._runnables[key] = self.model.with_structured_output(llm_schema(key), method=self.method)
        return self._runnables[key]

    def _prompt(self, view: TaskView, candidates: Sequence[ModelSpec], default_id: str) -> list[BaseMessage]:
        catalog = "\n".join(
            f"- {m.id}: {m.description or ', '.join(sorted(m.capabilities))}" for m in candidates
        )
        text = view.text
        if len(text) > self.max_chars:
            half = self.max_chars // 2
            omitted = len(view.text) - self.max_chars
            text = f"{text[:half]}\n[... {omitted} characters omitted ...]\n{text[-half:]}"
        facts = (
            f"(≈{view.tokens:,} tokens in the conversation; {view.images} image(s); "
            f"tools bound: {view.has_tools})"
        )
        system = _SYSTEM.format(categories=", ".join(CATEGORIES), default=default_id, catalog=catalog)
        return [SystemMessage(system), HumanMessage(f"Task {facts}:\n{text}")]

    @staticmethod
    def _config(config: RunnableConfig | None) -> RunnableConfig:
        tags = [*(config or {}).get("tags", []), "lg_router:classifier", TAG_NOSTREAM]
        return {**(config or {}), "tags": tags, "run_name": "lg_router_classify"}

    def _decision(
        self, raw: Any, view: TaskView, candidates: Sequence[ModelSpec], preference: str
    ) -> RoutingDecision:
        if not isinstance(raw, dict):
            msg = f"structured output was {type(raw).__name__}, not an object"
            raise ValueError(msg)
        category = raw.get("category")
        if category not in CATEGORIES:
            msg = f"unknown category {category!r}"
            raise ValueError(msg)
        ids = {m.id for m in candidates}
        ranked: list[RankedModel] = []
        dropped: list[str] = []
        for i, item in enumerate(raw.get("ranked") or []):
            model_id = item.get("model_id") if isinstance(item, dict) else None
            if model_id not in ids or model_id in {r.model_id for r in ranked}:
                dropped.append(str(model_id))
                continue
            why = str(item.get("justification") or "").strip() or "chosen by the LLM classifier"
            ranked.append(
                RankedModel(model_id=model_id, justification=why[:300], score=round(1.0 - 0.2 * i, 3))
            )
        if not ranked:
            msg = f"no usable model id in the answer (got {dropped})"
            raise ValueError(msg)
        return RoutingDecision(
            ranked=tuple(ranked[:3]),
            category=category,
            classifier=self.name,
            preference=preference,  # type: ignore[arg-type]
            confidence=0.8,
            input_tokens=view.tokens,
            note=f"dropped hallucinated or repeated ids {dropped}" if dropped else None,
        )

    def _fallback(
        self,
        exc: BaseException,
        view: TaskView,
        candidates: Sequence[ModelSpec],
        preference: str,
        default_id: str,
    ) -> RoutingDecision:
        decision = self.fallback.classify(view, candidates, preference=preference, default_id=default_id)
        reason = (
            f"LLM classifier failed ({type(exc).__name__}: {str(exc)[:200]}); {decision.classifier} decided"
        )
        return decision.model_copy(
            update={"note": reason, "classifier": f"{self.name}->{decision.classifier}"}
        )

    # ------------------------------------------------------------- contract
    def classify(
        self,
        view: TaskView,
        candidates: Sequence[ModelSpec],
        *,
        preference: str,
        default_id: str,
        config: RunnableConfig | None = None,
    ) -> RoutingDecision:
        try:
            runnable = self._runnable(candidates)
            messages = self._prompt(view, candidates, default_id)
            raw = run_with_deadline(
                lambda: runnable.invoke(messages, self._config(config)), self.timeout, "LLM classifier"
            )
            return self._decision(raw, view, candidates, preference)
        except Exception as exc:
            return self._fallback(exc, view, candidates, preference, default_id)

    async def aclassify(
        self,
        view: TaskView,
        candidates: Sequence[ModelSpec],
        *,
        preference: str,
        default_id: str,
        config: RunnableConfig | None = None,
    ) -> RoutingDecision:
        try:
            runnable = self._runnable(candidates)
            messages = self._prompt(view, candidates, default_id)
            raw = await await_with_deadline(
                runnable.ainvoke(messages, self._config(config)), self.timeout, "LLM classifier"
            )
            return self._decision(raw, view, candidates, preference)
        except Exception as exc:
            return self._fallback(exc, view, candidates, preference, default_id)


def _low_temperature(model: BaseChatModel, timeout: float) -> BaseChatModel:
    """A copy for classifying: temperature 0, short output, never streamed, own timeout.

    Streaming is off so that a ``stream_mode="messages"`` run does not turn the
    structured-output call into a stream (some servers stream no tool call). For
    langchain-openai models the request carries the classifier's timeout, so a call
    abandoned at the deadline also ends on the wire.
    """
    update: dict[str, Any] = {"disable_streaming": True}
    fields = type(model).model_fields
    if "request_timeout" in fields and "model_kwargs" in fields:
        update["model_kwargs"] = {**getattr(model, "model_kwargs", {}), "timeout": timeout}
    if "temperature" in fields:
        update["temperature"] = 0.0
    if "max_tokens" in fields and getattr(model, "max_tokens", None) in (None, 0):
        update["max_tokens"] = 300
    return model.model_copy(update=update)
