"""The change feed: every visible change once, in order, resumable, and never skipping one
that committed late."""

from __future__ import annotations

import asyncio
import random
from typing import Any

from tortoise.transactions import in_transaction

from auth.viewer import Role
from resolvers import models
from resolvers.audit import record_change
from resolvers.changes import list_changes
from tests.conftest import Api, World
from tests.databases import backend

FEED = """
query Feed($after: String, $first: Int, $types: [String!]) {
  changes(after: $after, first: $first, filter: {entityTypes: $types}) {
    nodes { entityType entityId operation version cursor }
    pageInfo { hasNextPage endCursor }
  }
}"""


async def read_all(
    api: Api, token: str, after: str | None = None, **variables: Any
) -> tuple[list[dict[str, Any]], str | None]:
    """Every change after `after`, page by page; and the cursor to go on from."""
    seen: list[dict[str, Any]] = []
    while True:
        body = await api.data(FEED, {"after": after, "first": 3, **variables}, token=token)
        feed = body["changes"]
        seen += feed["nodes"]
        after = feed["pageInfo"]["endCursor"]
        if not feed["pageInfo"]["hasNextPage"]:
            return seen, after


async def test_the_feed_has_every_change_of_the_tenant_in_order(api: Api, world: World) -> None:
    token = world.admin("direct")
    seen, cursor = await read_all(api, token)
    customers = [node for node in seen if node["entityType"] == "Customer"]
    assert [node["entityId"] for node in customers] == [
        world.customer_id("direct", 0),
        world.customer_id("direct", 1),
    ]
    assert {node["operation"] for node in customers} == {"CREATED"}
    update = """mutation($id: ID!) { updateCustomer(input: {id: $id, expectedVersion: 1, companyName: "Alpha Renamed"}) { userErrors { code } } }"""
    await api.data(update, {"id": world.customer_id("direct")}, token=token)
    later, _ = await read_all(api, token, cursor)
    assert [(node["entityType"], node["operation"], node["version"]) for node in later] == [
        ("Customer", "UPDATED", 2)
    ]
    assert later[0]["entityId"] == world.customer_id("direct")


async def test_other_tenants_and_other_resellers_changes_are_not_in_the_feed(
    api: Api, world: World
) -> None:
    mine, _ = await read_all(api, world.admin("reseller"))
    ids = {node["entityId"] for node in mine if node["entityType"] == "Customer"}
    assert ids == {world.customer_id("reseller", 0), world.customer_id("reseller", 1)}
    provider, _ = await read_all(api, world.admin("provider"))
    provider_ids = {node["entityId"] for node in provider if node["entityType"] == "Customer"}
    assert provider_ids == {
        world.customer_id("provider"),
        world.customer_id("reseller", 0),
        world.customer_id("reseller", 1),
        world.customer_id("reseller2"),
    }


async def test_each_role_reads_only_the_kinds_of_object_it_may_read(api: Api, world: World) -> None:
    await world.add_invoice("direct")
    kinds = {}
    for role in (Role.SALES_AGENT, Role.USER_MANAGEMENT_ADMIN, Role.ACCOUNT_ADMIN):
        seen, _ = await read_all(api, world.token("direct", role))
        kinds[role] = {node["entityType"] for node in seen}
    assert kinds[Role.SALES_AGENT] >= {"Customer", "Invoice"}
    assert "User" not in kinds[Role.SALES_AGENT]
    assert "Invoice" in kinds[Role.USER_MANAGEMENT_ADMIN]
    assert kinds[Role.ACCOUNT_ADMIN] <= {"User", "SupportOffering"}
    refused = await api.gql(FEED, {"first": 3}, token=world.token("direct"))  # no known role
    assert refused["data"] is None or refused["data"]["changes"] is None
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_billing_admin_reads_only_billing_tickets_changes(api: Api, world: World) -> None:
    from tests.test_tickets import open_ticket, ticket_input

    admin = world.admin("direct")
    technical = (await open_ticket(api, admin, ticket_input(world)))["ticket"]["id"]
    billing = (await open_ticket(api, admin, ticket_input(world, category="BILLING")))["ticket"][
        "id"
    ]
    seen, _ = await read_all(api, world.token("direct", Role.BILLING_ADMIN), types=["Ticket"])
    assert [node["entityId"] for node in seen] == [billing]
    everything, _ = await read_all(api, admin, types=["Ticket"])
    assert [node["entityId"] for node in everything] == [technical, billing]


async def test_the_feed_filters_by_type_and_refuses_unknown_types(api: Api, world: World) -> None:
    await world.add_subscription("direct")
    token = world.admin("direct")
    only, _ = await read_all(api, token, types=["Subscription"])
    assert {node["entityType"] for node in only} == {"Subscription"}
    body = await api.gql(FEED, {"types": ["Spaceship"]}, token=token)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_concurrent_writers_and_a_polling_reader_see_every_change_once_in_order(
    world: World,
) -> None:
    """Writers whose transactions commit in another order than they took their ids; the
    reader follows the feed all along and must see each change exactly once."""
    actor = await world.actor("direct")
    customer = world.customers["direct"][0]
    viewer = actor.viewer
    written: list[int] = []

    async def writer(number: int) -> None:
        rng = random.Random(number)
        for _ in range(10):
            async with in_transaction():
                await record_change(
                    actor,
                    action="customer.updated",
                    row=customer,
                    fields=(),
                    owner=(customer.partner_id, None),
                    before={},
                )
                await asyncio.sleep(
                    rng.uniform(0, 0.01)
                )  # commit late, after others took later ids
            written.append(number)

    baseline = await list_changes(viewer, after=None, first=1000)
    position = baseline.changes[-1].position if baseline.changes else None
    seen: list[int] = []
    writers = asyncio.gather(*(writer(number) for number in range(6)))
    while True:
        # whether the writers had all committed before this page was read: a commit made
        # while it was read shows only on the next page
        finished = writers.done()
        page = await list_changes(viewer, after=position, first=7)
        for change in page.changes:
            assert position is None or change.position > position
            position = change.position
            seen.append(change.position)
        if finished and not page.has_next_page and not page.changes:
            break
        await asyncio.sleep(0.002)
    await writers
    assert len(written) == 60
    touched = await models.ChangeEvent.filter(
        partner_id=customer.partner_id, position__in=seen
    ).count()
    assert len(seen) == len(set(seen)) == touched == 60
    assert seen == sorted(seen)
    if backend() == "postgres":
        # the case the positions are for did happen: some change took its id before another
        # that committed (and was numbered) first
        rows = await models.ChangeEvent.filter(position__in=seen).order_by("position")
        ids = [row.id for row in rows]
        assert ids != sorted(ids)
