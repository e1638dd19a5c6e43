"""Reliability tier: fault matrix, load with faults, security checks (127.0.0.1 only).

The fault matrix records one row per case in a :class:`MatrixLog` kept on the pytest
config; ``pytest_terminal_summary`` prints it as a table at the end of the run (no ``-s``
needed) and, when ``LG_ROUTER_MATRIX_FILE`` is set, also writes it there as Markdown.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.fault_server import Behavior, FaultServer


@dataclass
class MatrixLog:
    """Observed outcomes of the fault matrix: ``(fault, position) -> {api: cell}``."""

    rows: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    apis: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # other measurements (load test)

    def record(self, fault: str, position: str, api: str, cell: str) -> None:
        self.rows.setdefault((fault, position), {})[api] = cell
        if api not in self.apis:
            self.apis.append(api)

    def markdown(self) -> str:
        """The matrix as a Markdown table (rows in recording order)."""
        head = ["fault", "position", *self.apis]
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for (fault, position), cells in self.rows.items():
            row = [fault, position, *(cells.get(api, "-") for api in self.apis)]
            lines.append("| " + " | ".join(row) + " |")
        return "\n".join(lines)


_MATRIX_KEY = pytest.StashKey[MatrixLog]()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_MATRIX_KEY] = MatrixLog()


@pytest.fixture(scope="session")
def matrix_log(pytestconfig: pytest.Config) -> MatrixLog:
    """Where matrix tests record what they observed."""
    return pytestconfig.stash[_MATRIX_KEY]


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config
) -> None:
    log = config.stash.get(_MATRIX_KEY, None)
    if log is None:
        return
    if log.notes:
        terminalreporter.section("lg-router reliability measurements")
        for note in log.notes:
            terminalreporter.write_line(note)
    if not log.rows:
        return
    terminalreporter.section("lg-router reliability matrix")
    terminalreporter.write_line(
        "cell = observed outcome (expected in brackets when it differs): "
        "A<k> answered by the k-th ranked model, C<k> answered by the k-th ranked model "
        "continuing a failed stream, E<n> RoutingError after n attempts, "
        "S<n> StreamInterruptedError after n attempts; then wall seconds"
    )
    for line in log.markdown().splitlines():
        terminalreporter.write_line(line)
    target = os.environ.get("LG_ROUTER_MATRIX_FILE")
    if target:
        Path(target).write_text(log.markdown() + "\n", encoding="utf-8")
        terminalreporter.write_line(f"(written to {target})")


@pytest.fixture(scope="module")
def fault_server() -> Iterator[FaultServer]:
    """One fault server per module (tests script it; scripts are cleared per test)."""
    with FaultServer() as server:
        yield server


@pytest.fixture
def server(fault_server: FaultServer) -> Iterator[FaultServer]:
    """The module's fault server with no scripts, the default behaviour and an empty log."""
    fault_server.clear_scripts()
    fault_server.set_default(Behavior())
    fault_server.reset_log()
    yield fault_server
    fault_server.clear_scripts()
    fault_server.set_default(Behavior())
