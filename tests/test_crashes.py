"""The server process killed (SIGKILL) in the middle of payments and of a bulk sync: after a
restart, the same requests with the same idempotency keys (the sync: the same payload) have
exactly one effect each, and every change has exactly one event in the change feed.
(Killed in the middle of a webhook delivery: tests/test_webhook_servers.py.)"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import subprocess
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from tests.conftest import free_port
from tests.test_reseller_sync import SYNC, customer
from tests.test_server import add_partner, admin_token, cli, post, server_process

PROVIDER = "2d9a4e3c-8f5b-4a7c-9d0e-9f8a7b6c5d4e"
RESELLER = "3e0b5f4d-9a6c-4b8d-8e1f-0a9b8c7d6e5f"
ISSUE = """mutation($input: IssueInvoiceInput!) {
  issueInvoice(input: $input) { invoice { id } userErrors { code } } }"""
PAY = """mutation($input: RecordPaymentInput!) {
  recordPayment(input: $input) { payment { id } invoice { status } userErrors { code } } }"""
NEW_CUSTOMER = """mutation {
  createCustomer(input: {companyName: "Crash Lda", domain: "crash.example", country: "PT",
                         language: "pt-PT"}) { customer { id } userErrors { code } } }"""
RESELLERS = "{ resellers(first: 5) { nodes { id } } }"
INVOICES = 30
SYNCED = 1_000


def count(database_url: str, sql: str) -> int:
    """One number from the database, read past the server (which may be dead)."""
    if database_url.startswith("sqlite://"):
        with sqlite3.connect(database_url.removeprefix("sqlite://")) as connection:
            return connection.execute(sql).fetchone()[0]

    async def read() -> int:
        connection = await asyncpg.connect(database_url.replace("postgres://", "postgresql://"))
        try:
            return await connection.fetchval(sql)
        finally:
            await connection.close()

    return asyncio.run(read())


def graphql(base: str, token: str, query: str, **variables: Any) -> dict[str, Any]:
    status, body = post(f"{base}/graphql", query, token, variables)
    assert status == 200, body
    assert "errors" not in body, body
    return body["data"]


def writing(database_url: str) -> None:
    """Until the sync is writing its customers: seen in PostgreSQL, or half a second on SQLite
    (a sync of this size takes longer; if it did not, the count of zero below would fail)."""
    if database_url.startswith("sqlite://"):
        time.sleep(0.5)
        return
    name = database_url.rsplit("/", 1)[1]
    inserting = (
        f"SELECT COUNT(*) FROM pg_stat_activity WHERE datname = '{name}' "
        "AND query LIKE 'INSERT INTO \"customers\"%'"
    )
    deadline = time.monotonic() + 30
    while not count(database_url, inserting):
        assert time.monotonic() < deadline, "the sync never started writing"
        time.sleep(0.02)


def killed_during(process: subprocess.Popen[bytes], calls: list[Callable[[], Any]]) -> None:
    """Start every call at once and kill the server with SIGKILL as soon as one returns."""

    def call_until_killed(call: Callable[[], Any]) -> None:
        with contextlib.suppress(OSError):  # the connection dropped by the kill
            call()

    async def race() -> None:
        pending = {
            asyncio.ensure_future(asyncio.to_thread(call_until_killed, call)) for call in calls
        }
        await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
        process.kill()
        await asyncio.wait(pending)

    asyncio.run(race())


@pytest.fixture
def crash_environment(environment: dict[str, str]) -> dict[str, str]:
    # one token floods the server on purpose: no rate limit is to refuse it
    crashing = {**environment, "PARTNERGRAPH_RATE_LIMITS": "false"}
    cli(crashing, "migrate")
    return crashing


def test_payments_cut_off_by_a_killed_server_count_once_when_retried(
    crash_environment: dict[str, str], tmp_path: Path
) -> None:
    environment, log = crash_environment, tmp_path / "server.log"
    add_partner(environment, PROVIDER, "Crash Lda")
    token = admin_token(environment, PROVIDER)
    with server_process(environment, log, str(free_port())) as (base, process):
        customer_id = graphql(base, token, NEW_CUSTOMER)["createCustomer"]["customer"]["id"]
        invoices = [
            graphql(base, token, ISSUE, input={
                "customerId": customer_id, "currency": "EUR", "dueDate": "2099-12-31",
                "lines": [{"description": "Seats", "quantity": "2", "unitPrice": "30.00"}],
            })["issueInvoice"]["invoice"]["id"]
            for _ in range(INVOICES)
        ]  # fmt: skip
        payments = [
            {
                "invoiceId": invoice,
                "amount": {"amount": "60.00", "currency": "EUR"},
                "reference": f"SEPA-{number}",
                "idempotencyKey": f"erp-payment-{number}",
            }
            for number, invoice in enumerate(invoices)
        ]
        calls = [
            lambda payment=payment: post(f"{base}/graphql", PAY, token, {"input": payment})
            for payment in payments
        ]
        killed_during(process, calls)
    database = environment["PARTNERGRAPH_DATABASE_URL"]
    recorded_before = count(database, "SELECT COUNT(*) FROM payments")
    assert recorded_before < INVOICES, "the server was killed after every payment was done"
    with server_process(environment, log, str(free_port())) as (base, _):
        for payment in payments:
            retried = graphql(base, token, PAY, input=payment)["recordPayment"]
            assert (retried["userErrors"], retried["invoice"]["status"]) == ([], "PAID")
    assert count(database, "SELECT COUNT(*) FROM payments") == INVOICES
    assert count(database, "SELECT COUNT(DISTINCT invoice_id) FROM payments") == INVOICES
    events = "SELECT COUNT(*) FROM change_events WHERE action = 'payment.recorded'"
    assert count(database, events) == INVOICES


def test_a_bulk_sync_cut_off_by_a_killed_server_creates_each_customer_once_when_resent(
    crash_environment: dict[str, str], tmp_path: Path
) -> None:
    environment, log = crash_environment, tmp_path / "server.log"
    add_partner(environment, PROVIDER, "Crash Distribuidora", "INDIRECT_PROVIDER")
    add_partner(environment, RESELLER, "Crash Revenda", "INDIRECT_RESELLER", provider=PROVIDER)
    token = admin_token(environment, PROVIDER)
    payload = {"customers": [customer(number) for number in range(SYNCED)]}
    with server_process(environment, log, str(free_port())) as (base, process):
        reseller = graphql(base, token, RESELLERS)["resellers"]["nodes"][0]["id"]
        sync = {"input": {"resellerId": reseller, **payload}}
        database = environment["PARTNERGRAPH_DATABASE_URL"]
        killed_during(
            process,
            [lambda: post(f"{base}/graphql", SYNC, token, sync), partial(writing, database)],
        )
    assert count(database, "SELECT COUNT(*) FROM customers") == 0  # one transaction: nothing
    with server_process(environment, log, str(free_port())) as (base, _):
        results = graphql(base, token, SYNC, **sync)["syncResellerData"]["results"]
        again = graphql(base, token, SYNC, **sync)["syncResellerData"]["results"]
    assert {result["status"] for result in results} == {"CREATED"}
    assert {result["status"] for result in again} == {"UNCHANGED"}
    assert count(database, "SELECT COUNT(*) FROM customers") == SYNCED
    assert count(database, "SELECT COUNT(DISTINCT external_id) FROM customers") == SYNCED
    events = "SELECT COUNT(*) FROM change_events WHERE action = 'customer.created'"
    assert count(database, events) == SYNCED
