"""``judge()`` with scripted chat models: who is called, with what, and how it is counted."""

from __future__ import annotations

from pathlib import Path

import pytest

from lg_router import InvalidOptionError, Pricing
from lg_router.evaluation import judge
from lg_router.evaluation.data import parse_row
from lg_router.evaluation.quality import wilson
from tests.support.fakes import ScriptedChat, scripted, small_catalog

pytestmark = pytest.mark.usefixtures("offline")


def rows(n: int = 3):
    return [
        parse_row(f'{{"id": "t{i}", "task": "Tell me about day {i}."}}', i + 1, source=Path("d"))
        for i in range(n)
    ]


def models(verdict: dict | None):
    """alpha is the strongest (quality 5); beta judges (answers a forced tool call with ``verdict``)."""
    return {
        "alpha": scripted("alpha"),
        "beta": ScriptedChat(name_="beta", reply="no tool call", tool_args=verdict, usage=(40, 8)),
        "gamma": scripted("gamma"),
    }


def test_downgraded_tasks_are_judged_against_the_strongest_answer() -> None:
    chat = models({"same_quality": False, "reason": "misses the point"})
    report = judge(rows(), catalog=small_catalog(), judge_model="beta", preference="speed", chat_models=chat)
    assert report.strongest == "alpha" and [r.routed for r in report.results] == ["gamma"] * 3
    assert [(r.same_model, r.same_quality, r.reason) for r in report.results] == [
        (False, False, "misses the point")
    ] * 3
    assert report.rate() == (0, 3, 0.0, wilson(0, 3)) and report.rate(only_downgraded=True)[1] == 3
    assert report.calibrated is False
    judged = str(chat["beta"].calls[0]["messages"][-1].content)
    assert "Answer A:\nanswer from gamma" in judged and "Answer B (reference):\nanswer from alpha" in judged
    assert "Tell me about day 0." in judged
    assert chat["beta"].calls[0]["tool_choice"]  # a forced tool call, not a json_schema request
    assert report.calls == 9 and report.unknown_cost_calls == 9  # small_catalog has no prices


def test_tasks_routed_to_the_strongest_model_match_without_a_judge_call() -> None:
    chat = models({"same_quality": False, "reason": "never asked"})
    report = judge(rows(2), catalog=small_catalog(), judge_model="beta", chat_models=chat)
    assert all(r.same_model and r.same_quality for r in report.results)
    assert not chat["beta"].calls and report.rate() == (2, 2, 1.0, wilson(2, 2))
    assert report.rate(only_downgraded=True)[1] == 0 and report.calibrated is True


def test_a_judge_without_a_verdict_is_an_error_not_a_match() -> None:
    report = judge(
        rows(2), catalog=small_catalog(), judge_model="beta", preference="speed", chat_models=models(None)
    )
    assert all(r.same_quality is None and "judge gave no verdict" in (r.error or "") for r in report.results)
    assert report.rate()[1] == 0 and report.calibrated is None
    assert report.to_json()["failed"] == 2


def test_costs_are_summed_from_usage_and_prices() -> None:
    catalog = small_catalog()
    price = Pricing(input_per_million=1.0, output_per_million=2.0)
    catalog = catalog.model_copy(
        update={"models": tuple(m.model_copy(update={"pricing": price}) for m in catalog.models)}
    )
    chat = models({"same_quality": True, "reason": "fine"})
    report = judge(rows(1), catalog=catalog, judge_model="beta", preference="speed", chat_models=chat)
    # routed gamma and reference alpha: 10 in / 3 out each; the judge 40 in / 8 out
    assert (
        report.cost == pytest.approx(2 * (10 + 6) / 1e6 + (40 + 16) / 1e6) and report.unknown_cost_calls == 0
    )


def test_sample_is_seeded_and_in_file_order() -> None:
    data = rows(6)
    first = judge(
        data, catalog=small_catalog(), judge_model="beta", sample=3, seed=4, chat_models=models(None)
    )
    again = judge(
        data, catalog=small_catalog(), judge_model="beta", sample=3, seed=4, chat_models=models(None)
    )
    ids = [r.id for r in first.results]
    assert ids == [r.id for r in again.results] and len(ids) == 3 and ids == sorted(ids)


def test_bad_options() -> None:
    with pytest.raises(InvalidOptionError, match="judge model 'gpt-9' is not in catalog 'fakes'"):
        judge(rows(), catalog=small_catalog(), judge_model="gpt-9")
    with pytest.raises(InvalidOptionError, match="sample must be at least 1"):
        judge(rows(), catalog=small_catalog(), judge_model="beta", sample=0)
