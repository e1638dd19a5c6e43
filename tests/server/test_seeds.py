"""Seed 002's and seed 004's client code, unchanged apart from ``base_url``, against `lg-router serve`.

The snippets live in ``examples/gateway/`` and run as real subprocesses with the official
openai SDK; the gateway routes to a fault server that answers ``answer from <model>``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.server.harness import GatewayProcess
from tests.support.cli_proc import REPO, clean_env
from tests.support.fault_server import Behavior, FaultServer

pytestmark = pytest.mark.integration

EXAMPLES = REPO / "examples" / "gateway"


def run_script(path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``python PATH`` as a user would run it, with only the gateway's URL and key set."""
    return subprocess.run(
        [sys.executable, str(path)], env=clean_env(env), cwd=REPO, capture_output=True, text=True, timeout=120
    )


def test_seed002_auto_mode(gateway: GatewayProcess, key: str, fault: FaultServer) -> None:
    done = run_script(
        EXAMPLES / "seed002_client.py", env={"LG_ROUTER_GATEWAY_URL": gateway.base_url, "API_KEY": key}
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    # Auto mode: a general explanation goes to the catalog's general flagship.
    assert lines[0] == "openai/gpt-4o"
    # Pool + quality: only the three pool models may answer.
    assert lines[1] in {"openai/gpt-4o", "anthropic/claude-sonnet-4.5", "google/gemini-3-flash-preview"}
    # Cost: a simple question goes to a cheap model, as the seed expects.
    assert lines[2] in {"openai/gpt-4o-mini", "google/gemini-3-flash-preview"}
    assert lines[3] in {"openai/gpt-4o", "anthropic/claude-sonnet-4.5", "google/gemini-3.1-pro-preview"}
    assert lines[4].startswith("ranked: ['") and "attempts: [('" in lines[5]
    pooled = [r.model for r in fault.requests[1:2]]
    assert pooled == [lines[1]]


def test_seed002_high_availability_falls_back(gateway: GatewayProcess, key: str, fault: FaultServer) -> None:
    # The high-availability pool's first two ranked models (gemini-3.1-pro for this
    # reasoning task, then gpt-4o) fail: the seed's "uninterrupted service".
    for model in ("google/gemini-3.1-pro-preview", "openai/gpt-4o"):
        fault.script(model, Behavior.error(503))
    done = run_script(
        EXAMPLES / "seed002_client.py", env={"LG_ROUTER_GATEWAY_URL": gateway.base_url, "API_KEY": key}
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[3] == "anthropic/claude-sonnet-4.5"
    assert lines[5] == (
        "attempts: [('google/gemini-3.1-pro-preview', 'error'), ('openai/gpt-4o', 'error'), "
        "('anthropic/claude-sonnet-4.5', 'ok')]"
    )


def test_seed004_smart_select(gateway: GatewayProcess, key: str, fault: FaultServer) -> None:
    done = run_script(
        EXAMPLES / "seed004_client.py", env={"LG_ROUTER_GATEWAY_URL": gateway.base_url, "API_KEY": key}
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "answer from openai/gpt-4o-mini"  # light -> smart-select -> the cheap fast model
    assert lines[1] == "answer from anthropic/claude-3-sonnet"  # complex -> the model it names
    assert lines[2].startswith(
        "[light] asked smart-select: answered by openai/gpt-4o-mini; ranked openai/gpt-4o-mini,"
    )
    assert lines[3].startswith(
        "[complex] asked claude-3-sonnet: answered by claude-3-sonnet; ranked claude-3-sonnet,"
    )
    assert lines[3].endswith("attempts claude-3-sonnet=ok")


def test_seed004_needs_the_gateway_key(gateway: GatewayProcess, fault: FaultServer) -> None:
    done = run_script(
        EXAMPLES / "seed004_client.py",
        env={"LG_ROUTER_GATEWAY_URL": gateway.base_url, "API_KEY": "not-a-key"},
    )
    assert done.returncode != 0
    assert "AuthenticationError: Error code: 401" in done.stderr and "gateway API key" in done.stderr
    assert fault.calls() == 0
