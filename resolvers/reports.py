"""Reports over billing: how old the unpaid invoices are, and what the partner owes Microsoft.

The aging report puts every invoice unpaid (open or disputed) at the end of a day (UTC) in a
bucket by how many days past its due date it is that day, per currency; an invoice not yet due
is in the first. A past day is reported as it stood then: invoices issued by its end and not
yet void, less the payments received and the credits granted by then.

What the partner owes Microsoft for a billing period (a calendar month, UTC) follows Partner
Center's new-commerce billing: a subscription is charged its unit cost times the quantity in
force on each billing date — its purchase, then every billing cycle — while its terms last.
A suspended subscription is still charged (suspension keeps billing the partner); a
cancelled one is refunded the term it was cancelled in. The exposure is the part of that
cost owed for customers who are overdue: the partner pays it whether or not they pay.
Changes of quantity inside a cycle are prorated by Microsoft on its own invoice, not here.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import MAXYEAR, UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from auth.viewer import Viewer
from resolvers.billing import overdue_invoices, rounded, visible
from resolvers.customers import check_reseller, get_customer
from resolvers.errors import BadInput
from resolvers.models import (
    BillingCycle,
    Invoice,
    InvoiceStatus,
    ProductFamily,
    Subscription,
    SubscriptionQuantity,
)
from resolvers.money import to_minor
from resolvers.rows import Row, Where, select, select_rows
from resolvers.subscriptions import CYCLE_MONTHS, add_months

# (label, the most days past due it holds; None: no limit)
AGING_BUCKETS = (("0-30", 30), ("31-60", 60), ("61-90", 90), ("90+", None))
BATCH = 2000  # subscriptions read at once for a bill
# What an invoice left unpaid at a moment (`then`): what it leaves unpaid now, plus the
# payments received and the credits granted since. Only an invoice unpaid now, or paid or
# voided since, can have left something unpaid then.
UNPAID_THEN = (
    "total_minor - paid_minor - credited_minor"
    " + COALESCE((SELECT SUM(amount_minor) FROM payments"
    " WHERE invoice_id = invoices.id AND received_at >= {then}), 0)"
    " + COALESCE((SELECT SUM(credited_minor) FROM billing_disputes"
    " WHERE invoice_id = invoices.id AND resolved_at >= {then}), 0)"
)
UNPAID_THEN_AMONG = (
    f"(status IN ('{InvoiceStatus.OPEN}', '{InvoiceStatus.DISPUTED}')"
    " OR paid_at >= {then} OR voided_at >= {then})"
)


def bucket_of(days_past_due: int) -> str:
    for label, most in AGING_BUCKETS:
        if most is None or days_past_due <= most:
            return label
    raise AssertionError("the last bucket has no limit")


@dataclass
class AgingBucket:
    label: str
    currency: str
    amount_minor: int = 0
    invoice_count: int = 0


async def aging_report(
    viewer: Viewer,
    *,
    as_of: date,
    customer_id: int | None = None,
    reseller_id: int | None = None,
) -> list[AgingBucket]:
    """The amounts unpaid at the end of `as_of` of the invoices the viewer sees, by currency
    (alphabetical) and bucket (in order); every bucket of a currency is there, empty ones with
    zero."""
    where = visible(Invoice, viewer)
    if customer_id is not None:
        await get_customer(viewer, customer_id, field=["customerId"])
        where.equal(customer_id=customer_id)
    if reseller_id is not None:
        await check_reseller(viewer, reseller_id)
        where.equal(reseller_id=reseller_id)
    end = datetime.combine(min(as_of, date.max - timedelta(days=1)), time(), UTC)
    end += timedelta(days=1)
    where.add("issued_at < {}", end)
    then = f"${len(where.values)}"  # the end of the day, again
    where.add(UNPAID_THEN_AMONG.format(then=then))
    records = await select(
        Invoice,
        "SELECT currency, due_date, SUM(unpaid), COUNT(*) FROM (SELECT currency, due_date, "  # noqa: S608
        f"{UNPAID_THEN.format(then=then)} AS unpaid FROM invoices{where.sql()}) AS aged "
        "WHERE unpaid > 0 GROUP BY currency, due_date",
        *where.values,
    )
    buckets: dict[tuple[str, str], AgingBucket] = {}
    for currency, due, amount, count in records:
        due_date = date.fromisoformat(due) if isinstance(due, str) else due
        label = bucket_of((as_of - due_date).days)
        for each, _ in AGING_BUCKETS:
            buckets.setdefault((currency, each), AgingBucket(each, currency))
        bucket = buckets[(currency, label)]
        bucket.amount_minor += int(amount)
        bucket.invoice_count += int(count)
    order = {label: position for position, (label, _) in enumerate(AGING_BUCKETS)}
    return sorted(buckets.values(), key=lambda bucket: (bucket.currency, order[bucket.label]))


# -- what the partner owes Microsoft ----------------------------------------------------------


def period_bounds(period: str) -> tuple[datetime, datetime]:
    """The first moment of a month given as YYYY-MM and of the month after, in UTC."""
    try:
        start = datetime.strptime(period, "%Y-%m").replace(tzinfo=UTC)
    except ValueError:
        start = None
    if start is None or len(period) != len("2026-11") or start.year >= MAXYEAR:
        raise BadInput("report.period", field=["period"])
    return start, add_months(start, 1)


def billing_dates(row: Row, start: datetime, end: datetime) -> Iterator[datetime]:
    """The moments in [start, end) the subscription is charged at: its purchase and every
    billing cycle after it, before its term ends (before the cancelled term began, if it was
    cancelled: a cancellation within the window is refunded)."""
    months = CYCLE_MONTHS[BillingCycle(row.billing_cycle)]
    last = row.term_started_at if row.cancelled_at is not None else row.term_ends_at
    bought = row.purchased_at
    elapsed = (start.year - bought.year) * 12 + start.month - bought.month
    cycle = max(0, elapsed // months - 1)  # a cycle at or before the period's first
    while (moment := add_months(bought, months * cycle)) < end and moment < last:
        if moment >= start:
            yield moment
        cycle += 1


@dataclass
class Charges:
    """Sums in minor units per currency."""

    minor: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, currency: str, amount: Decimal) -> None:
        self.minor[currency] += to_minor(rounded(amount, currency), currency)


@dataclass
class MicrosoftBill:
    start: datetime
    end: datetime
    cost: Charges = field(default_factory=Charges)
    exposure: Charges = field(default_factory=Charges)
    by_family: dict[ProductFamily, Charges] = field(default_factory=lambda: defaultdict(Charges))
    charged_subscriptions: int = 0
    uncosted_subscriptions: int = 0  # charged, but with no unit cost recorded
    overdue_customers: int = 0


async def microsoft_bill(viewer: Viewer, *, period: str, as_of: date) -> MicrosoftBill:
    """What the viewer owes for the subscriptions it sells in `period` (an indirect reseller:
    to its indirect provider), and the part of it for customers overdue on `as_of`."""
    start, end = period_bounds(period)
    bill = MicrosoftBill(start=start, end=end)
    overdue = await _overdue_customers(viewer, as_of)
    bill.overdue_customers = len(overdue)
    after = 0
    while True:
        where = visible(Subscription, viewer).add("id > {}", after)
        where.add("purchased_at < {}", end).add("term_ends_at > {}", start)
        rows = await select_rows(where, limit=BATCH)
        if not rows:
            return bill
        after = rows[-1].id
        quantities = await _quantity_histories([row.id for row in rows], end)
        for row in rows:
            _charge(bill, row, quantities.get(row.id, []), overdue)


def _charge(bill: MicrosoftBill, row: Row, history: list[Any], overdue: set[int]) -> None:
    moments = list(billing_dates(row, bill.start, bill.end))
    if not moments:
        return
    bill.charged_subscriptions += 1
    if row.unit_cost is None:
        bill.uncosted_subscriptions += 1
        return
    starts = [moment for moment, _ in history]
    for moment in moments:
        found = bisect.bisect_right(starts, moment)
        quantity = history[found - 1][1] if found else row.quantity
        amount = Decimal(row.unit_cost) * quantity
        bill.cost.add(row.currency, amount)
        bill.by_family[ProductFamily(row.product_family)].add(row.currency, amount)
        if row.customer_id in overdue:
            bill.exposure.add(row.currency, amount)


async def _quantity_histories(
    subscription_ids: list[int], end: datetime
) -> dict[int, list[tuple[datetime, int]]]:
    where = Where(SubscriptionQuantity).one_of("subscription_id", subscription_ids)
    where.add("effective_from < {}", end)
    found: dict[int, list[tuple[datetime, int]]] = defaultdict(list)
    for row in await select_rows(where, order="effective_from"):
        found[row.subscription_id].append((row.effective_from, row.quantity))
    return found


async def _overdue_customers(viewer: Viewer, as_of: date) -> set[int]:
    overdue, values = overdue_invoices(visible(Invoice, viewer), as_of)
    late = f"SELECT DISTINCT customer_id FROM ({overdue}) AS late"  # noqa: S608
    records = await select(Invoice, late, *values)
    return {record[0] for record in records}
