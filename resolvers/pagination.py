"""Keyset pagination over an ordered primary key: stable under inserts, one query a page."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Any, Generic, TypeVar

from resolvers.errors import BadInput
from resolvers.rows import Where, as_rows, count_rows, select, select_rows

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


def _projection(where: Where, columns: Iterable[str] | None, *needed: str) -> list[str]:
    """The columns to select: `columns` and those `needed` anyway, else all of the model's."""
    projection = where.model._meta.fields_db_projection
    if columns is None:
        return list(projection.values())
    return [projection[name] for name in sorted({*columns, *needed})]


async def _total(count: int) -> int:
    return count


@lru_cache(maxsize=1024)  # pages of the same length share their answer
def _known(total: int) -> Callable[[], Awaitable[int]]:
    return partial(_total, total)


def _totals_once(
    where: Where, parent: str, parents: Sequence[int]
) -> Callable[[int], Awaitable[int]]:
    """A parent's total among `parents`: all counted by one statement, the first time one
    is asked for."""
    counting: asyncio.Task[dict[int, int]] | None = None

    async def count_all() -> dict[int, int]:
        model = where.model
        counted = where.copy().one_of(parent, list(parents))
        group = counted.column(parent)
        statement = (
            f"SELECT {group}, COUNT(*) FROM {model._meta.db_table}{counted.sql()} "  # noqa: S608
            f"GROUP BY {group}"
        )
        return {
            owner: int(total) for owner, total in await select(model, statement, *counted.values)
        }

    async def total(owner: int) -> int:
        nonlocal counting
        if counting is None:
            counting = asyncio.ensure_future(count_all())
        return (await counting).get(owner, 0)

    return total


async def pages_by_parent(
    where: Where,
    parent: str,
    parents: Sequence[int],
    request: PageRequest,
    *,
    columns: Iterable[str] | None = None,
) -> dict[int, Page[Any]]:
    """The same page of each parent's rows matching `where` (by ascending id), for many
    parents in one statement: a window numbers each parent's rows past the cursor and counts
    all of them, so each page also knows its list's total without another query. Only the
    rows' `columns` are read, if given (the others read as None)."""
    request = request.validated()
    model = where.model
    pages: dict[int, Page[Any]] = {}
    if not parents:
        return pages
    table, key, group = model._meta.db_table, where.column("id"), where.column(parent)
    backwards = request.last is not None
    size = request.last if backwards else (request.first or DEFAULT_PAGE_SIZE)
    direction = " DESC" if backwards else ""
    counted = where.copy().one_of(parent, list(parents))
    values = list(counted.values)
    bounds = []
    for bound, operator in ((request.after, ">"), (request.before, "<")):
        if bound is not None:
            values.append(bound)
            bounds.append(f"{key} {operator} ${len(values)}")
    # rows past the cursor are numbered apart from the others, which only count
    within = f"CASE WHEN {' AND '.join(bounds)} THEN 1 ELSE 0 END" if bounds else "1"
    values.append(size + 1)
    selected = ", ".join(_projection(where, columns, "id", parent))
    statement = (
        f"SELECT {selected}, total_count FROM (SELECT {selected}, {within} AS past_cursor, "  # noqa: S608 - names of the model only
        f"ROW_NUMBER() OVER (PARTITION BY {group}, {within} ORDER BY {key}{direction}) "
        f"AS position, COUNT(*) OVER (PARTITION BY {group}) AS total_count "
        f"FROM {table}{counted.sql()}) AS ranked "
        f"WHERE past_cursor = 1 AND position <= ${len(values)} ORDER BY {group}, {key}{direction}"
    )
    grouped: dict[int, list[Any]] = {}
    for row in as_rows(model, await select(model, statement, *values)):
        grouped.setdefault(getattr(row, parent), []).append(row)
    for owner, rows in grouped.items():
        more = len(rows) > size
        rows = rows[:size]
        count = _known(rows[0].total_count)
        if backwards:
            rows.reverse()
            pages[owner] = Page(rows, request.before is not None, more, count)
        else:
            pages[owner] = Page(rows, more, request.after is not None, count)
    # Parents with no rows past the cursor: their totals, if asked for, in one statement.
    past_the_end = [owner for owner in parents if owner not in pages]
    totals = _totals_once(where, parent, past_the_end) if bounds else None
    for owner in past_the_end:
        if totals is None:  # no cursor: the parent has no rows
            pages[owner] = Page([], False, False, _known(0))
            continue
        count = partial(totals, owner)
        if backwards:
            pages[owner] = Page([], request.before is not None, False, count)
        else:
            pages[owner] = Page([], False, request.after is not None, count)
    return pages


# What a nested page asks of its loader: (first, after, last, before, filter value), and the
# columns to read (None: all).
Asked = tuple[tuple[int | None, int | None, int | None, int | None, Any], frozenset[str] | None]


async def parent_pages(
    keys: Sequence[tuple[int, Asked]], parent: str, where_of: Callable[[Any], Where]
) -> list[Page[Any]]:
    """A DataLoader's batch of nested pages: for each (parent id, asked), that page of the
    parent's rows matching `where_of(filter value)`; one statement per distinct ask."""
    pages: dict[tuple[int, Asked], Page[Any]] = {}
    wanted: dict[Asked, list[int]] = {}
    for parent_id, asked in keys:
        wanted.setdefault(asked, []).append(parent_id)
    for asked, parents in wanted.items():
        (first, after, last, before, value), columns = asked
        request = PageRequest(first=first, after=after, last=last, before=before)
        found = await pages_by_parent(where_of(value), parent, parents, request, columns=columns)
        for parent_id, page in found.items():
            pages[parent_id, asked] = page
    return [pages[key] for key in keys]
