"""One rule for the environment, on every API: explicit arguments win over env vars.

A catalog named by a string (or left out) is resolved with ``LG_ROUTER_CATALOG`` (only
when none is named), ``LG_ROUTER_BASE_URL`` and ``LG_ROUTER_API_KEY_ENV``; a
``ModelCatalog`` you built is used exactly as given.
"""

from __future__ import annotations

import pytest

from lg_router import ModelCatalog, RunnableRouter
from lg_router.catalog import resolve_catalog
from lg_router.cli.env import load_catalog
from tests.support.fakes import fakes, small_catalog

LOCAL = "http://127.0.0.1:9/v1"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LG_ROUTER_CATALOG", "LG_ROUTER_BASE_URL", "LG_ROUTER_API_KEY_ENV"):
        monkeypatch.delenv(name, raising=False)


def _endpoints(catalog: ModelCatalog) -> set[tuple[str, str | None]]:
    return {catalog.endpoint(m) for m in catalog.ids}


def test_runnable_router_honours_lg_router_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LG_ROUTER_BASE_URL", LOCAL)
    assert _endpoints(RunnableRouter()._catalog) == {(LOCAL, None)}
    assert _endpoints(RunnableRouter("tiers")._catalog) == {(LOCAL, None)}
    monkeypatch.setenv("LG_ROUTER_API_KEY_ENV", "LOCAL_KEY")
    assert _endpoints(RunnableRouter()._catalog) == {(LOCAL, "LOCAL_KEY")}


def test_lg_router_catalog_fills_in_only_when_no_catalog_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LG_ROUTER_CATALOG", "tiers")
    assert RunnableRouter()._catalog.name == "tiers"
    assert resolve_catalog(None).name == "tiers"
    assert resolve_catalog("oxlo").name == "oxlo"  # named explicitly: the argument wins


def test_a_built_catalog_is_used_as_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LG_ROUTER_BASE_URL", LOCAL)
    monkeypatch.setenv("LG_ROUTER_CATALOG", "tiers")
    built = ModelCatalog.preset("oxlo")
    assert resolve_catalog(built) is built
    assert RunnableRouter(built)._catalog is built
    router = RunnableRouter(small_catalog(), chat_models=fakes())
    assert _endpoints(router._catalog) == {("http://127.0.0.1:9/v1", None)}


def test_explicit_endpoint_arguments_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LG_ROUTER_BASE_URL", LOCAL)
    monkeypatch.setenv("LG_ROUTER_API_KEY_ENV", "LOCAL_KEY")
    cat = resolve_catalog("oxlo", base_url="https://gw.example/v1", api_key_env="GW_KEY")
    assert _endpoints(cat) == {("https://gw.example/v1", "GW_KEY")}
    assert _endpoints(load_catalog("oxlo", base_url="https://gw.example/v1")) == {
        ("https://gw.example/v1", "LOCAL_KEY")
    }


def test_cli_and_library_resolve_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LG_ROUTER_BASE_URL", "https://gw.example/v1")
    assert (
        _endpoints(load_catalog())
        == _endpoints(RunnableRouter()._catalog)
        == {("https://gw.example/v1", None)}
    )
