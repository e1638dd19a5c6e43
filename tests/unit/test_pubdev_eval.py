"""``python -m evals.pubdev`` counts the task each classifier names on rows it is given."""

import json

from evals.pubdev import table


def test_counts_the_task_each_classifier_names_per_task_and_language(tmp_path) -> None:
    rows = [
        ("Write a Python function that returns the n-th Fibonacci number.", "coding", "en"),
        ("Pythonでクイックソートを実装してください。", "coding", "ja"),
        ("hi", "simple", "en"),
        ("Tell me a joke", "simple", "en"),  # general to both: a miss for each
    ]
    with (tmp_path / "pubdev.jsonl").open("w", encoding="utf-8") as fh:
        for text, task, language in rows:
            fh.write(json.dumps({"text": text, "task": task, "language": language, "source": "t"}) + "\n")
    out = table(tmp_path)
    assert out["learned"]["n"] == 4
    assert out["learned"]["coding"] == 1.0 and out["learned"]["non-en"] == 1.0
    assert out["learned"]["simple"] == 0.5
    assert out["learned"]["overall"] == 0.75
    assert out["rules"]["overall"] == 0.5 and out["rules"]["routable"] == 1.0  # simple called general
    assert out["rules"]["simple"] == 0.0  # a greeting is below the rules' simple score
    assert "reasoning" not in out["learned"]  # no rows, no rate
