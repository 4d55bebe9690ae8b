"""What an operation costs, the maximum it may cost, and the leaky buckets that limit each
caller and each partner (in memory on SQLite, shared rows on PostgreSQL)."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

import httpx
import pytest
from graphql import parse
from tortoise.connection import get_connection

from api.app import create_app
from api.settings import Limits, RateLimits, Settings, SettingsError
from auth.viewer import Role
from resolvers.models import User
from resolvers.rate_limits import Bucket, MemoryBuckets, PostgresBuckets
from resolvers.users import DIRECTORY_ENTRY
from schema.cost import Costs, operation_cost
from schema.schema import schema
from tests.conftest import Api, World
from tests.databases import backend

GRAPHQL_RESPONSE = "application/graphql-response+json"

CUSTOMERS = "query($first: Int) { customers(first: $first) { nodes { id companyName } } }"
BIND = """mutation($input: SetUserSafelistOnlyInput!) {
  setUserSafelistOnly(input: $input) { userErrors { code } } }"""
CREATE = """
mutation($input: CreateCustomerInput!) {
  createCustomer(input: $input) { customer { id } userErrors { code } }
}"""


def cost_of(document: str, variables: dict[str, Any] | None = None) -> int:
    parsed = parse(document)
    return operation_cost(schema._schema, parsed, parsed.definitions[0], variables)[0]


def test_a_page_costs_its_connection_and_one_point_per_node_asked_for() -> None:
    assert cost_of("{ customers(first: 10) { nodes { id companyName } } }") == 1 + 10
    assert cost_of("{ customers(last: 7) { totalCount edges { cursor node { id } } } }") == (
        1 + 7 * (1 + 1)
    )


def test_pages_within_pages_multiply() -> None:
    document = """{ customers(first: 10) { nodes { id
        subscriptions(first: 5) { nodes { id offerName } pageInfo { hasNextPage } } } } }"""
    # the page, then per customer: itself, its page of subscriptions, their page info, 5 nodes
    assert cost_of(document) == 1 + 10 * (1 + 1 + 1 + 5)


def test_a_page_without_a_size_costs_its_default_size() -> None:
    assert cost_of("{ customers { nodes { id } } }") == 1 + 50
    assert cost_of("{ changes { nodes { entityId } } }") == 1 + 100


def test_page_sizes_from_variables_are_read_and_remembered_per_value() -> None:
    assert cost_of(CUSTOMERS, {"first": 20}) == 1 + 20
    assert cost_of(CUSTOMERS, {}) == 1 + 50
    assert cost_of(CUSTOMERS, {"first": "twenty"}) == 1 + 50  # refused later, as any bad value
    costs = Costs(schema._schema)
    parsed = parse(CUSTOMERS)
    operation = parsed.definitions[0]
    assert costs.of(CUSTOMERS, parsed, operation, {"first": 3}) == 4
    assert costs.of(CUSTOMERS, parsed, operation, {"first": 90}) == 91
    assert costs.of(CUSTOMERS, parsed, operation, {"first": 3}) == 4


def test_a_variables_default_counts_when_the_variable_is_not_sent() -> None:
    document = """query($n: Int = 100) { customers(first: $n) { nodes {
        subscriptions(first: $n) { nodes { id } } } } }"""
    assert cost_of(document, {}) == 1 + 100 * (1 + 1 + 100)
    assert cost_of(document, {"n": 2}) == 1 + 2 * (1 + 1 + 2)
    costs, parsed = Costs(schema._schema), parse(document)
    assert costs.of(document, parsed, parsed.definitions[0], {}) == 10_201
    assert costs.of(document, parsed, parsed.definitions[0], {"n": 2}) == 9


def test_nodes_by_id_cost_once_per_id() -> None:
    fragment = "... on Customer { subscriptions(first: 10) { nodes { id } } }"
    one = cost_of(f'{{ nodes(ids: ["a"]) {{ {fragment} }} }}')
    assert one == 1 + 1 + 10
    assert (
        cost_of(f"query($ids: [ID!]!) {{ nodes(ids: $ids) {{ {fragment} }} }}", {"ids": ["a"] * 50})
        == 50 * one
    )


def test_a_page_asked_beyond_its_maximum_costs_the_maximum() -> None:
    assert cost_of("{ customers(first: 100000) { nodes { id } } }") == 1 + 100


def test_fragments_cost_what_their_fields_cost() -> None:
    inline = "{ customers(first: 4) { nodes { id subscriptions(first: 2) { nodes { id } } } } }"
    spread = """{ customers(first: 4) { ...Page } }
    fragment Page on CustomerConnection { nodes { ...Customer } }
    fragment Customer on Customer { id subscriptions(first: 2) { nodes { id } } }"""
    assert cost_of(spread) == cost_of(inline) == 1 + 4 * (1 + 1 + 2)


def test_a_mutation_costs_ten_points_more_than_what_it_selects() -> None:
    assert cost_of(CREATE) == 10 + 1 + 1 + 1
    assert cost_of("{ viewer { roles } }") == 1


async def test_every_answer_tells_its_cost_and_what_is_left(api: Api, world: World) -> None:
    token = world.admin("direct")
    first = await api.gql(CUSTOMERS, {"first": 10}, token=token)
    second = await api.gql(CUSTOMERS, {"first": 10}, token=token)
    assert first["extensions"]["cost"]["requested"] == 11
    throttle = first["extensions"]["cost"]["throttle"]
    assert throttle["maximum"] == 20_000
    assert throttle["restoreRate"] == 1_000
    assert throttle["remaining"] == 20_000 - 11
    # refilled between the two requests, never past the maximum
    assert 20_000 - 22 <= second["extensions"]["cost"]["throttle"]["remaining"] <= 20_000 - 11


def limited(settings: Settings, **rates: Any) -> Settings:
    return replace(settings, limits=Limits(max_cost=60), rate_limits=RateLimits(**rates))


@asynccontextmanager
async def serving(app_settings: Settings) -> AsyncIterator[Api]:
    """One API process of its own: its buckets, when in memory, are its own too."""
    app = create_app(app_settings, manage_database=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield Api(client)


async def post(
    app_settings: Settings, query: str, variables: dict[str, Any], token: str
) -> httpx.Response:
    async with serving(app_settings) as api:
        return await api.post(query, variables, token=token, headers={"accept": GRAPHQL_RESPONSE})


async def test_an_operation_over_the_maximum_cost_is_refused_before_it_runs(
    settings: Settings, world: World
) -> None:
    response = await post(limited(settings), CUSTOMERS, {"first": 80}, world.admin("direct"))
    assert response.status_code == 400
    body = response.json()
    assert "data" not in body
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "QUERY_TOO_COMPLEX", "cost": 81, "maximumCost": 60}
    assert "81" in error["message"]


async def test_a_caller_out_of_points_gets_429_with_the_seconds_to_wait(
    settings: Settings, world: World
) -> None:
    app_settings = limited(settings, caller_maximum=100, caller_restore_rate=1)
    token = world.admin("direct")
    async with serving(app_settings) as api:
        allowed = await api.post(CUSTOMERS, {"first": 59}, token=token)  # 60 points
        refused = await api.post(CUSTOMERS, {"first": 59}, token=token)
        other_caller = await api.post(CUSTOMERS, {"first": 59}, token=world.admin("other"))
    assert allowed.status_code == 200
    assert allowed.json()["extensions"]["cost"]["throttle"]["remaining"] == 40
    assert refused.status_code == 429
    # 40 points left, 60 needed, one point a second: 20 s (less the seconds it has refilled
    # since, a few at most on a busy machine)
    assert 15 <= int(refused.headers["retry-after"]) <= 20
    body = refused.json()
    assert "data" not in body
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert error["extensions"]["retryAfter"] == int(refused.headers["retry-after"])
    assert body["extensions"]["cost"]["requested"] == 60
    assert body["extensions"]["cost"]["throttle"]["maximum"] == 100
    assert other_caller.status_code == 200  # another partner's caller has its own buckets


async def test_the_callers_of_one_partner_share_its_bucket(
    settings: Settings, world: World
) -> None:
    app_settings = limited(settings, partner_maximum=100, partner_restore_rate=1)
    first = world.token("direct", Role.GLOBAL_ADMIN, sub="first-admin")
    second = world.token("direct", Role.GLOBAL_ADMIN, sub="second-admin")
    async with serving(app_settings) as api:
        assert (await api.post(CUSTOMERS, {"first": 59}, token=first)).status_code == 200
        refused = await api.post(CUSTOMERS, {"first": 59}, token=second)
    assert refused.status_code == 429
    assert refused.json()["extensions"]["cost"]["throttle"]["maximum"] == 100


async def test_a_refused_request_takes_no_points(settings: Settings, world: World) -> None:
    app_settings = limited(settings, caller_maximum=100, caller_restore_rate=1)
    token = world.admin("direct")
    async with serving(app_settings) as api:
        assert (await api.post(CUSTOMERS, {"first": 59}, token=token)).status_code == 200
        for _ in range(3):
            assert (await api.post(CUSTOMERS, {"first": 59}, token=token)).status_code == 429
        small = await api.post(CUSTOMERS, {"first": 29}, token=token)  # 30 of the 40 left
    assert small.status_code == 200
    # 40 - 30, and a point for each second since the first request
    assert 10 <= small.json()["extensions"]["cost"]["throttle"]["remaining"] <= 15


async def test_buckets_refill_at_their_rate_up_to_their_maximum() -> None:
    moment = [0.0]
    buckets = MemoryBuckets(clock=lambda: moment[0])
    bucket = Bucket("caller:t:s", maximum=100, restore_rate=10)
    assert (await buckets.take([bucket], 100)).remaining == 0
    refused = await buckets.take([bucket], 30)
    assert not refused.allowed
    assert refused.retry_after == pytest.approx(3.0)
    moment[0] = 3.0
    assert (await buckets.take([bucket], 30)).allowed
    moment[0] = 1_000.0
    assert (await buckets.take([bucket], 1)).remaining == 99  # full again, not fuller


async def test_a_take_from_several_buckets_takes_from_all_or_none() -> None:
    buckets = MemoryBuckets(clock=lambda: 0.0)
    roomy, tight = Bucket("caller:a", 100, 1), Bucket("partner:1", 50, 5)
    refused = await buckets.take([roomy, tight], 60)
    assert not refused.allowed
    assert refused.bucket == tight
    assert refused.retry_after == pytest.approx(2.0)
    taken = await buckets.take([roomy, tight], 50)
    assert taken.allowed
    assert (taken.bucket, taken.remaining) == (tight, 0)
    assert (await buckets.take([roomy], 50)).remaining == 0  # the refusal took nothing


postgres_only = pytest.mark.skipif(
    backend() != "postgres", reason="buckets are shared through PostgreSQL"
)


@postgres_only
async def test_api_processes_sharing_a_database_share_the_buckets(
    settings: Settings, world: World
) -> None:
    app_settings = limited(settings, caller_maximum=100, caller_restore_rate=1)
    token = world.admin("direct")
    # two applications: nothing is shared between them but the database
    assert (await post(app_settings, CUSTOMERS, {"first": 59}, token)).status_code == 200
    assert (await post(app_settings, CUSTOMERS, {"first": 59}, token)).status_code == 429


@postgres_only
async def test_a_callers_lookup_and_its_charge_are_one_statement(
    api: Api, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    token = world.admin("direct")
    await api.data(CUSTOMERS, {"first": 5}, token=token)  # makes its directory entry
    with caplog.at_level(logging.DEBUG, logger="tortoise.db_client"):
        await api.data(CUSTOMERS, {"first": 5}, token=token)
    statements = [record.getMessage() for record in caplog.records]
    (lookup,) = [statement for statement in statements if DIRECTORY_ENTRY in statement]
    (take,) = [statement for statement in statements if "partnergraph_take_points" in statement]
    assert lookup == take


async def test_every_way_of_sending_an_operation_is_charged_once(
    settings: Settings, world: World
) -> None:
    app_settings = limited(settings, caller_maximum=1_000, caller_restore_rate=1)
    token = world.token("direct", Role.GLOBAL_ADMIN, sub="charged-once")
    digest = hashlib.sha256(CUSTOMERS.encode()).hexdigest()
    persisted = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
    bodies = [
        {"query": CUSTOMERS, "variables": {"first": 9}},  # its first: the entry is made
        {"query": CUSTOMERS, "variables": {"first": 9}},  # charged with the lookup
        {"query": CUSTOMERS, "variables": {"first": 9}, "extensions": persisted},
        {"variables": {"first": 9}, "extensions": persisted},  # by hash: charged at admission
    ]
    async with serving(app_settings) as api:
        for number, body in enumerate(bodies, start=1):
            response = await api.client.post(
                "/graphql", json=body, headers={"authorization": f"Bearer {token}"}
            )
            assert "errors" not in response.json(), response.text
            remaining = response.json()["extensions"]["cost"]["throttle"]["remaining"]
            # 10 points a request, and a point for each second it took (a few at most)
            assert 1_000 - 10 * number <= remaining <= 1_000 - 10 * number + 5


async def test_callers_refused_before_admission_are_charged_nothing(
    settings: Settings, world: World
) -> None:
    app_settings = limited(settings, caller_maximum=100, caller_restore_rate=1)
    admin = world.admin("direct")
    token = world.token("direct", Role.GLOBAL_ADMIN, sub="refused-first")
    async with serving(app_settings) as api:
        await api.data("{ viewer { roles } }", token=token)  # 1 point: its entry is made
        await api.data(
            BIND, {"input": {"subject": "refused-first", "safelistOnly": True}}, token=admin
        )
        for _ in range(3):  # not registered, for a caller bound to the safelist
            refused = await api.post(CUSTOMERS, {"first": 59}, token=token)
            assert refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        await api.data(
            BIND, {"input": {"subject": "refused-first", "safelistOnly": False}}, token=admin
        )
        await User.filter(sub="refused-first").update(active=False)
        for _ in range(3):
            assert (await api.post(CUSTOMERS, {"first": 59}, token=token)).status_code == 401
        await User.filter(sub="refused-first").update(active=True)
        allowed = await api.post(CUSTOMERS, {"first": 59}, token=token)
    # 60 of its 100 points, less the first one unless it has refilled: had a refused request
    # taken its 60, this one would be refused
    assert allowed.status_code == 200
    assert 39 <= allowed.json()["extensions"]["cost"]["throttle"]["remaining"] <= 40


@postgres_only
async def test_a_take_writes_no_write_ahead_log_a_request_would_wait_to_flush() -> None:
    # every request of a partner locks its bucket's row until commit: a logged table made
    # them queue behind one another's WAL flush
    _, rows = await get_connection("default").execute_query(
        "SELECT relpersistence FROM pg_class WHERE relname = 'rate_buckets'"
    )
    assert rows[0]["relpersistence"] == b"u"  # a "char"


@postgres_only
async def test_concurrent_takes_never_spend_more_than_the_bucket_holds() -> None:
    buckets = PostgresBuckets()
    bucket = Bucket("caller:race", maximum=100, restore_rate=1)
    partner = Bucket("partner:race", maximum=1_000, restore_rate=1)
    takes = await asyncio.gather(*(buckets.take([partner, bucket], 10) for _ in range(25)))
    # ten fit; the one point a second the bucket refills during the race is not enough for
    # an eleventh
    assert sum(take.allowed for take in takes) == 10
    refused = [take for take in takes if not take.allowed]
    assert all(take.bucket == bucket for take in refused)
    assert all(0 < take.retry_after <= 10 for take in refused)


def test_bucket_settings_are_read_and_checked() -> None:
    settings = Settings.from_environment(
        {
            "PARTNERGRAPH_MAX_COST": "500",
            "PARTNERGRAPH_RATE_LIMIT_CALLER_MAXIMUM": "1000",
            "PARTNERGRAPH_RATE_LIMIT_CALLER_RESTORE_RATE": "50",
            "PARTNERGRAPH_TIMEOUT_SECONDS": "2.5",
        }
    )
    assert settings.limits.max_cost == 500
    assert settings.limits.timeout_seconds == 2.5
    assert (settings.rate_limits.caller_maximum, settings.rate_limits.caller_restore_rate) == (
        1000,
        50,
    )
    assert not Settings.from_environment({"PARTNERGRAPH_RATE_LIMITS": "false"}).rate_limits.enabled
    with pytest.raises(SettingsError, match="MAX_COST"):
        Settings.from_environment(
            {"PARTNERGRAPH_MAX_COST": "5000", "PARTNERGRAPH_RATE_LIMIT_CALLER_MAXIMUM": "1000"}
        )
    with pytest.raises(SettingsError, match="RESTORE_RATE"):
        Settings.from_environment({"PARTNERGRAPH_RATE_LIMIT_PARTNER_RESTORE_RATE": "0"})


async def test_without_rate_limits_the_cost_is_still_told(settings: Settings, world: World) -> None:
    app_settings = replace(settings, rate_limits=RateLimits(enabled=False))
    response = await post(app_settings, CUSTOMERS, {"first": 5}, world.admin("direct"))
    assert response.json()["extensions"]["cost"] == {"requested": 6, "throttle": None}
