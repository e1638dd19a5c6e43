"""The rules classifier's text features (lexicon) and the evidence they produce."""

import pytest

from lg_router import route
from lg_router.classifiers.lexicon import Text, code_lines
from lg_router.classifiers.signals import detect_language


@pytest.mark.parametrize(
    ("text", "expressions"),
    [
        ("Compute 1-2+3-4", 3),
        ("10 - 3 = 7", 2),
        ("If f(x) = 3x^2, find f(2).", 2),
        ("Released 2024-03-07, call 555-0134 for details.", 0),  # a date and a phone number
        ("The ∑ of π terms", 2),
    ],
)
def test_math_expressions_ignore_dates_and_phone_numbers(text: str, expressions: int) -> None:
    assert Text(text).math_expressions() == expressions


def test_phrases_match_whole_words_only() -> None:
    text = Text("Please list the names. The checklist then grows.")
    assert text.hits(frozenset(), ("list the",)) == ["list the"]
    assert Text("a checklist therefore").hits(frozenset(), ("list the",)) == []


def test_code_lines_and_build_requests() -> None:
    code = "def f(x):\n    return x * 2\n\nclass A {\n  int b;\n}\nFrom here on, prose."
    assert code_lines(code) == 5
    assert Text("Write a Python function that sorts a list").build_code() == "write a python function"
    assert Text("Write a letter to my landlord").build_code() is None


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("¿Puedes explicarme cómo funciona la fotosíntesis en las plantas?", "Spanish"),
        ("Schreibe bitte eine kurze E-Mail an das Team, wie wir das Projekt planen.", "German"),
        ("x+y = 4z, x*y = 4z^2, express x-y in z", None),  # one-letter words are not Spanish
        ("What is the capital of France?", None),
        ("日本語で自己紹介を書いてください。", "Japanese"),
    ],
)
def test_language_detection(text: str, language: str | None) -> None:
    assert detect_language(text) == language


def test_extraction_asked_up_front_is_simple_despite_numbers() -> None:
    task = (
        "Given the following records of stock prices, extract the highest and lowest closing "
        "prices for each month.\nDate,Open,High,Low,Close\n2022-01-01,150.02,155.28,148.50,153.80\n"
        "2022-01-02,154.32,157.25,153.48,156.25\n2022-02-01,160.50,163.28,159.50,161.80"
    )
    decision = route(task, classifier="rules")
    assert decision.category == "simple"
    assert decision.best == "llama-3.3-70b"
    assert "the instruction itself asks for extraction or a label" in decision.ranked[0].justification


def test_word_problem_stays_reasoning() -> None:
    task = (
        "Natalia sold clips to 48 of her friends in April, and then she sold half as many "
        "clips in May. How many clips did Natalia sell altogether in April and May?"
    )
    assert route(task).category == "reasoning"
