"""The semantic decision cache (opt-in): a paraphrase of a routed question reuses its decision.

It compares what is asked now (the last human message) by embedding, within one
*scope*: the same catalog, classifier, feasible pool, preference and constraints, the
same earlier conversation, image count and input size (within a factor of two). A hit
needs a cosine similarity of at least ``threshold``. Any embedding works: a callable
``text -> vector`` or a LangChain ``Embeddings`` (its ``embed_query``).
"""

from __future__ import annotations

import hashlib
import math
import re
import threading
from collections import Counter, OrderedDict, deque
from collections.abc import Callable, Sequence
from itertools import pairwise
from typing import Any

import numpy as np

from lg_router.decision import RoutingDecision

Embedder = Callable[[str], Sequence[float]]

# Tuned on evals/devset.jsonl (see benchmarks/memory.py and the README's memory section).
DEFAULT_THRESHOLD = 0.9


def as_embedder(embedding: Any) -> Embedder:
    """A ``text -> vector`` callable from a callable or a LangChain ``Embeddings``."""
    embed_query = getattr(embedding, "embed_query", None)
    if callable(embed_query):
        return embed_query
    if callable(embedding):
        return embedding
    msg = (
        f"semantic cache embedding must be a callable text -> vector or a LangChain Embeddings, "
        f"got {type(embedding).__name__}"
    )
    raise TypeError(msg)


_WORD = re.compile(r"\w+", re.UNICODE)
# Wrapper words that rephrase a request without changing the task.
_FILLER = frozenset(
    "please pls kindly could can would you u i me my we need want help hey hi hello thanks thank "
    "a an the just quickly for to of".split()
)


class LexicalEmbedder:
    """An offline, dependency-free embedding: hashed words and word pairs (not a neural model).

    It catches rewordings that keep the content words ("Please summarise X" ~ "Summarise X,
    thanks"), not synonyms; a neural embedding (e.g. the ``semantic`` extra's MiniLM)
    catches more. Deterministic across processes.

    Args:
        dim: vector size (hash slots).
    """

    def __init__(self, dim: int = 512) -> None:
        self.dim = dim

    def _slot(self, token: str) -> int:
        return int.from_bytes(hashlib.blake2b(token.encode(), digest_size=4).digest(), "big") % self.dim

    def __call__(self, text: str) -> list[float]:
        words = [w for w in _WORD.findall(text.lower()) if w not in _FILLER]
        counts = Counter(words)
        counts.update(f"{a} {b}" for a, b in pairwise(words))
        vector = [0.0] * self.dim
        for token, n in counts.items():
            vector[self._slot(token)] += 1.0 + math.log(n)
        return vector


class _Scope:
    """The entries of one scope: unit vectors (a growable buffer) and their decisions, oldest first."""

    def __init__(self, dim: int) -> None:
        self.buffer = np.zeros((16, dim), dtype=np.float32)
        self.start = 0
        self.end = 0
        self.decisions: deque[dict[str, Any]] = deque()

    @property
    def dim(self) -> int:
        return int(self.buffer.shape[1])

    @property
    def vectors(self) -> np.ndarray:
        return self.buffer[self.start : self.end]

    def append(self, vector: np.ndarray, decision: dict[str, Any]) -> None:
        if self.end == len(self.buffer):  # compact, and grow when more than half full
            live = self.end - self.start
            size = len(self.buffer) * 2 if live * 2 > len(self.buffer) else len(self.buffer)
            grown = np.zeros((size, self.dim), dtype=np.float32)
            grown[:live] = self.buffer[self.start : self.end]
            self.buffer, self.start, self.end = grown, 0, live
        self.buffer[self.end] = vector
        self.end += 1
        self.decisions.append(decision)

    def drop_oldest(self) -> None:
        self.start += 1
        self.decisions.popleft()


class SemanticCache:
    """Nearest-neighbour decision cache over task embeddings (in memory, per process).

    Args:
        embedding: a callable ``text -> vector`` or a LangChain ``Embeddings``.
        threshold: minimum cosine similarity for a hit, in (0, 1].
        max_entries: entries kept in all (the least recently used scope's oldest first).
    """

    def __init__(
        self,
        embedding: Any,
        *,
        threshold: float = DEFAULT_THRESHOLD,
        max_entries: int = 10_000,
    ) -> None:
        if not 0.0 < threshold <= 1.0:
            msg = f"semantic cache threshold must be in (0, 1], got {threshold}"
            raise ValueError(msg)
        self.embed = as_embedder(embedding)
        self.threshold = threshold
        self.max_entries = max_entries
        self._size = 0
        self._scopes: OrderedDict[str, _Scope] = OrderedDict()
        self._lock = threading.Lock()

    def vector(self, text: str) -> np.ndarray:
        """The unit-length embedding of ``text``."""
        v = np.asarray(self.embed(text), dtype=np.float32).ravel()
        norm = float(np.linalg.norm(v))
        return v / norm if norm > 0 else v

    def nearest(self, scope: str, vector: np.ndarray) -> tuple[float, dict[str, Any]] | None:
        """The most similar entry of ``scope`` and its similarity, or ``None`` if empty."""
        with self._lock:
            entries = self._scopes.get(scope)
            if entries is None or not entries.decisions or entries.dim != vector.shape[0]:
                return None
            self._scopes.move_to_end(scope)
            # einsum, not ``@``: a matrix-vector product through a multi-threaded BLAS was
            # 10x slower on a busy 2-core machine (thread contention); einsum runs in-thread.
            sims = np.einsum("ij,j->i", entries.vectors, vector)
            best = int(np.argmax(sims))
            return float(sims[best]), entries.decisions[best]

    def lookup(
        self, scope: str, vector: np.ndarray, pool_ids: Sequence[str]
    ) -> tuple[RoutingDecision, float] | None:
        """A cached decision within ``threshold`` whose models are all still feasible."""
        found = self.nearest(scope, vector)
        if found is None or found[0] < self.threshold:
            return None
        try:
            decision = RoutingDecision.model_validate(found[1])
        except ValueError:
            return None
        allowed = set(pool_ids)
        if any(r.model_id not in allowed for r in decision.ranked):
            return None
        return decision, found[0]

    def put(self, scope: str, vector: np.ndarray, decision: RoutingDecision) -> None:
        """Remember ``decision`` for ``vector`` in ``scope``."""
        with self._lock:
            entries = self._scopes.get(scope)
            if entries is None or entries.dim != vector.shape[0]:
                if entries is not None:
                    self._size -= len(entries.decisions)
                entries = self._scopes[scope] = _Scope(vector.shape[0])
            self._scopes.move_to_end(scope)
            entries.append(vector, decision.model_dump(mode="json"))
            self._size += 1
            while self._size > self.max_entries:
                oldest_scope, oldest = next(iter(self._scopes.items()))
                oldest.drop_oldest()
                self._size -= 1
                if not oldest.decisions:
                    del self._scopes[oldest_scope]

    def __len__(self) -> int:
        return self._size
