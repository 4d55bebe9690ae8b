"""Relations: fields whose value is another object, loaded through a per-request DataLoader.

A relation is declared once (`Relation`) and named where its field is declared
(`relation_field`). The planned executor reads the declaration to fetch a relation for a
whole list at once, breadth-first, before the list's rows are completed; the field's
resolver (`Relation.resolve`) then finds the row already loaded and answers without a
coroutine. Under graphql-core's own path the same resolver loads and awaits, batched by the
DataLoader as before.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any

import strawberry
from strawberry.dataloader import DataLoader

from auth.permissions import Capability
from schema.guards import CAPABILITY

RELATION = "partnergraph.relation"


class Loader(DataLoader[Any, Any]):
    """A request's DataLoader that also answers from what the planned executor's prefetch
    loaded (`loaded`, filled by `schema.plans.load_all`): a key asked for later is answered
    by the same read, made a future of the loader only then."""

    def __init__(self, load_fn: Callable[[list[Any]], Awaitable[list[Any]]]) -> None:
        super().__init__(load_fn)
        self.loaded: dict[Any, Any] = {}

    def load(self, key: Any) -> Any:
        if self.loaded and key in self.loaded:
            self.prime(key, self.loaded.pop(key))
        return super().load(key)


@dataclass(frozen=True)
class RowColumns:
    """Which columns of the rows a relation loads each field of `object_type` (a `FromRow`
    type) reads: those its `READS` names, else its own column, plus `always`."""

    object_type: Any
    model: Any
    always: tuple[str, ...]

    @property
    def type_name(self) -> str:
        return self.object_type.__strawberry_definition__.name

    def of(self, attribute: str) -> tuple[str, ...] | None:
        """The columns an attribute of the object is made from; None if not known."""
        read = self.object_type.READS.get(attribute)
        if read is not None:
            return read.columns
        return (attribute,) if attribute in self.model._meta.fields_db_projection else None


@dataclass(frozen=True, eq=False)  # each declaration is its own relation: hashed by identity
class Relation:
    """`loader` batches the relation and `key` names the parent's attribute it is loaded by.

    A relation whose field takes arguments (a page of a list, a filter) names `arguments`:
    it turns the field's arguments into the part of the loader's key they decide, and
    raises for arguments that are not acceptable. Its loader's key is then
    `(parent key, (that part, columns))`, where `columns` are the only columns a compiled
    shape needs of the rows (`columns`, a `RowColumns`, says how to tell), or None for all."""

    loader: str  # the attribute of `Loaders` that batches this relation
    key: str  # the attribute of the parent object holding the related row's key
    convert: Callable[[Any], Any]  # what the loader returned into the GraphQL value
    arguments: Callable[..., Hashable] | None = None
    columns: RowColumns | None = None

    def load_key(self, key: Any, part: Hashable) -> Any:
        return key if self.arguments is None else (key, part)

    def resolve(self, info: strawberry.Info, source: Any, **arguments: Any) -> Any:
        """The related object: at once when its row is loaded already, else an awaitable
        that the DataLoader batches with its siblings'."""
        key = getattr(source, self.key)
        if key is None:
            return None
        part = (self.arguments(**arguments), None) if self.arguments is not None else None
        key = self.load_key(key, part)
        made = info.context.related.get((self, key))  # made by the planned executor's prefetch
        if made is not None:
            return made[0]
        loaded = getattr(info.context.loaders, self.loader).load(key)
        if loaded.done():
            return self._converted_now(loaded.result())
        return self._converted_later(loaded)

    def _converted_now(self, row: Any) -> Any:
        return self.convert(row) if row is not None else None

    async def _converted_later(self, loaded: Awaitable[Any]) -> Any:
        return self._converted_now(await loaded)


def relation_field(capability: Capability, relation: Relation, *, description: str) -> Any:
    """A field readable with `capability` whose resolver is `relation.resolve`."""
    return strawberry.field(
        description=description, metadata={CAPABILITY: capability, RELATION: relation}
    )
