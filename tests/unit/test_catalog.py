"""Catalog loading, presets, endpoint rewriting and validation messages."""

from pathlib import Path

import pytest
import yaml

from lg_router import CatalogError, ModelCatalog
from lg_router.catalog import MAX_CATALOG_BYTES
from lg_router.models import NO_KEY_PLACEHOLDER, ModelProvider
from lg_router.yamlio import YamlLoader


def test_oxlo_preset_has_the_four_seed_models() -> None:
    cat = ModelCatalog.preset("oxlo")
    assert cat.ids == ("llama-3.3-70b", "qwen-3-32b", "deepseek-v3.2", "kimi-k2.6")
    assert cat.endpoint("kimi-k2.6") == ("https://api.oxlo.ai/v1", "OXLO_API_KEY")
    assert cat.fallback_default == "llama-3.3-70b"
    assert cat["kimi-k2.6"].context_window == 131072
    assert cat["kimi-k2.6"].can("vision") and not cat["qwen-3-32b"].can("vision")
    assert cat["deepseek-v3.2"].pricing.free_tier
    # Flat per-request pricing with unknown amounts stays unknown, not free.
    assert cat["llama-3.3-70b"].pricing.estimate(1000, 100) is None


def test_tiers_preset_has_seed_003_ids_and_prices() -> None:
    cat = ModelCatalog.preset("tiers")
    assert cat.ids == (
        "openai/gpt-4o-mini",
        "anthropic/claude-3-5-haiku-20241022",
        "anthropic/claude-3-5-sonnet-20241022",
    )
    assert [m.tier for m in cat.models] == ["simple", "medium", "complex"]
    mini = cat["openai/gpt-4o-mini"].pricing
    assert (mini.currency, mini.input_per_million, mini.output_per_million) == ("INR", 14, None)
    assert mini.estimate(1_000_000, 0) == pytest.approx(14)
    assert cat.endpoint("openai/gpt-4o-mini")[0] == "https://api.aicredits.in/v1"


def test_with_endpoint_keeps_ids_and_moves_every_model() -> None:
    cat = ModelCatalog.preset("oxlo").with_endpoint("http://127.0.0.1:9/v1", api_key_env="LOCAL_KEY")
    assert cat.ids == ModelCatalog.preset("oxlo").ids
    assert {cat.endpoint(m) for m in cat.ids} == {("http://127.0.0.1:9/v1", "LOCAL_KEY")}


def test_yaml_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "cat.yaml"
    path.write_text(
        "name: mine\nbase_url: http://127.0.0.1:1/v1\napi_key_env: MY_KEY\n"
        "models:\n  small: {capabilities: [general, fast], strengths: [fast], context_window: 8192}\n"
        "  big: {capabilities: [coding, reasoning], strengths: [coding], timeout: 5}\n"
    )
    cat = ModelCatalog.from_yaml(path)
    assert cat.ids == ("small", "big")
    assert cat.timeout_for("big") == 5 and cat.timeout_for("small") == cat.default_timeout


@pytest.mark.parametrize(
    ("models", "expected"),
    [
        ([{"id": "a"}, {"id": "a"}], "model 'a': duplicate id"),
        (
            [{"id": "a", "capabilities": ["telepathy"]}],
            "model 'a': field 'capabilities': unknown capability 'telepathy'",
        ),
        ([{"id": "a", "pricing": {"per_request": -1}}], "model 'a': field 'pricing.per_request'"),
        ([{"id": "a", "context_window": 0}], "model 'a': field 'context_window'"),
        ([{"id": "a", "colour": "red"}], "model 'a': field 'colour'"),
        ([{"id": "a", "strengths": ["coding"]}], "model 'a': strengths ['coding'] must also be listed"),
    ],
)
def test_invalid_catalog_names_file_model_and_field(tmp_path: Path, models: list, expected: str) -> None:
    import yaml

    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump({"base_url": "http://x/v1", "models": models}))
    with pytest.raises(CatalogError) as info:
        ModelCatalog.from_yaml(path)
    assert str(path) in str(info.value)
    assert expected in str(info.value)


def test_missing_endpoint_is_named() -> None:
    with pytest.raises(CatalogError, match="model 'a': field 'base_url' is missing"):
        ModelCatalog.from_dict({"models": [{"id": "a"}]}, source="inline")


def test_malformed_yaml_and_missing_file(tmp_path: Path) -> None:
    bad = tmp_path / "broken.yaml"
    bad.write_text("models: [a, b\n")
    with pytest.raises(CatalogError, match="broken.yaml: malformed YAML"):
        ModelCatalog.from_yaml(bad)
    with pytest.raises(CatalogError, match="nope.yaml: cannot read catalog file"):
        ModelCatalog.from_yaml(tmp_path / "nope.yaml")
    with pytest.raises(CatalogError, match="must be a mapping"):
        ModelCatalog.from_dict(["a"], source="list")  # type: ignore[arg-type]


def test_unknown_preset_and_default_model() -> None:
    with pytest.raises(CatalogError, match="unknown catalog preset 'nope'"):
        ModelCatalog.preset("nope")
    with pytest.raises(CatalogError, match="'default_model': 'zz' is not a model id"):
        ModelCatalog.from_dict({"base_url": "http://x", "default_model": "zz", "models": [{"id": "a"}]})


def test_catalog_is_frozen() -> None:
    cat = ModelCatalog.preset("oxlo")
    with pytest.raises(Exception, match="frozen"):
        cat.models[0].id = "x"  # type: ignore[misc]


# -- whose key goes where ---------------------------------------------------------------
def test_with_endpoint_to_another_host_sends_no_provider_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OXLO_API_KEY", "sk-oxlo-secret-value")
    moved = ModelCatalog.preset("oxlo").with_endpoint("http://other-host/v1")
    assert {moved.endpoint(m) for m in moved.ids} == {("http://other-host/v1", None)}
    built = ModelProvider(moved).get("kimi-k2.6")
    assert built.openai_api_key.get_secret_value() == NO_KEY_PLACEHOLDER  # type: ignore[attr-defined]


def test_with_endpoint_names_the_new_endpoints_key() -> None:
    moved = ModelCatalog.preset("oxlo").with_endpoint("https://gw.example/v1", api_key_env="GW_KEY")
    assert {moved.endpoint(m) for m in moved.ids} == {("https://gw.example/v1", "GW_KEY")}


def test_with_endpoint_to_the_providers_own_endpoint_keeps_its_key() -> None:
    same = ModelCatalog.preset("oxlo").with_endpoint("https://api.oxlo.ai/v1/")
    assert same.endpoint("kimi-k2.6") == ("https://api.oxlo.ai/v1/", "OXLO_API_KEY")


def test_a_model_with_its_own_endpoint_does_not_inherit_the_catalogs_key() -> None:
    cat = ModelCatalog.from_dict(
        {
            "base_url": "https://api.oxlo.ai/v1",
            "api_key_env": "OXLO_API_KEY",
            "models": {
                "a": {},
                "b": {"base_url": "https://elsewhere.example/v1"},
                "c": {"base_url": "https://elsewhere.example/v1", "api_key_env": "ELSEWHERE_KEY"},
                "d": {"base_url": "https://api.oxlo.ai/v1"},
            },
        }
    )
    assert cat.endpoint("a") == ("https://api.oxlo.ai/v1", "OXLO_API_KEY")
    assert cat.endpoint("b") == ("https://elsewhere.example/v1", None)
    assert cat.endpoint("c") == ("https://elsewhere.example/v1", "ELSEWHERE_KEY")
    assert cat.endpoint("d") == ("https://api.oxlo.ai/v1", "OXLO_API_KEY")


# -- YAML loading -----------------------------------------------------------------------
def test_duplicate_ids_in_the_mapping_form_are_rejected_naming_both_lines(tmp_path: Path) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text(
        "base_url: http://127.0.0.1:1/v1\n"
        "models:\n"
        "  small: {capabilities: [fast]}\n"
        "  big: {capabilities: [coding]}\n"
        "  small: {capabilities: [general]}\n"
    )
    with pytest.raises(CatalogError) as info:
        ModelCatalog.from_yaml(path)
    message = str(info.value)
    assert "dup.yaml" in message and "duplicate key 'small'" in message
    assert "line 5" in message and "line 3" in message


def test_duplicate_keys_anywhere_are_rejected(tmp_path: Path) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text("base_url: http://a/v1\nmodels:\n  m: {quality: 2, quality: 3}\n")
    with pytest.raises(CatalogError, match="duplicate key 'quality' on line 3"):
        ModelCatalog.from_yaml(path)


def test_catalog_file_over_the_size_cap_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_text("base_url: http://a/v1\nmodels:\n" + "# padding\n" * (MAX_CATALOG_BYTES // 10 + 1))
    with pytest.raises(CatalogError, match=r"huge.yaml: .*larger than 1 MB"):
        ModelCatalog.from_yaml(path)


def test_yaml_uses_libyaml_when_available() -> None:
    if yaml.__with_libyaml__:
        assert issubclass(YamlLoader, yaml.CSafeLoader)
    else:  # pragma: no cover - PyYAML built without libyaml
        assert issubclass(YamlLoader, yaml.SafeLoader)
