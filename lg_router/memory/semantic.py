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
from collections import Counter, OrderedDict
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
        return embed_query  # type: ignore[no-any-return]
    if callable(embedding):
        return embedding  # type: ignore[no-any-return]
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

    def __init__(self, dim: int = 1024) -> None:
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
    """The entries of one scope: a matrix of unit vectors and their decisions (oldest first)."""

    def __init__(self, dim: int) -> None:
        self.vectors = np.zeros((0, dim), dtype=np.float32)
        self.decisions: list[dict[str, Any]] = []


class SemanticCache:
    """Nearest-neighbour decision cache over task embeddings (in memory, per process).

    Args:
        embedding: a callable ``text -> vector`` or a LangChain ``Embeddings``.
        threshold: minimum cosine similarity for a hit, in (0, 1].
        max_entries: entries kept per scope (oldest dropped first).
        max_scopes: scopes kept (least recently used dropped first).
    """

    def __init__(
        self,
        embedding: Any,
        *,
        threshold: float = DEFAULT_THRESHOLD,
        max_entries: int = 2_000,
        max_scopes: int = 256,
    ) -> None:
        if not 0.0 < threshold <= 1.0:
            msg = f"semantic cache threshold must be in (0, 1], got {threshold}"
            raise ValueError(msg)
        self.embed = as_embedder(embedding)
        self.threshold = threshold
        self.max_entries = max_entries
        self.max_scopes = max_scopes
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
            if entries is None or not entries.decisions or entries.vectors.shape[1] != vector.shape[0]:
                return None
            self._scopes.move_to_end(scope)
            sims = entries.vectors @ vector
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
            if entries is None or entries.vectors.shape[1] != vector.shape[0]:
                entries = self._scopes[scope] = _Scope(vector.shape[0])
            self._scopes.move_to_end(scope)
            entries.vectors = np.vstack([entries.vectors, vector[None, :]])[-self.max_entries :]
            entries.decisions = [*entries.decisions, decision.model_dump(mode="json")][-self.max_entries :]
            while len(self._scopes) > self.max_scopes:
                self._scopes.popitem(last=False)

    def __len__(self) -> int:
        return sum(len(s.decisions) for s in self._scopes.values())
