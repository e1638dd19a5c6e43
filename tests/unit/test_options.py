"""Durations and retry options: one validator, the same typed error on every API."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from lg_router import (
    CatalogError,
    InvalidOptionError,
    ModelCatalog,
    RetryBudget,
    RunnableRouter,
    create_router,
)
from lg_router.cli import app
from lg_router.state import RunOptions, check_seconds
from tests.support.fakes import scripted

BAD_SECONDS = [0, -1, -0.5, float("nan"), float("inf"), -float("inf"), 1e300, "5", "abc", True, [1]]
MODELS = {m: scripted(m) for m in ("llama-3.3-70b", "qwen-3-32b", "deepseek-v3.2", "kimi-k2.6")}


@pytest.mark.parametrize("value", BAD_SECONDS, ids=repr)
def test_bad_timeouts_are_rejected_everywhere_naming_the_value(value: object) -> None:
    shown = repr(value)
    with pytest.raises(InvalidOptionError, match="'timeout'") as info:
        check_seconds("timeout", value)
    assert shown in str(info.value)
    with pytest.raises(InvalidOptionError, match="'timeout'"):
        create_router(chat_models=MODELS, timeout=value)  # type: ignore[arg-type]
    with pytest.raises(InvalidOptionError, match="'timeout'"):
        RunnableRouter(chat_models=MODELS, timeout=value)
    with pytest.raises(InvalidOptionError, match="'timeout'"):
        RunOptions.resolve({"configurable": {"timeout": value}})
    with pytest.raises(InvalidOptionError, match="'timeout'"):
        RunOptions.resolve(None, {"timeout": value})  # a run's context
    graph = create_router(chat_models=MODELS).compile()
    with pytest.raises(InvalidOptionError, match="'timeout'"):
        graph.invoke({"messages": [("user", "hi")]}, {"configurable": {"timeout": value}})
    with pytest.raises(InvalidOptionError, match="'timeout'"):
        RunnableRouter(chat_models=MODELS).invoke("hi", timeout=value)
    with pytest.raises(CatalogError, match="timeout"):
        ModelCatalog.from_dict({"base_url": "http://127.0.0.1:1/v1", "models": {"a": {"timeout": value}}})
    with pytest.raises(CatalogError, match="default_timeout"):
        ModelCatalog.from_dict(
            {"base_url": "http://127.0.0.1:1/v1", "default_timeout": value, "models": {"a": {}}}
        )


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "1e300", "abc"])
@pytest.mark.parametrize("command", [["run", "hi"], ["chat"]])
def test_cli_timeout_is_a_usage_error(value: str, command: list[str]) -> None:
    result = CliRunner().invoke(app, [*command, "--timeout", value])
    assert result.exit_code == 2, result.output
    assert "--timeout" in result.output


def test_good_timeouts_pass() -> None:
    assert check_seconds("timeout", 2) == 2.0
    assert check_seconds("timeout", 0.001) == 0.001
    assert check_seconds("timeout", None) is None
    assert check_seconds("max_retry_wait", 0, allow_zero=True) == 0.0
    assert RunOptions.resolve({"configurable": {"timeout": 1.5}}).timeout == 1.5


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"retries": -1}, "'retries'"),
        ({"retries": 1.5}, "'retries'"),
        ({"max_retry_wait": float("nan")}, "'max_retry_wait'"),
        ({"max_retry_wait": -1}, "'max_retry_wait'"),
        ({"retry_budget": 1.5}, "ratio"),
        ({"retry_budget": "lots"}, "ratio"),
    ],
)
def test_retry_options_are_validated(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(InvalidOptionError, match=match):
        create_router(chat_models=MODELS, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(InvalidOptionError, match=match):
        RunnableRouter(chat_models=MODELS, **kwargs)


def test_retry_budget_allows_a_fraction_of_first_attempts() -> None:
    budget = RetryBudget(0.2, min_retries=2, window=60)
    for _ in range(50):
        budget.record_first()
    allowed = sum(budget.try_spend() for _ in range(100))
    assert allowed == 2 + 10  # min_retries + 20% of 50
    assert budget.counts() == (50, 12)
    with pytest.raises(InvalidOptionError, match="window"):
        RetryBudget(window=0)


@pytest.mark.parametrize("name", ["first_token_timeout", "idle_timeout", "total_timeout", "hedge_after"])
@pytest.mark.parametrize("value", [0, -1, float("nan"), float("inf"), 1e300, "5"], ids=repr)
def test_stream_timeouts_share_the_validator(name: str, value: object) -> None:
    with pytest.raises(InvalidOptionError, match=f"'{name}'"):
        create_router(chat_models=MODELS, **{name: value})  # type: ignore[arg-type]
    with pytest.raises(InvalidOptionError, match=f"'{name}'"):
        RunnableRouter(chat_models=MODELS, **{name: value})
    with pytest.raises(InvalidOptionError, match=f"'{name}'"):
        RunOptions.resolve({"configurable": {name: value}})
