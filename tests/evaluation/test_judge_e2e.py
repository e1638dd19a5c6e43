"""``lg-router eval --judge`` end to end: a real SmolLM2 answers, and judges, through llama.cpp.

A fault-server proxy in front of the model server logs what each request asked for.
Assertions are about structure (who was called, with a forced tool call, and how the
verdicts are counted), never about the model's wording or its verdicts.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli_proc import run_cli
from tests.support.e2e_fixtures import llama_proxy_fixture  # noqa: F401 - fixture 'llama_proxy'
from tests.support.fault_server import FaultServer

pytestmark = pytest.mark.e2e

ROWS = [
    {"id": "poem", "task": "Write a two-line poem about rain."},  # routed to llama-3.3-70b
    {"id": "code", "task": "Refactor this Python function: def f(x): return x*2"},  # deepseek-v3.2
    {"id": "proof", "task": "Prove that the square root of 2 is irrational."},  # kimi-k2.6, the strongest
]


def test_judge_on_the_real_model(llama_proxy: FaultServer, tmp_path: Path) -> None:
    data = tmp_path / "sample.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in ROWS))
    proc = run_cli(
        "eval",
        str(data),
        "--judge",
        "qwen-3-32b",
        "--base-url",
        llama_proxy.base_url,
        "--max-tokens",
        "24",
        "--timeout",
        "120",
        "--json",
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    results = {r["id"]: r for r in report["results"]}
    assert results["proof"]["routed"] == "kimi-k2.6" and results["proof"]["same_model"] is True
    for key in ("poem", "code"):
        r = results[key]
        assert r["routed"] != "kimi-k2.6" and r["same_model"] is False
        if r["error"] is None:  # a verdict: a boolean and a reason string
            assert isinstance(r["same_quality"], bool) and isinstance(r["reason"], str)
        else:
            assert r["same_quality"] is None and r["error"].startswith("judge")
    verdicts = [r for r in report["results"] if r["same_quality"] is not None]
    assert report["all"]["n"] == len(verdicts) and report["downgraded"]["n"] == len(verdicts) - 1
    assert report["all"]["matches"] == sum(r["same_quality"] for r in verdicts)
    low, high = report["all"]["ci95"]
    assert 0 <= low <= report["all"]["rate"] <= high <= 1
    assert report["seconds"] > 0 and report["cost"]["calls"] == 1 + 2 * 3  # routed x3, reference x2, judge x2
    # The judge ran as a forced tool call on qwen-3-32b (llama.cpp rejects json_schema).
    judged = [r for r in llama_proxy.requests if r.tools]
    assert len(judged) == 2 and all(r.model == "qwen-3-32b" and r.status == 200 for r in judged)
    assert all(r.tools[0]["function"]["name"] == "Verdict" and r.response_format is None for r in judged)
    references = [r for r in llama_proxy.requests if r.model == "kimi-k2.6" and not r.tools]
    assert len(references) == 3  # the proof's routed run and the two reference answers
