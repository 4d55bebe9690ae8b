"""Opaque global ids, the `Node` interface, and `node`/`nodes` lookups scoped to the viewer."""

from __future__ import annotations

import base64
import binascii
from binascii import b2a_base64
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import strawberry

from auth.permissions import Capability
from resolvers.errors import BadInput, Forbidden, NotFound
from resolvers.pagination import MAX_KEY
from schema.guards import field

MAX_NODES = 100


@strawberry.interface(description="An object with an opaque global id (Relay).")
class Node:
    id: strawberry.ID = field(
        Capability.VIEWER, description="Opaque global id: pass it to `node(id:)`."
    )


@dataclass(frozen=True)
class NodeKind:
    capability: Capability
    loader: str
    convert: Callable[[Any], Node]


NODE_KINDS: dict[str, NodeKind] = {}


def node_type(type_name: str, capability: Capability, loader: str) -> Callable[[type], type]:
    """Register a Node type for `node(id:)`: read with `capability` through a scoped loader."""

    def register(cls: type) -> type:
        NODE_KINDS[type_name] = NodeKind(capability, loader, cls.from_model)  # type: ignore[attr-defined]
        return cls

    return register


URL_SAFE = bytes.maketrans(b"+/", b"-_")
# Pages repeat: the ids and cursors of the rows served lately are kept, not encoded again
# (about 4 MB for each of the two caches when full).
RECENT_IDS = 1 << 14


@lru_cache(maxsize=RECENT_IDS)
def to_global_id(type_name: str, pk: int) -> strawberry.ID:
    """Base64url of `Type:pk`, unpadded. (A page makes hundreds: written for speed.)"""
    encoded = b2a_base64(b"%s:%d" % (type_name.encode(), pk), newline=False)
    return encoded.translate(URL_SAFE).rstrip(b"=").decode()  # type: ignore[return-value]


def from_global_id(value: str, expected: str | None = None) -> tuple[str, int]:
    """(type name, primary key) of a global id; anything else is NOT_FOUND, like another
    tenant's id, so that a guessed or foreign id tells nothing."""
    try:
        text = base64.urlsafe_b64decode(value.encode() + b"=" * (-len(value) % 4)).decode()
        type_name, _, raw_pk = text.partition(":")
        pk = int(raw_pk)
    except (binascii.Error, UnicodeError, ValueError):
        raise NotFound("node.not_found") from None
    if (
        type_name not in NODE_KINDS
        or not 0 < pk <= MAX_KEY
        or (expected is not None and type_name != expected)
    ):
        raise NotFound("node.not_found")
    return type_name, pk


NOT_FOUND_KEYS = {
    "Customer": "customer.not_found",
    "Partner": "partner.not_found",
    "User": "user.not_found",
    "Subscription": "subscription.not_found",
    "Invoice": "invoice.not_found",
    "Payment": "payment.not_found",
    "BillingDispute": "dispute.not_found",
    "Ticket": "ticket.not_found",
    "Escalation": "escalation.not_found",
    "TicketEvent": "ticket.event_not_found",
}


def decode_id(value: str, expected: str, argument: list[str]) -> int:
    """The primary key of an id argument that must name an object of type `expected`.

    A malformed id fails exactly like another tenant's or a deleted object's id."""
    try:
        return from_global_id(value, expected)[1]
    except NotFound:
        raise NotFound(NOT_FOUND_KEYS.get(expected, "node.not_found"), field=argument) from None


async def resolve_node(info: strawberry.Info, value: str) -> Node:
    type_name, pk = from_global_id(value)
    kind = NODE_KINDS[type_name]
    if kind.capability not in info.context.capabilities:
        raise Forbidden("forbidden.capability", capability=str(kind.capability))
    row = await getattr(info.context.loaders, kind.loader).load(pk)
    if row is None:
        raise NotFound("node.not_found")
    return kind.convert(row)


@strawberry.type
class NodeQuery:
    @field(Capability.VIEWER, description="Any object you may see, by its global id.")
    async def node(self, info: strawberry.Info, id: strawberry.ID) -> Node | None:
        return await resolve_node(info, id)

    @field(
        Capability.VIEWER,
        description=f"Several objects by global id, in order; up to {MAX_NODES} at once. An id "
        "you may not see is `null` with an error at its index.",
    )
    async def nodes(self, info: strawberry.Info, ids: list[strawberry.ID]) -> list[Node | None]:
        if len(ids) > MAX_NODES:
            raise BadInput("page.size", field=["ids"], maximum=MAX_NODES)
        # One awaitable per id: the executor runs them together (one batched query per
        # type) and puts each failure at its own index.
        return [resolve_node(info, value) for value in ids]  # type: ignore[misc]
