"""The decision cache: exact hits skip the classifier, stale or infeasible entries are never served."""

from __future__ import annotations

import time

import pytest
from langchain_core.embeddings import DeterministicFakeEmbedding
from langchain_core.messages import AIMessage, HumanMessage
from langgraph.cache.memory import InMemoryCache

from lg_router import create_router
from lg_router.classifiers import LLMClassifier
from lg_router.decision import RankedModel, RoutingDecision
from lg_router.memory import DecisionCache, LRUCache, RouterMemory, SemanticCache
from lg_router.memory.cache import normalised_conversation
from lg_router.routing import Decider
from lg_router.state import RunOptions
from tests.support.fakes import CountingClassifier, fakes, scripted, small_catalog, word_embedder

TASK = "Summarise the plot of Hamlet in two sentences."


def graph(classifier: CountingClassifier, **kwargs):
    return create_router(small_catalog(), classifier=classifier, chat_models=fakes(), **kwargs).compile()


def ask(app, text: str = TASK, **configurable):
    return app.invoke({"messages": [("user", text)]}, {"configurable": configurable})


def test_a_repeated_task_skips_the_classifier_and_says_so() -> None:
    counting = CountingClassifier()
    app = graph(counting)  # compiled without compile(cache=...): the cache is the node's own
    first, second = ask(app), ask(app)
    assert counting.calls == 1
    assert first["decision"].cache is None
    assert second["decision"].cache == "exact"
    assert second["decision"].model_ids == first["decision"].model_ids
    assert second["messages"][-1].response_metadata["decision"]["cache"] == "exact"


async def test_async_runs_share_the_cache() -> None:
    counting = CountingClassifier()
    app = graph(counting)
    await app.ainvoke({"messages": [("user", TASK)]})
    out = await app.ainvoke({"messages": [("user", TASK)]})
    assert counting.calls == 1 and out["decision"].cache == "exact"


def test_the_key_covers_preference_pool_and_conversation() -> None:
    counting = CountingClassifier()
    app = graph(counting)
    ask(app)
    ask(app, preference="speed")
    ask(app, models=["beta", "gamma"])
    ask(app, text=TASK + " Then list the main characters.")
    assert counting.calls == 4
    # whitespace at the edges and message ids are not part of the question
    assert ask(app, text=f"  {TASK}\n")["decision"].cache == "exact"
    assert counting.calls == 4


def test_normalised_conversation_ignores_ids_and_answer_metadata() -> None:
    a = [HumanMessage("hi", id="1"), AIMessage("yo", response_metadata={"model_name": "alpha"})]
    b = [HumanMessage(" hi ", id="2"), AIMessage("yo", response_metadata={"model_name": "beta"})]
    assert normalised_conversation(a) == normalised_conversation(b)
    assert normalised_conversation(a) != normalised_conversation([HumanMessage("hi!"), a[1]])


def test_a_langgraph_cache_backend_can_be_passed_and_false_disables() -> None:
    counting = CountingClassifier()
    app = graph(counting, decision_cache=InMemoryCache())
    ask(app)
    assert ask(app)["decision"].cache == "exact" and counting.calls == 1
    counting_off = CountingClassifier()
    off = graph(counting_off, decision_cache=False)
    ask(off), ask(off)
    assert counting_off.calls == 2
    with pytest.raises(TypeError, match="decision_cache must be"):
        create_router(small_catalog(), decision_cache="redis")


def test_a_cached_model_that_left_the_pool_is_never_served() -> None:
    cache = DecisionCache()
    decision = RoutingDecision(
        ranked=(RankedModel(model_id="alpha", justification="x", score=0.9),),
        category="general",
        classifier="rules",
    )
    cache.put("k", decision)
    assert cache.get("k", ["alpha", "beta"]) == decision
    # alpha cooling down (the health hook removes it from the feasible pool): no hit
    assert cache.get("k", ["beta", "gamma"]) is None


def test_a_health_change_of_the_pool_invalidates_the_entry() -> None:
    counting = CountingClassifier()
    catalog = small_catalog()
    memory = RouterMemory(catalog, "rules", cache=DecisionCache())
    decider = Decider(catalog, counting, memory=memory)
    options = RunOptions.build()
    first = decider.decide(TASK, options)

    # what the health helper does: feasible(..., unhealthy=...) before ranking
    import lg_router.routing as routing

    real = routing.feasible

    def cooling(*args, **kwargs):
        return real(*args, **{**kwargs, "unhealthy": [first.best]})

    routing.feasible = cooling
    try:
        second = decider.decide(TASK, options)
    finally:
        routing.feasible = real
    assert second.cache is None and first.best not in second.model_ids
    assert counting.calls == 2
    assert decider.decide(TASK, options).cache == "exact"  # recovered: the old entry serves again


def test_a_failed_llm_classification_is_not_cached() -> None:
    llm = LLMClassifier(scripted("judge", "error"))
    counting = CountingClassifier(llm)
    app = graph(counting)
    first, second = ask(app), ask(app)
    assert "->" in first["decision"].classifier
    assert second["decision"].cache is None and counting.calls == 2


def test_lru_store_is_bounded_and_honours_ttl() -> None:
    store = LRUCache(maxsize=2)
    ns = ("n",)
    store.set({(ns, "a"): (1, None), (ns, "b"): (2, None)})
    assert store.get([(ns, "a")]) == {(ns, "a"): 1}  # a is now the most recent
    store.set({(ns, "c"): (3, None)})
    assert set(store.get([(ns, "a"), (ns, "b"), (ns, "c")])) == {(ns, "a"), (ns, "c")}
    store.set({(ns, "t"): (4, 0)})
    time.sleep(0.01)
    assert store.get([(ns, "t")]) == {}
    with pytest.raises(ValueError):
        LRUCache(maxsize=0)


# -- semantic ------------------------------------------------------------------------------
def test_a_paraphrase_reuses_the_decision_semantically() -> None:
    counting = CountingClassifier()
    semantic = SemanticCache(word_embedder(), threshold=0.8)
    app = graph(counting, semantic_cache=semantic)
    first = ask(app, text="Please summarise the plot of Hamlet in two sentences.")
    again = ask(app, text="Summarise the plot of Hamlet in two short sentences please.")
    assert again["decision"].cache == "semantic" and counting.calls == 1
    assert again["decision"].model_ids == first["decision"].model_ids
    assert "similarity" in (again["decision"].note or "")
    other = ask(app, text="Write a Rust function that parses RFC 3339 timestamps.")
    assert other["decision"].cache is None and counting.calls == 2
    # another preference is another scope: no semantic hit across it
    assert (
        ask(app, text="Summarise Hamlet's plot in two sentences.", preference="speed")["decision"].cache
        is None
    )


def test_semantic_scope_includes_the_earlier_conversation() -> None:
    counting = CountingClassifier()
    app = graph(counting, semantic_cache=SemanticCache(word_embedder(), threshold=0.5))
    app.invoke({"messages": [("user", "Tell me about Paris."), ("ai", "It is in France."), ("user", TASK)]})
    out = app.invoke(
        {"messages": [("user", "Tell me about Rome."), ("ai", "It is in Italy."), ("user", TASK)]}
    )
    assert out["decision"].cache is None and counting.calls == 2


def test_semantic_cache_takes_langchain_embeddings_and_checks_threshold() -> None:
    counting = CountingClassifier()
    semantic = SemanticCache(DeterministicFakeEmbedding(size=32), threshold=0.99)
    app = graph(counting, decision_cache=False, semantic_cache=semantic)
    ask(app)
    assert ask(app)["decision"].cache == "semantic" and counting.calls == 1
    with pytest.raises(ValueError, match="threshold"):
        SemanticCache(word_embedder(), threshold=0)
    with pytest.raises(TypeError, match="embedding"):
        SemanticCache("minilm")


def test_semantic_cache_is_bounded_in_all() -> None:
    cache = SemanticCache(word_embedder(), max_entries=3)
    decision = RoutingDecision(
        ranked=(RankedModel(model_id="alpha", justification="x", score=0.9),),
        category="general",
        classifier="rules",
    )
    for i, scope in enumerate(["a", "a", "b", "c"]):
        cache.put(scope, cache.vector(f"task number {i}"), decision)
    assert len(cache) == 3
    assert cache.nearest("a", cache.vector("task number 0"))[0] < 0.99  # the oldest entry went first
    assert cache.lookup("c", cache.vector("task number 3"), ["alpha"]) is not None


def test_other_configurable_values_are_part_of_the_key_but_thread_ids_are_not() -> None:
    counting = CountingClassifier()
    app = graph(counting)
    ask(app, thread_id="a")
    assert ask(app, thread_id="b")["decision"].cache == "exact"  # another thread, same workflow
    assert ask(app, lg_router_pin="beta")["decision"].cache is None  # a classifier may read it
    assert counting.calls == 2


def test_a_model_whose_breaker_opened_is_never_served_from_the_cache() -> None:
    from lg_router.decision import Attempt
    from lg_router.health import BreakerPolicy, MemoryHealth

    store = MemoryHealth(BreakerPolicy(failures=2, cooldown=60))
    counting = CountingClassifier()
    app = create_router(small_catalog(), classifier=counting, chat_models=fakes(), health=store).compile()
    first = ask(app)["decision"]
    assert ask(app)["decision"].cache == "exact"
    for _ in range(3):  # what failed calls report: the breaker of the first choice opens
        store.record(Attempt(model_id=first.best, outcome="timeout", seconds=1.0, retryable=True))
    again = ask(app)["decision"]
    assert again.cache is None and first.best not in again.model_ids
    assert again.excluded[first.best].startswith("cooling down until ")
    assert counting.calls == 2
