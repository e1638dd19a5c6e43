"""Reading data sets: every bad row is refused with its file and line number."""

from __future__ import annotations

from pathlib import Path

import pytest

from lg_router.evaluation import EvalDataError, load_rows

pytestmark = pytest.mark.usefixtures("offline")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "data.jsonl"
    path.write_text(text, encoding="utf-8")
    return path


def test_task_forms_and_labels(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '{"task": "hi", "expected": "qwen-3-32b", "source": "mine"}\n'
        "\n"
        '{"id": "m", "messages": [{"role": "system", "content": "be brief"}, '
        '{"role": "user", "content": "yo"}],'
        ' "category": "simple", "scores": {"a": 1, "b": 0.5}, "costs": {"a": 0}}\n'
        '{"prompt": "third"}\n',
    )
    first, second, third = load_rows(path)
    assert (first.id, first.line, first.expected, first.extra) == (
        "line 1",
        1,
        ("qwen-3-32b",),
        {"source": "mine"},
    )
    assert first.messages == [{"role": "user", "content": "hi"}]
    assert (second.id, second.line, second.category, second.text) == ("m", 3, "simple", "yo")
    assert second.scores == {"a": 1.0, "b": 0.5} and second.costs == {"a": 0.0}
    assert third.text == "third"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", r"data.jsonl:2: malformed JSON"),
        ("[1, 2]", r"data.jsonl:2: a row must be a JSON object"),
        ('{"id": "x"}', r"data.jsonl:2: no task"),
        ('{"task": "  "}', r"data.jsonl:2: the task is blank"),
        ('{"messages": [{"content": "x"}]}', r"data.jsonl:2: messages\[0\] must be an object with 'role'"),
        ('{"task": "x", "category": "poetry"}', r"data.jsonl:2: unknown category 'poetry'"),
        ('{"task": "x", "expected": []}', r"data.jsonl:2: 'expected' must be a model id"),
        ('{"task": "x", "scores": {"a": "high"}}', r"data.jsonl:2: 'scores' of 'a' must be a number"),
        ('{"task": "x", "costs": {"a": -1}}', r"data.jsonl:2: 'costs' of 'a' must be a non-negative number"),
        ('{"id": "one", "task": "dup"}', r"data.jsonl:2: duplicate id 'one' \(first on line 1\)"),
        ('{"task": "x", "long_document": {"corpus": ["../x"], "repeat_to_chars": 5}}', r"outside corpus/"),
    ],
)
def test_bad_rows_name_their_line(tmp_path: Path, line: str, message: str) -> None:
    path = write(tmp_path, '{"id": "one", "task": "fine"}\n' + line + "\n")
    with pytest.raises(EvalDataError, match=message):
        load_rows(path)


def test_long_document_rows_are_built_from_the_corpus_next_to_the_data(tmp_path: Path) -> None:
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "a.txt").write_text("abc\n")
    row = '{"messages": [{"role": "user", "content": "Read: {{document}} end"}], '
    row += '"long_document": {"corpus": ["a.txt"], "repeat_to_chars": 8}}'
    (only,) = load_rows(write(tmp_path, row + "\n"))
    assert only.text == "Read: abc\n\nabc end"  # 'abc' + blank line + 'abc', cut at 8 characters


def test_empty_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(EvalDataError, match="no rows"):
        load_rows(write(tmp_path, "\n\n"))
    with pytest.raises(EvalDataError, match="cannot read the data set"):
        load_rows(tmp_path / "nope.jsonl")
