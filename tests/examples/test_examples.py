"""Every script in examples/ runs, against a FaultServer on 127.0.0.1 and offline.

Each example is a real subprocess (``python examples/X.py``) with provider keys removed
from its environment; the assertions read its output: the routing it shows and which
model answered (the FaultServer answers ``answer from <model>``).
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cli_proc import REPO, run_script
from tests.support.fault_server import FaultServer

pytestmark = pytest.mark.integration

EXAMPLES = sorted(p for p in (REPO / "examples").glob("*.py") if not p.name.startswith("_"))
SEEDS = [p for p in EXAMPLES if p.name.startswith("seed")]

# What each seed example must print when its models run (local server) ...
LOCAL = {
    "seed000_oxlo_router.py": [
        "Routing to: deepseek-v3.2",
        "Answered by: deepseek-v3.2",
        "Routing to: qwen-3-32b",
        "Answered by: qwen-3-32b",
        "Routing to: kimi-k2.6",
        "excluded qwen-3-32b:",
        "Answered by: kimi-k2.6",
        "Result snippet: answer from kimi-k2.6",
    ],
    "seed001_streaming_engine.py": [
        "[Engine routed to deepseek-v3.2]\n\nanswer from deepseek-v3.2",
        "[answered by deepseek-v3.2, 1 attempt(s)]",
        "[Engine routed to llama-3.3-70b]\n\nanswer from llama-3.3-70b",
    ],
    "seed002_auto_mode.py": [
        "speed    -> deepseek-v3.2",
        "cost     -> deepseek-v3.2",
        "model used: llama-3.3-70b",
        "answer: answer from kimi-k2.6",
        "model used: deepseek-v3.2",
    ],
    "seed003_cost_tiers.py": [
        "Accuracy 8/8",
        "classifier: llm",
        "answered by openai/gpt-4o-mini: answer from openai/gpt-4o-mini",
    ],
    "seed004_light_complex.py": [
        "[light] Classify",
        "answered by openai/gpt-4o-mini (tier simple): as expected",
        "answered by anthropic/claude-3-5-sonnet-20241022 (tier complex): as expected",
    ],
}
# ... and offline (no key, no endpoint): decisions only, and what to set.
OFFLINE = {
    "seed000_oxlo_router.py": ["Routing to: deepseek-v3.2", "Routing to: kimi-k2.6", "set OXLO_API_KEY"],
    "seed001_streaming_engine.py": ["[Engine would route to deepseek-v3.2]", "set OXLO_API_KEY"],
    # "Help me optimize this code": a coding task for the semantic classifier (the default with
    # the [test] extra); the learned one's rules fallback made it reasoning (kimi-k2.6).
    "seed002_auto_mode.py": ["balanced -> deepseek-v3.2", "set OXLO_API_KEY"],
    "seed003_cost_tiers.py": ["Accuracy 8/8", "set AICREDITS_API_KEY"],
    "seed004_light_complex.py": ["route: anthropic/claude-3-5-sonnet-20241022", "set AICREDITS_API_KEY"],
}


@pytest.fixture(scope="module")
def server() -> Iterator[FaultServer]:
    with FaultServer() as fault_server:
        yield fault_server


def _run_all(paths: list[Path], env: dict[str, str]) -> dict[str, subprocess.CompletedProcess[str]]:
    """Run the scripts two at a time (the machine has 2 cores)."""
    results: dict[str, subprocess.CompletedProcess[str]] = {}
    for i in range(0, len(paths), 2):
        procs = {p.name: run_script(p, env=env) for p in paths[i : i + 2]}
        for name, proc in procs.items():
            out, err = proc.communicate(timeout=180)
            results[name] = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    return results


@pytest.fixture(scope="module")
def local_runs(server: FaultServer) -> dict[str, subprocess.CompletedProcess[str]]:
    return _run_all(EXAMPLES, {"LG_ROUTER_BASE_URL": server.base_url})


@pytest.fixture(scope="module")
def offline_runs() -> dict[str, subprocess.CompletedProcess[str]]:
    return _run_all(SEEDS, {})


def test_every_seed_scenario_has_an_example() -> None:
    assert set(LOCAL) <= {p.name for p in EXAMPLES}


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_has_docstring(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    assert re.match(r'^(#![^\n]*\n)?"""\S', source), f"{path.name} must start with a docstring"


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_runs_against_local_server(
    path: Path, local_runs: dict[str, subprocess.CompletedProcess[str]], server: FaultServer
) -> None:
    result = local_runs[path.name]
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    answered = set(re.findall(r"answer from ([\w./-]+)", result.stdout))
    assert answered, f"{path.name} printed no model answer:\n{result.stdout}"
    for expected in LOCAL.get(path.name, []):
        assert expected in result.stdout, f"{path.name}: missing {expected!r} in:\n{result.stdout}"


def test_seed000_sends_the_generated_log(
    local_runs: dict[str, subprocess.CompletedProcess[str]], server: FaultServer
) -> None:
    assert local_runs["seed000_oxlo_router.py"].returncode == 0
    to_kimi = [r for r in server.requests if r.model == "kimi-k2.6"]
    sizes = [len(str(r.messages[-1]["content"])) for r in to_kimi]
    assert (
        max(sizes) > 200_000
    )  # ≈120K tokens of log (about 2 characters a token) went to the long-context model


@pytest.mark.parametrize("path", SEEDS, ids=[p.name for p in SEEDS])
def test_example_offline_shows_routing_and_what_to_set(
    path: Path, offline_runs: dict[str, subprocess.CompletedProcess[str]]
) -> None:
    result = offline_runs[path.name]
    assert result.returncode == 0, result.stderr
    assert "answer from" not in result.stdout
    for expected in OFFLINE[path.name]:
        assert expected in result.stdout, f"{path.name}: missing {expected!r} in:\n{result.stdout}"
