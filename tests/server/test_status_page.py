"""The status page at ``/``, rendered by headless Chromium (Debian's ``chromium``).

A missing browser is a failure, not a skip: ``.ci/run`` installs it.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from openai import OpenAI

from lg_router import ModelCatalog
from lg_router.decision import Attempt, RankedModel, RoutingDecision
from lg_router.health import MemoryHealth
from lg_router.server import status
from lg_router.server.outcome import Outcome
from lg_router.server.wire import ChatRequest
from tests.server.harness import CATALOG, GatewayProcess
from tests.support.fault_server import Behavior, FaultServer

pytestmark = pytest.mark.integration

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-quic",
    "--disable-sync",
]


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    pytest.fail("headless Chromium is not installed: apt-get install -y chromium chromium-driver")


def browse(url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="lg-chromium-") as profile:
        return subprocess.run(
            [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *extra, url],
            capture_output=True,
            text=True,
            timeout=120,
        )


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.fixture(scope="module")
def health_gateway(upstream: FaultServer) -> Iterator[GatewayProcess]:
    """A gateway with the default in-memory health store (breakers on)."""
    with GatewayProcess(upstream.base_url, args=["--timeout", "5"]) as process:
        yield process


def test_status_page_in_headless_chromium(
    health_gateway: GatewayProcess, key: str, fault: FaultServer
) -> None:
    gateway = health_gateway
    fault.script("anthropic/claude-sonnet-4.5", Behavior.error(500))
    sdk = OpenAI(base_url=gateway.base_url, api_key=key, max_retries=0)
    for _ in range(5):  # five failures in a row open the coder's breaker; fallbacks answer
        sdk.chat.completions.create(
            model="auto", messages=[{"role": "user", "content": "Refactor this function."}]
        )
    sdk.chat.completions.create(
        model="smart-select", messages=[{"role": "user", "content": "Classify this."}]
    )

    dom = browse(gateway.url + "/", "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    html = dom.stdout
    for model_id in ModelCatalog.from_yaml(CATALOG).ids:
        assert f'class="model-row" data-model="{model_id}"' in html
    assert html.count('class="decision-row"') >= 2
    assert "anthropic/claude-sonnet-4.5 error; " in html  # the fallback shows in the recent decisions
    sonnet = html.split('data-model="anthropic/claude-sonnet-4.5"', 1)[1].split("</tr>", 1)[0]
    assert 'class="state-open">open (' in sonnet  # the breaker the failures opened
    mini = html.split('data-model="openai/gpt-4o-mini"', 1)[1].split("</tr>", 1)[0]
    assert 'class="state-closed">closed<' in mini
    assert "smart-select" in html
    metrics = httpx.get(f"{gateway.url}/metrics").text
    assert 'lg_router_breaker_state{model="anthropic/claude-sonnet-4.5",state="open"} 1.0' in metrics
    assert 'lg_router_breaker_state{model="openai/gpt-4o-mini",state="closed"} 1.0' in metrics
    assert "<script" not in html and "http" not in html.split("<body>", 1)[1]  # no external assets

    with tempfile.TemporaryDirectory(prefix="lg-shot-") as tmp:
        shot = Path(tmp) / "status.png"
        done = browse(gateway.url + "/", f"--screenshot={shot}", "--window-size=1280,900")
        assert done.returncode == 0 and shot.exists(), done.stderr[-2000:]
        assert png_size(shot) == (1280, 900)
        assert shot.stat().st_size > 20_000  # a rendered page with tables, not a blank image
        keep = Path(tempfile.gettempdir()) / "lg-router-status-page.png"
        shutil.copy(shot, keep)  # left for a person to look at


def test_render_shows_breaker_states_latency_and_spend() -> None:
    catalog = ModelCatalog.from_yaml(CATALOG)
    log = status.RecentLog(catalog)
    decision = RoutingDecision(
        ranked=(
            RankedModel(model_id="openai/gpt-4o", justification="x", score=0.9),
            RankedModel(model_id="openai/gpt-4o-mini", justification="y", score=0.5),
        ),
        category="general",
        classifier="rules",
    )
    attempts = [
        Attempt(model_id="openai/gpt-4o", outcome="timeout", seconds=2.0),
        Attempt(model_id="openai/gpt-4o-mini", outcome="ok", seconds=0.25, cost=0.0015),
    ]
    request = ChatRequest(messages=[], requested="auto", pinned=None)
    log.add(Outcome(request, decision, attempts, 2.3, 200, "openai/gpt-4o-mini"))
    health = MemoryHealth()
    for _ in range(5):  # five failures in a row open a breaker (BreakerPolicy.failures)
        health.record(Attempt(model_id="openai/gpt-4o", outcome="timeout", seconds=2.0, retryable=True))
    health.record(attempts[1])
    html = status.render(log, health)
    row = html.split('data-model="openai/gpt-4o"', 1)[1].split("</tr>", 1)[0]
    assert 'class="state-open">open (' in row and "2000.0 ms" in row
    mini = html.split('data-model="openai/gpt-4o-mini"', 1)[1].split("</tr>", 1)[0]
    assert ">closed<" in mini and "250.0 ms" in mini
    assert "0.001500 USD" in html
    assert "openai/gpt-4o timeout; openai/gpt-4o-mini ok" in html
