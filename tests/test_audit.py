"""Every mutation commits its change, an audit record and a change event together, or none."""

from __future__ import annotations

import logging

import pytest

from auth.viewer import Role
from resolvers import models
from tests.conftest import Api, World

UPDATE = """
mutation($id: ID!) {
  updateCustomer(input: {id: $id, expectedVersion: 1, companyName: "Renamed SA"}) {
    customer { version } userErrors { code }
  }
}"""
CREATE = """
mutation {
  createCustomer(input: {companyName: "Omega", domain: "omega.com", country: "PT", language: "pt-PT"}) {
    customer { id } userErrors { code }
  }
}"""
AUDIT = """
query($id: ID!) {
  auditEvents(filter: {entityId: $id}) {
    nodes { action entityType entityId before after requestId actor { subject tenantId roles } }
  }
}"""


async def signed_in(api: Api, world: World) -> str:
    """An admin token of "direct" whose directory entry (and its own record) exists already."""
    token = world.admin("direct")
    await api.data("{ viewer { roles } }", token=token)
    return token


async def recorded() -> list[int]:
    return [await model.all().count() for model in (models.AuditEvent, models.ChangeEvent)]


async def test_an_update_records_who_what_before_after_and_the_request(
    api: Api, world: World
) -> None:
    token = world.token("direct", Role.ADMIN_AGENT, sub="agent-7")
    customer_id = world.customer_id("direct")
    response = await api.post(
        UPDATE, {"id": customer_id}, token=token, headers={"x-request-id": "req-audit-1"}
    )
    assert response.json()["data"]["updateCustomer"]["customer"] == {"version": 2}
    data = await api.data(AUDIT, {"id": customer_id}, token=token)
    created, updated = data["auditEvents"]["nodes"]
    assert created["action"] == "customer.created"
    assert updated["action"] == "customer.updated"
    assert updated["entityId"] == customer_id
    assert updated["before"]["companyName"] == "Alpha Lda"
    assert updated["after"]["companyName"] == "Renamed SA"
    assert updated["requestId"] == "req-audit-1"
    assert updated["actor"] == {
        "subject": "agent-7",
        "tenantId": world.partners["direct"].tenant_id,
        "roles": ["admin_agent"],
    }
    change = (
        await models.ChangeEvent.filter(entity_id=world.customers["direct"][0].id)
        .order_by("-id")
        .first()
    )
    assert (change.operation, change.version, change.entity_type) == ("UPDATED", 2, "Customer")


async def test_a_mutation_that_fails_midway_leaves_no_change_no_audit_and_no_event(
    api: Api, world: World, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full while writing change_events")

    token = await signed_in(api, world)
    monkeypatch.setattr(models.ChangeEvent, "create", broken)
    counts = [
        await model.all().count()
        for model in (models.Customer, models.AuditEvent, models.ChangeEvent)
    ]
    with caplog.at_level(logging.ERROR, logger="partnergraph.errors"):
        response = await api.post(CREATE, token=token)
    body = response.json()
    assert body["data"]["createCustomer"] is None
    error = body["errors"][0]
    assert error["extensions"] == {
        "code": "INTERNAL_SERVER_ERROR",
        "requestId": response.headers["x-request-id"],
    }
    assert "disk full" not in response.text
    assert [
        await model.all().count()
        for model in (models.Customer, models.AuditEvent, models.ChangeEvent)
    ] == counts
    logged = [
        record
        for record in caplog.records
        if getattr(record, "request_id", None) == response.headers["x-request-id"]
    ]
    assert logged
    assert logged[0].exc_info is not None


async def test_a_refused_update_writes_nothing(api: Api, world: World) -> None:
    token = await signed_in(api, world)
    counts = await recorded()
    body = await api.data(
        UPDATE.replace("expectedVersion: 1", "expectedVersion: 9"),
        {"id": world.customer_id("direct")},
        token=token,
    )
    assert body["updateCustomer"]["userErrors"] == [{"code": "VERSION_CONFLICT"}]
    assert await recorded() == counts


async def test_an_update_that_changes_nothing_records_nothing(api: Api, world: World) -> None:
    token = await signed_in(api, world)
    counts = await recorded()
    body = await api.data(
        UPDATE.replace("Renamed SA", "Alpha Lda"), {"id": world.customer_id("direct")}, token=token
    )
    assert body["updateCustomer"]["customer"] == {"version": 1}
    assert await recorded() == counts


async def test_a_deactivated_users_tokens_stop_working_at_once(api: Api, world: World) -> None:
    victim = world.token("direct", Role.SALES_AGENT, sub="leaver")
    assert (await api.post("{ viewer { roles } }", token=victim)).status_code == 200
    user = await models.User.get(sub="leaver")
    from schema.nodes import to_global_id

    body = await api.data(
        "mutation($id: ID!) { deactivateUser(input: {id: $id}) { user { active } userErrors { code } } }",
        {"id": to_global_id("User", user.id)},
        token=world.token("direct", Role.USER_MANAGEMENT_ADMIN),
    )
    assert body["deactivateUser"] == {"user": {"active": False}, "userErrors": []}
    refused = await api.post("{ viewer { roles } }", token=victim)
    assert refused.status_code == 401
    assert refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert await models.AuditEvent.filter(action="user.deactivated", entity_id=user.id).count() == 1
