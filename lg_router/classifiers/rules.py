"""The embedded default: offline, deterministic, no model call."""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.runnables import RunnableConfig

from lg_router.catalog import ModelSpec
from lg_router.classifiers.base import Classifier, ranked_decision
from lg_router.classifiers.signals import LONG_CONTEXT_TOKENS, Signals, detect
from lg_router.decision import RoutingDecision
from lg_router.task import TaskView

# Categories decided by hard evidence win outright, in this order.
_PRIORITY = (("vision", 10.0), ("long_context", 10.0))
# Otherwise the best-scoring of these; ties go to the earlier one.
_SCORED = ("coding", "reasoning", "long_context", "simple", "general")
_MIN_SCORE = 1.5
NO_SIGNAL = "no specialised signal"


def hard_category(sig: Signals) -> tuple[str, float, str] | None:
    """``(category, confidence, evidence)`` when hard evidence (images, size) decides."""
    for category, threshold in _PRIORITY:
        score = sig.scores.get(category, 0.0)
        if score >= threshold:
            return category, 0.95 if score >= 6 else 0.8, "; ".join(sig.evidence[category])
    return None


def rules_task(sig: Signals, min_score: float = _MIN_SCORE) -> tuple[str, float, str]:
    """``(task, confidence, evidence)``: the best-scoring task, ``general`` when none is clear."""
    scores = sig.scores
    ordered = sorted(_SCORED, key=lambda c: -scores.get(c, 0.0))
    top = ordered[0]
    top_score = scores.get(top, 0.0)
    second = scores.get(ordered[1], 0.0)
    if top_score < min_score:
        # Nothing specific: ordinary writing/chat goes to the default model.
        weak = sum(v for k, v in scores.items() if k != "multilingual")
        return "general", 0.7 if weak == 0 else 0.45, NO_SIGNAL
    confidence = round(min(0.95, 0.5 + 0.5 * (top_score - second) / (top_score + 1.0)), 3)
    return top, confidence, "; ".join(sig.evidence[top])


def with_language(task: str, sig: Signals) -> tuple[str, str]:
    """The task before the language: ``(category, why)`` for a task and its language.

    A translation request, or ordinary writing and short questions in another language,
    go to the multilingual model; coding and reasoning stay what they are, and the
    language becomes a requirement of the ranking (see :func:`lg_router.policy.rank`).
    """
    if sig.translate:
        return "multilingual", f"asks for '{sig.translate}'"
    if sig.language and task in ("general", "simple"):
        return "multilingual", f"written in {sig.language}"
    if sig.language:
        return task, f"written in {sig.language}: models that handle it rank first"
    return task, ""


class RulesClassifier(Classifier):
    """Keyword, code-shape, script and size signals mapped to catalog capabilities.

    Args:
        long_context_tokens: conversations at least this long are ``long_context``.
        min_score: evidence below this leaves the task ``general`` (the default model).
    """

    name = "rules"

    def __init__(
        self, *, long_context_tokens: int = LONG_CONTEXT_TOKENS, min_score: float = _MIN_SCORE
    ) -> None:
        self.long_context_tokens = long_context_tokens
        self.min_score = min_score

    def analyse(self, view: TaskView) -> tuple[str, float, str, Signals]:
        """``(category, confidence, evidence, signals)`` for a task."""
        sig = detect(view, long_context_tokens=self.long_context_tokens)
        hard = hard_category(sig)
        if hard:
            return (*hard, sig)
        top, confidence, evidence = rules_task(sig, self.min_score)
        category, why = with_language(top, sig)
        if category == "multilingual":
            confidence, evidence = max(confidence, 0.8), why
        elif why:
            evidence = f"{evidence}; {why}"
        return category, confidence, evidence, sig

    def classify(
        self,
        view: TaskView,
        candidates: Sequence[ModelSpec],
        *,
        preference: str,
        default_id: str,
        config: RunnableConfig | None = None,
    ) -> RoutingDecision:
        category, confidence, evidence, sig = self.analyse(view)
        return ranked_decision(
            self.name,
            view,
            candidates,
            category=category,
            confidence=confidence,
            evidence=evidence,
            language=sig.language,
            preference=preference,
            default_id=default_id,
        )
