"""A reference ERP connector for partnergraph: it keeps a copy of customers, subscriptions and
invoices, and pushes the payments the bank reports, each exactly once.

1. `initial_load()`: the bulk exports, and the change-feed cursor the first one was taken at.
2. `follow()`: the change feed from that cursor; each changed object is read again by id
   (`node`), and kept only if its `version` is newer than the copy's; a deletion removes it.
3. `push_payment()`: `recordPayment` with an idempotency key made from the bank reference, so
   a retry after a timeout never pays twice.

Only the standard library: run it with `python examples/erp_connector.py URL TOKEN`.
"""

from __future__ import annotations

import json
import sys
import urllib.request
from dataclasses import dataclass, field
from typing import Any

EXPORTS = ("customers", "subscriptions", "invoices")
KINDS = {"Customer": "customers", "Subscription": "subscriptions", "Invoice": "invoices"}
CHANGES = """
query Changes($after: String) {
  changes(after: $after, first: 500, filter: {entityTypes: ["Customer", "Subscription", "Invoice"]}) {
    nodes { entityType entityId operation }
    pageInfo { hasNextPage endCursor }
  }
}"""
# An object read again, by kind: the fields its export line has (but unit costs).
FIELDS = {
    "customers": """... on Customer {
      id externalId companyName domain country language billingContact { name email phone }
      reseller { id } version createdAt updatedAt }""",
    "subscriptions": """... on Subscription {
      id externalId customer { id } parentSubscription { id } offerId offerName productFamily
      quantity status suspensionReasons autoRenew billingCycle termDuration
      unitPrice { amount currency } purchasedAt termStartedAt termEndsAt cancelledAt
      version createdAt updatedAt }""",
    "invoices": """... on Invoice {
      id number status currency customer { id } issuedAt dueDate total { amount currency }
      amountPaid { amount currency } amountCredited { amount currency }
      amountDue { amount currency } version createdAt updatedAt }""",
}
READ_AGAIN = {
    kind: f"query Again($id: ID!) {{ node(id: $id) {{ {fields} }} }}"
    for kind, fields in FIELDS.items()
}
PAY = """
mutation Pay($input: RecordPaymentInput!) {
  recordPayment(input: $input) {
    payment { id }
    invoice { status amountDue { amount currency } }
    userErrors { field message code }
  }
}"""


@dataclass
class Connector:
    url: str  # the server, such as http://127.0.0.1:8000
    token: str
    copy: dict[str, dict[str, dict[str, Any]]] = field(
        default_factory=lambda: {kind: {} for kind in EXPORTS}
    )
    cursor: str | None = None

    def initial_load(self) -> None:
        for kind in EXPORTS:
            cursor, rows = self._export(kind)
            self.cursor = self.cursor or cursor  # the earliest: later changes come again
            self.copy[kind] = {row["id"]: row for row in rows}

    def follow(self) -> int:
        """Apply every change since the cursor; the number of changes read."""
        read = 0
        while True:
            data = self._graphql(CHANGES, {"after": self.cursor})["changes"]
            for change in data["nodes"]:
                self._apply(change)
            read += len(data["nodes"])
            self.cursor = data["pageInfo"]["endCursor"]
            if not data["pageInfo"]["hasNextPage"]:
                return read

    def push_payment(
        self, invoice_id: str, amount: str, currency: str, bank_reference: str
    ) -> dict:
        payment = {
            "invoiceId": invoice_id,
            "amount": {"amount": amount, "currency": currency},
            "reference": bank_reference,
            "idempotencyKey": f"bank-{bank_reference}",  # the same line is the same payment
        }
        return self._graphql(PAY, {"input": payment})["recordPayment"]

    def _apply(self, change: dict[str, Any]) -> None:
        kind = KINDS[change["entityType"]]
        if change["operation"] == "DELETED":
            self.copy[kind].pop(change["entityId"], None)
            return
        current = self._graphql(READ_AGAIN[kind], {"id": change["entityId"]})["node"]
        known = self.copy[kind].get(change["entityId"])
        if current is not None and (known is None or current["version"] > known["version"]):
            self.copy[kind][change["entityId"]] = current

    def _export(self, kind: str) -> tuple[str, list[dict[str, Any]]]:
        request = urllib.request.Request(  # noqa: S310 - the configured server
            f"{self.url}/bulk/{kind}.jsonl", headers={"authorization": f"Bearer {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            cursor = response.headers["Partnergraph-Changes-After"]
            rows = [json.loads(line) for line in response if line.strip()]
        if rows and "errors" in rows[-1]:  # the export stopped short: don't keep half of it
            raise RuntimeError(rows[-1]["errors"])
        return cursor, rows

    def _graphql(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        request = urllib.request.Request(  # noqa: S310 - the configured server
            f"{self.url}/graphql",
            data=json.dumps({"query": query, "variables": variables}).encode(),
            headers={"content-type": "application/json", "authorization": f"Bearer {self.token}"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            body = json.loads(response.read())
        if body.get("data") is None:
            raise RuntimeError(body.get("errors"))
        return body["data"]


def main() -> int:
    if len(sys.argv) != 3:
        print("usage: erp_connector.py URL TOKEN", file=sys.stderr)  # noqa: T201
        return 2
    connector = Connector(sys.argv[1], sys.argv[2])
    connector.initial_load()
    counts = {kind: len(rows) for kind, rows in connector.copy.items()}
    print(f"loaded {counts}; following the change feed from {connector.cursor}")  # noqa: T201
    print(f"{connector.follow()} changes applied")  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
