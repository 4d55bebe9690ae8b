"""What a request costs besides time, measured in-process on the benchmark's data set: the
SQL statements and capability decisions of the customer page at several page sizes (both
must stay the same whatever the number of rows), and what a page deep in the list costs
beside the first one (keyset pagination: the same)."""

from __future__ import annotations

import logging
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from api import database
from api.app import graphql_engine
from api.settings import Settings
from bench.queries import CUSTOMER_PAGE
from resolvers.models import Customer, Subscription
from resolvers.rows import Where, select
from resolvers.tenancy import visible_rows
from resolvers.users import authenticate
from schema.context import Context
from schema.execution import GraphQLRequest
from schema.guards import GuardedExecutor
from schema.pagination import encode_cursor

PAGE = CUSTOMER_PAGE.replace("CustomerPage {", "Page($first: Int!) {").replace(
    "customers(first: 50)", "customers(first: $first)"
)
SIZES = (1, 10, 50, 100)
DEEP_PAGE = 1_000
DEEP = {
    Customer: """query Deep($after: String) {
  customers(first: 50, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id companyName domain country language externalId version updatedAt
                          billingContact { name email } reseller { id name } } }
  }
}""",
    Subscription: """query Deep($after: String) {
  subscriptions(first: 50, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id offerName productFamily quantity status
                          unitPrice { amount currency } customer { companyName } } }
  }
}""",
}


class _Statements(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if not record.getMessage().startswith(("Created connection pool", "Closed connection")):
            self.count += 1


@contextmanager
def _counting() -> Iterator[tuple[_Statements, list[int]]]:
    """Statements as Tortoise logs them; capability decisions as the executor makes them."""
    statements, decisions = _Statements(), [0]
    logger = logging.getLogger("tortoise.db_client")
    level, decide = logger.level, GuardedExecutor.denial

    def counted(self: GuardedExecutor, *args: Any) -> Any:
        decisions[0] += 1
        return decide(self, *args)

    logger.addHandler(statements)
    logger.setLevel(logging.DEBUG)
    GuardedExecutor.denial = counted  # type: ignore[method-assign]
    try:
        yield statements, decisions
    finally:
        GuardedExecutor.denial = decide  # type: ignore[method-assign]
        logger.removeHandler(statements)
        logger.setLevel(level)


async def measure(database_url: str, tenant_id: str, subject: str) -> list[tuple[int, int, int]]:
    """(rows on the page, SQL statements, capability decisions) of a warm request, per size."""
    engine = graphql_engine(Settings())
    results = []
    async with database.connected(database_url):
        viewer = await authenticate(
            sub=subject, tenant_id=tenant_id, roles=["global_admin"], name=None, email=None
        )
        for size in SIZES:
            request = GraphQLRequest(PAGE, {"first": size})
            for _warm_then_counted in range(2):
                with _counting() as (statements, decisions):
                    context = Context(viewer=viewer, request_id="bench", language="en")
                    outcome = await engine.execute(engine.prepare(request), request, context)
            if "errors" in outcome.body:
                raise RuntimeError(f"the page of {size} failed: {outcome.body['errors']}")
            rows = len(outcome.body["data"]["customers"]["edges"])
            results.append((rows, statements.count, decisions[0]))
    return results


def report(costs: list[tuple[int, int, int]]) -> str:
    lines = [
        "",
        "Costs of one warm customer page request, in-process (the directory lookup of the "
        "token is not included):",
        "",
        "| rows on the page | SQL statements | capability decisions |",
        "|---|---|---|",
        *(f"| {rows} | {statements} | {decisions} |" for rows, statements, decisions in costs),
    ]
    return "\n".join(lines) + "\n"


async def deep_pagination(
    database_url: str, tenant_id: str, subject: str, *, repeats: int = 200
) -> dict[str, tuple[float, float] | None]:
    """Per list (customers, subscriptions): milliseconds per request, one at a time, for the
    first page of 50 and for page `DEEP_PAGE`; None when the viewer's list is shorter."""
    engine = graphql_engine(Settings())
    async with database.connected(database_url):
        viewer = await authenticate(
            sub=subject, tenant_id=tenant_id, roles=["global_admin"], name=None, email=None
        )
        return {
            model._meta.db_table: await _first_and_deep(engine, viewer, model, repeats)
            for model in DEEP
        }


async def _first_and_deep(
    engine: Any, viewer: Any, model: Any, repeats: int
) -> tuple[float, float] | None:
    # the id of the last row before the deep page: where its `after` cursor points
    visible = Where(model).equal(**visible_rows(viewer))
    offset = len(visible.values) + 1
    table = model._meta.db_table
    found = await select(
        model,
        f"SELECT id FROM {table}{visible.sql()} ORDER BY id LIMIT 1 OFFSET ${offset}",
        *visible.values,
        (DEEP_PAGE - 1) * 50 - 1,
    )
    if not found:
        return None
    before_deep = found[0][0]
    requests = {
        "first": GraphQLRequest(DEEP[model], {"after": None}),
        "deep": GraphQLRequest(DEEP[model], {"after": encode_cursor(before_deep)}),
    }
    spent: dict[str, list[float]] = {name: [] for name in requests}
    for round_number in range(repeats + 1):  # the first round warms up, uncounted
        for name, request in requests.items():
            context = Context(viewer=viewer, request_id="bench", language="en")
            started = time.perf_counter()
            outcome = await engine.execute(engine.prepare(request), request, context)
            if round_number:
                spent[name].append((time.perf_counter() - started) * 1000)
            if len(outcome.body["data"][table]["edges"]) != 50:
                return None
    # the median: a moment the machine is busy elsewhere does not count against one page
    return statistics.median(spent["first"]), statistics.median(spent["deep"])


def deep_report(costs: dict[str, tuple[float, float] | None]) -> str:
    lines = ["", "Deep pagination, in-process, one request at a time, pages of 50 (median):", ""]
    for table, measured in costs.items():
        if measured is None:
            lines.append(f"- {table}: shorter than {DEEP_PAGE:,} pages (use --size large).")
            continue
        first, deep = measured
        lines.append(
            f"- {table}: page 1 {first:.2f} ms, page {DEEP_PAGE:,} {deep:.2f} ms "
            f"({deep / first - 1:+.0%})."
        )
    return "\n".join(lines) + "\n"
