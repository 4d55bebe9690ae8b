"""Subscriptions: reading them, and Partner Center's new-commerce rules for changing them."""

from __future__ import annotations

import asyncio
from collections import namedtuple
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from auth.viewer import Role
from resolvers import models, subscriptions
from schema.customers import Customer
from schema.nodes import to_global_id
from schema.pagination import encode_cursor
from schema.partners import Partner
from schema.subscriptions import SUBSCRIPTION_COLUMNS, Subscription
from tests.conftest import Api, Clock, World, counting_statements, run_cli

CREATE = """
mutation($input: CreateSubscriptionInput!) {
  createSubscription(input: $input) {
    subscription {
      id status quantity suspensionReasons autoRenew offerId offerName productFamily
      billingCycle termDuration unitPrice { amount currency } unitCost { amount currency }
      customer { companyName } version
    }
    userErrors { field message code }
  }
}"""
READ = """
query($id: ID!) {
  subscription(id: $id) {
    id status quantity suspensionReasons autoRenew version purchasedAt termStartedAt termEndsAt
    cancellationAllowedUntil cancelledAt unitPrice { amount currency }
    parentSubscription { id }
    quantityHistory { quantity effectiveFrom }
  }
}"""
UNIT_COST = "query($id: ID!) { subscription(id: $id) { quantity unitCost { amount } } }"
QUANTITY_AT = "query($id: ID!, $at: DateTime!) { subscription(id: $id) { quantityAt(at: $at) } }"
SUSPEND = """
mutation($input: SuspendSubscriptionInput!) {
  suspendSubscription(input: $input) {
    subscription { id status suspensionReasons autoRenew version }
    userErrors { field code }
  }
}"""
REACTIVATE = """
mutation($input: ReactivateSubscriptionInput!) {
  reactivateSubscription(input: $input) {
    subscription { id status suspensionReasons }
    userErrors { field code }
  }
}"""
CANCEL = """
mutation($input: CancelSubscriptionInput!) {
  cancelSubscription(input: $input) {
    subscription { id status cancelledAt autoRenew }
    userErrors { field code }
  }
}"""
CHANGE_QUANTITY = """
mutation($input: ChangeSubscriptionQuantityInput!) {
  changeSubscriptionQuantity(input: $input) {
    subscription { id quantity version }
    userErrors { field code }
  }
}"""
CUSTOMER_PAGE = """
query($first: Int!) {
  customers(first: $first) {
    nodes {
      companyName
      subscriptions(first: 3) {
        totalCount
        nodes { offerName quantity status unitPrice { amount currency } }
      }
    }
  }
}"""
CUSTOMER_PAGE_WITHOUT_TOTALS = """
query($first: Int!) {
  customers(first: $first) {
    nodes {
      companyName
      subscriptions(first: 3) {
        pageInfo { hasNextPage endCursor }
        edges { cursor node { offerName quantity status unitPrice { amount currency } } }
      }
    }
  }
}"""
NESTED_PAGES = """
query($id: ID!, $first: Int, $after: String, $last: Int, $before: String,
      $status: SubscriptionStatus) {
  customer(id: $id) {
    subscriptions(first: $first, after: $after, last: $last, before: $before, status: $status) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      nodes { quantity }
    }
  }
}"""
LIST = """
query($filter: SubscriptionFilter) {
  subscriptions(first: 100, filter: $filter) { totalCount nodes { quantity customer { companyName } } }
}"""


def order(world: World, owner: str = "direct", **overrides: Any) -> dict[str, Any]:
    return {
        "customerId": world.customer_id(owner),
        "offerId": "CFQ7TTC0LH18:0001",
        "offerName": "Microsoft 365 Business Basic",
        "productFamily": "MICROSOFT_365",
        "quantity": 10,
        "unitPrice": {"amount": "6.5", "currency": "eur"},
        "unitCost": {"amount": "4.8000", "currency": "EUR"},
        "billingCycle": "MONTHLY",
        "termDuration": "P1Y",
        **overrides,
    }


def gid(row: models.Subscription) -> str:
    return to_global_id("Subscription", row.id)


async def test_a_subscription_is_bought_with_money_as_decimal_strings(
    api: Api, world: World
) -> None:
    data = await api.data(CREATE, {"input": order(world)}, token=world.admin("direct"))
    payload = data["createSubscription"]
    assert payload["userErrors"] == []
    subscription = payload["subscription"]
    assert subscription | {"id": None} == {
        "id": None,
        "status": "ACTIVE",
        "quantity": 10,
        "suspensionReasons": [],
        "autoRenew": True,
        "offerId": "CFQ7TTC0LH18:0001",
        "offerName": "Microsoft 365 Business Basic",
        "productFamily": "MICROSOFT_365",
        "billingCycle": "MONTHLY",
        "termDuration": "P1Y",
        "unitPrice": {"amount": "6.50", "currency": "EUR"},
        "unitCost": {"amount": "4.80", "currency": "EUR"},
        "customer": {"companyName": "Alpha Lda"},
        "version": 1,
    }
    read = (await api.data(READ, {"id": subscription["id"]}, token=world.admin("direct")))[
        "subscription"
    ]
    purchased = datetime.fromisoformat(read["purchasedAt"])
    assert read["termStartedAt"] == read["purchasedAt"]
    assert datetime.fromisoformat(read["termEndsAt"]) == purchased.replace(year=purchased.year + 1)
    assert datetime.fromisoformat(read["cancellationAllowedUntil"]) == purchased + timedelta(days=7)
    assert read["quantityHistory"] == [{"quantity": 10, "effectiveFrom": read["purchasedAt"]}]
    assert await models.AuditEvent.filter(action="subscription.created").count() == 1
    assert await models.ChangeEvent.filter(entity_type="Subscription").count() == 1


async def test_prices_keep_their_precision_and_each_currency_its_minor_unit(
    api: Api, world: World
) -> None:
    for price, shown in (
        ({"amount": "0.123400", "currency": "EUR"}, {"amount": "0.1234", "currency": "EUR"}),
        ({"amount": "1500", "currency": "JPY"}, {"amount": "1500", "currency": "JPY"}),
        ({"amount": "12.5", "currency": "KWD"}, {"amount": "12.500", "currency": "KWD"}),
        ({"amount": "0", "currency": "SEK"}, {"amount": "0.00", "currency": "SEK"}),
    ):
        data = await api.data(
            CREATE,
            {"input": order(world, unitPrice=price, unitCost=None)},
            token=world.admin("direct"),
        )
        assert data["createSubscription"]["subscription"]["unitPrice"] == shown


async def test_every_problem_of_an_order_is_reported_at_once(api: Api, world: World) -> None:
    bad = order(
        world,
        offerName=" ",
        quantity=0,
        unitPrice={"amount": "1.1234567", "currency": "EUR"},
        unitCost={"amount": "-1", "currency": "XYZ"},
        termDuration="P2Y",
    )
    data = await api.data(CREATE, {"input": bad}, token=world.admin("direct"))
    payload = data["createSubscription"]
    assert payload["subscription"] is None
    assert [(error["field"], error["code"]) for error in payload["userErrors"]] == [
        (["offerName"], "BAD_USER_INPUT"),
        (["quantity"], "BAD_USER_INPUT"),
        (["unitPrice", "amount"], "BAD_USER_INPUT"),
        (["unitCost", "amount"], "BAD_USER_INPUT"),
        (["unitCost", "currency"], "BAD_USER_INPUT"),
        (["termDuration"], "BAD_USER_INPUT"),
    ]
    mixed = order(
        world,
        unitCost={"amount": "1", "currency": "USD"},
        billingCycle="ANNUAL",
        termDuration="P1M",
    )
    errors = (await api.data(CREATE, {"input": mixed}, token=world.admin("direct")))[
        "createSubscription"
    ]["userErrors"]
    assert [error["field"] for error in errors] == [["billingCycle"], ["unitCost", "currency"]]
    assert not await models.Subscription.exists()


async def test_an_amount_sent_as_a_float_is_refused_before_anything_runs(
    api: Api, world: World
) -> None:
    body = await api.gql(
        CREATE,
        {"input": order(world, unitPrice={"amount": 6.5, "currency": "EUR"})},
        token=world.admin("direct"),
    )
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "decimal strings" in body["errors"][0]["message"]
    assert not await models.Subscription.exists()


async def test_a_subscription_is_bought_only_for_a_customer_you_see(api: Api, world: World) -> None:
    data = await api.data(CREATE, {"input": order(world, "other")}, token=world.admin("direct"))
    assert data["createSubscription"]["userErrors"] == [
        {
            "field": ["customerId"],
            "message": "No customer with this id is visible to you.",
            "code": "NOT_FOUND",
        }
    ]


async def test_a_retried_order_with_one_idempotency_key_buys_once(api: Api, world: World) -> None:
    ordered = {"input": order(world, idempotencyKey="order-7")}
    answers = await asyncio.gather(
        *(api.data(CREATE, ordered, token=world.admin("direct")) for _ in range(4))
    )
    assert len({answer["createSubscription"]["subscription"]["id"] for answer in answers}) == 1
    assert await models.Subscription.all().count() == 1
    assert await models.SubscriptionQuantity.all().count() == 1
    changed = {"input": order(world, idempotencyKey="order-7", quantity=11)}
    data = await api.data(CREATE, changed, token=world.admin("direct"))
    assert data["createSubscription"]["userErrors"][0]["code"] == "IDEMPOTENCY_KEY_REUSED"


@pytest.mark.parametrize(
    ("role", "sees_cost"),
    [
        (Role.GLOBAL_ADMIN, True),
        (Role.BILLING_ADMIN, True),
        (Role.ADMIN_AGENT, True),
        (Role.SALES_AGENT, True),
        (Role.USER_MANAGEMENT_ADMIN, False),
        (Role.HELPDESK_AGENT, False),
    ],
)
async def test_unit_cost_is_shown_only_to_those_who_see_pricing(
    api: Api, world: World, role: Role, sees_cost: bool
) -> None:
    subscription = await world.add_subscription("direct")
    body = await api.gql(UNIT_COST, {"id": gid(subscription)}, token=world.token("direct", role))
    read = body["data"]["subscription"]
    assert read["quantity"] == 10
    if sees_cost:
        assert read["unitCost"] == {"amount": "4.80"}
        assert "errors" not in body
    else:
        assert read["unitCost"] is None
        assert [(error["path"], error["extensions"]["code"]) for error in body["errors"]] == [
            (["subscription", "unitCost"], "FORBIDDEN")
        ]


async def test_suspending_turns_auto_renew_off_and_reasons_accumulate(
    api: Api, world: World
) -> None:
    subscription = await world.add_subscription("direct")
    token = world.token("direct", Role.BILLING_ADMIN)
    first = await api.data(
        SUSPEND, {"input": {"id": gid(subscription), "reason": "PARTNER_REQUEST"}}, token=token
    )
    assert first["suspendSubscription"] == {
        "subscription": {
            "id": gid(subscription),
            "status": "SUSPENDED",
            "suspensionReasons": ["PARTNER_REQUEST"],
            "autoRenew": False,
            "version": 2,
        },
        "userErrors": [],
    }
    second = await api.data(
        SUSPEND, {"input": {"id": gid(subscription), "reason": "NON_PAYMENT"}}, token=token
    )
    assert second["suspendSubscription"]["subscription"]["suspensionReasons"] == [
        "PARTNER_REQUEST",
        "NON_PAYMENT",
    ]
    again = await api.data(
        SUSPEND, {"input": {"id": gid(subscription), "reason": "NON_PAYMENT"}}, token=token
    )
    assert again["suspendSubscription"]["subscription"]["version"] == 3  # nothing new
    back = await api.data(REACTIVATE, {"input": {"id": gid(subscription)}}, token=token)
    assert back["reactivateSubscription"]["subscription"]["status"] == "ACTIVE"
    assert back["reactivateSubscription"]["subscription"]["suspensionReasons"] == []
    actions = await models.AuditEvent.filter(entity_type="Subscription").values_list(
        "action", flat=True
    )
    assert sorted(actions) == sorted(
        [
            "subscription.created",
            "subscription.suspended",
            "subscription.suspended",
            "subscription.reactivated",
        ]
    )


@pytest.mark.parametrize(
    ("status", "document", "variables"),
    [
        ("ACTIVE", REACTIVATE, {}),
        ("SUSPENDED", CHANGE_QUANTITY, {"quantity": 12}),
        ("DELETED", SUSPEND, {"reason": "FRAUD"}),
        ("DELETED", REACTIVATE, {}),
        ("DELETED", CANCEL, {}),
        ("DELETED", CHANGE_QUANTITY, {"quantity": 12}),
        ("EXPIRED", SUSPEND, {"reason": "FRAUD"}),
        ("EXPIRED", CANCEL, {}),
        ("DISABLED", REACTIVATE, {}),
        ("PENDING", SUSPEND, {"reason": "FRAUD"}),
    ],
)
async def test_a_move_the_status_machine_does_not_have_is_an_invalid_transition(
    api: Api, world: World, status: str, document: str, variables: dict[str, Any]
) -> None:
    subscription = await world.add_subscription("direct")
    reasons = "PARTNER_REQUEST" if status == "SUSPENDED" else ""
    await models.Subscription.filter(id=subscription.id).update(
        status=status, suspension_reasons=reasons
    )
    changes = models.AuditEvent.filter(entity_type="Subscription")
    before = await changes.count()
    body = await api.data(
        document, {"input": {"id": gid(subscription), **variables}}, token=world.admin("direct")
    )
    (payload,) = body.values()
    assert payload == {
        "subscription": None,
        "userErrors": [{"field": ["id"], "code": "INVALID_STATE_TRANSITION"}],
    }
    assert await changes.count() == before


async def test_cancelling_is_possible_until_seven_days_after_the_purchase_and_not_after(
    api: Api, world: World, clock: Clock
) -> None:
    late, in_time = await world.add_subscription("direct"), await world.add_subscription("direct")
    for row in (late, in_time):
        await row.refresh_from_db()
    clock.at(late.term_started_at + timedelta(days=7, microseconds=1))
    refused = await api.data(CANCEL, {"input": {"id": gid(late)}}, token=world.admin("direct"))
    assert refused["cancelSubscription"]["userErrors"] == [
        {"field": ["id"], "code": "CANCELLATION_WINDOW_CLOSED"}
    ]
    clock.at(in_time.term_started_at + timedelta(days=7))
    done = await api.data(CANCEL, {"input": {"id": gid(in_time)}}, token=world.admin("direct"))
    cancelled = done["cancelSubscription"]["subscription"]
    assert cancelled["status"] == "DELETED"
    assert cancelled["autoRenew"] is False
    assert datetime.fromisoformat(cancelled["cancelledAt"]) == clock.moment


async def test_a_renewal_opens_a_new_cancellation_window(
    api: Api, world: World, clock: Clock
) -> None:
    subscription = await world.add_subscription("direct")
    renewed = datetime.now(UTC) + timedelta(days=365)
    await models.Subscription.filter(id=subscription.id).update(term_started_at=renewed)
    clock.at(renewed + timedelta(days=3))
    done = await api.data(CANCEL, {"input": {"id": gid(subscription)}}, token=world.admin("direct"))
    assert done["cancelSubscription"]["subscription"]["status"] == "DELETED"


async def test_licences_are_added_any_time_but_removed_only_within_the_window(
    api: Api, world: World, clock: Clock
) -> None:
    subscription = await world.add_subscription("direct")
    await subscription.refresh_from_db()
    token = world.admin("direct")
    clock.at(subscription.term_started_at + timedelta(days=7))
    fewer = await api.data(
        CHANGE_QUANTITY, {"input": {"id": gid(subscription), "quantity": 8}}, token=token
    )
    assert fewer["changeSubscriptionQuantity"]["subscription"]["quantity"] == 8
    clock.at(subscription.term_started_at + timedelta(days=7, seconds=1))
    refused = await api.data(
        CHANGE_QUANTITY, {"input": {"id": gid(subscription), "quantity": 7}}, token=token
    )
    assert refused["changeSubscriptionQuantity"]["userErrors"] == [
        {"field": ["quantity"], "code": "CANCELLATION_WINDOW_CLOSED"}
    ]
    more = await api.data(
        CHANGE_QUANTITY,
        {"input": {"id": gid(subscription), "quantity": 25, "expectedVersion": 2}},
        token=token,
    )
    assert more["changeSubscriptionQuantity"]["subscription"] == {
        "id": gid(subscription),
        "quantity": 25,
        "version": 3,
    }
    stale = await api.data(
        CHANGE_QUANTITY,
        {"input": {"id": gid(subscription), "quantity": 30, "expectedVersion": 2}},
        token=token,
    )
    assert stale["changeSubscriptionQuantity"]["userErrors"] == [
        {"field": ["expectedVersion"], "code": "VERSION_CONFLICT"}
    ]


async def test_the_quantity_at_any_past_moment_comes_from_the_history(
    api: Api, world: World, clock: Clock
) -> None:
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    clock.at(start)
    subscription = await world.add_subscription("direct", quantity=10)
    actor = await world.actor("direct")
    for days, quantity in ((2, 12), (5, 11), (40, 30)):
        clock.at(start + timedelta(days=days))
        await subscriptions.change_quantity(
            actor, subscription_id=subscription.id, quantity=quantity
        )
    token = world.admin("direct")
    expected = {
        start - timedelta(seconds=1): None,
        start: 10,
        start + timedelta(days=2) - timedelta(microseconds=1): 10,
        start + timedelta(days=2): 12,
        start + timedelta(days=20): 11,
        start + timedelta(days=400): 30,
    }
    for moment, quantity in expected.items():
        data = await api.data(
            QUANTITY_AT, {"id": gid(subscription), "at": moment.isoformat()}, token=token
        )
        assert data["subscription"]["quantityAt"] == quantity, moment
    in_lisbon_summer = (start + timedelta(days=3)).astimezone(
        datetime.fromisoformat("2026-03-04T10:00:00+01:00").tzinfo
    )
    data = await api.data(
        QUANTITY_AT, {"id": gid(subscription), "at": in_lisbon_summer.isoformat()}, token=token
    )
    assert data["subscription"]["quantityAt"] == 12


async def test_reactivation_is_possible_only_before_the_term_ends(
    api: Api, world: World, clock: Clock
) -> None:
    subscription = await world.add_subscription("direct", term_duration="P1M")
    actor = await world.actor("direct")
    await subscriptions.suspend_subscription(
        actor, subscription_id=subscription.id, reason=models.SuspensionReason.NON_PAYMENT
    )
    await subscription.refresh_from_db()
    clock.at(subscription.term_ends_at)
    refused = await api.data(
        REACTIVATE, {"input": {"id": gid(subscription)}}, token=world.admin("direct")
    )
    assert refused["reactivateSubscription"]["userErrors"] == [
        {"field": ["id"], "code": "INVALID_STATE_TRANSITION"}
    ]
    clock.at(subscription.term_ends_at - timedelta(microseconds=1))
    done = await api.data(
        REACTIVATE, {"input": {"id": gid(subscription)}}, token=world.admin("direct")
    )
    assert done["reactivateSubscription"]["subscription"]["status"] == "ACTIVE"


async def test_add_ons_follow_their_base_and_keep_their_own_reasons(api: Api, world: World) -> None:
    base = await world.add_subscription("direct")
    own, plain = (
        await world.add_subscription("direct", parent_id=base.id, offer_name="Teams Phone"),
        await world.add_subscription("direct", parent_id=base.id, offer_name="Audio Conferencing"),
    )
    actor = await world.actor("direct")
    await subscriptions.suspend_subscription(
        actor, subscription_id=own.id, reason=models.SuspensionReason.FRAUD
    )
    token = world.admin("direct")

    async def state(row: models.Subscription) -> tuple[str, list[str]]:
        read = (await api.data(READ, {"id": gid(row)}, token=token))["subscription"]
        return read["status"], read["suspensionReasons"]

    await api.data(SUSPEND, {"input": {"id": gid(base), "reason": "NON_PAYMENT"}}, token=token)
    assert await state(plain) == ("SUSPENDED", ["NON_PAYMENT"])
    assert await state(own) == ("SUSPENDED", ["FRAUD", "NON_PAYMENT"])
    early = await api.data(REACTIVATE, {"input": {"id": gid(plain)}}, token=token)
    assert early["reactivateSubscription"]["userErrors"] == [
        {"field": ["id"], "code": "INVALID_STATE_TRANSITION"}
    ]
    await api.data(REACTIVATE, {"input": {"id": gid(base)}}, token=token)
    assert await state(plain) == ("ACTIVE", [])
    assert await state(own) == ("SUSPENDED", ["FRAUD"])
    read = (await api.data(READ, {"id": gid(plain)}, token=token))["subscription"]
    assert read["parentSubscription"] == {"id": gid(base)}
    await api.data(CANCEL, {"input": {"id": gid(base)}}, token=token)
    assert await state(plain) == ("DELETED", [])
    assert await state(own) == ("DELETED", [])


async def test_an_add_on_keeps_a_reason_of_its_own_that_its_base_had_too(
    api: Api, world: World
) -> None:
    base = await world.add_subscription("direct")
    add_on = await world.add_subscription("direct", parent_id=base.id, offer_name="Teams Phone")
    later = await world.add_subscription("direct", parent_id=base.id, offer_name="Rooms")
    token, fraud = world.admin("direct"), models.SuspensionReason.FRAUD
    await subscriptions.suspend_subscription(
        await world.actor("direct"), subscription_id=add_on.id, reason=fraud
    )

    async def reasons() -> list[tuple[str, str]]:
        rows = [await models.Subscription.get(id=row.id) for row in (add_on, later)]
        return [(row.status.value, row.suspension_reasons) for row in rows]

    await api.data(SUSPEND, {"input": {"id": gid(base), "reason": "FRAUD"}}, token=token)
    await api.data(SUSPEND, {"input": {"id": gid(base), "reason": "PARTNER_REQUEST"}}, token=token)
    assert await reasons() == [
        ("SUSPENDED", "FRAUD,PARTNER_REQUEST"),
        ("SUSPENDED", "FRAUD,PARTNER_REQUEST"),
    ]
    # the second add-on is suspended for fraud itself too, after its base passed fraud on
    await api.data(SUSPEND, {"input": {"id": gid(later), "reason": "FRAUD"}}, token=token)
    await api.data(REACTIVATE, {"input": {"id": gid(base)}}, token=token)
    assert await reasons() == [("SUSPENDED", "FRAUD"), ("SUSPENDED", "FRAUD")]
    audit = await models.AuditEvent.filter(entity_id=later.id, entity_type="Subscription")
    assert audit[-1].after["inheritedReasons"] == ""  # what was passed on is gone


async def test_an_add_on_needs_an_active_base_of_the_same_customer(api: Api, world: World) -> None:
    base = await world.add_subscription("direct")
    other_customer = order(world, customerId=world.customer_id("direct", 1))
    for given, code in (
        ({**other_customer, "parentSubscriptionId": gid(base)}, "BAD_USER_INPUT"),
        (order(world, parentSubscriptionId=to_global_id("Subscription", 999)), "NOT_FOUND"),
    ):
        data = await api.data(CREATE, {"input": given}, token=world.admin("direct"))
        assert data["createSubscription"]["userErrors"] == [
            {
                "field": ["parentSubscriptionId"],
                "message": data["createSubscription"]["userErrors"][0]["message"],
                "code": code,
            }
        ]


async def test_another_tenants_subscription_is_not_found_to_read_or_to_change(
    api: Api, world: World
) -> None:
    theirs = await world.add_subscription("other")
    token = world.admin("direct")
    body = await api.gql(READ, {"id": gid(theirs)}, token=token)
    assert body["data"]["subscription"] is None
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    for document, extra in ((SUSPEND, {"reason": "FRAUD"}), (CANCEL, {}), (REACTIVATE, {})):
        data = await api.data(document, {"input": {"id": gid(theirs), **extra}}, token=token)
        (payload,) = data.values()
        assert payload["userErrors"] == [{"field": ["id"], "code": "NOT_FOUND"}]
    listed = await api.data(LIST, token=token)
    assert listed["subscriptions"]["totalCount"] == 0
    node = await api.gql(
        "query($id: ID!) { node(id: $id) { id } }", {"id": gid(theirs)}, token=token
    )
    assert node["data"]["node"] is None


async def test_resellers_see_their_own_and_their_provider_sees_all_of_them(
    api: Api, world: World
) -> None:
    await world.add_subscription("reseller", 0, quantity=1)
    await world.add_subscription("reseller", 1, quantity=2)
    await world.add_subscription("reseller2", 0, quantity=3)
    await world.add_subscription("provider", 0, quantity=4)
    seen = {}
    for partner in ("reseller", "reseller2", "provider", "direct"):
        data = await api.data(LIST, token=world.admin(partner))
        seen[partner] = sorted(node["quantity"] for node in data["subscriptions"]["nodes"])
    assert seen == {"reseller": [1, 2], "reseller2": [3], "provider": [1, 2, 3, 4], "direct": []}
    by_reseller = await api.data(
        LIST,
        {"filter": {"resellerId": world.partner_id("reseller2")}},
        token=world.admin("provider"),
    )
    assert [node["quantity"] for node in by_reseller["subscriptions"]["nodes"]] == [3]


async def test_the_list_filters_by_customer_status_and_product_family(
    api: Api, world: World
) -> None:
    await world.add_subscription("direct", 0, quantity=1)
    azure = await world.add_subscription(
        "direct", 1, quantity=2, product_family=models.ProductFamily.AZURE
    )
    await subscriptions.suspend_subscription(
        await world.actor("direct"),
        subscription_id=azure.id,
        reason=models.SuspensionReason.PARTNER_REQUEST,
    )
    token = world.admin("direct")
    for criteria, quantities in (
        ({"customerId": world.customer_id("direct", 0)}, [1]),
        ({"status": "SUSPENDED"}, [2]),
        ({"productFamily": "MICROSOFT_365"}, [1]),
        ({"productFamily": "AZURE", "status": "ACTIVE"}, []),
    ):
        data = await api.data(LIST, {"filter": criteria}, token=token)
        assert [node["quantity"] for node in data["subscriptions"]["nodes"]] == quantities


async def test_a_customers_subscriptions_page_forwards_and_backwards(
    api: Api, world: World
) -> None:
    for quantity in range(1, 6):
        await world.add_subscription("direct", 0, quantity=quantity)
    await world.add_subscription("direct", 1, quantity=99)
    token = world.admin("direct")
    customer = world.customer_id("direct", 0)

    async def page(**arguments: Any) -> dict[str, Any]:
        data = await api.data(NESTED_PAGES, {"id": customer, **arguments}, token=token)
        return data["customer"]["subscriptions"]

    first = await page(first=2)
    assert [node["quantity"] for node in first["nodes"]] == [1, 2]
    assert first["totalCount"] == 5
    assert first["pageInfo"]["hasNextPage"] is True
    second = await page(first=2, after=first["pageInfo"]["endCursor"])
    assert [node["quantity"] for node in second["nodes"]] == [3, 4]
    assert second["pageInfo"]["hasPreviousPage"] is True
    last = await page(last=2)
    assert [node["quantity"] for node in last["nodes"]] == [4, 5]
    assert last["pageInfo"]["hasPreviousPage"] is True
    before = await page(last=2, before=last["pageInfo"]["startCursor"])
    assert [node["quantity"] for node in before["nodes"]] == [2, 3]
    past_the_end = await page(first=2, after=(await page(last=1))["pageInfo"]["endCursor"])
    assert past_the_end["nodes"] == []
    assert past_the_end["totalCount"] == 5
    assert (await page(status="SUSPENDED"))["totalCount"] == 0
    body = await api.gql(NESTED_PAGES, {"id": customer, "first": 101}, token=token)
    assert body["data"]["customer"]["subscriptions"] is None
    assert body["errors"][0]["path"] == ["customer", "subscriptions"]
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize("document", [CUSTOMER_PAGE, CUSTOMER_PAGE_WITHOUT_TOTALS])
async def test_a_page_of_customers_with_their_subscriptions_costs_the_same_statements_at_any_size(
    api: Api, world: World, document: str
) -> None:
    for number in range(12):
        await world.add_customer("direct", f"Extra {number}")
        for _ in range(4):
            await world.add_subscription("direct", len(world.customers["direct"]) - 1)
    token = world.admin("direct")
    await api.data(document, {"first": 1}, token=token)  # the directory entry is made once
    counts = {}
    for size in (2, 14):
        with counting_statements() as statements:
            data = await api.data(document, {"first": size}, token=token)
        nodes = data["customers"]["nodes"]
        shown = [
            len(node["subscriptions"]["edges" if "edges" in document else "nodes"])
            for node in nodes
        ]
        assert shown == [0, 0, *[3] * (size - 2)]
        counts[size] = len(statements)
    # the directory entry, the page of customers, one page of subscriptions for all of them
    assert counts == {2: 3, 14: 3}
    (page_of_subscriptions,) = [text for text in statements if "FROM subscriptions" in text]
    assert "offer_name" in page_of_subscriptions
    if "totalCount" not in document:  # built by a compiled shape: only the columns it reads
        for unread in ("term_ends_at", "unit_cost", "offer_id"):
            assert unread not in page_of_subscriptions


SAMPLES: dict[str, Any] = {
    "id": 7,
    "customer_id": 3,
    "parent_id": None,
    "provider_id": None,
    "reseller_id": 2,
    "unit_price": Decimal("6.5"),
    "unit_cost": Decimal("4.8"),
    "currency": "EUR",
    "suspension_reasons": "FRAUD,NON_PAYMENT",
    "term_started_at": datetime(2026, 3, 1, tzinfo=UTC),
    "billing_contact_name": "Ana Silva",
    "billing_contact_email": "ana@example.com",
    "billing_contact_phone": None,
}


@pytest.mark.parametrize("object_type", [Subscription, Customer, Partner])
def test_a_field_made_from_a_row_reads_only_the_columns_it_declares(object_type: Any) -> None:
    """A compiled shape loads only the declared columns: reading another would fail there."""
    for name, read in object_type.READS.items():
        row = namedtuple("Row", read.columns)(*(SAMPLES[column] for column in read.columns))
        assert read.value(row) is not None or name in ("parent_pk", "provider_pk"), name


def test_the_columns_of_a_field_are_its_own_or_declared_and_unknown_otherwise() -> None:
    assert SUBSCRIPTION_COLUMNS.type_name == "Subscription"
    assert SUBSCRIPTION_COLUMNS.of("offer_name") == ("offer_name",)
    assert SUBSCRIPTION_COLUMNS.of("unit_price") == ("unit_price", "currency")
    assert SUBSCRIPTION_COLUMNS.of("customer_pk") == ("customer_id",)
    assert SUBSCRIPTION_COLUMNS.of("quantity_at") is None  # no column: the shape reads all


async def test_lifting_one_reason_of_a_base_lifts_it_from_its_add_ons_and_keeps_the_others(
    api: Api, world: World
) -> None:
    base = await world.add_subscription("direct")
    add_on = await world.add_subscription("direct", parent_id=base.id, offer_name="Teams Phone")
    actor = await world.actor("direct")
    for reason in (models.SuspensionReason.NON_PAYMENT, models.SuspensionReason.FRAUD):
        await subscriptions.suspend_subscription(actor, subscription_id=base.id, reason=reason)
    await subscriptions.lift_suspension(
        actor, subscription_id=base.id, reasons=[models.SuspensionReason.NON_PAYMENT]
    )
    for row in (base, add_on):
        await row.refresh_from_db()
        assert (row.status, row.suspension_reasons) == ("SUSPENDED", "FRAUD")
    await api.data(REACTIVATE, {"input": {"id": gid(base)}}, token=world.admin("direct"))
    for row in (base, add_on):
        await row.refresh_from_db()
        assert (row.status, row.suspension_reasons) == ("ACTIVE", "")


async def test_a_cancelled_subscription_has_no_licences_from_then_on(
    api: Api, world: World, clock: Clock
) -> None:
    start = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
    clock.at(start)
    subscription = await world.add_subscription("direct", quantity=10)
    clock.at(start + timedelta(days=2))
    await api.data(CANCEL, {"input": {"id": gid(subscription)}}, token=world.admin("direct"))
    read = await api.data(READ, {"id": gid(subscription)}, token=world.admin("direct"))
    assert read["subscription"]["quantity"] == 10  # what was bought, as Partner Center keeps it
    assert [change["quantity"] for change in read["subscription"]["quantityHistory"]] == [10, 0]
    for moment, quantity in ((start + timedelta(days=1), 10), (start + timedelta(days=3), 0)):
        data = await api.data(
            QUANTITY_AT,
            {"id": gid(subscription), "at": moment.isoformat()},
            token=world.admin("direct"),
        )
        assert data["subscription"]["quantityAt"] == quantity


TWO_CHANGES = """
mutation($id: ID!) {
  first: changeSubscriptionQuantity(input: {id: $id, quantity: 12}) {
    subscription { quantity quantityHistory { quantity } }
  }
  second: changeSubscriptionQuantity(input: {id: $id, quantity: 15}) {
    subscription { quantity quantityHistory { quantity } }
  }
}"""


async def test_each_mutation_of_a_request_reads_what_the_previous_one_wrote(
    api: Api, world: World
) -> None:
    subscription = await world.add_subscription("direct", quantity=10)
    data = await api.data(TWO_CHANGES, {"id": gid(subscription)}, token=world.admin("direct"))
    assert data["first"]["subscription"]["quantityHistory"] == [{"quantity": 10}, {"quantity": 12}]
    assert data["second"]["subscription"] == {
        "quantity": 15,
        "quantityHistory": [{"quantity": 10}, {"quantity": 12}, {"quantity": 15}],
    }


AUTO_RENEW = """
mutation($input: SetSubscriptionAutoRenewInput!) {
  setSubscriptionAutoRenew(input: $input) {
    subscription { autoRenew version }
    userErrors { field code }
  }
}"""


async def test_auto_renew_turned_off_by_a_suspension_is_turned_on_again_once_active(
    api: Api, world: World
) -> None:
    subscription = await world.add_subscription("direct")
    token = world.admin("direct")
    await api.data(SUSPEND, {"input": {"id": gid(subscription), "reason": "FRAUD"}}, token=token)
    refused = await api.data(
        AUTO_RENEW, {"input": {"id": gid(subscription), "autoRenew": True}}, token=token
    )
    assert refused["setSubscriptionAutoRenew"]["userErrors"] == [
        {"field": ["id"], "code": "INVALID_STATE_TRANSITION"}
    ]
    await api.data(REACTIVATE, {"input": {"id": gid(subscription)}}, token=token)
    on = await api.data(
        AUTO_RENEW,
        {"input": {"id": gid(subscription), "autoRenew": True, "expectedVersion": 3}},
        token=token,
    )
    assert on["setSubscriptionAutoRenew"] == {
        "subscription": {"autoRenew": True, "version": 4},
        "userErrors": [],
    }


async def test_changes_racing_on_one_subscription_apply_one_after_the_other(
    api: Api, world: World
) -> None:
    """On PostgreSQL the row is locked for the change: a suspension and a cancellation sent
    at once both apply, in some order, and the history of versions has no gap."""
    subscription = await world.add_subscription("direct")
    token = world.admin("direct")
    answers = await asyncio.gather(
        api.data(SUSPEND, {"input": {"id": gid(subscription), "reason": "FRAUD"}}, token=token),
        api.data(CANCEL, {"input": {"id": gid(subscription)}}, token=token),
        api.data(
            CHANGE_QUANTITY, {"input": {"id": gid(subscription), "quantity": 30}}, token=token
        ),
    )
    await subscription.refresh_from_db()
    applied = [answer for answer in answers if not next(iter(answer.values()))["userErrors"]]
    assert subscription.version == 1 + len(applied)
    versions = await models.ChangeEvent.filter(
        entity_type="Subscription", entity_id=subscription.id
    ).values_list("version", flat=True)
    assert sorted(versions) == list(range(1, subscription.version + 1))
    # cancelling is possible whatever came first (active or suspended, within the window)
    assert any("cancelSubscription" in answer for answer in applied)
    assert subscription.status == "DELETED"


async def test_at_the_end_of_its_term_a_subscription_renews_expires_or_is_disabled(
    api: Api, world: World, clock: Clock
) -> None:
    start = datetime(2026, 1, 31, 10, 0, tzinfo=UTC)
    clock.at(start)
    renewing = await world.add_subscription("direct", term_duration="P1M")
    expiring = await world.add_subscription("direct", term_duration="P1M", auto_renew=False)
    suspended = await world.add_subscription("direct", term_duration="P1M")
    still_running = await world.add_subscription("direct", term_duration="P1Y")
    actor = await world.actor("direct")
    await subscriptions.suspend_subscription(
        actor, subscription_id=suspended.id, reason=models.SuspensionReason.NON_PAYMENT
    )
    february_end = datetime(2026, 2, 28, 10, 0, tzinfo=UTC)  # January 31st plus a month
    ended = await subscriptions.end_terms(february_end)
    assert ended == {"renewed": 1, "expired": 1, "disabled": 1}
    assert await subscriptions.end_terms(february_end) == {}  # nothing is due twice
    for row in (renewing, expiring, suspended, still_running):
        await row.refresh_from_db()
    assert (renewing.status, renewing.term_started_at, renewing.term_ends_at) == (
        "ACTIVE",
        february_end,
        datetime(2026, 3, 31, 10, 0, tzinfo=UTC),  # the 31st again: terms count from purchase
    )
    renewal = await models.AuditEvent.get(action="subscription.renewed", entity_id=renewing.id)
    assert (renewal.before["termStartedAt"], renewal.after["termStartedAt"]) == (
        start.isoformat(),
        february_end.isoformat(),
    )
    assert expiring.status == "EXPIRED"
    assert (suspended.status, suspended.suspension_reasons) == ("DISABLED", "NON_PAYMENT")
    assert (still_running.status, still_running.version) == ("ACTIVE", 1)
    token = world.admin("direct")
    clock.at(february_end + timedelta(days=3))  # within the renewed term's cancellation window
    cancelled = await api.data(CANCEL, {"input": {"id": gid(renewing)}}, token=token)
    assert cancelled["cancelSubscription"]["subscription"]["status"] == "DELETED"
    refused = await api.data(REACTIVATE, {"input": {"id": gid(suspended)}}, token=token)
    assert refused["reactivateSubscription"]["userErrors"][0]["code"] == "INVALID_STATE_TRANSITION"
    audit = await models.AuditEvent.filter(actor_sub="partnergraph").values_list(
        "action", flat=True
    )
    assert sorted(audit) == [
        "subscription.disabled",
        "subscription.expired",
        "subscription.renewed",
    ]


async def test_a_change_after_a_term_ended_applies_to_the_subscription_as_it_is_now(
    api: Api, world: World, clock: Clock
) -> None:
    """Before `end-terms` has run: a subscription that renewed may be cancelled in its new
    window, and one that expired may no longer be suspended."""
    start = datetime(2026, 1, 31, 10, 0, tzinfo=UTC)
    clock.at(start)
    renewing = await world.add_subscription("direct", term_duration="P1M")
    expiring = await world.add_subscription("direct", term_duration="P1M", auto_renew=False)
    suspended = await world.add_subscription("direct", term_duration="P1M")
    await subscriptions.suspend_subscription(
        await world.actor("direct"),
        subscription_id=suspended.id,
        reason=models.SuspensionReason.PARTNER_REQUEST,
    )
    clock.at(datetime(2026, 2, 28, 15, 0, tzinfo=UTC))  # 5 hours after the terms ended
    token = world.admin("direct")
    cancelled = await api.data(CANCEL, {"input": {"id": gid(renewing)}}, token=token)
    assert cancelled["cancelSubscription"]["userErrors"] == []
    assert cancelled["cancelSubscription"]["subscription"]["status"] == "DELETED"
    actions = await models.AuditEvent.filter(entity_id=renewing.id).order_by("id")
    assert [event.action for event in actions][-2:] == [
        "subscription.renewed",
        "subscription.cancelled",
    ]
    suspend = """mutation($id: ID!) { suspendSubscription(input: {id: $id, reason: NON_PAYMENT}) {
        userErrors { code } } }"""
    refused = await api.data(suspend, {"id": gid(expiring)}, token=token)
    assert refused["suspendSubscription"]["userErrors"] == [{"code": "INVALID_STATE_TRANSITION"}]
    reactivate = (
        "mutation($id: ID!) { reactivateSubscription(input: {id: $id}) { userErrors { message } } }"
    )
    told = await api.data(reactivate, {"id": gid(suspended)}, token=token)
    assert told["reactivateSubscription"]["userErrors"] == [
        {"message": "The subscription's term has ended: it can no longer be reactivated."}
    ]


async def test_suspending_a_base_after_its_term_ended_ends_its_add_ons_terms_first(
    api: Api, world: World, clock: Clock
) -> None:
    clock.at(datetime(2026, 1, 31, 10, 0, tzinfo=UTC))
    base = await world.add_subscription("direct", term_duration="P1M")
    add_on = await world.add_subscription("direct", term_duration="P1M", parent_id=base.id)
    clock.at(datetime(2026, 2, 28, 15, 0, tzinfo=UTC))  # both terms ended, end-terms not run
    suspend = """mutation($id: ID!) { suspendSubscription(input: {id: $id, reason: NON_PAYMENT}) {
        userErrors { code } } }"""
    done = await api.data(suspend, {"id": gid(base)}, token=world.admin("direct"))
    assert done["suspendSubscription"]["userErrors"] == []
    await add_on.refresh_from_db()
    # renewed, then suspended with its base: the next end-terms leaves it as it is
    assert (add_on.status, add_on.term_ends_at) == (
        "SUSPENDED",
        datetime(2026, 3, 31, 10, 0, tzinfo=UTC),
    )
    assert await subscriptions.end_terms(datetime(2026, 3, 1, tzinfo=UTC)) == {}


async def test_terms_missed_for_months_renew_to_the_term_running_now(
    world: World, clock: Clock
) -> None:
    start = datetime(2026, 1, 15, tzinfo=UTC)
    clock.at(start)
    subscription = await world.add_subscription("direct", term_duration="P1M")
    assert await subscriptions.end_terms(datetime(2026, 4, 20, tzinfo=UTC)) == {"renewed": 1}
    # a moment given with another offset means the same moment (SQLite compares text)
    in_lisbon_summer = datetime.fromisoformat("2026-05-15T00:30:00+01:00")  # 23:30 UTC, 14th
    assert await subscriptions.end_terms(in_lisbon_summer) == {}
    await subscription.refresh_from_db()
    assert (subscription.term_started_at, subscription.term_ends_at) == (
        datetime(2026, 4, 15, tzinfo=UTC),
        datetime(2026, 5, 15, tzinfo=UTC),
    )


async def test_the_command_line_ends_the_terms_due(world: World) -> None:
    subscription = await world.add_subscription("direct", term_duration="P1M")
    as_of = (datetime.now(UTC) + timedelta(days=40)).isoformat()
    environment = {"PARTNERGRAPH_DATABASE_URL": world.settings.database_url}
    result = run_cli(environment, "subscriptions", "end-terms", "--as-of", as_of)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "terms ended: 1 renewed, 0 expired, 0 disabled"
    await subscription.refresh_from_db()
    assert subscription.version == 2
    again = run_cli(environment, "subscriptions", "end-terms", "--as-of", as_of)
    assert again.stdout.strip() == "terms ended: 0 renewed, 0 expired, 0 disabled"


async def test_a_retried_order_with_the_same_amount_written_otherwise_is_the_same_order(
    api: Api, world: World
) -> None:
    first = order(world, idempotencyKey="order-9", unitPrice={"amount": "6.5", "currency": "EUR"})
    again = {**first, "unitPrice": {"amount": "6.50", "currency": "eur"}}
    answers = [
        await api.data(CREATE, {"input": given}, token=world.admin("direct"))
        for given in (first, again)
    ]
    assert [answer["createSubscription"]["userErrors"] for answer in answers] == [[], []]
    ids = {answer["createSubscription"]["subscription"]["id"] for answer in answers}
    assert len(ids) == 1


PAST_THE_END = """
query($first: Int!, $after: String) {
  customers(first: $first) {
    nodes { subscriptions(first: 2, after: $after) { totalCount nodes { id } } }
  }
}"""


async def test_totals_of_pages_past_the_end_are_counted_in_one_statement(
    api: Api, world: World
) -> None:
    for index, quantity in ((0, 1), (0, 2), (1, 3)):
        await world.add_subscription("direct", index, quantity=quantity)
    for number in range(4):
        await world.add_customer("direct", f"Extra {number}")
        await world.add_subscription("direct", 2 + number)
    token = world.admin("direct")
    beyond = encode_cursor(1_000_000)
    await api.data(PAST_THE_END, {"first": 1, "after": beyond}, token=token)
    counts = {}
    for size in (2, 6):
        with counting_statements() as statements:
            data = await api.data(PAST_THE_END, {"first": size, "after": beyond}, token=token)
        pages = [node["subscriptions"] for node in data["customers"]["nodes"]]
        assert all(page["nodes"] == [] for page in pages)
        assert [page["totalCount"] for page in pages] == [2, 1, 1, 1, 1, 1][:size]
        counts[size] = len(statements)
    # the directory entry, the customers, their pages, then one count for all of them
    assert counts == {2: 4, 6: 4}
