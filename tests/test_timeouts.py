"""An operation still running at the time limit is stopped: the caller gets `TIMEOUT`, the
statement it waited on is cancelled in the database, and a change it had not finished is
rolled back, so that a retry with the same idempotency key has exactly one effect."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from typing import Any

import pytest
from tortoise.connection import get_connection

from api.settings import Limits, Settings
from resolvers import customers, reports
from resolvers.models import Customer
from schema.context import Loaders
from tests.conftest import World
from tests.databases import backend
from tests.test_rate_limits import serving

AGING = "{ agingReport { asOf } }"
CREATE = """
mutation($input: CreateCustomerInput!) {
  createCustomer(input: $input) { customer { companyName } userErrors { code } }
}"""
NEW_CUSTOMER = {
    "companyName": "Vättern Data AB",
    "domain": "vatterndata.onmicrosoft.com",
    "country": "SE",
    "language": "sv",
    "idempotencyKey": "create-vattern-1",
}
SLOW_STATEMENT = {
    "postgres": "SELECT pg_sleep(30)",
    # about half a minute of work for SQLite
    "sqlite": "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 60000000)"
    " SELECT count(*) FROM n",
}


def timing_out(settings: Settings) -> Settings:
    return replace(settings, limits=Limits(timeout_seconds=0.5))


async def slow_report(*_: Any, **__: Any) -> list[Any]:
    await get_connection("default").execute_query(SLOW_STATEMENT[backend()])
    return []


async def test_an_operation_past_the_time_limit_is_stopped_with_timeout(
    settings: Settings, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reports, "aging_report", slow_report)
    started = time.monotonic()
    async with serving(timing_out(settings)) as api:
        response = await api.post(AGING, token=world.admin("direct"), language="it")
    assert time.monotonic() - started < 5
    assert response.status_code == 504, response.text
    body = response.json()
    assert "data" not in body
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "TIMEOUT"
    assert "0.5 s" in error["message"]
    assert body["extensions"]["cost"]["requested"] == 1


async def test_the_statement_of_a_stopped_operation_is_cancelled_in_the_database(
    settings: Settings, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reports, "aging_report", slow_report)
    async with serving(timing_out(settings)) as api:
        response = await api.post(AGING, token=world.admin("direct"))
        assert response.status_code == 504
        assert await _statement_ends()
        # and the pool goes on serving
        served = await api.post("{ viewer { roles } }", token=world.admin("direct"))
    assert served.json()["data"] == {"viewer": {"roles": ["global_admin"]}}


async def test_a_change_stopped_half_way_is_rolled_back_and_a_retry_applies_it_once(
    settings: Settings, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    record_change = customers.record_change

    async def record_then_stall(*args: Any, **kwargs: Any) -> None:
        await record_change(*args, **kwargs)  # the row and its audit record are written…
        await asyncio.sleep(30)  # …and the transaction never gets to commit

    token = world.admin("direct")
    async with serving(timing_out(settings)) as api:
        monkeypatch.setattr(customers, "record_change", record_then_stall)
        stopped = await api.post(CREATE, {"input": NEW_CUSTOMER}, token=token)
        assert stopped.status_code == 504
        assert not await Customer.filter(company_name="Vättern Data AB").exists()
        monkeypatch.setattr(customers, "record_change", record_change)
        first = await api.post(CREATE, {"input": NEW_CUSTOMER}, token=token)
        again = await api.post(CREATE, {"input": NEW_CUSTOMER}, token=token)
    for response in (first, again):
        assert response.json()["data"]["createCustomer"] == {
            "customer": {"companyName": "Vättern Data AB"},
            "userErrors": [],
        }
    assert await Customer.filter(company_name="Vättern Data AB").count() == 1


SLOWED_RELATIONS = {
    # resolved by graphql-core: the resolver awaits the loader, whose batch is its own task
    "customers": "query($id: ID!) { node(id: $id) { ... on Customer { companyName } } }",
    # fetched for the whole page by the planned executor before the rows are completed
    "customer_subscriptions": "{ customers(first: 2) { nodes { subscriptions(first: 1) "
    "{ nodes { offerName } } } } }",
}


@pytest.mark.parametrize("loader", sorted(SLOWED_RELATIONS))
async def test_a_relation_batch_still_running_at_the_time_limit_is_cancelled(
    settings: Settings, world: World, monkeypatch: pytest.MonkeyPatch, loader: str
) -> None:
    monkeypatch.setattr(Loaders.__dict__[loader], "batch", slow_report)
    async with serving(timing_out(settings)) as api:
        response = await api.post(
            SLOWED_RELATIONS[loader],
            {"id": world.customer_id("direct")},
            token=world.admin("direct"),
        )
        assert response.status_code == 504, response.text
        assert await _statement_ends()


async def _statement_ends() -> bool:
    """Whether the slow statement stops within 5 s of its operation's end."""
    connection = get_connection("default")
    if backend() == "sqlite":
        # statements run one at a time: the next one runs once the slow one has stopped
        started = time.monotonic()
        await connection.execute_query("SELECT 1")
        return time.monotonic() - started < 5
    for _ in range(50):
        _, running = await connection.execute_query(
            "SELECT pid FROM pg_stat_activity WHERE query = $1 AND state = 'active'",
            [SLOW_STATEMENT["postgres"]],
        )
        if not running:
            return True
        await asyncio.sleep(0.1)
    return False
