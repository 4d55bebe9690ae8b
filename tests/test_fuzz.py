"""Fuzzing the whole schema over HTTP: whatever a client sends, the server answers properly.

Operations are generated from the live schema's SDL by hypothesis-graphql: valid queries and
mutations for every root field of `Query` and `Mutation` (each root field is a test case of
its own, so a bounded run covers all of them), the same with their arguments lifted into
variables (right, wrongly typed, missing, null, undeclared), operations with one schema
violation (`Mode.NEGATIVE`), broken documents, and request bodies and headers of any shape.
Half the valid operations get plausible values for the arguments whose names say what they
are (a country, a currency, an amount, the id of a row the caller sees), so that mutations
get past input checks into the business rules. Each request goes through the real ASGI app
as a partner's global admin and as a user with no role, against a world with rows of every
kind; mutations change that world as they go, and every example stays a valid request
whatever it has become. The run ends with a line per test: its examples, their answers,
and the changes the mutations made.

What must always hold: no 5xx, no `INTERNAL_SERVER_ERROR` code anywhere, a JSON object
body with `data` and/or `errors`, a code on every error, and an answer within a generous
bound (a guard against hangs, not a timing assertion).

Seeds are fixed (`derandomize`), so CI runs the same examples every time. To explore
further with random seeds: `FUZZ_EXAMPLES=<n per test case> pytest tests/test_fuzz.py`.
"""

from __future__ import annotations

import asyncio
import base64
import ipaddress
import json
import os
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
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

import api.app
from api.settings import RateLimits, Settings
from auth.viewer import Role
from resolvers.models import AuditEvent
from resolvers.webhook_targets import TargetPolicy
from tests.conftest import TEST_SECRET, World, build_world, empty_tables
from tests.fuzzing import (
    ROOT_FIELDS,
    SCHEMA_VIOLATIONS,
    Known,
    bodies,
    broken_documents,
    valid_operations,
    with_variables,
)

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


# Refusals of a request that never ran (in its own words, with no `data`).
REFUSED = {"BAD_USER_INPUT", "UNAUTHENTICATED", "QUERY_TOO_COMPLEX"}
ROLES: dict[str, tuple[Role, ...]] = {"global_admin": (Role.GLOBAL_ADMIN,), "no_role": ()}
PARTNER_NAMES = ["direct", "provider", "reseller", "other", "reseller2"]
PARTNERS = st.sampled_from(PARTNER_NAMES)
# A few users per partner and role: a mutation may deactivate one (its later tokens are then
# refused, a valid answer too) without ending the run's coverage.
SUBJECTS = st.sampled_from(["fuzz-1", "fuzz-2", "fuzz-3"])


# The harness.


@dataclass
class Tally:
    """What a test's examples were answered, over all of its cases."""

    cases: int = 0
    examples: int = 0
    with_data: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    codes: Counter[str] = field(default_factory=Counter)
    user_errors: Counter[str] = field(default_factory=Counter)


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
    known: dict[str, Known] = field(default_factory=dict)  # by partner
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
        for key, item in walk(body.get("data")):
            if key == "userErrors" and isinstance(item, list):
                for problem in item:
                    if problem.get("code"):  # unless the operation left it out
                        self.tally.user_errors[problem["code"]] += 1
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


ROWS = """
{
  partner { id }
  resellers(first: 100) { nodes { id } }
  customers(first: 100) { nodes { id } }
  subscriptions(first: 100) { nodes { id } }
  invoices(first: 100) { nodes { id payments { id } disputes { id } } }
  tickets(first: 100) { nodes { id timeline { id } } }
  escalations(first: 100) { nodes { id } }
  users(first: 100) { nodes { id } }
  webhookEndpoints(first: 100) { nodes { id } }
}"""
DELIVERIES = "query($id: ID!) { webhookDeliveries(endpointId: $id, first: 100) { nodes { id } } }"


async def known_ids(fuzzer: Fuzzer, partner: str) -> Known:
    """The global ids of the rows `partner` sees, by node type."""
    admin = fuzzer.world.admin(partner)
    body = await fuzzer.graphql(ROWS, None, admin)
    assert "errors" not in body, body
    data = body["data"]
    for endpoint in data["webhookEndpoints"]["nodes"]:
        deliveries = await fuzzer.graphql(DELIVERIES, {"id": endpoint["id"]}, admin)
        endpoint["deliveries"] = deliveries["data"]["webhookDeliveries"]["nodes"]
    known: Known = {}
    for key, item in walk(data):
        if key == "id":
            type_name = base64.urlsafe_b64decode(item + "==").decode().split(":")[0]
            known.setdefault(type_name, []).append(item)
    return known


async def public_address(host: str, port: int) -> list[str]:
    """A resolver for webhook URLs that never leaves the machine: an address resolves to
    itself (a private one is refused as it would be), a name to a public address."""
    try:
        return [str(ipaddress.ip_address(host))]
    except ValueError:
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
    module, with the ids each partner sees. Webhook URLs of generated mutations are checked
    with `public_address` instead of DNS."""
    await empty_tables()
    # thousands of requests of one token: no bucket is to refuse them before they reach
    # what they fuzz (the limits have tests of their own)
    settings = Settings(
        database_url=database_url, jwt_secret=TEST_SECRET, rate_limits=RateLimits(enabled=False)
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(api.app, "webhook_targets", lambda _: TargetPolicy(resolver=public_address))
        app = api.app.create_app(settings, manage_database=False)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        fuzzer = Fuzzer(client, await build_world(settings))
        await seed(fuzzer)
        fuzzer.known = {partner: await known_ids(fuzzer, partner) for partner in PARTNER_NAMES}
        [seeded] = await AuditEvent.all().order_by("-id").limit(1).values_list("id", flat=True)
        yield fuzzer
    changes = AuditEvent.filter(id__gt=seeded).exclude(action="user.first_seen")
    report(request.config, fuzzer.tallies, Counter(await changes.values_list("action", flat=True)))


@pytest.fixture(autouse=True)
def tally(fuzzer: Fuzzer, request: pytest.FixtureRequest) -> Tally:
    """Counts the examples of a test over all its cases of a role."""
    role = request.node.callspec.params["role"]
    fuzzer.tally = fuzzer.tallies.setdefault(f"{request.function.__name__}[{role}]", Tally())
    fuzzer.tally.cases += 1
    return fuzzer.tally


def report(config: pytest.Config, tallies: dict[str, Tally], changes: Counter[str]) -> None:
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
                f" codes {dict(tally.codes.most_common())};"
                f" userErrors {dict(tally.user_errors.most_common())}"
            )
        reporter.write_line(
            f"fuzz: the generated mutations made {changes.total()} audited changes:"
            f" {dict(changes.most_common())}"
        )


def root_fields(document: str) -> list[str]:
    """The root fields of a valid operation, for the statistics."""
    [operation] = graphql.parse(document).definitions
    return [selection.name.value for selection in operation.selection_set.selections]  # type: ignore[attr-defined]


# The properties.


@pytest.mark.parametrize("root_field", ROOT_FIELDS)
@pytest.mark.parametrize("role", ROLES)
@examples(8)
@given(data=st.data(), partner=PARTNERS, subject=SUBJECTS)
async def test_generated_operations_on_every_root_field_never_fail_the_server(
    fuzzer: Fuzzer, role: str, root_field: str, data: st.DataObject, partner: str, subject: str
) -> None:
    operation = data.draw(valid_operations(root_field, fuzzer.known[partner]), label="operation")
    await fuzzer.graphql(operation, None, fuzzer.token(partner, role, subject))


@pytest.mark.parametrize("root_field", ROOT_FIELDS)
@pytest.mark.parametrize("role", ROLES)
@examples(5)
@given(data=st.data(), partner=PARTNERS, subject=SUBJECTS)
async def test_generated_operations_with_right_or_wrong_variables_never_fail_the_server(
    fuzzer: Fuzzer, role: str, root_field: str, data: st.DataObject, partner: str, subject: str
) -> None:
    operation = with_variables(root_field, fuzzer.known[partner])
    document, variables, change = data.draw(operation, label="operation")
    event(f"variables: {change}")
    body = await fuzzer.graphql(document, variables, fuzzer.token(partner, role, subject))
    if change in {"wrong type", "undeclared"} and "data" not in body:
        assert body["errors"][0]["extensions"]["code"] in REFUSED


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
    assert body["errors"][0]["extensions"]["code"] in REFUSED


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
