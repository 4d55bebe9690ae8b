"""Odd input of every kind gets a clear, coded refusal, never an internal error."""

from __future__ import annotations

import pytest

from api.database import tortoise_config
from api.settings import Settings, SettingsError
from auth.viewer import Role
from tests.conftest import Api, World, counting_statements

SEARCH = "query($s: String) { customers(filter: {search: $s}) { totalCount } }"
RESELLERS = "query($s: String) { resellers(search: $s) { totalCount } }"
USERS = "query($s: String) { users(search: $s) { totalCount } }"
AUDIT = "query($a: String) { auditEvents(filter: {action: $a}) { totalCount } }"
SINCE = "query($t: DateTime!) { customers(filter: {updatedSince: $t}) { totalCount } }"
CREATE = """
mutation($name: String!) {
  createCustomer(input: {companyName: $name, domain: "nul.com", country: "PT", language: "pt-PT"}) {
    customer { id } userErrors { code }
  }
}"""


def _code(body: dict) -> str:
    return body["errors"][0]["extensions"]["code"]


@pytest.mark.parametrize(
    ("document", "variables"),
    [
        (SEARCH, {"s": "a\x00b"}),
        (CREATE, {"name": "Evil\x00 Lda"}),
        ('{ customers(filter: {search: "a\\u0000b"}) { totalCount } }', None),
    ],
    ids=["search variable", "mutation input", "literal"],
)
async def test_nul_characters_are_refused_as_bad_input(
    api: Api, world: World, document: str, variables: dict | None
) -> None:
    body = await api.gql(document, variables, token=world.admin("direct"))
    assert "data" not in body
    assert _code(body) == "BAD_USER_INPUT"
    assert body["errors"][0]["message"] == "Text may not contain NUL characters."


async def test_a_token_whose_subject_holds_control_characters_is_refused(
    api: Api, world: World
) -> None:
    response = await api.post(
        "{ viewer { roles } }", token=world.token("direct", Role.GLOBAL_ADMIN, sub="a\x00b")
    )
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("document", "variables"),
    [
        (SEARCH, {"s": "x" * 60_000}),
        (RESELLERS, {"s": "4" * 40}),
        (RESELLERS, {"s": "y" * 500}),
        (USERS, {"s": "z" * 500}),
        (AUDIT, {"a": "customer." * 10}),
    ],
    ids=["customers", "resellers mpn", "resellers long", "users", "audit action"],
)
async def test_overlong_search_and_filter_texts_are_refused_or_harmless(
    api: Api, world: World, document: str, variables: dict
) -> None:
    body = await api.gql(document, variables, token=world.admin("provider"))
    if "errors" in body:
        assert _code(body) == "BAD_USER_INPUT", body
    else:
        assert next(iter(body["data"].values()))["totalCount"] == 0


async def test_a_reseller_search_by_mpn_id_that_fits_is_served(api: Api, world: World) -> None:
    body = await api.data(RESELLERS, {"s": "4" * 30}, token=world.admin("provider"))
    assert body["resellers"]["totalCount"] == 0


@pytest.mark.parametrize(
    "moment", ["2026-01-01T00:00:00", "2026-01-01", "yesterday", "2026-13-01T00:00:00Z"]
)
async def test_a_datetime_without_a_utc_offset_or_unparseable_is_bad_input(
    api: Api, world: World, moment: str
) -> None:
    body = await api.gql(SINCE, {"t": moment}, token=world.admin("direct"))
    assert "data" not in body
    assert _code(body) == "BAD_USER_INPUT"


async def test_a_datetime_with_an_offset_is_served(api: Api, world: World) -> None:
    data = await api.data(SINCE, {"t": "2000-01-01T00:00:00+01:00"}, token=world.admin("direct"))
    assert data["customers"]["totalCount"] == 2


async def test_a_token_without_known_roles_reads_its_viewer_and_nothing_else(
    api: Api, world: World
) -> None:
    token = world.token("direct", "partner_owner")
    body = await api.gql("{ viewer { roles partner { name } } partner { tenantId } }", token=token)
    assert body["data"]["viewer"] == {"roles": [], "partner": {"name": "Contoso"}}
    assert body["data"]["partner"] is None
    assert _code(body) == "FORBIDDEN"


NESTED_RESELLERS = """
query($n: Int) {
  customers(first: $n) { nodes { reseller { resellers(first: 5) { totalCount nodes { name } } } } }
}"""


async def test_other_partners_resellers_cost_no_query_whatever_the_rows(
    api: Api, world: World
) -> None:
    for number in range(6):
        await world.add_customer("reseller", f"Fan {number}")
    token = world.admin("provider")
    await api.data("{ viewer { roles } }", token=token)
    counts = {}
    for size in (2, 9):
        with counting_statements() as statements:
            data = await api.data(NESTED_RESELLERS, {"n": size}, token=token)
        nested = [node["reseller"] for node in data["customers"]["nodes"] if node["reseller"]]
        assert nested
        assert all(reseller["resellers"] == {"totalCount": 0, "nodes": []} for reseller in nested)
        counts[size] = len(statements)
    assert counts[2] == counts[9]


@pytest.mark.parametrize(
    "environ",
    [
        {"PARTNERGRAPH_MAX_DEPTH": "nan"},
        {"PARTNERGRAPH_MAX_BODY_BYTES": "1e999"},
        {"PARTNERGRAPH_MAX_ALIASES": "0"},
        {"PARTNERGRAPH_PORT": "-1"},
        {"PARTNERGRAPH_DATABASE_POOL_MIN": "0"},
        {"PARTNERGRAPH_DATABASE_POOL_MIN": "8", "PARTNERGRAPH_DATABASE_POOL_MAX": "4"},
    ],
)
def test_nonsense_limits_are_a_settings_error(environ: dict[str, str]) -> None:
    with pytest.raises(SettingsError):
        Settings.from_environment(environ)


def test_the_postgresql_pool_takes_its_sizes_from_the_settings() -> None:
    settings = Settings.from_environment(
        {"PARTNERGRAPH_DATABASE_POOL_MIN": "2", "PARTNERGRAPH_DATABASE_POOL_MAX": "7"}
    )
    config = tortoise_config("postgres://postgres@127.0.0.1:5432/x", settings.database_pool)
    credentials = config["connections"]["default"]["credentials"]
    assert (credentials["minsize"], credentials["maxsize"]) == (2, 7)
