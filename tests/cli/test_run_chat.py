"""``lg-router run`` and ``lg-router chat`` against a FaultServer on 127.0.0.1."""

from __future__ import annotations

import contextlib
import json
import os
import pty
import select
import signal
import subprocess
import time

from tests.support.cli_proc import clean_env, cli_command, commands, error_lines, run_cli
from tests.support.fault_server import Behavior, FaultServer

CODING = "Refactor this Python function to use list comprehensions."


def test_run_streams_answer_and_summarises(local: dict[str, str], fault_server: FaultServer) -> None:
    result = run_cli("run", CODING, env=local)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "answer from deepseek-v3.2\n"  # stdout is the answer only
    assert "deepseek-v3.2" in result.stderr.split("Routing decision")[1]
    summary = error_lines(result.stderr)[-1]
    assert summary.startswith("answered by deepseek-v3.2 · 1 attempt · ")
    assert "in / 3 out tokens" in summary
    record = fault_server.requests[-1]
    assert record.model == "deepseek-v3.2" and record.stream  # streamed from the server


def test_run_base_url_option_and_json(fault_server: FaultServer) -> None:
    result = run_cli(
        "run", "--json", "--base-url", fault_server.base_url, "Write a formal business email in Japanese."
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["model"] == "qwen-3-32b"
    assert data["answer"] == "answer from qwen-3-32b"
    assert data["decision"]["ranked"][0]["model_id"] == "qwen-3-32b"
    assert [a["outcome"] for a in data["attempts"]] == ["ok"]


def test_run_falls_back_on_timeout(local: dict[str, str], fault_server: FaultServer) -> None:
    fault_server.script("deepseek-v3.2", Behavior.hang())
    result = run_cli("run", "--timeout", "1", CODING, env=local)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "answer from kimi-k2.6\n"
    assert "[deepseek-v3.2] timeout after" in result.stderr
    assert "answered by kimi-k2.6 · 2 attempts (deepseek-v3.2 timeout)" in result.stderr


def test_run_continues_an_answer_whose_stream_broke(local: dict[str, str], fault_server: FaultServer) -> None:
    text = "one two three four five six"
    fault_server.script("deepseek-v3.2", Behavior(kind="stream_error", cut_after=3, text=text))
    fault_server.script("kimi-k2.6", Behavior(text=text, resume=True))
    result = run_cli("run", CODING, env=local)
    assert result.returncode == 0, result.stderr
    assert result.stdout == text + "\n"  # one answer, the second model wrote the rest
    assert "continuing the answer on the next ranked model" in result.stderr
    assert "answered by kimi-k2.6 · 2 attempts (deepseek-v3.2 error)" in result.stderr


def test_run_reports_every_failed_attempt(local: dict[str, str], fault_server: FaultServer) -> None:
    fault_server.set_default(Behavior.error(503))
    result = run_cli("run", CODING, env=local)
    assert result.returncode == 1
    assert "lg-router: error: every ranked model failed (3 attempt(s))" in result.stderr
    for model in ("deepseek-v3.2", "kimi-k2.6", "qwen-3-32b"):
        assert f"{model}: error" in result.stderr
    assert "Traceback" not in result.stderr


def test_run_prints_tokens_as_they_arrive(local: dict[str, str], fault_server: FaultServer) -> None:
    fault_server.set_default(Behavior.drip(0.4, text="one two three four five six"))
    proc = subprocess.Popen(
        [*cli_command(), "run", CODING], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=clean_env(local)
    )
    try:
        first = os.read(proc.stdout.fileno(), 64)  # type: ignore[union-attr]
        still_running = proc.poll() is None
        rest, _ = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert first.startswith(b"one")
    assert still_running, "the first token arrived only after the run ended"
    assert (first + rest).decode() == "one two three four five six\n"


def test_chat_keeps_history_and_shows_models(local: dict[str, str], fault_server: FaultServer) -> None:
    session = commands(
        ["Write a Python function to merge two sorted lists", "Explain the halting problem", "quit"]
    )
    result = run_cli("chat", env=local, input=session)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "[routed to deepseek-v3.2 · coding" in out
    assert "answer from deepseek-v3.2" in out
    assert "[routed to llama-3.3-70b · general" in out
    assert "[answered by llama-3.3-70b · 1 attempt" in out
    assert out.rstrip().endswith("bye")
    second = fault_server.requests[-1]
    contents = [m["content"] for m in second.messages]
    assert contents == [
        "Write a Python function to merge two sorted lists",
        "answer from deepseek-v3.2",
        "Explain the halting problem",
    ]


def test_chat_ends_on_eof(local: dict[str, str]) -> None:
    result = run_cli("chat", env=local, input="hello\n")
    assert result.returncode == 0
    assert "answer from llama-3.3-70b" in result.stdout and "bye" in result.stdout


class _Pty:
    """A child process on a pseudo-terminal (so Ctrl-C / Ctrl-D are real tty keys)."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # child: a terminal's default signal handling, then exec
            signal.pthread_sigmask(signal.SIG_SETMASK, [])
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            os.execvpe(argv[0], argv, env)
        self.buffer = b""

    def expect(self, text: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        needle = text.encode()
        while needle not in self.buffer:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"did not see {text!r}; got:\n{self.buffer.decode(errors='replace')}"
            ready, _, _ = select.select([self.fd], [], [], remaining)
            if ready:
                try:
                    chunk = os.read(self.fd, 4096)
                except OSError:
                    chunk = b""
                assert chunk, f"child closed before {text!r}; got:\n{self.buffer.decode(errors='replace')}"
                self.buffer += chunk
        head, _, tail = self.buffer.partition(needle)
        self.buffer = tail
        return head.decode(errors="replace")

    def send(self, data: str, *, settle: float = 0.0) -> None:
        time.sleep(settle)
        os.write(self.fd, data.encode())

    def wait(self, timeout: float = 30) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return os.waitstatus_to_exitcode(status)
            try:
                os.read(self.fd, 4096)
            except OSError:
                time.sleep(0.05)
        os.kill(self.pid, signal.SIGKILL)
        raise AssertionError("child did not exit")


def test_chat_on_a_terminal_handles_ctrl_c_and_ctrl_d(
    local: dict[str, str], fault_server: FaultServer
) -> None:
    fault_server.script("deepseek-v3.2", Behavior.drip(0.5, text="a b c d e f g h i j"))
    term = _Pty([*cli_command(), "chat"], clean_env(local))
    try:
        term.expect("you> ")
        # Let readline settle first: a signal just before it waits is only seen on the
        # next key (a CPython readline race a person never hits).
        term.send("\x03", settle=0.5)  # Ctrl-C at the prompt: keep going
        term.expect("type 'exit' or press Ctrl-D to quit")
        term.expect("you> ")
        term.send("Fix the bug in this Python function\r")
        term.expect("[routed to deepseek-v3.2")
        term.expect("a ")  # the answer has started streaming
        term.send("\x03")  # Ctrl-C mid-answer: drop the turn, back to the prompt
        term.expect("[answer interrupted; not kept in the conversation]")
        term.expect("you> ")
        term.send("Tell me a joke\r")
        term.expect("answer from llama-3.3-70b")
        term.expect("you> ")
        term.send("\x04")  # Ctrl-D: leave
        term.expect("bye")
        assert term.wait() == 0
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(term.pid, signal.SIGKILL)
    last = fault_server.requests[-1]
    assert [m["content"] for m in last.messages] == ["Tell me a joke"]  # interrupted turn not kept
