"""``python -m evals.pubdev``: task accuracy on the public rows kept out of training.

``python -m evals.training.build`` sets aside a seeded share of the public training
sources (``pubdev``: WritingBench, FreshQA, SWE-Lancer, AgentBench, GSM-Symbolic, CHAMP,
HumanEval). Neither classifier was tuned on them; this counts how often each names the
labelled task (coding, reasoning, general, simple) before the language is applied, per
task and for non-English rows; *routable* also counts a simple task called general (its
model or tier is acceptable for simple tasks on both catalogs).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

from evals.training.build import read
from evals.training.sources import CACHE
from lg_router.classifiers.learned import TASKS, LearnedClassifier
from lg_router.classifiers.rules import hard_category, rules_task
from lg_router.classifiers.semantic import SemanticClassifier
from lg_router.classifiers.signals import detect
from lg_router.routing import available_classifiers
from lg_router.task import view


def _rules(text: str) -> str:
    sig = detect(view(text))
    hard = hard_category(sig)
    return hard[0] if hard else rules_task(sig)[0]


def _task_of(classifier: LearnedClassifier) -> Callable[[str], str]:
    return lambda text: classifier.task(view(text))[0]


def table(src: Path = CACHE) -> dict[str, dict[str, float]]:
    """``{classifier: {"overall", task..., "non-en", "n"}}`` on the built ``pubdev`` rows.

    A task (or ``non-en``) with no rows is left out.
    """
    rows = read("pubdev", src)
    built = {"semantic": SemanticClassifier, "learned": LearnedClassifier}  # semantic: with its extra
    deciders = {name: _task_of(built[name]()) for name in available_classifiers() if name in built}
    deciders["rules"] = _rules
    out: dict[str, dict[str, float]] = {}
    for name, decide in deciders.items():
        hits: Counter[str] = Counter()
        seen: Counter[str] = Counter()
        routable = 0
        for row in rows:
            task = decide(row.text)
            ok = task == row.task
            # A simple task called general reaches an acceptable model on both catalogs.
            routable += ok or (row.task == "simple" and task == "general")
            groups = ["overall", row.task] + (["non-en"] if row.language != "en" else [])
            for g in groups:
                seen[g] += 1
                hits[g] += ok
        out[name] = {g: round(hits[g] / seen[g], 3) for g in ("overall", *TASKS, "non-en") if seen[g]}
        out[name]["n"] = seen["overall"]
        out[name]["routable"] = round(routable / max(1, len(rows)), 3)
    return out


def main() -> int:
    head = ["classifier", "n", "task right", *TASKS, "non-en", "routable"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for name, r in table().items():
        rest = (f"{r[t]:.2f}" if t in r else "-" for t in (*TASKS, "non-en"))
        cells = [name, str(r["n"]), f"{r['overall']:.3f}", *rest, f"{r['routable']:.3f}"]
        print("| " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
