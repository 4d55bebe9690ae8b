"""Keyset pagination over an ordered primary key: stable under inserts, one query a page."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from resolvers.errors import BadInput
from resolvers.rows import Where, count_rows, select_rows

Row = TypeVar("Row")

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100
MAX_KEY = 2**31 - 1  # primary keys are 32-bit integers on every backend


MAX_SEARCH_LENGTH = 100


def search_term(value: str | None, field: str, *, maximum: int = MAX_SEARCH_LENGTH) -> str | None:
    """A search or filter text, trimmed; None when blank, refused when longer than `maximum`."""
    if value is None or not value.strip():
        return None
    if len(value) > maximum:
        raise BadInput("text.length", field=[field], minimum=1, maximum=maximum)
    return value.strip()


@dataclass(frozen=True, slots=True)
class PageRequest:
    first: int | None = None
    after: int | None = None
    last: int | None = None
    before: int | None = None

    def validated(self) -> PageRequest:
        if self.first is not None and self.last is not None:
            raise BadInput("page.first_and_last", field=["last"])
        for name in ("first", "last"):
            size = getattr(self, name)
            if size is not None and not 1 <= size <= MAX_PAGE_SIZE:
                raise BadInput("page.size", field=[name], maximum=MAX_PAGE_SIZE)
        return self


@dataclass(slots=True)
class Page(Generic[Row]):
    rows: Sequence[Row]
    has_next_page: bool
    has_previous_page: bool
    count: Callable[[], Awaitable[int]]


def empty_page() -> Page[Any]:
    """A page of nothing, known without asking the database."""

    async def none() -> int:
        return 0

    return Page([], has_next_page=False, has_previous_page=False, count=none)


async def paginate(where: Where, request: PageRequest) -> Page[Any]:
    """One page of the rows matching `where`, by ascending id; `count()` runs only if asked."""
    request = request.validated()
    bounded = where.copy()
    if request.after is not None:
        bounded.add("id > {}", request.after)
    if request.before is not None:
        bounded.add("id < {}", request.before)
    backwards = request.last is not None
    size = request.last if backwards else (request.first or DEFAULT_PAGE_SIZE)
    rows = await select_rows(bounded, order="-id" if backwards else "id", limit=size + 1)
    more = len(rows) > size
    rows = rows[:size]

    def count() -> Awaitable[int]:
        return count_rows(where)

    if backwards:
        rows.reverse()
        return Page(rows, request.before is not None, more, count)
    return Page(rows, more, request.after is not None, count)
