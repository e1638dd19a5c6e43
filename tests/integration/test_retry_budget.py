"""Under overload, the retry budget keeps fallbacks from multiplying the upstream load."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from lg_router import ModelCatalog, RetryBudget, RetryBudgetExceededError, RoutingError, create_router
from tests.support.fault_server import Behavior, FaultServer

pytestmark = pytest.mark.integration

REQUESTS = 200
TIMEOUT = 2.0


@pytest.fixture
def overloaded() -> Iterator[FaultServer]:
    # every model needs longer than the router's timeout (health off: the budget alone is measured)
    with FaultServer(models=list(ModelCatalog.preset("oxlo").ids), default=Behavior.slow(TIMEOUT * 4)) as srv:
        yield srv


async def _burst(graph: object) -> list[BaseException | None]:
    async def one(i: int) -> BaseException | None:
        try:
            await graph.ainvoke({"messages": [("user", f"Refactor function number {i} in Python.")]})  # type: ignore[attr-defined]
        except RoutingError as exc:
            return exc
        return None

    return await asyncio.gather(*(one(i) for i in range(REQUESTS)))


def test_upstream_calls_stay_within_the_budget(overloaded: FaultServer) -> None:
    catalog = ModelCatalog.preset("oxlo").with_endpoint(overloaded.base_url)
    budget = RetryBudget(0.2, min_retries=10, window=60)  # the whole test in one window
    graph = create_router(catalog, timeout=TIMEOUT, retry_budget=budget, health=None).compile()
    errors = asyncio.run(_burst(graph))
    assert all(isinstance(e, RoutingError) for e in errors)  # nothing answered in time
    bound = REQUESTS * 1.2 + budget.min_retries
    # every attempt is at most one upstream call (on a loaded machine some time out before
    # they are even sent): both stay within the budget
    attempts = sum(len(e.attempts) for e in errors if isinstance(e, RoutingError))
    assert attempts == REQUESTS + budget.counts()[1] <= bound
    assert overloaded.calls() <= bound
    fast = [e for e in errors if isinstance(e, RetryBudgetExceededError)]
    assert all("retry budget is spent" in str(e) for e in fast)
    assert sum(len(e.attempts) == 1 for e in fast) >= REQUESTS - (0.2 * REQUESTS + budget.min_retries)


def test_without_a_budget_every_request_tries_every_ranked_model(overloaded: FaultServer) -> None:
    catalog = ModelCatalog.preset("oxlo").with_endpoint(overloaded.base_url)
    graph = create_router(catalog, timeout=TIMEOUT, retry_budget=None, health=None).compile()
    errors = asyncio.run(_burst(graph))
    assert not any(isinstance(e, RetryBudgetExceededError) for e in errors)
    # the load the budget prevents: three attempts per request
    assert sum(len(e.attempts) for e in errors if isinstance(e, RoutingError)) == 3 * REQUESTS
