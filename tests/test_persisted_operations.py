"""Persisted operations: automatic persisted queries (Apollo's protocol), registered
documents, and integrations bound to the safelist of their organization."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx

from auth.viewer import Role
from resolvers.models import AuditEvent
from tests.conftest import Api, World

ROLES = "query Roles { viewer { roles } }"
CUSTOMERS = "query Names { customers(first: 5) { nodes { companyName } } }"
REGISTER = """mutation($input: RegisterPersistedOperationsInput!) {
  registerPersistedOperations(input: $input) {
    operations { id hash name document } userErrors { field code message } } }"""
BIND = """mutation($input: SetUserSafelistOnlyInput!) {
  setUserSafelistOnly(input: $input) { user { subject safelistOnly } userErrors { code } } }"""
LIST = "{ persistedOperations(first: 10) { totalCount nodes { hash name } } }"


def sha256(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()


async def send(
    client: httpx.AsyncClient, token: str, query: str | None = None, digest: str | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if query is not None:
        body["query"] = query
    if digest is not None:
        body["extensions"] = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
    headers = {"authorization": f"Bearer {token}"}
    response = await client.post("/graphql", json=body, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def code_of(body: dict[str, Any]) -> str:
    return body["errors"][0]["extensions"]["code"]


async def test_a_query_sent_once_with_its_hash_is_then_run_by_hash_alone(
    client: httpx.AsyncClient, world: World
) -> None:
    token, digest = world.admin("direct"), sha256(CUSTOMERS)
    unknown = await send(client, token, digest=digest)
    assert code_of(unknown) == "PERSISTED_QUERY_NOT_FOUND"
    assert "data" not in unknown
    first = await send(client, token, CUSTOMERS, digest)
    again = await send(client, token, digest=digest)
    assert first["data"] == again["data"]
    assert len(again["data"]["customers"]["nodes"]) == 2


async def test_a_hash_is_known_only_to_the_organization_that_sent_its_query(
    client: httpx.AsyncClient, world: World
) -> None:
    digest = sha256(CUSTOMERS)
    await send(client, world.admin("direct"), CUSTOMERS, digest)
    elsewhere = await send(client, world.admin("other"), digest=digest)
    assert code_of(elsewhere) == "PERSISTED_QUERY_NOT_FOUND"


async def test_a_hash_that_is_not_the_querys_or_malformed_is_refused(
    client: httpx.AsyncClient, world: World
) -> None:
    token = world.admin("direct")
    mismatched = await send(client, token, CUSTOMERS, sha256(ROLES))
    assert code_of(mismatched) == "BAD_USER_INPUT"
    assert "SHA-256" in mismatched["errors"][0]["message"]
    for extension in ({"version": 2, "sha256Hash": sha256(ROLES)}, {"version": 1}, "x"):
        response = await client.post(
            "/graphql",
            json={"extensions": {"persistedQuery": extension}},
            headers={"authorization": f"Bearer {token}"},
        )
        assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    # the document it named is never remembered
    assert code_of(await send(client, token, digest=sha256(CUSTOMERS))) == (
        "PERSISTED_QUERY_NOT_FOUND"
    )


async def test_registered_documents_are_checked_listed_and_recorded_once(
    api: Api, world: World
) -> None:
    token = world.admin("direct")
    refused = await api.data(REGISTER, {"input": {"documents": [ROLES, "{ nope }"]}}, token=token)
    payload = refused["registerPersistedOperations"]
    assert payload["operations"] is None
    assert [(error["field"], error["code"]) for error in payload["userErrors"]] == [
        (["documents", "1"], "BAD_USER_INPUT")
    ]
    registered = await api.data(REGISTER, {"input": {"documents": [ROLES, CUSTOMERS]}}, token=token)
    again = await api.data(REGISTER, {"input": {"documents": [ROLES]}}, token=token)
    operations = registered["registerPersistedOperations"]["operations"]
    assert [(item["hash"], item["name"]) for item in operations] == [
        (sha256(ROLES), "Roles"),
        (sha256(CUSTOMERS), "Names"),
    ]
    assert again["registerPersistedOperations"]["operations"][0]["id"] == operations[0]["id"]
    listed = (await api.data(LIST, token=token))["persistedOperations"]
    assert listed["totalCount"] == 2
    assert await AuditEvent.filter(action="persisted_operation.registered").count() == 2
    other = await api.data(LIST, token=world.admin("other"))
    assert other["persistedOperations"]["totalCount"] == 0
    sales = await api.gql(LIST, token=world.token("direct", Role.SALES_AGENT))
    assert code_of(sales) == "FORBIDDEN"


async def test_an_integration_bound_to_the_safelist_runs_only_registered_operations(
    api: Api, client: httpx.AsyncClient, world: World
) -> None:
    admin = world.admin("direct")
    await api.data(REGISTER, {"input": {"documents": [CUSTOMERS]}}, token=admin)
    bound = await api.data(  # as pasted, with a stray space
        BIND, {"input": {"subject": " erp-connector ", "safelistOnly": True}}, token=admin
    )
    # bound before its first request: its directory entry is made now
    assert bound["setUserSafelistOnly"]["user"] == {
        "subject": "erp-connector",
        "safelistOnly": True,
    }
    integration = world.token("direct", Role.GLOBAL_ADMIN, sub="erp-connector")
    by_hash = await send(client, integration, digest=sha256(CUSTOMERS))
    in_full = await send(client, integration, CUSTOMERS)
    assert by_hash["data"] == in_full["data"]
    assert len(by_hash["data"]["customers"]["nodes"]) == 2
    for query in (ROLES, CUSTOMERS + " ", "query Names { customers(first: 99) { totalCount } }"):
        refused = await send(client, integration, query)
        assert code_of(refused) == "FORBIDDEN"
        assert "data" not in refused
    unknown = await send(client, integration, digest=sha256(ROLES))
    assert code_of(unknown) == "FORBIDDEN"
    export = await client.get(
        "/bulk/customers.jsonl", headers={"authorization": f"Bearer {integration}"}
    )
    assert export.status_code == 403
    assert export.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    await api.data(
        BIND, {"input": {"subject": "erp-connector", "safelistOnly": False}}, token=admin
    )
    freed = await send(client, integration, ROLES)
    assert freed["data"] == {"viewer": {"roles": ["global_admin"]}}


async def test_only_user_administrators_bind_users_to_the_safelist(api: Api, world: World) -> None:
    variables = {"input": {"subject": "erp-connector", "safelistOnly": True}}
    refused = await api.gql(BIND, variables, token=world.token("direct", Role.SALES_AGENT))
    assert code_of(refused) == "FORBIDDEN"
    allowed = await api.data(
        BIND, variables, token=world.token("direct", Role.USER_MANAGEMENT_ADMIN)
    )
    assert allowed["setUserSafelistOnly"]["userErrors"] == []
