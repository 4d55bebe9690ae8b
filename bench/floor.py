"""The raw floor: a bare Starlette endpoint answering the benchmark's operations with the same
SQL statements partnergraph runs (token check and directory lookup included), serialised with
orjson. Nothing in this stack can answer the same requests faster; partnergraph's report is
its share of this floor.

Run as `uvicorn bench.floor:app` with PARTNERGRAPH_DATABASE_URL and PARTNERGRAPH_JWT_SECRET.
"""

from __future__ import annotations

import asyncio
import base64
import os
import re
import uuid
from binascii import b2a_base64
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

import aiosqlite
import asyncpg
import jwt
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

URL = os.environ.get("PARTNERGRAPH_DATABASE_URL", "sqlite://partnergraph.sqlite3")
SECRET = os.environ.get("PARTNERGRAPH_JWT_SECRET", "")
POSTGRES = URL.startswith(("postgres://", "postgresql://"))
PLACEHOLDER = re.compile(r"\$(\d+)")
CENT = Decimal("0.01")


class Database:
    """`fetch(sql, *args)` with `$n` placeholders on asyncpg and aiosqlite alike."""

    pool: Any = None
    sqlite: aiosqlite.Connection | None = None
    writing = asyncio.Lock()  # one SQLite connection: transactions take turns, as in Tortoise

    async def open(self) -> None:
        if POSTGRES:
            # Connections go back without asyncpg's reset query, as partnergraph's do.
            self.pool = await asyncpg.create_pool(
                URL.replace("postgres://", "postgresql://", 1),
                min_size=1,
                max_size=5,
                reset=_keep_session,
            )
        else:
            self.sqlite = await aiosqlite.connect(
                URL.removeprefix("sqlite://"), isolation_level=None
            )
            self.sqlite.row_factory = aiosqlite.Row
            for pragma in (
                "journal_mode=WAL",
                "synchronous=FULL",
                "busy_timeout=5000",
                "foreign_keys=ON",
            ):
                await self.sqlite.execute(f"PRAGMA {pragma}")

    async def close(self) -> None:
        if self.pool is not None:
            await self.pool.close()
        if self.sqlite is not None:
            await self.sqlite.close()

    @staticmethod
    def _sqlite(sql: str, args: tuple[Any, ...]) -> tuple[str, list[Any]]:
        """`$n` placeholders as SQLite's positional `?`, a value for every occurrence."""
        ordered = [args[int(match) - 1] for match in PLACEHOLDER.findall(sql)]
        return PLACEHOLDER.sub("?", sql), ordered

    async def fetch(self, sql: str, *args: Any) -> Sequence[Any]:
        if self.pool is not None:
            return await self.pool.fetch(sql, *args)
        assert self.sqlite is not None
        statement, values = self._sqlite(sql, args)
        async with self.sqlite.execute(statement, values) as cursor:
            return await cursor.fetchall()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Any]:
        if self.pool is not None:
            async with self.pool.acquire() as connection, connection.transaction():
                yield connection.fetch
        else:
            assert self.sqlite is not None
            async with self.writing:
                await self.sqlite.execute("BEGIN")
                try:
                    yield self.fetch
                except BaseException:
                    await self.sqlite.execute("ROLLBACK")
                    raise
                await self.sqlite.execute("COMMIT")


async def _keep_session(_connection: Any) -> None:
    """Instead of the reset query: nothing here sets session state."""


db = Database()


URL_SAFE = bytes.maketrans(b"+/", b"-_")


@lru_cache(maxsize=1 << 14)  # as partnergraph keeps the ids it served lately (RECENT_IDS)
def global_id(type_name: str, pk: int) -> str:
    return (
        b2a_base64(b"%s:%d" % (type_name.encode(), pk), newline=False)
        .translate(URL_SAFE)
        .rstrip(b"=")
        .decode()
    )


@lru_cache(maxsize=1 << 14)
def cursor(pk: int) -> str:
    return b2a_base64(b"cursor:%d" % pk, newline=False).translate(URL_SAFE).decode()


def moment(value: Any) -> str:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.isoformat()


async def viewer(request: Request) -> Any:
    token = request.headers["authorization"].removeprefix("Bearer ")
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], options={"require": ["exp", "sub"]})
    rows = await db.fetch(
        "SELECT u.id, u.active, p.id AS partner_id, p.kind, p.provider_id FROM users u "
        "JOIN partners p ON p.id = u.partner_id WHERE u.sub = $1 AND p.tenant_id = $2",
        claims["sub"],
        claims["tid"],
    )
    return rows[0]


async def partners(ids: list[int]) -> dict[int, Any]:
    if not ids:
        return {}
    if POSTGRES:
        rows = await db.fetch(
            "SELECT id, name, mpn_id, tenant_id, provider_id FROM partners WHERE id = ANY($1)", ids
        )
    else:
        marks = ",".join(f"${number}" for number in range(1, len(ids) + 1))
        rows = await db.fetch(
            f"SELECT id, name, mpn_id, tenant_id, provider_id FROM partners WHERE id IN ({marks})",
            *ids,
        )
    return {row["id"]: row for row in rows}


SUBSCRIPTIONS_PAGE = (
    "SELECT id, customer_id, offer_name, product_family, quantity, status, unit_price, currency "
    "FROM (SELECT id, customer_id, offer_name, product_family, quantity, status, unit_price, "
    "currency, ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY id) AS position "
    "FROM subscriptions WHERE partner_id = $1 AND customer_id {customers}) AS ranked "
    "WHERE position <= $2 ORDER BY customer_id, id"
)


async def first_subscriptions(partner_id: int, customers: list[int], size: int) -> dict:
    """The first `size` subscriptions of each customer, in one windowed statement."""
    if not customers:
        return {}
    if POSTGRES:
        statement = SUBSCRIPTIONS_PAGE.format(customers="= ANY($3)")
        rows = await db.fetch(statement, partner_id, size, customers)
    else:
        marks = ",".join(f"${number}" for number in range(3, len(customers) + 3))
        statement = SUBSCRIPTIONS_PAGE.format(customers=f"IN ({marks})")
        rows = await db.fetch(statement, partner_id, size, *customers)
    found: dict[int, list[dict]] = {}
    for row in rows:
        found.setdefault(row["customer_id"], []).append(
            {
                "id": global_id("Subscription", row["id"]),
                "offerName": row["offer_name"],
                "productFamily": row["product_family"],
                "quantity": row["quantity"],
                "status": row["status"],
                "unitPrice": {
                    "amount": str(Decimal(row["unit_price"]).quantize(CENT)),
                    "currency": row["currency"],
                },
            }
        )
    return found


async def customer_page(request: Request, _: dict) -> dict:
    me = await viewer(request)
    rows = await db.fetch(
        "SELECT id, company_name, domain, country, language, external_id, version, updated_at, "
        "billing_contact_name, billing_contact_email, reseller_id FROM customers "
        "WHERE partner_id = $1 ORDER BY id LIMIT 51",
        me["partner_id"],
    )
    total = (
        await db.fetch(
            "SELECT COUNT(*) AS n FROM customers WHERE partner_id = $1", me["partner_id"]
        )
    )[0]["n"]
    page = rows[:50]
    resellers = await partners(sorted({row["reseller_id"] for row in page if row["reseller_id"]}))
    subscriptions = await first_subscriptions(me["partner_id"], [row["id"] for row in page], 3)
    edges = [
        {
            "cursor": cursor(row["id"]),
            "node": {
                "id": global_id("Customer", row["id"]),
                "companyName": row["company_name"],
                "domain": row["domain"],
                "country": row["country"],
                "language": row["language"],
                "externalId": row["external_id"],
                "version": row["version"],
                "updatedAt": moment(row["updated_at"]),
                "billingContact": {
                    "name": row["billing_contact_name"],
                    "email": row["billing_contact_email"],
                },
                "reseller": {
                    "id": global_id("Partner", row["reseller_id"]),
                    "name": resellers[row["reseller_id"]]["name"],
                }
                if row["reseller_id"]
                else None,
                "subscriptions": {"nodes": subscriptions.get(row["id"], [])},
            },
        }
        for row in page
    ]
    return {
        "customers": {
            "totalCount": total,
            "pageInfo": {
                "hasNextPage": len(rows) > 50,
                "endCursor": edges[-1]["cursor"] if edges else None,
            },
            "edges": edges,
        }
    }


async def customer_detail(request: Request, variables: dict) -> dict:
    me = await viewer(request)
    pk = int(base64.urlsafe_b64decode(variables["id"] + "==").decode().split(":")[1])
    rows = await db.fetch(
        "SELECT * FROM customers WHERE id = $1 AND partner_id = $2", pk, me["partner_id"]
    )
    row = rows[0]
    reseller = provider = None
    if row["reseller_id"] is not None:
        reseller = (await partners([row["reseller_id"]]))[row["reseller_id"]]
        provider = (await partners([reseller["provider_id"]]))[reseller["provider_id"]]
    return {
        "customer": {
            "id": global_id("Customer", row["id"]),
            "companyName": row["company_name"],
            "domain": row["domain"],
            "country": row["country"],
            "language": row["language"],
            "externalId": row["external_id"],
            "version": row["version"],
            "createdAt": moment(row["created_at"]),
            "updatedAt": moment(row["updated_at"]),
            "billingContact": {
                "name": row["billing_contact_name"],
                "email": row["billing_contact_email"],
                "phone": row["billing_contact_phone"],
            },
            "reseller": None
            if reseller is None
            else {
                "id": global_id("Partner", reseller["id"]),
                "name": reseller["name"],
                "mpnId": reseller["mpn_id"],
                "tenantId": reseller["tenant_id"],
                "provider": {"id": global_id("Partner", provider["id"]), "name": provider["name"]},
            },
        }
    }


async def erp_pull(request: Request, variables: dict) -> dict:
    me = await viewer(request)
    since = datetime.fromisoformat(variables["since"])
    rows = await db.fetch(
        "SELECT id, external_id, company_name, version, updated_at FROM customers "
        "WHERE partner_id = $1 AND updated_at >= $2 ORDER BY id LIMIT 101",
        me["partner_id"],
        since if POSTGRES else since.isoformat(sep=" "),
    )
    page = rows[:100]
    return {
        "customers": {
            "pageInfo": {
                "hasNextPage": len(rows) > 100,
                "endCursor": cursor(page[-1]["id"]) if page else None,
            },
            "nodes": [
                {
                    "id": global_id("Customer", row["id"]),
                    "externalId": row["external_id"],
                    "companyName": row["company_name"],
                    "version": row["version"],
                    "updatedAt": moment(row["updated_at"]),
                }
                for row in page
            ],
        }
    }


async def create_customer(request: Request, variables: dict) -> dict:
    me = await viewer(request)
    values = variables["input"]
    now = datetime.now(UTC)
    stamp = now if POSTGRES else now.isoformat(sep=" ")
    async with db.transaction() as fetch:
        known = await fetch(
            "SELECT entity_id FROM idempotency_keys WHERE partner_id = $1 AND operation = $2 AND key = $3",
            me["partner_id"],
            "createCustomer",
            values["idempotencyKey"],
        )
        if known:
            return {
                "createCustomer": {
                    "customer": {"id": global_id("Customer", known[0]["entity_id"]), "version": 1},
                    "userErrors": [],
                }
            }
        created = await fetch(
            "INSERT INTO customers (partner_id, seller_id, company_name, domain, country, language, version, created_at, updated_at) "
            "VALUES ($1, $1, $2, $3, $4, $5, 1, $6, $6) RETURNING id",
            me["partner_id"],
            values["companyName"],
            values["domain"],
            values["country"],
            values["language"],
            stamp,
        )
        pk = created[0]["id"]
        await fetch(
            "INSERT INTO idempotency_keys (partner_id, key, operation, fingerprint, entity_id, created_at) "
            "VALUES ($1, $2, $3, $4, $5, $6)",
            me["partner_id"],
            values["idempotencyKey"],
            "createCustomer",
            uuid.uuid4().hex,
            pk,
            stamp,
        )
        after = orjson.dumps(values).decode()
        await fetch(
            "INSERT INTO audit_events (partner_id, actor_sub, actor_tenant_id, actor_roles, action, entity_type, "
            "entity_id, after, request_id, occurred_at) VALUES ($1, 'bench', 'bench', '[]', 'customer.created', "
            "'Customer', $2, $3, 'floor', $4)",
            me["partner_id"],
            pk,
            after,
            stamp,
        )
        await fetch(
            "INSERT INTO change_events (partner_id, entity_type, entity_id, operation, version, occurred_at) "
            "VALUES ($1, 'Customer', $2, 'CREATED', 1, $3)",
            me["partner_id"],
            pk,
            stamp,
        )
    return {
        "createCustomer": {
            "customer": {"id": global_id("Customer", pk), "version": 1},
            "userErrors": [],
        }
    }


HANDLERS = {
    "CustomerPage": customer_page,
    "CustomerDetail": customer_detail,
    "ErpPull": erp_pull,
    "CreateCustomer": create_customer,
}


async def graphql(request: Request) -> Response:
    payload = orjson.loads(await request.body())
    operation = payload["query"].split("(")[0].split("{")[0].split()[-1]
    data = await HANDLERS[operation](request, payload.get("variables") or {})
    return Response(orjson.dumps({"data": data}), media_type="application/json")


@asynccontextmanager
async def lifespan(_: Starlette) -> AsyncIterator[None]:
    await db.open()
    yield
    await db.close()


app = Starlette(routes=[Route("/graphql", graphql, methods=["POST"])], lifespan=lifespan)
