"""Measuring routing quality and savings on your own data (``lg-router eval`` / ``report``).

* :func:`load_rows` / :func:`evaluate`: route a labelled or scored data set; accuracy,
  confusion matrices, RouteLLM's APGR and CPT, decision distribution and cost.
* :func:`judge`: seed 003's check, an LLM judge comparing routed and strongest answers.
* :class:`TraceWriter`: a callback handler writing one JSON line per routed request;
  :func:`read_trace` / :func:`summarize_trace` aggregate such a file.

Nothing here imports matplotlib; :mod:`lg_router.evaluation.plots` does, when drawing.
"""

from lg_router.evaluation.data import EvalDataError, EvalRow, load_rows
from lg_router.evaluation.judge import JudgeReport, Verdict, judge
from lg_router.evaluation.quality import CurveReport, Point, ScoreTable, apgr, cpt, curve_report, wilson
from lg_router.evaluation.report import TraceReport, read_trace, summarize_trace
from lg_router.evaluation.run import EvalReport, evaluate
from lg_router.evaluation.trace import TraceWriter

__all__ = [
    "CurveReport",
    "EvalDataError",
    "EvalReport",
    "EvalRow",
    "JudgeReport",
    "Point",
    "ScoreTable",
    "TraceReport",
    "TraceWriter",
    "Verdict",
    "apgr",
    "cpt",
    "curve_report",
    "evaluate",
    "judge",
    "load_rows",
    "read_trace",
    "summarize_trace",
    "wilson",
]
