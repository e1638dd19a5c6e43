"""Deciding a route: task -> constraints -> classifier -> policy-checked decision."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.runnables import RunnableConfig

from lg_router.catalog import ModelCatalog, resolve_catalog
from lg_router.classifiers import (
    Classifier,
    HybridClassifier,
    LearnedClassifier,
    LLMClassifier,
    RulesClassifier,
    SemanticClassifier,
    embedding,
)
from lg_router.decision import RoutingDecision
from lg_router.errors import InvalidOptionError
from lg_router.health.gate import Admission, HealthGate
from lg_router.health.store import Health
from lg_router.memory import RouterMemory, Spend
from lg_router.memory.cache import configurable_key
from lg_router.models import ModelProvider
from lg_router.policy import Feasible, check_preference, enforce, feasible
from lg_router.state import RunOptions
from lg_router.task import TaskView, view

CLASSIFIER_NAMES = ("semantic", "learned", "rules", "llm", "hybrid")
DEFAULT_CLASSIFIER = "learned"  # the best offline classifier of the core install


def default_classifier_name() -> str:
    """The best offline classifier the installed extras allow: ``semantic``, else ``learned``.

    Checked without importing the extra (``import lg_router`` never loads onnxruntime).
    ``LG_ROUTER_CLASSIFIER`` (one of :data:`CLASSIFIER_NAMES`) overrides it for a process:
    Studio's graph reads it, and the benchmarks pin the core install's ``learned``.

    Raises:
        InvalidOptionError: the variable names no classifier.
    """
    chosen = os.environ.get("LG_ROUTER_CLASSIFIER")
    if chosen:
        if chosen not in CLASSIFIER_NAMES:
            msg = f"LG_ROUTER_CLASSIFIER={chosen!r}: use one of {', '.join(CLASSIFIER_NAMES)}"
            raise InvalidOptionError(msg)
        return chosen
    return "semantic" if embedding.available() else DEFAULT_CLASSIFIER


def available_classifiers() -> tuple[str, ...]:
    """The offline classifiers this install can build, best first (no model calls)."""
    return ("semantic", "learned", "rules") if embedding.available() else ("learned", "rules")


def default_catalog(name: str = "oxlo") -> ModelCatalog:
    """A built-in catalog (parsed once per process; catalogs are frozen values)."""
    return ModelCatalog.preset(name)


def resolve_classifier(
    classifier: str | Classifier | None,
    *,
    catalog: ModelCatalog,
    provider: ModelProvider | None = None,
    llm: BaseChatModel | None = None,
) -> Classifier:
    """A classifier instance from a name or an instance.

    ``"llm"`` and ``"hybrid"`` use ``llm`` if given, else the catalog's default model
    (built lazily through ``provider``; its key is only needed when it is called).
    """
    if classifier is None:
        classifier = default_classifier_name()
    if classifier == "rules":
        return RulesClassifier()
    if classifier == "semantic":
        return SemanticClassifier()  # ClassifierUnavailableError without the extra
    if classifier == "learned":
        return LearnedClassifier()
    if isinstance(classifier, Classifier):
        return classifier
    if classifier not in CLASSIFIER_NAMES:
        msg = (
            f"unknown classifier {classifier!r}; choose one of {list(CLASSIFIER_NAMES)} or pass a Classifier"
        )
        raise InvalidOptionError(msg)
    if llm is None:
        models = provider or ModelProvider(catalog)
        default_id = catalog.fallback_default
        llm_classifier = LLMClassifier(lambda: models.get(default_id))  # built at first use
    else:
        llm_classifier = LLMClassifier(llm)
    return llm_classifier if classifier == "llm" else HybridClassifier(llm_classifier)


class Decider:
    """Everything needed to decide a route; shared by the graph, ``route()`` and the CLI.

    ``health`` skips models cooling down; ``memory`` (budget, decision caches, thread
    stickiness) is optional: without it every call is classified afresh, with no budget.
    """

    def __init__(
        self,
        catalog: ModelCatalog,
        classifier: Classifier,
        health: Health | None = None,
        memory: RouterMemory | None = None,
        *,
        timeout: float | None = None,
    ) -> None:
        self.catalog = catalog
        self.classifier = classifier
        self.gate = HealthGate(health, catalog, timeout=timeout) if health is not None else None
        self.memory = memory or RouterMemory(catalog, type(classifier).__name__)

    def prepare(
        self, task: Any, options: RunOptions, spent: Spend | None = None
    ) -> tuple[TaskView, Feasible]:
        """The task view and the feasible pool (raises typed errors for bad input).

        The pool is what the hard constraints and the budget leave (``spent``: the
        thread's spend so far, from graph state).
        """
        task_view = view(task, tools=list(options.tools) or None, needs_json=options.needs_json)
        pool = feasible(self.catalog, task_view, pool=options.models, output_tokens=options.max_tokens)
        return task_view, self.memory.afford(pool, task_view, options, spent)

    def _finish(
        self, decision: RoutingDecision, task_view: TaskView, pool: Feasible, options: RunOptions
    ) -> RoutingDecision:
        return enforce(
            decision,
            pool,
            view=task_view,
            default_id=self._default_id(pool),
            output_tokens=options.max_tokens or self.catalog.default_max_output_tokens,
        )

    def _admit(self, pool: Feasible, options: RunOptions) -> tuple[Feasible, Admission | None]:
        """Health: skip models cooling down (before ranking), measured latency for the ranking."""
        return (pool, None) if self.gate is None else self.gate.admit(pool, options)

    def _ranking(self, admission: Admission | None) -> AbstractContextManager[None]:
        return nullcontext() if self.gate is None or admission is None else self.gate.ranking(admission)

    def _healthy(self, decision: RoutingDecision, admission: Admission | None) -> RoutingDecision:
        return decision if self.gate is None or admission is None else self.gate.finish(decision, admission)

    def _default_id(self, pool: Feasible) -> str:
        ids = [m.id for m in pool.models]
        return self.catalog.fallback_default if self.catalog.fallback_default in ids else ids[0]

    def decide(
        self,
        task: Any,
        options: RunOptions,
        config: RunnableConfig | None = None,
        *,
        spent: Spend | None = None,
    ) -> RoutingDecision:
        """Route ``task`` (sync): budget, health, cached decision or classifier, policy, stickiness."""
        task_view, pool = self.prepare(task, options, spent)
        pool, admission = self._admit(pool, options)
        extra = [latency_key(admission), configurable_key(config)]
        recall = self.memory.recall(task_view, pool, options, extra=extra)
        with self._ranking(admission):
            decision = recall.decision
            if decision is None:
                decision = self.classifier.classify(
                    task_view,
                    pool.models,
                    preference=options.preference,
                    default_id=self._default_id(pool),
                    config=config,
                )
                self.memory.remember(recall, decision)
            decision = self._finish(decision, task_view, pool, options)
        decision = self._healthy(self.memory.settle(decision, task_view, pool, options), admission)
        if self.gate is not None and admission is not None:
            self.gate.report(decision, admission, config)
        return decision

    async def adecide(
        self,
        task: Any,
        options: RunOptions,
        config: RunnableConfig | None = None,
        *,
        spent: Spend | None = None,
    ) -> RoutingDecision:
        """Route ``task`` (async)."""
        task_view, pool = self.prepare(task, options, spent)
        pool, admission = self._admit(pool, options)
        extra = [latency_key(admission), configurable_key(config)]
        recall = await self.memory.arecall(task_view, pool, options, extra=extra)
        with self._ranking(admission):
            decision = recall.decision
            if decision is None:
                decision = await self.classifier.aclassify(
                    task_view,
                    pool.models,
                    preference=options.preference,
                    default_id=self._default_id(pool),
                    config=config,
                )
                await self.memory.aremember(recall, decision)
            decision = self._finish(decision, task_view, pool, options)
        decision = self._healthy(self.memory.settle(decision, task_view, pool, options), admission)
        if self.gate is not None and admission is not None:
            await self.gate.areport(decision, admission, config)
        return decision


def latency_key(admission: Admission | None) -> list[Any] | None:
    """The measured latencies a ranking used, in steps of sqrt(2): part of the cache key.

    A cached ranking is served while each model's measured p50 stays in the same step.
    """
    if admission is None or not admission.measured:
        return None
    return [
        [m, value.what, round(2 * math.log2(max(value.p50, 1e-3)))]
        for m, value in sorted(admission.measured.items())
    ]


def _decider(catalog: ModelCatalog | str | None, classifier: str | Classifier | None) -> Decider:
    cat = resolve_catalog(catalog)
    return Decider(cat, resolve_classifier(classifier, catalog=cat))


def route(
    task: Any,
    *,
    catalog: ModelCatalog | str | None = None,
    classifier: str | Classifier | None = None,
    preference: str = "balanced",
    models: Sequence[str] | None = None,
) -> RoutingDecision:
    """Decide which models should take ``task``, without running it.

    Args:
        task: a string, or a list of messages (LangChain messages or OpenAI-style dicts,
            image parts allowed).
        catalog: a :class:`ModelCatalog`, a preset name or a YAML path (default ``oxlo``).
        classifier: ``"semantic"``, ``"learned"``, ``"rules"`` (offline), ``"llm"``, ``"hybrid"`` or an
            instance (default: ``semantic`` with its extra installed, else ``learned``).
        preference: ``balanced``, ``quality``, ``speed`` or ``cost``.
        models: candidate pool (catalog ids); ``None`` means the whole catalog.

    Returns:
        The ranked top 3 with justifications, category and constraints.
    """
    check_preference(preference)
    options = RunOptions.build(preference=preference, models=models)
    return _decider(catalog, classifier).decide(task, options)


async def aroute(
    task: Any,
    *,
    catalog: ModelCatalog | str | None = None,
    classifier: str | Classifier | None = None,
    preference: str = "balanced",
    models: Sequence[str] | None = None,
) -> RoutingDecision:
    """Async :func:`route` (the ``llm`` and ``hybrid`` classifiers call models async)."""
    check_preference(preference)
    options = RunOptions.build(preference=preference, models=models)
    return await _decider(catalog, classifier).adecide(task, options)
