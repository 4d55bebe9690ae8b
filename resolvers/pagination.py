"""Keyset pagination over an ordered primary key: stable under inserts, one query a page."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from tortoise.queryset import QuerySet

from resolvers.errors import BadInput
from resolvers.rows import rows as read_rows

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


async def paginate(queryset: QuerySet[Any], request: PageRequest, *, key: str = "id") -> Page[Any]:
    """One page of `queryset` by ascending `key`; `count()` runs only if asked for."""
    request = request.validated()
    filtered = queryset
    if request.after is not None:
        filtered = filtered.filter(**{f"{key}__gt": request.after})
    if request.before is not None:
        filtered = filtered.filter(**{f"{key}__lt": request.before})
    backwards = request.last is not None
    size = request.last if backwards else (request.first or DEFAULT_PAGE_SIZE)
    rows = await read_rows(filtered.order_by(f"-{key}" if backwards else key).limit(size + 1))
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
        return Page(rows, request.before is not None, more, queryset.count)
    return Page(rows, more, request.after is not None, queryset.count)
