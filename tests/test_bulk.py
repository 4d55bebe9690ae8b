"""Bulk export: everything the caller may see as JSON lines, and the feed cursor to go on from."""

from __future__ import annotations

import json
from typing import Any

from auth.viewer import Role
from schema.nodes import to_global_id
from tests.conftest import Api, World

FEED = """
query Feed($after: String) {
  changes(after: $after) { nodes { entityType entityId operation } }
}"""


async def export(api: Api, kind: str, token: str | None) -> tuple[int, list[dict[str, Any]], Any]:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = await api.client.get(f"/bulk/{kind}.jsonl", headers=headers)
    if response.status_code != 200:
        return response.status_code, [response.json()], response.headers
    lines = [json.loads(line) for line in response.text.splitlines()]
    return 200, lines, response.headers


async def test_a_provider_exports_its_and_its_resellers_customers(api: Api, world: World) -> None:
    for number in range(120):  # more than a page
        await world.add_customer("provider", f"Bulk {number:03d}")
    status, lines, headers = await export(api, "customers", world.admin("provider"))
    assert status == 200
    assert headers["content-type"].startswith("application/x-ndjson")
    ids = [line["id"] for line in lines]
    assert len(ids) == len(set(ids)) == 124  # 121 of its own, 3 of its resellers
    assert world.customer_id("reseller", 0) in ids
    assert world.customer_id("direct") not in ids
    assert set(lines[0]) >= {"id", "companyName", "billingContact", "version", "updatedAt"}


async def test_a_reseller_exports_only_its_own(api: Api, world: World) -> None:
    _, lines, _ = await export(api, "customers", world.admin("reseller"))
    assert [line["companyName"] for line in lines] == ["Epsilon Ltda", "Zeta Ltda"]


async def test_the_export_says_where_the_change_feed_goes_on(api: Api, world: World) -> None:
    token = world.admin("direct")
    _, _, headers = await export(api, "customers", token)
    cursor = headers["partnergraph-changes-after"]
    created = await world.add_customer("direct", "After The Export")
    body = await api.data(FEED, {"after": cursor}, token=token)
    assert [
        (node["entityType"], node["entityId"], node["operation"])
        for node in body["changes"]["nodes"]
    ] == [("Customer", to_global_id("Customer", created.id), "CREATED")]


async def test_subscriptions_carry_costs_only_for_who_may_see_prices(
    api: Api, world: World
) -> None:
    await world.add_subscription("direct")
    _, with_costs, _ = await export(api, "subscriptions", world.admin("direct"))
    assert with_costs[0]["unitCost"] == {"amount": "4.80", "currency": "EUR"}
    _, without, _ = await export(api, "subscriptions", world.token("direct", Role.HELPDESK_AGENT))
    assert "unitCost" not in without[0]
    assert without[0]["unitPrice"] == {"amount": "6.00", "currency": "EUR"}


async def test_invoices_export_and_the_refusals(api: Api, world: World) -> None:
    await world.add_invoice("direct")
    status, lines, _ = await export(api, "invoices", world.token("direct", Role.BILLING_ADMIN))
    assert status == 200
    assert [line["number"] for line in lines] == ["INV-000001"]
    refused = {
        "no token": await export(api, "invoices", None),
        "no capability": await export(api, "invoices", world.token("direct", Role.ACCOUNT_ADMIN)),
        "unknown": await export(api, "spaceships", world.admin("direct")),
        "bad token": await export(api, "invoices", "not.a.token"),
    }
    assert {
        name: (status, body[0]["errors"][0]["extensions"]["code"])
        for name, (status, body, _) in refused.items()
    } == {
        "no token": (401, "UNAUTHENTICATED"),
        "no capability": (403, "FORBIDDEN"),
        "unknown": (404, "NOT_FOUND"),
        "bad token": (401, "UNAUTHENTICATED"),
    }
