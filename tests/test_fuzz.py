"""Fuzzing the whole schema over HTTP: whatever a client sends, the server answers properly.

Operations are generated from the live schema's SDL by hypothesis-graphql: valid queries and
mutations for every root field of `Query` and `Mutation` (each root field is a test case of
its own, so a bounded run covers all of them), the same with their arguments lifted into
variables (right, wrongly typed, missing, null, undeclared), operations with one schema
violation (`Mode.NEGATIVE`), broken documents, and request bodies and headers of any shape.
Each is sent through the real ASGI app as a partner's global admin and as a user with no
role, against a world with rows of every kind; mutations change that world as they go, and
every example stays a valid request whatever it has become.

What must always hold: no 5xx, no `INTERNAL_SERVER_ERROR` code anywhere, a JSON object
body with `data` and/or `errors`, a code on every error, and an answer within a generous
bound (a guard against hangs, not a timing assertion).

Seeds are fixed (`derandomize`), so CI runs the same examples every time. To explore
further with random seeds: `FUZZ_EXAMPLES=<n per test case> pytest tests/test_fuzz.py`.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import graphql
import httpx
import pytest
import pytest_asyncio
from hypothesis import (
    HealthCheck,
    currently_in_test_context,
    event,
    given,
    settings,
    strategies as st,
)
from hypothesis_graphql import Mode, from_schema, nodes

import api.app
from api.settings import Settings
from auth.viewer import Role
from resolvers.webhook_targets import TargetPolicy
from schema.nodes import to_global_id
from schema.schema import schema
from tests.conftest import TEST_SECRET, World, build_world, empty_tables

# The live schema (tests/test_schema_file.py keeps `schema.graphql` equal to it).
SDL = str(schema)
SCHEMA = graphql.build_schema(SDL)
QUERY_FIELDS = sorted(SCHEMA.query_type.fields)  # type: ignore[union-attr]
MUTATION_FIELDS = sorted(SCHEMA.mutation_type.fields)  # type: ignore[union-attr]
ROOT_FIELDS = QUERY_FIELDS + MUTATION_FIELDS
NODE_TYPES = sorted(node.name for node in SCHEMA.get_possible_types(SCHEMA.type_map["Node"]))

ANSWER_WITHIN_SECONDS = 10.0
EXPLORING = os.environ.get("FUZZ_EXAMPLES")


def examples(default: int) -> settings:
    """Fixed examples in CI; `FUZZ_EXAMPLES` random ones when exploring. The client and the
    world are made once for the module, not per example, on purpose: examples share the world
    and the changes mutations make to it, hence the function-scoped-fixture check is off."""
    return settings(
        max_examples=int(EXPLORING) if EXPLORING else default,
        derandomize=not EXPLORING,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


ROLES: dict[str, tuple[Role, ...]] = {"global_admin": (Role.GLOBAL_ADMIN,), "no_role": ()}
PARTNERS = st.sampled_from(["direct", "provider", "reseller", "other", "reseller2"])
# A few users per partner and role: a mutation may deactivate one (its later tokens are then
# refused, a valid answer too) without ending the run's coverage.
SUBJECTS = st.sampled_from(["fuzz-1", "fuzz-2", "fuzz-3"])


# Scalar values: mostly ones that parse and hit rows, some at the edges, some garbage.


def any_global_id(text: str) -> str:
    """A global id of any text, encoded as `to_global_id` encodes `Type:pk`."""
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


# The world's rows are numbered from 1 (its tables start empty); ids of the types most
# arguments name come up more often.
LIKELY_TYPES = [*NODE_TYPES, *["Customer", "Invoice", "Subscription", "Ticket"] * 3]
EXISTING_IDS = st.builds(to_global_id, st.sampled_from(LIKELY_TYPES), st.integers(1, 8))
ODD_KEYS = st.one_of(
    st.integers(-(2**70), 2**70).map(str),
    st.sampled_from(["", "0", "-1", "1.5", "1e3", " 1", "x", "1:2", "٣"]),
    st.text(max_size=8),
)
ODD_IDS = st.builds(
    lambda type_name, key: any_global_id(f"{type_name}:{key}"),
    st.sampled_from([*NODE_TYPES, "Nope", "", "customer"]),
    ODD_KEYS,
)
GLOBAL_IDS = st.one_of(EXISTING_IDS, EXISTING_IDS, EXISTING_IDS, ODD_IDS, st.text(max_size=24))
NEAR_DAYS = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))
MOMENTS = st.one_of(
    st.builds(
        lambda day, seconds: (
            datetime.combine(day, datetime.min.time(), UTC) + timedelta(seconds=seconds)
        ),
        NEAR_DAYS,
        st.integers(0, 86_399),
    ).map(datetime.isoformat),
    st.datetimes(timezones=st.timezones()).map(datetime.isoformat),
    st.sampled_from(["2026-01-01", "2026-01-01T00:00:00", "yesterday", "", "9999-12-31T23:59Z"]),
)
DAYS = st.one_of(
    NEAR_DAYS.map(date.isoformat),
    st.dates().map(date.isoformat),
    st.sampled_from(["2026-02-30", "", "0001-01-01", "2026-1-1"]),
)
AMOUNTS = st.one_of(
    st.decimals(min_value=0, max_value=10_000, places=2).map(str),
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
    st.sampled_from(["1e400", "-0", "NaN", "Infinity", " 12.50 ", "1,5", "0.0000001", "1e-400"]),
)
CUSTOM_SCALARS = {
    "ID": GLOBAL_IDS.map(nodes.String),
    "DateTime": MOMENTS.map(nodes.String),
    "Date": DAYS.map(nodes.String),
    "Decimal": AMOUNTS.map(nodes.String),
    "JSON": st.text(max_size=20).map(nodes.String),
}


def valid_operations(root_field: str) -> st.SearchStrategy[str]:
    """Valid operations that select `root_field` of `Query` or `Mutation`."""
    return from_schema(SDL, fields=[root_field], custom_scalars=CUSTOM_SCALARS)


SCHEMA_VIOLATIONS = from_schema(SDL, custom_scalars=CUSTOM_SCALARS, mode=Mode.NEGATIVE)
ANY_VALID = st.sampled_from(ROOT_FIELDS).flatmap(valid_operations)
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=20)
    | st.sampled_from([*ROOT_FIELDS, *NODE_TYPES]),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=16,
)


# Variables: a generated operation with its arguments lifted into variables.


def lift_arguments(document: str) -> tuple[str, dict[str, Any]]:
    """The same operation with each field argument passed as a variable of the argument's
    type, whose value is the literal's as JSON."""
    type_info = graphql.TypeInfo(SCHEMA)
    variables: dict[str, Any] = {}
    types: dict[str, str] = {}

    class Lift(graphql.Visitor):
        def enter_argument(self, node: graphql.ArgumentNode, *_: Any) -> graphql.ArgumentNode:
            name = f"v{len(variables)}"
            variables[name] = graphql.value_from_ast_untyped(node.value)
            types[name] = str(type_info.get_input_type())
            return graphql.ArgumentNode(
                name=node.name, value=graphql.VariableNode(name=graphql.NameNode(value=name))
            )

    lifted = graphql.visit(graphql.parse(document), graphql.TypeInfoVisitor(type_info, Lift()))
    operation, *fragments = lifted.definitions
    declared = graphql.OperationDefinitionNode(
        operation=operation.operation,
        name=operation.name,
        directives=operation.directives,
        selection_set=operation.selection_set,
        variable_definitions=tuple(
            graphql.VariableDefinitionNode(
                variable=graphql.VariableNode(name=graphql.NameNode(value=name)),
                type=graphql.parse_type(type_name),
            )
            for name, type_name in types.items()
        ),
    )
    return graphql.print_ast(graphql.DocumentNode(definitions=(declared, *fragments))), variables


VARIABLE_CHANGES = ["right", "right", "wrong type", "missing", "null", "undeclared"]


@st.composite
def with_variables(draw: st.DrawFn, root_field: str) -> tuple[str, dict[str, Any], str]:
    """A valid operation on `root_field` as document and variables, the variables right or
    one of them wrongly typed, missing, null, or not declared by the operation."""
    document, variables = lift_arguments(draw(valid_operations(root_field)))
    change = draw(st.sampled_from(VARIABLE_CHANGES))
    if change in {"wrong type", "missing", "null"} and variables:
        name = draw(st.sampled_from(sorted(variables)))
        if change == "wrong type":
            variables[name] = draw(JSON_VALUES.filter(lambda value: value != variables[name]))
        elif change == "missing":
            del variables[name]
        else:
            variables[name] = None
    elif change != "right":
        change = "undeclared"
        variables["undeclared"] = draw(JSON_VALUES)
    return document, variables, change


# Broken documents and bodies.

PUNCTUATION = [*"{}()[]:$@!.=|&,\"'\\#", "...", '"""', "\n", "\x00", "\ufeff", "query", "on"]


@st.composite
def broken_documents(draw: st.DrawFn) -> str:
    """A valid operation cut, spliced or sprinkled with punctuation; or tokens, or any text."""
    how = draw(st.sampled_from(["text", "tokens", "cut", "delete", "insert", "repeat"]))
    event(f"document: {how}")
    if how == "text":
        return draw(st.text())
    if how == "tokens":
        words = st.sampled_from([*PUNCTUATION, *ROOT_FIELDS, "fragment", "subscription", "id"])
        return " ".join(draw(st.lists(words, max_size=40)))
    document = draw(ANY_VALID)
    at = draw(st.integers(0, len(document)))
    if how == "cut":
        return document[:at]
    if how == "delete":
        return document[:at] + document[at + draw(st.integers(1, 10)) :]
    if how == "repeat":
        return document[:at] + document * draw(st.integers(1, 3))
    return document[:at] + draw(st.sampled_from(PUNCTUATION)) + document[at:]


CONTENT_TYPES = [
    "application/json",
    "application/json",
    "application/graphql-response+json",
    "application/json; charset=utf-8",
    "text/plain",
    "application/graphql",
    None,
]
ACCEPTS = [
    None,
    "application/json",
    "application/graphql-response+json",
    "application/graphql-response+json, application/json;q=0.9",
    "*/*",
    "application/xml",
    "application/json;q=0",
    "application/json;q=abc",
]
LANGUAGES = [None, "pt-BR", "sv", "it-IT;q=0.5, *", "xx", ";;;"]


@st.composite
def bodies(draw: st.DrawFn) -> tuple[bytes, dict[str, str]]:
    """The bytes and headers of a POST a careless or hostile client might send."""
    how = draw(st.sampled_from(["bytes", "json", "request", "request"]))
    event(f"body: {how}")
    if how == "bytes":
        content = draw(st.binary(max_size=200))
    elif how == "json":
        content = json.dumps(draw(JSON_VALUES)).encode()
    else:
        members = {
            "query": st.one_of(JSON_VALUES, ANY_VALID, broken_documents()),
            "variables": JSON_VALUES,
            "operationName": JSON_VALUES,
            "extensions": JSON_VALUES,
        }
        chosen = draw(st.lists(st.sampled_from(sorted(members)), unique=True))
        content = json.dumps({name: draw(members[name]) for name in chosen}).encode()
    headers = {
        name: value
        for name, value in [
            ("content-type", draw(st.sampled_from(CONTENT_TYPES))),
            ("accept", draw(st.sampled_from(ACCEPTS))),
            ("accept-language", draw(st.sampled_from(LANGUAGES))),
        ]
        if value is not None
    }
    return content, headers


# The harness.


@dataclass
class Tally:
    """What a test's examples were answered, over all of its cases."""

    cases: int = 0
    examples: int = 0
    with_data: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    codes: Counter[str] = field(default_factory=Counter)


def walk(value: Any) -> Iterator[tuple[str, Any]]:
    """Every (key, value) pair of a JSON value, at any depth."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield key, item
            yield from walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item)


@dataclass
class Fuzzer:
    client: httpx.AsyncClient
    world: World
    tallies: dict[str, Tally] = field(default_factory=dict)
    tally: Tally = field(default_factory=Tally)

    def token(self, partner: str, role: str, subject: str) -> str:
        return self.world.token(partner, *ROLES[role], sub=f"{subject}-{partner}-{role}")

    async def post(
        self, content: bytes, headers: dict[str, str], token: str | None
    ) -> dict[str, Any]:
        sent = {**headers, "authorization": f"Bearer {token}"} if token else dict(headers)
        started = time.perf_counter()
        async with asyncio.timeout(ANSWER_WITHIN_SECONDS * 3):  # a hang fails, not blocks
            response = await self.client.post("/graphql", content=content, headers=sent)
        return self.check(response, time.perf_counter() - started)

    async def graphql(
        self, document: str, variables: dict[str, Any] | None, token: str
    ) -> dict[str, Any]:
        request: dict[str, Any] = {"query": document}
        if variables is not None:
            request["variables"] = variables
        return await self.post(
            json.dumps(request).encode(), {"content-type": "application/json"}, token
        )

    def check(self, response: httpx.Response, elapsed: float) -> dict[str, Any]:
        """The properties of every answer, whatever was asked."""
        text = response.text
        assert response.status_code < 500, text
        assert elapsed < ANSWER_WITHIN_SECONDS, f"answered in {elapsed:.1f} s"
        body = json.loads(text)
        assert isinstance(body, dict), text
        assert body.keys() & {"data", "errors"}, text
        assert body.keys() <= {"data", "errors", "extensions"}, text
        if "errors" in body:
            assert body["errors"], text
        for error in body.get("errors", ()):
            assert isinstance(error["message"], str), error
            assert error["message"], error
            assert isinstance(error["extensions"]["code"], str), error
        assert "INTERNAL_SERVER_ERROR" not in {item for key, item in walk(body) if key == "code"}
        assert "Traceback" not in text
        if currently_in_test_context():  # an example, not the seeding
            self.count(response.status_code, body)
        return body

    def count(self, status: int, body: dict[str, Any]) -> None:
        self.tally.examples += 1
        self.tally.statuses[status] += 1
        event(f"HTTP {status}")
        for error in body.get("errors", ()):
            self.tally.codes[error["extensions"]["code"]] += 1
            event(f"error {error['extensions']['code']}")
        data = body.get("data")
        if isinstance(data, dict) and any(value is not None for value in data.values()):
            self.tally.with_data += 1
            event("answered with data")


# A world with rows of every kind.

TICKET = """
mutation Ticket($customer: ID!, $category: TicketCategory!) {
  openTicket(input: {customerId: $customer, category: $category, severity: B,
                     title: "Invoice question", description: "Two lines for one seat?"}) {
    ticket { id } userErrors { code message }
  }
}"""
WORK = """
mutation Work($ticket: ID!, $vehicle: SupportVehicle!) {
  triageTicket(input: {id: $ticket, diagnosis: "Reproduced", withinBaseline: false}) {
    userErrors { code message }
  }
  commentOnTicket(input: {id: $ticket, body: "Looking into it", visibility: CUSTOMER}) {
    userErrors { code message }
  }
  escalateTicket(input: {ticketId: $ticket, vehicle: $vehicle, summary: "Double charge"}) {
    userErrors { code message }
  }
}"""
INVOICE = """
mutation Invoice($customer: ID!, $currency: String!, $issued: DateTime!, $due: Date!) {
  issueInvoice(input: {customerId: $customer, currency: $currency, issuedAt: $issued,
                       dueDate: $due, lines: [{description: "Seats", quantity: "10",
                                               unitPrice: "6.00"}]}) {
    invoice { id } userErrors { code message }
  }
}"""
MONEY = """
mutation Money($invoice: ID!, $currency: String!) {
  recordPayment(input: {invoiceId: $invoice, amount: {amount: "5.00", currency: $currency},
                        reference: "TRF-1"}) {
    userErrors { code message }
  }
  openBillingDispute(input: {invoiceId: $invoice, reason: "One seat too many"}) {
    userErrors { code message }
  }
}"""
WEBHOOK = """
mutation { createWebhookEndpoint(input: {url: "https://93.184.215.14/in", events: []}) {
  userErrors { code message }
} }"""
SEEDED = [
    ("direct", "EUR", "COMMERCIAL_SUPPORT"),
    ("provider", "EUR", "COMMERCIAL_SUPPORT"),
    ("reseller", "BRL", "INDIRECT_PROVIDER"),
]


async def seed(fuzzer: Fuzzer) -> None:
    """Beside the world's partners and customers: subscriptions of every kind, and for three
    partners a webhook endpoint (so changes make deliveries), a ticket left new and a billing
    ticket triaged, commented on and escalated, and two invoices (one overdue) of which one is
    part paid and disputed."""
    world = fuzzer.world
    await world.add_subscription_set()

    async def run(document: str, token: str, **variables: Any) -> dict[str, Any]:
        body = await fuzzer.graphql(document, variables, token)
        assert "errors" not in body, body
        for payload in body["data"].values():
            assert payload["userErrors"] == [], payload
        return body["data"]

    today = datetime.now(UTC)
    for owner, currency, vehicle in SEEDED:
        admin, customer = world.admin(owner), world.customer_id(owner)
        await run(WEBHOOK, admin)
        await run(TICKET, admin, customer=customer, category="TECHNICAL")
        opened = await run(TICKET, admin, customer=customer, category="BILLING")
        await run(WORK, admin, ticket=opened["openTicket"]["ticket"]["id"], vehicle=vehicle)
        for issued in (today - timedelta(days=60), today):
            invoice = await run(
                INVOICE,
                admin,
                customer=customer,
                currency=currency,
                issued=issued.isoformat(),
                due=(issued + timedelta(days=30)).date().isoformat(),
            )
        paid = invoice["issueInvoice"]["invoice"]["id"]
        await run(MONEY, admin, invoice=paid, currency=currency)


async def public_address(host: str, port: int) -> list[str]:
    return ["93.184.215.14"]


@pytest_asyncio.fixture(autouse=True)
async def db(orm: None) -> AsyncIterator[None]:
    """Unlike elsewhere, the tables are not emptied before each test: the module's tests
    share one world (see `fuzzer`), which starts from empty tables."""
    yield


@pytest_asyncio.fixture(scope="module")
async def fuzzer(
    orm: None, database_url: str, request: pytest.FixtureRequest
) -> AsyncIterator[Fuzzer]:
    """The app over HTTP (as the `client` fixture makes it) and a seeded world, once for the
    module. Webhook URLs of generated mutations are checked against a resolver that answers
    at once with a public address: no look-up leaves the machine."""
    await empty_tables()
    settings = Settings(database_url=database_url, jwt_secret=TEST_SECRET)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(api.app, "webhook_targets", lambda _: TargetPolicy(resolver=public_address))
        app = api.app.create_app(settings, manage_database=False)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        fuzzer = Fuzzer(client, await build_world(settings))
        await seed(fuzzer)
        yield fuzzer
    report(request.config, fuzzer.tallies)


@pytest.fixture(autouse=True)
def tally(fuzzer: Fuzzer, request: pytest.FixtureRequest) -> Tally:
    """Counts the examples of a test over all its cases of a role."""
    role = request.node.callspec.params["role"]
    fuzzer.tally = fuzzer.tallies.setdefault(f"{request.function.__name__}[{role}]", Tally())
    fuzzer.tally.cases += 1
    return fuzzer.tally


def report(config: pytest.Config, tallies: dict[str, Tally]) -> None:
    """One line per test and role, on the terminal whatever the capture."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")
    if reporter is None or capture is None:
        return
    with capture.global_and_fixture_disabled():
        reporter.write_line("")
        for name, tally in tallies.items():
            reporter.write_line(
                f"fuzz {name}: {tally.examples} examples in {tally.cases} cases,"
                f" {tally.with_data} with data; HTTP {dict(sorted(tally.statuses.items()))};"
                f" codes {dict(tally.codes.most_common())}"
            )


def root_fields(document: str) -> list[str]:
    """The root fields of a valid operation, for the statistics."""
    [operation] = graphql.parse(document).definitions
    return [selection.name.value for selection in operation.selection_set.selections]  # type: ignore[attr-defined]


# The properties.


@pytest.mark.parametrize("root_field", ROOT_FIELDS)
@pytest.mark.parametrize("role", ROLES)
@examples(5)
@given(data=st.data(), partner=PARTNERS, subject=SUBJECTS)
async def test_generated_operations_on_every_root_field_never_fail_the_server(
    fuzzer: Fuzzer, role: str, root_field: str, data: st.DataObject, partner: str, subject: str
) -> None:
    operation = data.draw(valid_operations(root_field), label="operation")
    await fuzzer.graphql(operation, None, fuzzer.token(partner, role, subject))


@pytest.mark.parametrize("root_field", ROOT_FIELDS)
@pytest.mark.parametrize("role", ROLES)
@examples(4)
@given(data=st.data(), partner=PARTNERS, subject=SUBJECTS)
async def test_generated_operations_with_right_or_wrong_variables_never_fail_the_server(
    fuzzer: Fuzzer, role: str, root_field: str, data: st.DataObject, partner: str, subject: str
) -> None:
    document, variables, change = data.draw(with_variables(root_field), label="operation")
    event(f"variables: {change}")
    body = await fuzzer.graphql(document, variables, fuzzer.token(partner, role, subject))
    if change in {"wrong type", "undeclared"} and "data" not in body:
        assert body["errors"][0]["extensions"]["code"] in {"BAD_USER_INPUT", "UNAUTHENTICATED"}


@pytest.mark.parametrize("role", ROLES)
@examples(100)
@given(operation=SCHEMA_VIOLATIONS, partner=PARTNERS, subject=SUBJECTS)
async def test_operations_that_violate_the_schema_are_refused_with_a_code(
    fuzzer: Fuzzer, role: str, operation: str, partner: str, subject: str
) -> None:
    for name in root_fields(operation):
        event(f"root {name}")
    body = await fuzzer.graphql(operation, None, fuzzer.token(partner, role, subject))
    assert "data" not in body, body
    assert body["errors"][0]["extensions"]["code"] in {"BAD_USER_INPUT", "UNAUTHENTICATED"}


@pytest.mark.parametrize("role", ROLES)
@examples(100)
@given(document=broken_documents(), partner=PARTNERS, subject=SUBJECTS)
async def test_broken_documents_never_fail_the_server(
    fuzzer: Fuzzer, role: str, document: str, partner: str, subject: str
) -> None:
    await fuzzer.graphql(document, None, fuzzer.token(partner, role, subject))


@pytest.mark.parametrize("role", ROLES)
@examples(100)
@given(body=bodies(), partner=PARTNERS, subject=SUBJECTS)
async def test_random_bodies_and_headers_never_fail_the_server(
    fuzzer: Fuzzer, role: str, body: tuple[bytes, dict[str, str]], partner: str, subject: str
) -> None:
    content, headers = body
    await fuzzer.post(content, headers, fuzzer.token(partner, role, subject))
