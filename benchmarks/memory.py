"""Benchmark: the decision cache on 10,000 routed decisions (30% repeats, 20% paraphrases).

Each request is a two-message conversation: a system line naming a ticket (new requests
get a new ticket) and a task from the labelled dev and holdout sets. Repeats resend an
earlier request as is; paraphrases resend it with the task reworded by fixed rules
(politeness wrappers, word swaps: generated, not written by people). Every variant
decides the same sequence with the rules classifier through :class:`Decider`, i.e. the
classify node's work. A semantic hit is *false* when its ranking's first model differs
from the one the classifier gives that request.

The semantic threshold is tuned on the dev set (:func:`tune`): the dev tasks are cached,
then their paraphrases and the *other* dev tasks are asked; the threshold is the lowest
whose false-hit rate (a paraphrase served *another* task's ranking) stays at most 1%,
and the holdout set checks it.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from benchmarks.stats import Row, info_row, median

BENCH = "8 memory"
SWAPS = {
    "write": "compose",
    "explain": "describe",
    "summarise": "summarize",
    "summarize": "summarise",
    "translate": "convert",
    "create": "make",
    "short": "brief",
    "list": "enumerate",
    "give": "provide",
    "fix": "repair",
}
WRAPPERS = (
    "Please {t}",
    "{t} Thanks!",
    "Hi! {t}",
    "Could you help with this? {t}",
    "{t} Please be careful.",
    "I need help: {t}",
)


def paraphrase(text: str, rng: random.Random) -> str:
    """``text`` reworded: one word swapped where possible, then a wrapper around it."""
    words = text.split(" ")
    swappable = [i for i, w in enumerate(words) if w.lower() in SWAPS]
    if swappable:
        i = rng.choice(swappable)
        new = SWAPS[words[i].lower()]
        words[i] = new.capitalize() if words[i][:1].isupper() else new
    return rng.choice(WRAPPERS).format(t=" ".join(words))


def tasks(split: str) -> list[tuple[str, Any]]:
    """``(text, images part or None)`` of the short, single-turn items of a split."""
    from evals.data import load

    out: list[tuple[str, Any]] = []
    for item in load(split):
        if item.category == "long_context" or len(item.messages) != 1:
            continue
        content = item.messages[0]["content"]
        if isinstance(content, str):
            out.append((content, None))
        else:
            text = " ".join(p.get("text", "") for p in content if p.get("type") == "text")
            images = [p for p in content if p.get("type") != "text"]
            out.append((text, images))
    return out


def as_messages(text: str, images: Any, ticket: int) -> list[dict[str, Any]]:
    content: Any = text if images is None else [{"type": "text", "text": text}, *images]
    return [{"role": "system", "content": f"Support ticket #{ticket}."}, {"role": "user", "content": content}]


@dataclass(frozen=True)
class Request:
    kind: str  # new, repeat, paraphrase
    messages: list[dict[str, Any]]


def workload(n: int, seed: int = 13) -> list[Request]:
    """``n`` requests: 50% new, 30% exact repeats, 20% paraphrases of earlier ones."""
    rng = random.Random(seed)
    pool = tasks("all")
    sent: list[tuple[str, Any, int]] = []
    out: list[Request] = []
    for i in range(n):
        roll = rng.random() if sent else 0.0
        if roll < 0.5:
            text, images = pool[rng.randrange(len(pool))]
            sent.append((text, images, i))
            out.append(Request("new", as_messages(text, images, i)))
        else:
            text, images, ticket = sent[rng.randrange(len(sent))]
            if roll < 0.8:
                out.append(Request("repeat", as_messages(text, images, ticket)))
            else:
                out.append(Request("paraphrase", as_messages(paraphrase(text, rng), images, ticket)))
    return out


def _decider(catalog: Any, *, cache: Any = None, semantic: Any = None) -> Any:
    from lg_router.classifiers import RulesClassifier
    from lg_router.memory import RouterMemory
    from lg_router.routing import Decider

    memory = RouterMemory(catalog, "RulesClassifier", cache=cache, semantic=semantic)
    return Decider(catalog, RulesClassifier(), memory=memory)


def _semantic(threshold: float) -> Any:
    from lg_router.memory import LexicalEmbedder, SemanticCache

    return SemanticCache(LexicalEmbedder(), threshold=threshold)


@dataclass
class Outcome:
    seconds: list[float]
    cache: list[str | None]
    best: list[str]


def decide_all(decider: Any, requests: Sequence[Request]) -> Outcome:
    from lg_router.state import RunOptions

    options = RunOptions.build()
    out = Outcome([], [], [])
    clock = time.perf_counter
    for r in requests:
        start = clock()
        decision = decider.decide(r.messages, options)
        out.seconds.append(clock() - start)
        out.cache.append(decision.cache)
        out.best.append(decision.best)
    return out


def _rates(
    stored: Sequence[tuple[str, Any]],
    asked: Sequence[tuple[str, Any]],
    threshold: float,
    embedder: Any,
    seed: int,
) -> dict[str, float]:
    """Rates for paraphrases of ``asked`` (the last items of ``stored``) against a cache of ``stored``.

    ``hit``: served from the semantic cache; ``false``: served a ranking whose first model
    differs from the one the paraphrased task itself got (another task's decision);
    ``disagree``: the served first model differs from what the classifier gives the
    paraphrase (the rules change their mind on a wrapper word, or a false hit).
    """
    from lg_router.memory import SemanticCache
    from lg_router.routing import default_catalog

    catalog = default_catalog("oxlo")
    rng = random.Random(seed)
    cached = _decider(catalog, semantic=SemanticCache(embedder, threshold=threshold))
    filled = decide_all(cached, [Request("new", as_messages(t, im, 0)) for t, im in stored])
    own = filled.best[len(stored) - len(asked) :]
    queries = [Request("paraphrase", as_messages(paraphrase(t, rng), im, 0)) for t, im in asked]
    got = decide_all(cached, queries)
    want = decide_all(_decider(catalog), queries)
    hits = [c == "semantic" for c in got.cache]
    n = len(queries)
    return {
        "hit": sum(hits) / n,
        "false": sum(h and g != o for h, g, o in zip(hits, got.best, own, strict=True)) / n,
        "disagree": sum(h and g != w for h, g, w in zip(hits, got.best, want.best, strict=True)) / n,
    }


def tune(
    embedder: Callable[[str], Sequence[float]] | None = None,
    thresholds: Sequence[float] = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95),
) -> list[dict[str, float]]:
    """Paraphrase hit rate and false-hit rate per threshold.

    Dev: the dev tasks are cached, their paraphrases asked. Holdout (the check): dev and
    holdout tasks are cached, the holdout paraphrases asked. All share one scope (the same
    system line), so a paraphrase can land on another task: that is a false hit when the
    other task's first model differs.
    """
    from lg_router.memory import LexicalEmbedder

    embed = embedder or LexicalEmbedder()
    dev, holdout = tasks("dev"), tasks("holdout")
    results = []
    for threshold in thresholds:
        row: dict[str, float] = {"threshold": threshold}
        row.update({f"dev_{k}": v for k, v in _rates(dev, dev, threshold, embed, seed=5).items()})
        check = _rates([*dev, *holdout], holdout, threshold, embed, seed=6)
        row.update({f"holdout_{k}": v for k, v in check.items()})
        results.append(row)
    return results


def pick(
    results: Sequence[dict[str, float]], max_false: float = 0.01, max_disagree: float = 0.02
) -> dict[str, float]:
    """The lowest threshold within ``max_false`` dev false hits and ``max_disagree`` disagreement."""
    ok = [r for r in results if r["dev_false"] <= max_false and r["dev_disagree"] <= max_disagree]
    return min(ok, key=lambda r: r["threshold"]) if ok else max(results, key=lambda r: r["threshold"])


def _redis_cache() -> tuple[Any, Any] | None:
    """A Redis server of its own (``redis-server``/``valkey-server``) and a cache on it, if one runs here."""
    import redis
    from langgraph.cache.redis import RedisCache

    from tests.support.redis_server import RedisServer

    try:
        server = RedisServer().start()
    except Exception:
        return None
    return server, RedisCache(redis.Redis.from_url(server.url))


def run(quick: bool) -> list[Row]:
    """Rows: decision time per variant, hit rates, miss cost, and the threshold tuning."""
    from lg_router.memory import DecisionCache
    from lg_router.routing import default_catalog

    n = 1_000 if quick else 10_000
    catalog = default_catalog("oxlo")
    requests = workload(n)
    tuning = tune(thresholds=(0.8, 0.9, 0.95) if quick else (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95))
    chosen = pick(tuning)
    rows: list[Row] = []
    reference = decide_all(_decider(catalog, cache=None), requests)
    variants: dict[str, Callable[[], Any]] = {
        "no cache (classify every time)": lambda: _decider(catalog),
        "exact (in-memory LRU)": lambda: _decider(catalog, cache=DecisionCache()),
        f"exact + semantic (lexical, t={chosen['threshold']})": lambda: _decider(
            catalog, cache=DecisionCache(), semantic=_semantic(chosen["threshold"])
        ),
    }
    redis = _redis_cache()
    if redis is not None:
        variants["exact (Redis, 127.0.0.1)"] = lambda: _decider(catalog, cache=DecisionCache(redis[1]))
    case = f"{n:,} decisions (30% repeat, 20% paraphrase)"
    base = median(reference.seconds)
    try:
        for name, build in variants.items():
            got = reference if name.startswith("no cache") else decide_all(build(), requests)
            hits = [c is not None for c in got.cache]
            false = sum(
                1 for c, g, w in zip(got.cache, got.best, reference.best, strict=True) if c and g != w
            )
            by_kind = {
                k: sum(h for h, r in zip(hits, requests, strict=True) if r.kind == k)
                / max(1, sum(r.kind == k for r in requests))
                for k in ("repeat", "paraphrase", "new")
            }
            total_ms = sum(got.seconds) * 1e3
            note = (
                f"hit {sum(hits) / n:.0%} (repeats {by_kind['repeat']:.0%}, paraphrases "
                f"{by_kind['paraphrase']:.0%}, new {by_kind['new']:.0%}); "
                f"first model differs from the rules' {false}; "
                f"total {total_ms:,.0f} ms"
            )
            rows.append(Row(BENCH, case, name, got.seconds, baseline=base, note=note))
            if name.startswith("no cache"):
                continue
            hit_s = [s for s, h in zip(got.seconds, hits, strict=True) if h]
            miss_s = [s for s, h in zip(got.seconds, hits, strict=True) if not h]
            rows.append(Row(BENCH, "time by outcome", f"{name}: hit", hit_s, baseline=base))
            rows.append(
                Row(
                    BENCH,
                    "time by outcome",
                    f"{name}: miss",
                    miss_s,
                    baseline=base,
                    note="a miss = key/embedding + classifier + store",
                )
            )
    finally:
        if redis is not None:
            redis[0].stop()
    for r in tuning:
        rows.append(
            info_row(
                BENCH,
                "semantic threshold (lexical embedder)",
                f"t={r['threshold']}" + (" (chosen)" if r is chosen else ""),
                f"dev: paraphrase hits {r['dev_hit']:.0%}, false hits {r['dev_false']:.1%}, "
                f"rules disagree {r['dev_disagree']:.1%}; holdout: hits {r['holdout_hit']:.0%}, "
                f"false hits {r['holdout_false']:.1%}, rules disagree {r['holdout_disagree']:.1%}",
            )
        )
    return rows
