"""The semantic classifier: the learned classifier with a sentence embedding among its inputs.

Everything but the task probabilities is the learned classifier's
(:class:`lg_router.classifiers.learned.LearnedClassifier`): hard evidence such as images
and long inputs decides outright (no embedding is computed for them), the guards that
defer to the rules' specific evidence, the language as a requirement of the ranking.
The probabilities come from one logistic regression over the learned model's inputs
(the rules' scores, shape cues, hashed n-grams) *and* the request's all-MiniLM-L6-v2
vector (:mod:`lg_router.classifiers.embedding`), trained by
``python -m evals.training.train_semantic`` and shipped as ``weights/semantic-v1.json``.

Needs ``pip install 'lg-router[semantic]'``; without it the router's default is
``learned``.
"""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from lg_router.classifiers.embedding import DIM, MAX_TOKENS, MODEL_ID, Embedder, available, files, shared
from lg_router.classifiers.features import BUCKET_CHOICES, DENSE, vector
from lg_router.classifiers.learned import SHORT_WORDS, TASKS, LearnedClassifier, _opens_open_ended
from lg_router.classifiers.rules import rules_task
from lg_router.classifiers.signals import LONG_CONTEXT_TOKENS
from lg_router.errors import ClassifierWeightsError
from lg_router.task import TaskView

WEIGHTS_FILE = Path(__file__).resolve().parent / "weights" / "semantic-v1.json"
EMBED_SCALE = 4.0  # the unit vector is multiplied by this before its weights (training too)
EMBEDDING_CUE = "embedding:MiniLM"  # shown as is in the evidence
# A short request gives the embedding little to read: where the rules see two logic cues
# or more ("Analyse the tradeoffs of ..."), or one after an open-ended verb up front
# ("Analyze market trends", as for the learned model), their reasoning stands over a
# general pick.
RULES_REASONING_SURE = 3.0


@cache
def load_weights(path: Path = WEIGHTS_FILE) -> dict[str, Any]:
    """The shipped model, checked: sparse weights like the learned model's plus a ``(4, 384)`` matrix.

    Raises:
        ClassifierWeightsError: the file is missing, not JSON, or not a version-1
            semantic model for this embedding, these tasks and these features.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        msg = f"{path}: cannot read the semantic classifier's weights ({exc}); reinstall lg-router or retrain"
        raise ClassifierWeightsError(msg) from exc
    embedding = data.get("embedding") if isinstance(data, dict) else None
    ok = (
        isinstance(data, dict)
        and data.get("version") == 1
        and tuple(data.get("tasks", ())) == TASKS
        and data.get("buckets") in BUCKET_CHOICES
        and tuple(data.get("dense", ())) == DENSE
        and isinstance(embedding, dict)
        and embedding.get("model") == MODEL_ID
        and embedding.get("dim") == DIM
        and embedding.get("scale") == EMBED_SCALE
        and embedding.get("max_tokens") == MAX_TOKENS  # the vectors it was trained on
    )
    try:
        matrix = np.asarray(data["embedding_weights"], dtype=np.float32) if ok else None
        sparse = {t: {int(k): float(v) for k, v in data["weights"][t].items()} for t in TASKS} if ok else {}
    except (KeyError, TypeError, ValueError, AttributeError):
        matrix = None
    if matrix is None or matrix.shape != (len(TASKS), DIM) or not np.isfinite(matrix).all():
        msg = (
            f"{path.name}: not a version-1 lg-router semantic model for {MODEL_ID} (dim {DIM}, "
            f"{MAX_TOKENS} tokens, tasks {TASKS}); retrain with python -m evals.training.train_semantic"
        )
        raise ClassifierWeightsError(msg)
    data["_w"], data["_e"] = sparse, matrix * EMBED_SCALE
    return data


class SemanticClassifier(LearnedClassifier):
    """The learned classifier's pipeline with an embedding-aware task model.

    Args:
        long_context_tokens: conversations at least this long are ``long_context``.
        weights: path of a weights file written by ``python -m evals.training.train_semantic``.
        embedder: the sentence embedder (default: the process-wide one, loaded at first use).

    Raises:
        ClassifierWeightsError: the weights file is missing or corrupt (at construction).
        ClassifierUnavailableError: the ``semantic`` extra is not installed (at construction).
    """

    name = "semantic"
    offload = True  # the embedding (milliseconds of ONNX) runs on a worker thread in async code
    # simple_sure: the learned model's (0.6). On the earlier 442-item dev set 0.6,
    # 0.75 and 0.9 route the same; on pubdev 0.6 names the simple task far more often
    # (0.948 task right against 0.774 at 0.9) for one routable row less.

    def __init__(
        self,
        *,
        long_context_tokens: int = LONG_CONTEXT_TOKENS,
        weights: Path | None = None,
        embedder: Embedder | None = None,
    ) -> None:
        # Not super().__init__: that would read the learned model's weights, unused here.
        self.long_context_tokens = long_context_tokens
        self.model = load_weights(weights or WEIGHTS_FILE)
        if embedder is None and not available():
            files()  # raises, with the pip command to run
        self.embedder = embedder or shared()

    def task(self, view: TaskView) -> tuple[str, float, str, Any]:
        """``(task or hard category, confidence, evidence, signals)``, before the language."""
        task, confidence, evidence, sig = super().task(view)
        cued = sig.scores.get("reasoning", 0.0) >= RULES_REASONING_SURE or _opens_open_ended(view.text)
        if task == "general" and sig.words <= SHORT_WORDS and cued and rules_task(sig)[0] == "reasoning":
            return "reasoning", confidence, f"{evidence}; rules: " + "; ".join(sig.evidence["reasoning"]), sig
        return task, confidence, evidence, sig

    def task_scores(self, text: str, sig: Any) -> tuple[dict[str, float], list[tuple[float, str]]]:
        """Task probabilities, and the (weight, cue) pairs that pushed the winner most.

        The embedding counts as one cue (``embedding:MiniLM``), its whole contribution.
        """
        x, names = vector(text, sig, self.model["buckets"])
        w = self.model["_w"]
        semantic = self.model["_e"] @ self.embedder.embed(text)  # one logit per task
        logits = {
            t: sum(v * w[t].get(i, 0.0) for i, v in x.items()) + float(semantic[k])
            for k, t in enumerate(TASKS)
        }
        top = max(logits.values())
        exp = {t: math.exp(z - top) for t, z in logits.items()}
        total = sum(exp.values())
        probs = {t: e / total for t, e in exp.items()}
        best = max(probs, key=lambda t: probs[t])
        # A cue's push: how much more it adds to the winner than to the average task.
        mean = float(semantic.mean())
        pushes = [(float(semantic[TASKS.index(best)]) - mean, EMBEDDING_CUE)]
        for i, v in x.items():
            if names[i] != "bias":
                pushes.append(
                    (v * (w[best].get(i, 0.0) - sum(w[t].get(i, 0.0) for t in TASKS) / len(TASKS)), names[i])
                )
        pushes.sort(reverse=True)
        return probs, [p for p in pushes[:3] if p[0] > 0]
