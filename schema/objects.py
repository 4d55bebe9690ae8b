"""GraphQL objects made from rows, each field read from the row when it is asked for.

A page of customers with their subscriptions makes hundreds of objects, and a request
selects a few of their fields. A `FromRow` type's object only keeps its row (a named tuple of
a model's columns from `resolvers/rows.py`, or a model instance after a mutation); each
field is a property reading the row, the same for graphql-core and for a compiled shape, so
nothing is converted that nobody selected. `READS` says how a field is read where it is not
the row's column of the same name, and which columns that needs, so that a relation can load
only those (`RowColumns`). Declare the type with `@from_row` above `@strawberry.type`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from operator import attrgetter
from typing import Any, ClassVar, NamedTuple, Self, TypeVar

T = TypeVar("T", bound=type)


class Read(NamedTuple):
    """A field made from `columns` of the row by `value(row)`; `alias` names the column a
    field is under another name (`column`)."""

    columns: tuple[str, ...]
    value: Callable[[Any], Any]
    alias: str | None = None


def column(name: str) -> Read:
    """A field that is the row's column `name`, under the field's own name."""
    return Read((name,), attrgetter(name), name)


class FromRow:
    READS: ClassVar[Mapping[str, Read]] = {}
    _row: Any

    @classmethod
    def from_model(cls, row: Any) -> Self:
        made = cls.__new__(cls)
        made._row = row
        return made


def from_row(cls: T) -> T:
    """Make every field of a `FromRow` Strawberry type without a resolver, and every name of
    its `READS`, a property reading the object's row."""
    reads: Mapping[str, Read] = cls.READS  # type: ignore[attr-defined]
    plain = [
        field.python_name
        for field in cls.__strawberry_definition__.fields  # type: ignore[attr-defined]
        if field.base_resolver is None
    ]
    for name in {*plain, *reads}:
        read = reads.get(name)
        if read is None or read.alias is not None:
            getter = attrgetter(f"_row.{name if read is None else read.alias}")
        else:
            getter = _derived(read.value)
        setattr(cls, name, property(getter))
    cls.__init__ = _made_from_rows_only  # type: ignore[misc]
    return cls


def _made_from_rows_only(made: Any, *_: Any, **__: Any) -> None:
    raise TypeError(
        f"{type(made).__name__} is made from a row: use {type(made).__name__}.from_model"
    )


def _derived(value: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def get(made: Any) -> Any:
        return value(made._row)

    return get
