"""Proof of sameness over real operations: every GraphQL example in the README and every
operation written in the tests runs through both executors and must answer identically.

Queries run against one world for several viewers. Mutations run once per executor, each
on a freshly built identical world, so both see the same rows; only clock readings
(`…At` fields) may differ between the two runs, since the mutations write the time.
"""

from __future__ import annotations

import ast
import re
from typing import Any

import pytest
from graphql import (
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    VariableDefinitionNode,
    parse,
    print_ast,
)

from auth.viewer import Role, Viewer
from resolvers.users import authenticate
from schema.execution import GraphQLRequest
from schema.nodes import to_global_id
from tests.conftest import ROOT, World, build_world, empty_tables
from tests.test_plans import GENERAL, PLANNED, _answer, _normalized

GRAPHQL_BLOCK = re.compile(r"```graphql\n(.*?)```", re.DOTALL)


def _documents() -> list[tuple[str, str]]:
    """(where, document) for each README example and each operation text in the tests."""
    found = [
        (f"README.md#{number}", block)
        for number, block in enumerate(GRAPHQL_BLOCK.findall((ROOT / "README.md").read_text()))
    ]
    for path in sorted((ROOT / "tests").glob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value.strip()
                if text.startswith(("query", "mutation", "{", "fragment")):
                    found.append((f"{path.name}:{node.lineno}", text))
    return found


def _operations() -> list[tuple[str, str, str | None, bool]]:
    """(where, document, operation name, is mutation) for every operation in the corpus."""
    operations = []
    for where, text in _documents():
        try:
            document = parse(text)
        except GraphQLError:
            continue  # a test of malformed input, not an example
        for definition in document.definitions:
            if isinstance(definition, OperationDefinitionNode) and definition.operation in (
                OperationType.QUERY,
                OperationType.MUTATION,
            ):
                name = definition.name.value if definition.name else None
                mutation = definition.operation is OperationType.MUTATION
                operations.append((where, text, name, mutation))
    return operations


OPERATIONS = _operations()
QUERIES = [operation for operation in OPERATIONS if not operation[3]]
MUTATIONS = [operation for operation in OPERATIONS if operation[3]]
VIEWERS = [
    ("provider", Role.GLOBAL_ADMIN),
    ("direct", Role.SALES_AGENT),
    ("reseller", Role.USER_MANAGEMENT_ADMIN),
]


ABOUT_A_SUBSCRIPTION = re.compile(r"\bsubscription\(id: \$id\)|Subscription\(input")


def _variables(text: str, name: str | None, world: World) -> dict[str, Any]:
    """A plausible value for each variable the operation declares, by name and type."""
    subscription = to_global_id("Subscription", world.subscriptions["base"])
    suspended = to_global_id("Subscription", world.subscriptions["suspended"])
    about_a_subscription = ABOUT_A_SUBSCRIPTION.search(text) is not None
    samples: dict[str, Any] = {
        "ID!": subscription if about_a_subscription else world.customer_id("provider"),
        "[ID!]!": [world.customer_id("direct"), world.partner_id("reseller"), "garbage"],
        "ID": world.partner_id("reseller"),
        "String!": "Corpus",
        "String": "a",
        "Int": 3,
        "Int!": 1,
        "Boolean": True,
        "Boolean!": True,
        "DateTime!": "2026-01-01T00:00:00Z",
        "DateTime": "2026-01-01T00:00:00Z",
        "CustomerFilter": {"search": "a"},
        "CreateCustomerInput!": {
            "companyName": "Omega Lda",
            "domain": "omega.onmicrosoft.com",
            "country": "PT",
            "language": "pt-PT",
            "idempotencyKey": "corpus-create",
        },
        "RegisterResellerInput!": {
            "tenantId": "0b7b1a52-8f3e-4c1e-9a57-1d2f3e4a5b6c",
            "name": "Corpus Revenda",
            "mpnId": "4412399",
        },
        "SubscriptionStatus": "SUSPENDED",
        "SubscriptionFilter": {"status": "ACTIVE"},
        "CreateSubscriptionInput!": {
            "customerId": world.customer_id("provider"),
            "offerId": "CFQ7TTC0LF8Q:0001",
            "offerName": "Exchange Online (Plan 1)",
            "productFamily": "MICROSOFT_365",
            "quantity": 5,
            "unitPrice": {"amount": "4.00", "currency": "EUR"},
            "unitCost": {"amount": "3.20", "currency": "EUR"},
            "billingCycle": "MONTHLY",
            "termDuration": "P1M",
            "idempotencyKey": "corpus-subscription",
        },
        "SuspendSubscriptionInput!": {"id": subscription, "reason": "NON_PAYMENT"},
        "ReactivateSubscriptionInput!": {"id": suspended},
        "CancelSubscriptionInput!": {"id": subscription},
        "ChangeSubscriptionQuantityInput!": {"id": subscription, "quantity": 12},
        "UpdateCustomerInput!": {
            "id": world.customer_id("provider"),
            "expectedVersion": 1,
            "companyName": "Renamed SpA",
        },
    }
    by_name = {"after": None, "before": None, "last": None}
    values = {}
    for definition in _definitions(text, name):
        variable = definition.variable.name.value
        kind = print_ast(definition.type)
        if variable in by_name:
            values[variable] = by_name[variable]
        elif kind in samples:
            values[variable] = samples[kind]
    return values


def _definitions(text: str, name: str | None) -> list[VariableDefinitionNode]:
    for definition in parse(text).definitions:
        if (
            isinstance(definition, OperationDefinitionNode)
            and (definition.name.value if definition.name else None) == name
        ):
            return list(definition.variable_definitions or ())
    return []


async def _viewer(world: World, partner: str, role: Role) -> Viewer:
    return await authenticate(
        sub=f"corpus-{partner}",
        tenant_id=world.partners[partner].tenant_id,
        roles=[str(role)],
        name="Corpus Tester",
        email=None,
    )


def test_the_corpus_holds_the_readme_examples_and_the_tests_operations() -> None:
    readme = [operation for operation in OPERATIONS if operation[0].startswith("README")]
    assert len(readme) >= 7
    assert len(QUERIES) >= 50
    assert len(MUTATIONS) >= 10


@pytest.mark.parametrize(("where", "text", "name", "mutation"), QUERIES, ids=lambda v: str(v))
async def test_every_query_of_the_corpus_answers_identically(
    world: World, where: str, text: str, name: str | None, mutation: bool
) -> None:
    await world.add_subscription_set()
    for partner, role in VIEWERS:
        viewer = await _viewer(world, partner, role)
        request = GraphQLRequest(text, _variables(text, name, world), name)
        general = await _answer(GENERAL, request, viewer)
        planned = await _answer(PLANNED, request, viewer)
        assert _normalized(planned) == _normalized(general), where


def _without_clock(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: "<time>" if key.endswith("At") else _without_clock(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_without_clock(item) for item in value]
    return value


@pytest.mark.parametrize(("where", "text", "name", "mutation"), MUTATIONS, ids=lambda v: str(v))
async def test_every_mutation_of_the_corpus_answers_identically(
    world: World, where: str, text: str, name: str | None, mutation: bool
) -> None:
    answers = []
    for engine in (GENERAL, PLANNED):
        await empty_tables()
        fresh = await build_world(world.settings)
        await fresh.add_subscription_set()
        viewer = await _viewer(fresh, "provider", Role.GLOBAL_ADMIN)
        request = GraphQLRequest(text, _variables(text, name, fresh), name)
        answers.append(await _answer(engine, request, viewer))
    general, planned = (_normalized(_without_clock(answer)) for answer in answers)
    assert planned == general, where
