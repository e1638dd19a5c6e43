"""The memory benchmark's workload and tuning compute what its table claims (no timings)."""

from __future__ import annotations

import random
from collections import Counter

import numpy as np

from benchmarks.memory import paraphrase, pick, workload
from lg_router.memory import LexicalEmbedder


def test_workload_mixes_new_requests_repeats_and_paraphrases() -> None:
    requests = workload(2_000, seed=1)
    kinds = Counter(r.kind for r in requests)
    assert abs(kinds["repeat"] / 2_000 - 0.3) < 0.04 and abs(kinds["paraphrase"] / 2_000 - 0.2) < 0.04
    seen = set()
    for r in requests:
        key = repr(r.messages)
        if r.kind == "repeat":
            assert key in seen  # a repeat resends an earlier request exactly
        seen.add(key)
    tickets = [r.messages[0]["content"] for r in requests if r.kind == "new"]
    assert len(set(tickets)) == len(tickets)  # every new request has its own ticket


def test_paraphrase_rewords_but_keeps_the_task() -> None:
    rng = random.Random(3)
    text = "Write a short poem about the sea."
    out = paraphrase(text, rng)
    assert out != text and ("poem about the sea" in out)


def test_lexical_embedder_ignores_wrappers_and_separates_tasks() -> None:
    embed = LexicalEmbedder()

    def cos(a: str, b: str) -> float:
        x, y = np.array(embed(a)), np.array(embed(b))
        return float(x @ y / np.linalg.norm(x) / np.linalg.norm(y))

    assert cos("Summarise this report.", "Please summarise this report, thanks!") > 0.99
    assert cos("Summarise this report.", "Write a Rust parser.") < 0.1
    assert embed("same text") == LexicalEmbedder()("same text")


def test_pick_takes_the_lowest_threshold_within_both_limits() -> None:
    rows = [
        {"threshold": 0.5, "dev_false": 0.03, "dev_disagree": 0.03},
        {"threshold": 0.8, "dev_false": 0.0, "dev_disagree": 0.03},
        {"threshold": 0.9, "dev_false": 0.0, "dev_disagree": 0.01},
        {"threshold": 0.95, "dev_false": 0.0, "dev_disagree": 0.0},
    ]
    assert pick(rows)["threshold"] == 0.9
    assert pick(rows[:2])["threshold"] == 0.8  # none within both: the strictest one tried
