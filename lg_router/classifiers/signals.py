"""Offline task signals: code shape, math/logic cues, scripts and languages, length, images.

Features come from one lowercase split of a bounded sample of the text (see
:mod:`lg_router.classifiers.lexicon`), so the cost is flat past ~8k characters; the
token count of the whole conversation comes from :func:`count_tokens_approximately`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lg_router.classifiers import lexicon as lex
from lg_router.classifiers.lexicon import Text, code_lines
from lg_router.task import TaskView

HEAD_CHARS = 6000
TAIL_CHARS = 2000
LONG_CONTEXT_TOKENS = 16_000
INSTRUCTION_CHARS = 160
NUMERIC_CHOICES = 3  # answer choices that are numbers: a problem with a numeric answer
FOREIGN_MATH_MAX = 2.5  # what maths words in another language can add, however many

_SCRIPTS: dict[str, str] = {
    "Japanese": "\u3040-\u30ff",
    "Chinese": "\u4e00-\u9fff\u3400-\u4dbf",
    "Korean": "\uac00-\ud7af\u1100-\u11ff",
    "Cyrillic (Russian, Ukrainian ...)": "\u0400-\u04ff",
    "Arabic": "\u0600-\u06ff\u0750-\u077f",
    "Hebrew": "\u0590-\u05ff",
    "Devanagari (Hindi ...)": "\u0900-\u097f",
    "Bengali": "\u0980-\u09ff",
    "Tamil": "\u0b80-\u0bff",
    "Thai": "\u0e00-\u0e7f",
    "Greek": "\u0370-\u03ff",
}
_SCRIPT_RE = {name: re.compile(f"[{chars}]") for name, chars in _SCRIPTS.items()}
_NON_LATIN_RE = re.compile("[" + "".join(_SCRIPTS.values()) + "]")
_SPACELESS_RE = re.compile("[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\u0e00-\u0e7f]")
_LATIN_LETTER_RE = re.compile(r"[A-Za-z\u00c0-\u024f]")

_STOPWORDS: dict[str, frozenset[str]] = {
    "English": frozenset(
        "the a an and or of to in is are was were be for with on that this it as by at from "
        "what how why which who please can you your me my i we our write give make".split()
    ),
    "Spanish": frozenset(
        "el la los las de del que y en un una por para con es son como pero más "
        "este esta por favor escribe dime cómo qué cuál sobre".split()
    ),
    "French": frozenset(
        "le la les des du de et est une un pour que qui dans sur avec pas vous nous "
        "je il elle ce cette écris écrivez comment quel quelle".split()
    ),
    "German": frozenset(
        "der die das und ist nicht ein eine zu mit von für auf den dem des ich sie wir "
        "wie was bitte schreibe schreiben sich auch".split()
    ),
    "Portuguese": frozenset(
        "o os as de do da dos das e que em um uma para com não por mais como você escreva qual é são".split()
    ),
    "Italian": frozenset(
        "il lo la gli le di del della che e è un una per con non sono come scrivi quale perché anche".split()
    ),
    "Dutch": frozenset("de het een en van ik je is niet dat op te zijn met voor hoe wat schrijf".split()),
    "Turkish": frozenset("ve bir bu için ile ne nasıl değil çok da de mi mı lütfen yaz".split()),
    "Indonesian": frozenset("yang dan di ini itu dengan untuk tidak dari dalam apa bagaimana tolong".split()),
    "Vietnamese": frozenset("của và là có không những một các được cho người này với".split()),
    "Polish": frozenset("i w na nie się że jest to do z jak co dla czy proszę napisz".split()),
    "Swahili": frozenset("na ya wa kwa ni katika za cha kila kuna alikuwa ana je nini ngapi".split()),
    "Tagalog": frozenset("ang ng mga sa ay siya ito para hindi ako ikaw paano ilan".split()),
    "Swedish": frozenset("och att det som är på för med av inte jag hur vad skriv".split()),
    "Romanian": frozenset("și în la cu pe este sunt pentru care nu cum ce".split()),
    "Finnish": frozenset("ja että ei se hän ovat oli kun mitä kuinka paljon".split()),
    "Czech": frozenset("a je se na že ve jak co pro jsou není".split()),
}
# Turkish words the short list above misses in exam-style questions.
_STOPWORDS["Turkish"] |= frozenset("hangisi hangisidir aşağıdakilerden olan olarak göre".split())
# Function words of word problems and questions the short lists miss ("Mia ja Emma ovat ...
# Jos Mia, joka on ..."; Finnish "on" is English's "on", so it takes more of its own).
_MORE_STOPWORDS = {
    "Finnish": "jos joka jotka jossa mikä miten montako paljonko kuin myös sekä tai mutta "
    "vain nyt sitten tämä tämän tässä tällä koska kanssa hänen heidän kaikki yksi kaksi kolme "
    "neljä viisi vuotta euroa olla olivat",
    "Indonesian": "berapa ada akan sudah jika setiap masing lebih banyak dia mereka kami kita "
    "saya anda adalah oleh juga atau pada ke sebuah seorang satu dua tiga",
    "Dutch": "als hoeveel heeft hebben wordt worden naar uit aan om er maar ook dan nog elke kost meer",
    "Polish": "ma ile jego jej będzie niż teraz za po od są był była ich oraz lub każdy",
    "Italian": "ha hanno anni sua suo tra quanto quanti quante ogni più alla nel nella dei delle ma se",
    "Portuguese": "tem quantos quantas quanto ele ela seu sua cada foi ter",
    "Romanian": "are mai decât câte câți cât său lui ei el ea fiecare",
}
for _lang, _extra in _MORE_STOPWORDS.items():
    _STOPWORDS[_lang] |= frozenset(_extra.split())
for _lang in (*_MORE_STOPWORDS, "Swahili", "Tagalog", "Swedish", "Czech"):  # no English words
    _STOPWORDS[_lang] = _STOPWORDS[_lang] - _STOPWORDS["English"]
# Latin letters with diacritics (not × and ÷): at this share of the letters, not English.
# "not ( True and False ) or True is": a truth value to compute, nothing else in the request.
_BOOLEAN_RE = re.compile(r"\s*(?:(?:not|and|or|True|False)\b|[()\s])+(?:\bis\b)?\s*[?=]?\s*")
_BOOLEAN_OPS_RE = re.compile(r"\b(?:not|and|or)\b")
_ACCENTED_RE = re.compile("[\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff]")
ACCENTED_SHARE = 0.03
ACCENTED_MIN = 3
_FOREIGN_STOPWORDS = frozenset().union(*(s for lang, s in _STOPWORDS.items() if lang != "English"))


@dataclass
class Signals:
    """Per-category evidence found in a task; ``scores`` drive the rules classifier."""

    scores: dict[str, float] = field(default_factory=dict)
    evidence: dict[str, list[str]] = field(default_factory=dict)
    language: str | None = None
    translate: str | None = None
    words: int = 0
    quantity_ask: str | None = None  # "how many" outside English, with numbers to work on
    foreign_math: bool = False  # maths words or numeric answer choices outside English

    def add(self, category: str, weight: float, why: str) -> None:
        """Add ``weight`` to ``category`` with a human-readable reason."""
        self.scores[category] = self.scores.get(category, 0.0) + weight
        self.evidence.setdefault(category, []).append(why)


def _words_written(text: str) -> int:
    """Words, counting about two characters a word where scripts have no spaces."""
    return len(text.split()) + len(_SPACELESS_RE.findall(text)) // 2


def _sample(text: str) -> str:
    if len(text) <= HEAD_CHARS + TAIL_CHARS:
        return text
    return text[:HEAD_CHARS] + "\n" + text[-TAIL_CHARS:]


def detect_language(text: str | Text) -> str | None:
    """The task's language when it is clearly not English, else ``None``."""
    sample = text if isinstance(text, Text) else Text(text)
    head = sample.raw[:3000]
    if not head.isascii():
        letters = len(_LATIN_LETTER_RE.findall(head))
        non_latin = len(_NON_LATIN_RE.findall(head))
        if non_latin and non_latin >= 0.25 * (letters + non_latin):
            counts = {name: len(rx.findall(head)) for name, rx in _SCRIPT_RE.items()}
            if counts["Japanese"]:
                return "Japanese"
            return max(counts, key=lambda k: counts[k])
    accented = 0 if head.isascii() else len(_ACCENTED_RE.findall(head))
    if accented < ACCENTED_MIN and len(sample.vocabulary & _FOREIGN_STOPWORDS) < 2:
        return None  # fewer than two non-English function words: English (or too short)
    counts = sample.word_counts()
    if sum(counts.values()) < 3:
        return None
    hits = {lang: sum(counts[w] for w in stop if w in counts) for lang, stop in _STOPWORDS.items()}
    best = max(hits, key=lambda k: hits[k])
    if best != "English" and hits[best] >= 2 and hits[best] > 1.5 * hits["English"]:
        return best
    letters = len(_LATIN_LETTER_RE.findall(head))
    if accented >= ACCENTED_MIN and accented >= ACCENTED_SHARE * letters and hits["English"] < 3:
        foreign = max((k for k in hits if k != "English"), key=lambda k: hits[k])
        return foreign if hits[foreign] else "a Latin-script language other than English"
    return None


def detect(view: TaskView, *, long_context_tokens: int = LONG_CONTEXT_TOKENS) -> Signals:
    """Score each category for a task; higher means more evidence."""
    sig = Signals()
    text = Text(_sample(view.text))
    context = view.context_text[-TAIL_CHARS:]
    sig.words = len(text.raw.split())

    if view.images:
        sig.add("vision", 10.0, f"{view.images} image part(s) attached")
    if view.tokens >= long_context_tokens:
        sig.add("long_context", 10.0, f"≈{view.tokens:,} tokens in the conversation")
    else:
        hint = text.long_hint()
        if hint:
            sig.add("long_context", 3.0, f"mentions a '{hint}' input")

    language = detect_language(text)
    if language:
        sig.language = language
        sig.add("multilingual", 6.0, f"written in {language}")
    translate = text.translate_request()
    if translate:
        sig.translate = translate
        sig.add("multilingual", 4.0, f"asks for '{translate}'")

    fences = text.raw.count("```") + text.raw.count("~~~")
    shaped = code_lines(text.raw)
    code_words = text.hits(lex.CODE_STRONG, lex.CODE_STRONG_PHRASES)
    if fences:
        sig.add("coding", 4.0, "a fenced code block")
    if shaped >= 2:
        sig.add("coding", min(4.0, 0.8 * shaped), f"{shaped} code-shaped lines")
    if text.traceback():
        sig.add("coding", 3.0, "an error trace")
    build = text.build_code()
    if build:
        sig.add("coding", 3.0, f"asks to '{build}'")
    if code_words:
        sig.add("coding", 1.6 * len(code_words), "coding words: " + ", ".join(code_words[:4]))
    weak_code = text.hits(lex.CODE_WEAK)
    if weak_code and (code_words or fences or shaped >= 2 or len(weak_code) >= 2):
        sig.add("coding", 0.6 * len(weak_code), "code terms: " + ", ".join(weak_code[:3]))
    if context and ("```" in context or code_lines(context) >= 3):
        sig.add("coding", 1.0, "code earlier in the conversation")

    math_words = text.hits(lex.MATH, lex.MATH_PHRASES)
    logic_words = text.hits(lex.LOGIC, lex.LOGIC_PHRASES)
    if text.if_then():
        logic_words.append("if ... then")
    symbols = text.math_expressions()
    numbers = text.numbers()
    if math_words:
        sig.add("reasoning", 1.6 * len(math_words), "math cues: " + ", ".join(math_words[:4]))
    if logic_words:
        sig.add("reasoning", 1.6 * len(logic_words), "logic cues: " + ", ".join(logic_words[:4]))
    if symbols:
        sig.add("reasoning", min(3.0, 1.0 * symbols), f"{symbols} math expression(s)")
    if sig.language:  # the task before the language: maths words and shapes in any language
        foreign = text.foreign_math()
        if foreign:
            # under RULES_SURE: a word list alone does not overrule the learned model there
            sig.add(
                "reasoning", min(FOREIGN_MATH_MAX, 1.6 * len(foreign)), "math cues: " + ", ".join(foreign[:4])
            )
        numeric_choices = text.numeric_choices() >= NUMERIC_CHOICES
        if numeric_choices:
            sig.add("reasoning", 1.5, "answer choices that are numbers")
        sig.foreign_math = bool(math_words or foreign) or numeric_choices
    if text.statement_pair():
        sig.add("reasoning", 2.0, "numbered statements to judge")
    if _BOOLEAN_RE.fullmatch(text.raw) and len(_BOOLEAN_OPS_RE.findall(text.raw)) >= 2:
        sig.add("reasoning", 3.0, "a boolean expression to evaluate")
    quantity = text.quantity_ask() if numbers >= 2 else None  # "how many" outside English
    asked = quantity or (numbers >= 3 and text.asks())
    if asked and _words_written(text.raw) < 400 and not text.yes_no_last():
        # (a yes/no question after a passage asks what the passage says, numbers or not)
        sig.quantity_ask = quantity
        sig.add("reasoning", 1.5, f"a word problem with {numbers} numbers")

    writing = text.hits(lex.WRITING, lex.WRITING_PHRASES)
    if writing:
        sig.add("general", 1.5 + 0.5 * len(writing), "writing task: " + ", ".join(writing[:3]))
    if text.open_question() and not (sig.scores.get("coding") or sig.scores.get("reasoning")):
        sig.add("general", 2.0, "an open question or a role to play")
    head = Text(text.raw[:INSTRUCTION_CHARS])
    summary = head.hits(lex.SUMMARY, limit=1)
    if summary:
        sig.add("general", 2.5, f"asks for a {summary[0]}")

    simple_words = text.hits(lex.SIMPLE, lex.SIMPLE_PHRASES)
    if simple_words:
        cues = ", ".join(simple_words[:3])
        sig.add("simple", 2.0 + 0.5 * len(simple_words), f"simple-task cues: {cues}")
        if not summary and head.hits(lex.SIMPLE, lex.SIMPLE_PHRASES, limit=1):
            # Asked up front ("Extract ...", "Given this paragraph, ..."): the numbers and
            # data that follow are material to read, not a problem to solve.
            sig.add("simple", 2.0, "the instruction itself asks for extraction or a label")
    if text.question_first():
        sig.add("simple", 3.5, "a short question before a passage to read")
    elif text.yes_no_last():
        sig.add("simple", 2.0, "a yes/no question about the passage before it")
    if sig.words <= 25 and text.factoid() and not set(sig.scores) - {"simple"}:
        sig.add("simple", 1.5, f"a short question ({sig.words} words)")
    elif sig.words <= 12 and not sig.scores:
        sig.add("simple", 1.0, f"a short request ({sig.words} words)")
    return sig
