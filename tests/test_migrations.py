"""`partnergraph migrate` creates a database, upgrades an old one without losing rows, and the
migrations describe exactly the models."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import asyncpg

from tests.conftest import ROOT, run_cli

TENANT = "6a1f0c2e-1111-4a2b-9c3d-4e5f6a7b8c9d"


def cli(database_url: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    return run_cli({"PARTNERGRAPH_DATABASE_URL": database_url}, *arguments)


INSERT_PARTNER = (
    "INSERT INTO partners (tenant_id, name, kind, cloud, active, version, created_at, updated_at) "
    "VALUES ('{tenant}', 'Old Partner', 'DIRECT_BILL', 'GLOBAL', {true}, 1, {now}, {now})"
)
INSERT_USER = (
    "INSERT INTO users (partner_id, sub, active, version, created_at, updated_at) "
    "VALUES (1, 'old-user', {true}, 1, {now}, {now})"
)
INSERT_CUSTOMER = (
    "INSERT INTO customers (partner_id, company_name, domain, country, language, version, "
    "created_at, updated_at) VALUES (1, 'Kept Lda', 'kept.pt', 'PT', 'pt-PT', 1, {now}, {now})"
)


async def _run_sql(url: str, statements: list[str]) -> list[tuple]:
    """Run statements on the database directly; the result of the last one."""
    if url.startswith("sqlite://"):
        connection = sqlite3.connect(url.removeprefix("sqlite://"))
        try:
            rows: list[tuple] = []
            for statement in statements:
                rows = connection.execute(statement).fetchall()
            connection.commit()
            return rows
        finally:
            connection.close()
    connection = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        records = []
        for statement in statements:
            records = await connection.fetch(statement)
        return [tuple(record) for record in records]
    finally:
        await connection.close()


def _dialect(url: str) -> dict[str, str]:
    if url.startswith("sqlite://"):
        return {"tenant": TENANT, "true": "1", "now": "'2026-01-02 03:04:05+00:00'"}
    return {"tenant": TENANT, "true": "TRUE", "now": "now()"}


async def test_an_upgrade_from_the_first_migration_keeps_every_row(
    scratch_database_url: str,
) -> None:
    first = cli(scratch_database_url, "migrate", "--target", "0001_initial")
    assert first.returncode == 0, first.stderr
    values = _dialect(scratch_database_url)
    await _run_sql(
        scratch_database_url,
        [
            INSERT_PARTNER.format(**values),
            INSERT_USER.format(**values),
            INSERT_CUSTOMER.format(**values),
        ],
    )

    upgrade = cli(scratch_database_url, "migrate")
    assert upgrade.returncode == 0, upgrade.stderr
    rows = await _run_sql(
        scratch_database_url,
        ["SELECT p.name, c.company_name FROM customers c JOIN partners p ON p.id = c.partner_id"],
    )
    assert rows == [("Old Partner", "Kept Lda")]
    # a column added later (0011) is filled in for the rows there were
    users = await _run_sql(scratch_database_url, ["SELECT sub, safelist_only FROM users"])
    assert [(sub, bool(bound)) for sub, bound in users] == [("old-user", False)]
    assert await _run_sql(scratch_database_url, ["SELECT COUNT(*) FROM audit_events"]) == [(0,)]

    indexes = (
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'customers' AND sql IS NOT NULL"
        if scratch_database_url.startswith("sqlite://")
        else "SELECT indexname FROM pg_indexes WHERE tablename = 'customers' AND indexname LIKE '%\\_%\\_%' "
        "AND indexname <> 'customers_pkey'"
    )
    assert {name for (name,) in await _run_sql(scratch_database_url, [indexes])} == {
        "idx_customers_partner_a9abc7",  # (partner_id, id)
        "idx_customers_reselle_ce73e8",  # (reseller_id, id)
        "idx_customers_partner_0fd0fd",  # (partner_id, updated_at)
        "uid_customers_seller__6aa274",  # unique (seller_id, external_id)
    }

    again = cli(scratch_database_url, "migrate")
    assert again.returncode == 0, again.stderr
    assert await _run_sql(scratch_database_url, ["SELECT COUNT(*) FROM customers"]) == [(1,)]

    # going back would drop what later migrations added: refused, and nothing changes
    back = cli(scratch_database_url, "migrate", "--target", "0001_initial")
    assert back.returncode == 2
    assert "0001_initial is behind the database" in back.stderr
    assert "Traceback" not in back.stderr
    users = await _run_sql(scratch_database_url, ["SELECT sub, safelist_only FROM users"])
    assert [(sub, bool(bound)) for sub, bound in users] == [("old-user", False)]


INSERT_SUBSCRIPTION = (
    "INSERT INTO subscriptions (customer_id, partner_id, seller_id, parent_id, offer_id, "
    "offer_name, product_family, quantity, currency, unit_price, billing_cycle, term_duration, "
    "auto_renew, status, suspension_reasons, purchased_at, term_started_at, term_ends_at, "
    "version, created_at, updated_at) VALUES (1, 1, 1, {parent}, 'CFQ7TTC0LH18:0001', 'Offer', "
    "'MICROSOFT_365', 1, 'EUR', 6, 'MONTHLY', 'P1Y', {false}, 'SUSPENDED', '{reasons}', {now}, "
    "{now}, {now}, 1, {now}, {now})"
)


async def test_an_upgrade_takes_an_add_ons_reasons_that_its_base_has_too_as_passed_on(
    scratch_database_url: str,
) -> None:
    before = cli(scratch_database_url, "migrate", "--target", "0012_unlogged_rate_buckets")
    assert before.returncode == 0, before.stderr
    values = {**_dialect(scratch_database_url), "false": "FALSE"}
    rows = [("NULL", "PARTNER_REQUEST,FRAUD"), ("1", "FRAUD,NON_PAYMENT"), ("1", "NON_PAYMENT")]
    await _run_sql(
        scratch_database_url,
        [
            INSERT_PARTNER.format(**values),
            INSERT_CUSTOMER.replace("partner_id,", "partner_id, seller_id,")
            .replace("VALUES (1,", "VALUES (1, 1,")
            .format(**values),
            *(INSERT_SUBSCRIPTION.format(**values, parent=p, reasons=r) for p, r in rows),
        ],
    )
    upgrade = cli(scratch_database_url, "migrate")
    assert upgrade.returncode == 0, upgrade.stderr
    marked = await _run_sql(
        scratch_database_url, ["SELECT inherited_reasons FROM subscriptions ORDER BY id"]
    )
    assert marked == [("",), ("FRAUD",), ("",)]


DETECT_CHANGES = """
import asyncio
from tortoise.context import TortoiseContext
from tortoise.migrations.autodetector import MigrationAutodetector
from api.database import tortoise_config

async def main():
    config = tortoise_config("sqlite://:memory:")
    async with TortoiseContext() as context:
        await context.init(config=config)
        writers = await MigrationAutodetector(context.apps, config["apps"]).changes()
    print(sorted(writer.name for writer in writers))

asyncio.run(main())
"""


def test_the_migrations_describe_exactly_the_models() -> None:
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", DETECT_CHANGES],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]", (
        "models changed without a migration: run `tortoise makemigrations`"
    )
