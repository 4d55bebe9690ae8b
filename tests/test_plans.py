"""Proof of sameness: the planned executor answers exactly as graphql-core's own.

Every operation runs through both executors against the same data and viewer, and the
answers must have byte-identical `data` and the same errors (message, path, code)."""

from __future__ import annotations

import asyncio
import contextvars
import gc
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from typing import Any

import orjson
import pytest
import strawberry
from graphql import parse
from graphql.execution.collect_fields import FragmentDetails
from hypothesis import HealthCheck, given, settings, strategies
from hypothesis_graphql import nodes, queries

from auth.permissions import Capability
from auth.viewer import Role, Viewer
from resolvers.users import authenticate
from schema import shapes
from schema.context import Context, Loaders
from schema.customers import SUBSCRIPTIONS
from schema.execution import Engine, GraphQLRequest, RequestError
from schema.guards import GuardedExecutor, field
from schema.objects import FromRow
from schema.partners import Partner
from schema.plans import PlannedExecutor, load_all, settled
from schema.relations import Loader, Relation, relation_field
from schema.schema import schema
from schema.shapes import ShapeCache
from schema.subscriptions import Subscription
from tests.conftest import World

LIMITS = {
    "max_depth": 12,
    "max_aliases": 30,
    "max_tokens": 5000,
    "max_directives": 50,
    "max_root_fields": 20,
    "introspection": True,
    "suggestions": True,
}
GENERAL = Engine(schema._schema, **LIMITS, executor=GuardedExecutor)
PLANNED = Engine(schema._schema, **LIMITS, executor=PlannedExecutor)

PAGE = """
fragment Contact on BillingContact { name email phone }
query Page($first: Int, $withReseller: Boolean!) {
  viewer { roles capabilities partner { id name kind cloud tenantId mpnId createdAt } }
  customers(first: $first) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges {
      cursor
      node {
        __typename id companyName domain country language externalId version createdAt updatedAt
        billingContact { ...Contact }
        contact: billingContact { email }
        reseller @include(if: $withReseller) { id name kind provider { name resellers { totalCount } } }
      }
    }
  }
}"""
NODES = """
query Nodes($ids: [ID!]!) {
  nodes(ids: $ids) {
    __typename id
    ... on Customer { companyName reseller { name } }
    ... on Partner { name kind }
    ... on User { subject active }
  }
}"""
EVERYTHING_ELSE = """
query Rest($skipAudit: Boolean!) {
  partner { name resellers(first: 2) { edges { cursor node { name mpnId } } pageInfo { endCursor } } }
  resellers(last: 1) { nodes { name provider { name } } totalCount }
  users { nodes { id subject name email active version createdAt } }
  auditEvents(last: 3) @skip(if: $skipAudit) {
    nodes { id action entityType entityId before after requestId occurredAt actor { subject tenantId roles } }
  }
  missing: customer(id: "Q3VzdG9tZXI6OTk5OQ") { id }
}"""

WITH_SUBSCRIPTIONS = """
query Subscribed($first: Int, $subscriptions: Int, $status: SubscriptionStatus) {
  customers(first: $first) {
    edges { node { companyName
      subscriptions(first: $subscriptions, status: $status) {
        pageInfo { hasNextPage endCursor }
        edges { cursor node {
          __typename id offerName productFamily quantity status suspensionReasons autoRenew
          unitPrice { amount currency } unitCost { amount currency } termEndsAt
          parentSubscription { offerName customer { companyName } }
          quantityHistory { quantity }
        } }
      }
    } }
  }
  subscriptions(last: 4) {
    totalCount
    nodes { offerName customer { companyName reseller { name } } cancellationAllowedUntil }
  }
}"""

VIEWERS = [
    ("provider", (Role.GLOBAL_ADMIN,)),
    ("provider", (Role.HELPDESK_AGENT,)),
    ("direct", (Role.SALES_AGENT,)),
    ("reseller", (Role.USER_MANAGEMENT_ADMIN,)),
    ("direct", ()),
]


async def _viewer(world: World, partner: str, roles: tuple[Role, ...]) -> Viewer:
    return await authenticate(
        sub=f"plans-{partner}",
        tenant_id=world.partners[partner].tenant_id,
        roles=[str(role) for role in roles],
        name="Plan Tester",
        email=None,
    )


def _normalized(body: dict[str, Any]) -> tuple[bytes, list[tuple[str, Any, str]]]:
    errors = sorted(
        (error["message"], error.get("path"), error["extensions"]["code"])
        for error in body.get("errors", [])
    )
    return orjson.dumps(body.get("data")), errors


async def _answer(engine: Engine, request: GraphQLRequest, viewer: Viewer) -> dict[str, Any]:
    context = Context(viewer=viewer, request_id="same", language="en")
    try:
        prepared = engine.prepare(request)
    except RequestError as error:
        return engine.format_request_error(error, context).body
    return (await engine.execute(prepared, request, context)).body


async def _assert_same(request: GraphQLRequest, viewer: Viewer) -> dict[str, Any]:
    general = await _answer(GENERAL, request, viewer)
    planned = await _answer(PLANNED, request, viewer)
    assert _normalized(planned) == _normalized(general)
    return planned


@pytest.mark.parametrize(("partner", "roles"), VIEWERS, ids=lambda value: str(value))
@pytest.mark.parametrize(
    ("document", "variables"),
    [
        (PAGE, {"first": 5, "withReseller": True}),
        (PAGE, {"first": 2, "withReseller": False}),
        (EVERYTHING_ELSE, {"skipAudit": False}),
        (EVERYTHING_ELSE, {"skipAudit": True}),
        (WITH_SUBSCRIPTIONS, {"first": 10, "subscriptions": 2}),
        (WITH_SUBSCRIPTIONS, {"first": 10, "status": "SUSPENDED"}),
        (WITH_SUBSCRIPTIONS, {"first": 10, "subscriptions": 500}),
    ],
    ids=[
        "page",
        "page-without-reseller",
        "rest",
        "rest-skipping-audit",
        "subscriptions",
        "suspended-subscriptions",
        "too-many-subscriptions",
    ],
)
async def test_curated_operations_answer_identically(
    world: World, document: str, variables: dict[str, Any], partner: str, roles: tuple[Role, ...]
) -> None:
    await world.add_subscription_set()
    viewer = await _viewer(world, partner, roles)
    body = await _assert_same(GraphQLRequest(document, variables), viewer)
    assert body.get("data") is not None


async def test_a_page_of_each_customers_subscriptions_is_built_by_a_compiled_shape(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The nested connection takes arguments, yet the planned executor builds it without
    calling its resolver: its page was fetched for all customers before building."""
    await world.add_subscription_set()
    viewer = await _viewer(world, "provider", (Role.GLOBAL_ADMIN,))
    resolved: list[Relation] = []
    resolve = Relation.resolve

    def counting(self: Relation, info: Any, source: Any, **arguments: Any) -> Any:
        resolved.append(self)
        return resolve(self, info, source, **arguments)

    monkeypatch.setattr(Relation, "resolve", counting)
    request = GraphQLRequest(WITH_SUBSCRIPTIONS, {"first": 10, "subscriptions": 2})
    await _answer(GENERAL, request, viewer)
    assert SUBSCRIPTIONS in resolved
    resolved.clear()
    planned = await _answer(PLANNED, request, viewer)
    assert resolved == []
    pages = [edge["node"]["subscriptions"] for edge in planned["data"]["customers"]["edges"]]
    assert [len(page["edges"]) for page in pages] == [2, 1, 1, 0]


@pytest.mark.parametrize(("partner", "roles"), VIEWERS[:3], ids=lambda value: str(value))
async def test_node_lookups_answer_identically(
    world: World, partner: str, roles: tuple[Role, ...]
) -> None:
    viewer = await _viewer(world, partner, roles)
    ids = [world.customer_id(owner) for owner in ("direct", "reseller", "other")]
    ids += [world.partner_id(name) for name in ("provider", "reseller", "other")] + ["garbage"]
    await _assert_same(GraphQLRequest(NODES, {"ids": ids}), viewer)


GENERATED = queries(
    str(schema),
    custom_scalars={"DateTime": strategies.just("2026-01-01T00:00:00Z").map(nodes.String)},
)


@settings(
    max_examples=int(os.environ.get("PLANS_EXAMPLES", "60")),
    deadline=None,
    derandomize=os.environ.get("PLANS_EXAMPLES") is None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@pytest.mark.parametrize("role", [Role.HELPDESK_AGENT, Role.GLOBAL_ADMIN])
@given(document=GENERATED)
async def test_generated_queries_answer_identically(
    world: World, role: Role, document: str
) -> None:
    if not world.subscriptions:  # the world is built once for all examples
        await world.add_subscription_set()
    viewer = await _viewer(world, "provider", (role,))
    await _assert_same(GraphQLRequest(document), viewer)


# A small schema whose data breaks its promises in every way a plain field can, to prove the
# planned executor hands each case to graphql-core and so reports it identically.
@strawberry.enum
class Colour(Enum):
    RED = "red"


@strawberry.type
class Item:
    name: str = field(Capability.VIEWER, description="non-null text")
    count: int = field(Capability.VIEWER, description="non-null 32-bit integer")
    tag: str | None = field(Capability.VIEWER, description="nullable text")
    colour: Colour | None = field(Capability.VIEWER, description="nullable enum")
    secret: str | None = field(Capability.AUDIT_READ, description="denied to the tester")


@strawberry.type
class BrokenQuery:
    @field(Capability.VIEWER, description="rows, some broken")
    def items(self) -> list[Item] | None:
        return [
            Item(name="fine", count=1, tag=None, colour=Colour.RED, secret="s"),
            Item(name=None, count=2, tag="x", colour=None, secret=None),  # type: ignore[arg-type]
            Item(name="big", count=2**40, tag="y", colour=None, secret=None),
            Item(name="word", count="seven", tag=3, colour="blue", secret=None),  # type: ignore[arg-type]
        ]

    @field(Capability.VIEWER, description="one row, nullable")
    def item(self) -> Item | None:
        return Item(name=None, count=1, tag=None, colour=None, secret=None)  # type: ignore[arg-type]

    @field(Capability.VIEWER, description="a count beyond 32 bits, and a wrongly typed one")
    def odd(self) -> list[Item | None]:
        return [
            Item(name="big", count=2**40, tag=None, colour=None, secret=None),
            Item(name="word", count="seven", tag=3, colour="blue", secret=None),  # type: ignore[arg-type]
            Item(name="list", count=3, tag=None, colour=["red"], secret=None),  # type: ignore[arg-type]
        ]

    @field(Capability.VIEWER, description="rows with nullable members")
    def loose(self) -> list[Item | None]:
        row = Item(name="ok", count=1, tag=None, colour=None, secret=None)
        del row.tag  # a missing attribute: the resolver fails
        return [row, Item(name=None, count=1, tag=None, colour=None, secret=None)]  # type: ignore[arg-type]


@strawberry.interface
class Named:
    label: str = field(Capability.VIEWER, description="a label")


@strawberry.type
class Tagged(Named):
    weight: int = field(Capability.VIEWER, description="a weight")


MISSING_PARTNER = Relation(loader="partners", key="partner_pk", convert=Partner.from_model)


def _unconvertible(row: Any) -> Partner:
    raise ValueError("a stored value this version does not know")


UNCONVERTIBLE = Relation(loader="partners", key="partner_pk", convert=_unconvertible)


@strawberry.type
class Holder:
    """Nested objects, lists and a relation, each broken in one of the holders."""

    rows: list[Item] = field(Capability.VIEWER, description="non-null list of non-null rows")
    maybe_rows: list[Item | None] | None = field(Capability.VIEWER, description="loose rows")
    must: Item = field(Capability.VIEWER, description="a non-null row")
    tagged: Tagged | None = field(Capability.VIEWER, description="checked by is_type_of")
    partner_pk: strawberry.Private[int | None]

    @relation_field(Capability.VIEWER, MISSING_PARTNER, description="a non-null relation")
    def partner(self, info: strawberry.Info) -> Partner:
        return MISSING_PARTNER.resolve(info, self)

    @relation_field(Capability.VIEWER, UNCONVERTIBLE, description="a row that won't convert")
    def unconvertible(self, info: strawberry.Info) -> Partner | None:
        return UNCONVERTIBLE.resolve(info, self)


def _holder(info: strawberry.Info, **broken: Any) -> Holder:
    fine = Item(name="ok", count=1, tag=None, colour=None, secret=None)
    values: dict[str, Any] = {
        "rows": [fine],
        "maybe_rows": [fine, None],
        "must": fine,
        "tagged": Tagged(label="t", weight=1),
        "partner_pk": info.context.viewer.partner_id,  # the viewer's own partner
    }
    return Holder(**{**values, **broken})


@strawberry.type
class BrokenHolders:
    @field(Capability.VIEWER, description="holders, each broken in one way")
    def holders(self, info: strawberry.Info) -> list[Holder | None]:
        return [
            _holder(info),
            _holder(info, rows="not a list"),
            _holder(info, rows=None),
            _holder(info, maybe_rows=None),
            _holder(info, must=None),
            _holder(info, tagged=Item(name="x", count=1, tag=None, colour=None, secret=None)),
            _holder(info, partner_pk=999_999),
        ]

    @field(Capability.VIEWER, description="one holder whose relation is missing")
    def holder(self, info: strawberry.Info) -> Holder | None:
        return _holder(info, partner_pk=999_999)

    @field(Capability.VIEWER, description="one sound holder")
    def sound(self, info: strawberry.Info) -> Holder | None:
        return _holder(info)


@strawberry.type
class Tally:
    name: str = field(Capability.VIEWER, description="non-null, missing on one row")
    reads: int = field(Capability.VIEWER, description="counts its reads", general_path=True)


class Counted:
    """A row whose `reads` attribute does work each time it is read."""

    read = 0

    def __init__(self, name: str | None) -> None:
        self.name = name

    @property
    def reads(self) -> int:
        Counted.read += 1
        return Counted.read


@strawberry.type
class BrokenTallies:
    @field(Capability.VIEWER, description="rows read once each, even when one is broken")
    def tallies(self) -> list[Tally] | None:
        return [Counted("ok"), Counted(None)]  # type: ignore[list-item]


@strawberry.type
class BrokenEverything(BrokenQuery, BrokenHolders, BrokenTallies):
    pass


BROKEN = strawberry.Schema(query=BrokenEverything)
BROKEN_ENGINES = [
    Engine(BROKEN._schema, **LIMITS, executor=executor)
    for executor in (GuardedExecutor, PlannedExecutor)
]
BROKEN_QUERY = (
    "{ items { name count tag colour secret } item { name tag } loose { name tag } "
    "odd { count tag colour } }"
)
HOLDERS = """fragment Row on Item { name count }
{
  holders {
    rows { ...Row } maybeRows { ...Row } must { ...Row } tagged { __typename label weight }
    partner { name }
  }
  holder { must { name } partner { id name } }
  sound { rows { name } partner { name } }
}"""


async def test_broken_data_is_reported_identically_by_both_executors(world: World) -> None:
    viewer = await _viewer(world, "direct", (Role.SALES_AGENT,))
    general, planned = [
        await _answer(engine, GraphQLRequest(BROKEN_QUERY), viewer) for engine in BROKEN_ENGINES
    ]
    assert _normalized(planned) == _normalized(general)
    assert general["data"] == {
        "items": None,
        "item": None,
        "loose": [{"name": "ok", "tag": None}, None],
        "odd": [None, None, {"count": 3, "tag": None, "colour": None}],
    }
    assert len(general["errors"]) >= 4


async def test_broken_nested_values_are_reported_identically_by_both_executors(
    world: World,
) -> None:
    viewer = await _viewer(world, "direct", (Role.SALES_AGENT,))
    general, planned = [
        await _answer(engine, GraphQLRequest(HOLDERS), viewer) for engine in BROKEN_ENGINES
    ]
    assert _normalized(planned) == _normalized(general)
    holders = general["data"]["holders"]
    assert holders[0] is not None
    # Each broken holder is nulled where its error is, or its nullable field is.
    assert holders[1:3] == [None, None]
    assert holders[3]["maybeRows"] is None
    assert holders[4] is None
    assert holders[5]["tagged"] is None
    assert holders[6] is None
    assert general["data"]["holder"] is None
    assert general["data"]["sound"] is not None
    assert len(general["errors"]) == 6


def test_shapes_are_shared_per_operation_role_set_and_directive_variables() -> None:
    document = parse(
        "fragment F on Customer { id reseller @include(if: $r) { id } }"
        "query Q($r: Boolean!, $n: Int) { customers(first: $n) { nodes { ...F ...F } } }"
    )
    operation, fragment = document.definitions[1], document.definitions[0]
    fragments = {"F": FragmentDetails(fragment)}
    cache = ShapeCache(size=2)
    granted = frozenset({"customers:read"})
    first = cache.shapes_for(operation, fragments, granted, {"r": True, "n": 1})
    assert cache.shapes_for(operation, fragments, granted, {"r": True, "n": 50}) is first
    assert cache.shapes_for(operation, fragments, granted, {"r": False, "n": 1}) is not first
    assert cache.shapes_for(operation, fragments, frozenset(), {"r": True, "n": 1}) is not first
    # Bounded: the oldest entry made way for the newer ones.
    assert cache.shapes_for(operation, fragments, granted, {"r": True, "n": 1}) is not first


def test_a_relations_arguments_do_not_key_the_shapes_so_every_page_shares_them() -> None:
    document = parse(
        "query Q($n: Int, $k: Int, $s: SubscriptionStatus) { customers(first: $n) "
        "{ nodes { subscriptions(first: $k, status: $s) { nodes { id } } } } }"
    )
    (operation,) = document.definitions
    cache, granted = ShapeCache(), frozenset({"customers:read"})
    first = cache.shapes_for(operation, {}, granted, {"n": 1, "k": 2, "s": None})
    for other in ({"n": 9, "k": 2, "s": None}, {"n": 1, "k": 3, "s": "ACTIVE"}):
        assert cache.shapes_for(operation, {}, granted, other) is first


async def test_one_compiled_shape_serves_each_requests_own_page_of_a_relation(
    world: World,
) -> None:
    await world.add_subscription_set()
    viewer = await _viewer(world, "provider", (Role.GLOBAL_ADMIN,))
    sizes = []
    for variables in (
        {"first": 10, "subscriptions": 1},
        {"first": 10, "subscriptions": 3},
        {"first": 10, "status": "SUSPENDED"},
        {"first": 10, "subscriptions": 0},  # refused: graphql-core reports it at each path
        {"first": 10, "subscriptions": 2},
    ):
        body = await _assert_same(GraphQLRequest(WITH_SUBSCRIPTIONS, variables), viewer)
        pages = [edge["node"]["subscriptions"] for edge in body["data"]["customers"]["edges"]]
        sizes.append([None if page is None else len(page["edges"]) for page in pages])
    assert sizes == [
        [1, 1, 1, 0],
        [3, 1, 1, 0],
        [1, 0, 0, 0],
        [None, None, None, None],
        [2, 1, 1, 0],
    ]


async def test_a_relations_arguments_written_in_the_document_are_worked_out_once(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    await world.add_subscription_set()
    viewer = await _viewer(world, "provider", (Role.GLOBAL_ADMIN,))
    worked_out: list[int] = []
    convert = shapes.convert_arguments

    def counted(values: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        worked_out.append(values["first"])
        return convert(values, *args, **kwargs)

    monkeypatch.setattr(shapes, "convert_arguments", counted)
    literal = "{ customers(first: 10) { nodes { subscriptions(first: 2) { nodes { id } } } } }"
    read = "query Q($k: Int) { customers(first: 10) { nodes { subscriptions(first: $k) { nodes { id } } } } }"
    pages = []
    for document, variables in (
        (literal, None),
        (literal, None),
        (read, {"k": 1}),
        (read, {"k": 3}),
    ):
        body = await _answer(PLANNED, GraphQLRequest(document, variables), viewer)
        pages.append(
            [len(node["subscriptions"]["nodes"]) for node in body["data"]["customers"]["nodes"]]
        )
    assert pages == [[2, 1, 1, 0], [2, 1, 1, 0], [1, 1, 1, 0], [3, 1, 1, 0]]
    # the literal page once for both requests; a variable's page in each request
    assert worked_out == [2, 1, 3]


ROWS_ONLY = """{ customers(first: 10) { nodes { companyName subscriptions(first: 3) {
  nodes { __typename id offerName status unitPrice { amount currency } }
  edges { __typename cursor node { id quantity } }
} } } }"""


@contextmanager
def _calls_of(function: Any) -> Iterator[list[int]]:
    """The calls of a Python function while in the context, counted in `calls[0]`."""
    code, calls = function.__code__, [0]

    def profile(frame: Any, event: str, _: Any) -> None:
        if event == "call" and frame.f_code is code:
            calls[0] += 1

    sys.setprofile(profile)
    try:
        yield calls
    finally:
        sys.setprofile(None)


async def test_a_connections_rows_are_completed_without_making_their_objects(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    await world.add_subscription_set()
    viewer = await _viewer(world, "provider", (Role.GLOBAL_ADMIN,))
    from_model = FromRow.from_model.__func__  # type: ignore[attr-defined]
    body = await _assert_same(GraphQLRequest(ROWS_ONLY), viewer)
    subscriptions = sum(
        len(node["subscriptions"]["nodes"]) for node in body["data"]["customers"]["nodes"]
    )
    assert subscriptions == 5
    with _calls_of(from_model) as made:
        assert await _answer(PLANNED, GraphQLRequest(ROWS_ONLY), viewer) == body
    assert made[0] == 4  # the customers only: their subscriptions were completed from rows
    # what rows alone can't complete takes the object path: edges without their node, a
    # relation under the nodes, a node type not made from rows
    for selection in (
        "subscriptions(first: 2) { edges { cursor } }",
        "subscriptions(first: 2) { nodes { offerName customer { companyName } } }",
        "invoices(first: 2) { nodes { number } edges { cursor node { number } } }",
    ):
        request = GraphQLRequest(f"{{ customers(first: 10) {{ nodes {{ {selection} }} }} }}")
        assert (await _assert_same(request, viewer))["data"]["customers"]["nodes"]

    # a connection whose rows are made into objects another way: its lists, as it makes them
    def made_otherwise(cls: type[Subscription], row: Any) -> Subscription:
        return from_model(cls, row)

    monkeypatch.setattr(Subscription, "from_model", classmethod(made_otherwise))
    with _calls_of(from_model) as made:
        assert await _answer(PLANNED, GraphQLRequest(ROWS_ONLY), viewer) == body
    assert made[0] == 4 + subscriptions  # nodes and edges share the objects they make


def _names_outside_the_drivers_cycles(garbage: list[object]) -> list[str]:
    """The type names of the garbage, less what asyncpg's own bookkeeping left: a prepared
    statement evicted from its cache, or timed out, is a cycle with its timer handle. Those
    cycles come and go with the connection's history, not with the request."""

    def bookkeeping(item: object) -> bool:
        return type(item).__module__.startswith("asyncpg") or isinstance(item, asyncio.Handle)

    def context_mapping(item: object) -> bool:  # a context's own nodes, not their values
        return type(item).__name__.startswith("hamt")

    in_garbage = {id(item) for item in garbage}
    reached: set[int] = set()
    pending = [item for item in garbage if bookkeeping(item)]
    while pending:
        item = pending.pop()
        if id(item) not in reached:
            reached.add(id(item))
            referents = [r for r in gc.get_referents(item) if id(r) in in_garbage]
            if isinstance(item, contextvars.Context) or context_mapping(item):
                referents = [r for r in referents if context_mapping(r)]  # values: a request's
            pending.extend(referents)
    return [type(item).__name__ for item in garbage if id(item) not in reached]


async def test_a_request_leaves_its_rows_to_reference_counting(world: World) -> None:
    """Nothing a request loaded waits for the garbage collector: a reference cycle holding
    the rows (graphql-core's executor refers to itself) made the collector scan a page's
    thousands of objects every few requests, a third of the page's CPU time. What cycles
    are left are the executor's own, the same for any page size.

    What else the process lets go of during a request (a task an earlier test left, a
    driver's timer) only adds to what is collected, so each size keeps its smallest of a
    few requests."""
    await world.add_subscription_set()
    viewer = await _viewer(world, "provider", (Role.GLOBAL_ADMIN,))

    async def cyclic_garbage(engine: Engine, customers: int) -> list[str]:
        request = GraphQLRequest(WITH_SUBSCRIPTIONS, {"first": customers, "subscriptions": 2})
        await _answer(engine, request, viewer)  # shapes and statements cached
        return min([await garbage_of(engine, request, customers) for _ in range(3)], key=len)

    async def garbage_of(engine: Engine, request: GraphQLRequest, customers: int) -> list[str]:
        gc.collect()
        gc.set_debug(gc.DEBUG_SAVEALL)
        try:
            body = await _answer(engine, request, viewer)
            gc.collect()
            return _names_outside_the_drivers_cycles(gc.garbage)
        finally:
            gc.set_debug(0)
            gc.garbage.clear()
            assert len(body["data"]["customers"]["edges"]) == min(customers, 3)

    for engine in (GENERAL, PLANNED):
        one, three = await cyclic_garbage(engine, 1), await cyclic_garbage(engine, 3)
        assert not [name for name in three if name.endswith("Row")]
        assert {"Customer", "Subscription", "Partner", "Connection", "Page"}.isdisjoint(three)
        assert len(one) == len(three)


async def test_a_relation_that_fails_to_load_is_reported_at_each_of_its_fields(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    await world.add_subscription_set()
    viewer = await _viewer(world, "provider", (Role.GLOBAL_ADMIN,))

    async def broken(*_: Any) -> list[Any]:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(Loaders.customer_subscriptions, "batch", broken)
    request = GraphQLRequest(
        "{ customers(first: 3) { nodes { companyName subscriptions { nodes { id } } } } }"
    )
    body = await _assert_same(request, viewer)
    assert [node["companyName"] for node in body["data"]["customers"]["nodes"]] == [
        "Delta SpA",
        "Epsilon Ltda",
        "Zeta Ltda",
    ]
    assert [error["path"] for error in body["errors"]] == [
        ["customers", "nodes", number, "subscriptions"] for number in range(3)
    ]


async def test_a_related_row_that_does_not_convert_is_reported_at_its_own_field(
    world: World,
) -> None:
    viewer = await _viewer(world, "direct", (Role.SALES_AGENT,))
    request = GraphQLRequest("{ holders { unconvertible { name } } }")
    general, planned = [await _answer(engine, request, viewer) for engine in BROKEN_ENGINES]
    assert _normalized(planned) == _normalized(general)
    # each holder is there, its relation null (the last one's row is missing: no error)
    assert planned["data"]["holders"] == [{"unconvertible": None}] * 7
    assert [error["path"] for error in planned["errors"]] == [
        ["holders", number, "unconvertible"] for number in range(6)
    ]


async def test_a_field_kept_on_the_general_path_is_read_once_per_row(world: World) -> None:
    viewer = await _viewer(world, "direct", (Role.SALES_AGENT,))
    answers, reads = [], []
    for engine in BROKEN_ENGINES:
        Counted.read = 0
        answers.append(await _answer(engine, GraphQLRequest("{ tallies { name reads } }"), viewer))
        reads.append(Counted.read)
    # graphql-core reads the first row's and stops at the second's error; a compiled shape
    # would read both and then, bailing out, graphql-core would read again.
    assert reads == [1, 1]
    general, planned = answers
    assert _normalized(planned) == _normalized(general)
    assert general["data"] == {"tallies": None}


async def test_a_prefetch_asks_the_batch_function_once_for_the_keys_not_asked_yet() -> None:
    calls: list[list[int]] = []

    async def batch(keys: list[int]) -> list[Any]:
        calls.append(list(keys))
        return [ValueError("no such row") if key == 3 else key * 10 for key in keys]

    loader = Loader(batch)
    already = loader.load(1)  # asked for by a resolver, its batch not sent yet
    values = await load_all(loader, [2, 1, 3, 4])
    assert values[:2] == [20, 10]
    assert values[3] == 40
    # a key its batch function answers with an exception has it as its value
    assert isinstance(values[2], ValueError)
    assert calls == [[2, 3, 4], [1]]
    assert await already == 10
    # what the prefetch loaded is kept beside the loader's futures, and answers it later
    assert loader.cache_map.get(4) is None
    assert await loader.load(4) == 40
    assert await load_all(loader, [2, 4]) == [20, 40]
    assert len(calls) == 2
    # a key that failed is left to the loader, which asks again and fails as it makes it fail
    with pytest.raises(ValueError, match="no such row"):
        await loader.load(3)
    assert isinstance((await load_all(loader, [3]))[0], ValueError)


async def test_a_levels_loads_run_together_and_each_settles_with_its_value_or_error() -> None:
    running: list[str] = []
    all_running = asyncio.Event()

    async def load(name: str, fails: bool = False) -> str:
        running.append(name)
        if len(running) == 3:
            all_running.set()
        await all_running.wait()  # one at a time, the first would wait for ever
        if fails:
            raise LookupError(name)
        return name

    values = await asyncio.wait_for(settled([load("a"), load("b", fails=True), load("c")]), 5)
    assert values[0] == "a"
    assert values[2] == "c"
    assert isinstance(values[1], LookupError)
    assert await settled([]) == []


async def test_a_levels_loads_are_cancelled_with_the_request() -> None:
    cancelled: list[str] = []

    async def load(name: str) -> str:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.append(name)
            raise
        return name

    waiting = asyncio.ensure_future(settled([load("a"), load("b"), load("c")]))
    await asyncio.sleep(0.01)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    await asyncio.sleep(0)  # the tasks' cancellation runs
    assert sorted(cancelled) == ["a", "b", "c"]
