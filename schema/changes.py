"""The change feed: what changed, in order, for connectors that keep a copy in sync."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from auth.permissions import Capability
from resolvers import changes
from resolvers.changes import Change
from schema.guards import field
from schema.nodes import to_global_id
from schema.pagination import PageInfo, decode_cursor, encode_cursor

READ = Capability.PARTNER_READ  # every known role; each kind of object by its own capability


@strawberry.enum(description="What happened to the object.")
class ChangeOperation(Enum):
    CREATED = "CREATED"
    UPDATED = "UPDATED"
    DELETED = "DELETED"


@strawberry.type(description="One change of one object.")
class ChangeEventNode:
    entity_type: str = field(READ, description="The object's type, such as Customer.")
    entity_id: strawberry.ID = field(READ, description="The object's global id.")
    operation: ChangeOperation = field(READ, description="Created, updated or deleted.")
    event: str = field(
        READ,
        description="What happened, named as webhooks name it (`<entity>-<action>`, such as "
        "`ticket-escalated`).",
    )
    version: int = field(READ, description="The object's version after the change.")
    occurred_at: datetime = field(READ, description="When the change was made.")
    cursor: str = field(READ, description="Pass it as `after` to read the changes after it.")

    @classmethod
    def of(cls, change: Change) -> ChangeEventNode:
        return cls(
            entity_type=change.entity_type,
            entity_id=to_global_id(change.entity_type, change.entity_id),
            operation=ChangeOperation(change.operation),
            event=change.event,
            version=change.version,
            occurred_at=change.occurred_at,
            cursor=encode_cursor(change.position),
        )


@strawberry.type(description="A page of the change feed.")
class ChangeFeed:
    nodes: list[ChangeEventNode] = field(READ, description="The changes, oldest first.")
    page_info: PageInfo = field(
        READ,
        description="`endCursor` is where to go on from (kept when the page is empty); "
        "`hasNextPage` says whether more are there now.",
    )


@strawberry.input(description="Which changes to read.")
class ChangeFilter:
    entity_types: list[str] | None = strawberry.field(
        default=None, description="Only these types of object, such as Customer, Invoice."
    )


@strawberry.type
class ChangeQuery:
    @field(
        READ,
        description="Every change of every object you may see, in the order the changes became "
        "visible, deletions included; resume with `after`: nothing is ever skipped. Up to 1,000 "
        "a page (default 100).",
    )
    async def changes(
        self,
        info: strawberry.Info,
        after: str | None = None,
        first: int | None = None,
        filter: ChangeFilter | None = None,
    ) -> ChangeFeed | None:
        position = decode_cursor(after, "after")
        page = await changes.list_changes(
            info.context.signed_in,
            after=position,
            first=first,
            entity_types=filter.entity_types if filter else None,
        )
        nodes = [ChangeEventNode.of(change) for change in page.changes]
        end = nodes[-1].cursor if nodes else after
        return ChangeFeed(
            nodes=nodes,
            page_info=PageInfo(
                has_next_page=page.has_next_page,
                has_previous_page=position is not None,
                start_cursor=nodes[0].cursor if nodes else after,
                end_cursor=end,
            ),
        )
