"""Import and decision times of the offline classifiers.

    python -m evals.timing

Import: a fresh interpreter imports the classifier's module and builds it (the learned
one reads its weights), minus a bare interpreter. Decision: ``classify`` on a prepared
task (median of repeated calls), and a whole ``route()`` of a 500k-character document.
The semantic classifier (with its extra) loads onnxruntime and the MiniLM model at its
first decision: that cold first call is timed in a fresh interpreter too.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

from lg_router import route
from lg_router.routing import available_classifiers, default_catalog, resolve_classifier
from lg_router.task import view

BUILD = {
    "rules": "from lg_router.classifiers.rules import RulesClassifier as C; C()",
    "learned": "from lg_router.classifiers.learned import LearnedClassifier as C; C()",
    "semantic": "from lg_router.classifiers.semantic import SemanticClassifier as C; C()",
}
# A fresh process's first decision: imports onnxruntime, reads the model, embeds once.
COLD_FIRST = (
    "from lg_router.classifiers.semantic import SemanticClassifier as C; from lg_router.task import view; "
    "C().task(view('What is the capital of Japan?'))"
)
TASK_4K = ("Why does this fail on empty input?\n" + "def f(xs):\n    return sum(xs) / len(xs)\n" * 90)[:4000]
PROSE_4K = ("The morning was quiet and the streets were empty as we walked toward the market. " * 60)[:4000]
DOC_500K = ("The committee met on Tuesday to discuss the budget for the next fiscal year. " * 7000)[:500_000]


def import_ms(code: str) -> float:
    """Milliseconds to run ``code`` in a fresh interpreter that already imported LangChain."""
    probe = (
        "import time, lg_router.task, lg_router.policy; t0 = time.perf_counter(); "
        f"{code}; print(1000 * (time.perf_counter() - t0))"
    )
    out = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True)
    return float(out.stdout.strip())


def decide_ms(name: str, task: str, runs: int = 200) -> float:
    """Median milliseconds of one ``classify`` call."""
    catalog = default_catalog("oxlo")
    clf = resolve_classifier(name, catalog=catalog)
    task_view = view(task)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        clf.classify(task_view, catalog.models, preference="balanced", default_id=catalog.fallback_default)
        times.append(time.perf_counter() - t0)
    return 1000 * statistics.median(times)


def main() -> int:
    from lg_router.classifiers.learned import WEIGHTS_FILE, load_weights

    t0 = time.perf_counter()
    load_weights(WEIGHTS_FILE)
    ms = 1000 * (time.perf_counter() - t0)
    print(f"learned weights: {WEIGHTS_FILE.stat().st_size / 1000:.0f} kB, read in {ms:.1f} ms")
    head = (
        "classifier",
        "import + build",
        "decide, 4k code",
        "decide, 4k prose",
        "decide, 40 chars",
        "route(), 500k",
    )
    print("| " + " | ".join(head) + " |")
    print("|---|---|---|---|---|---|")
    for name, code in BUILD.items():
        if name not in available_classifiers():
            continue
        runs = []
        for _ in range(5):
            t0 = time.perf_counter()
            route(DOC_500K, classifier=name, catalog="tiers")
            runs.append(1000 * (time.perf_counter() - t0))
        whole = statistics.median(runs)
        short = decide_ms(name, "What is the capital of Japan?")
        cells = [f"{import_ms(code):.0f} ms", f"{decide_ms(name, TASK_4K):.2f} ms"]
        cells += [f"{decide_ms(name, PROSE_4K):.2f} ms", f"{short:.2f} ms", f"{whole:.1f} ms"]
        print(f"| {name} | " + " | ".join(cells) + " |")
    if "semantic" in available_classifiers():
        cold = statistics.median(import_ms(COLD_FIRST) for _ in range(3))
        print(f"semantic, first decision in a fresh process (import + model load + one call): {cold:.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
