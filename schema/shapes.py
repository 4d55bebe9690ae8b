"""Compiled shapes: a whole subtree of a response built by plain Python, in one pass.

A selection whose every field is a plain attribute (of a leaf, object or list type), a
declared relation or `__typename`, all granted to the viewer and none taking arguments but
relations that declare what theirs mean, is compiled into one generated Python function per
object type: it reads every attribute
inline, keeps values already in shape (text, booleans, 32-bit integers) as they are, and
hands the others to their completer (custom scalars, enums, nested objects and lists,
relations). The relations a shape reaches are fetched for a whole list breadth-first before
it is built (`Fetch`), so building never waits. Anything a shape can't complete exactly as
graphql-core would, a null where the schema forbids it, a value that doesn't coerce, a row
that isn't loaded, an object of the wrong type, a failing attribute, raises `Bail`, and the
planned executor completes that value with graphql-core instead, which reports it exactly.
Reading plain attributes and loaded rows has no side effects, so starting over is safe.

Shapes depend only on the operation, the values of its `@skip`/`@include` variables, the
viewer's capabilities and the position in the response, so `ShapeCache` shares them across
requests; a relation's arguments are worked out per request (`Arguments`).
"""

from __future__ import annotations

import keyword
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cached_property
from typing import Any

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLField,
    GraphQLID,
    GraphQLInt,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLString,
    InlineFragmentNode,
    ListValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValueNode,
    VariableNode,
    get_argument_values,
    is_leaf_type,
)
from graphql.execution.collect_fields import FieldDetailsList
from graphql.pyutils import Path, Undefined
from strawberry.types.arguments import convert_arguments

from schema.guards import is_plain
from schema.objects import FromRow
from schema.relations import RELATION, Relation, RowColumns

MAX_INT = 2**31 - 1
MIN_INT = -(2**31)
CACHE_SIZE = 512

Completer = Callable[[Any, Any], Any]  # (value, context) -> the response value, or Bail


class Bail(Exception):
    """The subtree holds something only graphql-core's path reports exactly."""


def coercion(leaf: GraphQLLeafType) -> Callable[[Any], Any]:
    """The leaf type's output coercion, short-circuited for text and booleans already in
    shape. Returns `Undefined` where graphql-core would refuse the value, which sends the
    field down graphql-core's path to get its exact error."""
    exact = str if leaf is GraphQLString or leaf is GraphQLID else None
    exact = bool if leaf is GraphQLBoolean else exact
    coerce_output_value = leaf.coerce_output_value
    # A Strawberry enum's members by their GraphQL names, as its coercion would name them.
    names = _enum_names(leaf)

    def coerce(value: Any) -> Any:
        if type(value) is exact:
            return value
        if names:
            try:
                name = names.get(value)
            except TypeError:  # unhashable: not a member, the coercion below refuses it
                name = None
            if name is not None:
                return name
        if value is Undefined or isinstance(value, Exception):
            return Undefined
        try:
            coerced = coerce_output_value(value)
        except Exception:
            return Undefined
        return Undefined if coerced is None else coerced

    return coerce


def _enum_names(leaf: GraphQLLeafType) -> dict[Any, str] | None:
    wrapped = getattr(leaf, "wrapped_cls", None)
    if not isinstance(leaf, GraphQLEnumType) or wrapped is None:
        return None
    names = {}
    for member in wrapped:
        matching = [name for name, value in leaf.values.items() if value.value == member.value]
        if matching:
            names[member] = matching[0]
    return names


@dataclass(frozen=True, slots=True)
class Fetch:
    """Part of a list's breadth-first prefetch: follow `attribute` (a plain object or list
    field) or load `relation`, then go on with `then` inside what was reached."""

    attribute: str | None
    relation: Relation | None
    then: tuple[Fetch, ...]
    arguments: Arguments | None = None  # of a relation that takes some


@dataclass(frozen=True, eq=False)  # hashed by identity: one per field of a compiled shape
class Arguments:
    """A relation field's arguments in a compiled shape. Their values change from request to
    request (a cursor, a page size), so they are not compiled in: each request works out the
    part of the loader's key they decide (`request_part`), with the columns the selection
    reads, which are the shape's own."""

    field_def: GraphQLField
    definition: Any
    node: FieldNode
    relation: Relation
    columns: frozenset[str] | None
    # the part of arguments written out in the document, once worked out (`literal`)
    known: list[Hashable] = field(default_factory=list)

    @cached_property
    def literal(self) -> bool:
        """Whether every argument is written out in the document (a page of `first: 3`, a
        literal status): then the part is the same in every request. Arguments that read a
        variable are worked out per request."""
        return not any(_reads_variables(argument.value) for argument in self.node.arguments)

    def part_for(self, executor: Any) -> Hashable:
        """This request's part of the loader's key; raises for unacceptable arguments."""
        if self.known:
            return self.known[0]
        part = self._worked_out(executor)
        if self.literal:
            self.known.append(part)
        return part

    def _worked_out(self, executor: Any) -> Hashable:
        strawberry_schema = executor.schema._strawberry_schema
        values = get_argument_values(self.field_def, self.node, executor.variable_values)
        arguments = convert_arguments(
            values,
            self.definition.arguments,
            scalar_registry=strawberry_schema.schema_converter.scalar_registry,
            config=strawberry_schema.config,
        )
        return (self.relation.arguments(**arguments), self.columns)  # type: ignore[misc]


UNACCEPTABLE = object()  # a part that could not be worked out: graphql-core reports why


def _reads_variables(value: ValueNode) -> bool:
    if isinstance(value, VariableNode):
        return True
    if isinstance(value, ListValueNode):
        return any(_reads_variables(item) for item in value.values)
    if isinstance(value, ObjectValueNode):
        return any(_reads_variables(item.value) for item in value.fields)
    return False


def request_part(arguments: Arguments, executor: Any) -> Any:
    """The part for this request, worked out once per request and field."""
    parts = executor.context_value.arguments
    part = parts.get(arguments, None)
    if part is None:
        try:
            part = arguments.part_for(executor)
        except Exception:
            part = UNACCEPTABLE
        parts[arguments] = part
    return part


@dataclass(frozen=True, slots=True)
class Compiled:
    complete: Completer
    fetches: tuple[Fetch, ...]


class ShapeCompiler:
    """Compiles selections of one execution; `executor` is a `GuardedExecutor`."""

    def __init__(self, executor: Any) -> None:
        self.executor = executor

    def value(self, graphql_type: GraphQLOutputType, details: FieldDetailsList) -> Compiled | None:
        """How to complete a value of `graphql_type` selected by `details`, or None."""
        nullable = not isinstance(graphql_type, GraphQLNonNull)
        inner = graphql_type if nullable else graphql_type.of_type  # type: ignore[union-attr]
        if is_leaf_type(inner):
            return Compiled(_leaf(coercion(inner), nullable), ())  # type: ignore[arg-type]
        if isinstance(inner, GraphQLList):
            item = self.value(inner.of_type, details)
            return item and Compiled(_list(item.complete, nullable), item.fetches)
        if isinstance(inner, GraphQLObjectType):
            return self.object(inner, details, nullable)
        return None  # interfaces and unions: graphql-core resolves their runtime type

    def object(
        self,
        object_type: GraphQLObjectType,
        details: FieldDetailsList,
        nullable: bool,
        *,
        from_rows: bool = False,
    ) -> Compiled | None:
        """`from_rows`: the values completed are the rows of a `FromRow` type, not objects."""
        slots: list[Slot] = []
        fetches: list[Fetch] = []
        executor = self.executor
        row_lists = getattr(_origin(object_type), "ROW_LISTS", {})
        collected = executor.collect_subfields(object_type, details)
        if collected.new_defer_usages:  # pragma: no cover - the schema declares no @defer
            return None
        for key, sub_details in collected.grouped_field_set.items():
            name = sub_details[0].node.name.value
            if name == "__typename":
                slots.append(Slot(key, constant=object_type.name))
                continue
            field_def = executor.schema.get_field(object_type, name)
            definition = field_def.extensions.get("strawberry-definition") if field_def else None
            if definition is None:
                return None
            relation = definition.metadata.get(RELATION)
            if relation is None and not is_plain(definition):
                return None  # a resolver, or a field kept on graphql-core's path
            takes_arguments = bool(field_def.args)  # type: ignore[union-attr]
            if takes_arguments and (relation is None or relation.arguments is None):
                return None
            if executor.denial(object_type, sub_details):
                return None
            compiled = self.value(field_def.type, sub_details)  # type: ignore[union-attr]
            if compiled is None:
                return None
            if relation is not None:
                arguments = None
                if takes_arguments:
                    columns = self.columns(field_def.type, sub_details, relation.columns)  # type: ignore[union-attr]
                    node = sub_details[0].node
                    arguments = Arguments(field_def, definition, node, relation, columns)  # type: ignore[arg-type]
                slots.append(Slot(key, reader=_related(relation, compiled.complete, arguments)))
                fetches.append(Fetch(None, relation, compiled.fetches, arguments))
            else:
                attribute = definition.python_name
                from_row = None
                if attribute in row_lists and not compiled.fetches:
                    from_row = self.row_list(row_lists[attribute], field_def.type, sub_details)  # type: ignore[union-attr]
                if from_row is not None:
                    model_of, item = from_row
                    reader = _row_list(attribute, model_of, item, compiled.complete)
                    slots.append(Slot(key, reader=reader))
                    continue
                slot = Slot(key, attribute, compiled.complete, _exact(field_def.type))  # type: ignore[union-attr]
                slots.append(replace(slot, direct=self.direct(field_def.type)))  # type: ignore[union-attr]
                if compiled.fetches:
                    fetches.append(Fetch(attribute, None, compiled.fetches))
        completer = _object(object_type, slots, nullable, from_rows=from_rows)
        return Compiled(completer, tuple(fetches))

    def row_list(
        self, kind: str, graphql_type: GraphQLOutputType, details: FieldDetailsList
    ) -> tuple[Callable[[Any], Any], Completer] | None:
        """For a list of a connection's rows (`Connection.ROW_LISTS`) that is `[Item!]!`: the
        `from_model` its rows must be converted by, and the completer of an item from its
        row; None if the selection can't be completed from rows (relations, a denial)."""
        if not isinstance(graphql_type, GraphQLNonNull):
            return None
        listed = graphql_type.of_type
        if not isinstance(listed, GraphQLList) or not isinstance(listed.of_type, GraphQLNonNull):
            return None
        item_type = listed.of_type.of_type
        if not isinstance(item_type, GraphQLObjectType):
            return None
        if kind == "node":
            return self.node_of_row(item_type, details)
        return self.edge_of_row(item_type, details)

    def node_of_row(
        self, node_type: GraphQLObjectType, details: FieldDetailsList
    ) -> tuple[Callable[[Any], Any], Completer] | None:
        origin = _origin(node_type)
        if not (isinstance(origin, type) and issubclass(origin, FromRow)):
            return None
        if origin.from_model.__func__ is not FromRow.from_model.__func__:  # type: ignore[attr-defined]
            return None  # its objects are not just their rows
        compiled = self.object(node_type, details, nullable=False, from_rows=True)
        if compiled is None or compiled.fetches:  # relations are fetched for objects
            return None
        return origin.from_model, compiled.complete

    def edge_of_row(
        self, edge_type: GraphQLObjectType, details: FieldDetailsList
    ) -> tuple[Callable[[Any], Any], Completer] | None:
        from_row = getattr(_origin(edge_type), "FROM_ROW", None)
        if from_row is None:
            return None
        executor, parts, model_of = self.executor, [], None
        for key, sub_details in executor.collect_subfields(
            edge_type, details
        ).grouped_field_set.items():
            name = sub_details[0].node.name.value
            if name == "__typename":
                parts.append((key, _constant(edge_type.name)))
                continue
            field_def = executor.schema.get_field(edge_type, name)
            definition = field_def.extensions.get("strawberry-definition") if field_def else None
            if definition is None or definition.python_name not in from_row:
                return None
            if executor.denial(edge_type, sub_details):
                return None
            read = from_row[definition.python_name]
            if read is None:  # the node: the row itself
                field_type = field_def.type  # type: ignore[union-attr]
                node_type = field_type.of_type if isinstance(field_type, GraphQLNonNull) else None
                node = self.node_of_row(node_type, sub_details) if node_type else None  # type: ignore[arg-type]
                if node is None:
                    return None
                model_of = node[0]
                parts.append((key, node[1]))
            else:
                compiled = self.value(field_def.type, sub_details)  # type: ignore[union-attr]
                if compiled is None:
                    return None
                parts.append((key, _read_from_row(read, compiled.complete)))
        if model_of is None:
            return None  # no node selected: which rows make the edges can't be told
        return model_of, _edge(tuple(parts))

    def direct(self, graphql_type: GraphQLOutputType) -> tuple[type, Callable[[Any], Any]] | None:
        """For an enum, or a custom scalar whose output is `str` or `isoformat`: the Python
        type whose values it outputs with one call, as its coercion would."""
        leaf = graphql_type.of_type if isinstance(graphql_type, GraphQLNonNull) else graphql_type
        if isinstance(leaf, GraphQLEnumType):
            wrapped, names = getattr(leaf, "wrapped_cls", None), _enum_names(leaf)
            if wrapped is not None and names is not None and len(names) == len(wrapped):
                return wrapped, names.__getitem__
            return None
        if isinstance(leaf, GraphQLScalarType) and leaf.serialize in SAFE_OUTPUTS:
            python_type = self._scalar_types().get(leaf.name)
            return (python_type, leaf.serialize) if python_type is not None else None
        return None

    def _scalar_types(self) -> dict[str, type]:
        """The Python type of each custom scalar, as the schema maps them."""
        scalar_map = self.executor.schema._strawberry_schema.config.scalar_map
        return {
            getattr(scalar, "_scalar_definition", scalar).name: python_type
            for python_type, scalar in scalar_map.items()
        }

    def columns(
        self, graphql_type: GraphQLOutputType, details: FieldDetailsList, spec: RowColumns | None
    ) -> frozenset[str] | None:
        """The columns of a relation's rows that a selection of what it yields reads: the
        fields selected of `spec.type_name`, found through the plain objects around it (a
        connection, its edges); None (every column) where that can't be told."""
        if spec is None:
            return None
        found = self._columns(graphql_type, details, spec)
        return None if found is None else frozenset({*found, *spec.always})

    def _columns(
        self, graphql_type: GraphQLOutputType, details: FieldDetailsList, spec: RowColumns
    ) -> set[str] | None:
        while isinstance(graphql_type, GraphQLNonNull | GraphQLList):
            graphql_type = graphql_type.of_type
        if not isinstance(graphql_type, GraphQLObjectType):
            return set()
        executor, found = self.executor, set()
        collected = executor.collect_subfields(graphql_type, details).grouped_field_set
        for sub_details in collected.values():
            name = sub_details[0].node.name.value
            field_def = executor.schema.get_field(graphql_type, name)
            definition = field_def.extensions.get("strawberry-definition") if field_def else None
            if definition is None:
                continue  # __typename
            if graphql_type.name == spec.type_name:
                relation = definition.metadata.get(RELATION)
                columns = spec.of(relation.key if relation else definition.python_name)
            elif is_plain(definition):
                columns = self._columns(field_def.type, sub_details, spec)  # type: ignore[union-attr, assignment]
            else:
                columns = ()  # a resolver around the rows (a total): no column of theirs
            if columns is None:
                return None
            found.update(columns)
        return found


@dataclass(frozen=True, slots=True)
class Slot:
    """One response key of an object: a constant, a reader of the whole source, or an
    attribute completed by `complete`, skipped when the value passes the `exact` test."""

    key: str
    attribute: str | None = None
    complete: Completer | None = None
    exact: str | None = None  # a Python test of `{}` that makes completing unnecessary
    reader: Completer | None = None
    constant: str | None = None
    # (a Python type, its output): a value of exactly that type is output by that call alone
    direct: tuple[type, Callable[[Any], Any]] | None = None


# Outputs that take any value of their type and never fail nor give None.
SAFE_OUTPUTS = (str, datetime.isoformat)


def _exact(graphql_type: GraphQLOutputType) -> str | None:
    """For String, ID, Boolean and Int values: the test of a value already in shape."""
    leaf = graphql_type.of_type if isinstance(graphql_type, GraphQLNonNull) else graphql_type
    if leaf is GraphQLString or leaf is GraphQLID:
        return "type({}) is str"
    if leaf is GraphQLBoolean:
        return "type({}) is bool"
    if leaf is GraphQLInt:
        return f"type({{}}) is int and {MIN_INT} <= {{}} <= {MAX_INT}"
    return None


def _leaf(coerce: Callable[[Any], Any], nullable: bool) -> Completer:
    def complete(value: Any, _context: Any) -> Any:
        if value is None:
            if nullable:
                return None
            raise Bail
        coerced = coerce(value)
        if coerced is Undefined:
            raise Bail
        return coerced

    return complete


def _list(item: Completer, nullable: bool) -> Completer:
    def complete(value: Any, context: Any) -> Any:
        if value is None:
            if nullable:
                return None
            raise Bail
        if type(value) is not list and type(value) is not tuple:
            raise Bail
        return [item(element, context) for element in value]

    return complete


def _object(
    object_type: GraphQLObjectType, slots: list[Slot], nullable: bool, *, from_rows: bool = False
) -> Completer:
    """The completer of an object selection, generated as one Python function: every
    attribute read inline, values already in shape kept as they are, the others completed
    by their slot's completer. Only schema names reach the source: response keys and type
    names as string literals, attribute names only where they are Python identifiers."""
    names: dict[str, Any] = {"Bail": Bail, "is_type_of": object_type.is_type_of}
    lines = [
        "def complete(value, context):",
        f"    if value is None: {'return None' if nullable else 'raise Bail'}",
    ]
    if object_type.is_type_of is not None and not from_rows:
        # Strawberry's `is_type_of` checks the Python type and ignores its info argument;
        # an instance of the type's own class passes it without asking.
        names["own_class"] = object_type.extensions["strawberry-definition"].origin
        lines.append(
            "    if type(value) is not own_class and is_type_of(value, None) is not True:"
            " raise Bail"
        )
    # An object made from a row (`FromRow`): its fields are read from the row here, as its
    # properties would read them, without a property call per field.
    origin = object_type.extensions["strawberry-definition"].origin
    row_reads = origin.READS if isinstance(origin, type) and issubclass(origin, FromRow) else None
    reads, finishes, entries = [], [], []
    if row_reads is not None:
        reads.append("        row = value" if from_rows else "        row = value._row")
    source = "value" if row_reads is None else "row"
    for number, slot in enumerate(slots):
        if slot.constant is not None:
            entries.append(f"{slot.key!r}: {slot.constant!r}")
        elif slot.reader is not None:
            names[f"read{number}"] = slot.reader
            entries.append(f"{slot.key!r}: read{number}(value, context)")
        else:
            attribute = slot.attribute or ""
            read = row_reads.get(attribute) if row_reads is not None else None
            if read is not None and read.alias is not None and _is_name(read.alias):
                reads.append(f"        v{number} = row.{read.alias}")
            elif read is not None:
                names[f"derive{number}"] = read.value
                reads.append(f"        v{number} = derive{number}(row)")
            elif _is_name(attribute):
                reads.append(f"        v{number} = {source}.{attribute}")
            else:
                names[f"name{number}"] = attribute
                reads.append(f"        v{number} = getattr({source}, name{number})")
            names[f"complete{number}"] = slot.complete
            completing = f"v{number} = complete{number}(v{number}, context)"
            if slot.direct is not None:
                names[f"kind{number}"], names[f"output{number}"] = slot.direct
                finishes.append(
                    f"    v{number} = output{number}(v{number})"
                    f" if type(v{number}) is kind{number} else complete{number}(v{number}, context)"
                )
            elif slot.exact is not None:
                test = slot.exact.replace("{}", f"v{number}")
                finishes.append(f"    if not ({test}): {completing}")
            else:
                finishes.append(f"    {completing}")
            entries.append(f"{slot.key!r}: v{number}")
    if reads:
        # A missing attribute or a failing property: graphql-core reports the field error.
        lines += ["    try:", *reads, "    except Exception:", "        raise Bail from None"]
    lines += finishes
    lines.append("    return {" + ", ".join(entries) + "}")
    namespace = dict(names)
    exec("\n".join(lines), namespace)  # noqa: S102 - the source holds schema names only
    return namespace["complete"]


def _is_name(attribute: str) -> bool:
    """Whether generated code may read the attribute by its name."""
    return attribute.isidentifier() and not keyword.iskeyword(attribute)


def _related(relation: Relation, complete: Completer, arguments: Arguments | None) -> Completer:
    """The reader of a relation: its object as the prefetch loaded it (for a relation with
    arguments, with the part the prefetch worked out for this request)."""
    loader_name, key_name, convert = relation.loader, relation.key, relation.convert
    load_key = relation.load_key

    def read(source: Any, context: Any) -> Any:
        part = None if arguments is None else context.arguments.get(arguments, UNACCEPTABLE)
        made = context.related.get((relation, load_key(getattr(source, key_name, Undefined), part)))
        if made is None:
            made = _made(source, context, part)
        return complete(made[0], context)

    def _made(source: Any, context: Any, part: Any) -> tuple[Any]:
        """The related object, made once per request and row; anything unusual is for
        graphql-core to report, at the relation's own path."""
        try:
            if part is UNACCEPTABLE:
                raise Bail
            key = getattr(source, key_name)
            if key is None:
                return (None,)
            key = load_key(key, part)
            loaded = getattr(context.loaders, loader_name).cache_map.get(key)
            if loaded is None or not loaded.done() or loaded.cancelled() or loaded.exception():
                raise Bail
            made = context.related[relation, key] = made_from(convert, loaded.result())
        except Exception:
            raise Bail from None
        return made

    return read


def _origin(graphql_type: GraphQLObjectType) -> Any:
    definition = graphql_type.extensions.get("strawberry-definition")
    return definition.origin if definition is not None else None


def _row_list(
    attribute: str, model_of: Callable[[Any], Any], item: Completer, complete: Completer
) -> Completer:
    """The reader of a list of a connection's rows: each row completed by `item` when the
    connection makes its objects with `model_of`, else the list as the object makes it."""

    def read(value: Any, context: Any) -> Any:
        try:
            convert, rows = value._convert, value._page.rows
        except Exception:
            convert = rows = None
        if type(rows) is list and convert == model_of:
            return [item(row, context) for row in rows]
        try:
            listed = getattr(value, attribute)
        except Exception:
            raise Bail from None
        return complete(listed, context)

    return read


def _edge(parts: tuple[tuple[str, Completer], ...]) -> Completer:
    def complete(row: Any, context: Any) -> Any:
        return {key: part(row, context) for key, part in parts}

    return complete


def _constant(value: str) -> Completer:
    return lambda _row, _context: value


def _read_from_row(read: Callable[[Any], Any], complete: Completer) -> Completer:
    def completed(row: Any, context: Any) -> Any:
        try:
            value = read(row)
        except Exception:
            raise Bail from None
        return complete(value, context)

    return completed


def made_from(convert: Callable[[Any], Any], loaded: Any) -> tuple[Any]:
    """The GraphQL value of what a relation's loader returned, as memoized per request."""
    return (None if loaded is None else convert(loaded),)


# -- sharing shapes across requests ---------------------------------------------------------


def shape_key(path: Path, type_name: str) -> tuple[Any, ...]:
    """Where a value sits in the response: the keys and runtime types down to it."""
    steps: list[Any] = [type_name]
    while path is not None:
        if type(path.key) is str:
            steps.append((path.key, path.typename))
        path = path.prev  # type: ignore[assignment]
    return tuple(steps)


class ShapeCache:
    """Compiled shapes per operation, capabilities and `@skip`/`@include` variable values."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self._operations: OrderedDict[tuple[Any, ...], tuple[Any, dict[Any, Any]]] = OrderedDict()
        self._directive_variables: dict[int, tuple[Any, tuple[str, ...]]] = {}

    def shapes_for(
        self,
        operation: OperationDefinitionNode,
        fragments: dict[str, Any],
        capabilities: frozenset[str],
        variables: dict[str, Any],
    ) -> dict[Any, Compiled | None]:
        names = self._variables_of(operation, fragments)
        key = (id(operation), capabilities, *(_hashable(variables.get(name)) for name in names))
        entry = self._operations.get(key)
        if entry is not None and entry[0] is operation:
            self._operations.move_to_end(key)
            return entry[1]
        shapes: dict[Any, Compiled | None] = {}
        self._operations[key] = (operation, shapes)
        if len(self._operations) > self.size:
            self._operations.popitem(last=False)
        return shapes

    def _variables_of(
        self, operation: OperationDefinitionNode, fragments: dict[str, Any]
    ) -> tuple[str, ...]:
        known = self._directive_variables.get(id(operation))
        if known is not None and known[0] is operation:
            return known[1]
        if len(self._directive_variables) >= self.size:
            self._directive_variables.clear()
        names = tuple(sorted(set(_directive_variables(operation.selection_set, fragments, set()))))
        self._directive_variables[id(operation)] = (operation, names)
        return names


def _hashable(value: Any) -> Any:
    return value if isinstance(value, bool | None) else repr(value)


def _directive_variables(
    selection_set: SelectionSetNode | None, fragments: dict[str, Any], seen: set[str]
) -> Iterable[str]:
    """The variables that `@skip`/`@include` (or any directive) read in a selection."""
    if selection_set is None:
        return
    for selection in selection_set.selections:
        for directive in selection.directives or ():
            for argument in directive.arguments:
                if isinstance(argument.value, VariableNode):
                    yield argument.value.name.value
        if isinstance(selection, FieldNode | InlineFragmentNode):
            yield from _directive_variables(selection.selection_set, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name not in seen and name in fragments:
                seen.add(name)
                yield from _directive_variables(
                    fragments[name].definition.selection_set, fragments, seen
                )
