"""Billing: invoices and their totals, gapless numbers, payments (idempotent, refused when
they overpay or are in another currency), disputes, standing, and collections runs."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

import pytest
from tortoise.transactions import in_transaction

from auth.viewer import Role
from resolvers import models, subscriptions
from resolvers.billing import Terms, set_billing_terms
from resolvers.collections import PolicyOrder, set_policy
from resolvers.errors import BadInput, InvalidInput
from resolvers.invoices import (
    NewLine,
    NewPayment,
    issue_invoice,
    open_dispute,
    record_payment,
    resolve_dispute,
)
from schema.nodes import to_global_id
from tests.conftest import Api, World, counting_statements
from tests.databases import backend

ISSUE = """
mutation Issue($input: IssueInvoiceInput!) {
  issueInvoice(input: $input) {
    invoice { id number status currency dueDate total { amount currency }
              amountDue { amount currency }
              lines { position description quantity unitPrice { amount } amount { amount } } }
    userErrors { field code }
  }
}"""

PAY = """
mutation Pay($input: RecordPaymentInput!) {
  recordPayment(input: $input) {
    payment { id amount { amount currency } reference }
    invoice { status amountPaid { amount } amountDue { amount } }
    userErrors { field code message }
  }
}"""

BILLING = """
query Billing($id: ID!) {
  customer(id: $id) {
    billing { currency paymentTermsDays standing daysPastDue
              balance { amount currency } overdueAmount { amount } disputedAmount { amount }
              billedBy { name } indirectProvider { name } }
  }
}"""

RUN = """
mutation Run($input: RunCollectionsInput!) {
  runCollections(input: $input) {
    applied
    actions { kind daysPastDue thresholdDays customer { companyName } subscription { id } }
    userErrors { code }
  }
}"""


def _issue_input(world: World, owner: str = "direct", **overrides: Any) -> dict[str, Any]:
    return {
        "customerId": world.customer_id(owner),
        "currency": "EUR",
        "dueDate": "2099-12-31",
        "lines": [
            {"description": "Seats", "quantity": "3", "unitPrice": "0.125"},
            {"description": "Usage", "quantity": "1.5", "unitPrice": "10.333333"},
        ],
        **overrides,
    }


async def test_an_invoice_totals_its_lines_rounded_half_up_to_the_minor_unit(
    api: Api, world: World
) -> None:
    data = await api.data(ISSUE, {"input": _issue_input(world)}, token=world.admin("direct"))
    invoice = data["issueInvoice"]["invoice"]
    assert data["issueInvoice"]["userErrors"] == []
    # 3 × 0.125 = 0.375 → 0.38; 1.5 × 10.333333 = 15.4999995 → 15.50
    assert [line["amount"]["amount"] for line in invoice["lines"]] == ["0.38", "15.50"]
    assert invoice["total"] == {"amount": "15.88", "currency": "EUR"}
    assert invoice["amountDue"] == {"amount": "15.88", "currency": "EUR"}
    assert invoice["lines"][1]["unitPrice"]["amount"] == "10.333333"
    assert invoice["lines"][1]["quantity"] == "1.5"
    assert invoice["status"] == "OPEN"
    assert invoice["number"] == "INV-000001"


async def test_yen_have_no_minor_unit(world: World) -> None:
    await world.add_customer("direct", "Nippon KK", country="JP", language="en")
    row = await world.add_invoice("direct", -1, lines=(("3", "333.5"),), currency="JPY")
    assert row.total_minor == 1001  # 1000.5 → 1001


async def test_numbers_run_per_seller_without_gaps_even_when_an_issue_fails(
    api: Api, world: World
) -> None:
    token = world.admin("direct")
    first = await api.data(ISSUE, {"input": _issue_input(world)}, token=token)
    refused = await api.data(ISSUE, {"input": _issue_input(world, currency="USD")}, token=token)
    bad_line = {"description": "", "quantity": "1", "unitPrice": "1"}
    also_refused = await api.data(
        ISSUE, {"input": _issue_input(world, lines=[bad_line])}, token=token
    )
    second = await api.data(ISSUE, {"input": _issue_input(world)}, token=token)
    other_seller = await api.data(
        ISSUE, {"input": _issue_input(world, "other", currency="SEK")}, token=world.admin("other")
    )
    assert refused["issueInvoice"]["userErrors"] == [
        {"field": ["currency"], "code": "BAD_USER_INPUT"}
    ]
    assert also_refused["issueInvoice"]["userErrors"][0]["field"] == ["lines", "0", "description"]
    numbers = [body["issueInvoice"]["invoice"]["number"] for body in (first, second, other_seller)]
    assert numbers == ["INV-000001", "INV-000002", "INV-000001"]


async def test_concurrent_issues_take_consecutive_numbers(world: World) -> None:
    actor = await world.actor("direct")
    customer = world.customers["direct"][0]
    due = subscriptions.now().date() + timedelta(days=30)

    async def issue() -> models.Invoice:
        from resolvers.invoices import NewInvoice

        order = NewInvoice(customer.id, "EUR", due, [NewLine("Seats", "1", "5")])
        return await issue_invoice(actor, order)

    issued = await asyncio.gather(*(issue() for _ in range(6)))
    assert sorted(row.sequence for row in issued) == [1, 2, 3, 4, 5, 6]


def _payment(invoice: models.Invoice, paid: str, **overrides: Any) -> dict[str, Any]:
    return {
        "invoiceId": to_global_id("Invoice", invoice.id),
        "amount": {"amount": paid, "currency": "EUR"},
        "reference": "SEPA-2026-001",
        **overrides,
    }


async def test_a_retried_payment_counts_once_and_a_changed_retry_is_refused(
    api: Api, world: World
) -> None:
    invoice = await world.add_invoice("direct")  # 10 × 6.00 = 60.00
    token = world.admin("direct")
    payment = _payment(invoice, "25.00", idempotencyKey="erp-pay-1")
    first = await api.data(PAY, {"input": payment}, token=token)
    again = await api.data(
        PAY, {"input": {**payment, "amount": {"amount": "25", "currency": "EUR"}}}, token=token
    )
    changed = await api.data(
        PAY, {"input": {**payment, "amount": {"amount": "26.00", "currency": "EUR"}}}, token=token
    )
    assert again["recordPayment"]["payment"]["id"] == first["recordPayment"]["payment"]["id"]
    assert again["recordPayment"]["invoice"]["amountDue"] == {"amount": "35.00"}
    assert changed["recordPayment"]["userErrors"][0]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert await models.Payment.filter(invoice_id=invoice.id).count() == 1


async def test_two_identical_payments_at_once_make_one_payment(world: World) -> None:
    invoice = await world.add_invoice("direct")
    actor = await world.actor("direct")
    order = NewPayment(invoice.id, "60.00", "EUR", "SEPA-9")
    results = await asyncio.gather(
        *(record_payment(actor, order, idempotency_key="same-key") for _ in range(2)),
        return_exceptions=True,
    )
    assert all(isinstance(result, models.Payment) for result in results), results
    assert results[0].id == results[1].id  # type: ignore[union-attr]
    paid = await models.Invoice.get(id=invoice.id)
    assert (paid.paid_minor, paid.status) == (6000, models.InvoiceStatus.PAID)


async def test_overpayment_and_another_currency_are_refused(api: Api, world: World) -> None:
    invoice = await world.add_invoice("direct")
    token = world.admin("direct")
    over = await api.data(PAY, {"input": _payment(invoice, "60.01")}, token=token)
    dollars = _payment(invoice, "10.00", amount={"amount": "10.00", "currency": "USD"})
    other = await api.data(PAY, {"input": dollars}, token=token)
    cents = await api.data(PAY, {"input": _payment(invoice, "1.001")}, token=token)
    assert over["recordPayment"]["userErrors"][0]["field"] == ["amount", "amount"]
    assert "60.00 EUR" in over["recordPayment"]["userErrors"][0]["message"]
    assert other["recordPayment"]["userErrors"][0]["field"] == ["amount", "currency"]
    assert cents["recordPayment"]["userErrors"][0]["code"] == "BAD_USER_INPUT"
    paid = await api.data(PAY, {"input": _payment(invoice, "60.00")}, token=token)
    assert paid["recordPayment"]["invoice"]["status"] == "PAID"
    closed = await api.data(PAY, {"input": _payment(invoice, "1.00")}, token=token)
    assert closed["recordPayment"]["userErrors"][0]["code"] == "INVALID_STATE_TRANSITION"


async def test_an_invoice_without_a_due_date_is_due_on_the_customers_terms(
    api: Api, world: World
) -> None:
    token = world.admin("direct")
    issued = (subscriptions.now() - timedelta(days=3)).replace(microsecond=0)
    plain = _issue_input(world, dueDate=None, issuedAt=issued.isoformat())
    default = (await api.data(ISSUE, {"input": plain}, token=token))["issueInvoice"]
    assert default["invoice"]["dueDate"] == (issued + timedelta(days=30)).date().isoformat()
    customer = world.customers["direct"][0].id
    await set_billing_terms(
        await world.actor("direct"), Terms(customer_id=customer, payment_terms_days=14)
    )
    on_terms = (await api.data(ISSUE, {"input": plain}, token=token))["issueInvoice"]
    assert on_terms["invoice"]["dueDate"] == (issued + timedelta(days=14)).date().isoformat()
    named = _issue_input(world, dueDate="2099-01-31")  # a date given is kept
    kept = (await api.data(ISSUE, {"input": named}, token=token))["issueInvoice"]
    assert kept["invoice"]["dueDate"] == "2099-01-31"


async def test_a_payment_received_in_the_future_is_refused(api: Api, world: World) -> None:
    invoice = await world.add_invoice("direct")
    token = world.admin("direct")
    now = subscriptions.now()
    tomorrow = _payment(invoice, "1.00", receivedAt=(now + timedelta(days=1)).isoformat())
    refused = (await api.data(PAY, {"input": tomorrow}, token=token))["recordPayment"]
    assert refused["userErrors"] == [
        {
            "field": ["receivedAt"],
            "code": "BAD_USER_INPUT",
            "message": "A payment can't be received in the future: receivedAt is after now.",
        }
    ]
    assert refused["invoice"] is None
    ahead = _payment(invoice, "1.00", receivedAt=(now + timedelta(minutes=1)).isoformat())
    paid = (await api.data(PAY, {"input": ahead}, token=token))["recordPayment"]
    assert (paid["userErrors"], paid["invoice"]["amountPaid"]) == ([], {"amount": "1.00"})


async def _overdue(world: World, owner: str, days: int, **options: Any) -> models.Invoice:
    invoice = await world.add_invoice(owner, **options)
    due = subscriptions.now().date() - timedelta(days=days)
    await models.Invoice.filter(id=invoice.id).update(due_date=due)
    return await models.Invoice.get(id=invoice.id)


async def test_standing_balance_and_days_past_due_on_a_known_set(api: Api, world: World) -> None:
    await set_policy(await world.actor("direct"), PolicyOrder([7], 30, True))
    token = world.admin("direct")
    customer = world.customer_id("direct")
    good = await api.data(BILLING, {"id": customer}, token=token)
    assert good["customer"]["billing"] | {"billedBy": None} == {
        "currency": "EUR",
        "paymentTermsDays": 30,
        "standing": "GOOD",
        "daysPastDue": 0,
        "balance": {"amount": "0.00", "currency": "EUR"},
        "overdueAmount": {"amount": "0.00"},
        "disputedAmount": {"amount": "0.00"},
        "billedBy": None,
        "indirectProvider": None,
    }
    assert good["customer"]["billing"]["billedBy"] == {"name": world.partners["direct"].name}
    await world.add_invoice("direct")  # 60.00, not due yet
    await _overdue(world, "direct", 12, lines=(("1", "20.00"),))
    await _overdue(world, "direct", 5, lines=(("1", "7.50"),))
    overdue = (await api.data(BILLING, {"id": customer}, token=token))["customer"]["billing"]
    assert (overdue["standing"], overdue["daysPastDue"]) == ("OVERDUE", 12)
    assert overdue["balance"]["amount"] == "87.50"
    assert overdue["overdueAmount"]["amount"] == "27.50"
    await _overdue(world, "direct", 31, lines=(("1", "1.00"),))
    late = (await api.data(BILLING, {"id": customer}, token=token))["customer"]["billing"]
    assert (late["standing"], late["daysPastDue"]) == ("DELINQUENT", 31)


async def test_a_resellers_customer_is_billed_by_the_reseller_under_its_provider(
    api: Api, world: World
) -> None:
    body = await api.data(
        BILLING, {"id": world.customer_id("reseller")}, token=world.admin("provider")
    )
    billing = body["customer"]["billing"]
    assert billing["currency"] == "BRL"
    assert billing["billedBy"] == {"name": world.partners["reseller"].name}
    assert billing["indirectProvider"] == {"name": world.partners["provider"].name}


async def _suspended_set(world: World) -> dict[str, int]:
    """Alpha's subscriptions: one active, one suspended by the partner, one add-on."""
    base = await world.add_subscription("direct")
    add_on = await world.add_subscription("direct", parent_id=base.id, offer_name="Add-on")
    kept = await world.add_subscription("direct")
    await subscriptions.suspend_subscription(
        await world.actor("direct"),
        subscription_id=kept.id,
        reason=models.SuspensionReason.PARTNER_REQUEST,
    )
    return {"base": base.id, "add_on": add_on.id, "kept": kept.id}


async def _reasons(subscription_id: int) -> tuple[str, str]:
    row = await models.Subscription.get(id=subscription_id)
    return row.status.value, row.suspension_reasons


async def test_collections_dry_run_then_apply_then_nothing_new_then_exact_reactivation(
    api: Api, world: World
) -> None:
    ids = await _suspended_set(world)
    await set_policy(await world.actor("direct"), PolicyOrder([7, 14], 30, True))
    late = await _overdue(world, "direct", 35)
    token = world.admin("direct")

    dry = (await api.data(RUN, {"input": {"dryRun": True}}, token=token))["runCollections"]
    assert dry["applied"] is False
    kinds = [(action["kind"], action["thresholdDays"]) for action in dry["actions"]]
    assert kinds == [("REMIND", 14), ("SUSPEND", None), ("SUSPEND", None), ("SUSPEND", None)]
    assert await _reasons(ids["base"]) == ("ACTIVE", "")  # a dry run changes nothing
    assert await models.CollectionAction.all().count() == 0

    applied = (await api.data(RUN, {"input": {"dryRun": False}}, token=token))["runCollections"]
    assert applied["applied"] is True
    assert applied["actions"] == dry["actions"]
    assert await _reasons(ids["base"]) == ("SUSPENDED", "NON_PAYMENT")
    assert await _reasons(ids["add_on"]) == ("SUSPENDED", "NON_PAYMENT")
    assert await _reasons(ids["kept"]) == ("SUSPENDED", "PARTNER_REQUEST,NON_PAYMENT")
    # the add-on was suspended with its base: it comes back with it
    assert (await models.Subscription.get(id=ids["add_on"])).inherited_reasons == "NON_PAYMENT"
    standing = await api.data(BILLING, {"id": world.customer_id("direct")}, token=token)
    assert standing["customer"]["billing"]["standing"] == "SUSPENDED_FOR_NON_PAYMENT"

    again = (await api.data(RUN, {"input": {"dryRun": False}}, token=token))["runCollections"]
    assert again["actions"] == []

    paid = await api.data(PAY, {"input": _payment(late, "60.00")}, token=token)
    assert paid["recordPayment"]["userErrors"] == []
    assert await _reasons(ids["base"]) == ("ACTIVE", "")
    assert await _reasons(ids["add_on"]) == ("ACTIVE", "")
    assert await _reasons(ids["kept"]) == ("SUSPENDED", "PARTNER_REQUEST")


async def test_disputing_part_of_an_invoice_leaves_the_rest_to_collect(
    api: Api, world: World
) -> None:
    ids = await _suspended_set(world)
    await set_policy(await world.actor("direct"), PolicyOrder([7], 30, True))
    late = await _overdue(world, "direct", 35)  # 60.00
    whole = await _overdue(world, "direct", 50)
    actor, token = await world.actor("direct"), world.admin("direct")
    await open_dispute(actor, invoice_id=whole.id, reason="Never ordered")
    await open_dispute(actor, invoice_id=late.id, reason="One seat too many", amount="6.00")

    async def billing() -> dict[str, Any]:
        body = await api.data(BILLING, {"id": world.customer_id("direct")}, token=token)
        found = body["customer"]["billing"]
        names = ("standing", "daysPastDue", "overdueAmount", "disputedAmount")
        return {name: found[name] for name in names}

    assert await billing() == {  # the invoice disputed whole is held back, the other in part
        "standing": "DELINQUENT",
        "daysPastDue": 35,
        "overdueAmount": {"amount": "54.00"},
        "disputedAmount": {"amount": "66.00"},
    }
    run = (await api.data(RUN, {"input": {"dryRun": False}}, token=token))["runCollections"]
    kinds = [(action["kind"], action["daysPastDue"]) for action in run["actions"]]
    assert kinds == [("REMIND", 35), ("SUSPEND", 35), ("SUSPEND", 35), ("SUSPEND", 35)]
    assert await _reasons(ids["base"]) == ("SUSPENDED", "NON_PAYMENT")

    paid = await api.data(PAY, {"input": _payment(late, "54.00")}, token=token)
    assert paid["recordPayment"]["userErrors"] == []  # what is disputed waits for the outcome
    assert await billing() == {
        "standing": "GOOD",
        "daysPastDue": 0,
        "overdueAmount": {"amount": "0.00"},
        "disputedAmount": {"amount": "66.00"},
    }
    assert await _reasons(ids["base"]) == ("ACTIVE", "")


async def _suspended_for_non_payment(
    api: Api, world: World
) -> tuple[dict[str, int], models.Invoice, str]:
    """`_suspended_set`, suspended by a collections run for an invoice 35 days overdue: the
    subscriptions' ids, the invoice, and the token of the partner's admin."""
    ids = await _suspended_set(world)
    await set_policy(await world.actor("direct"), PolicyOrder([], 30, True))
    late = await _overdue(world, "direct", 35)
    token = world.admin("direct")
    await api.data(RUN, {"input": {"dryRun": False}}, token=token)
    return ids, late, token


async def test_a_subscription_whose_term_ended_while_suspended_stays_disabled_when_paid(
    api: Api, world: World
) -> None:
    ids, late, token = await _suspended_for_non_payment(api, world)
    ended = subscriptions.now() - timedelta(minutes=1)
    await models.Subscription.filter(id__in=[ids["base"], ids["add_on"]]).update(term_ends_at=ended)
    assert await subscriptions.end_terms(subscriptions.now()) == {"disabled": 2}

    paid = await api.data(PAY, {"input": _payment(late, "60.00")}, token=token)
    assert paid["recordPayment"]["userErrors"] == []
    assert await _reasons(ids["base"]) == ("DISABLED", "NON_PAYMENT")
    assert await _reasons(ids["add_on"]) == ("DISABLED", "NON_PAYMENT")
    assert await _reasons(ids["kept"]) == ("SUSPENDED", "PARTNER_REQUEST")
    standing = await api.data(BILLING, {"id": world.customer_id("direct")}, token=token)
    assert standing["customer"]["billing"]["standing"] == "GOOD"
    run = (await api.data(RUN, {"input": {"dryRun": True}}, token=token))["runCollections"]
    assert run["actions"] == []  # nothing left to reactivate


@pytest.mark.skipif(backend() != "postgres", reason="row locks are PostgreSQL's")
async def test_a_collections_run_waits_for_a_payment_of_an_invoice_it_reads(
    api: Api, world: World
) -> None:
    """A payment in progress when the run starts: the run reads the invoice once the payment
    has committed, and suspends no one who has paid."""
    ids = await _suspended_set(world)
    await set_policy(await world.actor("direct"), PolicyOrder([], 30, True))
    late = await _overdue(world, "direct", 35)
    locked = asyncio.Event()

    async def payment_in_progress() -> None:
        async with in_transaction():
            await models.Invoice.filter(id=late.id).select_for_update().get()
            locked.set()
            await asyncio.sleep(0.3)  # the run starts meanwhile
            await models.Invoice.filter(id=late.id).update(status=models.InvoiceStatus.PAID)

    paying = asyncio.create_task(payment_in_progress())
    await locked.wait()
    token = world.admin("direct")
    run = (await api.data(RUN, {"input": {"dryRun": False}}, token=token))["runCollections"]
    await paying
    assert run["actions"] == []
    assert await _reasons(ids["base"]) == ("ACTIVE", "")


@pytest.mark.skipif(backend() != "postgres", reason="concurrent transactions are PostgreSQL's")
async def test_a_policy_first_set_by_two_requests_at_once_is_a_version_conflict_for_one(
    api: Api, world: World
) -> None:
    inserted = asyncio.Event()

    async def first_in_progress() -> None:
        async with in_transaction():
            await set_policy(await world.actor("direct"), PolicyOrder([7], None, False))
            inserted.set()
            await asyncio.sleep(0.3)  # the second request inserts meanwhile, and waits

    first = asyncio.create_task(first_in_progress())
    await inserted.wait()
    second = await api.data(
        """mutation { setCollectionsPolicy(input: {reminderDaysPastDue: [14],
             reactivateOnPayment: true}) { policy { version } userErrors { code field } } }""",
        token=world.admin("direct"),
    )
    await first
    assert second["setCollectionsPolicy"] == {
        "policy": None,
        "userErrors": [{"code": "VERSION_CONFLICT", "field": ["expectedVersion"]}],
    }
    assert await models.CollectionsPolicy.filter(seller_id=world.partners["direct"].id).count() == 1


@pytest.mark.skipif(backend() != "postgres", reason="row locks are PostgreSQL's")
async def test_a_new_country_waits_for_an_invoice_being_issued_in_the_old_currency(
    api: Api, world: World
) -> None:
    """No billing terms: the customer is billed in its country's currency. A move to a
    country of another currency while an invoice is being issued reads the invoice once it
    has committed, and is refused: the invoice would be unpaid in a currency no longer its."""
    issued = asyncio.Event()

    async def invoice_in_progress() -> None:
        async with in_transaction():
            await world.add_invoice("direct")  # in EUR: the customer is in Portugal
            issued.set()
            await asyncio.sleep(0.3)  # the update starts meanwhile

    issuing = asyncio.create_task(invoice_in_progress())
    await issued.wait()
    moved = await api.data(
        """mutation($id: ID!) { updateCustomer(input: {id: $id, expectedVersion: 1,
             country: "US"}) { customer { country } userErrors { code field } } }""",
        {"id": world.customer_id("direct")},
        token=world.admin("direct"),
    )
    await issuing
    assert moved["updateCustomer"] == {
        "customer": None,
        "userErrors": [{"code": "BAD_USER_INPUT", "field": ["country"]}],
    }


async def test_a_reminder_is_in_the_change_feed_for_those_who_read_billing(
    api: Api, world: World
) -> None:
    from tests.test_changes import read_all

    await set_policy(await world.actor("direct"), PolicyOrder([7], None, False))
    await _overdue(world, "direct", 9)
    token = world.admin("direct")
    run = (await api.data(RUN, {"input": {"dryRun": False}}, token=token))["runCollections"]
    assert [action["kind"] for action in run["actions"]] == ["REMIND"]
    reminders, _ = await read_all(api, token, types=["CollectionAction"])
    assert [(node["entityType"], node["operation"]) for node in reminders] == [
        ("CollectionAction", "CREATED")
    ]
    account_admin, _ = await read_all(api, world.token("direct", Role.ACCOUNT_ADMIN))
    assert "CollectionAction" not in {node["entityType"] for node in account_admin}


async def test_a_disputed_invoice_never_leads_to_a_suspension(api: Api, world: World) -> None:
    ids = await _suspended_set(world)
    await set_policy(await world.actor("direct"), PolicyOrder([], 30, True))
    late = await _overdue(world, "direct", 40)
    token = world.admin("direct")
    opened = await api.data(
        """mutation($input: OpenBillingDisputeInput!) { openBillingDispute(input: $input) {
             dispute { id status } invoice { status } userErrors { code } } }""",
        {"input": {"invoiceId": to_global_id("Invoice", late.id), "reason": "Seats not used"}},
        token=token,
    )
    assert opened["openBillingDispute"]["invoice"]["status"] == "DISPUTED"
    run = (await api.data(RUN, {"input": {"dryRun": False}}, token=token))["runCollections"]
    assert run["actions"] == []
    assert await _reasons(ids["base"]) == ("ACTIVE", "")
    billing = await api.data(BILLING, {"id": world.customer_id("direct")}, token=token)
    assert billing["customer"]["billing"]["standing"] == "GOOD"
    assert billing["customer"]["billing"]["disputedAmount"]["amount"] == "60.00"

    resolved = (
        await api.data(
            """mutation($input: ResolveBillingDisputeInput!) { resolveBillingDispute(input: $input) {
             dispute { status outcome credited { amount } }
             invoice { status amountDue { amount } } userErrors { code } } }""",
            {
                "input": {
                    "id": opened["openBillingDispute"]["dispute"]["id"],
                    "outcome": "PARTIALLY_UPHELD",
                    "credit": "20.00",
                    "resolution": "Five seats were never assigned",
                }
            },
            token=token,
        )
    )["resolveBillingDispute"]
    assert resolved["dispute"] == {
        "status": "RESOLVED",
        "outcome": "PARTIALLY_UPHELD",
        "credited": {"amount": "20.00"},
    }
    assert resolved["invoice"] == {"status": "OVERDUE", "amountDue": {"amount": "40.00"}}
    run = (await api.data(RUN, {"input": {"dryRun": False}}, token=token))["runCollections"]
    assert [action["kind"] for action in run["actions"]] == ["SUSPEND"] * 3


async def test_collections_without_a_policy_is_a_user_error(api: Api, world: World) -> None:
    body = await api.data(RUN, {"input": {"dryRun": True}}, token=world.admin("direct"))
    assert body["runCollections"]["userErrors"] == [{"code": "NOT_FOUND"}]


async def test_another_tenants_invoice_is_not_found(api: Api, world: World) -> None:
    invoice = await world.add_invoice("other", currency="SEK")
    token = world.admin("direct")
    body = await api.gql(
        "query($id: ID!) { invoice(id: $id) { id } }",
        {"id": to_global_id("Invoice", invoice.id)},
        token=token,
    )
    assert body["data"]["invoice"] is None
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    paid = await api.data(PAY, {"input": _payment(invoice, "1.00")}, token=token)
    assert paid["recordPayment"]["userErrors"][0]["code"] == "NOT_FOUND"
    listed = await api.data("{ invoices { totalCount } }", token=token)
    assert listed["invoices"]["totalCount"] == 0


async def test_a_billing_admin_reads_billing_and_a_helpdesk_agent_cannot_write_it(
    api: Api, world: World
) -> None:
    await world.add_invoice("direct")
    billing_admin = world.token("direct", Role.BILLING_ADMIN)
    body = await api.data("{ invoices { nodes { total { amount } } } }", token=billing_admin)
    assert body["invoices"]["nodes"] == [{"total": {"amount": "60.00"}}]
    helpdesk = world.token("direct", Role.HELPDESK_AGENT)
    refused = await api.gql(ISSUE, {"input": _issue_input(world)}, token=helpdesk)
    assert refused["data"]["issueInvoice"] is None
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


PAGE_WITH_BILLING = """
query Page($first: Int!) {
  customers(first: $first) {
    nodes { companyName
            billing { standing daysPastDue balance { amount currency } overdueAmount { amount } }
            subscriptions(first: 3) { nodes { id status } } }
  }
}"""


async def test_a_page_of_customers_with_billing_costs_the_same_statements_at_any_size(
    api: Api, world: World
) -> None:
    for number in range(100):
        await world.add_customer("direct", f"Extra {number}")
    for index in (1, 50, 99):
        await world.add_subscription("direct", index)
        await _overdue(world, "direct", 10 + index, index=index)
    await set_policy(await world.actor("direct"), PolicyOrder([7], 60, True))
    token = world.admin("direct")
    await api.data(PAGE_WITH_BILLING, {"first": 1}, token=token)
    counts = {}
    for size in (5, 100):
        with counting_statements() as statements:
            data = await api.data(PAGE_WITH_BILLING, {"first": size}, token=token)
        counts[size] = len(statements)
    nodes = data["customers"]["nodes"]
    assert [node["billing"]["standing"] for node in nodes].count("DELINQUENT") == 2
    assert nodes[1]["billing"]["daysPastDue"] == 11
    # directory, customers, subscriptions, accounts, unpaid sums, overdue sums,
    # suspensions for non-payment, policies
    assert counts == {5: 8, 100: 8}


async def test_payment_terms_and_currency_are_set_per_customer(api: Api, world: World) -> None:
    token = world.admin("direct")
    set_terms = """mutation($input: SetBillingTermsInput!) { setBillingTerms(input: $input) {
        billing { currency paymentTermsDays creditLimit { amount currency } version }
        userErrors { field code } } }"""
    customer = world.customer_id("direct")
    first = await api.data(
        set_terms,
        {"input": {"customerId": customer, "paymentTermsDays": 14, "creditLimit": "5000"}},
        token=token,
    )
    assert first["setBillingTerms"]["billing"] == {
        "currency": "EUR",
        "paymentTermsDays": 14,
        "creditLimit": {"amount": "5000.00", "currency": "EUR"},
        "version": 1,
    }
    await world.add_invoice("direct")
    moved = await api.data(
        set_terms, {"input": {"customerId": customer, "currency": "USD"}}, token=token
    )
    assert moved["setBillingTerms"]["userErrors"] == [
        {"field": ["currency"], "code": "BAD_USER_INPUT"}
    ]
    too_long = await api.data(
        set_terms, {"input": {"customerId": customer, "paymentTermsDays": 400}}, token=token
    )
    assert too_long["setBillingTerms"]["userErrors"][0]["field"] == ["paymentTermsDays"]
    # before a customer's first terms, it is billed in its country's currency: the same rule
    await world.add_invoice("direct", 1)
    first_terms = await api.data(
        set_terms,
        {"input": {"customerId": world.customer_id("direct", 1), "currency": "JPY"}},
        token=token,
    )
    assert first_terms["setBillingTerms"]["userErrors"] == [
        {"field": ["currency"], "code": "BAD_USER_INPUT"}
    ]
    # nor can a new country, which would bring its own currency
    move = """mutation($id: ID!, $country: String!) { updateCustomer(input: {id: $id,
        expectedVersion: 1, country: $country}) { customer { country } userErrors { field code } } }"""
    moved_away = await api.data(
        move, {"id": world.customer_id("direct", 1), "country": "JP"}, token=token
    )
    assert moved_away["updateCustomer"]["userErrors"] == [
        {"field": ["country"], "code": "BAD_USER_INPUT"}
    ]
    same_currency = await api.data(
        move, {"id": world.customer_id("direct", 1), "country": "ES"}, token=token
    )
    assert same_currency["updateCustomer"]["customer"] == {"country": "ES"}


async def test_a_line_too_large_for_an_invoice_is_refused_not_a_fault(
    api: Api, world: World
) -> None:
    huge = {"description": "Seats", "quantity": "999999999999", "unitPrice": "999999999999"}
    body = await api.data(
        ISSUE, {"input": _issue_input(world, lines=[huge])}, token=world.admin("direct")
    )
    assert body["issueInvoice"]["userErrors"] == [
        {"field": ["lines", "0", "quantity"], "code": "BAD_USER_INPUT"}
    ]


def test_a_bad_line_is_named_by_its_position() -> None:
    from resolvers.invoices import NewInvoice, _checked_lines

    order = NewInvoice(
        1, "EUR", date(2099, 1, 1), [NewLine("ok", "1", "1"), NewLine("x", "-1", "1")]
    )
    with pytest.raises(InvalidInput) as raised:
        _checked_lines(order, "EUR")
    problems = raised.value.errors
    assert [problem.field for problem in problems if isinstance(problem, BadInput)] == [
        ["lines", "1", "quantity"]
    ]


PAGE_WITH_INVOICES = """
query Page($first: Int!, $status: InvoiceStatus) {
  customers(first: $first) {
    nodes { companyName
            invoices(first: 2, status: $status) {
              totalCount pageInfo { hasNextPage }
              nodes { number status total { amount } } } }
  }
}"""


async def test_each_customers_invoices_come_in_pages_at_a_fixed_statement_count(
    api: Api, world: World
) -> None:
    for number in range(60):
        await world.add_customer("direct", f"Extra {number}")
    for index in (0, 0, 0, 30, 59):
        await world.add_invoice("direct", index)
    await _overdue(world, "direct", 5, index=30)
    token = world.admin("direct")
    await api.data(PAGE_WITH_INVOICES, {"first": 1}, token=token)
    counts = {}
    for size in (5, 60):
        with counting_statements() as statements:
            data = await api.data(PAGE_WITH_INVOICES, {"first": size}, token=token)
        counts[size] = len(statements)
    assert counts == {5: 3, 60: 3}  # directory, customers, one page of invoices for all
    nodes = data["customers"]["nodes"]
    first = nodes[0]["invoices"]
    assert (first["totalCount"], first["pageInfo"]["hasNextPage"]) == (3, True)
    assert [invoice["number"] for invoice in first["nodes"]] == ["INV-000001", "INV-000002"]
    assert nodes[30]["invoices"]["nodes"][1]["status"] == "OVERDUE"
    overdue = await api.data(PAGE_WITH_INVOICES, {"first": 60, "status": "OVERDUE"}, token=token)
    counted = [node["invoices"]["totalCount"] for node in overdue["customers"]["nodes"]]
    assert sum(counted) == 1


DISPUTES = """
query Disputes($filter: DisputeFilterInput) {
  disputes(first: 10, filter: $filter) {
    totalCount nodes { id status reason invoice { number } }
  }
}"""


async def test_disputes_are_listed_per_tenant_and_filtered(api: Api, world: World) -> None:
    actor = await world.actor("direct")
    first = await world.add_invoice("direct")
    second = await world.add_invoice("direct", 1)
    await open_dispute(actor, invoice_id=first.id, reason="Seats unused", amount=None)
    opened = await open_dispute(actor, invoice_id=second.id, reason="Wrong price", amount=None)
    await resolve_dispute(
        actor,
        dispute_id=opened.id,
        outcome=models.DisputeOutcome.REJECTED,
        resolution="Price was agreed",
        credit=None,
    )
    other = await world.add_invoice("other")
    await open_dispute(await world.actor("other"), invoice_id=other.id, reason="No", amount=None)
    token = world.admin("direct")
    every = (await api.data(DISPUTES, token=token))["disputes"]
    assert [node["reason"] for node in every["nodes"]] == ["Seats unused", "Wrong price"]
    still_open = await api.data(DISPUTES, {"filter": {"status": "OPEN"}}, token=token)
    assert [node["invoice"]["number"] for node in still_open["disputes"]["nodes"]] == ["INV-000001"]
    beta = await api.data(
        DISPUTES, {"filter": {"customerId": world.customer_id("direct", 1)}}, token=token
    )
    assert beta["disputes"]["totalCount"] == 1


NOTICE = """
query Notice($id: ID!) { customer(id: $id) { billing { collectionsNotice { language text } } } }
"""


async def test_the_collections_notice_is_written_in_the_customers_language(
    api: Api, world: World
) -> None:
    absent = await api.data(NOTICE, {"id": world.customer_id("other")}, token=world.admin("other"))
    assert absent["customer"]["billing"]["collectionsNotice"] is None
    order = PolicyOrder([7, 14, 30], 45, True, customer_notice="Ring oss på 08-123 45 67.")
    await set_policy(await world.actor("other"), order)
    swedish = await api.data(NOTICE, {"id": world.customer_id("other")}, token=world.admin("other"))
    assert swedish["customer"]["billing"]["collectionsNotice"] == {
        "language": "sv",
        "text": "Vi skickar betalningspåminnelser 7, 14 och 30 dagar efter förfallodagen. "
        "Om en faktura fortfarande är obetald 45 dagar efter förfallodagen stängs åtkomsten "
        "till alla era prenumerationer av. Åtkomsten återställs så snart det förfallna "
        "beloppet är betalt. Så länge en tvist pågår leder det bestridda beloppet inte till "
        "påminnelser eller avstängning; resten av fakturan ska fortfarande betalas. "
        "Ring oss på 08-123 45 67.",
    }
    await set_policy(await world.actor("direct"), PolicyOrder([], None, False))
    portuguese = await api.data(
        NOTICE, {"id": world.customer_id("direct")}, token=world.admin("direct")
    )
    assert portuguese["customer"]["billing"]["collectionsNotice"] == {
        "language": "pt-PT",
        "text": "O acesso nunca é suspenso por falta de pagamento.",
    }


async def test_a_dispute_retried_with_its_key_is_opened_once(api: Api, world: World) -> None:
    invoice = await world.add_invoice("direct")
    dispute = """mutation($id: ID!, $reason: String!) {
      openBillingDispute(input: {invoiceId: $id, reason: $reason, idempotencyKey: "dispute-1"}) {
        dispute { id } userErrors { code }
      }
    }"""
    variables = {"id": to_global_id("Invoice", invoice.id), "reason": "Seats not used"}
    first = await api.data(dispute, variables, token=world.admin("direct"))
    again = await api.data(dispute, variables, token=world.admin("direct"))
    assert (
        first["openBillingDispute"]["dispute"]["id"] == again["openBillingDispute"]["dispute"]["id"]
    )
    assert await models.BillingDispute.filter(invoice_id=invoice.id).count() == 1


OPEN_DISPUTE = """mutation($input: OpenBillingDisputeInput!) { openBillingDispute(input: $input) {
  dispute { id } userErrors { code } } }"""
RESOLVE_DISPUTE = """mutation($input: ResolveBillingDisputeInput!) {
  resolveBillingDispute(input: $input) {
    dispute { credited { amount } } invoice { status amountDue { amount } }
    userErrors { field code } } }"""


async def test_an_amount_retried_as_written_otherwise_is_the_same_dispute(
    api: Api, world: World
) -> None:
    invoice = await world.add_invoice("direct")
    asked = {
        "invoiceId": to_global_id("Invoice", invoice.id),
        "reason": "Seats not used",
        "amount": "10",
        "idempotencyKey": "dispute-10",
    }
    token = world.admin("direct")
    first = await api.data(OPEN_DISPUTE, {"input": asked}, token=token)
    again = await api.data(OPEN_DISPUTE, {"input": {**asked, "amount": "10.00"}}, token=token)
    assert again["openBillingDispute"] == first["openBillingDispute"]
    assert first["openBillingDispute"]["userErrors"] == []


async def test_a_disputed_invoice_is_paid_up_to_its_undisputed_part_and_credited_the_rest(
    api: Api, world: World
) -> None:
    invoice = await world.add_invoice("direct")  # 60.00
    token = world.admin("direct")
    opened = await api.data(
        OPEN_DISPUTE,
        {
            "input": {
                "invoiceId": to_global_id("Invoice", invoice.id),
                "reason": "Two seats never assigned",
                "amount": "20.00",
            }
        },
        token=token,
    )
    dispute = opened["openBillingDispute"]["dispute"]["id"]
    resolve = {"id": dispute, "outcome": "PARTIALLY_UPHELD", "resolution": "Partly"}
    over = await api.data(RESOLVE_DISPUTE, {"input": {**resolve, "credit": "30.00"}}, token=token)
    assert over["resolveBillingDispute"]["userErrors"] == [  # less than due, more than disputed
        {"field": ["credit"], "code": "BAD_USER_INPUT"}
    ]
    whole = await api.data(PAY, {"input": _payment(invoice, "60.00")}, token=token)
    assert whole["recordPayment"]["userErrors"] == [
        {
            "field": ["amount", "amount"],
            "code": "BAD_USER_INPUT",
            "message": "Only 40.00 EUR of this invoice is not disputed: the rest waits for the"
            " dispute's outcome.",
        }
    ]
    undisputed = await api.data(PAY, {"input": _payment(invoice, "40.00")}, token=token)
    assert undisputed["recordPayment"]["invoice"]["status"] == "DISPUTED"
    too_much = await api.data(
        RESOLVE_DISPUTE, {"input": {**resolve, "credit": "20.00"}}, token=token
    )  # as much as upholding it: not in part
    assert too_much["resolveBillingDispute"]["userErrors"] == [
        {"field": ["credit"], "code": "BAD_USER_INPUT"}
    ]
    upheld = await api.data(
        RESOLVE_DISPUTE,
        {"input": {"id": dispute, "outcome": "UPHELD", "resolution": "Never assigned"}},
        token=token,
    )
    assert upheld["resolveBillingDispute"]["dispute"] == {"credited": {"amount": "20.00"}}
    assert upheld["resolveBillingDispute"]["invoice"] == {
        "status": "PAID",
        "amountDue": {"amount": "0.00"},
    }


async def test_an_invoice_of_nothing_is_refused(api: Api, world: World) -> None:
    free = {"description": "Trial", "quantity": "3", "unitPrice": "0"}
    body = await api.data(
        ISSUE, {"input": _issue_input(world, lines=[free])}, token=world.admin("direct")
    )
    assert body["issueInvoice"]["userErrors"] == [{"field": ["lines"], "code": "BAD_USER_INPUT"}]


async def test_only_a_dry_run_of_collections_may_look_ahead(api: Api, world: World) -> None:
    await set_policy(await world.actor("direct"), PolicyOrder([7], 30, True))
    ahead = (subscriptions.now().date() + timedelta(days=60)).isoformat()
    token = world.admin("direct")
    await world.add_invoice("direct")  # due in 30 days
    real = await api.data(RUN, {"input": {"dryRun": False, "asOf": ahead}}, token=token)
    assert real["runCollections"]["userErrors"] == [{"code": "BAD_USER_INPUT"}]
    dry = await api.data(RUN, {"input": {"dryRun": True, "asOf": ahead}}, token=token)
    assert [action["kind"] for action in dry["runCollections"]["actions"]] == ["REMIND"]
    assert await models.CollectionAction.all().count() == 0


async def test_voiding_the_invoice_a_customer_was_suspended_for_lifts_the_suspension(
    api: Api, world: World
) -> None:
    ids, late, token = await _suspended_for_non_payment(api, world)
    assert await _reasons(ids["base"]) == ("SUSPENDED", "NON_PAYMENT")
    void = "mutation($id: ID!) { voidInvoice(input: {id: $id}) { userErrors { code } } }"
    voided = await api.data(void, {"id": to_global_id("Invoice", late.id)}, token=token)
    assert voided["voidInvoice"]["userErrors"] == []
    assert await _reasons(ids["base"]) == ("ACTIVE", "")
