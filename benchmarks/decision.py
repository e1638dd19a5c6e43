"""Benchmark 1: decision latency of ``route()`` against a keyword-set floor.

``route()`` uses the process's default classifier (the header names it; ``learned`` unless
``LG_ROUTER_CLASSIFIER`` says otherwise). The log cases use the default catalog with a
1M-token window on every model: a 500k-character log is about 290k tokens, more than any
oxlo model takes, and the benchmark times a routed decision, not a refusal.
"""

from __future__ import annotations

import random

from benchmarks.stats import Row, interleave, median, rows_for
from lg_router import ModelCatalog

BENCH = "1 decision"

# The floor: a seed-003-style router (lowercase split, set intersection).
_COMPLEX = frozenset(
    {"analyse", "analyze", "detailed", "compare", "refactor", "architecture", "design", "debug"}
)
_SIMPLE = frozenset({"classify", "extract", "label", "categorise", "categorize"})


def keyword_floor(prompt: str) -> str:
    """The cheapest router worth the name: one split, two set intersections."""
    words = set(prompt.lower().split())
    if words & _COMPLEX:
        return "complex"
    if words & _SIMPLE or len(words) < 50:
        return "simple"
    return "medium"


SHORT_TASK = "Refactor this Python function to use list comprehensions and add type hints; keep it fast."

_CODE = """
def load_orders(path):
    result = []
    with open(path) as fh:
        for line in fh:
            parts = line.strip().split(",")
            if len(parts) != 4:
                continue
            order_id, customer, amount, status = parts
            if status == "cancelled":
                continue
            result.append({"id": order_id, "customer": customer, "amount": float(amount)})
    return result


def totals_by_customer(orders):
    totals = {}
    for order in orders:
        totals[order["customer"]] = totals.get(order["customer"], 0.0) + order["amount"]
    return totals
"""


def medium_task(size: int = 4000) -> str:
    """A ~``size``-char coding request: a question followed by pasted code."""
    head = (
        "I have this order-processing module and it is slow on large files. Refactor it to use "
        "list comprehensions where it helps, add type hints, and explain any behaviour change. "
        "Keep the public functions' names.\n\n```python\n"
    )
    body = head
    while len(body) < size - 4:
        body += _CODE
    return body[: size - 4] + "\n```"


def log_task(size: int, seed: int = 7) -> str:
    """A ~``size``-char 'summarise this server log' task (mostly INFO, some errors)."""
    rng = random.Random(seed)
    head = "Analyze this server log and summarize the top errors with their likely causes:\n\n"
    paths = ["/v1/chat/completions", "/v1/embeddings", "/healthz", "/v1/models", "/admin/users"]
    lines = [head]
    total = len(head)
    t = 0
    while total < size:
        t += rng.randint(1, 900)
        hms = f"{(t // 3_600_000) % 24:02d}:{(t // 60_000) % 60:02d}:{(t // 1000) % 60:02d}"
        stamp = f"2026-11-23T{hms}.{t % 1000:03d}Z"
        roll = rng.random()
        if roll < 0.03:
            line = (
                f"{stamp} ERROR worker-{rng.randint(1, 8)} upstream timeout after 30000 ms "
                f"request_id={rng.getrandbits(48):012x} path={rng.choice(paths)}\n"
            )
        elif roll < 0.05:
            waiting = rng.randint(1, 90)
            line = f"{stamp} ERROR db pool exhausted (size=20, waiting={waiting}) KeyError: 'tenant'\n"
        else:
            line = (
                f"{stamp} INFO api status=200 path={rng.choice(paths)} "
                f"latency_ms={rng.randint(3, 900)} bytes={rng.randint(200, 90_000)}\n"
            )
        lines.append(line)
        total += len(line)
    return "".join(lines)[:size]


def long_window_catalog() -> ModelCatalog:
    """The default catalog with a 1M-token window on every model."""
    base = ModelCatalog.preset("oxlo")
    models = tuple(m.model_copy(update={"context_window": 1_048_576}) for m in base.models)
    return ModelCatalog(**{**dict(base), "models": models})


def run(quick: bool) -> list[Row]:
    """Rows for the three realistic sizes and the 1k..500k curve."""
    from lg_router import route

    catalog = long_window_catalog()
    route(SHORT_TASK, catalog=catalog)  # build the classifier once (cached per process)
    cases = [
        ("~100 chars (request)", SHORT_TASK, 60 if quick else 400),
        ("4,000 chars (code)", medium_task(4000), 40 if quick else 300),
        ("500,000 chars (log)", log_task(500_000), 10 if quick else 60),
    ]
    curve = [1_000, 10_000, 100_000] if quick else [1_000, 10_000, 100_000, 250_000]
    cases += [(f"curve {n:,} chars (log)", log_task(n), 20 if quick else 100) for n in curve]
    rows: list[Row] = []
    for case, task, rounds in cases:
        samples = interleave(
            {
                "keyword floor (seed 003)": lambda t=task: keyword_floor(t),
                "route()": lambda t=task: route(t, catalog=catalog),
            },
            rounds,
            warmup=2,
        )
        rows.extend(rows_for(BENCH, case, samples, "keyword floor (seed 003)"))
    _annotate_growth(rows)
    return rows


def _annotate_growth(rows: list[Row]) -> None:
    """Note µs per 1,000 chars on the route() rows of the log curve (linearity check)."""
    for row in rows:
        if row.variant != "route()" or "(log)" not in row.case:
            continue
        chars = int("".join(ch for ch in row.case.split(" chars")[0] if ch.isdigit()))
        row.note = f"{median(row.samples) * 1e6 / (chars / 1000):.1f} µs per 1k chars"
