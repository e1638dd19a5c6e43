"""The semantic classifier on the real MiniLM model (the ``semantic`` extra, in ``[test]``)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from lg_router import ModelCatalog, route
from lg_router.classifiers import embedding
from lg_router.classifiers.embedding import MAX_TOKENS, MODEL_ID, Embedder, shared
from lg_router.classifiers.semantic import WEIGHTS_FILE, SemanticClassifier, load_weights
from lg_router.errors import ClassifierUnavailableError, ClassifierWeightsError, InvalidOptionError
from lg_router.routing import available_classifiers, default_classifier_name
from lg_router.task import view
from tests.support.quality import FOREIGN_MATHS_TIERS, routed_tier


@pytest.fixture
def not_installed(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """As if ``pip install 'lg-router[semantic]'`` had not been run: onnxruntime cannot import."""
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    embedding.available.cache_clear()  # checked once per process otherwise
    yield
    embedding.available.cache_clear()


def test_embedding_is_a_unit_vector_and_deterministic() -> None:
    text = "How do I reverse a linked list in place?"
    first = shared().embed(text)
    assert first.shape == (384,) and first.dtype == np.float32
    assert abs(float(np.linalg.norm(first)) - 1.0) < 1e-5
    again = Embedder().embed(text)  # a second session gives the same vector
    assert np.allclose(first, again, atol=1e-6)


def test_embedding_puts_paraphrases_closer_than_other_tasks() -> None:
    e = shared()
    a = e.embed("Write a Python function that sorts a list of numbers.")
    b = e.embed("Implement a function in Python to sort an array of integers.")
    c = e.embed("Write a short poem about the autumn rain.")
    assert float(a @ b) > float(a @ c) + 0.2


def test_long_requests_keep_their_head_and_tail_within_the_token_cap() -> None:
    e = shared()
    text = "Summarise the following. " + "The committee met on Tuesday. " * 3000 + "Answer in French."
    ids = e.ids(text)
    assert len(ids) == MAX_TOKENS
    tail = e.ids("Answer in French.")[1:-1]  # without [CLS] and [SEP]
    assert ids[-len(tail) - 1 : -1] == tail and ids[0] == 101 and ids[-1] == 102
    assert e.ids("hi") == [101, 7632, 102]


def test_embedding_is_thread_safe() -> None:
    texts = [f"Question {i}: what is {i} times {i + 1}?" for i in range(8)]
    expected = [Embedder().embed(t) for t in texts]
    fresh = Embedder()  # loaded by whichever thread gets there first
    got: dict[int, np.ndarray] = {}

    def work(i: int) -> None:
        got[i] = fresh.embed(texts[i])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(texts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(np.allclose(got[i], expected[i], atol=1e-6) for i in range(len(texts)))


def test_semantic_is_the_default_when_the_extra_is_installed() -> None:
    assert embedding.available()
    assert default_classifier_name() == "semantic"
    assert available_classifiers() == ("semantic", "learned", "rules")
    decision = route("Write a haiku about autumn rain.")
    assert decision.classifier == "semantic"
    assert route("Write a haiku about autumn rain.", classifier="learned").classifier == "learned"
    assert route("Write a haiku about autumn rain.", classifier="rules").classifier == "rules"


def test_learned_is_the_default_without_the_extra(not_installed: None) -> None:
    assert not embedding.available()
    assert default_classifier_name() == "learned"
    assert available_classifiers() == ("learned", "rules")
    assert route("Write a haiku about autumn rain.").classifier == "learned"
    with pytest.raises(ClassifierUnavailableError, match=r"pip install 'lg-router\[semantic\]'"):
        route("Write a haiku about autumn rain.", classifier="semantic")


def test_lg_router_classifier_sets_the_process_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LG_ROUTER_CLASSIFIER", "learned")
    assert default_classifier_name() == "learned"
    assert route("Write a haiku about autumn rain.").classifier == "learned"
    monkeypatch.setenv("LG_ROUTER_CLASSIFIER", "rules")
    assert route("Write a haiku about autumn rain.").classifier == "rules"
    monkeypatch.setenv("LG_ROUTER_CLASSIFIER", "smart")
    with pytest.raises(
        InvalidOptionError, match=r"LG_ROUTER_CLASSIFIER='smart': use one of semantic, learned"
    ):
        route("Write a haiku about autumn rain.")
    monkeypatch.delenv("LG_ROUTER_CLASSIFIER")
    assert default_classifier_name() == "semantic"


def test_a_missing_model_file_is_a_typed_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(embedding, "_package_dir", lambda name: tmp_path)  # packages without files
    embedding.available.cache_clear()
    assert not embedding.available()
    embedding.available.cache_clear()
    with pytest.raises(ClassifierUnavailableError, match="model.onnx is missing"):
        Embedder().embed("hi")


def test_a_corrupt_model_file_is_a_typed_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    model = tmp_path / "model.onnx"
    model.write_bytes(b"not an onnx model")
    tokenizer = embedding.files()[1]
    monkeypatch.setattr(embedding, "files", lambda: (model, tokenizer))
    with pytest.raises(ClassifierUnavailableError, match="cannot load model.onnx"):
        Embedder().embed("hi")


def test_import_lg_router_does_not_load_onnxruntime() -> None:
    probe = (
        "import sys, lg_router; from lg_router import route; "
        "route('What is 2+2?', classifier='learned'); before = 'onnxruntime' in sys.modules; "
        "route('What is 2+2?'); print(before, 'onnxruntime' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True)
    assert out.stdout.split() == ["False", "True"]


EMBEDDING = {"model": MODEL_ID, "dim": 384, "scale": 4.0, "max_tokens": MAX_TOKENS}


def _weights(tmp_path: Path, **changes: object) -> Path:
    data = json.loads(WEIGHTS_FILE.read_text(encoding="utf-8"))
    data.update(changes)
    path = tmp_path / "semantic.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"embedding_weights": [[0.0] * 384] * 3}, "not a version-1"),  # wrong shape
        ({"embedding": {**EMBEDDING, "model": "other-model"}}, "not a version-1"),
        ({"embedding": {**EMBEDDING, "max_tokens": 64}}, "not a version-1"),  # other vectors
        ({"version": 2}, "not a version-1"),
        ({"weights": "nope"}, "not a version-1"),
    ],
)
def test_corrupt_weights_are_a_typed_error(tmp_path: Path, change: dict, match: str) -> None:
    with pytest.raises(ClassifierWeightsError, match=match):
        SemanticClassifier(weights=_weights(tmp_path, **change))


def test_an_unchanged_copy_of_the_weights_loads(tmp_path: Path) -> None:
    clf = SemanticClassifier(weights=_weights(tmp_path))
    assert clf.model["_e"].shape == (4, 384)


def test_missing_or_unreadable_weights_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(ClassifierWeightsError, match="nothing.json"):
        SemanticClassifier(weights=tmp_path / "nothing.json")
    broken = tmp_path / "broken.json"
    broken.write_text('{"version": 1, "tasks"', encoding="utf-8")
    with pytest.raises(ClassifierWeightsError, match="broken.json"):
        SemanticClassifier(weights=broken)


def test_shipped_weights_carry_their_provenance() -> None:
    model = load_weights(WEIGHTS_FILE)
    trained = model["trained_on"]
    assert trained["rows"] >= 4000 and set(trained["tasks"]) == {"coding", "reasoning", "general", "simple"}
    assert trained["provenance"] == "evals/training/TRAINING_SOURCES.md"
    assert model["embedding"]["model"] == "all-MiniLM-L6-v2-onnx-int8"
    assert WEIGHTS_FILE.stat().st_size < 400_000


def test_justification_names_the_signals_that_decided() -> None:
    decision = route("Write a Python function that merges two sorted lists.")
    assert decision.classifier == "semantic" and decision.category == "coding"
    why = decision.ranked[0].justification
    assert "semantic: coding p=" in why
    assert "embedding:MiniLM +" in why or "rules' coding score +" in why


class _Counting(Embedder):
    calls = 0

    def embed(self, text: str) -> np.ndarray:
        type(self).calls += 1
        return super().embed(text)


def test_hard_evidence_decides_without_an_embedding() -> None:
    counting = _Counting()
    clf = SemanticClassifier(embedder=counting)
    long_doc = "The committee met on Tuesday to discuss the budget. " * 12_000
    decision = route(long_doc, classifier=clf, catalog="tiers")
    assert decision.category == "long_context" and _Counting.calls == 0
    assert route("Is the sky blue? Answer yes or no.", classifier=clf).classifier == "semantic"
    assert _Counting.calls == 1


@pytest.mark.parametrize(
    ("task", "category"),
    [
        ("hi", "simple"),
        ("What is 2+2?", "simple"),
        ("Explain quantum computing", "general"),  # seed 002: a few open-ended words
        ("Analyze market trends", "reasoning"),  # ... and the rules' logic cue after one
        ("Analyse the tradeoffs of microservices vs monolith for a 5-person startup.", "reasoning"),
        ("Pythonで二分探索を実装してください。", "coding"),  # the task before the language
        ("Schreibe eine Funktion in Rust, die eine Zeichenkette umdreht.", "coding"),
        ("Un tren sale a las 3 y viaja a 60 km/h. ¿A qué hora llega a 180 km?", "reasoning"),
    ],
)
def test_tasks_before_languages(task: str, category: str) -> None:
    assert route(task, catalog="tiers").category == category


def test_the_gateway_loads_the_model_at_start_up_not_in_the_first_request() -> None:
    from lg_router.server.app import create_app

    embedder = Embedder()
    assert not embedder.loaded
    create_app("oxlo", classifier=SemanticClassifier(embedder=embedder), health="off")
    assert embedder.loaded


class _Slow(Embedder):
    def embed(self, text: str) -> np.ndarray:
        time.sleep(0.2)  # a slow machine's embedding
        return super().embed(text)


async def test_async_decisions_do_not_block_the_event_loop() -> None:
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.005)
            ticks += 1

    clf = SemanticClassifier(embedder=_Slow())
    catalog = ModelCatalog.preset("oxlo")
    task_view = view("Write a Python function that merges two sorted lists.")
    running = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    decision = await clf.aclassify(
        task_view, catalog.models, preference="balanced", default_id=catalog.fallback_default
    )
    running.cancel()
    assert decision.category == "coding"
    assert ticks >= 5  # the loop kept running while the embedding took 0.2 s


@pytest.mark.parametrize(("task", "tier"), FOREIGN_MATHS_TIERS)
def test_maths_in_another_language_goes_to_the_complex_tier(task: str, tier: str) -> None:
    assert routed_tier(task, "semantic") == tier
