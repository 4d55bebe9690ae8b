"""Strategies for fuzzing the schema (tests/test_fuzz.py): operations generated from the live
schema by hypothesis-graphql, values for its scalars, a pass that gives known arguments
plausible values, arguments lifted into variables, broken documents, and request bodies."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import graphql
from hypothesis import event, strategies as st
from hypothesis_graphql import Mode, from_schema, nodes

from resolvers.audit import EVENT_NAMES
from schema.nodes import to_global_id
from schema.pagination import encode_cursor
from schema.schema import schema
from tests.conftest import world_tenant_id

# The live schema (tests/test_schema_file.py keeps `schema.graphql` equal to it).
SDL = str(schema)
SCHEMA = graphql.build_schema(SDL)
QUERY_FIELDS = sorted(SCHEMA.query_type.fields)  # type: ignore[union-attr]
MUTATION_FIELDS = sorted(SCHEMA.mutation_type.fields)  # type: ignore[union-attr]
ROOT_FIELDS = QUERY_FIELDS + MUTATION_FIELDS
NODE_TYPES = sorted(node.name for node in SCHEMA.get_possible_types(SCHEMA.type_map["Node"]))


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
# Words the rules know (codes, formats, names of the world), so that mutations get past input
# checks and reach the business rules; and cursors, edge cases and any text besides.
WORDS = [
    *["PT", "BR", "IT", "SE", "GB", "US", "CN", "XX", "pt"],
    *["pt-PT", "pt-BR", "it", "it-IT", "sv", "sv-SE", "en", "en-US", "zz"],
    *["EUR", "BRL", "USD", "GBP", "SEK", "JPY", "eur", "XXX"],
    *["ana@example.com", "not-an-email", "+351 210 000 000", "Ana Silva"],
    *["alpha.onmicrosoft.com", "Alpha Lda", "Lda", "-", "%", "_"],
    *["https://93.184.215.14/in", "https://hooks.example.com/x", "http://127.0.0.1/", "ftp://x"],
    *sorted(EVENT_NAMES),
    *[world_tenant_id(name) for name in ("direct", "provider", "reseller", "nobody")],
    *["1234567", "CFQ7TTC0LH18:0001", "P1M", "P1Y", "P3Y", "P0D", "SUB-4", "EXT-1"],
    *["2026-05", "2026-13", "09:00", "18:00", "24:00", "Europe/Lisbon", "Mars/Olympus"],
    *["customer", "ticket.escalated", "COMMERCIAL_SUPPORT", "global_admin"],
]
CURSORS = st.integers(0, 20).map(encode_cursor) | ODD_KEYS.map(
    lambda key: any_global_id(f"cursor:{key}")
)
TEXT = st.one_of(st.sampled_from(WORDS), st.sampled_from(WORDS), CURSORS, st.text(max_size=40))
NUMBERS = st.one_of(st.integers(-2, 120), st.integers(-(2**31), 2**31 - 1))
CUSTOM_SCALARS = {
    "String": TEXT.map(nodes.String),
    "Int": NUMBERS.map(nodes.Int),
    "ID": GLOBAL_IDS.map(nodes.String),
    "DateTime": MOMENTS.map(nodes.String),
    "Date": DAYS.map(nodes.String),
    "Decimal": AMOUNTS.map(nodes.String),
    "JSON": st.text(max_size=20).map(nodes.String),
}


# Plausible values by argument or input field name: a second pass over half the generated
# operations gives every argument it knows a value of the kind the rules expect, so that many
# mutations succeed and the reads after them see their rows.
NEAR_MOMENTS = st.integers(-90 * 86_400, 30 * 86_400).map(
    lambda seconds: (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()
)
PROSE = st.sampled_from(["Seats", "Double charge", "Reproduced", "Fixed", "Olá", "Ok"]) | st.text(
    st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), min_size=1, max_size=30
)
PRICES = st.decimals(min_value=0, max_value=1000, places=2).map(str)
PLAUSIBLE_TEXT: dict[str, st.SearchStrategy[str]] = {
    **dict.fromkeys(
        [
            *["companyName", "name", "title", "description", "diagnosis", "summary", "body"],
            *["reason", "message", "resolution", "outcome", "reference", "customerNotice"],
            *["externalCaseId", "providerName", "label", "value", "externalId"],
        ],
        PROSE,
    ),
    "country": st.sampled_from(["PT", "BR", "IT", "SE", "GB"]),
    "language": st.sampled_from(["pt-PT", "pt-BR", "it", "sv", "en"]),
    "currency": st.sampled_from(["EUR", "EUR", "BRL", "GBP", "SEK"]),
    "email": st.sampled_from(["ana@example.com", "billing@alpha.pt"]),
    "phone": st.just("+351 210 000 000"),
    "domain": st.integers(1, 10_000).map(lambda n: f"fuzz{n}.onmicrosoft.com"),
    "url": st.sampled_from(["https://93.184.215.14/in", "https://hooks.example.com/in"]),
    "tenantId": st.uuids().map(str) | st.sampled_from(WORDS).filter(lambda w: len(w) == 36),
    "mpnId": st.integers(1_000_000, 9_999_999).map(str),
    "offerId": st.just("CFQ7TTC0LH18:0001"),
    "termDuration": st.sampled_from(["P1M", "P1Y"]),
    "period": st.sampled_from(["2026-04", "2026-05", "2025-12"]),
    "timeZone": st.sampled_from(["Europe/Lisbon", "UTC", "America/Sao_Paulo"]),
    "opens": st.sampled_from(["08:00", "09:00"]),
    "closes": st.sampled_from(["17:00", "18:00"]),
    "idempotencyKey": st.sampled_from(["k1", "k2"]) | st.uuids().map(str),
    "search": st.sampled_from(["Alpha", "Lda", "a"]),
    "after": CURSORS,
    "amount": PRICES,
    "unitPrice": PRICES,
    "unitCost": PRICES,
    "quantity": st.integers(1, 50).map(str),
    "dueDate": st.integers(0, 60).map(
        lambda days: (datetime.now(UTC) + timedelta(days=days)).date().isoformat()
    ),
    "issuedAt": NEAR_MOMENTS,
    "receivedAt": NEAR_MOMENTS,
    "updatedSince": NEAR_MOMENTS,
}
PLAUSIBLE_NUMBERS: dict[str, st.SearchStrategy[int | None]] = {
    "quantity": st.integers(1, 50),
    "expectedVersion": st.none() | st.integers(1, 3),
    "first": st.integers(1, 20),
    "last": st.integers(1, 20),
    "paymentTermsDays": st.integers(0, 60),
    "productSupportIncidentCredits": st.integers(0, 3),
}
# Which node an `id`-like argument names, by its own name or else by the words of its input
# type or field (`UpdateEscalationInput.id` is an escalation's, `ticket(id:)` a ticket's).
ID_OF_NAME = {
    "customerId": "Customer",
    "ticketId": "Ticket",
    "invoiceId": "Invoice",
    "subscriptionId": "Subscription",
    "parentId": "Subscription",
    "resellerId": "Partner",
    "endpointId": "WebhookEndpoint",
    "deliveryId": "WebhookDelivery",
    "disputeId": "BillingDispute",
    "escalationId": "Escalation",
    "userId": "User",
}
ID_OF_CONTEXT = [
    ("escalation", "Escalation"),
    ("dispute", "BillingDispute"),
    ("webhookendpoint", "WebhookEndpoint"),
    ("deliver", "WebhookDelivery"),
    ("ticket", "Ticket"),
    ("invoice", "Invoice"),
    ("subscription", "Subscription"),
    ("customer", "Customer"),
    ("user", "User"),
    ("partner", "Partner"),
    ("reseller", "Partner"),
]


def node_of(name: str, context: str) -> str | None:
    if name in ID_OF_NAME:
        return ID_OF_NAME[name]
    if name in {"id", "ids"}:
        context = context.lower()
        return next((node for word, node in ID_OF_CONTEXT if word in context), None)
    return None


BACKWARDS = {"last", "before"}
ADDED = graphql.StringValueNode(value="")  # an input field `plausible` adds, until it has a value
Known = dict[str, list[str]]  # global ids by node type, of the rows a partner sees


def knows(name: str, context: str, type_: graphql.GraphQLInputType) -> bool:
    """Whether `plausible` has a value for an argument or input field of this name and type."""
    named = graphql.get_nullable_type(type_)
    if not isinstance(named, graphql.GraphQLScalarType):
        return False
    if named.name == "ID":
        return node_of(name, context) is not None
    return name in (PLAUSIBLE_NUMBERS if named.name == "Int" else PLAUSIBLE_TEXT)


def plausible(draw: st.DrawFn, document: str, known: Known) -> str:
    """`document` as a client would more likely write it: `last` and `before` left out (all
    arguments are generated, and `first`, `last`, `after` and `before` together are refused
    before anything runs), other optional arguments and input fields left out when null and
    else one time in four, optional input fields it knows added one time in two, and each
    argument and input field it knows given a plausible value of its type (lists and enums
    are kept as generated): an id is mostly one of a row the caller sees."""
    type_info = graphql.TypeInfo(SCHEMA)

    def left_out(required: bool, value: graphql.ValueNode) -> bool:
        if required:
            return False
        return isinstance(value, graphql.NullValueNode) or draw(st.integers(0, 3)) == 0

    def value_for(name: str, context: str, value: graphql.ValueNode) -> graphql.ValueNode:
        type_ = type_info.get_input_type()
        if (
            type_ is None
            or isinstance(value, graphql.VariableNode)
            or not knows(name, context, type_)
        ):
            return value
        named = graphql.get_named_type(type_)
        if named.name == "ID":
            node = node_of(name, context)
            ids = st.builds(to_global_id, st.just(node), st.integers(1, 8))
            if known.get(node):  # type: ignore[arg-type]
                ids = st.sampled_from(known[node]) | st.sampled_from(known[node]) | ids  # type: ignore[index]
            return nodes.String(draw(ids))
        if named.name == "Int":
            number = draw(PLAUSIBLE_NUMBERS[name])
            if number is None:
                return value if graphql.is_non_null_type(type_) else nodes.Null
            return nodes.Int(number)
        return nodes.String(draw(PLAUSIBLE_TEXT[name]))

    class Plausible(graphql.Visitor):
        def enter_argument(self, node: graphql.ArgumentNode, *_: Any) -> Any:
            argument = type_info.get_argument()
            required = argument is not None and graphql.is_required_argument(argument)
            if node.name.value in BACKWARDS or left_out(required, node.value):
                return graphql.REMOVE
            field_def = type_info.get_field_def()
            context = field_def.ast_node.name.value if field_def and field_def.ast_node else ""
            return graphql.ArgumentNode(
                name=node.name, value=value_for(node.name.value, context, node.value)
            )

        def enter_object_value(self, node: graphql.ObjectValueNode, *_: Any) -> Any:
            input_object = graphql.get_named_type(type_info.get_input_type())
            if not isinstance(input_object, graphql.GraphQLInputObjectType):
                return None
            present = {field.name.value for field in node.fields}
            added = [
                graphql.ObjectFieldNode(name=graphql.NameNode(value=name), value=ADDED)
                for name, field in input_object.fields.items()
                if name not in present
                and knows(name, input_object.name, field.type)
                and draw(st.booleans())
            ]  # each gets its value as an input field, next
            return graphql.ObjectValueNode(fields=(*node.fields, *added)) if added else None

        def enter_object_field(self, node: graphql.ObjectFieldNode, *_: Any) -> Any:
            parent = graphql.get_named_type(type_info.get_parent_input_type())
            assert isinstance(parent, graphql.GraphQLInputObjectType)
            required = graphql.is_required_input_field(parent.fields[node.name.value])
            if node.value is not ADDED and left_out(required, node.value):
                return graphql.REMOVE
            value = value_for(node.name.value, parent.name, node.value)
            return graphql.ObjectFieldNode(name=node.name, value=value)

    visitor = graphql.TypeInfoVisitor(type_info, Plausible())
    [operation] = graphql.visit(graphql.parse(document), visitor).definitions
    if operation.operation == graphql.OperationType.MUTATION:
        operation = with_user_errors(operation)
    return graphql.print_ast(operation)


USER_ERRORS = graphql.parse("{ userErrors { field code message } }").definitions[0]


def with_user_errors(mutation: graphql.OperationDefinitionNode) -> graphql.OperationDefinitionNode:
    """The mutation with each payload's `userErrors` selected, to count why they refuse."""
    selections = []
    for payload in mutation.selection_set.selections:
        assert isinstance(payload, graphql.FieldNode)
        fields = tuple(payload.selection_set.selections)  # type: ignore[union-attr]
        if not any(
            isinstance(field, graphql.FieldNode) and field.name.value == "userErrors"
            for field in fields
        ):
            fields += tuple(USER_ERRORS.selection_set.selections)
        selections.append(
            graphql.FieldNode(
                alias=payload.alias,
                name=payload.name,
                arguments=payload.arguments,
                directives=payload.directives,
                selection_set=graphql.SelectionSetNode(selections=fields),
            )
        )
    return graphql.OperationDefinitionNode(
        operation=mutation.operation,
        name=mutation.name,
        variable_definitions=mutation.variable_definitions,
        directives=mutation.directives,
        selection_set=graphql.SelectionSetNode(selections=tuple(selections)),
    )


@st.composite
def valid_operations(draw: st.DrawFn, root_field: str, known: Known | None = None) -> str:
    """Valid operations that select `root_field` of `Query` or `Mutation`; half of them
    with plausible values, ids among the `known` ones."""
    document = draw(from_schema(SDL, fields=[root_field], custom_scalars=CUSTOM_SCALARS))
    if draw(st.booleans()):
        event("plausible values")
        return plausible(draw, document, known or {})
    return document


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
def with_variables(
    draw: st.DrawFn, root_field: str, known: Known
) -> tuple[str, dict[str, Any], str]:
    """A valid operation on `root_field` as document and variables, the variables right or
    one of them wrongly typed, missing, null, or not declared by the operation."""
    document, variables = lift_arguments(draw(valid_operations(root_field, known)))
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
