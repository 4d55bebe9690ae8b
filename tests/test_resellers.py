"""Indirect resellers: an indirect provider registers them and sees them; nobody else."""

from __future__ import annotations

import asyncio

from auth.viewer import Role
from resolvers import models
from tests.conftest import Api, World

REGISTER = """
mutation($input: RegisterResellerInput!) {
  registerReseller(input: $input) {
    reseller { id name kind mpnId tenantId provider { name } }
    userErrors { field code }
  }
}"""
NEW_RESELLER = {
    "tenantId": "0B7B1A52-8F3E-4C1E-9A57-1D2F3E4A5B6C",
    "name": " Fabrikam VAR ",
    "mpnId": "4412301",
}
THEIR_CUSTOMERS = "{ viewer { partner { kind provider { name } } } customers { totalCount } }"


async def test_a_provider_registers_a_reseller_that_can_then_sign_in(
    api: Api, world: World
) -> None:
    data = await api.data(
        REGISTER, {"input": NEW_RESELLER}, token=world.token("provider", Role.SALES_AGENT)
    )
    reseller = data["registerReseller"]["reseller"]
    assert reseller["name"] == "Fabrikam VAR"
    assert reseller["kind"] == "INDIRECT_RESELLER"
    assert reseller["tenantId"] == NEW_RESELLER["tenantId"].lower()
    assert reseller["provider"] == {"name": "Northwind"}
    world.partners["var"] = await models.Partner.get(tenant_id=reseller["tenantId"])
    signed_in = await api.data(THEIR_CUSTOMERS, token=world.admin("var"))
    assert signed_in["viewer"]["partner"] == {
        "kind": "INDIRECT_RESELLER",
        "provider": {"name": "Northwind"},
    }
    assert signed_in["customers"]["totalCount"] == 0
    assert await models.AuditEvent.filter(action="reseller.registered").count() == 1


async def test_registering_twice_with_one_idempotency_key_returns_the_first_reseller(
    api: Api, world: World
) -> None:
    payload = {"input": {**NEW_RESELLER, "idempotencyKey": "var-1"}}
    answers = await asyncio.gather(
        *(api.data(REGISTER, payload, token=world.admin("provider")) for _ in range(4))
    )
    assert len({answer["registerReseller"]["reseller"]["id"] for answer in answers}) == 1
    assert await models.Partner.filter(kind="INDIRECT_RESELLER").count() == 3


async def test_an_onboarded_tenant_cannot_be_registered_again(api: Api, world: World) -> None:
    taken = {**NEW_RESELLER, "tenantId": world.partners["direct"].tenant_id}
    data = await api.data(REGISTER, {"input": taken}, token=world.admin("provider"))
    assert data["registerReseller"] == {
        "reseller": None,
        "userErrors": [{"field": ["tenantId"], "code": "BAD_USER_INPUT"}],
    }


async def test_only_an_indirect_provider_registers_resellers(api: Api, world: World) -> None:
    for partner in ("direct", "reseller"):
        data = await api.data(REGISTER, {"input": NEW_RESELLER}, token=world.admin(partner))
        assert data["registerReseller"]["userErrors"] == [{"field": None, "code": "FORBIDDEN"}]
    assert not await models.Partner.exists(tenant_id=NEW_RESELLER["tenantId"].lower())


async def test_bad_identity_fields_are_all_reported(api: Api, world: World) -> None:
    bad = {"tenantId": "not-a-guid", "name": "", "mpnId": "12"}
    data = await api.data(REGISTER, {"input": bad}, token=world.admin("provider"))
    assert [error["field"] for error in data["registerReseller"]["userErrors"]] == [
        ["tenantId"],
        ["name"],
        ["mpnId"],
    ]
