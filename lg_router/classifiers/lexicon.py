"""Word lists and one-pass text features for the rules classifier.

Python's ``re`` costs roughly 0.1 µs per character and alternative, so scanning a 4,000
character task with a dozen keyword regexes takes milliseconds. Instead the text is
lowercased and split once; single words are looked up in sets, phrases in the
space-normalised text, and shapes (code lines, math expressions) with ``str`` methods.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cached_property

# Punctuation becomes a space; '+', '#' and '_' stay (c++, c#, snake_case).
_PUNCT = str.maketrans({c: " " for c in "!\"$%&'()*,-./:;<=>?@[\\]^`{|}~\t\r\n"})
# Kana, CJK, Hangul, Thai and full-width forms: no spaces between words, so "C++プログラム"
# or "HTML로" are split where the script changes and the Latin word is read on its own.
_SPACELESS_RUN = re.compile("([\u3000-\u30ff\u3400-\u9fff\uac00-\ud7af\u0e00-\u0e7f\uff00-\uffef]+)")
# ASCII, full-width, Arabic-Indic, Persian, Devanagari and Bengali digits: any numeral is a number.
_OTHER_DIGITS = "".join(chr(zero + i) for zero in (0xFF10, 0x0660, 0x06F0, 0x0966, 0x09E6) for i in range(10))
_DIGITS = str.maketrans("123456789" + _OTHER_DIGITS, "0" * (9 + len(_OTHER_DIGITS)))


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


CODE_STRONG = _words(
    "python javascript typescript java c++ c# golang rust kotlin swift ruby php scala haskell sql "
    "postgres postgresql mysql sqlite bash powershell regex html css react django flask numpy "
    "pandas refactor refactoring refactored refactors debug debugging debugged debugger compile "
    "compiler compiled pytest coding snippet algorithm recursion recursive hashmap dockerfile "
    "docker kubernetes dataframe leetcode makefile terminal grep awk chmod cron crontab function method"
)
CODE_STRONG_PHRASES = (
    "shell script", "shell command", "regular expression", "api endpoint", "unit test", "unit tests",
    "source code", "linked list", "hash map", "binary tree", "big o", "time complexity",
    "json schema", "stack trace", "list comprehension", "list comprehensions", "one liner",
    "command line", "tar archive", "git commit", "git branch", "git rebase", "git merge",
    "implement a", "implement an", "implement the",
)  # fmt: skip
CODE_WEAK = _words(
    "code class script program programming variable loop array query syntax library framework "
    "api endpoint cli yaml bug git"
)
BUILD_VERBS = _words("write develop create build implement code")
BUILD_ARTICLES = _words("a an the me")
BUILD_NOUNS = _words("program function script class method module cli api app query regex")
LANGUAGES_CODE = _words("c++ c# f#")
TRACEBACK_WORDS = _words("typeerror valueerror keyerror nullpointerexception syntaxerror")
TRACEBACK_MARKS = (
    "Traceback (most recent call last)", "Exception in thread", ".java:", "segmentation fault",
)  # fmt: skip

WRITING = _words(
    "blog essay email poem haiku story article speech outline tweet slogan toast persuasive "
    "rewrite rephrase proofread brainstorm itinerary letter"
)
WRITING_PHRASES = (
    "blog post", "lesson plan", "cover letter", "product description", "press release", "script for",
    "e mail",
)  # fmt: skip
MATH = _words(
    "prove proof theorem lemma solve equation integral derivative probability calculate compute "
    "remainder prime modulo divisible digit digits sequence geometry triangle radius area "
    "perimeter percent percentage ratio average minimum maximum optimize optimise matrix "
    "polynomial factorial combinatoric combinatorics permutation permutations logarithm "
    "inequality integer integers eigenvalue eigenvalues eigenvector eigenvectors"
)
MATH_PHRASES = (
    "expected value", "how many", "how much", "sum of", "product of", "real number", "real numbers",
)  # fmt: skip
# Maths words in the other languages the catalog's models read: the task before the
# language, so "Berechne die Standardabweichung ..." is maths as "compute the standard
# deviation" is. Only words that mean maths (not "Gruppe", "media" or "área", nor
# "probabilità" and its kin, which also say "likely"), read only when the request is not
# English. Spaced scripts as words and phrases; the rest as (lowercase) substrings.
MATH_FOREIGN = _words(
    "gleichung gleichungen standardabweichung mittelwert berechne berechnen "
    "beweise primzahl primzahlen ganzzahl ganzzahlen dreieck flächeninhalt prozent quadratwurzel "
    "ableitung polynom teilbar untergruppe varianz "
    "équation équations calculer calculez démontrer démontrez entiers périmètre "
    "pourcentage dérivée intégrale polynôme "
    "ecuación ecuaciones calcula calcule demuestra demostrar triángulo perímetro "
    "porcentaje derivada polinomio subgrupo "
    "equazione equazioni calcola calcolare dimostra dimostrare triangolo perimetro "
    "percentuale derivata integrale polinomio divisibile sottogruppo "
    "equação equações calcular demonstre triângulo perímetro porcentagem "
    "polinômio divisível "
    "vergelijking standaardafwijking priemgetal driehoek "
    "ekvation standardavvikelse medelvärde primtal "
    "oblicz obliczyć вычисли вычислите вычислить denklem türev "
    "समीकरण त्रिभुज क्षेत्रफल प्रतिशत अभाज्य "
    "معادلة احسب مثلث"
)
MATH_FOREIGN_PHRASES = (
    "écart type", "nombre premier", "racine carrée", "desviación estándar", "desviación típica",
    "número primo", "raíz cuadrada", "deviazione standard", "numero primo", "radice quadrata",
    "desvio padrão", "raiz quadrada", "стандартное отклонение", "простое число", "standart sapma",
    "asal sayı", "phương trình", "độ lệch chuẩn", "số nguyên tố", "tam giác",
    "đạo hàm", "simpangan baku", "bilangan prima", "मानक विचलन", "الانحراف المعياري",
)  # fmt: skip
MATH_MARKS = (
    "方程", "概率", "标准差", "平均数", "平均值", "三角形", "面积", "周长", "质数", "素数",
    "导数", "积分", "多项式", "子群", "確率", "標準偏差", "平均値", "面積", "微分", "積分", "多項式",
    "방정식", "확률", "표준편차", "삼각형", "넓이", "미분", "적분", "다항식",
    "สมการ", "เบี่ยงเบนมาตรฐาน", "ค่าเฉลี่ย", "สามเหลี่ยม", "จำนวนเฉพาะ",
    "จำนวนเต็ม", "อนุพันธ์", "พหุนาม",
    # stems where words take endings (Russian, Polish): "производную", "trójkąta"
    "уравнени", "докаж", "треугольник", "периметр", "производн", "интеграл", "многочлен",
    "подгрупп", "дисперси", "równani", "udowodni", "trójkąt",
)  # fmt: skip
LOGIC = _words(
    "puzzle riddle logic logical deduce deduction infer syllogism contradiction tradeoff tradeoffs "
    "analyze analyse paradox counterexample overtake overtaken overtakes overtaking facing shadow "
    "statement statements weaken weakens strengthen strengthens premise premises inferred "
    "deduced fallacy fallacious"
)
LOGIC_PHRASES = (
    "step by step", "think carefully", "think through", "reason about", "reason through",
    "reasoning about", "reasoning through", "knights and knaves", "trade off", "trade offs",
    "evaluate the", "game theory", "which is true", "which are true", "which is false",
    "which are false", "relationship between", "does not belong", "odd one out",
    "true false or uncertain", "which direction", "what position", "explain your reasoning",
    "find the value", "if true", "can be inferred", "must be true", "must be false", "could be true",
    "cannot be true", "logically follows", "tells the truth", "tell the truth", "fixed order",
    "the argument", "valid argument", "which of the following must", "which of the following can",
    "above argument", "above conclusion", "above view", "above statements", "be derived",
    "be supported", "be assumed", "the conclusion", "most logically", "best complete",
)  # fmt: skip
# Asking for a summary is a writing task even when it says "in one sentence".
SUMMARY = _words("summarize summarise summarizing summarising summary tldr")
# Not "tag": the German for "day", in every German word problem.
SIMPLE = _words("classify categorize categorise extract label sentiment spam")
SIMPLE_PHRASES = (
    "yes or no", "yes no", "true or false", "one word", "single word", "is this", "is it",
    "which category", "pull out", "list the", "list all the", "identify the", "identify which",
    "which of the following", "which is a", "which is an", "which is the", "turn this into json",
    "what is the capital", "who is the", "who was the", "when is", "when was", "when did",
    "name the", "short answer", "in one sentence", "fix the typo", "fix the grammar",
    "fix the spelling", "to uppercase", "to lowercase", "given this paragraph", "read the paragraph",
    "given the following", "from the passage", "from this passage", "based on the passage",
    "according to the passage", "according to the text", "from the text", "count how many times",
    "in this note", "in this email", "in this message", "in this paragraph", "in this passage",
    "in this text", "in the text below", "in the passage below", "on a scale of",
)  # fmt: skip
# Small numbers spelled out in the Latin-script languages word problems come in.
NUMBER_WORDS = _words(
    "deux trois quatre cinq sept huit neuf zwei drei vier fünf sechs sieben acht neun zehn "
    "dos tres cuatro cinco seis siete ocho nueve diez dois três quatro oito nove dez "
    "quattro cinque sette otto dieci"
)
# "How many / how much" outside English (English has its own cues): a quantity to work out.
# Words where words are spaced; the rest are looked for as substrings (scripts written
# without spaces, and words that take prefixes or endings).
QUANTITY_WORDS = _words(
    "combien cuánto cuánta cuántos cuántas cuanto cuantos cuantas quanto quanta quanti quante "
    "quantos quantas wieviel wievielen hoeveel kaç berapa ngapi ilan magkano kolik kolika kolikrát "
    "ile ilu kuinka montako paljonko mennyi hány câte câți cât сколько скільки колко كم فكم وكم بكم "
    "چند چقدر כמה"
)
QUANTITY_PHRASES = ("wie viel", "wie viele", "hur många", "hur mycket", "bao nhiêu", "ne kadar")
QUANTITY_MARKS = (
    "몇", "얼마", "กี่", "เท่าไร", "เท่าไหร่", "कितन", "কত", "எத்தனை", "எவ்வளவு", "πόσ",
)  # fmt: skip
QUANTITY_KANA = ("いくつ", "いくら", "どれだけ", "どのくらい")
# 何 before a counter (何杯, 何人, 何円) in Japanese, not 何を / 何が ("what").
_JA_HOW_MANY = re.compile("何[^\u3040-\u309f、。？? \t\n]")
_KANA = re.compile("[\u3040-\u30ff]")
QUESTION_MARKS = ("?", "\uff1f", "\u061f")  # ASCII, full-width, Arabic
LANGUAGE_NAMES = _words(
    "japanese chinese mandarin cantonese korean russian ukrainian arabic hebrew hindi bengali tamil "
    "thai greek spanish french german portuguese italian dutch turkish indonesian vietnamese polish "
    "swahili urdu persian farsi swedish norwegian danish finnish czech"
)
TRANSLATE = _words("translate translation translating")

_PHRASES = (
    *CODE_STRONG_PHRASES, *WRITING_PHRASES, *MATH_PHRASES, *LOGIC_PHRASES, *SIMPLE_PHRASES, *QUANTITY_PHRASES,
    *MATH_FOREIGN_PHRASES,
)  # fmt: skip
_PHRASE_INDEX: dict[str, tuple[str, str]] = {p: (p.split()[0], f" {p} ") for p in _PHRASES}

_CODE_STARTS = (
    "def ", "class ", "import ", "#include", "function ", "function(", "const ", "let ", "var ",
    "public ", "private ", "static ", "fn ", "func ", "package ", "return", "SELECT ", "INSERT ",
    "UPDATE ", "CREATE TABLE", "for (", "while (", "if (", "} else", "}else", "@", "<?php", "<div",
    "<script", "$ ", ">>> ",
)  # fmt: skip
_CODE_ENDS = (";", "{", "}", "):", ") {", "){")
_MATH_OPS = ("+", "-", "*", "/", "^", "=", "<", ">", "×", "÷")
_MATH_CHARS = "√∫∑∏≤≥≠π"
_FACTOID_RE = re.compile(
    r"^\W*(?:who|when|where|which|what (?:is|was|are|were) (?:the|a|an)\b|"
    r"how (?:many|much|long|old|far)|is|are|was|were|does|did|do|can|name|list)\b"
)
# "Statement 1 | ... Statement 2 | ..." (in any language): two claims to judge true or false.
_STATEMENT_PAIR_RE = re.compile(r"(?:^|\n)([^\W\d_]+) ?1 ?\|.{4,}?\1 ?2 ?\|", re.S)
# An answer choice that is a number ("A. 12", "C) 3,5", "D. $40"): a problem to work out.
_NUMERIC_CHOICE_RE = re.compile(r"(?:^|\s)[A-E][.)] *[-−]?\$?\d[\d.,/^]*%?(?=\s+[A-E][.)]|\s*$)", re.M)
_YEAR_CHOICE_RE = re.compile(r"[.)] *(?:1\d{3}|20\d{2})$")  # "B. 1776": a date to recall, not to work out
_COUNTING_RE = re.compile(r"^\W*how (?:many|much)\b")
# Open questions and role play: an explanation or a performance, not a one-line answer.
_OPEN_QUESTION_RE = re.compile(
    r"^\W*(?:how (?:do|does|did|can|could|would|should|might|has|have|is|are)|why|what if|what would|"
    r"imagine|pretend|embody|embrace the role|act as|in the role of|describe|explain|discuss)\b"
)
QUESTION_CHARS = 200  # where the question must end
YES_NO_STARTS = frozenset("is are was were does did do can could has have had will would should".split())
PASSAGE_WORDS = 40  # how much must follow it
_LONG_HINT_RE = re.compile(r"\b\d{2,4}\s*k\s*[- ]?tokens?\b|\b\d{5,}\s*tokens?\b")
_NUMBER_RE = re.compile(r"0+(?:[.,]0+)?")


def code_lines(text: str) -> int:
    """Lines that look like source code (keywords, braces, arrows, call-then-colon)."""
    count = 0
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if (
            line.startswith(_CODE_STARTS)
            or line.endswith(_CODE_ENDS)
            or "=>" in line
            or "->" in line
            or (line.startswith("from ") and " import " in line)
        ):
            count += 1
    return count


@dataclass
class Text:
    """A task's text, lowercased and split once; every feature reads from here."""

    raw: str

    @cached_property
    def lower(self) -> str:
        return self.raw.lower()

    @cached_property
    def tokens(self) -> list[str]:
        return _SPACELESS_RUN.sub(r" \1 ", self.lower).translate(_PUNCT).split()

    @cached_property
    def vocabulary(self) -> frozenset[str]:
        return frozenset(self.tokens)

    @cached_property
    def spaced(self) -> str:
        """Tokens joined by single spaces, padded, for whole-phrase lookups."""
        return f" {' '.join(self.tokens)} "

    def hits(self, words: frozenset[str], phrases: tuple[str, ...] = (), limit: int = 6) -> list[str]:
        """Words and phrases present, in order of first appearance (at most ``limit``)."""
        vocabulary = self.vocabulary
        found = list(vocabulary & words)
        for phrase in phrases:
            first, padded = _PHRASE_INDEX[phrase]
            if first in vocabulary and padded in self.spaced:
                found.append(phrase)
        if len(found) > 1:
            found.sort(key=lambda w: self.spaced.find(f" {w} "))
        return found[:limit]

    def build_code(self) -> str | None:
        """``write a ... function``-style requests (verb, article, noun within 4 words)."""
        if not self.vocabulary & BUILD_NOUNS or not self.vocabulary & BUILD_VERBS:
            return next(iter(self.vocabulary & LANGUAGES_CODE), None)
        tokens = self.tokens
        for i, word in enumerate(tokens):
            if word in BUILD_VERBS and i + 1 < len(tokens) and tokens[i + 1] in BUILD_ARTICLES:
                for j in range(i + 2, min(i + 7, len(tokens))):
                    if tokens[j] in BUILD_NOUNS:
                        return " ".join(tokens[i : j + 1])
        return next(iter(self.vocabulary & LANGUAGES_CODE), None)

    def translate_request(self) -> str | None:
        """``translate`` or ``in/into/to <language>``."""
        hit = self.vocabulary & TRANSLATE
        if hit:
            return min(hit)
        if not self.vocabulary & LANGUAGE_NAMES:
            return None
        tokens = self.tokens
        for i, word in enumerate(tokens[1:], 1):
            if word in LANGUAGE_NAMES and tokens[i - 1] in ("in", "into", "to"):
                return f"{tokens[i - 1]} {word}"
        return None

    def if_then(self) -> bool:
        """``if ... then`` within a few words (a conditional to reason about)."""
        if "if" not in self.vocabulary or "then" not in self.vocabulary:
            return False
        tokens = self.tokens
        starts = [i for i, w in enumerate(tokens) if w == "if"]
        return any(w == "then" and any(1 < i - s <= 9 for s in starts) for i, w in enumerate(tokens))

    def traceback(self) -> bool:
        return bool(self.vocabulary & TRACEBACK_WORDS) or any(m in self.raw for m in TRACEBACK_MARKS)

    @cached_property
    def zeros(self) -> str:
        """The raw text with every digit turned into ``0`` (number shapes by substring)."""
        return self.raw.translate(_DIGITS)

    def math_expressions(self) -> int:
        """Digit-operator-digit runs, math symbols, LaTeX, ``f(x) =`` and ``x^2``."""
        zeros = self.zeros
        count = 0
        if "0" in zeros:
            for op in _MATH_OPS:
                if op in zeros:
                    tight = _dashes(zeros) if op == "-" else zeros.count(f"0{op}0")
                    count += tight + zeros.count(f"0 {op} 0")
        count += sum(self.raw.count(c) for c in _MATH_CHARS)
        count += self.raw.count("\\frac") + self.raw.count("\\sqrt") + self.raw.count("$") // 2
        count += _function_definitions(self.raw)
        return count

    def foreign_math(self) -> list[str]:
        """Maths words of other languages (``MATH_FOREIGN``, and ``MATH_MARKS`` as substrings)."""
        found = self.hits(MATH_FOREIGN, MATH_FOREIGN_PHRASES)
        if not self.raw.isascii():
            found += [mark for mark in MATH_MARKS if mark in self.lower]
        return found[:6]

    def statement_pair(self) -> bool:
        """``Aussage 1 | ... Aussage 2 | ...``: numbered claims to judge."""
        return "|" in self.raw and bool(_STATEMENT_PAIR_RE.search(self.raw))

    def numeric_choices(self) -> int:
        """How many answer choices are numbers (``A. 0 B. 3 C. 12 D. 30``), years not counted."""
        if "0" not in self.zeros:
            return 0
        return sum(1 for c in _NUMERIC_CHOICE_RE.findall(self.raw) if not _YEAR_CHOICE_RE.search(c))

    def numbers(self) -> int:
        return len(_NUMBER_RE.findall(self.zeros)) if "0" in self.zeros else 0

    def asks(self) -> bool:
        """A question mark in any script."""
        return any(mark in self.raw for mark in QUESTION_MARKS)

    def quantity_ask(self) -> str | None:
        """A "how many / how much" outside English (``wie viel``, ``何杯``, ``сколько``)."""
        found = self.hits(QUANTITY_WORDS, QUANTITY_PHRASES, limit=1)
        if found:
            return found[0]
        if self.raw.isascii():
            return None
        mark = next((m for m in QUANTITY_MARKS if m in self.lower), None)
        if mark is None and _KANA.search(self.raw):
            ja = _JA_HOW_MANY.search(self.raw)
            mark = ja.group() if ja else next((m for m in QUANTITY_KANA if m in self.raw), None)
        if mark is None and "多少" in self.raw and self.asks():  # not 多少字 in a writing brief
            mark = "多少"
        return mark

    def factoid(self) -> bool:
        return _FACTOID_RE.match(self.lower) is not None

    def question_first(self) -> bool:
        """A short factual question, then a passage to read it in ("Who ...? <paragraph>")."""
        mark = self.raw.find("?", 0, QUESTION_CHARS)
        if mark < 0:
            return False
        question = Text(self.raw[:mark])
        if len(question.raw.split()) > 25 or _COUNTING_RE.match(question.lower):
            return False  # "How many ...?" first is how word problems start, too
        return question.factoid() and len(self.raw[mark + 1 :].split()) >= PASSAGE_WORDS

    def open_question(self) -> bool:
        """The request opens as an open question or a role to play ("How do vaccines work?")."""
        return _OPEN_QUESTION_RE.match(self.lower) is not None

    def yes_no_last(self) -> bool:
        """A passage to read, then a short yes/no question about it ("... Is the film a sequel?")."""
        body = self.raw.rstrip()
        if not body.endswith(("?", "？")):
            return False
        start = max(body.rfind("\n", 0, len(body) - 1), body.rfind(". ", 0, len(body) - 1)) + 1
        question = body[start:].strip().lower()
        words = question.split()
        return (
            bool(words)
            and len(words) <= 25
            and words[0] in YES_NO_STARTS
            and len(body[:start].split()) >= PASSAGE_WORDS
        )

    def long_hint(self) -> str | None:
        if "token" not in self.lower:
            return None
        found = _LONG_HINT_RE.search(self.lower)
        return found.group(0) if found else None

    def word_counts(self, limit: int = 500) -> Counter[str]:
        return Counter(w for w in self.tokens[:limit] if len(w) > 1)


def _dashes(zeros: str) -> int:
    """``3-4`` style subtractions, not dates (``2024-03-07``) or numbers like ``555-0134``."""
    count = 0
    at = zeros.find("0-0")
    while at != -1:
        start = at
        while start > 0 and zeros[start - 1] == "0":
            start -= 1
        end = at + 2
        while end < len(zeros) and zeros[end] == "0":
            end += 1
        chained = (start > 0 and zeros[start - 1] == "-") or zeros[end : end + 1] == "-"
        if at + 1 - start <= 3 and end - at - 2 <= 3 and not chained:
            count += 1
        at = zeros.find("0-0", at + 2)
    return count


def _function_definitions(text: str) -> int:
    """``f(x) =`` and ``x^2`` shapes, found without a regex scan."""
    count = 0
    start = text.find("(")
    while start != -1:
        if (
            start > 0
            and start + 3 < len(text)
            and text[start - 1].isalpha()
            and (start < 2 or not text[start - 2].isalnum())
            and text[start + 1].isalnum()
            and text[start + 2] == ")"
            and text[start + 3 :].lstrip(" ").startswith("=")
        ):
            count += 1
        start = text.find("(", start + 1)
    caret = text.find("^")
    while caret != -1:
        if 0 < caret < len(text) - 1 and text[caret - 1].isalnum() and text[caret + 1].isdigit():
            count += 1
        caret = text.find("^", caret + 1)
    return count
