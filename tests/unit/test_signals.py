"""The rules classifier's text features (lexicon) and the evidence they produce."""

import pytest

from lg_router import route
from lg_router.classifiers.lexicon import Text, code_lines
from lg_router.classifiers.signals import detect, detect_language
from lg_router.task import view


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


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (
            "Aşağıdakilerden hangisi levha sınırları ile depremlerin dağılışı arasındaki ilişkiyi gösterir?",
            "Turkish",
        ),
        ("Janet ana bata 16 na kila siku hutaga mayai. Je, anapata dola ngapi kila siku?", "Swahili"),
        ("Ilan ang mga mansanas sa basket kung may lima si Juan at binigyan siya ng tatlo?", "Tagalog"),
        ("Tôi có ba quả táo và hai quả cam, tôi có bao nhiêu quả?", "Vietnamese"),
        ("The naïve café owner's résumé was déjà vu for the señor.", None),  # English with accents
    ],
)
def test_latin_script_languages_are_told_from_english(text: str, language: str | None) -> None:
    assert detect_language(text) == language


def test_a_yes_no_question_after_a_passage_is_a_lookup() -> None:
    passage = " ".join(
        ["The Hunger Games: Mockingjay Part 2 is a 2015 American film directed by Francis Lawrence."] * 4
    )
    assert Text(f"{passage}\n\nIs mockingjay part 2 the last movie?").yes_no_last()
    assert not Text(f"{passage}\n\nHow many films were there before it?").yes_no_last()


def test_a_summary_in_one_sentence_is_writing_not_extraction() -> None:
    article = "The council approved the new cycling lanes after a long debate on Tuesday evening. " * 8
    decision = route(f"Summarize this article in one sentence.\n\n{article}", catalog="tiers")
    assert decision.category == "general"
    assert decision.best != "openai/gpt-4o-mini"  # summarising is the medium tier's job (seed 003)


@pytest.mark.parametrize(
    "task",
    [
        "Most successful writers read every day, so anyone who reads every day will succeed. "
        "Which of the following, if true, most seriously weakens the argument?",
        "Fidel tells the truth. Jerry says Fidel lies. Vina says Jerry tells the truth. "
        "Does Vina tell the truth?",
    ],
)
def test_logic_puzzles_have_reasoning_cues(task: str) -> None:
    from lg_router.classifiers.signals import detect
    from lg_router.task import view

    assert detect(view(task)).scores.get("reasoning", 0.0) >= 1.6


@pytest.mark.parametrize(
    "task",
    [
        "How do solar panels turn sunlight into electricity for a house?",
        "What if the printing press had never been invented?",
        "Embody a pirate captain and tell me about your last voyage.",
    ],
)
def test_open_questions_and_role_play_are_writing_not_the_cheap_tier(task: str) -> None:
    decision = route(task, catalog="tiers")
    assert decision.category == "general"
    assert decision.best != "openai/gpt-4o-mini"


@pytest.mark.parametrize(
    ("text", "boolean"),
    [
        ("not not ( not ( False ) ) is", True),
        ("True and not False or ( True and False ) is", True),
        ("not True", False),  # one operator: too little to call it a puzzle
        ("Is it true or false that the Earth is flat?", False),  # words besides the expression
    ],
)
def test_a_bare_boolean_expression_is_reasoning_evidence(text: str, boolean: bool) -> None:
    sig = detect(view(text))
    assert ("a boolean expression to evaluate" in sig.evidence.get("reasoning", [])) is boolean
    if boolean:
        assert route(text, classifier="rules").category == "reasoning"


def test_a_yes_no_question_about_a_passage_with_numbers_is_not_a_word_problem() -> None:
    passage = (
        "Lake Baikal -- Lake Baikal holds about 23,600 cubic kilometres of fresh water, is 636 "
        "kilometres long and reaches a depth of 1,642 metres in its deepest part, which makes it "
        "the deepest lake on Earth and one of the oldest, formed some 25 million years ago."
    )
    lookup = detect(view(f"{passage}\n\nIs Lake Baikal the deepest lake in the world?"))
    problem = detect(view(f"{passage}\n\nHow many metres deeper is it than a 900-metre lake?"))
    word_problem = "a word problem with"
    assert not any(e.startswith(word_problem) for e in lookup.evidence.get("reasoning", []))
    assert any(e.startswith(word_problem) for e in problem.evidence.get("reasoning", []))


@pytest.mark.parametrize(
    ("text", "ask"),
    [
        ("りんごが3個とみかんが5個あります。全部で何個ありますか。", "何個"),
        ("لدى أحمد 5 تفاحات واشترى 3 أخرى. فكم تفاحة لديه الآن؟", "فكم"),
        ("Anna hat 12 Äpfel und gibt 4 davon ab. Wie viele Äpfel hat sie noch?", "wie viele"),
        ("У Маши 7 конфет, она съела 2. Сколько конфет осталось?", "сколько"),
        ("今日は何をしましたか。3時に5人で会いました。", None),  # 何を: "what", not "how many"
        ("撰写一篇3000字的文章，介绍2023年的10个趋势，多少字都可以。", None),  # no question
    ],
)
def test_a_how_many_question_is_read_in_any_script(text: str, ask: str | None) -> None:
    sig = detect(view(text))
    assert sig.quantity_ask == ask
    problem = any(e.startswith("a word problem with") for e in sig.evidence.get("reasoning", []))
    assert problem is (ask is not None)


def test_a_foreign_word_problem_goes_to_the_reasoning_model() -> None:
    task = "りんごが3個とみかんが5個あります。友だちに2個あげると、残りは何個ですか。"
    assert route(task, classifier="learned").category == "reasoning"


def test_finnish_is_told_from_english_despite_on() -> None:
    text = (
        "Liisa ja Pekka ovat sisaruksia. Jos Liisa on 12-vuotias ja Pekka on häntä 3 vuotta "
        "vanhempi, kuinka vanha Pekka on?"
    )
    assert detect_language(text) == "Finnish"


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("Berechne die Standardabweichung der Messwerte und erkläre jeden Schritt.", "berechne"),
        ("Resuelve la ecuación y explica cada paso que das para llegar al resultado.", "ecuación"),
        ("求下列数据的标准差，并说明计算步骤。", "标准差"),
        ("다음 방정식의 해를 구하고 풀이 과정을 설명하세요.", "방정식"),
        ("จงหาค่าเบี่ยงเบนมาตรฐานของข้อมูลชุดนี้", "เบี่ยงเบนมาตรฐาน"),
        ("Найдите производную функции синус и объясните каждый шаг решения.", "производн"),
        ("Oblicz pole trójkąta, którego boki są podane w zadaniu, i wyjaśnij każdy krok.", "trójkąt"),
    ],
)
def test_maths_words_count_in_other_languages(text: str, cue: str) -> None:
    sig = detect(view(text))
    assert sig.language is not None
    assert any(cue in e for e in sig.evidence.get("reasoning", [])), sig.evidence


@pytest.mark.parametrize(
    "text",
    [
        # "probabilità" also says "likely"; "Gruppe" is any group: neither is maths here.
        "A parità di condizioni, quale delle seguenti persone ha maggiori probabilità di vivere a lungo?",
        "Schreibe einen Bericht über unsere Gruppe und ihre Geschichte für die Website.",
    ],
)
def test_words_that_only_sometimes_mean_maths_are_not_cues(text: str) -> None:
    sig = detect(view(text))
    assert sig.language is not None
    assert not sig.scores.get("reasoning"), sig.evidence


def test_numbered_statements_and_numeric_choices_are_maths_shapes() -> None:
    statements = (
        "Aussage 1 | Jede Untermenge ist endlich. Aussage 2 | Die Menge hat 10 Elemente.\n"
        "A. Wahr, wahr\nB. Falsch, falsch\nC. Wahr, falsch\nD. Falsch, wahr"
    )
    choices = "Trouvez la caractéristique de l'anneau 2Z. A. 0 B. 3 C. 12 D. 30"
    words = "Quelle est la capitale de l'Australie ? A. Sydney B. Canberra C. Melbourne D. Perth"
    assert "numbered statements to judge" in detect(view(statements)).evidence["reasoning"]
    assert "answer choices that are numbers" in detect(view(choices)).evidence["reasoning"]
    assert not detect(view(words)).scores.get("reasoning")
    table = "| Item 1 | 5 |\n| Item 2 | 6 |\n\nExtract the items."  # table rows are not statements
    assert not Text(table).statement_pair()
    assert Text("A. 12\nB. 3,5\nC) 40%\nD. $7").numeric_choices() == 4
    assert Text("A. 1492\nB. 1776\nC. 1789\nD. 2001").numeric_choices() == 0  # years are recalled
    years = (
        "En quelle année la Révolution française a-t-elle commencé ? Choisissez la bonne réponse. "
        "A. 1492 B. 1776 C. 1789 D. 1815"
    )
    sig = detect(view(years))
    assert sig.language == "French"
    assert "answer choices that are numbers" not in sig.evidence.get("reasoning", [])
