"""Following a ticket's timeline as it grows, across API processes.

A follower reads the ticket's events past the last one it sent, then waits to be woken. The
wake-up comes when a transaction that added events commits: on PostgreSQL through
`NOTIFY ticket_events` (sent inside the transaction, so PostgreSQL delivers it at commit, to
every process that listens, and never for a rollback); in this process from the mutation that
committed (`announces`). A wake-up only says "look again": the rows are the truth, so a
missed or spurious one costs a read, never an event, and a follower also looks every
`RECHECK_SECONDS` in case a listening connection was lost.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextvars import ContextVar
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from resolvers.errors import NotFound
from resolvers.models import TicketEvent
from resolvers.rows import select

CHANNEL = "ticket_events"
RECHECK_SECONDS = 5.0

P = ParamSpec("P")
T = TypeVar("T")


class TicketFeed:
    """The followers of each ticket in this process."""

    def __init__(self) -> None:
        self._followers: dict[int, set[asyncio.Event]] = {}

    def wake(self, ticket_ids: set[int] | list[int]) -> None:
        for ticket_id in ticket_ids:
            for woken in self._followers.get(ticket_id, ()):
                woken.set()

    def wake_from_notification(self, payload: str) -> None:
        """A `NOTIFY ticket_events, '<id>'` from any process."""
        with contextlib.suppress(ValueError):
            self.wake([int(payload)])

    @contextlib.contextmanager
    def following(self, ticket_id: int) -> Iterator[asyncio.Event]:
        woken = asyncio.Event()
        self._followers.setdefault(ticket_id, set()).add(woken)
        try:
            yield woken
        finally:
            followers = self._followers[ticket_id]
            followers.discard(woken)
            if not followers:
                del self._followers[ticket_id]


FEED = TicketFeed()
_ANNOUNCED: ContextVar[set[int] | None] = ContextVar("announced_tickets", default=None)


async def announce(ticket_id: int) -> None:
    """Inside the transaction that adds an event to the ticket: wake its followers when it
    commits."""
    announced = _ANNOUNCED.get()
    if announced is not None:
        announced.add(ticket_id)
    if TicketEvent._meta.db.capabilities.dialect == "postgres":
        await select(TicketEvent, f"SELECT pg_notify('{CHANNEL}', $1)", str(ticket_id))


def announces(work: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
    """For a function whose transactions add ticket events: once it has returned (committed),
    wake this process's followers of the tickets it announced."""

    @wraps(work)
    async def announcing(*args: P.args, **kwargs: P.kwargs) -> T:
        outer = _ANNOUNCED.get()
        if outer is not None:  # within another announcing call: it wakes them
            return await work(*args, **kwargs)
        token = _ANNOUNCED.set(set())
        try:
            result = await work(*args, **kwargs)
            announced = _ANNOUNCED.get() or set()
        finally:
            _ANNOUNCED.reset(token)
        FEED.wake(announced)
        return result

    return announcing


async def follow(ticket_id: int, after: int) -> AsyncIterator[Any]:
    """The ticket's events with an id past `after`, as they are committed, for ever."""
    with FEED.following(ticket_id) as woken:
        while True:
            woken.clear()
            for event in await TicketEvent.filter(ticket_id=ticket_id, id__gt=after).order_by("id"):
                after = event.id
                yield event
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(woken.wait(), RECHECK_SECONDS)


async def last_event_id(ticket_id: int) -> int:
    last = await TicketEvent.filter(ticket_id=ticket_id).order_by("-id").first()
    return last.id if last else 0


async def event_of(ticket_id: int, event_id: int) -> int:
    """`event_id`, if it is an event of the ticket; else `after` is refused."""
    if not await TicketEvent.filter(id=event_id, ticket_id=ticket_id).exists():
        raise NotFound("ticket.event_not_found", field=["after"])
    return event_id
