"""Run lg-router over the labelled items and report routing quality per category.

    python -m evals [--split dev|holdout|all] [--json] [--misses] [--confusion]
                    [--preference balanced] [--category coding ...]
                    [--classifier learned|rules|...] [--catalog oxlo|tiers]
    python -m evals --compare      # every offline classifier x catalog x split, one table

For every item it calls ``lg_router.route(item.messages, preference=..., classifier=...,
catalog=...)`` (offline: the default classifier and the ``oxlo`` catalog unless told)
and scores the decision:

* top-1     ``ranked[0].model_id`` is one of the item's acceptable models (``expected``)
* strict    ``ranked[0].model_id`` is the item's best model (``expected[0]``)
* category  ``decision.category`` equals the item's labelled category
* top-3     any of ``ranked[:3]`` is an acceptable model

On the ``tiers`` catalog "acceptable" means an acceptable tier (see ``evals/tiers.py``),
and the report adds the input-cost saving against sending everything to the top tier.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import time
from collections import Counter, defaultdict
from typing import Any

from . import tiers
from .data import CATEGORIES, SPLITS, Item, load

METRICS = ("top1", "strict", "category", "top3")


def _model_ids(decision: Any) -> list[str]:
    ranked = getattr(decision, "ranked", None) or []
    ids = []
    for r in ranked:
        mid = getattr(r, "model_id", None)
        if mid is None and isinstance(r, dict):
            mid = r.get("model_id")
        ids.append(str(mid))
    return ids


def evaluate_item(item: Item, route: Any, preference: str, catalog: str = "oxlo") -> dict[str, Any]:
    t0 = time.perf_counter()
    try:
        decision = route(item.messages, preference=preference)
    except Exception as exc:  # a crash is a miss, reported with its message
        return {
            "id": item.id,
            "category": item.category,
            "expected": list(item.expected),
            "predicted_category": None,
            "ranked": [],
            "error": f"{type(exc).__name__}: {exc}",
            "top1": False,
            "strict": False,
            "category_ok": False,
            "top3": False,
            "seconds": time.perf_counter() - t0,
            "preview": item.preview(),
        }
    ids = _model_ids(decision)
    pred_cat = getattr(decision, "category", None)
    pred_cat = getattr(pred_cat, "value", pred_cat)  # tolerate an Enum
    top = ids[0] if ids else None
    if catalog == "tiers":
        tier = tiers.score(item, decision)
        ok = tiers.acceptable_tiers(item)
        return {
            "id": item.id,
            "category": item.category,
            "expected": sorted(ok),
            "predicted_category": None if pred_cat is None else str(pred_cat),
            "ranked": ids[:3],
            "error": None,
            "top1": tier["ok"],
            "strict": tier["ok"],
            "category_ok": str(pred_cat) == item.category,
            "top3": any(tiers.TIER_OF.get(m) in ok for m in ids[:3]),
            "cost": tier["cost"],
            "top_cost": tier["top_cost"],
            "seconds": time.perf_counter() - t0,
            "preview": item.preview(),
        }
    return {
        "id": item.id,
        "category": item.category,
        "expected": list(item.expected),
        "predicted_category": None if pred_cat is None else str(pred_cat),
        "ranked": ids[:3],
        "error": None,
        "top1": top in item.expected,
        "strict": top == item.expected[0],
        "category_ok": str(pred_cat) == item.category,
        "top3": any(m in item.expected for m in ids[:3]),
        "seconds": time.perf_counter() - t0,
        "preview": item.preview(),
    }


def summarize(results: list[dict[str, Any]]) -> dict[str, Any]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in results:
        groups[r["category"]].append(r)

    def stats(rows: list[dict[str, Any]]) -> dict[str, Any]:
        n = len(rows)
        if not n:
            return {"n": 0}
        return {
            "n": n,
            "top1": sum(r["top1"] for r in rows) / n,
            "strict": sum(r["strict"] for r in rows) / n,
            "category": sum(r["category_ok"] for r in rows) / n,
            "top3": sum(r["top3"] for r in rows) / n,
            "errors": sum(r["error"] is not None for r in rows),
        }

    per_cat = {c: stats(groups[c]) for c in CATEGORIES if groups.get(c)}
    overall = stats(results)
    top_cost = sum(r.get("top_cost", 0.0) for r in results)
    if top_cost:
        overall["saving"] = 1 - sum(r.get("cost", 0.0) for r in results) / top_cost
    present = [s for s in per_cat.values() if s["n"]]
    macro = {m: sum(s[m] for s in present) / len(present) for m in METRICS} if present else {}
    confusion: dict[str, Counter] = defaultdict(Counter)
    for r in results:
        confusion[r["category"]][r["predicted_category"] or "ERROR"] += 1
    return {
        "per_category": per_cat,
        "overall": overall,
        "macro": macro,
        "confusion": {k: dict(v) for k, v in confusion.items()},
    }


def _pct(x: float) -> str:
    return f"{100 * x:5.1f}%"


def print_report(
    split: str,
    summary: dict[str, Any],
    results: list[dict[str, Any]],
    show_misses: bool,
    show_confusion: bool,
    elapsed: float,
) -> None:
    print(f"lg-router routing eval - {split}, {len(results)} items, {elapsed:.1f}s")
    header = f"{'category':<14}{'n':>5}{'top-1':>9}{'strict':>9}{'category':>10}{'top-3':>9}{'errors':>8}"
    print(header)
    print("-" * len(header))
    for cat, s in summary["per_category"].items():
        print(
            f"{cat:<14}{s['n']:>5}{_pct(s['top1']):>9}{_pct(s['strict']):>9}"
            f"{_pct(s['category']):>10}{_pct(s['top3']):>9}{s['errors']:>8}"
        )
    print("-" * len(header))
    o = summary["overall"]
    if o.get("n"):
        print(
            f"{'overall':<14}{o['n']:>5}{_pct(o['top1']):>9}{_pct(o['strict']):>9}"
            f"{_pct(o['category']):>10}{_pct(o['top3']):>9}{o['errors']:>8}"
        )
        if "saving" in o:
            print(f"{'saving':<14}{'':>5}{_pct(o['saving']):>9}  input cost vs always the top tier")
        m = summary["macro"]
        print(
            f"{'macro avg':<14}{'':>5}{_pct(m['top1']):>9}{_pct(m['strict']):>9}"
            f"{_pct(m['category']):>10}{_pct(m['top3']):>9}"
        )
    if show_confusion:
        print("\ncategory confusion (rows: labelled, columns: predicted)")
        cols = [*CATEGORIES, "other", "ERROR"]
        short = {c: c[:6] for c in cols}
        print(f"{'':<14}" + "".join(f"{short[c]:>8}" for c in cols))
        for cat in CATEGORIES:
            row = summary["confusion"].get(cat)
            if not row:
                continue
            other = sum(v for k, v in row.items() if k not in cols)
            cells = [row.get(c, 0) if c != "other" else other for c in cols]
            print(f"{cat:<14}" + "".join(f"{v:>8}" for v in cells))
    if show_misses:
        misses = [r for r in results if not (r["top1"] and r["category_ok"])]
        print(f"\nmisses ({len(misses)}): top-1 not acceptable or category wrong")
        for r in misses:
            got = r["ranked"][0] if r["ranked"] else "-"
            flag = "" if r["top1"] else " MODEL"
            err = f" ERROR {r['error']}" if r["error"] else ""
            print(
                f"  {r['id']:<42} {r['category']}->{r['predicted_category']} "
                f"top1={got} expected={'|'.join(r['expected'])}{flag}{err}"
            )
            print(f"      {r['preview']}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m evals",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("--split", choices=SPLITS, default="dev")
    ap.add_argument("--json", action="store_true", help="print a JSON report instead of the table")
    ap.add_argument("--misses", action="store_true", help="list the items that were routed wrongly")
    ap.add_argument("--confusion", action="store_true", help="print the category confusion matrix")
    ap.add_argument("--preference", default="balanced")
    ap.add_argument(
        "--category", action="append", choices=CATEGORIES, help="only these categories (repeatable)"
    )
    ap.add_argument("--classifier", default=None, help="classifier name (default: the router's default)")
    ap.add_argument("--catalog", choices=("oxlo", "tiers"), default="oxlo")
    ap.add_argument("--compare", action="store_true", help="every offline classifier x catalog x split")
    args = ap.parse_args(argv)

    try:
        from lg_router import route
    except ImportError as exc:
        print(f"cannot import lg_router.route: {exc}", file=sys.stderr)
        return 2
    if args.compare:
        from .compare import main as compare

        return compare(args.preference)

    items = load(args.split)
    if args.category:
        items = [i for i in items if i.category in args.category]
    decide = functools.partial(route, classifier=args.classifier, catalog=args.catalog)
    t0 = time.perf_counter()
    results = [evaluate_item(i, decide, args.preference, args.catalog) for i in items]
    elapsed = time.perf_counter() - t0
    summary = summarize(results)
    if args.json:
        json.dump(
            {
                "split": args.split,
                "preference": args.preference,
                "classifier": args.classifier,
                "catalog": args.catalog,
                "seconds": elapsed,
                **summary,
                "items": results,
            },
            sys.stdout,
            ensure_ascii=False,
            indent=1,
        )
        print()
    else:
        label = f"split={args.split}, catalog={args.catalog}, classifier={args.classifier or 'default'}"
        print_report(label, summary, results, args.misses, args.confusion, elapsed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
