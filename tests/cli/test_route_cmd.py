"""``lg-router route``: ranked top 3, inputs from argument / stdin / file / image, JSON."""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path

import pytest

from lg_router.tokens import text_tokens
from tests.support.cli_proc import run_cli

COMMANDS = ("route", "run", "chat", "catalog", "graph")


def _png(path: Path) -> Path:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"\x00\xff\x00\x00"
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )
    return path


def _log(path: Path, tokens: int) -> Path:
    line = "2025-03-01T12:00:00Z ERROR [db-pool] connection reset by peer (retry 3/5)\n"
    per_line = text_tokens(line * 1000) / 1000  # digit-heavy: fewer characters a token than prose
    path.write_text(line * int(tokens / per_line + 1), encoding="utf-8")
    return path


def test_top_level_help_lists_every_command() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    for command in COMMANDS:
        assert command in result.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str) -> None:
    result = run_cli(command, "--help", module=True)
    assert result.returncode == 0, result.stderr
    assert f"lg-router {command}" in result.stdout
    assert "--help" in result.stdout


def test_route_prints_ranked_table_with_reasons_and_facts() -> None:
    result = run_cli("route", "Refactor this Python function to use list comprehensions.")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    rows = [line for line in out.splitlines() if line.startswith("│ ")]
    assert rows[0].split("│")[2].strip() == "deepseek-v3.2"
    assert "coding is its main strength" in out
    assert "category: coding" in out
    assert "classifier: learned" in out
    assert "decided in" in out and " ms" in out
    assert "constraints:" in out


def test_route_json_is_machine_readable() -> None:
    result = run_cli("route", "--json", "Write a formal business email in Japanese requesting a meeting.")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["ranked"][0]["model_id"] == "qwen-3-32b"
    assert data["category"] == "multilingual"
    assert data["classifier"] == "learned"
    assert len(data["ranked"]) == 3 and all(r["justification"] for r in data["ranked"])
    assert data["decision_ms"] >= 0


def test_route_reads_stdin_and_file(tmp_path: Path) -> None:
    piped = run_cli("route", "--json", "-", input="def f(x):\n    return [i for i in x]\nFix this bug.")
    assert json.loads(piped.stdout)["category"] == "coding"
    task = tmp_path / "task.txt"
    task.write_text("Escribe un correo formal en español para pedir una reunión.", encoding="utf-8")
    from_file = run_cli("route", "--json", "--file", str(task))
    assert json.loads(from_file.stdout)["ranked"][0]["model_id"] == "qwen-3-32b"


def test_route_with_local_image_needs_vision(tmp_path: Path) -> None:
    image = _png(tmp_path / "chart.png")
    result = run_cli("route", "--json", "What does this chart show?", "--image", str(image))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert [r["model_id"] for r in data["ranked"]] == ["kimi-k2.6"]  # the only vision model
    assert any("vision" in c for c in data["constraints"])
    assert set(data["excluded"]) == {"llama-3.3-70b", "qwen-3-32b", "deepseek-v3.2"}


def test_route_options_catalog_preference_models() -> None:
    result = run_cli(
        "route",
        "--json",
        "--catalog",
        "tiers",
        "--preference",
        "cost",
        "--models",
        "openai/gpt-4o-mini,anthropic/claude-3-5-sonnet-20241022",
        "Classify as positive or negative: 'The product arrived on time.'",
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["preference"] == "cost"
    assert data["ranked"][0]["model_id"] == "openai/gpt-4o-mini"
    assert {r["model_id"] for r in data["ranked"]} <= {
        "openai/gpt-4o-mini",
        "anthropic/claude-3-5-sonnet-20241022",
    }


def test_route_custom_yaml_catalog(tmp_path: Path) -> None:
    catalog = tmp_path / "mine.yaml"
    catalog.write_text(
        "name: mine\nbase_url: http://127.0.0.1:9/v1\nmodels:\n"
        "  small: {capabilities: [general, fast], strengths: [fast], speed: 5, quality: 2}\n"
        "  coder: {capabilities: [coding], strengths: [coding], quality: 5}\n",
        encoding="utf-8",
    )
    result = run_cli("route", "--json", "--catalog", str(catalog), "Debug this stack trace in my Python code")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["ranked"][0]["model_id"] == "coder"


def test_big_file_is_routed_by_approximate_count(tmp_path: Path) -> None:
    """A 150K-token log: routed on the tiers catalog (200K windows), refused by oxlo (131K)."""
    log = _log(tmp_path / "big.log", 150_000)
    ok = run_cli("route", "--json", "--catalog", "tiers", "Summarise the top errors:", "--file", str(log))
    assert ok.returncode == 0, ok.stderr
    data = json.loads(ok.stdout)
    assert 140_000 < data["input_tokens"] < 160_000
    assert data["category"] == "long_context"
    assert "openai/gpt-4o-mini" in data["excluded"]  # 128K window
    too_big = run_cli("route", "Summarise the top errors:", "--file", str(log))
    assert too_big.returncode == 1
    assert "context window" in too_big.stderr and "Traceback" not in too_big.stderr
