"""The reference ERP connector of `examples/`, against a live server: the initial load, the
change feed after it, and a payment pushed twice that counts once."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

from tests.conftest import ROOT
from tests.test_server import cli, post, serving

sys.path.insert(0, str(ROOT / "examples"))
from erp_connector import Connector

RENAME = """mutation Rename($id: ID!) {
  updateCustomer(input: {id: $id, expectedVersion: 1, companyName: "Lisboa Têxteis, S.A."}) {
    userErrors { code }
  }
}"""
CREATE = """mutation { createCustomer(input: {companyName: "Nova Lda", domain: "nova.onmicrosoft.com",
  country: "PT", language: "pt-PT"}) { customer { id } userErrors { code } } }"""


def test_the_connector_loads_follows_and_pays_once(
    environment: dict[str, str], tmp_path: Path
) -> None:
    cli(environment, "migrate")
    tokens = dict(
        re.findall(r"^  (\w+)\s+(ey\S+)$", cli(environment, "seed-demo"), flags=re.MULTILINE)
    )
    token = tokens["global_admin"]
    with serving(environment, tmp_path / "server.log") as server:
        connector = Connector(server, token)
        connector.initial_load()
        assert {kind: len(rows) for kind, rows in connector.copy.items()} == {
            "customers": 5,
            "subscriptions": 11,
            "invoices": 7,
        }
        assert connector.follow() == 0  # nothing changed since the load
        lisboa = next(
            row["id"]
            for row in connector.copy["customers"].values()
            if row["companyName"].startswith("Lisboa")
        )
        post(f"{server}/graphql", RENAME, token, {"id": lisboa})
        _, created = post(f"{server}/graphql", CREATE, token)
        assert connector.follow() == 2
        assert connector.copy["customers"][lisboa]["companyName"] == "Lisboa Têxteis, S.A."
        assert created["data"]["createCustomer"]["customer"]["id"] in connector.copy["customers"]
        invoice = _open_invoice(connector.copy["invoices"])
        due = invoice["amountDue"]
        outcomes = [
            connector.push_payment(invoice["id"], due["amount"], due["currency"], "SEPA-77001")
            for _ in range(2)  # a retry after a lost answer
        ]
        assert outcomes[0]["userErrors"] == outcomes[1]["userErrors"] == []
        assert outcomes[0]["payment"] == outcomes[1]["payment"]
        assert outcomes[1]["invoice"]["status"] == "PAID"
        connector.follow()
        assert connector.copy["invoices"][invoice["id"]]["status"] == "PAID"


def _open_invoice(invoices: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return next(row for row in invoices.values() if row["status"] == "OPEN")
