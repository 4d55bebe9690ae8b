"""At most so many GraphQL operations run at once in a process; the others wait their turn,
first come first served.

An operation in flight holds its document, its rows and its response as it is built, and
asks the database pool for connections. Past the pool's size, more operations in flight only
wait on the pool while their objects crowd the core's caches: with 64 clients sending as fast
as they were answered, the server spent about a seventh more CPU per answer without a gate
than with one of 8 operations, so the further behind it fell the slower it got. Behind the
gate a burst waits in line, holding only its request, and is served at the server's best
rate. The wait is not part of the operation's time limit, which is for its own work.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress


class Gate:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.running = 0
        self._waiters: deque[asyncio.Future[None]] = deque()

    @property
    def waiting(self) -> int:
        return sum(not waiter.done() for waiter in self._waiters)

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Inside, the caller's operation is one of at most `limit` running."""
        if self.running < self.limit and not self._waiters:
            self.running += 1
        else:
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter  # resolved by an operation that ends, which hands over its place
            except asyncio.CancelledError:
                if waiter.cancelled():  # still in line, unless an ending operation skipped it
                    with suppress(ValueError):
                        self._waiters.remove(waiter)
                else:  # handed a place, then cancelled before taking it: pass it on
                    self._leave()
                raise
        try:
            yield
        finally:
            self._leave()

    def _leave(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)  # the place goes to the next in line
                return
        self.running -= 1
