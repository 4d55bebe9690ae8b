"""GraphQL over HTTP as hostile or careless clients use it: every bad input gets a clear
error with a code (never a 500, never a stack trace), limits refuse abuse before anything
runs, messages follow `Accept-Language`, and production hides what development shows."""

from __future__ import annotations

import base64
import json
import logging
import re
import secrets
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
import pytest
import pytest_asyncio
from graphql import get_introspection_query

import resolvers.customers
from api.app import create_app, token_verifier
from api.logs import JsonFormatter
from api.settings import Environment, Settings
from schema.messages import LANGUAGES
from tests.conftest import Api, World

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"

VIEWER = "{ viewer { subject } }"
CUSTOMER_COUNT = "{ customers { totalCount } }"
INTROSPECTION = "{ __schema { queryType { name } } }"
SYNTAX_ERROR = "query {\n  viewer {\n    subject(\n  }\n}"
UNKNOWN_FIELD = "{ viewer { nonsense } }"
MISSPELLED_FIELD = "{ viewer { subjet } }"
PAGE_SIZE = "query($n: Int) { customers(first: $n) { totalCount } }"
PAGE = """
query Page($first: Int, $last: Int, $after: String, $before: String) {
  customers(first: $first, last: $last, after: $after, before: $before) { totalCount }
}
"""
CUSTOMER = "query($id: ID!) { customer(id: $id) { companyName } }"
NODE = "query($id: ID!) { node(id: $id) { id } }"
NODES = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }"
TWO_OPERATIONS = """
query Mine { viewer { subject } }
query Count { customers { totalCount } }
"""
SUBSCRIPTION = "subscription { viewer { subject } }"
FRAGMENT_CYCLE = """
{ ...A }
fragment A on Query { ...B }
fragment B on Query { ...A }
"""
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


# helpers


async def send(
    client: httpx.AsyncClient,
    content: bytes | str,
    *,
    content_type: str | None = JSON,
    token: str | None = None,
    **headers: str,
) -> httpx.Response:
    """A POST to /graphql with exactly this body."""
    sent = {name.replace("_", "-"): value for name, value in headers.items()}
    if content_type is not None:
        sent["content-type"] = content_type
    if token is not None:
        sent["authorization"] = f"Bearer {token}"
    return await client.post("/graphql", content=content, headers=sent)


def error_of(response: httpx.Response) -> dict[str, Any]:
    """The first error of a JSON answer, after checking it is a proper GraphQL error."""
    assert response.status_code < 500, response.text
    body = response.json()
    assert body["errors"], body
    error = body["errors"][0]
    assert isinstance(error["message"], str)
    assert error["message"]
    assert "Traceback" not in response.text
    return error


def code_of(response: httpx.Response) -> str:
    return error_of(response)["extensions"]["code"]


def codes_of(response: httpx.Response) -> set[str]:
    return {error["extensions"]["code"] for error in response.json()["errors"]}


def aliases(count: int, field: str = "__typename") -> str:
    return " ".join(f"a{index}: {field}" for index in range(count))


def deep_partner_query(levels: int) -> str:
    """`viewer { partner { provider { … { name } } } }`: `levels` fields deep in all."""
    providers = levels - 3
    return (
        "{ viewer { partner { " + "provider { " * providers + "name" + " }" * providers + " } } }"
    )


def cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


def global_id(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


# the request itself


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b'{"query": "{ viewer { subject } }"', id="truncated"),
        pytest.param(b"{'query': '{ viewer { subject } }'}", id="single quotes"),
        pytest.param(b"", id="empty"),
        pytest.param(b"\xff\xfe{}", id="not utf-8"),
        pytest.param(
            b'{"query": "{ viewer { subject } }", "variables": {"a": '
            + b"[" * 5000
            + b"]" * 5000
            + b"}}",
            id="nested 5000 deep",
        ),
    ],
)
async def test_a_malformed_json_body_is_a_400_with_bad_user_input(
    client: httpx.AsyncClient, body: bytes
) -> None:
    response = await send(client, body)
    assert response.status_code == 400
    assert code_of(response) == "BAD_USER_INPUT"
    assert "JSON" in error_of(response)["message"]


async def test_a_json_array_of_operations_is_refused_as_batching(
    client: httpx.AsyncClient, world: World
) -> None:
    batch = [{"query": VIEWER}, {"query": VIEWER}]
    response = await send(client, orjson.dumps(batch), token=world.admin("direct"))
    assert response.status_code == 400
    assert code_of(response) == "BAD_USER_INPUT"
    assert "Batched" in error_of(response)["message"]
    assert "data" not in response.json()


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b'"{ viewer { subject } }"', id="a string"),
        pytest.param(b"42", id="a number"),
        pytest.param(b"null", id="null"),
        pytest.param(b"{}", id="no query"),
        pytest.param(b'{"query": ""}', id="an empty query"),
        pytest.param(b'{"query": "   "}', id="a blank query"),
        pytest.param(b'{"query": 7}', id="a query that is not a string"),
        pytest.param(b'{"query": "{ viewer { subject } }", "variables": [1]}', id="list vars"),
        pytest.param(b'{"query": "{ viewer { subject } }", "variables": "{}"}', id="text vars"),
        pytest.param(b'{"query": "{ viewer { subject } }", "operationName": 3}', id="numeric name"),
        pytest.param(
            b'{"query": "{ viewer { subject } }", "extensions": "x"}', id="text extensions"
        ),
        pytest.param(
            b'{"query": "{ viewer { subject } }", "extensions": [1]}', id="list extensions"
        ),
    ],
)
async def test_a_body_that_is_not_a_graphql_request_object_is_a_400(
    client: httpx.AsyncClient, world: World, body: bytes
) -> None:
    response = await send(client, body, token=world.admin("direct"))
    assert response.status_code == 400
    assert code_of(response) == "BAD_USER_INPUT"
    assert "'query'" in error_of(response)["message"]


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"],
)
async def test_an_unsupported_content_type_is_a_415(
    client: httpx.AsyncClient, content_type: str
) -> None:
    response = await send(client, orjson.dumps({"query": VIEWER}), content_type=content_type)
    assert response.status_code == 415
    assert code_of(response) == "BAD_USER_INPUT"
    assert "application/json" in error_of(response)["message"]


async def test_a_body_without_a_content_type_is_a_415(client: httpx.AsyncClient) -> None:
    response = await send(client, orjson.dumps({"query": VIEWER}), content_type=None)
    assert response.status_code == 415
    assert code_of(response) == "BAD_USER_INPUT"


async def test_a_json_content_type_with_a_charset_is_accepted(
    client: httpx.AsyncClient, world: World
) -> None:
    response = await send(
        client,
        orjson.dumps({"query": VIEWER}),
        content_type="application/json; charset=utf-8",
        token=world.admin("direct"),
    )
    assert response.status_code == 200, response.text
    assert response.json()["data"]["viewer"]["subject"]


@pytest.mark.parametrize("accept", [None, JSON, GRAPHQL_RESPONSE, "*/*"])
async def test_a_get_without_html_in_accept_is_a_405_that_allows_post(
    client: httpx.AsyncClient, accept: str | None
) -> None:
    headers = {} if accept is None else {"accept": accept}
    response = await client.get("/graphql", params={"query": VIEWER}, headers=headers)
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert code_of(response) == "BAD_USER_INPUT"
    assert "POST" in error_of(response)["message"]


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
async def test_other_methods_are_a_405_that_allows_post(
    client: httpx.AsyncClient, method: str
) -> None:
    response = await client.request(
        method, "/graphql", content=orjson.dumps({"query": VIEWER}), headers={"content-type": JSON}
    )
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert code_of(response) == "BAD_USER_INPUT"


async def test_a_browser_get_shows_graphiql_in_development(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", headers={"accept": BROWSER_ACCEPT})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "<html" in response.text.lower()
    assert "graphiql" in response.text.lower()


async def test_an_accept_header_of_only_csv_is_a_406(client: httpx.AsyncClient) -> None:
    response = await send(client, orjson.dumps({"query": VIEWER}), accept="text/csv")
    assert response.status_code == 406
    assert response.headers["content-type"].startswith(JSON)
    assert code_of(response) == "BAD_USER_INPUT"


async def test_graphql_response_json_is_preferred_when_both_media_types_are_accepted(
    client: httpx.AsyncClient, world: World
) -> None:
    response = await send(
        client,
        orjson.dumps({"query": VIEWER}),
        token=world.admin("direct"),
        accept=f"{JSON}, {GRAPHQL_RESPONSE}",
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)


async def test_a_media_type_refused_with_q_0_is_not_used(
    client: httpx.AsyncClient, world: World
) -> None:
    response = await send(
        client,
        orjson.dumps({"query": VIEWER}),
        token=world.admin("direct"),
        accept=f"{GRAPHQL_RESPONSE};q=0, {JSON}",
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(JSON)


async def test_an_accept_header_refusing_every_json_with_q_0_is_a_406(
    client: httpx.AsyncClient,
) -> None:
    response = await send(client, orjson.dumps({"query": VIEWER}), accept=f"{JSON};q=0")
    assert response.status_code == 406
    assert code_of(response) == "BAD_USER_INPUT"


# syntax and validation


async def test_a_syntax_error_is_a_400_with_graphql_response_json(
    client: httpx.AsyncClient, world: World
) -> None:
    response = await send(
        client,
        orjson.dumps({"query": SYNTAX_ERROR}),
        token=world.admin("direct"),
        accept=GRAPHQL_RESPONSE,
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    error = error_of(response)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["locations"] == [{"line": 4, "column": 3}]
    assert "data" not in response.json()


async def test_a_syntax_error_is_a_200_with_errors_with_plain_json(api: Api, world: World) -> None:
    response = await api.post(SYNTAX_ERROR, token=world.admin("direct"), headers={"accept": JSON})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(JSON)
    error = error_of(response)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["locations"] == [{"line": 4, "column": 3}]
    assert "data" not in response.json()


async def test_an_unknown_field_is_a_validation_error_without_a_stack_trace(
    api: Api, world: World
) -> None:
    response = await api.post(UNKNOWN_FIELD, token=world.admin("direct"))
    assert response.status_code == 200
    error = error_of(response)
    assert error["extensions"] == {"code": "BAD_USER_INPUT"}
    assert "nonsense" in error["message"]
    assert error["locations"]
    assert "data" not in response.json()
    assert 'File "' not in response.text
    assert ".py" not in response.text


async def test_a_misspelled_field_gets_a_suggestion_in_development(api: Api, world: World) -> None:
    error = error_of(await api.post(MISSPELLED_FIELD, token=world.admin("direct")))
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "Did you mean" in error["message"]


async def test_a_variable_of_the_wrong_type_is_bad_user_input_without_path_or_data(
    api: Api, world: World
) -> None:
    response = await api.post(PAGE_SIZE, {"n": "ten"}, token=world.admin("direct"))
    assert response.status_code == 200
    body = response.json()
    assert "data" not in body
    error = error_of(response)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "path" not in error
    assert "$n" in error["message"]


async def test_a_variable_of_the_wrong_type_is_a_400_with_graphql_response_json(
    api: Api, world: World
) -> None:
    response = await api.post(
        PAGE_SIZE, {"n": "ten"}, token=world.admin("direct"), headers={"accept": GRAPHQL_RESPONSE}
    )
    assert response.status_code == 400
    assert code_of(response) == "BAD_USER_INPUT"
    assert "data" not in response.json()


async def test_an_int_variable_beyond_32_bits_is_bad_user_input(api: Api, world: World) -> None:
    response = await api.post(PAGE_SIZE, {"n": 2**31}, token=world.admin("direct"))
    assert code_of(response) == "BAD_USER_INPUT"
    assert "data" not in response.json()


async def test_a_missing_required_variable_is_bad_user_input(api: Api, world: World) -> None:
    response = await api.post(CUSTOMER, {}, token=world.admin("direct"))
    error = error_of(response)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "path" not in error
    assert "data" not in response.json()


async def test_a_fragment_cycle_is_a_validation_error_not_a_crash(api: Api, world: World) -> None:
    response = await api.post(FRAGMENT_CYCLE, token=world.admin("direct"))
    assert response.status_code == 200
    assert code_of(response) == "BAD_USER_INPUT"


async def test_a_document_nested_thousands_of_levels_is_refused_cleanly(
    api: Api, world: World
) -> None:
    query = "{" + " viewer {" * 2000 + " subject" + " }" * 2000 + " }"
    response = await api.post(query, token=world.admin("direct"))
    assert response.status_code == 200
    assert code_of(response) in {"BAD_USER_INPUT", "QUERY_TOO_COMPLEX"}


# limits on the shape of operations


async def test_nesting_deeper_than_max_depth_is_query_too_complex(
    api: Api, world: World, settings: Any
) -> None:
    maximum = settings.limits.max_depth
    response = await api.post(deep_partner_query(maximum + 1), token=world.admin("direct"))
    error = error_of(response)
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert f"{maximum + 1} levels" in error["message"]
    assert "data" not in response.json()


async def test_nesting_exactly_max_depth_deep_is_served(
    api: Api, world: World, settings: Any
) -> None:
    query = deep_partner_query(settings.limits.max_depth)
    data = await api.data(query, token=world.admin("reseller"))
    assert data["viewer"]["partner"]["provider"]["provider"] is None


async def test_a_flood_of_101_aliases_is_query_too_complex(api: Api, world: World) -> None:
    response = await api.post("{ " + aliases(101) + " }", token=world.admin("direct"))
    assert response.status_code == 200
    assert "QUERY_TOO_COMPLEX" in codes_of(response)
    assert any("101 aliases" in error["message"] for error in response.json()["errors"])
    assert "data" not in response.json()


async def test_an_alias_flood_below_the_root_is_query_too_complex(
    api: Api, world: World, settings: Any
) -> None:
    count = settings.limits.max_aliases + 1
    query = "{ viewer { " + aliases(count, "subject") + " } }"
    response = await api.post(query, token=world.admin("direct"))
    assert codes_of(response) == {"QUERY_TOO_COMPLEX"}
    assert f"{count} aliases" in error_of(response)["message"]


async def test_aliases_up_to_the_maximum_are_served(api: Api, world: World, settings: Any) -> None:
    count = settings.limits.max_aliases
    query = "{ viewer { " + aliases(count, "subject") + " } }"
    data = await api.data(query, token=world.admin("direct"))
    assert len(data["viewer"]) == count


async def test_aliases_hidden_in_a_fragment_count_at_every_spread(
    api: Api, world: World, settings: Any
) -> None:
    per_fragment = 10
    spreads = settings.limits.max_aliases // per_fragment + 1
    query = (
        "{ viewer { "
        + " ".join(["...Names"] * spreads)
        + " } } fragment Names on Viewer { "
        + aliases(per_fragment, "subject")
        + " }"
    )
    response = await api.post(query, token=world.admin("direct"))
    assert codes_of(response) == {"QUERY_TOO_COMPLEX"}
    assert f"{spreads * per_fragment} aliases" in error_of(response)["message"]


async def test_aliases_in_fragments_of_fragments_multiply(api: Api, world: World) -> None:
    query = """
    { viewer { ...Outer ...Outer ...Outer } }
    fragment Outer on Viewer { ...Inner ...Inner ...Inner }
    fragment Inner on Viewer { a: subject b: subject c: subject d: subject }
    """
    response = await api.post(query, token=world.admin("direct"))
    assert codes_of(response) == {"QUERY_TOO_COMPLEX"}
    assert "36 aliases" in error_of(response)["message"]


async def test_more_root_fields_than_allowed_is_query_too_complex(
    api: Api, world: World, settings: Any
) -> None:
    count = settings.limits.max_root_fields + 1
    query = "{ " + " ".join(["viewer { subject }"] * count) + " }"
    response = await api.post(query, token=world.admin("direct"))
    assert codes_of(response) == {"QUERY_TOO_COMPLEX"}
    assert f"{count} top-level fields" in error_of(response)["message"]


async def test_more_directives_than_allowed_is_query_too_complex(
    api: Api, world: World, settings: Any
) -> None:
    count = settings.limits.max_directives + 1
    query = "{ viewer { subject" + " @include(if: true)" * count + " } }"
    response = await api.post(query, token=world.admin("direct"))
    assert "QUERY_TOO_COMPLEX" in codes_of(response)
    assert "data" not in response.json()


async def test_the_same_complaint_at_many_places_is_one_error_with_every_location(
    api: Api, world: World
) -> None:
    response = await api.post("{ __typename" + " @aa" * 10 + " }", token=world.admin("direct"))
    (error,) = response.json()["errors"]
    assert error["message"].endswith("Unknown directive '@aa'.")
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert [location["column"] for location in error["locations"]] == [
        14 + 4 * number for number in range(10)
    ]


async def test_a_document_of_more_than_max_tokens_is_query_too_complex(
    api: Api, world: World, settings: Any
) -> None:
    maximum = settings.limits.max_tokens
    query = "{ viewer { " + "subject " * maximum + "} }"
    response = await api.post(query, token=world.admin("direct"))
    error = error_of(response)
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert str(maximum) in error["message"]
    assert "data" not in response.json()


async def test_limit_errors_are_a_400_with_graphql_response_json(api: Api, world: World) -> None:
    response = await api.post(
        "{ " + aliases(101) + " }",
        token=world.admin("direct"),
        headers={"accept": GRAPHQL_RESPONSE},
    )
    assert response.status_code == 400
    assert "QUERY_TOO_COMPLEX" in codes_of(response)


# limits on the size of requests


async def test_an_8_mb_body_is_a_413_before_it_is_read(
    client: httpx.AsyncClient, world: World
) -> None:
    body = b" " * (8 * 1024 * 1024)
    response = await send(client, body, token=world.admin("direct"))
    assert response.status_code == 413
    assert code_of(response) == "BAD_USER_INPUT"
    assert "1048576" in error_of(response)["message"]


async def test_a_streamed_body_over_the_limit_without_content_length_is_a_413(
    client: httpx.AsyncClient,
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(8):
            yield b" " * (1024 * 1024)

    response = await client.post("/graphql", content=chunks(), headers={"content-type": JSON})
    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    assert code_of(response) == "BAD_USER_INPUT"


async def test_a_body_just_under_the_limit_is_read(
    client: httpx.AsyncClient, world: World, settings: Any
) -> None:
    padding = " " * (settings.limits.max_body_bytes - 100)
    body = orjson.dumps({"query": VIEWER + padding})
    assert len(body) <= settings.limits.max_body_bytes
    response = await send(client, body, token=world.admin("direct"))
    assert response.status_code == 200, response.text
    assert response.json()["data"]["viewer"]["subject"]


async def test_oversized_request_headers_are_a_431(client: httpx.AsyncClient) -> None:
    response = await send(client, orjson.dumps({"query": VIEWER}), x_padding="a" * 20_480)
    assert response.status_code == 431
    assert code_of(response) == "BAD_USER_INPUT"
    assert response.headers["x-request-id"]


async def test_oversized_headers_are_refused_on_every_path(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz", headers={"x-padding": "a" * 20_480})
    assert response.status_code == 431
    assert code_of(response) == "BAD_USER_INPUT"


# arguments the schema accepts but the rules refuse


@pytest.mark.parametrize(
    "variables",
    [
        pytest.param({"first": 0}, id="first 0"),
        pytest.param({"first": 101}, id="first 101"),
        pytest.param({"first": -1}, id="first -1"),
        pytest.param({"last": 0}, id="last 0"),
        pytest.param({"last": 101}, id="last 101"),
        pytest.param({"first": 1, "last": 1}, id="first and last"),
    ],
)
async def test_a_page_size_out_of_range_is_bad_user_input_at_the_field(
    api: Api, world: World, variables: dict[str, Any]
) -> None:
    body = await api.gql(PAGE, variables, token=world.admin("direct"))
    assert body["data"] == {"customers": None}
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["path"] == ["customers"]


@pytest.mark.parametrize("size", [1, 100])
async def test_page_sizes_at_the_bounds_are_served(api: Api, world: World, size: int) -> None:
    data = await api.data(PAGE, {"first": size}, token=world.admin("direct"))
    assert data["customers"]["totalCount"] == 2


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("not-a-cursor", id="garbage"),
        pytest.param("", id="empty"),
        pytest.param(cursor("offset:3"), id="wrong prefix"),
        pytest.param(cursor("cursor:abc"), id="not a number"),
        pytest.param(cursor("cursor:-5"), id="negative"),
        pytest.param("%%%%", id="not base64"),
    ],
)
@pytest.mark.parametrize("argument", ["after", "before"])
async def test_an_invalid_cursor_is_bad_user_input(
    api: Api, world: World, value: str, argument: str
) -> None:
    body = await api.gql(PAGE, {argument: value}, token=world.admin("direct"))
    assert body["data"] == {"customers": None}
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["path"] == ["customers"]
    assert "cursor" in error["message"]


OUT_OF_RANGE = [
    pytest.param(2**31, id="beyond 32 bits"),
    pytest.param(10**30, id="beyond 64 bits"),
]


@pytest.mark.parametrize("number", OUT_OF_RANGE)
async def test_a_cursor_with_an_out_of_range_number_is_not_an_internal_error(
    api: Api, world: World, number: int
) -> None:
    body = await api.gql(PAGE, {"after": cursor(f"cursor:{number}")}, token=world.admin("direct"))
    codes = {error["extensions"]["code"] for error in body.get("errors", [])}
    assert "INTERNAL_SERVER_ERROR" not in codes, body
    if codes:
        assert codes == {"BAD_USER_INPUT"}
    else:
        assert body["data"]["customers"]["totalCount"] == 2


@pytest.mark.parametrize("number", OUT_OF_RANGE)
async def test_a_customer_id_with_an_out_of_range_number_is_not_found(
    api: Api, world: World, number: int
) -> None:
    body = await api.gql(
        CUSTOMER, {"id": global_id(f"Customer:{number}")}, token=world.admin("direct")
    )
    assert body["data"] == {"customer": None}
    [error] = body["errors"]
    assert error["extensions"]["code"] == "NOT_FOUND", body


@pytest.mark.parametrize("number", OUT_OF_RANGE)
async def test_a_node_id_with_an_out_of_range_number_is_not_found(
    api: Api, world: World, number: int
) -> None:
    body = await api.gql(NODE, {"id": global_id(f"Customer:{number}")}, token=world.admin("direct"))
    assert body["data"] == {"node": None}
    [error] = body["errors"]
    assert error["extensions"]["code"] == "NOT_FOUND", body


async def test_an_out_of_range_id_among_nodes_does_not_spoil_the_others(
    api: Api, world: World
) -> None:
    ids = [world.customer_id("direct"), global_id(f"Customer:{10**30}")]
    body = await api.gql(NODES, {"ids": ids}, token=world.admin("direct"))
    assert body["data"] == {"nodes": [{"id": ids[0]}, None]}
    [error] = body["errors"]
    assert error["path"] == ["nodes", 1]
    assert error["extensions"]["code"] == "NOT_FOUND"


# choosing the operation


async def test_an_operation_name_naming_no_operation_is_bad_user_input(
    client: httpx.AsyncClient, world: World
) -> None:
    body = {"query": TWO_OPERATIONS, "operationName": "Missing"}
    response = await send(client, orjson.dumps(body), token=world.admin("direct"))
    assert response.status_code == 200
    error = error_of(response)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "Missing" in error["message"]
    assert "data" not in response.json()


async def test_several_operations_without_an_operation_name_is_bad_user_input(
    client: httpx.AsyncClient, world: World
) -> None:
    response = await send(
        client,
        orjson.dumps({"query": TWO_OPERATIONS}),
        token=world.admin("direct"),
        accept=GRAPHQL_RESPONSE,
    )
    assert response.status_code == 400
    error = error_of(response)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "operationName" in error["message"]


async def test_the_named_operation_is_the_one_run(client: httpx.AsyncClient, world: World) -> None:
    body = {"query": TWO_OPERATIONS, "operationName": "Count"}
    response = await send(client, orjson.dumps(body), token=world.admin("direct"))
    assert response.json()["data"] == {"customers": {"totalCount": 2}}


async def test_a_subscription_over_http_is_refused(client: httpx.AsyncClient, world: World) -> None:
    response = await send(
        client,
        orjson.dumps({"query": SUBSCRIPTION}),
        token=world.admin("direct"),
        accept=GRAPHQL_RESPONSE,
    )
    assert response.status_code == 400
    assert code_of(response) == "BAD_USER_INPUT"
    assert "data" not in response.json()


# languages


async def test_a_missing_token_is_refused_in_the_callers_language(
    client: httpx.AsyncClient,
) -> None:
    messages = {}
    for language in LANGUAGES:
        response = await send(client, orjson.dumps({"query": VIEWER}), accept_language=language)
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert code_of(response) == "UNAUTHENTICATED"
        messages[language] = error_of(response)["message"]
    assert len(set(messages.values())) == len(LANGUAGES), messages
    assert "Authentication required" in messages["en"]


async def test_a_body_too_large_is_refused_in_the_callers_language(
    client: httpx.AsyncClient,
) -> None:
    messages = {}
    for language in LANGUAGES:
        response = await send(client, b" " * 2_000_000, accept_language=language)
        assert response.status_code == 413
        assert code_of(response) == "BAD_USER_INPUT"
        messages[language] = error_of(response)["message"]
    assert len(set(messages.values())) == len(LANGUAGES), messages
    assert all("1048576" in message for message in messages.values())


@pytest.mark.parametrize(
    ("accept_language", "expected"),
    [
        ("pt-BR,pt;q=0.9,en;q=0.8", "pt-BR"),
        ("pt", "pt-PT"),
        ("pt-AO", "pt-PT"),
        ("de-DE, it;q=0.5", "it"),
        ("en;q=0.2, sv;q=0.9", "sv"),
        ("fr, de", "en"),
        ("sv;q=0, it", "it"),
        ("sv;q=nonsense, it", "it"),
        ("*", "en"),
    ],
)
async def test_the_language_is_negotiated_from_accept_language(
    client: httpx.AsyncClient, accept_language: str, expected: str
) -> None:
    reference = await send(client, orjson.dumps({"query": VIEWER}), accept_language=expected)
    response = await send(client, orjson.dumps({"query": VIEWER}), accept_language=accept_language)
    assert error_of(response)["message"] == error_of(reference)["message"]


async def test_limit_errors_follow_accept_language_with_the_same_code(
    api: Api, world: World
) -> None:
    query = "{ " + aliases(101) + " }"
    english = await api.post(query, token=world.admin("direct"))
    italian = await api.post(query, token=world.admin("direct"), language="it")
    assert codes_of(english) == codes_of(italian)
    english_messages = {error["message"] for error in english.json()["errors"]}
    italian_messages = {error["message"] for error in italian.json()["errors"]}
    assert any("alias;" in message for message in italian_messages), italian_messages
    assert english_messages.isdisjoint(italian_messages)


# request ids


async def test_every_response_has_a_request_id(client: httpx.AsyncClient) -> None:
    first = await send(client, orjson.dumps({"query": VIEWER}))
    second = await client.get("/healthz")
    ids = [first.headers["x-request-id"], second.headers["x-request-id"]]
    assert all(len(value) == 32 for value in ids)
    assert ids[0] != ids[1]


async def test_a_sane_client_request_id_is_echoed(client: httpx.AsyncClient) -> None:
    response = await send(client, orjson.dumps({"query": VIEWER}), x_request_id="client-42.retry:1")
    assert response.headers["x-request-id"] == "client-42.retry:1"


@pytest.mark.parametrize(
    "offered",
    [
        pytest.param("a" * 65, id="too long"),
        pytest.param("has spaces in it", id="spaces"),
        pytest.param("<script>alert(1)</script>", id="markup"),
        pytest.param("id\tinjected", id="tab"),
    ],
)
async def test_an_unsafe_client_request_id_is_replaced(
    client: httpx.AsyncClient, offered: str
) -> None:
    response = await send(client, orjson.dumps({"query": VIEWER}), x_request_id=offered)
    echoed = response.headers["x-request-id"]
    assert echoed != offered
    assert len(echoed) == 32
    assert int(echoed, 16) >= 0


# trace context

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"


def _access_records(caplog: pytest.LogCaptureFixture, response: httpx.Response) -> list[Any]:
    request_id = response.headers["x-request-id"]
    return [
        record
        for record in caplog.records
        if record.name == "partnergraph.access" and record.request_id == request_id  # type: ignore[attr-defined]
    ]


async def test_a_callers_trace_id_is_in_the_requests_logs(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="partnergraph.access")
    traceparent = f"00-{TRACE}-00f067aa0ba902b7-01"
    response = await send(client, orjson.dumps({"query": VIEWER}), traceparent=traceparent)
    (record,) = _access_records(caplog, response)
    assert record.trace_id == TRACE  # type: ignore[attr-defined]
    line = json.loads(JsonFormatter().format(record))
    assert (line["trace_id"], line["request_id"]) == (TRACE, response.headers["x-request-id"])


@pytest.mark.parametrize(
    "traceparent",
    [
        pytest.param(f"00-{'0' * 32}-00f067aa0ba902b7-01", id="zero trace id"),
        pytest.param(f"00-{TRACE}-{'0' * 16}-01", id="zero parent id"),
        pytest.param(f"ff-{TRACE}-00f067aa0ba902b7-01", id="version ff"),
        pytest.param(f"00-{TRACE.upper()}-00f067aa0ba902b7-01", id="uppercase"),
        pytest.param(f"00-{TRACE}-00f067aa0ba902b7-01-extra", id="version 00 with more"),
        pytest.param(f"00-{TRACE[:-1]}-00f067aa0ba902b7-01", id="short"),
        pytest.param("<script>", id="markup"),
    ],
)
async def test_an_invalid_traceparent_starts_a_new_trace(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture, traceparent: str
) -> None:
    caplog.set_level(logging.INFO, logger="partnergraph.access")
    response = await send(client, orjson.dumps({"query": VIEWER}), traceparent=traceparent)
    (record,) = _access_records(caplog, response)
    assert record.trace_id != TRACE.upper()  # type: ignore[attr-defined]
    assert re.fullmatch(r"[0-9a-f]{32}", record.trace_id)  # type: ignore[attr-defined]
    assert record.trace_id not in traceparent  # type: ignore[attr-defined]


async def test_a_later_version_may_add_fields_and_each_request_without_one_gets_its_own_trace(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="partnergraph.access")
    later = await send(
        client, orjson.dumps({"query": VIEWER}), traceparent=f"01-{TRACE}-00f067aa0ba902b7-01-x"
    )
    first, second = [await send(client, orjson.dumps({"query": VIEWER})) for _ in range(2)]
    traces = [_access_records(caplog, response)[0].trace_id for response in (later, first, second)]
    assert traces[0] == TRACE
    assert len({*traces}) == 3


# health


async def test_healthz_answers_ok(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_answers_ok_when_the_database_is_reachable(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "reachable"}


# unexpected failures


async def test_an_unexpected_resolver_failure_is_masked_and_logged_with_the_request_id(
    api: Api,
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("secret db detail at 10.0.0.5")

    monkeypatch.setattr(resolvers.customers, "list_customers", broken)
    caplog.set_level(logging.ERROR, logger="partnergraph.errors")

    response = await api.post(CUSTOMER_COUNT, token=world.admin("direct"))

    assert response.status_code == 200
    request_id = response.headers["x-request-id"]
    body = response.json()
    assert body["data"] == {"customers": None}
    [error] = body["errors"]
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id}
    assert error["path"] == ["customers"]
    assert request_id in error["message"]
    assert "secret" not in response.text
    assert "10.0.0.5" not in response.text
    assert "RuntimeError" not in response.text
    [record] = [r for r in caplog.records if r.name == "partnergraph.errors"]
    assert record.request_id == request_id
    assert record.exc_info is not None
    traceback = logging.Formatter().formatException(record.exc_info)
    assert "Traceback" in traceback
    assert "secret db detail at 10.0.0.5" in traceback


async def test_a_masked_failure_keeps_a_client_request_id(
    api: Api,
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("secret")

    monkeypatch.setattr(resolvers.customers, "list_customers", broken)
    caplog.set_level(logging.ERROR, logger="partnergraph.errors")
    response = await api.post(
        CUSTOMER_COUNT,
        token=world.admin("direct"),
        language="sv",
        headers={"x-request-id": "support-ticket-7"},
    )
    [error] = response.json()["errors"]
    assert error["extensions"]["requestId"] == "support-ticket-7"
    assert "support-ticket-7" in error["message"]
    assert "Något gick fel" in error["message"]
    assert [r.request_id for r in caplog.records if r.name == "partnergraph.errors"] == [
        "support-ticket-7"
    ]


async def test_a_failure_outside_graphql_is_a_masked_json_500(
    api: Api,
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("secret signing key abc")

    monkeypatch.setattr("api.authentication.Authenticator.viewer_charged", broken)
    caplog.set_level(logging.ERROR, logger="partnergraph.errors")
    response = await api.post(VIEWER, token=world.admin("direct"))
    assert response.status_code == 500
    request_id = response.headers["x-request-id"]
    assert response.json()["errors"][0]["extensions"] == {
        "code": "INTERNAL_SERVER_ERROR",
        "requestId": request_id,
    }
    assert "secret" not in response.text
    [record] = [r for r in caplog.records if r.name == "partnergraph.errors"]
    assert record.request_id == request_id
    assert record.exc_info is not None


# introspection and GraphiQL by environment


async def test_introspection_without_a_token_works_in_development(api: Api) -> None:
    response = await api.post(INTROSPECTION)
    assert response.status_code == 200
    assert response.json() == {
        "data": {"__schema": {"queryType": {"name": "Query"}}},
        # without a caller there is no bucket to take from
        "extensions": {"cost": {"requested": 2, "throttle": None}},
    }


async def test_the_standard_introspection_query_of_graphiql_is_served_in_development(
    api: Api,
) -> None:
    response = await api.post(get_introspection_query())
    assert response.status_code == 200
    body = response.json()
    assert "errors" not in body, body["errors"]
    assert body["data"]["__schema"]["queryType"]["name"] == "Query"


async def test_introspection_mixed_with_data_needs_a_token(api: Api) -> None:
    response = await api.post("{ __typename customers { totalCount } }")
    assert response.status_code == 401
    assert code_of(response) == "UNAUTHENTICATED"


@pytest.fixture
def production_settings(settings: Settings) -> Settings:
    return Settings(
        environment=Environment.PRODUCTION,
        jwt_secret=secrets.token_urlsafe(48),
        database_url=settings.database_url,
        graphiql=False,
        introspection=False,
    )


@pytest_asyncio.fixture
async def production(production_settings: Settings) -> AsyncIterator[Api]:
    app = create_app(production_settings, manage_database=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield Api(http)


@pytest.fixture
def production_token(production_settings: Settings, world: World) -> str:
    claims = {"sub": "x", "tid": world.partners["direct"].tenant_id, "roles": ["global_admin"]}
    return token_verifier(production_settings).issue(claims, ttl_seconds=600)


async def test_a_production_token_is_served(production: Api, production_token: str) -> None:
    data = await production.data(VIEWER, token=production_token)
    assert data == {"viewer": {"subject": "x"}}


async def test_a_development_token_is_refused_in_production(production: Api, world: World) -> None:
    response = await production.post(VIEWER, token=world.admin("direct"))
    assert response.status_code == 401
    assert code_of(response) == "UNAUTHENTICATED"


async def test_introspection_without_a_token_is_refused_in_production(production: Api) -> None:
    response = await production.post(INTROSPECTION)
    assert response.status_code in {400, 401}
    assert "data" not in response.json()
    assert "Query" not in response.text


async def test_introspection_is_refused_in_production_even_for_an_admin(
    production: Api, production_token: str
) -> None:
    response = await production.post(INTROSPECTION, token=production_token)
    assert response.status_code == 200
    error = error_of(response)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "introspection" in error["message"].lower()
    assert "data" not in response.json()


async def test_typename_alone_is_refused_without_a_token_in_production(production: Api) -> None:
    response = await production.post("{ __typename }")
    assert response.status_code == 401
    assert code_of(response) == "UNAUTHENTICATED"


async def test_a_browser_get_shows_no_graphiql_in_production(production: Api) -> None:
    response = await production.client.get("/graphql", headers={"accept": BROWSER_ACCEPT})
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert not response.headers["content-type"].startswith("text/html")
    assert "graphiql" not in response.text.lower()
    assert code_of(response) == "BAD_USER_INPUT"


async def test_an_html_only_get_is_a_406_in_production(production: Api) -> None:
    response = await production.client.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 406
    assert "graphiql" not in response.text.lower()


async def test_a_misspelled_field_gets_no_suggestion_in_production(
    production: Api, production_token: str
) -> None:
    response = await production.post(MISSPELLED_FIELD, token=production_token)
    error = error_of(response)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "subjet" in error["message"]
    assert "Did you mean" not in error["message"]
    assert "subject" not in error["message"]


async def test_a_misspelled_argument_gets_no_suggestion_in_production(
    production: Api, production_token: str
) -> None:
    response = await production.post(
        "{ customers(frist: 1) { totalCount } }", token=production_token
    )
    error = error_of(response)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "Did you mean" not in error["message"]


async def test_a_wrong_enum_like_variable_gets_no_suggestion_in_production(
    production: Api, production_token: str
) -> None:
    query = "query($f: CustomerFilter) { customers(filter: $f) { totalCount } }"
    response = await production.post(query, {"f": {"serch": "x"}}, token=production_token)
    error = error_of(response)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "Did you mean" not in error["message"]
    assert "path" not in error


async def test_validation_errors_are_introduced_in_the_callers_language(
    api: Api, world: World
) -> None:
    english = await api.post("{ customerz { totalCount } }", token=world.admin("direct"))
    italian = await api.post(
        "{ customerz { totalCount } }", token=world.admin("direct"), language="it-IT"
    )
    assert english.json()["errors"][0]["message"].startswith("Cannot query field 'customerz'")
    assert italian.json()["errors"][0]["message"].startswith(
        "La richiesta non è valida: Cannot query field"
    )
    assert english.json()["errors"][0]["extensions"] == italian.json()["errors"][0]["extensions"]
