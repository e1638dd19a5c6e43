"""``lg-router graph``: the router graph as Mermaid text, rendered locally when possible.

Rendering uses mermaid-cli (``mmdc``) on PATH only; never a web service (which is what
``draw_mermaid_png()`` would call).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from rich.console import Console

from lg_router.catalog import ModelCatalog
from lg_router.errors import InvalidOptionError, LgRouterError

TEXT_SUFFIXES = frozenset({".mmd", ".mermaid", ".md", ".txt"})
IMAGE_SUFFIXES = frozenset({".png", ".svg", ".pdf"})


class RenderError(LgRouterError, RuntimeError):
    """The Mermaid renderer is missing or failed."""


def mermaid(catalog: ModelCatalog) -> str:
    """The compiled router graph of ``catalog`` as Mermaid text (no model is built)."""
    from lg_router.graph import create_router

    return create_router(catalog).compile().get_graph().draw_mermaid()


def render(catalog: ModelCatalog, output: Path | None, *, out: Console) -> None:
    """Print the Mermaid text, write it to ``output``, or render ``output`` with ``mmdc``.

    Raises:
        InvalidOptionError: an output suffix that is neither text nor an image format.
        RenderError: ``mmdc`` is not on PATH, or it failed.
    """
    text = mermaid(catalog)
    if output is None:
        out.print(text, markup=False, highlight=False, soft_wrap=True)
        return
    suffix = output.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        _write(output, text)
        out.print(f"wrote {output}", markup=False)
        return
    if suffix not in IMAGE_SUFFIXES:
        msg = f"--output {output}: use a .mmd file for Mermaid text or .png/.svg/.pdf for an image"
        raise InvalidOptionError(msg)
    mmdc = shutil.which("mmdc")
    if mmdc is None:
        msg = (
            f"rendering {suffix} needs mermaid-cli ('mmdc') on PATH "
            "(npm install -g @mermaid-js/mermaid-cli); or write Mermaid text with -o graph.mmd"
        )
        raise RenderError(msg)
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "graph.mmd"
        source.write_text(text, encoding="utf-8")
        proc = subprocess.run(
            [mmdc, "-i", str(source), "-o", str(output)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    if proc.returncode != 0 or not output.exists():
        detail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        msg = f"mmdc failed to render {output} (exit {proc.returncode}): {detail[0]}"
        raise RenderError(msg)
    out.print(f"wrote {output}", markup=False)


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        msg = f"cannot write {path}: {exc.strerror or exc}"
        raise RenderError(msg) from None
