"""The ``lg-router`` command line (typer + rich), one module per command.

``app`` and ``main`` are loaded on first access, so importing a helper module such as
:mod:`lg_router.cli.env` (examples, ``graphs/``) does not import typer or rich.
"""

from __future__ import annotations

from typing import Any

__all__ = ["app", "main"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from lg_router.cli import commands as module

        return getattr(module, name)
    msg = f"module 'lg_router.cli' has no attribute {name!r}"
    raise AttributeError(msg)
