"""Fixtures: a database per run (SQLite or PostgreSQL), a clean slate per test, the app
over HTTP, a world of partners with their customers, and tokens for any role."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from tortoise.connection import get_connection
from tortoise.models import Model

from api import database
from api.app import create_app, token_verifier
from api.settings import Settings
from auth.viewer import PartnerKind, Role
from resolvers import models, subscriptions
from resolvers.audit import Actor
from resolvers.customers import Contact, create_customer
from resolvers.invoices import NewInvoice, NewLine, issue_invoice
from resolvers.money import currency_for_country
from resolvers.partners import add_partner
from resolvers.rate_limits import TAKE_POINTS
from resolvers.subscriptions import NewSubscription, create_subscription, suspend_subscription
from resolvers.users import authenticate
from schema.nodes import to_global_id
from tests.databases import backend, create_postgres_database, drop_postgres_database

TEST_SECRET = "test-secret-for-partnergraph-0123456789abcdef"
ROOT = Path(__file__).resolve().parents[1]


def run_cli(
    environment: dict[str, str], *arguments: str, timeout: int = 120
) -> subprocess.CompletedProcess[str]:
    """`partnergraph ARGUMENTS` in a process of its own, with `environment` added."""
    return subprocess.run(  # noqa: S603 - our own console script
        [sys.executable, "-m", "api.cli", *arguments],
        cwd=ROOT,
        env={**os.environ, **environment},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def pytest_report_header() -> str:
    return f"partnergraph test database: {backend()}"


@pytest_asyncio.fixture(scope="session")
async def database_url(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    if backend() == "postgres":
        url = await create_postgres_database()
        yield url
        await drop_postgres_database(url)
    else:
        yield f"sqlite://{tmp_path_factory.mktemp('db') / 'partnergraph.sqlite3'}"


@pytest_asyncio.fixture
async def scratch_database_url(tmp_path: Path) -> AsyncIterator[str]:
    """A new, empty database of the run's backend, outside the shared one (for CLI tests)."""
    if backend() == "postgres":
        url = await create_postgres_database("partnergraph_scratch")
        yield url
        await drop_postgres_database(url)
    else:
        yield f"sqlite://{tmp_path / 'scratch.sqlite3'}"


@pytest_asyncio.fixture(scope="session")
async def orm(database_url: str) -> AsyncIterator[None]:
    await database.migrate(database_url)
    async with database.connected(database_url):
        yield


def _tables() -> list[str]:
    return [
        model._meta.db_table
        for model in vars(models).values()
        if isinstance(model, type) and issubclass(model, Model) and not model._meta.abstract
    ]


async def empty_tables() -> None:
    """Delete every row and restart every id sequence."""
    connection = get_connection("default")
    tables = _tables()
    if backend() == "postgres":
        await connection.execute_script(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
    else:
        await connection.execute_script(
            "PRAGMA foreign_keys=OFF;"
            + "".join(f"DELETE FROM {table};" for table in tables)
            + "DELETE FROM sqlite_sequence; PRAGMA foreign_keys=ON;"
        )


@pytest_asyncio.fixture(autouse=True)
async def db(orm: None) -> AsyncIterator[None]:
    """Every test starts from empty tables."""
    await empty_tables()
    yield


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def environment(scratch_database_url: str) -> dict[str, str]:
    """The environment of a server process on a database of its own."""
    return {
        **os.environ,
        "PARTNERGRAPH_DATABASE_URL": scratch_database_url,
        "PARTNERGRAPH_PORT": str(free_port()),
    }


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, jwt_secret=TEST_SECRET)


class Api:
    """The GraphQL endpoint as clients see it."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def post(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        language: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        sent = {"content-type": "application/json", **(headers or {})}
        if token is not None:
            sent["authorization"] = f"Bearer {token}"
        if language is not None:
            sent["accept-language"] = language
        body: dict[str, Any] = {"query": query}
        if variables is not None:
            body["variables"] = variables
        return await self.client.post("/graphql", json=body, headers=sent)

    async def gql(
        self, query: str, variables: dict[str, Any] | None = None, **options: Any
    ) -> dict[str, Any]:
        response = await self.post(query, variables, **options)
        assert response.status_code == 200, response.text
        return response.json()

    async def data(
        self, query: str, variables: dict[str, Any] | None = None, **options: Any
    ) -> dict[str, Any]:
        """The `data` of a response that must have no errors."""
        body = await self.gql(query, variables, **options)
        assert "errors" not in body, body["errors"]
        return body["data"]


@pytest_asyncio.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, manage_database=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
def api(client: httpx.AsyncClient) -> Api:
    return Api(client)


class Clock:
    """Moves the moment the subscription rules are applied at."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.moment = datetime.now(UTC)
        monkeypatch.setattr(subscriptions, "now", lambda: self.moment)

    def at(self, moment: datetime) -> None:
        self.moment = moment


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


@dataclass
class World:
    """Two direct partners, an indirect provider with two resellers, and their customers."""

    settings: Settings
    partners: dict[str, models.Partner] = field(default_factory=dict)
    customers: dict[str, list[models.Customer]] = field(default_factory=dict)
    subscriptions: dict[str, int] = field(default_factory=dict)

    def token(self, partner: str, *roles: Role | str, sub: str | None = None, **claims: Any) -> str:
        payload = {
            "sub": sub or f"user-{partner}-{'-'.join(str(role) for role in roles) or 'none'}",
            "tid": self.partners[partner].tenant_id,
            "roles": [str(role) for role in roles],
            **claims,
        }
        return token_verifier(self.settings).issue(payload, ttl_seconds=600)

    def admin(self, partner: str) -> str:
        return self.token(partner, Role.GLOBAL_ADMIN)

    def customer_id(self, owner: str, index: int = 0) -> str:
        return to_global_id("Customer", self.customers[owner][index].id)

    def partner_id(self, name: str) -> str:
        return to_global_id("Partner", self.partners[name].id)

    async def actor(self, partner: str) -> Actor:
        viewer = await authenticate(
            sub=f"seed-{partner}",
            tenant_id=self.partners[partner].tenant_id,
            roles=(Role.GLOBAL_ADMIN.value,),
            name=None,
            email=None,
        )
        return Actor(viewer=viewer, request_id=f"seed-{partner}")

    async def add_customer(self, owner: str, name: str, **overrides: Any) -> models.Customer:
        values = {
            "company_name": name,
            "domain": f"{name.lower().replace(' ', '')}.onmicrosoft.com",
            "country": "PT",
            "language": "pt-PT",
            "billing_contact": Contact(name="Ana Silva", email="ana@example.com"),
            **overrides,
        }
        customer = await create_customer(await self.actor(owner), **values)
        self.customers.setdefault(owner, []).append(customer)
        return customer

    async def add_subscription(
        self, owner: str, index: int = 0, **overrides: Any
    ) -> models.Subscription:
        """A subscription bought now for the owner's customer number `index`."""
        values = {
            "customer_id": self.customers[owner][index].id,
            "offer_id": "CFQ7TTC0LH18:0001",
            "offer_name": "Microsoft 365 Business Basic",
            "product_family": models.ProductFamily.MICROSOFT_365,
            "quantity": 10,
            "unit_price": ("6.00", "EUR"),
            "unit_cost": ("4.80", "EUR"),
            "billing_cycle": models.BillingCycle.MONTHLY,
            "term_duration": "P1Y",
            **overrides,
        }
        return await create_subscription(await self.actor(owner), NewSubscription(**values))

    async def add_invoice(
        self,
        owner: str,
        index: int = 0,
        *,
        lines: tuple[tuple[str, str], ...] = (("10", "6.00"),),
        due_in_days: int = 30,
        currency: str | None = None,
    ) -> models.Invoice:
        """An invoice issued now to the owner's customer number `index`, in its billing
        currency, with lines of (quantity, unit price)."""
        customer = self.customers[owner][index]
        order = NewInvoice(
            customer_id=customer.id,
            currency=currency or currency_for_country(customer.country),
            due_date=(subscriptions.now() + timedelta(days=due_in_days)).date(),
            lines=[
                NewLine(description=f"Line {number}", quantity=quantity, unit_price=price)
                for number, (quantity, price) in enumerate(lines, start=1)
            ],
        )
        return await issue_invoice(await self.actor(owner), order)

    async def add_subscription_set(self) -> None:
        """Subscriptions of every kind: a base with an add-on, one suspended for two reasons,
        and the resellers' own in other currencies."""
        base = await self.add_subscription("provider", 0, quantity=20)
        await self.add_subscription("provider", 0, parent_id=base.id, offer_name="Teams Phone")
        suspended = await self.add_subscription(
            "provider", 0, product_family=models.ProductFamily.AZURE, unit_cost=None
        )
        actor = await self.actor("provider")
        for reason in (models.SuspensionReason.FRAUD, models.SuspensionReason.NON_PAYMENT):
            await suspend_subscription(actor, subscription_id=suspended.id, reason=reason)
        await self.add_subscription(
            "reseller", 0, quantity=3, unit_price=("1500", "JPY"), unit_cost=None
        )
        await self.add_subscription("reseller", 1, quantity=4, external_id="SUB-4")
        self.subscriptions = {"base": base.id, "suspended": suspended.id}


def world_tenant_id(name: str) -> str:
    """The same tenant id for a world's partner every time it is built."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"partnergraph-test:{name}"))


@pytest_asyncio.fixture
async def world(settings: Settings) -> World:
    return await build_world(settings)


async def build_world(settings: Settings) -> World:
    """Two direct partners, an indirect provider with two resellers, and their customers;
    built on empty tables, it is the same world every time, ids included."""
    world = World(settings)
    world.partners["direct"] = await add_partner(
        tenant_id=world_tenant_id("direct"), name="Contoso", kind=PartnerKind.DIRECT_BILL
    )
    world.partners["other"] = await add_partner(
        tenant_id=world_tenant_id("other"), name="Litware", kind=PartnerKind.DIRECT_BILL
    )
    provider = await add_partner(
        tenant_id=world_tenant_id("provider"),
        name="Northwind",
        kind=PartnerKind.INDIRECT_PROVIDER,
    )
    world.partners["provider"] = provider
    for name in ("reseller", "reseller2"):
        world.partners[name] = await add_partner(
            tenant_id=world_tenant_id(name),
            name=name.title(),
            kind=PartnerKind.INDIRECT_RESELLER,
            provider_tenant_id=provider.tenant_id,
        )
    await world.add_customer("direct", "Alpha Lda")
    await world.add_customer("direct", "Beta Lda")
    await world.add_customer("other", "Gamma AB", country="SE", language="sv")
    await world.add_customer("provider", "Delta SpA", country="IT", language="it")
    await world.add_customer("reseller", "Epsilon Ltda", country="BR", language="pt-BR")
    await world.add_customer("reseller", "Zeta Ltda", country="BR", language="pt-BR")
    await world.add_customer("reseller2", "Eta Ltd", country="GB", language="en")
    return world


class StatementCounter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.statements: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        # A request's take from its rate-limit buckets (PostgreSQL) is the HTTP layer's, one
        # statement whatever the operation: tests/test_rate_limits.py counts it.
        if not message.startswith(
            ("Created connection pool", "Closed connection pool", TAKE_POINTS)
        ):
            self.statements.append(message)


@contextmanager
def counting_statements() -> Iterator[list[str]]:
    """The SQL statements run inside the block, as Tortoise logs them."""
    logger = logging.getLogger("tortoise.db_client")
    handler = StatementCounter()
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield handler.statements
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)
