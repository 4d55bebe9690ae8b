"""Faults injected on purpose: a database connection killed in the middle of a request,
PostgreSQL restarted under load, and the server killed (SIGKILL) in the middle of payments
and of a bulk sync. Each time the client gets a clean answer it can act on, the service
comes back by itself, and a retry with the same idempotency key has exactly one effect.
(A server killed in the middle of a webhook delivery: tests/test_webhook_servers.py.)"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from tortoise.connection import get_connection

from api.settings import Settings
from resolvers import customers, reports
from resolvers.models import Customer
from tests.conftest import World, free_port
from tests.databases import backend
from tests.test_rate_limits import serving
from tests.test_server import add_partner, admin_token, cli, post, server_process

postgres_only = pytest.mark.skipif(backend() != "postgres", reason="faults of PostgreSQL")
SLOW = "SELECT pg_sleep(20)"
TENANT = "0b7e2c1a-6d3f-4e5a-9b8c-7d6e5f4a3b2c"
RESELLER_TENANT = "1c8f3d2b-7e4a-4f6b-8c9d-8e7f6a5b4c3d"
CREATE = """mutation($input: CreateCustomerInput!) {
  createCustomer(input: $input) { customer { id companyName } userErrors { code } } }"""
CUSTOMERS = "{ customers(first: 5) { totalCount nodes { id } } }"


def new_customer(name: str) -> dict[str, Any]:
    return {
        "companyName": name,
        "domain": "example.com",
        "country": "SE",
        "language": "sv",
        "idempotencyKey": f"create-{name}",
    }


def code_of(body: dict[str, Any]) -> str | None:
    errors = body.get("errors") or []
    return errors[0]["extensions"]["code"] if errors else None


# -- a connection killed ---------------------------------------------------------------------


async def terminate(query: str) -> None:
    """Kill the backends running `query`, once one does."""
    connection = get_connection("default")
    for _ in range(100):
        _, killed = await connection.execute_query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = $1", [query]
        )
        if killed:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"no backend ran {query!r}")


@postgres_only
async def test_a_connection_killed_mid_request_is_a_503_to_retry_and_the_pool_recovers(
    settings: Settings, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def slow_report(*_: Any, **__: Any) -> list[Any]:
        await get_connection("default").execute_query(SLOW)
        return []

    monkeypatch.setattr(reports, "aging_report", slow_report)
    token = world.admin("direct")
    async with serving(settings) as api:
        answer = asyncio.create_task(api.post("{ agingReport { asOf } }", token=token))
        await terminate(SLOW)
        response = await answer
        assert response.status_code == 503
        assert response.headers["retry-after"] == "1"
        body = response.json()
        assert code_of(body) == "UNAVAILABLE"
        assert "Retry" in body["errors"][0]["message"]
        # the pool has dropped the dead connection: the next requests are served
        for _ in range(3):
            again = await api.post(CUSTOMERS, token=token)
            assert again.status_code == 200
            assert again.json()["data"]["customers"]["totalCount"] == 2


@postgres_only
async def test_a_change_whose_connection_dies_before_commit_is_rolled_back_and_retried_once(
    settings: Settings, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    record_change = customers.record_change

    async def record_then_lose_the_connection(*args: Any, **kwargs: Any) -> None:
        await record_change(*args, **kwargs)
        await get_connection("default").execute_query(
            "SELECT pg_terminate_backend(pg_backend_pid())"
        )

    token = world.admin("direct")
    created = new_customer("Hallands Moln AB")
    async with serving(settings) as api:
        monkeypatch.setattr(customers, "record_change", record_then_lose_the_connection)
        lost = await api.post(CREATE, {"input": created}, token=token)
        assert lost.status_code == 503
        assert code_of(lost.json()) == "UNAVAILABLE"
        assert not await Customer.filter(company_name="Hallands Moln AB").exists()
        monkeypatch.setattr(customers, "record_change", record_change)
        retried = await api.post(CREATE, {"input": created}, token=token)
        again = await api.post(CREATE, {"input": created}, token=token)
    for response in (retried, again):
        assert response.json()["data"]["createCustomer"]["userErrors"] == []
    assert await Customer.filter(company_name="Hallands Moln AB").count() == 1


# -- PostgreSQL restarted --------------------------------------------------------------------


class PrivatePostgres:
    """A PostgreSQL server of the test's own, run by the `postgres` user, so that it can be
    restarted without disturbing any other database of the machine."""

    def __init__(self, root: Path) -> None:
        initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
        if initdb is None or pg_ctl is None:
            pytest.fail("initdb and pg_ctl are needed to restart a PostgreSQL server")
        self.root, self.port = root, free_port()
        user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if user:
            shutil.chown(root, "postgres")
        self.initdb = [*user, initdb, "-D", str(root / "data"), "-A", "trust", "-U", "postgres"]
        self.pg_ctl = [*user, pg_ctl, "-D", str(root / "data"), "-l", str(root / "log"), "-w"]
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *command: str) -> None:
        subprocess.run(command, check=True, capture_output=True, timeout=60)  # noqa: S603

    def start(self) -> None:
        self._run(*self.initdb, "--no-sync")
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(*self.pg_ctl, "-o", options, "start")

    def restart(self) -> None:
        self._run(*self.pg_ctl, "-m", "fast", "restart")

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run(*self.pg_ctl, "-m", "immediate", "stop")


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    root = Path(tempfile.mkdtemp(prefix="partnergraph-pg-"))
    server = PrivatePostgres(root)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


def direct_partner(url: str) -> tuple[dict[str, str], str]:
    """A migrated database with one direct partner: its server environment and an admin's token."""
    # the tests flood one token on purpose: no rate limit is to refuse them
    environment = {
        **os.environ,
        "PARTNERGRAPH_DATABASE_URL": url,
        "PARTNERGRAPH_RATE_LIMITS": "false",
    }
    cli(environment, "migrate")
    add_partner(environment, TENANT, "Fault AB")
    return environment, admin_token(environment, TENANT)


async def duplicated_names(url: str) -> list[str]:
    connection = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        records = await connection.fetch(
            "SELECT company_name FROM customers GROUP BY company_name HAVING COUNT(*) > 1"
        )
    finally:
        await connection.close()
    return [record[0] for record in records]


@postgres_only
async def test_postgresql_restarted_under_load_is_served_again_by_itself(
    private_postgres: PrivatePostgres, tmp_path: Path
) -> None:
    environment, token = direct_partner(private_postgres.url)
    answers: list[tuple[float, int, str | None]] = []
    writes: list[dict[str, Any]] = []
    port = str(free_port())
    with server_process(environment, tmp_path / "server.log", port) as (base, process):

        def load(worker: int, until: float) -> None:
            for number in range(1_000_000):
                if time.monotonic() > until:
                    return
                if number % 3:
                    status, body = post(f"{base}/graphql", CUSTOMERS, token)
                else:
                    created = new_customer(f"Restart {worker}-{number} AB")
                    writes.append(created)
                    status, body = post(f"{base}/graphql", CREATE, token, {"input": created})
                answers.append((time.monotonic(), status, code_of(body)))

        until = time.monotonic() + 8
        workers = asyncio.gather(*(asyncio.to_thread(load, worker, until) for worker in range(4)))
        await asyncio.sleep(1.5)
        await asyncio.to_thread(private_postgres.restart)
        restarted = time.monotonic()
        await workers
        for created in writes:  # every write, answered or not, retried with its key
            status, body = post(f"{base}/graphql", CREATE, token, {"input": created})
            assert status == 200, body
            assert body["data"]["createCustomer"]["userErrors"] == []
        assert process.poll() is None  # ours was never restarted
    assert {(status, code) for _, status, code in answers} <= {(200, None), (503, "UNAVAILABLE")}
    assert any(status == 503 for _, status, _ in answers), "the restart was never felt"
    settled = [status for moment, status, _ in answers if moment > restarted + 2]
    assert len(settled) >= 20
    assert set(settled) == {200}
    assert await duplicated_names(private_postgres.url) == []
