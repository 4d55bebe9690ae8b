"""The change feed: every change a viewer may see, in the order it became visible, resumable
from a position, never skipping one.

A change event is written in the transaction of its change, and its id is taken at insert
time; transactions commit in another order, so ids alone can't be followed (a reader past
id 11 would never see 10 if 10 committed later). Events get their feed `position` after they
have committed instead: `assign_positions` numbers the committed events that have none, in
id order, after the highest position given so far. One assigner at a time (an advisory lock
on PostgreSQL; SQLite runs one writing transaction at a time anyway), and every reader
assigns before it reads, so a position, once a reader has seen it, has no unnumbered event
before it: an event that commits late gets a later position, and readers resuming from a
position find it there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.transactions import in_transaction

from auth.permissions import CATEGORIZED, CHANGES_READ, ticket_categories
from auth.viewer import Viewer
from resolvers.audit import event_name
from resolvers.errors import BadInput
from resolvers.models import ChangeEvent
from resolvers.rows import Where, select
from resolvers.tenancy import visible_rows

ASSIGNER_LOCK = 7_020_001  # the advisory lock key of the position assigner (PostgreSQL)
ASSIGNED_AT_ONCE = 10_000
MAX_PAGE = 1_000
DEFAULT_PAGE = 100

NUMBER_PENDING = (
    "UPDATE change_events SET position = numbered.position FROM ("
    "SELECT id, (SELECT COALESCE(MAX(position), 0) FROM change_events) "
    "+ ROW_NUMBER() OVER (ORDER BY id) AS position "
    "FROM change_events WHERE position IS NULL ORDER BY id LIMIT $1"
    ") AS numbered WHERE change_events.id = numbered.id"
)


async def assign_positions() -> None:
    """Number the committed events that have no position yet, after the last one."""
    postgres = ChangeEvent._meta.db.capabilities.dialect == "postgres"
    async with in_transaction():
        if postgres:
            # each statement sees what committed before it: the UPDATE below, what the
            # previous assigner numbered (whatever the server's default isolation)
            await select(ChangeEvent, "SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
            await select(ChangeEvent, "SELECT pg_advisory_xact_lock($1)", ASSIGNER_LOCK)
        await select(ChangeEvent, NUMBER_PENDING, ASSIGNED_AT_ONCE)


async def feed_cursor() -> int:
    """The feed's position now: every change committed so far is at or before it."""
    await assign_positions()
    records = await select(ChangeEvent, "SELECT COALESCE(MAX(position), 0) FROM change_events")
    return int(records[0][0])


@dataclass(frozen=True)
class Change:
    id: int
    position: int
    entity_type: str
    entity_id: int
    operation: str
    action: str | None  # None for a change recorded before actions were kept with changes
    version: int
    occurred_at: datetime

    @property
    def event(self) -> str:
        """Its name for webhooks, as `ticket-escalated` (`resolvers.audit.event_name`)."""
        if self.action is None:
            return f"{self.entity_type}-{self.operation}".lower()
        return event_name(self.action)


@dataclass(frozen=True)
class ChangePage:
    changes: Sequence[Change]
    has_next_page: bool


def readable(viewer: Viewer) -> tuple[frozenset[str], frozenset[str] | None]:
    """The entity types whose changes the viewer reads, and the ticket categories it is
    limited to (None: all), from the capability table."""
    types = frozenset(
        entity for entity, capability in CHANGES_READ.items() if capability in viewer.capabilities
    )
    return types, ticket_categories(viewer.roles)


async def list_changes(
    viewer: Viewer,
    *,
    after: int | None,
    first: int | None,
    entity_types: Sequence[str] | None = None,
) -> ChangePage:
    """A page of the feed as the viewer reads it, after numbering what has committed."""
    await assign_positions()
    return await read_changes(viewer, after=after, first=first, entity_types=entity_types)


async def read_changes(
    viewer: Viewer,
    *,
    after: int | None,
    first: int | None,
    entity_types: Sequence[str] | None = None,
) -> ChangePage:
    """A page of the feed as numbered so far (in the caller's transaction, if any)."""
    size = DEFAULT_PAGE if first is None else first
    if not 1 <= size <= MAX_PAGE:
        raise BadInput("page.size", field=["first"], maximum=MAX_PAGE)
    wanted, categories = readable(viewer)
    if entity_types is not None:
        unknown = set(entity_types) - set(CHANGES_READ)
        if unknown:
            raise BadInput(
                "changes.entity_type",
                field=["filter", "entityTypes"],
                names=", ".join(sorted(unknown)),
            )
        wanted = wanted & set(entity_types)
    if not wanted:
        return ChangePage([], has_next_page=False)
    where = Where(ChangeEvent).equal(**visible_rows(viewer))
    where.add("position IS NOT NULL")
    if after is not None:
        where.add("position > {}", after)
    alternatives, values = [], []
    for entity_type in sorted(wanted):
        limited = categories if entity_type in CATEGORIZED else None
        if limited is None:
            alternatives.append("entity_type = {}")
            values.append(entity_type)
        else:
            marks = ", ".join("{}" for _ in limited)
            alternatives.append(f"(entity_type = {{}} AND category IN ({marks}))")
            values += [entity_type, *sorted(limited)]
    where.add(f"({' OR '.join(alternatives)})", *values)
    statement = (
        "SELECT id, position, entity_type, entity_id, operation, action, version, occurred_at "  # noqa: S608
        f"FROM change_events{where.sql()} ORDER BY position LIMIT ${len(where.values) + 1}"
    )
    records = await select(ChangeEvent, statement, *where.values, size + 1)
    changes = [_change(record) for record in records[:size]]
    return ChangePage(changes, has_next_page=len(records) > size)


def _change(record: Any) -> Change:
    pk, position, entity_type, entity_id, operation, action, version, occurred_at = tuple(record)
    moment = ChangeEvent._meta.fields_map["occurred_at"].to_python_value(occurred_at)
    return Change(
        int(pk), int(position), entity_type, entity_id, operation, action, version, moment
    )
