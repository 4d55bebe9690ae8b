"""Benchmark data sets, from the demo's size to 100,000 customers, on SQLite or PostgreSQL.

A data set is a direct-bill partner and an indirect provider with 20 resellers; half the
customers belong to the direct partner, half to the resellers. Generating is idempotent:
a database that already holds the requested size is left as it is.
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.connection import get_connection

from api import database
from auth.viewer import PartnerKind
from resolvers.models import AuditEvent, ChangeEvent, Customer, IdempotencyKey, Partner

SIZES = {"demo": 10, "small": 1_000, "medium": 10_000, "large": 100_000}
DIRECT_TENANT = "00000000-0000-4000-8000-00000000d1ec"
PROVIDER_TENANT = "00000000-0000-4000-8000-0000000000b0"
RESELLERS = 20
BATCH = 5_000
LANGUAGES = (("PT", "pt-PT"), ("BR", "pt-BR"), ("IT", "it"), ("SE", "sv"), ("US", "en"))


@dataclass(frozen=True)
class DataSet:
    customers: int
    direct_tenant: str = DIRECT_TENANT
    provider_tenant: str = PROVIDER_TENANT


async def generate(customers: int) -> DataSet:
    """Create the partners and `customers` customers unless they are there already."""
    direct = await Partner.get_or_none(tenant_id=DIRECT_TENANT)
    if direct is not None:
        present = await Customer.all().count()
        if present >= customers:
            await _forget_earlier_runs(customers)
            return DataSet(customers)
        raise SystemExit(
            f"the database holds {present} customers, fewer than {customers}: use a fresh one"
        )
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
    return DataSet(customers)


async def _forget_earlier_runs(customers: int) -> None:
    """Remove what earlier benchmark runs created, so that every run measures the same data."""
    await Customer.filter(id__gt=customers).delete()
    for model in (AuditEvent, ChangeEvent, IdempotencyKey):
        await model.all().delete()


async def prepare(database_url: str, customers: int) -> DataSet:
    await database.migrate(database_url)
    async with database.connected(database_url):
        data = await generate(customers)
        # fresh statistics and no dead rows: every run plans its queries on the same footing
        for statement in ("VACUUM", "ANALYZE"):
            await get_connection("default").execute_script(statement)
        return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--size", choices=SIZES, default="small")
    arguments = parser.parse_args()
    data = asyncio.run(prepare(arguments.database_url, SIZES[arguments.size]))
    print(f"{data.customers} customers in {arguments.database_url}")


if __name__ == "__main__":
    main()
