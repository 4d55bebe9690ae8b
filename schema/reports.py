"""Reports: the aging of unpaid invoices, and what the partner owes Microsoft per period."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from auth.permissions import Capability
from resolvers import billing, reports
from resolvers.reports import Charges
from schema.guards import field
from schema.money import Money
from schema.nodes import decode_id
from schema.subscriptions import ProductFamily

READ, PRICING = Capability.BILLING_READ, Capability.PRICING_READ


def _amounts(charges: Charges) -> list[Money]:
    """One amount per currency, alphabetical."""
    return [Money.of_minor(minor, currency) for currency, minor in sorted(charges.minor.items())]  # type: ignore[misc]


@strawberry.type(description="What is unpaid, in one currency, this many days past due.")
class AgingBucket:
    label: str = field(READ, description="0-30 (not yet due included), 31-60, 61-90 or 90+.")
    amount: Money = field(READ, description="Unpaid on these invoices, disputed ones included.")
    invoice_count: int = field(READ, description="How many invoices.")


@strawberry.type(description="Unpaid invoices by how late they are, per currency.")
class AgingReport:
    as_of: date = field(READ, description="The day the days past due are counted to.")
    buckets: list[AgingBucket] = field(
        READ, description="Four per currency, in order; currencies alphabetical."
    )
    totals: list[Money] = field(READ, description="Everything unpaid, per currency.")


@strawberry.type(description="The cost of one product family's subscriptions.")
class ProductFamilyCost:
    product_family: ProductFamily = field(PRICING, description="The product family.")  # type: ignore[valid-type]
    cost: list[Money] = field(PRICING, description="Per currency.")


@strawberry.type(
    description="What you owe Microsoft for a billing period (an indirect reseller: its "
    "indirect provider), whether or not your customers pay you."
)
class MicrosoftBill:
    period: str = field(PRICING, description="The calendar month, YYYY-MM.")
    period_start: datetime = field(PRICING, description="Its first moment, UTC.")
    period_end: datetime = field(PRICING, description="The first moment after it.")
    cost: list[Money] = field(
        PRICING,
        description="Unit cost × quantity on each billing date in the period, suspended "
        "subscriptions included; per currency.",
    )
    exposure: list[Money] = field(
        PRICING, description="The part of the cost for customers overdue today; per currency."
    )
    by_product_family: list[ProductFamilyCost] = field(
        PRICING, description="The cost split by product family."
    )
    charged_subscriptions: int = field(PRICING, description="Subscriptions charged in it.")
    uncosted_subscriptions: int = field(
        PRICING, description="Of those, how many have no unit cost recorded: not in `cost`."
    )
    overdue_customers: int = field(PRICING, description="Customers overdue today.")


@strawberry.type
class ReportQuery:
    @field(
        READ,
        description="Your customers' invoices unpaid at the end of a day (UTC; `asOf`, today "
        "by default), by days past due that day. A past day is reported as it stood then.",
    )
    async def aging_report(
        self,
        info: strawberry.Info,
        as_of: date | None = None,
        customer_id: strawberry.ID | None = None,
        reseller_id: strawberry.ID | None = None,
    ) -> AgingReport | None:
        day = as_of or billing.today()
        buckets = await reports.aging_report(
            info.context.signed_in,
            as_of=day,
            customer_id=decode_id(customer_id, "Customer", ["customerId"]) if customer_id else None,
            reseller_id=decode_id(reseller_id, "Partner", ["resellerId"]) if reseller_id else None,
        )
        totals = Charges()
        for bucket in buckets:
            totals.minor[bucket.currency] += bucket.amount_minor
        return AgingReport(
            as_of=day,
            buckets=[
                AgingBucket(
                    label=bucket.label,
                    amount=Money.of_minor(bucket.amount_minor, bucket.currency),  # type: ignore[arg-type]
                    invoice_count=bucket.invoice_count,
                )
                for bucket in buckets
            ],
            totals=_amounts(totals),
        )

    @field(PRICING, description="What you owe Microsoft for a month (this one by default).")
    async def microsoft_bill(
        self, info: strawberry.Info, period: str | None = None
    ) -> MicrosoftBill | None:
        today = billing.today()
        month = period or f"{today:%Y-%m}"
        bill = await reports.microsoft_bill(info.context.signed_in, period=month, as_of=today)
        return MicrosoftBill(
            period=month,
            period_start=bill.start,
            period_end=bill.end,
            cost=_amounts(bill.cost),
            exposure=_amounts(bill.exposure),
            by_product_family=[
                ProductFamilyCost(product_family=family, cost=_amounts(charges))
                for family, charges in sorted(bill.by_family.items())
            ],
            charged_subscriptions=bill.charged_subscriptions,
            uncosted_subscriptions=bill.uncosted_subscriptions,
            overdue_customers=bill.overdue_customers,
        )
