# ruff: noqa: E501  (a data module: one written sentence per line)
"""Logic puzzles written for lg-router (MIT): the reasoning tasks the public sets lack.

Word problems and competition maths are plentiful in the public training sources; short
logic puzzles are not (arguments to weaken, orderings, truth-tellers, swaps, counting
objects, boolean expressions, dates, kinship). These generators build them from random
choices with a seeded RNG, so a build gives the same rows every time. Every row is a
``reasoning`` task in English.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator

from evals.training.sources import Row

NAMES = [
    "Alice",
    "Bob",
    "Claire",
    "Dave",
    "Eve",
    "Frank",
    "Grace",
    "Hector",
    "Ines",
    "Jamal",
    "Kenji",
    "Lena",
    "Mona",
    "Nils",
    "Omar",
    "Priya",
]
COLOURS = ["red", "blue", "green", "yellow", "purple", "orange", "black", "white", "teal", "magenta"]
THINGS = [
    "pen",
    "mug",
    "notebook",
    "keychain",
    "sunglasses",
    "plate",
    "scarf",
    "ball",
    "stress ball",
    "fidget spinner",
    "crayon",
    "jug",
]
ARGUMENTS = [
    "A city that added bike lanes saw fewer traffic accidents the next year. Therefore, building bike lanes reduces accidents.",
    "Students who eat breakfast score higher on tests. So, eating breakfast improves test scores.",
    "Since the new manager arrived, sales have risen by 10%. The manager must be responsible for the rise.",
    "Most successful writers read every day. Therefore, anyone who reads every day will become a successful writer.",
    "Countries with more hospitals have higher death rates. Hospitals must therefore be dangerous.",
    "The museum's attendance fell after ticket prices rose. Lowering prices again will bring visitors back.",
    "Every employee who took the training course was promoted within a year. The course clearly leads to promotion.",
    "Organic farms use fewer pesticides, so food from organic farms is always healthier.",
    "Crime dropped in the districts where street lights were installed. Street lights prevent crime.",
    "People who own dogs live longer on average. Owning a dog extends life.",
    "The factory's output doubled after it installed new machines, so the old machines were the only cause of low output.",
    "Some philosophers argue that a life without reflection is not worth living. Zhang never reflects, so his life is worthless.",
]
STEMS = [
    "Which of the following, if true, most seriously weakens the argument above?",
    "Which of the following, if true, most strengthens the argument?",
    "Which of the following is an assumption on which the argument depends?",
    "Which of the following can be properly inferred from the statements above?",
    "The reasoning above is most vulnerable to criticism on the grounds that it",
    "Which one of the following arguments is most similar in its flawed reasoning to the argument above?",
    "Which of the following can be derived from the statements above?",
    "Which conclusion follows most reasonably from the passage?",
    "If the above statements are true, which of the following cannot be supported?",
    "Which of the following does the above conclusion need to assume?",
    "Which of the following, if true, most calls the above view into question?",
    "Which of the following best completes the above argument?",
    "To evaluate the argument above, which question would be most useful to answer?",
]
OPTIONS = [
    "The effect was also observed in places where nothing changed.",
    "A third factor explains both trends.",
    "The data were collected over a single year.",
    "The change was accompanied by several other policies.",
    "Many people were unaware of the change.",
    "The sample included only volunteers.",
    "It confuses correlation with causation.",
    "It generalises from a small sample.",
    "It assumes what it sets out to prove.",
    "It ignores other possible causes.",
]


def arguments(rng: random.Random) -> Iterator[str]:
    for arg in ARGUMENTS:
        for stem in rng.sample(STEMS, 8):
            opts = rng.sample(OPTIONS, 4)
            yield f"{arg}\n{stem}\n" + "\n".join(f"{'ABCD'[i]}. {o}" for i, o in enumerate(opts))


def orderings(rng: random.Random, count: int = 40) -> Iterator[str]:
    for _ in range(count):
        n = rng.choice([3, 4, 5])
        people = rng.sample(NAMES, n)
        setting = rng.choice(
            [
                "finished a race",
                "stand in a line",
                "sit in a row of chairs",
                "live on different floors of a building",
            ]
        )
        clues = []
        for a, b in itertools.pairwise(people):
            relation = rng.choice(
                ["finished before", "is to the left of", "is somewhere ahead of", "lives below"]
            )
            clues.append(f"{a} {relation} {b}.")
        rng.shuffle(clues)
        question = rng.choice(
            [
                "Who is in the middle?",
                "Who is second?",
                "Who is last?",
                "Which statement must be true?",
                "Who is first?",
            ]
        )
        yield f"{', '.join(people[:-1])} and {people[-1]} {setting}. " + " ".join(clues) + f" {question}"


def truth_tellers(rng: random.Random, count: int = 30) -> Iterator[str]:
    for _ in range(count):
        people = rng.sample(NAMES, rng.randint(3, 5))
        parts = [f"{people[0]} {rng.choice(['tells the truth', 'lies'])}."]
        for a, b in itertools.pairwise(people):
            parts.append(f"{b} says {a} {rng.choice(['tells the truth', 'lies'])}.")
        lead = rng.choice(["Question: ", "", "Knights always tell the truth and knaves always lie. "])
        yield lead + " ".join(parts) + f" Does {people[-1]} tell the truth?"


def swaps(rng: random.Random, count: int = 30) -> Iterator[str]:
    for _ in range(count):
        people = rng.sample(NAMES, rng.choice([3, 4, 5]))
        items = rng.sample(COLOURS, len(people))
        thing = rng.choice(["ball", "present", "book", "dance partner", "position on the field"])
        start = ", ".join(f"{p} has a {c} {thing}" for p, c in zip(people, items, strict=True))
        steps = []
        for k in range(rng.randint(2, 5)):
            a, b = rng.sample(people, 2)
            steps.append(f"{['First', 'Then', 'Next', 'After that', 'Finally'][k]}, {a} and {b} swap.")
        yield (
            f"{', '.join(people)} are playing a game. At the start, {start}. As the game goes on, pairs trade. "
            + " ".join(steps)
            + f" At the end of the game, what does {rng.choice(people)} have?"
        )


def counting(rng: random.Random, count: int = 30) -> Iterator[str]:
    for _ in range(count):
        objs = [
            f"{rng.choice(['a', 'one', 'two', 'three'])} {rng.choice(COLOURS)} {rng.choice(THINGS)}"
            for _ in range(rng.randint(3, 6))
        ]
        place = rng.choice(
            ["On the desk", "On the nightstand", "On the floor", "On the table, arranged in a row"]
        )
        question = rng.choice(
            [
                f"If I remove all the {rng.choice(COLOURS)} things, how many things remain?",
                f"What is the colour of the item directly to the right of the {rng.choice(THINGS)}?",
                "How many items are neither black nor white?",
                f"Is the {rng.choice(THINGS)} to the left of the {rng.choice(THINGS)}?",
            ]
        )
        yield f"{place}, there is " + ", ".join(objs) + f". {question}"


def boolean_and_dates(rng: random.Random, count: int = 25) -> Iterator[str]:
    for _ in range(count):
        terms = [rng.choice(["True", "False", "not True", "not False"]) for _ in range(rng.randint(3, 5))]
        expr = terms[0]
        for t in terms[1:]:
            expr = (
                f"( {expr} {rng.choice(['and', 'or'])} {t} )"
                if rng.random() < 0.5
                else f"{expr} {rng.choice(['and', 'or'])} {t}"
            )
        yield f"{'not ' if rng.random() < 0.4 else ''}{expr} is"
    for _ in range(count):
        m, d, y = rng.randint(1, 12), rng.randint(1, 28), rng.randint(1990, 2030)
        shift = rng.choice(
            ["one week ago", "10 days from today", "yesterday", "one year ago", "24 hours later"]
        )
        yield f"Today is {m:02d}/{d:02d}/{y}. What is the date {shift} in MM/DD/YYYY?"


def kinship(rng: random.Random, count: int = 20) -> Iterator[str]:
    relations = ["father", "mother", "brother", "sister", "son", "daughter", "grandfather", "aunt"]
    for _ in range(count):
        people = rng.sample(["A", "B", "C", "D", "E", "X", "Y", "Z"], rng.randint(3, 5))
        facts = [f"{a} is the {rng.choice(relations)} of {b}." for a, b in itertools.pairwise(people)]
        yield " ".join(facts) + f" What is the relationship between {people[0]} and {people[-1]}?"


def logic_rows(seed: int = 17) -> Iterator[Row]:
    """All the generated puzzles as ``reasoning`` rows."""
    rng = random.Random(seed)
    for name, gen in (("argument", arguments), ("ordering", orderings), ("truth", truth_tellers), ("swap", swaps),
                      ("counting", counting), ("boolean/date", boolean_and_dates), ("kinship", kinship)):  # fmt: skip
        for text in gen(rng):
            yield Row(text, "reasoning", "en", f"written for lg-router (logic {name})")
