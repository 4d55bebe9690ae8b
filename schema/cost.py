"""What an operation may cost, worked out from its document before anything runs.

The cost counts the objects an operation may ask for, as GitHub and Shopify count theirs:
- a field that returns an object (or a list of them) costs 1, a scalar or an enum costs 0;
- a page (a field taking `first`/`last`) repeats the lists under it once per node asked for:
  `first`/`last` when given (variables and their defaults included), else the field's
  default page size; a field taking `ids` (`nodes`) counts once per id;
- every mutation field costs `MUTATION_COST` more: writing is dearer than reading.

Every field the document names counts, `@skip`/`@include` or not, and every fragment of an
interface or union counts as if it matched: the cost is an upper bound, known in advance.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    ValueNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_leaf_type,
    is_list_type,
)
from graphql.type.introspection import SchemaMetaFieldDef, TypeMetaFieldDef

from resolvers import changes, pagination
from schema.nodes import MAX_NODES

MUTATION_COST = 10
PAGE_ARGUMENTS = ("first", "last")
IDS = "ids"  # `nodes(ids:)`: one object per id
# (default, maximum) page size by the page's type; the others are the pagination module's
PAGE_SIZES = {"ChangeFeed": (changes.DEFAULT_PAGE, changes.MAX_PAGE)}
DEFAULT_PAGE_SIZES = (pagination.DEFAULT_PAGE_SIZE, pagination.MAX_PAGE_SIZE)
CACHE_SIZE = 512


class _Walk:
    """One operation's cost, with the variables it reads for page sizes."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
        defaults: Mapping[str, ValueNode],
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.defaults = defaults
        self.variables_read: set[str] = set()
        self.memo: dict[tuple[str, int | None], int] = {}

    def selection_set(
        self, parent: GraphQLNamedType, selection_set: SelectionSetNode | None, page: int | None
    ) -> int:
        if selection_set is None:
            return 0
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self.field(parent, selection, page)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = self.schema.get_type(condition.name.value) if condition else parent
                total += self.selection_set(inner or parent, selection.selection_set, page)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.fragment(selection.name.value, page)
        return total

    def fragment(self, name: str, page: int | None) -> int:
        key = (name, page)
        if key not in self.memo:
            definition = self.fragments.get(name)
            inner = definition and self.schema.get_type(definition.type_condition.name.value)
            # validation has refused unknown and cyclic fragments before costs are asked
            self.memo[key] = (
                self.selection_set(inner, definition.selection_set, page) if inner else 0
            )
        return self.memo[key]

    def field(self, parent: GraphQLNamedType, node: FieldNode, page: int | None) -> int:
        definition = self._definition(parent, node.name.value)
        if definition is None:
            return 0
        named = get_named_type(definition.type)
        if is_leaf_type(named):
            return 0
        size = self._page_size(named, definition, node)
        inner = 1 + self.selection_set(named, node.selection_set, size)
        if IDS in definition.args:
            return max(1, min(self._list_length(node, IDS), MAX_NODES)) * inner
        if page is not None and is_list_type(get_nullable_type(definition.type)):
            return page * inner
        return inner

    def _definition(self, parent: GraphQLNamedType, name: str) -> GraphQLField | None:
        if name == "__schema":
            return SchemaMetaFieldDef
        if name == "__type":
            return TypeMetaFieldDef
        fields = getattr(parent, "fields", None)
        return fields.get(name) if fields else None

    def _page_size(
        self, named: GraphQLNamedType, definition: GraphQLField, node: FieldNode
    ) -> int | None:
        if not any(name in definition.args for name in PAGE_ARGUMENTS):
            return None
        default, maximum = PAGE_SIZES.get(named.name, DEFAULT_PAGE_SIZES)
        sizes = [self._int_argument(node, name) for name in PAGE_ARGUMENTS]
        asked = max((size for size in sizes if size is not None), default=None)
        # out of range is refused when the page is read; until then it counts as the maximum
        return default if asked is None else max(0, min(asked, maximum))

    def _int_argument(self, node: FieldNode, name: str) -> int | None:
        value = self._argument(node, name)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def _list_length(self, node: FieldNode, name: str) -> int:
        value = self._argument(node, name)
        return len(value) if isinstance(value, list) else 1

    def _argument(self, node: FieldNode, name: str) -> Any:
        """An argument's value as far as cost goes: an int or a list's items (None, else)."""
        for argument in node.arguments or ():
            if argument.name.value == name:
                return self._value(argument.value)
        return None

    def _value(self, value: ValueNode) -> Any:
        if isinstance(value, IntValueNode):
            return int(value.value)
        if isinstance(value, ListValueNode):
            return list(value.values)
        if isinstance(value, VariableNode):
            variable = value.name.value
            self.variables_read.add(variable)
            if variable in self.variables:
                return self.variables[variable]
            default = self.defaults.get(variable)
            return None if default is None else self._value(default)
        return None


def operation_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Mapping[str, Any] | None,
) -> tuple[int, frozenset[str]]:
    """The operation's cost, and the variables it depends on."""
    fragments = {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }
    defaults = {
        definition.variable.name.value: definition.default_value
        for definition in operation.variable_definitions or ()
        if definition.default_value is not None
    }
    walk = _Walk(schema, fragments, variables or {}, defaults)
    root = schema.get_root_type(operation.operation)
    if root is None:
        return 0, frozenset()
    cost = walk.selection_set(root, operation.selection_set, None)
    if operation.operation is OperationType.MUTATION:
        cost += MUTATION_COST * _root_fields(operation.selection_set, fragments)
    return cost, frozenset(walk.variables_read)


def _root_fields(
    selection_set: SelectionSetNode, fragments: Mapping[str, FragmentDefinitionNode]
) -> int:
    count = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            count += selection.name.value != "__typename"
        elif isinstance(selection, InlineFragmentNode):
            count += _root_fields(selection.selection_set, fragments)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value in fragments:
            count += _root_fields(fragments[selection.name.value].selection_set, fragments)
    return count


class Costs:
    """Operation costs, kept per document, operation and the page-size variables' values."""

    def __init__(self, schema: GraphQLSchema) -> None:
        self.schema = schema
        self._reads: dict[tuple[str, str | None], frozenset[str]] = {}
        self._costs: OrderedDict[tuple[Any, ...], int] = OrderedDict()

    def of(
        self,
        query: str,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: Mapping[str, Any] | None,
    ) -> int:
        name = operation.name.value if operation.name else None
        reads = self._reads.get((query, name))
        if reads is not None:
            key = (query, name, *(_page_value(variables, variable) for variable in sorted(reads)))
            cost = self._costs.get(key)
            if cost is not None:
                self._costs.move_to_end(key)
                return cost
        cost, reads = operation_cost(self.schema, document, operation, variables)
        self._reads[(query, name)] = reads
        if len(self._reads) > CACHE_SIZE:
            self._reads.pop(next(iter(self._reads)))
        key = (query, name, *(_page_value(variables, variable) for variable in sorted(reads)))
        self._costs[key] = cost
        if len(self._costs) > CACHE_SIZE:
            self._costs.popitem(last=False)
        return cost


def _page_value(variables: Mapping[str, Any] | None, name: str) -> Any:
    """What of a variable the cost depends on: a page size, or how many ids."""
    variables = variables or {}
    if name not in variables:
        return "default"
    value = variables[name]
    if isinstance(value, list):
        return ("ids", len(value))
    return value if isinstance(value, int) and not isinstance(value, bool) else None
