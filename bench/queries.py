"""The operations measured: what a frontend, an ERP connector and a writer send most."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from dataclasses import dataclass

import orjson

CUSTOMER_PAGE = """query CustomerPage {
  customers(first: 50) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id companyName domain country language externalId version updatedAt
                          billingContact { name email } reseller { id name }
                          subscriptions(first: 3) {
                            nodes { id offerName productFamily quantity status
                                    unitPrice { amount currency } } } } }
  }
}"""

CUSTOMER_DETAIL = """query CustomerDetail($id: ID!) {
  customer(id: $id) {
    id companyName domain country language externalId version createdAt updatedAt
    billingContact { name email phone }
    reseller { id name mpnId tenantId provider { id name } }
  }
}"""

ERP_PULL = """query ErpPull($since: DateTime!) {
  customers(first: 100, filter: {updatedSince: $since}) {
    pageInfo { hasNextPage endCursor }
    nodes { id externalId companyName version updatedAt }
  }
}"""

CREATE_CUSTOMER = """mutation CreateCustomer($input: CreateCustomerInput!) {
  createCustomer(input: $input) { customer { id version } userErrors { field code } }
}"""


def global_id(type_name: str, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("=")


@dataclass(frozen=True)
class Query:
    name: str
    description: str
    body: Callable[[int], bytes]


def _body(document: str, variables: Callable[[int], dict] | None = None) -> Callable[[int], bytes]:
    constant = orjson.dumps({"query": document})

    def body(number: int) -> bytes:
        if variables is None:
            return constant
        return orjson.dumps({"query": document, "variables": variables(number)})

    return body


def queries(customers: int) -> list[Query]:
    """The operations, with variables spread over a data set of `customers` customers."""
    reseller_customers = customers // 2  # even ids, in the provider's tenant
    time_key = int(time.time())

    def detail(number: int) -> dict:
        return {"id": global_id("Customer", 2 * (number % reseller_customers) + 2)}

    def create(number: int) -> dict:
        return {
            "input": {
                "companyName": f"Bench New {number}",
                "domain": f"benchnew{number}.onmicrosoft.com",
                "country": "PT",
                "language": "pt-PT",
                "idempotencyKey": f"bench-{time_key}-{number}",
            }
        }

    return [
        Query(
            "customer_page",
            "frontend: 50 customers, their reseller and 3 subscriptions each",
            _body(CUSTOMER_PAGE),
        ),
        Query(
            "customer_detail",
            "one customer with reseller and provider",
            _body(CUSTOMER_DETAIL, detail),
        ),
        Query(
            "erp_pull",
            "ERP: 100 customers changed since a moment",
            _body(ERP_PULL, lambda _: {"since": "2026-01-01T00:00:00+00:00"}),
        ),
        Query(
            "create_customer",
            "mutation: create with an idempotency key",
            _body(CREATE_CUSTOMER, create),
        ),
    ]
