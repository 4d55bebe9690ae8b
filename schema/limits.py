"""Static limits on an operation's shape and its literal text, checked at validation,
before anything runs.

Fragments are expanded as the executor would expand them, so aliases hidden in a fragment
spread many times count every time; each fragment is measured once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphql import (
    ASTValidationRule,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    ValidationContext,
)

from schema.errors import LocalizedError


@dataclass(frozen=True)
class Shape:
    depth: int = 0
    aliases: int = 0
    directives: int = 0
    fields: int = 0  # fields at this level, fragments expanded


def _combine(shapes: list[Shape], *, depth_of_children: int) -> Shape:
    return Shape(
        depth=depth_of_children,
        aliases=sum(shape.aliases for shape in shapes),
        directives=sum(shape.directives for shape in shapes),
        fields=sum(shape.fields for shape in shapes),
    )


class _Measure:
    def __init__(self, fragments: dict[str, FragmentDefinitionNode]) -> None:
        self.fragments = fragments
        self.memo: dict[str, Shape] = {}
        self.expanding: set[str] = set()

    def selection_set(self, selection_set: SelectionSetNode | None) -> Shape:
        if selection_set is None:
            return Shape()
        shapes = []
        depth = 0
        for selection in selection_set.selections:
            directives = len(selection.directives or ())
            if isinstance(selection, FieldNode):
                child = self.selection_set(selection.selection_set)
                # Introspection nests `ofType` deeply: its depth is bounded by the token limit
                # (and introspection is off in production); its aliases still count.
                introspection = selection.name.value.startswith("__")
                shape = Shape(
                    depth=0 if introspection else child.depth + 1,
                    aliases=child.aliases + (1 if selection.alias else 0),
                    directives=child.directives + directives,
                    fields=1,
                )
            elif isinstance(selection, InlineFragmentNode):
                child = self.selection_set(selection.selection_set)
                shape = Shape(
                    child.depth, child.aliases, child.directives + directives, child.fields
                )
            elif isinstance(selection, FragmentSpreadNode):
                child = self.fragment(selection.name.value)
                shape = Shape(
                    child.depth, child.aliases, child.directives + directives, child.fields
                )
            else:  # pragma: no cover - the grammar has no other selection
                continue
            depth = max(depth, shape.depth)
            shapes.append(shape)
        return _combine(shapes, depth_of_children=depth)

    def fragment(self, name: str) -> Shape:
        if name in self.memo:
            return self.memo[name]
        definition = self.fragments.get(name)
        if definition is None or name in self.expanding:
            return Shape()  # unknown or cyclic: the standard rules report it
        self.expanding.add(name)
        shape = self.selection_set(definition.selection_set)
        self.expanding.discard(name)
        shape = Shape(
            shape.depth,
            shape.aliases,
            shape.directives + len(definition.directives or ()),
            shape.fields,
        )
        self.memo[name] = shape
        return shape


def operation_limits_rule(
    *, max_depth: int, max_aliases: int, max_directives: int, max_root_fields: int
) -> type[ASTValidationRule]:
    """A validation rule refusing operations over the limits with `QUERY_TOO_COMPLEX`."""

    class OperationLimits(ASTValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            fragments = {
                definition.name.value: definition
                for definition in context.document.definitions
                if isinstance(definition, FragmentDefinitionNode)
            }
            self.measure = _Measure(fragments)

        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> Any:
            shape = self.measure.selection_set(node.selection_set)
            directives = shape.directives + len(node.directives or ())
            checks = (
                ("limits.depth", shape.depth, max_depth),
                ("limits.aliases", shape.aliases, max_aliases),
                ("limits.directives", directives, max_directives),
                ("limits.root_fields", shape.fields, max_root_fields),
            )
            for key, actual, maximum in checks:
                if actual > maximum:
                    self.report_error(
                        LocalizedError(
                            key, "QUERY_TOO_COMPLEX", nodes=[node], actual=actual, maximum=maximum
                        )
                    )
            return self.SKIP

    return OperationLimits


class NoNulCharacters(ASTValidationRule):
    """Text with NUL characters is refused: no database stores it, and no one means it."""

    def enter_string_value(self, node: StringValueNode, *_: Any) -> None:
        if "\x00" in node.value:
            self.report_error(LocalizedError("request.nul", "BAD_USER_INPUT", nodes=[node]))


def has_nul(value: Any) -> bool:
    """Whether a request's variables hold a NUL character anywhere."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(has_nul(key) or has_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(has_nul(item) for item in value)
    return False
