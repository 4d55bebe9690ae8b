"""Relay connections with opaque keyset cursors, shared by every list of the schema."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

import strawberry

from auth.permissions import Capability
from resolvers.errors import BadInput
from resolvers.pagination import MAX_KEY, Page, PageRequest
from schema.guards import field
from schema.nodes import URL_SAFE

NodeT = TypeVar("NodeT")

CURSOR_PREFIX = "cursor:"


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


@strawberry.type(description="A row of a connection and its cursor.")
class Edge(Generic[NodeT]):
    cursor: str = field(Capability.VIEWER, description="Pass it as `after` or `before`.")
    node: NodeT = field(Capability.VIEWER, description="The row.")


@strawberry.type(description="A page of a list, with keyset cursors (Relay connection).")
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]] = field(Capability.VIEWER, description="The rows with their cursors.")
    nodes: list[NodeT] = field(Capability.VIEWER, description="The rows alone.")
    page_info: PageInfo = field(Capability.VIEWER, description="Where this page sits.")
    count: strawberry.Private[Callable[[], Awaitable[int]]]

    @field(Capability.VIEWER, description="How many rows the whole list has (one extra query).")
    async def total_count(self) -> int:
        return await self.count()


def connection(page: Page[Any], convert: Callable[[Any], NodeT]) -> Connection[NodeT]:
    nodes = [convert(row) for row in page.rows]
    edges = [
        Edge(cursor=encode_cursor(row.id), node=node)
        for row, node in zip(page.rows, nodes, strict=True)
    ]
    return Connection(
        edges=edges,
        nodes=nodes,
        page_info=PageInfo(
            has_next_page=page.has_next_page,
            has_previous_page=page.has_previous_page,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        count=page.count,
    )
