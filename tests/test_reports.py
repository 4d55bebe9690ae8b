"""Reports: the aging of unpaid invoices, and what a partner owes Microsoft per period."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from auth.viewer import Role
from resolvers import models, subscriptions
from resolvers.invoices import (
    NewPayment,
    open_dispute,
    record_payment,
    resolve_dispute,
    void_invoice,
)
from resolvers.reports import billing_dates
from schema.nodes import to_global_id
from tests.conftest import Api, Clock, World

AGING = """
query Aging($asOf: Date, $customerId: ID, $resellerId: ID) {
  agingReport(asOf: $asOf, customerId: $customerId, resellerId: $resellerId) {
    asOf
    buckets { label invoiceCount amount { amount currency } }
    totals { amount currency }
  }
}"""

BILL = """
query Bill($period: String) {
  microsoftBill(period: $period) {
    period periodStart periodEnd
    cost { amount currency } exposure { amount currency }
    byProductFamily { productFamily cost { amount currency } }
    chargedSubscriptions uncostedSubscriptions overdueCustomers
  }
}"""


async def _invoice_due(
    world: World, owner: str, days_past_due: int, amount: str, **options: Any
) -> models.Invoice:
    invoice = await world.add_invoice(owner, lines=(("1", amount),), **options)
    due = subscriptions.now().date() - timedelta(days=days_past_due)
    await models.Invoice.filter(id=invoice.id).update(due_date=due)
    return await models.Invoice.get(id=invoice.id)


def _buckets(report: dict[str, Any]) -> list[tuple[str, str, str, int]]:
    return [
        (
            bucket["amount"]["currency"],
            bucket["label"],
            bucket["amount"]["amount"],
            bucket["invoiceCount"],
        )
        for bucket in report["buckets"]
    ]


async def test_aging_puts_each_unpaid_invoice_in_its_bucket_per_currency(
    api: Api, world: World
) -> None:
    await world.add_invoice("direct", lines=(("1", "60.00"),))  # not due yet
    await _invoice_due(world, "direct", 0, "5.00")  # due today
    await _invoice_due(world, "direct", 30, "20.00")
    await _invoice_due(world, "direct", 31, "7.50")
    await _invoice_due(world, "direct", 60, "0.25")
    await _invoice_due(world, "direct", 61, "1.00")
    await _invoice_due(world, "direct", 90, "2.00")
    await _invoice_due(world, "direct", 91, "4.00")
    disputed = await _invoice_due(world, "direct", 200, "9.00")
    await open_dispute(
        await world.actor("direct"), invoice_id=disputed.id, reason="Not ours", amount=None
    )
    await world.add_customer("direct", "Acme Inc", country="US", language="en")
    await _invoice_due(world, "direct", 45, "100", index=2)
    paid = await _invoice_due(world, "direct", 45, "30.00")
    await models.Invoice.filter(id=paid.id).update(
        status=models.InvoiceStatus.PAID, paid_minor=3000
    )
    await _invoice_due(world, "other", 45, "999.00")  # another tenant's

    report = (await api.data(AGING, token=world.admin("direct")))["agingReport"]
    assert report["asOf"] == subscriptions.now().date().isoformat()
    assert _buckets(report) == [
        ("EUR", "0-30", "85.00", 3),
        ("EUR", "31-60", "7.75", 2),
        ("EUR", "61-90", "3.00", 2),
        ("EUR", "90+", "13.00", 2),
        ("USD", "0-30", "0.00", 0),
        ("USD", "31-60", "100.00", 1),
        ("USD", "61-90", "0.00", 0),
        ("USD", "90+", "0.00", 0),
    ]
    assert report["totals"] == [
        {"amount": "108.75", "currency": "EUR"},
        {"amount": "100.00", "currency": "USD"},
    ]
    later = subscriptions.now().date() + timedelta(days=40)  # everything 40 days older
    aged = await api.data(AGING, {"asOf": later.isoformat()}, token=world.admin("direct"))
    assert _buckets(aged["agingReport"])[:4] == [
        ("EUR", "0-30", "60.00", 1),
        ("EUR", "31-60", "5.00", 1),
        ("EUR", "61-90", "27.50", 2),
        ("EUR", "90+", "16.25", 5),
    ]


async def test_aging_of_a_past_day_is_what_was_unpaid_at_its_end(
    api: Api, world: World, clock: Clock
) -> None:
    actor = await world.actor("direct")
    clock.at(datetime(2026, 1, 1, 10, tzinfo=UTC))
    part_paid = await world.add_invoice("direct", lines=(("1", "100.00"),), due_in_days=30)
    paid_late = await world.add_invoice("direct", lines=(("1", "50.00"),), due_in_days=10)
    voided = await world.add_invoice("direct", lines=(("1", "20.00"),), due_in_days=10)
    credited = await world.add_invoice("direct", lines=(("1", "40.00"),), due_in_days=10)
    clock.at(datetime(2026, 1, 20, 9, tzinfo=UTC))
    await record_payment(actor, NewPayment(part_paid.id, "30.00", "EUR", "Wire 1"))
    await void_invoice(actor, invoice_id=voided.id)
    dispute = await open_dispute(actor, invoice_id=credited.id, reason="Not ordered")
    clock.at(datetime(2026, 1, 25, 9, tzinfo=UTC))
    await resolve_dispute(
        actor, dispute_id=dispute.id, outcome=models.DisputeOutcome.UPHELD, resolution="Ok"
    )
    clock.at(datetime(2026, 2, 5, 9, tzinfo=UTC))  # recorded now, received on 10 January
    received = datetime(2026, 1, 10, 16, tzinfo=UTC)
    await record_payment(actor, NewPayment(paid_late.id, "50.00", "EUR", "Wire 2", received))
    clock.at(datetime(2026, 2, 10, 9, tzinfo=UTC))
    await world.add_invoice("direct", lines=(("1", "70.00"),), due_in_days=10)
    clock.at(datetime(2026, 3, 5, 9, tzinfo=UTC))

    async def aged(day: str | None) -> tuple[list[tuple[str, str, int]], list[str]]:
        """The first two buckets (label, amount, count) and the totals, in EUR."""
        report = await api.data(AGING, {"asOf": day}, token=world.admin("direct"))
        buckets = _buckets(report["agingReport"])
        assert {bucket[0] for bucket in buckets} <= {"EUR"}
        totals = [total["amount"] for total in report["agingReport"]["totals"]]
        return [bucket[1:] for bucket in buckets[:2]], totals

    def unpaid(amount: str, count: int) -> tuple[list[tuple[str, str, int]], list[str]]:
        return [("0-30", amount, count), ("31-60", "0.00", 0)], [amount]

    assert await aged("2025-12-31") == await aged("0001-01-01") == ([], [])  # nothing issued
    # the late payment was received on the 10th: the day before, all four were unpaid
    assert await aged("2026-01-09") == unpaid("210.00", 4)
    assert await aged("2026-01-10") == unpaid("160.00", 3)
    assert await aged("2026-01-20") == unpaid("110.00", 2)  # the part payment, the void
    assert await aged("2026-01-25") == unpaid("70.00", 1)  # the credit
    assert await aged("2026-02-15") == unpaid("140.00", 2)  # the new invoice
    today = ([("0-30", "70.00", 1), ("31-60", "70.00", 1)], ["140.00"])
    assert await aged(None) == await aged("2026-03-05") == today
    far = await aged("9999-12-31")  # the same invoices, older
    assert far == ([("0-30", "0.00", 0), ("31-60", "0.00", 0)], ["140.00"])


async def test_aging_of_one_customer_and_of_a_resellers_customers(api: Api, world: World) -> None:
    await _invoice_due(world, "direct", 10, "10.00")
    await _invoice_due(world, "direct", 10, "1.00", index=1)
    await _invoice_due(world, "reseller", 70, "50.00")
    one = await api.data(
        AGING, {"customerId": world.customer_id("direct", 1)}, token=world.admin("direct")
    )
    assert one["agingReport"]["totals"] == [{"amount": "1.00", "currency": "EUR"}]
    reseller = to_global_id("Partner", world.partners["reseller"].id)
    provider = await api.data(AGING, {"resellerId": reseller}, token=world.admin("provider"))
    assert _buckets(provider["agingReport"])[2] == ("BRL", "61-90", "50.00", 1)
    own = await api.data(AGING, token=world.admin("reseller"))
    assert own["agingReport"]["totals"] == [{"amount": "50.00", "currency": "BRL"}]


async def test_aging_of_another_tenants_customer_is_not_found(api: Api, world: World) -> None:
    body = await api.gql(
        AGING, {"customerId": world.customer_id("other")}, token=world.admin("direct")
    )
    assert body["data"] == {"agingReport": None}
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert body["errors"][0]["path"] == ["agingReport"]


async def test_a_direct_partner_naming_a_reseller_is_told_only_providers_do(
    api: Api, world: World
) -> None:
    reseller = to_global_id("Partner", world.partners["reseller"].id)
    body = await api.gql(AGING, {"resellerId": reseller}, token=world.admin("direct"))
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["message"] == "Only an indirect provider names one of its resellers here."


async def test_aging_is_denied_without_billing_read(api: Api, world: World) -> None:
    body = await api.gql(AGING, token=world.token("direct", Role.ACCOUNT_ADMIN))
    assert body["data"] == {"agingReport": None}
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_billing_dates_follow_the_cycle_and_stop_with_the_term() -> None:
    bought = datetime(2026, 1, 31, 9, tzinfo=UTC)
    row = _row(bought, "MONTHLY", ends=datetime(2027, 1, 31, 9, tzinfo=UTC))
    feb = list(
        billing_dates(row, datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC))
    )
    assert feb == [datetime(2026, 2, 28, 9, tzinfo=UTC)]  # the 31st where the month has one
    every = list(billing_dates(row, bought - timedelta(days=40), bought + timedelta(days=800)))
    assert len(every) == 12
    assert every[-1] == datetime(2026, 12, 31, 9, tzinfo=UTC)
    annual = _row(bought, "ANNUAL", ends=datetime(2029, 1, 31, 9, tzinfo=UTC))
    assert len(list(billing_dates(annual, bought, bought + timedelta(days=3 * 366)))) == 3
    cancelled = _row(bought, "MONTHLY", ends=datetime(2027, 1, 31, 9, tzinfo=UTC), cancelled=True)
    assert list(billing_dates(cancelled, bought, bought + timedelta(days=400))) == []


def _row(bought: datetime, cycle: str, *, ends: datetime, cancelled: bool = False) -> Any:
    class Row:
        purchased_at = term_started_at = bought
        term_ends_at = ends
        billing_cycle = cycle
        cancelled_at = bought + timedelta(days=1) if cancelled else None

    return Row()


async def test_what_the_partner_owes_microsoft_for_a_month_and_its_exposure(
    api: Api, world: World, clock: Clock
) -> None:
    clock.at(datetime(2026, 1, 15, 10, tzinfo=UTC))
    monthly = await world.add_subscription("direct", quantity=10)  # 4.80 a licence a month
    await world.add_subscription(
        "direct",
        quantity=2,
        unit_cost=("100.00", "EUR"),
        unit_price=("120.00", "EUR"),
        billing_cycle=models.BillingCycle.ANNUAL,
        product_family=models.ProductFamily.DYNAMICS_365,
    )
    await world.add_subscription("direct", unit_cost=None)  # no cost recorded
    cancelled = await world.add_subscription("direct", quantity=99)
    actor = await world.actor("direct")
    await subscriptions.cancel_subscription(actor, subscription_id=cancelled.id)
    overdue_one = await world.add_subscription("direct", 1, quantity=1)
    await world.add_subscription("other", quantity=50)  # another tenant's
    clock.at(datetime(2026, 2, 20, tzinfo=UTC))
    await subscriptions.change_quantity(actor, subscription_id=monthly.id, quantity=12)
    await subscriptions.suspend_subscription(
        actor, subscription_id=overdue_one.id, reason=models.SuspensionReason.NON_PAYMENT
    )
    clock.at(datetime(2026, 3, 20, tzinfo=UTC))
    await _invoice_due(world, "direct", 10, "4.80", index=1)
    token = world.admin("direct")

    january = (await api.data(BILL, {"period": "2026-01"}, token=token))["microsoftBill"]
    assert january["cost"] == [{"amount": "252.80", "currency": "EUR"}]  # 48 + 200 + 4.80
    assert january["byProductFamily"] == [
        {"productFamily": "DYNAMICS_365", "cost": [{"amount": "200.00", "currency": "EUR"}]},
        {"productFamily": "MICROSOFT_365", "cost": [{"amount": "52.80", "currency": "EUR"}]},
    ]
    assert (january["chargedSubscriptions"], january["uncostedSubscriptions"]) == (4, 1)
    assert january["periodStart"] == "2026-01-01T00:00:00+00:00"
    assert january["periodEnd"] == "2026-02-01T00:00:00+00:00"

    march = (await api.data(BILL, {"period": "2026-03"}, token=token))["microsoftBill"]
    # 12 licences since February, and the suspended subscription is still billed
    assert march["cost"] == [{"amount": "62.40", "currency": "EUR"}]
    assert march["exposure"] == [{"amount": "4.80", "currency": "EUR"}]
    assert march["overdueCustomers"] == 1
    now = (await api.data(BILL, token=token))["microsoftBill"]
    assert now["period"] == "2026-03"


async def test_a_malformed_period_is_bad_input_and_costs_need_pricing(
    api: Api, world: World
) -> None:
    for period in ("2026-13", "26-01", "2026-1", "9999-12", "soon"):
        body = await api.gql(BILL, {"period": period}, token=world.admin("direct"))
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", period
    denied = await api.gql(BILL, token=world.token("direct", Role.HELPDESK_AGENT))
    assert denied["data"] == {"microsoftBill": None}
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
