"""Small CLI things a new user noticed: --debug anywhere, the missing-key message, what
the fallback lines promise, and Ctrl-C while a model hangs in ``lg-router chat``."""

from __future__ import annotations

import contextlib
import os
import signal
import time

from tests.cli.test_run_chat import _Pty
from tests.support.cli_proc import clean_env, cli_command, error_lines, run_cli
from tests.support.fault_server import Behavior, FaultServer

CODING = "Refactor this Python function to use list comprehensions."  # -> deepseek-v3.2 first


def test_debug_is_accepted_after_the_subcommand() -> None:
    for args in (["route", "hello", "--debug"], ["route", "--debug", "hello"], ["--debug", "route", "hello"]):
        result = run_cli(*args)
        assert result.returncode == 0, (args, result.stderr)
        assert "llama-3.3-70b" in result.stdout
    failing = run_cli("route", "x", "--catalog", "nosuch", "--debug")
    assert failing.returncode == 1 and "Traceback" in failing.stderr
    literal = run_cli("route", "--json", "--", "--debug")  # after '--' it is the task text
    assert literal.returncode == 0 and "--debug" not in literal.stderr


def test_missing_key_names_the_model_the_task_was_routed_to() -> None:
    result = run_cli("run", CODING)  # no OXLO_API_KEY, no endpoint override
    assert result.returncode == 1
    assert error_lines(result.stderr)[-1] == (
        "lg-router: error: model 'deepseek-v3.2' needs an API key: set the environment variable OXLO_API_KEY"
    )


def test_fallback_lines_promise_a_next_model_only_when_there_is_one(
    local: dict[str, str], fault_server: FaultServer
) -> None:
    fault_server.set_default(Behavior.error(503))
    result = run_cli("run", CODING, env=local)
    assert result.returncode == 1
    failures = [line for line in error_lines(result.stderr) if line.startswith("[")]
    assert [line.split("]")[0] for line in failures] == ["[deepseek-v3.2", "[kimi-k2.6", "[qwen-3-32b"]
    assert all(line.endswith("trying the next ranked model") for line in failures[:2])
    assert failures[2].endswith("no ranked model left"), failures[2]

    fault_server.set_default(Behavior.error(400))  # not retryable: nothing else is tried
    result = run_cli("run", CODING, env=local)
    failures = [line for line in error_lines(result.stderr) if line.startswith("[")]
    assert len(failures) == 1 and "trying the next" not in failures[0]
    assert failures[0].endswith("not retried on another model"), failures[0]


def test_chat_ctrl_c_stops_a_hung_model_at_once(local: dict[str, str], fault_server: FaultServer) -> None:
    fault_server.script("deepseek-v3.2", Behavior.hang())
    term = _Pty([*cli_command(), "chat", "--timeout", "20"], clean_env(local))
    try:
        term.expect("you> ")
        term.send("Fix the bug in this Python function\r")
        term.expect("[routed to deepseek-v3.2")
        assert fault_server.wait_for_calls(1, "deepseek-v3.2", timeout=30)
        sent = time.monotonic()
        term.send("\x03")
        # Generous for a loaded machine; before the fix this took the attempt's 20 s deadline.
        term.expect("[answer interrupted; not kept in the conversation]", timeout=5)
        term.expect("you> ", timeout=5)
        assert time.monotonic() - sent < 5
        term.send("Tell me a joke\r")
        term.expect("answer from llama-3.3-70b", timeout=30)
        term.expect("you> ")
        term.send("\x04")
        term.expect("bye", timeout=10)
        assert term.wait(timeout=10) == 0
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(term.pid, signal.SIGKILL)
