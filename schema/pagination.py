"""Relay connections with opaque keyset cursors, shared by every list of the schema."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable, Mapping
from functools import lru_cache
from operator import attrgetter
from typing import Any, ClassVar, Generic, TypeVar

import strawberry

from auth.permissions import Capability
from resolvers.errors import BadInput
from resolvers.pagination import MAX_KEY, Page, PageRequest
from schema.guards import field
from schema.nodes import RECENT_IDS, URL_SAFE

NodeT = TypeVar("NodeT")

CURSOR_PREFIX = "cursor:"


@lru_cache(maxsize=RECENT_IDS)
def encode_cursor(pk: int) -> str:
    """Base64url of `cursor:pk`, padded."""
    encoded = binascii.b2a_base64(f"{CURSOR_PREFIX}{pk}".encode(), newline=False)
    return encoded.translate(URL_SAFE).decode()


def decode_cursor(cursor: str | None, argument: str) -> int | None:
    if cursor is None:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor.encode() + b"=" * (-len(cursor) % 4)).decode()
        if text.startswith(CURSOR_PREFIX):
            pk = int(text[len(CURSOR_PREFIX) :])
            if 0 <= pk <= MAX_KEY:
                return pk
    except (binascii.Error, UnicodeError, ValueError):
        pass
    raise BadInput("cursor.invalid", field=[argument])


def page_request(
    first: int | None, after: str | None, last: int | None, before: str | None
) -> PageRequest:
    return PageRequest(
        first=first,
        after=decode_cursor(after, "after"),
        last=last,
        before=decode_cursor(before, "before"),
    )


@strawberry.type(description="Where a page sits in its list (Relay).")
class PageInfo:
    has_next_page: bool = field(Capability.VIEWER, description="More rows follow this page.")
    has_previous_page: bool = field(Capability.VIEWER, description="Rows precede this page.")
    start_cursor: str | None = field(Capability.VIEWER, description="Cursor of the first row.")
    end_cursor: str | None = field(Capability.VIEWER, description="Cursor of the last row.")


def cursor_of(row: Any) -> str:
    """The cursor of a row of a page."""
    return encode_cursor(row.id)


@strawberry.type(description="A row of a connection and its cursor.")
class Edge(Generic[NodeT]):
    cursor: str = field(Capability.VIEWER, description="Pass it as `after` or `before`.")
    node: NodeT = field(Capability.VIEWER, description="The row.")

    # For compiled shapes: each field of an edge from the row it is made of; None for the
    # row itself, as the node (see `Connection.ROW_LISTS`).
    FROM_ROW: ClassVar[Mapping[str, Callable[[Any], Any] | None]] = {
        "cursor": cursor_of,
        "node": None,
    }


@strawberry.type(description="A page of a list, with keyset cursors (Relay connection).")
class Connection(Generic[NodeT]):
    """Made by `connection(page, convert)` from a page of rows.

    `ROW_LISTS` tells compiled shapes (`schema/shapes.py`) which of its lists are its page's
    rows: `nodes` each made a node by `_convert`, `edges` each an edge of its cursor and that
    node. Where `_convert` is the node type's own `from_model`, a shape completes the rows
    straight away, without making the objects the lists hold."""

    ROW_LISTS: ClassVar[Mapping[str, str]] = {"nodes": "node", "edges": "edge"}

    edges: list[Edge[NodeT]] = field(Capability.VIEWER, description="The rows with their cursors.")
    nodes: list[NodeT] = field(Capability.VIEWER, description="The rows alone.")
    page_info: PageInfo = field(Capability.VIEWER, description="Where this page sits.")
    count: strawberry.Private[Callable[[], Awaitable[int]]]

    @field(Capability.VIEWER, description="How many rows the whole list has (one extra query).")
    async def total_count(self) -> int:
        return await self.count()


def _nodes(self: Any) -> list[Any]:
    return [self._convert(row) for row in self._page.rows]


def _edges(self: Any) -> list[Edge[Any]]:
    return [
        _edge(cursor_of(row), node) for row, node in zip(self._page.rows, self.nodes, strict=True)
    ]


def _edge(cursor: str, node: Any) -> Edge[Any]:
    """An edge, made as its dataclass `__init__` makes it, without parsing keywords (a page
    makes one per row)."""
    made: Edge[Any] = object.__new__(Edge)
    made.cursor, made.node = cursor, node
    return made


def _page_info(self: Any) -> PageInfo:
    page = self._page
    rows = page.rows
    return PageInfo(
        has_next_page=page.has_next_page,
        has_previous_page=page.has_previous_page,
        start_cursor=cursor_of(rows[0]) if rows else None,
        end_cursor=cursor_of(rows[-1]) if rows else None,
    )


class _Once:
    """A part of a connection made when first read, then kept in the object (unlike
    `functools.cached_property`, without a lock: a request is served by one thread)."""

    def __init__(self, name: str, make: Callable[[Any], Any]) -> None:
        self.name, self.make = name, make

    def __get__(self, made: Any, owner: type | None = None) -> Any:
        if made is None:
            return self
        value = made.__dict__[self.name] = self.make(made)
        return value


# A selection of `nodes` makes no edges nor cursors.
for _name, _make in (("nodes", _nodes), ("edges", _edges), ("page_info", _page_info)):
    setattr(Connection, _name, _Once(_name, _make))
Connection.count = property(attrgetter("_page.count"))  # type: ignore[assignment]


def _made_by_connection_only(*_: Any, **__: Any) -> None:
    raise TypeError("a Connection is made from a page: use connection(page, convert)")


Connection.__init__ = _made_by_connection_only  # type: ignore[method-assign]


def connection(page: Page[Any], convert: Callable[[Any], NodeT]) -> Connection[NodeT]:
    made: Connection[NodeT] = Connection.__new__(Connection)
    made._page, made._convert = page, convert  # type: ignore[attr-defined]
    return made
