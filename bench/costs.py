"""What a request costs besides time: the SQL statements and capability decisions of the
customer page at several page sizes, measured in-process on the benchmark's data set. Both
must stay the same whatever the number of rows."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from api import database
from api.app import graphql_engine
from api.settings import Settings
from resolvers.users import authenticate
from schema.context import Context
from schema.execution import GraphQLRequest
from schema.guards import GuardedExecutor

PAGE = """query Page($first: Int!) {
  customers(first: $first) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id companyName domain country language externalId version updatedAt
                          billingContact { name email } reseller { id name } } }
  }
}"""
SIZES = (1, 10, 50, 100)


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
