"""Tenancy: direct partners, indirect providers and resellers see their own rows, nothing else.

Another tenant's id is NOT_FOUND on every path, exactly like an id that does not exist."""

from __future__ import annotations

from typing import Any

import pytest

from resolvers import models
from schema.nodes import from_global_id, to_global_id
from tests.conftest import Api, World

# Who may see whose customers: viewer partner -> owners of the customers it sees.
VISIBLE_OWNERS = {
    "direct": {"direct"},
    "other": {"other"},
    "provider": {"provider", "reseller", "reseller2"},
    "reseller": {"reseller"},
    "reseller2": {"reseller2"},
}
ALL_OWNERS = set(VISIBLE_OWNERS)

CUSTOMERS = "{ customers(first: 100) { totalCount nodes { id } } }"
CUSTOMER = "query($id: ID!) { customer(id: $id) { id companyName } }"
NODE = "query($id: ID!) { node(id: $id) { id } }"
NODES = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }"
SEARCH = "query($s: String) { customers(filter: {search: $s}) { totalCount } }"
BY_RESELLER = "query($r: ID) { customers(filter: {resellerId: $r}) { totalCount nodes { id } } }"
UPDATE = """
mutation($id: ID!) {
  updateCustomer(input: {id: $id, expectedVersion: 1, companyName: "Hijacked"}) {
    customer { id } userErrors { code field }
  }
}"""
CREATE_FOR_RESELLER = """
mutation($reseller: ID) {
  createCustomer(input: {companyName: "Omega", domain: "omega.com", country: "PT",
                         language: "pt-PT", resellerId: $reseller}) {
    customer { id reseller { name } } userErrors { code field }
  }
}"""
RESELLERS = "{ resellers { nodes { name } } partner { resellers { nodes { name } } } }"
AUDIT = "{ auditEvents(first: 100) { nodes { entityId } } }"
PARTNER_NODE = "query($id: ID!) { node(id: $id) { ... on Partner { name } } }"


def _ids_of(world: World, owners: set[str]) -> set[str]:
    return {
        world.customer_id(owner, index)
        for owner in owners
        for index in range(len(world.customers[owner]))
    }


def _not_found(body: dict[str, Any], path: list[Any]) -> bool:
    return any(
        error.get("path") == path and error["extensions"]["code"] == "NOT_FOUND"
        for error in body.get("errors", [])
    )


@pytest.mark.parametrize("viewer", list(VISIBLE_OWNERS))
async def test_a_partner_lists_only_the_customers_it_may_see(
    api: Api, world: World, viewer: str
) -> None:
    data = await api.data(CUSTOMERS, token=world.admin(viewer))
    seen = {node["id"] for node in data["customers"]["nodes"]}
    assert seen == _ids_of(world, VISIBLE_OWNERS[viewer])
    assert data["customers"]["totalCount"] == len(seen)


@pytest.mark.parametrize("viewer", list(VISIBLE_OWNERS))
async def test_another_tenants_customer_is_not_found_by_id_node_and_nodes(
    api: Api, world: World, viewer: str
) -> None:
    token = world.admin(viewer)
    for owner in ALL_OWNERS - VISIBLE_OWNERS[viewer]:
        foreign = world.customer_id(owner)
        for document, path in ((CUSTOMER, ["customer"]), (NODE, ["node"])):
            body = await api.gql(document, {"id": foreign}, token=token)
            assert body["data"][path[0]] is None
            assert _not_found(body, path), body
        body = await api.gql(
            NODES,
            {"ids": [foreign, world.customer_id(next(iter(VISIBLE_OWNERS[viewer])))]},
            token=token,
        )
        assert body["data"]["nodes"][0] is None
        assert body["data"]["nodes"][1] is not None
        assert _not_found(body, ["nodes", 0])


async def test_a_foreign_id_answers_exactly_like_an_id_that_does_not_exist(
    api: Api, world: World
) -> None:
    token = world.admin("direct")
    foreign = await api.gql(CUSTOMER, {"id": world.customer_id("other")}, token=token)
    missing = await api.gql(CUSTOMER, {"id": to_global_id("Customer", 999_999)}, token=token)
    garbage = await api.gql(CUSTOMER, {"id": "not-an-id"}, token=token)
    for body in (foreign, missing, garbage):
        del body["extensions"]["cost"]["throttle"]["remaining"]  # each took its cost
    assert foreign == missing == garbage


@pytest.mark.parametrize("viewer", list(VISIBLE_OWNERS))
async def test_another_tenants_customer_cannot_be_updated(
    api: Api, world: World, viewer: str
) -> None:
    token = world.admin(viewer)
    for owner in ALL_OWNERS - VISIBLE_OWNERS[viewer]:
        body = await api.gql(UPDATE, {"id": world.customer_id(owner)}, token=token)
        assert body["data"]["updateCustomer"]["userErrors"] == [
            {"code": "NOT_FOUND", "field": ["id"]}
        ]
        untouched = await models.Customer.get(id=world.customers[owner][0].id)
        assert untouched.company_name != "Hijacked"
        assert untouched.version == 1


async def test_search_finds_nothing_of_another_tenant(api: Api, world: World) -> None:
    token = world.admin("direct")
    data = await api.data(SEARCH, {"s": "Gamma"}, token=token)  # Litware's customer
    assert data["customers"]["totalCount"] == 0
    data = await api.data(SEARCH, {"s": "alpha"}, token=token)
    assert data["customers"]["totalCount"] == 1


async def test_a_provider_filters_its_customers_by_reseller(api: Api, world: World) -> None:
    data = await api.data(
        BY_RESELLER, {"r": world.partner_id("reseller")}, token=world.admin("provider")
    )
    assert {node["id"] for node in data["customers"]["nodes"]} == _ids_of(world, {"reseller"})


async def test_a_reseller_filtering_by_another_reseller_sees_nothing(
    api: Api, world: World
) -> None:
    data = await api.data(
        BY_RESELLER, {"r": world.partner_id("reseller2")}, token=world.admin("reseller")
    )
    assert data["customers"]["totalCount"] == 0


async def test_a_reseller_cannot_see_another_resellers_customers(api: Api, world: World) -> None:
    data = await api.data(CUSTOMERS, token=world.admin("reseller"))
    seen = {node["id"] for node in data["customers"]["nodes"]}
    assert seen.isdisjoint(_ids_of(world, {"reseller2", "provider"}))


async def test_a_provider_creates_a_customer_for_its_own_reseller_only(
    api: Api, world: World
) -> None:
    token = world.admin("provider")
    body = await api.data(
        CREATE_FOR_RESELLER, {"reseller": world.partner_id("reseller")}, token=token
    )
    assert body["createCustomer"]["customer"]["reseller"] == {"name": "Reseller"}
    other_provider = await models.Partner.get(id=world.partners["other"].id)
    body = await api.data(
        CREATE_FOR_RESELLER, {"reseller": to_global_id("Partner", other_provider.id)}, token=token
    )
    assert body["createCustomer"] == {
        "customer": None,
        "userErrors": [{"code": "NOT_FOUND", "field": ["resellerId"]}],
    }


async def test_a_reseller_creates_customers_under_itself_and_its_provider(
    api: Api, world: World
) -> None:
    body = await api.data(CREATE_FOR_RESELLER, {"reseller": None}, token=world.admin("reseller"))
    assert body["createCustomer"]["customer"]["reseller"] == {"name": "Reseller"}
    provider_view = await api.data(CUSTOMERS, token=world.admin("provider"))
    assert body["createCustomer"]["customer"]["id"] in {
        node["id"] for node in provider_view["customers"]["nodes"]
    }
    other_reseller = await api.data(CUSTOMERS, token=world.admin("reseller2"))
    assert body["createCustomer"]["customer"]["id"] not in {
        node["id"] for node in other_reseller["customers"]["nodes"]
    }


async def test_a_reseller_cannot_create_customers_for_another_reseller(
    api: Api, world: World
) -> None:
    body = await api.data(
        CREATE_FOR_RESELLER,
        {"reseller": world.partner_id("reseller2")},
        token=world.admin("reseller"),
    )
    assert body["createCustomer"]["userErrors"] == [{"code": "NOT_FOUND", "field": ["resellerId"]}]


async def test_a_direct_partner_has_no_resellers_to_sell_through(api: Api, world: World) -> None:
    body = await api.data(
        CREATE_FOR_RESELLER, {"reseller": world.partner_id("reseller")}, token=world.admin("direct")
    )
    assert body["createCustomer"]["userErrors"][0]["field"] == ["resellerId"]


@pytest.mark.parametrize(
    ("viewer", "expected"),
    [("provider", ["Reseller", "Reseller2"]), ("direct", []), ("reseller", [])],
)
async def test_only_a_provider_sees_resellers_and_only_its_own(
    api: Api, world: World, viewer: str, expected: list[str]
) -> None:
    data = await api.data(RESELLERS, token=world.admin(viewer))
    assert [node["name"] for node in data["resellers"]["nodes"]] == expected
    assert [node["name"] for node in data["partner"]["resellers"]["nodes"]] == expected


@pytest.mark.parametrize(
    ("viewer", "visible", "hidden"),
    [
        ("provider", ["provider", "reseller", "reseller2"], ["direct", "other"]),
        ("reseller", ["reseller", "provider"], ["reseller2", "direct"]),
        ("direct", ["direct"], ["other", "provider", "reseller"]),
    ],
)
async def test_partner_records_are_visible_only_within_the_relationship(
    api: Api, world: World, viewer: str, visible: list[str], hidden: list[str]
) -> None:
    token = world.admin(viewer)
    for name in visible:
        body = await api.data(PARTNER_NODE, {"id": world.partner_id(name)}, token=token)
        assert body["node"]["name"] == world.partners[name].name
    for name in hidden:
        body = await api.gql(PARTNER_NODE, {"id": world.partner_id(name)}, token=token)
        assert body["data"]["node"] is None
        assert _not_found(body, ["node"])


@pytest.mark.parametrize("viewer", list(VISIBLE_OWNERS))
async def test_the_activity_log_shows_only_changes_of_visible_objects(
    api: Api, world: World, viewer: str
) -> None:
    for partner in VISIBLE_OWNERS:  # every partner's users sign in and leave a record
        await api.data("{ viewer { roles } }", token=world.admin(partner))
    data = await api.data(AUDIT, token=world.admin(viewer))
    seen = {node["entityId"] for node in data["auditEvents"]["nodes"]}
    own_users = {
        to_global_id("User", user.id)
        for user in await models.User.filter(partner_id=world.partners[viewer].id)
    }
    customers = {entity for entity in seen if from_global_id(entity)[0] == "Customer"}
    assert customers == _ids_of(world, VISIBLE_OWNERS[viewer])
    assert seen - customers == own_users  # a provider never sees its resellers' users


async def test_a_tenant_header_or_argument_cannot_change_the_tenant(api: Api, world: World) -> None:
    headers = {"x-tenant-id": world.partners["other"].tenant_id}
    data = await api.data(CUSTOMERS, token=world.admin("direct"), headers=headers)
    assert {node["id"] for node in data["customers"]["nodes"]} == _ids_of(world, {"direct"})


async def test_user_ids_of_another_partner_are_not_found(api: Api, world: World) -> None:
    stranger = await models.User.create(partner=world.partners["other"], sub="stranger")
    body = await api.gql(
        "mutation($id: ID!) { deactivateUser(input: {id: $id}) { user { id } userErrors { code } } }",
        {"id": to_global_id("User", stranger.id)},
        token=world.admin("direct"),
    )
    assert body["data"]["deactivateUser"]["userErrors"] == [{"code": "NOT_FOUND"}]
    assert (await models.User.get(id=stranger.id)).active


async def test_a_resellers_external_ids_tell_nothing_about_its_siblings(
    api: Api, world: World
) -> None:
    await world.add_customer("reseller", "Theta Ltda", external_id="ERP-1")
    body = await api.data(
        CREATE_FOR_RESELLER.replace(
            'language: "pt-PT",', 'language: "pt-PT", externalId: "ERP-1",'
        ),
        {"reseller": None},
        token=world.admin("reseller2"),
    )
    assert body["createCustomer"]["userErrors"] == []
