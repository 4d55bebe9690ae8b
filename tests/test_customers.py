"""Customers: creating, editing, paging and filtering the directory."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from auth.viewer import Role
from resolvers import models
from resolvers.models import Customer
from resolvers.rows import select
from tests.conftest import Api, World, counting_statements

CREATE = """
mutation($input: CreateCustomerInput!) {
  createCustomer(input: $input) {
    customer { id version companyName domain country language externalId
               billingContact { name email phone } reseller { name } }
    userErrors { field message code }
  }
}"""
UPDATE = """
mutation($input: UpdateCustomerInput!) {
  updateCustomer(input: $input) {
    customer { id version companyName billingContact { email } }
    userErrors { field message code }
  }
}"""
PAGE = """
query($first: Int, $after: String, $last: Int, $before: String) {
  customers(first: $first, after: $after, last: $last, before: $before) {
    edges { cursor node { companyName } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    totalCount
  }
}"""
FILTERED = """
query($filter: CustomerFilter) {
  customers(first: 100, filter: $filter) { totalCount nodes { companyName } }
}"""
WITH_RESELLER = """
query($first: Int) {
  customers(first: $first, filter: {search: "Bulk"}) {
    edges { cursor node { id companyName domain country language version
                          billingContact { name email } reseller { id name mpnId provider { name } } } }
    pageInfo { hasNextPage endCursor }
  }
}"""

NEW_CUSTOMER = {
    "companyName": "  Tejo Vinhos, Lda. ",
    "domain": "TejoVinhos.onmicrosoft.com",
    "country": "pt",
    "language": "PT-pt",
    "externalId": "ERP-0042",
    "billingContact": {
        "name": "Rui Costa",
        "email": "Rui@TejoVinhos.pt",
        "phone": "+351 21 000 0000",
    },
}


async def test_a_sales_agent_creates_a_customer_with_a_normalized_profile(
    api: Api, world: World
) -> None:
    token = world.token("direct", Role.SALES_AGENT)
    data = await api.data(CREATE, {"input": NEW_CUSTOMER}, token=token)
    assert data["createCustomer"]["userErrors"] == []
    customer = data["createCustomer"]["customer"]
    assert customer["version"] == 1
    assert customer["companyName"] == "Tejo Vinhos, Lda."
    assert customer["domain"] == "tejovinhos.onmicrosoft.com"
    assert (customer["country"], customer["language"]) == ("PT", "pt-PT")
    assert customer["billingContact"] == {
        "name": "Rui Costa",
        "email": "rui@tejovinhos.pt",
        "phone": "+351 21 000 0000",
    }


async def test_every_invalid_field_is_reported_at_once_in_the_callers_language(
    api: Api, world: World
) -> None:
    bad = {
        "companyName": "",
        "domain": "not a domain",
        "country": "XX",
        "language": "portuguese",
        "billingContact": {"name": "X", "email": "nope"},
    }
    english = await api.data(CREATE, {"input": bad}, token=world.admin("direct"))
    swedish = await api.data(
        CREATE, {"input": bad}, token=world.admin("direct"), language="sv-SE,sv;q=0.9"
    )
    errors = english["createCustomer"]["userErrors"]
    assert [error["field"] for error in errors] == [
        ["companyName"],
        ["domain"],
        ["country"],
        ["language"],
        ["billingContact", "email"],
    ]
    assert {error["code"] for error in errors} == {"BAD_USER_INPUT"}
    assert [error["code"] for error in swedish["createCustomer"]["userErrors"]] == [
        error["code"] for error in errors
    ]
    assert swedish["createCustomer"]["userErrors"][1]["message"].startswith("Ange ett domännamn")
    assert english["createCustomer"]["customer"] is None
    assert await models.Customer.filter(company_name="").count() == 0


async def test_a_retried_create_with_the_same_idempotency_key_creates_one_customer(
    api: Api, world: World
) -> None:
    token = world.admin("direct")
    payload = {"input": {**NEW_CUSTOMER, "idempotencyKey": "create-tejo-1"}}
    first = await api.data(CREATE, payload, token=token)
    second = await api.data(CREATE, payload, token=token)
    assert second["createCustomer"]["customer"]["id"] == first["createCustomer"]["customer"]["id"]
    # the same order, written otherwise (as it is stored, it is the same)
    contact = {
        **NEW_CUSTOMER["billingContact"],
        "name": " Rui Costa ",
        "email": " Rui@TejoVinhos.pt",
    }
    rewritten = {"input": {**payload["input"], "billingContact": contact}}
    third = await api.data(CREATE, rewritten, token=token)
    assert third["createCustomer"]["customer"]["id"] == first["createCustomer"]["customer"]["id"]
    assert await models.Customer.filter(external_id="ERP-0042").count() == 1
    assert (
        await models.AuditEvent.filter(action="customer.created", entity_type="Customer").count()
        == 8
    )


async def test_concurrent_retries_with_one_key_create_one_customer(api: Api, world: World) -> None:
    token = world.admin("direct")
    payload = {"input": {**NEW_CUSTOMER, "idempotencyKey": "burst"}}
    answers = await asyncio.gather(*(api.data(CREATE, payload, token=token) for _ in range(8)))
    ids = {answer["createCustomer"]["customer"]["id"] for answer in answers}
    assert len(ids) == 1
    assert await models.Customer.filter(external_id="ERP-0042").count() == 1


async def test_reusing_an_idempotency_key_with_other_input_is_refused(
    api: Api, world: World
) -> None:
    token = world.admin("direct")
    await api.data(CREATE, {"input": {**NEW_CUSTOMER, "idempotencyKey": "k-1"}}, token=token)
    changed = {**NEW_CUSTOMER, "companyName": "Other", "externalId": None, "idempotencyKey": "k-1"}
    data = await api.data(CREATE, {"input": changed}, token=token)
    assert data["createCustomer"]["customer"] is None
    assert data["createCustomer"]["userErrors"][0]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert await models.Customer.filter(company_name="Other").count() == 0


async def test_idempotency_keys_belong_to_one_partner(api: Api, world: World) -> None:
    payload = {"input": {**NEW_CUSTOMER, "idempotencyKey": "shared"}}
    mine = await api.data(CREATE, payload, token=world.admin("direct"))
    theirs = await api.data(CREATE, payload, token=world.admin("other"))
    assert mine["createCustomer"]["customer"]["id"] != theirs["createCustomer"]["customer"]["id"]


async def test_an_external_id_is_unique_per_partner(api: Api, world: World) -> None:
    token = world.admin("direct")
    await api.data(CREATE, {"input": NEW_CUSTOMER}, token=token)
    again = await api.data(CREATE, {"input": {**NEW_CUSTOMER, "companyName": "Copy"}}, token=token)
    assert again["createCustomer"]["userErrors"] == [
        {
            "field": ["externalId"],
            "message": "Another customer already has this external id.",
            "code": "BAD_USER_INPUT",
        }
    ]


async def test_an_update_applies_only_the_given_fields_and_bumps_the_version(
    api: Api, world: World
) -> None:
    token = world.token("direct", Role.HELPDESK_AGENT)
    customer_id = world.customer_id("direct")
    data = await api.data(
        UPDATE,
        {"input": {"id": customer_id, "expectedVersion": 1, "companyName": "Alpha SA"}},
        token=token,
    )
    customer = data["updateCustomer"]["customer"]
    assert customer["companyName"] == "Alpha SA"
    assert customer["version"] == 2
    assert customer["billingContact"] == {"email": "ana@example.com"}


async def test_a_stale_expected_version_is_a_version_conflict(api: Api, world: World) -> None:
    token = world.admin("direct")
    customer_id = world.customer_id("direct")
    await api.data(
        UPDATE,
        {"input": {"id": customer_id, "expectedVersion": 1, "companyName": "First"}},
        token=token,
    )
    data = await api.data(
        UPDATE,
        {"input": {"id": customer_id, "expectedVersion": 1, "companyName": "Second"}},
        token=token,
    )
    assert data["updateCustomer"]["customer"] is None
    assert data["updateCustomer"]["userErrors"][0]["code"] == "VERSION_CONFLICT"
    assert data["updateCustomer"]["userErrors"][0]["field"] == ["expectedVersion"]
    stored = await models.Customer.get(id=world.customers["direct"][0].id)
    assert (stored.company_name, stored.version) == ("First", 2)


async def test_concurrent_updates_at_one_version_let_exactly_one_win(
    api: Api, world: World
) -> None:
    token = world.admin("direct")
    customer_id = world.customer_id("direct")
    names = [f"Writer {number}" for number in range(6)]
    answers = await asyncio.gather(
        *(
            api.data(
                UPDATE,
                {"input": {"id": customer_id, "expectedVersion": 1, "companyName": name}},
                token=token,
            )
            for name in names
        )
    )
    winners = [answer for answer in answers if answer["updateCustomer"]["customer"]]
    losers = [answer for answer in answers if answer["updateCustomer"]["userErrors"]]
    assert len(winners) == 1
    assert all(
        answer["updateCustomer"]["userErrors"][0]["code"] == "VERSION_CONFLICT" for answer in losers
    )
    stored = await models.Customer.get(id=world.customers["direct"][0].id)
    assert stored.company_name == winners[0]["updateCustomer"]["customer"]["companyName"]
    assert stored.version == 2


async def test_billing_contact_null_clears_it(api: Api, world: World) -> None:
    data = await api.data(
        UPDATE,
        {
            "input": {
                "id": world.customer_id("direct"),
                "expectedVersion": 1,
                "billingContact": None,
            }
        },
        token=world.admin("direct"),
    )
    assert data["updateCustomer"]["customer"]["billingContact"] is None


async def test_a_required_profile_field_cannot_be_nulled(api: Api, world: World) -> None:
    data = await api.data(
        UPDATE,
        {"input": {"id": world.customer_id("direct"), "expectedVersion": 1, "companyName": None}},
        token=world.admin("direct"),
    )
    assert data["updateCustomer"]["userErrors"][0]["field"] == ["companyName"]


async def _many(world: World, count: int) -> None:
    for number in range(count):
        await world.add_customer("direct", f"Customer {number:03d}")


async def test_pages_walk_forward_and_backward_without_gaps_or_repeats(
    api: Api, world: World
) -> None:
    await _many(world, 13)  # 15 in all
    token = world.admin("direct")
    seen, after = [], None
    while True:
        page = (await api.data(PAGE, {"first": 4, "after": after}, token=token))["customers"]
        seen += [edge["node"]["companyName"] for edge in page["edges"]]
        assert page["totalCount"] == 15
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == 15
    backward, before = [], None
    while True:
        page = (await api.data(PAGE, {"last": 6, "before": before}, token=token))["customers"]
        backward = [edge["node"]["companyName"] for edge in page["edges"]] + backward
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        before = page["pageInfo"]["startCursor"]
    assert backward == seen


async def test_a_page_defaults_to_fifty_and_accepts_one_to_a_hundred(
    api: Api, world: World
) -> None:
    await _many(world, 60)
    token = world.admin("direct")
    assert len((await api.data(PAGE, {}, token=token))["customers"]["edges"]) == 50
    assert len((await api.data(PAGE, {"first": 100}, token=token))["customers"]["edges"]) == 62
    for size in (0, 101, -1):
        body = await api.gql(PAGE, {"first": size}, token=token)
        assert body["data"]["customers"] is None
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        ({"search": "ALPHA"}, ["Alpha Lda"]),
        ({"search": "betalda.onmicrosoft"}, ["Beta Lda"]),
        ({"search": "zzz"}, []),
        ({"search": "  "}, ["Alpha Lda", "Beta Lda"]),
    ],
)
async def test_search_matches_company_name_or_domain(
    api: Api, world: World, criteria: dict[str, Any], expected: list[str]
) -> None:
    data = await api.data(FILTERED, {"filter": criteria}, token=world.admin("direct"))
    assert [node["companyName"] for node in data["customers"]["nodes"]] == expected


async def test_search_takes_wildcards_and_backslashes_literally(api: Api, world: World) -> None:
    await world.add_customer("direct", "Cem% Lda", domain="cem.onmicrosoft.com")
    await world.add_customer("direct", "Under_Score Lda", domain="under.onmicrosoft.com")
    await world.add_customer("direct", "Back\\slash Lda", domain="back.onmicrosoft.com")
    token = world.admin("direct")
    for term, expected in [
        ("%", ["Cem% Lda"]),
        ("_", ["Under_Score Lda"]),
        ("\\", ["Back\\slash Lda"]),
        ("m% l", ["Cem% Lda"]),
        ("a%a", []),
    ]:
        data = await api.data(FILTERED, {"filter": {"search": term}}, token=token)
        found = [node["companyName"] for node in data["customers"]["nodes"]]
        assert found == expected, term
        assert data["customers"]["totalCount"] == len(expected)


async def test_search_ignores_case_in_every_alphabet(api: Api, world: World) -> None:
    await world.add_customer("direct", "Ação Lda", domain="acao.onmicrosoft.com")
    await world.add_customer("direct", "Åbo Data AB", domain="abo.onmicrosoft.com", country="SE")
    token = world.admin("direct")
    for term, expected in [
        ("AÇÃO", ["Ação Lda"]),
        ("åbo", ["Åbo Data AB"]),
        ("ÃO L", ["Ação Lda"]),
    ]:
        data = await api.data(FILTERED, {"filter": {"search": term}}, token=token)
        assert [node["companyName"] for node in data["customers"]["nodes"]] == expected, term


async def test_updated_since_returns_what_changed_at_or_after_a_moment(
    api: Api, world: World
) -> None:
    token = world.admin("direct")
    moment = datetime.now(UTC) + timedelta(milliseconds=5)
    await asyncio.sleep(0.02)
    await api.data(
        UPDATE,
        {
            "input": {
                "id": world.customer_id("direct", 1),
                "expectedVersion": 1,
                "companyName": "Beta SA",
            }
        },
        token=token,
    )
    data = await api.data(FILTERED, {"filter": {"updatedSince": moment.isoformat()}}, token=token)
    assert [node["companyName"] for node in data["customers"]["nodes"]] == ["Beta SA"]
    # The same moment written with another offset is the same moment, on every database.
    for hours in (-5, 2, 14):
        elsewhere = moment.astimezone(timezone(timedelta(hours=hours))).isoformat()
        data = await api.data(FILTERED, {"filter": {"updatedSince": elsewhere}}, token=token)
        assert [node["companyName"] for node in data["customers"]["nodes"]] == ["Beta SA"]


async def test_a_page_of_a_hundred_runs_the_same_statements_as_a_page_of_one(
    api: Api, world: World
) -> None:
    for number in range(100):
        await world.add_customer("reseller" if number % 2 else "reseller2", f"Bulk {number:03d}")
    token = world.admin("provider")
    await api.data("{ viewer { roles } }", token=token)  # the directory entry exists from now on
    counts = {}
    for size in (1, 100):
        with counting_statements() as statements:
            data = await api.data(WITH_RESELLER, {"first": size}, token=token)
        edges = data["customers"]["edges"]
        assert len(edges) == size
        assert all(edge["node"]["reseller"]["provider"] == {"name": "Northwind"} for edge in edges)
        counts[size] = len(statements)
    # the viewer's directory entry, the page, its resellers (one batch), their provider (one batch)
    assert counts == {1: 4, 100: 4}


async def test_written_out_statements_bind_placeholders_by_number(world: World) -> None:
    # out of order and used twice: SQLite's positional `?` get the values in the same places
    statement = (
        "SELECT company_name FROM customers WHERE id >= $2 AND company_name = $1 AND id >= $2"
    )
    records = await select(Customer, statement, "Beta Lda", 1)
    assert [record[0] for record in records] == ["Beta Lda"]
