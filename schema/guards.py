"""Capabilities at the field: every field and mutation names one where it is declared.

`field(...)` and `mutation(...)` are `strawberry.field`/`strawberry.mutation` with the
capability attached. `GuardedExecutor` enforces them: it decides each selected field once per
request from the viewer's precomputed capabilities, so a page of 1,000 rows costs no more
permission work than a page of one. A denied field resolves to `null` with a `FORBIDDEN`
error at its path; the rest of the response is served and a denied mutation never runs.
"""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLField, GraphQLObjectType
from graphql.execution.collect_fields import FieldDetailsList
from graphql.pyutils import Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from auth.permissions import Capability
from resolvers.errors import Forbidden

CAPABILITY = "partnergraph.capability"
GENERAL_PATH = "partnergraph.general_path"

_MISSING = object()


class IdentityCache:
    """Values memoized per object identity for one execution. The object is kept with its
    value, as graphql-core does, so that its id cannot be reused by another object."""

    def __init__(self) -> None:
        self._entries: dict[int, tuple[Any, Any]] = {}

    def get(self, key: Any, default: Any = _MISSING) -> Any:
        entry = self._entries.get(id(key))
        if entry is not None and entry[0] is key:
            return entry[1]
        return default

    def put(self, key: Any, value: Any) -> Any:
        self._entries[id(key)] = (key, value)
        return value


def field(
    capability: Capability, *, description: str, general_path: bool = False, **options: Any
) -> Any:
    """A GraphQL field readable with `capability`. With `general_path`, the planned executor
    never reads the attribute itself: graphql-core resolves it, once, like a resolver (for an
    attribute whose reading does work that must not happen twice)."""
    metadata: dict[str, Any] = {CAPABILITY: capability}
    if general_path:
        metadata[GENERAL_PATH] = True
    return strawberry.field(description=description, metadata=metadata, **options)


def is_plain(definition: Any) -> bool:
    """A field without a resolver that the planned executor may read itself."""
    return definition.is_basic_field and not definition.metadata.get(GENERAL_PATH)


def mutation(capability: Capability, *, description: str, **options: Any) -> Any:
    """A mutation allowed with `capability`."""
    return strawberry.mutation(
        description=description, metadata={CAPABILITY: capability}, **options
    )


def subscription(capability: Capability, *, description: str, **options: Any) -> Any:
    """A subscription allowed with `capability` (decided before its stream starts)."""
    return strawberry.subscription(
        description=description, metadata={CAPABILITY: capability}, **options
    )


def capability_of(graphql_field: GraphQLField) -> Capability | None:
    """The capability a schema field declares, or None for GraphQL's own (introspection)."""
    definition = graphql_field.extensions.get("strawberry-definition")
    if definition is None:
        return None
    return getattr(definition, "metadata", {}).get(CAPABILITY)


def is_governed(graphql_field: GraphQLField) -> bool:
    """Fields of our schema must name a capability; GraphQL's introspection fields don't."""
    return (
        "strawberry-definition" not in graphql_field.extensions
        or capability_of(graphql_field) is not None
    )


class GuardedExecutor(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor with one capability decision per selected field and request."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._denials = IdentityCache()
        self._granted: frozenset[str] = getattr(self.context_value, "capabilities", frozenset())

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
        position_context: Any,
    ) -> Any:
        # Field lists are collected once per selection, so the decision made for one is
        # reused for every row it is applied to.
        denial = self._denials.get(field_details_list)
        if denial is _MISSING:
            denial = self._denials.put(
                field_details_list, self.denial(parent_type, field_details_list)
            )
        if denial is None:
            if parent_type is self.schema.mutation_type:
                # mutations run one after the other: each reads what the previous wrote
                forget_loaded = getattr(self.context_value, "forget_loaded", None)
                if forget_loaded is not None:
                    forget_loaded()
            return super().execute_field(
                parent_type, source, field_details_list, path, position_context
            )
        field_def = self.schema.get_field(parent_type, field_details_list[0].node.name.value)
        return_type = field_def.type if field_def else None
        self.handle_field_error(denial, return_type, field_details_list, path)  # type: ignore[arg-type]
        return None

    def denial(
        self, parent_type: GraphQLObjectType, field_details_list: FieldDetailsList
    ) -> Forbidden | None:
        field_def = self.schema.get_field(parent_type, field_details_list[0].node.name.value)
        if field_def is None or "strawberry-definition" not in field_def.extensions:
            return None
        capability = capability_of(field_def)
        if capability is not None and capability in self._granted:
            return None
        # A field without a capability is denied to everyone: the schema test forbids it.
        return Forbidden("forbidden.capability", capability=str(capability or "undeclared"))
