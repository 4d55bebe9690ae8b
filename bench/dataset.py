"""Benchmark data sets, from the demo's size to 100,000 customers with 1,000,000
subscriptions, on SQLite or PostgreSQL.

A data set is a direct-bill partner and an indirect provider with 20 resellers; half the
customers belong to the direct partner, half to the resellers. Each customer has the same
number of subscriptions (3, or 10 in the large set), across the product families, a tenth of
them suspended, each with its quantity history. Generating is idempotent: a database that
already holds the requested size is left as it is.
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from tortoise.connection import get_connection

from api import database
from auth.viewer import PartnerKind
from resolvers.models import (
    AuditEvent,
    BillingCycle,
    ChangeEvent,
    Customer,
    IdempotencyKey,
    Partner,
    ProductFamily,
    Subscription,
    SubscriptionQuantity,
    SubscriptionStatus,
)
from resolvers.subscriptions import add_months

SIZES = {"demo": 10, "small": 1_000, "medium": 10_000, "large": 100_000}
SUBSCRIPTIONS_PER_CUSTOMER = {"demo": 3, "small": 3, "medium": 3, "large": 10}
OFFERS = (
    ("CFQ7TTC0LH18:0001", "Microsoft 365 Business Basic", ProductFamily.MICROSOFT_365, "6.00"),
    ("CFQ7TTC0LF8Q:0001", "Exchange Online (Plan 1)", ProductFamily.MICROSOFT_365, "4.00"),
    ("DZH318Z0BPS6:0001", "Azure plan", ProductFamily.AZURE, "0.00"),
    ("CFQ7TTC0LFK5:0001", "Dynamics 365 Sales Enterprise", ProductFamily.DYNAMICS_365, "95.00"),
    ("DG7GMGF0DVT6:0001", "Windows Server 2022 Standard", ProductFamily.ON_PREMISES, "43.50"),
)
DIRECT_TENANT = "00000000-0000-4000-8000-00000000d1ec"
PROVIDER_TENANT = "00000000-0000-4000-8000-0000000000b0"
RESELLERS = 20
BATCH = 5_000
LANGUAGES = (("PT", "pt-PT"), ("BR", "pt-BR"), ("IT", "it"), ("SE", "sv"), ("US", "en"))


@dataclass(frozen=True)
class DataSet:
    customers: int
    subscriptions: int
    direct_tenant: str = DIRECT_TENANT
    provider_tenant: str = PROVIDER_TENANT


async def generate(customers: int, per_customer: int = 3) -> DataSet:
    """Create the partners, `customers` customers and `per_customer` subscriptions for each,
    unless they are there already."""
    direct = await Partner.get_or_none(tenant_id=DIRECT_TENANT)
    if direct is not None:
        present = await Customer.all().count()
        if present < customers:
            raise SystemExit(
                f"the database holds {present} customers, fewer than {customers}: use a fresh one"
            )
        await _forget_earlier_runs(customers)
        if not await Subscription.exists():
            await _generate_subscriptions(per_customer)
        return DataSet(customers, await Subscription.all().count())
    direct = await Partner.create(
        tenant_id=DIRECT_TENANT, name="Bench Direct", kind=PartnerKind.DIRECT_BILL
    )
    provider = await Partner.create(
        tenant_id=PROVIDER_TENANT, name="Bench Provider", kind=PartnerKind.INDIRECT_PROVIDER
    )
    resellers = [
        await Partner.create(
            tenant_id=f"00000000-0000-4000-8000-{number:012d}",
            name=f"Bench Reseller {number}",
            kind=PartnerKind.INDIRECT_RESELLER,
            provider=provider,
            mpn_id=f"{7_000_000 + number}",
        )
        for number in range(1, RESELLERS + 1)
    ]
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for offset in range(0, customers, BATCH):
        rows = []
        for number in range(offset, min(offset + BATCH, customers)):
            country, language = LANGUAGES[number % len(LANGUAGES)]
            to_reseller = number % 2 == 1
            moment = start + timedelta(minutes=number)
            rows.append(
                Customer(
                    partner_id=provider.id if to_reseller else direct.id,
                    seller_id=resellers[number % RESELLERS].id if to_reseller else direct.id,
                    reseller_id=resellers[number % RESELLERS].id if to_reseller else None,
                    company_name=f"Customer {number:06d} Lda",
                    domain=f"customer{number:06d}.onmicrosoft.com",
                    country=country,
                    language=language,
                    external_id=f"ERP-{number:06d}",
                    billing_contact_name=f"Contact {number}",
                    billing_contact_email=f"billing{number}@customer{number:06d}.example",
                    created_at=moment,
                    updated_at=moment,
                )
            )
        await Customer.bulk_create(rows)
    await _generate_subscriptions(per_customer)
    return DataSet(customers, customers * per_customer)


async def _generate_subscriptions(per_customer: int) -> None:
    """`per_customer` subscriptions for every customer, each with its quantity history."""
    after = 0
    while True:
        owners = await Customer.filter(id__gt=after).order_by("id").limit(BATCH // per_customer)
        if not owners:
            return
        after = owners[-1].id
        subscriptions = []
        for customer in owners:
            for number in range(per_customer):
                offer_id, offer_name, family, price = OFFERS[(customer.id + number) % len(OFFERS)]
                purchased = customer.created_at + timedelta(days=number)
                suspended = (customer.id + number) % 10 == 0
                subscriptions.append(
                    Subscription(
                        customer_id=customer.id,
                        partner_id=customer.partner_id,
                        reseller_id=customer.reseller_id,
                        seller_id=customer.seller_id,
                        offer_id=offer_id,
                        offer_name=offer_name,
                        product_family=family,
                        quantity=1 + (customer.id * 7 + number) % 300,
                        currency="EUR",
                        unit_price=Decimal(price),
                        unit_cost=Decimal(price) * Decimal("0.8"),
                        billing_cycle=BillingCycle.MONTHLY,
                        term_duration="P1Y",
                        auto_renew=not suspended,
                        status=SubscriptionStatus.SUSPENDED
                        if suspended
                        else SubscriptionStatus.ACTIVE,
                        suspension_reasons="NON_PAYMENT" if suspended else "",
                        purchased_at=purchased,
                        term_started_at=purchased,
                        term_ends_at=add_months(purchased, 12),
                        created_at=purchased,
                        updated_at=purchased,
                    )
                )
        await Subscription.bulk_create(subscriptions)
        created = (
            await Subscription.filter(customer_id__gt=owners[0].id - 1)
            .filter(customer_id__lte=after)
            .values_list("id", "partner_id", "reseller_id", "quantity", "purchased_at")
        )
        await SubscriptionQuantity.bulk_create(
            [
                SubscriptionQuantity(
                    subscription_id=pk,
                    partner_id=partner_id,
                    reseller_id=reseller_id,
                    quantity=quantity,
                    effective_from=purchased_at,
                )
                for pk, partner_id, reseller_id, quantity, purchased_at in created
            ]
        )


async def _forget_earlier_runs(customers: int) -> None:
    """Remove what earlier benchmark runs created, so that every run measures the same data."""
    await Customer.filter(id__gt=customers).delete()
    for model in (AuditEvent, ChangeEvent, IdempotencyKey):
        await model.all().delete()


async def prepare(database_url: str, size: str) -> DataSet:
    await database.migrate(database_url)
    async with database.connected(database_url):
        data = await generate(SIZES[size], SUBSCRIPTIONS_PER_CUSTOMER[size])
        # fresh statistics and no dead rows: every run plans its queries on the same footing
        for statement in ("VACUUM", "ANALYZE"):
            await get_connection("default").execute_script(statement)
        return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--size", choices=SIZES, default="small")
    arguments = parser.parse_args()
    data = asyncio.run(prepare(arguments.database_url, arguments.size))
    print(
        f"{data.customers} customers, {data.subscriptions} subscriptions in {arguments.database_url}"
    )


if __name__ == "__main__":
    main()
