"""``lg-router eval`` and ``lg-router report`` as a user runs them (real subprocesses)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.evaluation.test_plots import png_size
from tests.evaluation.test_report import RECORDS
from tests.support.cli_proc import error_lines, run_cli
from tests.support.fault_server import FaultServer

DATA = Path(__file__).parent / "data" / "scored.jsonl"
SIZE = (960, 600)


@pytest.fixture
def fault_server() -> Iterator[FaultServer]:
    with FaultServer() as server:
        yield server


def test_eval_devset_prints_accuracy_confusion_and_decisions() -> None:
    proc = run_cli("eval", "evals/devset.jsonl")
    assert proc.returncode == 0, proc.stderr
    for title in (
        "Routing accuracy by labelled category",
        "Confusion matrix: labelled category",
        "Decisions",
    ):
        assert title in proc.stdout
    assert "overall" in proc.stdout and "avoided the strongest model kimi-k2.6" in proc.stdout
    assert "estimated cost: unknown" in proc.stdout  # the oxlo preset does not publish prices


@pytest.mark.parametrize("name", ["rules", "learned"])
def test_eval_uses_the_routers_default_classifier_unless_told(name: str) -> None:
    """No --classifier: the classifier route() would use (LG_ROUTER_CLASSIFIER sets it)."""
    proc = run_cli("eval", "evals/devset.jsonl", env={"LG_ROUTER_CLASSIFIER": name})
    assert proc.returncode == 0, proc.stderr
    assert f"classifier {name}," in proc.stdout.splitlines()[0]


def test_eval_scored_data_shows_apgr_cpt_savings_and_writes_plots(tmp_path: Path) -> None:
    proc = run_cli("eval", str(DATA), "--plots", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    assert "APGR 0.823 (random 0.500)   CPT(50%) 14.1%   CPT(80%) 32.5%" in proc.stdout
    assert "estimated cost: 7 USD routed vs 16 USD always kimi-k2.6 (saving 56.2%)" in proc.stdout
    for name in ("cost_quality.png", "confusion.png"):
        assert f"wrote {tmp_path / 'out' / name}" in proc.stdout
        assert png_size(tmp_path / "out" / name) == SIZE


def test_eval_json(tmp_path: Path) -> None:
    proc = run_cli("eval", str(DATA), "--json", "--plots", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["accuracy"]["top1"] == 0.75 and data["accuracy"]["top3"] == 1.0
    assert data["curve"]["apgr"] == pytest.approx(0.8229, abs=1e-4)
    assert data["curve"]["cpt50_percent"] == pytest.approx(14.06, abs=0.01)
    assert data["cost"]["saving"] == pytest.approx(0.5625)
    assert data["category_confusion"]["simple"] == {"general": 1}
    assert [r["ranked"][0] for r in data["results"]] == [
        "deepseek-v3.2",
        "qwen-3-32b",
        "kimi-k2.6",
        "llama-3.3-70b",
    ]
    assert sorted(Path(p).name for p in data["plots"]) == ["confusion.png", "cost_quality.png"]


def test_eval_unlabelled_data_with_a_priced_catalog(tmp_path: Path) -> None:
    path = tmp_path / "plain.jsonl"
    path.write_text('{"task": "Write a short poem about autumn."}\n{"task": "Classify: good or bad?"}\n')
    proc = run_cli("eval", str(path), "--catalog", "tiers", "--json")
    data = json.loads(proc.stdout)
    assert data["accuracy"] is None and data["curve"] is None and data["rows"] == 2
    assert data["cost"]["strongest_model"] == "anthropic/claude-3-5-sonnet-20241022"
    assert data["cost"]["currency"] == "INR" and 0 < data["cost"]["saving"] < 1


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ('{"task": "ok"}\n\n{"task": "x", "category": "poetry"}\n', ":3: unknown category 'poetry'"),
        ('{"task": "ok"}\n{bad\n', ":2: malformed JSON"),
        ('{"task": "ok", "expected": ["gpt-9"]}\n', "line 1: 'expected' names model ids ['gpt-9']"),
    ],
)
def test_a_bad_row_is_one_error_line_naming_it(tmp_path: Path, text: str, where: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(text)
    proc = run_cli("eval", str(path))
    assert proc.returncode == 1
    (line,) = error_lines(proc.stderr)
    assert line.startswith("lg-router: error: ") and where in line


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    proc = run_cli("eval", str(DATA), "--preference", "cheapest")
    assert proc.returncode == 2 and len(error_lines(proc.stderr)) == 1
    proc = run_cli("eval", str(DATA), "--judge", "gpt-9")
    assert proc.returncode == 2 and "--judge 'gpt-9' is not a model of catalog 'oxlo'" in proc.stderr


def test_judge_through_the_catalog_endpoint(fault_server: FaultServer) -> None:
    env = {"LG_ROUTER_BASE_URL": fault_server.base_url}
    proc = run_cli("eval", str(DATA), "--judge", "llama-3.3-70b", "--sample", "4", "--json", env=env)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["judge"] == "llama-3.3-70b" and data["strongest_model"] == "kimi-k2.6"
    assert data["sampled"] == 4 and data["failed"] == 0
    assert data["all"]["n"] == 4 and data["downgraded"]["n"] == 3  # one task was routed to kimi itself
    assert 0 <= data["all"]["ci95"][0] <= data["all"]["rate"] <= data["all"]["ci95"][1] <= 1
    assert {r["routed"] for r in data["results"]} == {
        "deepseek-v3.2",
        "qwen-3-32b",
        "kimi-k2.6",
        "llama-3.3-70b",
    }
    judged = [r for r in fault_server.requests if r.tools]
    assert len(judged) == 3 and all(r.model == "llama-3.3-70b" for r in judged)
    assert all(r.tools[0]["function"]["name"] == "Verdict" and r.response_format is None for r in judged)
    assert (
        sum(1 for r in fault_server.requests if r.model == "kimi-k2.6" and not r.tools) == 4
    )  # 3 refs + 1 routed


def test_judge_table(fault_server: FaultServer) -> None:
    env = {"LG_ROUTER_BASE_URL": fault_server.base_url}
    proc = run_cli("eval", str(DATA), "--judge", "llama-3.3-70b", env=env)
    assert proc.returncode == 0, proc.stderr
    assert "Judge llama-3.3-70b: routed answer as good as kimi-k2.6's?" in proc.stdout
    assert "all sampled tasks" in proc.stdout and "downgraded only" in proc.stdout
    assert "well calibrated (>= 95%); 4 tasks in" in proc.stdout


def test_report_tables_json_and_plot(tmp_path: Path) -> None:
    trace = tmp_path / "trace.jsonl"
    trace.write_text("".join(json.dumps(r) + "\n" for r in RECORDS))
    proc = run_cli("report", str(trace), "--catalog", "tiers", "--plots", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert "4 requests from" in proc.stdout and "3 answered, 1 failed, fallback rate 25.0%" in proc.stdout
    for title in ("Spend by model", "Spend by category", "Spend by day (UTC)", "Latency per model"):
        assert title in proc.stdout
    assert "vs always anthropic/claude-3-5-sonnet-20241022 0.867 INR" in proc.stdout
    assert png_size(tmp_path / "spend_over_time.png") == SIZE
    data = json.loads(run_cli("report", str(trace), "--catalog", "tiers", "--json").stdout)
    assert data["fallback_rate"] == 0.25 and data["latency"]["openai/gpt-4o-mini"] == {
        "p50": 0.5,
        "p95": 1.5,
        "n": 2,
    }


def test_report_bad_trace_names_the_line(tmp_path: Path) -> None:
    trace = tmp_path / "trace.jsonl"
    trace.write_text("{}\nnot json\n")
    proc = run_cli("report", str(trace))
    assert proc.returncode == 1 and ":2: malformed JSON" in proc.stderr
