"""Tenant isolation, generated from the schema (hardening issue 7): every id the schema takes
(root fields, `node`/`nodes` for every Node type, mutation inputs) is sent another tenant's
real id; the answer is null, empty or NOT_FOUND, as for an id that names nothing, holds
nothing of the other tenant, and changes nothing, while the owners' same calls find their
objects; and no root field without an id shows what another tenant keeps to itself. New
fields, types and mutations are covered as they come; one that can't be fails until it is
listed below, with its reason."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio
from graphql import (
    GraphQLField,
    GraphQLID,
    GraphQLObjectType,
    get_named_type,
    get_nullable_type,
    is_enum_type,
    is_input_object_type,
    is_leaf_type,
    is_list_type,
    is_object_type,
    is_required_argument,
)
from tortoise.models import Model

from api.settings import RateLimits, Settings, Webhooks
from auth.permissions import CHANGES_READ
from resolvers import models
from resolvers.pagination import MAX_KEY
from schema.nodes import to_global_id
from schema.schema import schema
from tests.conftest import TEST_SECRET, Api, World
from tests.tenant_objects import NODE_TYPES, own_objects
from tests.test_changes import read_all

SCHEMA = schema._schema
SCALARS = {"String": "x", "Int": 1, "Boolean": True, "Decimal": "1", "Date": "2030-01-01"}

# -- the explicit exceptions, each with its reason ------------------------------------------------

# Ids whose name doesn't say the types they name (an entity: any object).
ID_ALIASES = {"reseller": ("Partner",), "handler": ("Partner",), "assignee": ("User",)}
ID_ALIASES["entity"] = tuple(NODE_TYPES)
# Inputs validated before any lookup, which the least value ("x") fails ("Type.field").
OVERRIDES = {
    "CreateCustomerInput.domain": "example.com",
    "CreateCustomerInput.country": "PT",
    "CreateCustomerInput.language": "pt-PT",
    "CreateSubscriptionInput.termDuration": "P1Y",
    "IssueInvoiceInput.currency": "EUR",  # every customer here is billed in EUR
    "MoneyInput.currency": "EUR",
}
# (caller, id): a code other than NOT_FOUND that it gets for any id, its own included.
REFUSED_ALIKE = {("direct", "resellerId"): "BAD_USER_INPUT"}  # a direct partner has no resellers
# (caller, slot): filters by an id of a type the caller can't see, over rows it does see:
# the provider's filter by its reseller's user finds that reseller's ticket assigned to it.
FILTERS_OVER_SEEN = {("provider", "tickets(filter.assigneeId)")}
# Fields with ids the matrix doesn't call, and where they are covered.
NOT_HERE = {  # over a WebSocket, by test_ticket_events.py:
    "ticketEvents": "test_another_tenants_ticket_is_not_found_and_streams_nothing",
}


@dataclass(frozen=True)
class Pair:
    """A caller, the tenant whose ids it sends, and that tenant's types it sees by design."""

    caller: str
    owner: str
    sees: frozenset[str] = frozenset()

    def __str__(self) -> str:
        return f"{self.caller} asking for {self.owner}'s"

    def refusals(self, slot: IdSlot) -> set[str]:
        return {"NOT_FOUND", REFUSED_ALIKE.get((self.caller, slot.path[-1]), "NOT_FOUND")}


# A reseller sees its provider's partner record and the support it offers; a provider sees
# its resellers' business, but not their directory users, webhooks or persisted operations.
PRIVATE = {"User", "WebhookEndpoint", "WebhookDelivery", "PersistedOperation"}
PAIRS = (
    Pair("direct", "other"),
    Pair("reseller", "reseller2"),
    Pair("reseller", "provider", frozenset({"Partner", "SupportOffering"})),
    Pair("provider", "reseller2", frozenset(NODE_TYPES) - PRIVATE),
)

# -- the ids the schema takes --------------------------------------------------------------------


@dataclass(frozen=True)
class IdSlot:
    """An id a root field or a mutation takes at `path` in its arguments, naming a
    `type_name` (None: the matrix can't tell which)."""

    kind: str  # query or mutation
    field: str
    definition: GraphQLField
    path: tuple[str, ...]
    type_name: str | None

    def __str__(self) -> str:
        named = f": {self.type_name}" if self.of_any_type else ""
        return f"{self.field}({'.'.join(self.path)}){named}"

    @property
    def of_any_type(self) -> bool:
        return len(named_types(self.field, self.path[-1])) > 1


def _id_paths(fields: dict[str, Any], seen: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name, definition in fields.items():
        named = get_named_type(definition.type)
        if named is GraphQLID:
            yield (name,)
        elif is_input_object_type(named) and named.name not in seen:
            for path in _id_paths(named.fields, (*seen, named.name)):
                yield (name, *path)


def named_types(field_name: str, id_name: str) -> tuple[str, ...]:
    """The Node types an id names: for `id`, the one in the field's name (`closeTicket`); for
    `xId`, the one called x (`customerId`, `parentSubscriptionId`, `deliveryId`)."""
    stem = field_name if id_name == "id" else id_name.removesuffix("Id")
    if stem == id_name:
        return ()
    if stem in ID_ALIASES:
        return ID_ALIASES[stem]
    inside = [name for name in NODE_TYPES if name.lower() in stem.lower()]
    ending = [name for name in NODE_TYPES if name.lower().endswith(stem.lower())]
    return (max(inside, key=len),) if inside else tuple(ending) if len(ending) == 1 else ()


def id_slots(kind: str, operation: GraphQLObjectType, skip: tuple[str, ...] = ()) -> list[IdSlot]:
    """Every id the operation's fields take, once for every type it names."""
    return [
        IdSlot(kind, name, definition, path, type_name)
        for name, definition in operation.fields.items()
        if name not in skip
        for path in _id_paths(definition.args)
        for type_name in named_types(name, path[-1]) or (None,)
    ]


ROOT_SLOTS = id_slots("query", SCHEMA.query_type, skip=("node", "nodes"))  # per Node type
MUTATION_SLOTS = id_slots("mutation", SCHEMA.mutation_type)
OTHER_SLOTS = id_slots("subscription", SCHEMA.subscription_type)
SLOTS = [*ROOT_SLOTS, *MUTATION_SLOTS]

# -- documents and values built from the schema --------------------------------------------------


def selection(graphql_type: Any, depth: int = 1) -> str:
    """Every plain field of the type and of the objects under it, to `depth`: leaks show."""
    parts = ["__typename"]
    for name, definition in get_named_type(graphql_type).fields.items():
        inner = get_named_type(definition.type)
        if any(map(is_required_argument, definition.args.values())):
            continue
        if is_leaf_type(inner):
            parts.append(name)
        elif is_object_type(inner) and depth:
            parts.append(f"{name} {selection(inner, depth - 1)}")
    return "{ " + " ".join(parts) + " }"


def document(slot: IdSlot, arguments: dict[str, Any]) -> str:
    """The slot's field alone in an operation, its arguments passed as variables."""
    declared = ", ".join(f"${name}: {slot.definition.args[name].type}" for name in arguments)
    field = f"{slot.field}({', '.join(f'{name}: ${name}' for name in arguments)})"
    return f"{slot.kind} Matrix({declared}) {{ {field} {selection(slot.definition.type)} }}"


def least_arguments(slot: IdSlot, target: str, own: dict[str, str]) -> dict[str, Any]:
    """The required arguments and the slot's id, which is `target`: any other id is the
    caller's `own` object of the type it names, enums their first value, lists one item,
    scalars SCALARS, unless OVERRIDES says otherwise."""

    def fields(definitions: dict[str, Any], parent: str, path: tuple[str, ...] | None) -> Any:
        values = {}
        for name, definition in definitions.items():
            rest = path[1:] if path and path[0] == name else None
            if rest is not None or is_required_argument(definition):
                values[name] = value(definition.type, f"{parent}.{name}", name, rest)
        return values

    def value(of: Any, where: str, name: str, path: tuple[str, ...] | None) -> Any:
        named = get_named_type(of)
        if where in OVERRIDES:
            return OVERRIDES[where]
        if named is GraphQLID:
            one = target if path == () else own[named_types(slot.field, name)[0]]
        elif is_enum_type(named):
            one = next(iter(named.values))
        elif is_input_object_type(named):
            one = fields(named.fields, named.name, path)
        else:
            one = SCALARS[named.name]
        return [one] if is_list_type(get_nullable_type(of)) else one

    return fields(slot.definition.args, slot.field, slot.path)


# -- the world: one object of every Node type for every partner (tests/tenant_objects.py) --------


@dataclass
class Matrix:
    """The world; every partner's objects (`ids`), and what only each of them holds."""

    api: Api
    world: World
    ids: dict[str, dict[str, str]]
    secrets: dict[str, dict[str, str]]

    async def ask(self, slot: IdSlot, caller: str, owner: str | None) -> dict[str, Any]:
        """The slot called by the caller's global admin with the owner's object as its id (no
        owner: with an id that names nothing)."""
        target = self.ids[owner][slot.type_name] if owner else to_global_id(slot.type_name, MAX_KEY)
        arguments = least_arguments(slot, target, self.ids[caller])
        token = self.world.admin(caller)
        return await self.api.gql(document(slot, arguments), arguments, token=token)

    def traces_in(self, body: Any, pair: Pair) -> list[str]:
        """The ids and secrets of the owner's objects the caller may not see, in `body`."""
        text = json.dumps(body)
        hidden = sorted(set(NODE_TYPES) - pair.sees)
        mine = (self.ids[pair.owner], self.secrets[pair.owner])
        return [trace for name in hidden for of in mine if (trace := of[name]) in text]


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Webhook endpoints on loopback: nothing is ever delivered to them here. No rate limits:
    answers are compared whole, and a bucket's level moves between two of them."""
    allowed = Webhooks(allow_private_targets=True)
    return Settings(
        database_url=database_url,
        jwt_secret=TEST_SECRET,
        webhooks=allowed,
        rate_limits=RateLimits(enabled=False),
    )


@pytest_asyncio.fixture
async def matrix(api: Api, world: World) -> Matrix:
    ids, secrets = {}, {}
    for partner in world.partners:
        ids[partner], secrets[partner] = await own_objects(api, world, partner)
    return Matrix(api, world, ids, secrets)


# -- what an answer may hold ---------------------------------------------------------------------


def codes(body: dict[str, Any], name: str) -> list[str]:
    """The codes a field answered with: its user errors' and the errors at its path."""
    answer = (body.get("data") or {}).get(name)
    mine = [error["code"] for error in answer.get("userErrors", [])] if answer else []
    at_path = [error for error in body.get("errors", []) if error.get("path") == [name]]
    return mine + [error["extensions"]["code"] for error in at_path]


def is_empty(answer: Any) -> bool:
    """Null, or a page of nothing."""
    return answer is None or answer.get("totalCount") == 0


def asking(slot: IdSlot) -> list[Pair]:
    """The pairs whose caller may not see the type of object the slot's id names."""
    return [pair for pair in PAIRS if slot.type_name not in pair.sees]


async def every_row() -> dict[str, list[dict[str, Any]]]:
    tables = [m for m in vars(models).values() if isinstance(m, type) and issubclass(m, Model)]
    return {m.__name__: await m.all().order_by(m._meta.pk_attr).values() for m in tables}


# -- the matrix ----------------------------------------------------------------------------------


def test_the_matrix_covers_every_id_the_schema_takes() -> None:
    assert [str(slot) for slot in SLOTS if slot.type_name is None] == [], "add to ID_ALIASES"
    assert {slot.field for slot in OTHER_SLOTS} == set(NOT_HERE), "cover them, or say where"
    for slot in SLOTS:  # every input gets a value (a KeyError: add the new scalar to SCALARS)
        least_arguments(slot, "target", dict.fromkeys(NODE_TYPES, "own"))
    inputs = [t for t in SCHEMA.type_map.values() if is_input_object_type(t)]
    assert set(OVERRIDES) <= {f"{t.name}.{name}" for t in inputs for name in t.fields}
    assert {slot for _, slot in FILTERS_OVER_SEEN} <= {str(slot) for slot in SLOTS}
    assert len(NODE_TYPES) >= 12
    assert len(ROOT_SLOTS) >= 30
    assert len(MUTATION_SLOTS) >= 34


@pytest.mark.parametrize("type_name", NODE_TYPES)
async def test_another_tenants_object_is_not_found_by_node_or_nodes(
    matrix: Matrix, type_name: str
) -> None:
    fields = f"{{ ... on {type_name} {selection(SCHEMA.type_map[type_name], depth=2)} }}"
    node = f"query Node($id: ID!) {{ node(id: $id) {fields} }}"
    nodes = f"query Nodes($ids: [ID!]!) {{ nodes(ids: $ids) {fields} }}"
    for pair in PAIRS:
        target, token = matrix.ids[pair.owner][type_name], matrix.world.admin(pair.caller)
        one = await matrix.api.gql(node, {"id": target}, token=token)
        many = await matrix.api.gql(nodes, {"ids": [target]}, token=token)
        assert matrix.traces_in([one, many], pair) == [], (str(pair), one, many)
        if type_name in pair.sees:
            assert one["data"]["node"]["id"] == target, (str(pair), one)
            continue
        assert one["data"]["node"] is None, (str(pair), one)
        assert codes(one, "node") == ["NOT_FOUND"], (str(pair), one)
        assert one == await matrix.api.gql(
            node, {"id": to_global_id(type_name, MAX_KEY)}, token=token
        )
        assert many["data"]["nodes"] == [None], (str(pair), many)
        assert [error["extensions"]["code"] for error in many["errors"]] == ["NOT_FOUND"]
    for owner in {pair.owner for pair in PAIRS}:
        token = matrix.world.admin(owner)
        mine = await matrix.api.data(node, {"id": matrix.ids[owner][type_name]}, token=token)
        assert matrix.secrets[owner][type_name] in json.dumps(mine), (owner, mine)


# Root fields that take no id: lists, feeds, reports and the caller's own records.
LISTS = [
    name
    for name, field in SCHEMA.query_type.fields.items()
    if not any(map(is_required_argument, field.args.values()))
]


@pytest.mark.parametrize("name", LISTS)
async def test_no_list_shows_what_another_tenant_keeps_to_itself(matrix: Matrix, name: str) -> None:
    definition = SCHEMA.query_type.fields[name]
    fields = "" if is_leaf_type(get_named_type(definition.type)) else selection(definition.type)
    document = f"{{ {name}{'(first: 100)' * ('first' in definition.args)} {fields} }}"
    for pair in PAIRS:
        body = await matrix.api.data(document, token=matrix.world.admin(pair.caller))
        assert matrix.traces_in(body, pair) == [], (str(pair), body)


@pytest.mark.parametrize("slot", SLOTS, ids=str)
async def test_another_tenants_id_finds_nothing_tells_nothing_and_changes_nothing(
    matrix: Matrix, slot: IdSlot
) -> None:
    # Every caller has signed in (`matrix`): no directory entry is made during the calls.
    for pair in asking(slot):
        before = await every_row()
        body = await matrix.ask(slot, pair.caller, pair.owner)
        assert matrix.traces_in(body, pair) == [], (str(pair), body)
        assert await every_row() == before, f"{pair} changed something"
        if (pair.caller, str(slot)) in FILTERS_OVER_SEEN:
            continue
        refused = set(codes(body, slot.field)) & pair.refusals(slot)
        nothing = is_empty(body["data"][slot.field]) and "errors" not in body
        assert refused or nothing, (str(pair), body)
        assert body == await matrix.ask(slot, pair.caller, None), f"{pair}: not as for no id"
    if slot.of_any_type:
        return  # an entity may be of a type that has no records: no owner need find one
    owners = {pair.owner for pair in asking(slot)}
    answers = [await matrix.ask(slot, owner, owner) for owner in owners]
    assert any(
        "NOT_FOUND" not in codes(body, slot.field) and not is_empty(body["data"][slot.field])
        for body in answers
    ), "the owners' same calls find nothing either: are the ids real?"


async def test_every_change_names_an_object_node_fetches(matrix: Matrix) -> None:
    """A connector following `changes` fetches what changed by its `entityId`. (A customer's
    billing terms and a collections run's actions are read through their customer.)"""
    read_through_others = {"BillingAccount", "CollectionAction"}
    assert set(CHANGES_READ) - set(NODE_TYPES) == read_through_others
    for caller in ("provider", "reseller"):
        token = matrix.world.admin(caller)
        seen, _ = await read_all(matrix.api, token)
        named = [c for c in seen if c["entityType"] not in read_through_others]
        assert {"CollectionsPolicy", "SupportOffering"} <= {c["entityType"] for c in named}
        ids = list(dict.fromkeys(c["entityId"] for c in named if c["operation"] != "DELETED"))
        for start in range(0, len(ids), 100):
            page = ids[start : start + 100]
            body = await matrix.api.data(FETCH, {"ids": page}, token=token)
            assert [node and node["id"] for node in body["nodes"]] == page


FETCH = "query Fetch($ids: [ID!]!) { nodes(ids: $ids) { id } }"
