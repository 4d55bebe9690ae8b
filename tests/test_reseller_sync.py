"""Distributor bulk sync: upserts by external id, a result per item, nothing half-done, and
nothing at all when nothing changed."""

from __future__ import annotations

import asyncio
from copy import deepcopy
from typing import Any

import pytest
from tortoise.transactions import in_transaction

from auth.viewer import Role
from resolvers import customers, models
from resolvers.customers import Contact
from resolvers.subscriptions import suspend_subscription
from tests.conftest import Api, World
from tests.databases import backend

SYNC = """
mutation Sync($input: SyncResellerDataInput!) {
  syncResellerData(input: $input) {
    results { externalId entityType status id errors { field code } }
    userErrors { field code }
  }
}"""


def customer(number: int, **changes: Any) -> dict[str, Any]:
    return {
        "externalId": f"DIST-C-{number}",
        "companyName": f"Sync Cliente {number} Ltda",
        "domain": f"synccliente{number}.onmicrosoft.com",
        "country": "BR",
        "language": "pt-BR",
        "billingContact": {"name": "Paula Reis", "email": f"contas{number}@example.com"},
        **changes,
    }


def subscription(number: int, customer_number: int, **changes: Any) -> dict[str, Any]:
    return {
        "externalId": f"DIST-S-{number}",
        "customerExternalId": f"DIST-C-{customer_number}",
        "offerId": "CFQ7TTC0LH18:0001",
        "offerName": "Microsoft 365 Business Basic",
        "productFamily": "MICROSOFT_365",
        "quantity": 10,
        "unitPrice": {"amount": "35.00", "currency": "BRL"},
        "unitCost": {"amount": "28.00", "currency": "BRL"},
        "billingCycle": "MONTHLY",
        "termDuration": "P1Y",
        **changes,
    }


PAYLOAD = {
    "customers": [customer(1), customer(2)],
    "subscriptions": [subscription(1, 1), subscription(2, 2, quantity=3)],
}


async def sync(api: Api, token: str, reseller_id: str, payload: dict[str, Any]) -> dict[str, Any]:
    body = await api.data(SYNC, {"input": {"resellerId": reseller_id, **payload}}, token=token)
    return body["syncResellerData"]


def statuses(result: dict[str, Any]) -> list[tuple[str, str]]:
    return [(item["externalId"], item["status"]) for item in result["results"]]


async def test_a_provider_syncs_its_resellers_data_and_a_second_send_changes_nothing(
    api: Api, world: World
) -> None:
    token, reseller = world.admin("provider"), world.partner_id("reseller")
    first = await sync(api, token, reseller, PAYLOAD)
    assert statuses(first) == [
        ("DIST-C-1", "CREATED"),
        ("DIST-C-2", "CREATED"),
        ("DIST-S-1", "CREATED"),
        ("DIST-S-2", "CREATED"),
    ]
    created = await models.Customer.get(external_id="DIST-C-1")
    assert (created.reseller_id, created.partner_id) == (
        world.partners["reseller"].id,
        world.partners["provider"].id,
    )
    events = await models.ChangeEvent.all().count()
    again = await sync(api, token, reseller, PAYLOAD)
    assert {status for _, status in statuses(again)} == {"UNCHANGED"}
    assert [item["id"] for item in again["results"]] == [item["id"] for item in first["results"]]
    assert await models.ChangeEvent.all().count() == events  # no change events for nothing


async def test_changed_items_are_updated_and_only_they(api: Api, world: World) -> None:
    token, reseller = world.admin("provider"), world.partner_id("reseller")
    await sync(api, token, reseller, PAYLOAD)
    changed = deepcopy(PAYLOAD)
    changed["customers"][1]["companyName"] = "Sync Cliente Dois Ltda"
    changed["subscriptions"][0]["quantity"] = 12
    changed["subscriptions"][1]["autoRenew"] = False
    result = await sync(api, token, reseller, changed)
    assert statuses(result) == [
        ("DIST-C-1", "UNCHANGED"),
        ("DIST-C-2", "UPDATED"),
        ("DIST-S-1", "UPDATED"),
        ("DIST-S-2", "UPDATED"),
    ]
    renamed = await models.Customer.get(external_id="DIST-C-2")
    assert (renamed.company_name, renamed.version) == ("Sync Cliente Dois Ltda", 2)
    assert (await models.Subscription.get(external_id="DIST-S-1")).quantity == 12


async def test_invalid_items_fail_alone_and_the_valid_ones_commit(api: Api, world: World) -> None:
    token, reseller = world.admin("provider"), world.partner_id("reseller")
    payload = {
        "customers": [customer(1), customer(2, country="XX", domain="not a domain"), customer(1)],
        "subscriptions": [
            subscription(1, 1),
            subscription(2, 99),  # no such customer
            subscription(3, 1, quantity=0),
        ],
    }
    result = await sync(api, token, reseller, payload)
    assert statuses(result) == [
        ("DIST-C-1", "CREATED"),
        ("DIST-C-2", "FAILED"),
        ("DIST-C-1", "FAILED"),
        ("DIST-S-1", "CREATED"),
        ("DIST-S-2", "FAILED"),
        ("DIST-S-3", "FAILED"),
    ]
    failed = {
        item["externalId"] + str(index): item["errors"]
        for index, item in enumerate(result["results"])
        if item["errors"]
    }
    assert {tuple(error["field"]) for error in failed["DIST-C-21"]} == {
        ("customers", "1", "country"),
        ("customers", "1", "domain"),
    }
    assert failed["DIST-C-12"] == [
        {"field": ["customers", "2", "externalId"], "code": "BAD_USER_INPUT"}
    ]
    assert failed["DIST-S-24"] == [
        {"field": ["subscriptions", "1", "customerExternalId"], "code": "NOT_FOUND"}
    ]
    assert failed["DIST-S-35"][0]["field"] == ["subscriptions", "2", "quantity"]
    assert await models.Customer.filter(external_id__startswith="DIST-C").count() == 1
    assert await models.Subscription.filter(external_id__startswith="DIST-S").count() == 1


async def test_a_new_offer_or_price_is_refused_for_an_existing_subscription(
    api: Api, world: World
) -> None:
    token, reseller = world.admin("provider"), world.partner_id("reseller")
    await sync(api, token, reseller, PAYLOAD)
    changed = {
        "subscriptions": [
            subscription(
                1, 1, offerId="OTHER:0001", unitPrice={"amount": "40.00", "currency": "BRL"}
            )
        ]
    }
    result = await sync(api, token, reseller, changed)
    assert statuses(result) == [("DIST-S-1", "FAILED")]
    assert {tuple(error["field"]) for error in result["results"][0]["errors"]} == {
        ("subscriptions", "0", "offerId"),
        ("subscriptions", "0", "unitPrice"),
    }


async def test_a_reseller_syncs_only_its_own_data(api: Api, world: World) -> None:
    own = await sync(api, world.admin("reseller"), world.partner_id("reseller"), PAYLOAD)
    assert {status for _, status in statuses(own)} == {"CREATED"}
    for token, target in (
        (world.admin("reseller"), world.partner_id("reseller2")),  # another reseller
        (world.admin("provider"), world.partner_id("direct")),  # not a reseller
        (world.admin("direct"), world.partner_id("reseller")),  # another tenant's
    ):
        refused = await sync(api, token, target, PAYLOAD)
        assert refused["results"] is None
        assert refused["userErrors"] == [{"field": ["resellerId"], "code": "NOT_FOUND"}]
    forbidden = await api.gql(
        SYNC,
        {"input": {"resellerId": world.partner_id("reseller"), **PAYLOAD}},
        token=world.token("provider", Role.HELPDESK_AGENT),
    )
    assert forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_call_holds_at_most_a_thousand_items(api: Api, world: World) -> None:
    payload = {"customers": [customer(number) for number in range(1001)]}
    result = await sync(api, world.admin("provider"), world.partner_id("reseller"), payload)
    assert result["userErrors"] == [{"field": ["customers"], "code": "BAD_USER_INPUT"}]
    assert await models.Customer.filter(external_id__startswith="DIST-C").count() == 0


async def test_an_item_needs_its_external_id(api: Api, world: World) -> None:
    payload = {
        "customers": [customer(1, externalId="  ")],
        "subscriptions": [subscription(1, 1, externalId="")],
    }
    result = await sync(api, world.admin("provider"), world.partner_id("reseller"), payload)
    assert [item["errors"] for item in result["results"]] == [
        [{"field": ["customers", "0", "externalId"], "code": "BAD_USER_INPUT"}],
        [{"field": ["subscriptions", "0", "externalId"], "code": "BAD_USER_INPUT"}],
    ]


async def test_a_suspended_subscription_is_left_as_partnergraph_decided_and_says_so(
    api: Api, world: World
) -> None:
    token, reseller = world.admin("provider"), world.partner_id("reseller")
    await sync(api, token, reseller, PAYLOAD)
    stored = await models.Subscription.get(external_id="DIST-S-1")
    await suspend_subscription(
        await world.actor("provider"),
        subscription_id=stored.id,
        reason=models.SuspensionReason.NON_PAYMENT,
    )
    again = await sync(api, token, reseller, PAYLOAD)  # says autoRenew true, quantity 10
    assert ("DIST-S-1", "UNCHANGED") in statuses(again)
    # a new quantity can't be applied while it is suspended: the item says so
    more = {"subscriptions": [subscription(1, 1, quantity=12)]}
    (refused,) = (await sync(api, token, reseller, more))["results"]
    assert (refused["status"], refused["errors"]) == (
        "FAILED",
        [{"field": ["subscriptions", "0", "externalId"], "code": "INVALID_STATE_TRANSITION"}],
    )
    after = await models.Subscription.get(id=stored.id)
    assert (after.status, after.quantity) == (models.SubscriptionStatus.SUSPENDED, 10)


@pytest.mark.skipif(backend() != "postgres", reason="concurrent transactions are PostgreSQL's")
async def test_an_item_another_sync_creates_meanwhile_is_upserted_not_failed(
    api: Api, world: World
) -> None:
    """Two overlapping sends of the same items (a client's retry after a timeout): the
    second finds the first's customer once it commits, and reports it unchanged."""
    token, reseller = world.admin("provider"), world.partner_id("reseller")
    item = customer(1)
    inserted = asyncio.Event()

    async def first_send_in_progress() -> None:
        async with in_transaction():
            await customers.create_customer(
                await world.actor("provider"),
                company_name=item["companyName"],
                domain=item["domain"],
                country=item["country"],
                language=item["language"],
                billing_contact=Contact(**item["billingContact"]),
                external_id=item["externalId"],
                reseller_id=world.partners["reseller"].id,
            )
            inserted.set()
            await asyncio.sleep(0.3)  # the second send reads, then waits on the insert

    first = asyncio.create_task(first_send_in_progress())
    await inserted.wait()
    second = await sync(api, token, reseller, {"customers": [item]})
    await first
    assert statuses(second) == [("DIST-C-1", "UNCHANGED")]
    assert await models.Customer.filter(external_id="DIST-C-1").count() == 1
