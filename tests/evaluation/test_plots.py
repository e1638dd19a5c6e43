"""Each picture: the axes say what they show, and the PNG has the promised pixel size."""

from __future__ import annotations

import struct
import sys
from pathlib import Path

import pytest

from lg_router import ModelCatalog
from lg_router.evaluation import evaluate, load_rows, summarize_trace
from lg_router.evaluation import plots as pictures
from tests.evaluation.test_report import RECORDS

pytestmark = pytest.mark.usefixtures("offline")
DATA = Path(__file__).parent / "data" / "scored.jsonl"


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from the PNG header (signature, then the IHDR chunk)."""
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR"
    return struct.unpack(">II", head[16:24])


@pytest.fixture(scope="module")
def report():
    return evaluate(load_rows(DATA), catalog=ModelCatalog.preset("oxlo"))


def test_cost_quality_curve(report, tmp_path: Path) -> None:
    figure = pictures.curve_figure(report.curve)
    (ax,) = figure.axes
    assert ax.get_xlabel().startswith("Cost as strong-model call equivalent")
    assert ax.get_ylabel() == "Mean quality score"
    assert "APGR 0.823" in ax.get_title()
    labels = ax.get_legend_handles_labels()[1]
    assert "random routing" in labels and "best single model (kimi-k2.6)" in labels
    router_line = ax.get_lines()[0]
    assert list(router_line.get_xdata()) == pytest.approx([0, 18.75, 25, 43.75, 43.75, 100])
    path = pictures.save(figure, tmp_path / "sub" / pictures.CURVE_PNG)
    assert png_size(path) == pictures.SIZE


def test_confusion_matrix(report, tmp_path: Path) -> None:
    figure = pictures.confusion_figure(report.category_confusion, what="category")
    ax = figure.axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("Routed category", "Labelled category")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["coding", "multilingual", "reasoning", "simple"]
    cells = {t.get_text() for t in ax.texts}
    assert cells == {"1"}
    assert png_size(pictures.save(figure, tmp_path / pictures.CONFUSION_PNG)) == pictures.SIZE


def test_spend_over_time(tmp_path: Path) -> None:
    figure = pictures.spend_figure(summarize_trace(RECORDS, ModelCatalog.preset("tiers")))
    (ax,) = figure.axes
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("Day (UTC)", "Spend (INR)")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2026-11-30", "2026-12-01"]
    heights = sorted(round(p.get_height(), 3) for p in ax.patches if p.get_height())
    assert heights == [0.028, 0.289]
    assert png_size(pictures.save(figure, tmp_path / pictures.SPEND_PNG)) == pictures.SIZE


def test_importing_the_evaluation_package_does_not_import_matplotlib() -> None:
    import subprocess

    code = "import lg_router.evaluation, lg_router.cli.commands, sys; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_without_matplotlib_the_error_says_what_to_install(monkeypatch: pytest.MonkeyPatch, report) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)  # import fails as if not installed
    with pytest.raises(pictures.PlotError, match=r"pip install 'lg-router\[eval\]'"):
        pictures.curve_figure(report.curve)
