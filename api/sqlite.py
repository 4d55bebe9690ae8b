"""The embedded SQLite backend: Tortoise's, with statements that stop when their caller does,
and an UPPER that knows every alphabet.

aiosqlite runs every statement on one thread, one after another, and Tortoise holds a lock
around each. A caller cancelled while it waits (an operation past its time limit) would
leave its statement running on that thread, and every other request queued behind it; here
the statement is interrupted instead, or not started if it was still queued. While the
cancelled caller unwinds it still holds Tortoise's lock, so the statement running then can
only be its own.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from functools import partial
from typing import Any

import aiosqlite
from tortoise.backends.sqlite.client import SqliteClient

PENDING, RUNNING, DONE = range(3)


class _Statement:
    """One call on the worker thread, as its caller sees it."""

    __slots__ = ("abandoned", "call", "state")

    def __init__(self, call: Callable[[], Any]) -> None:
        self.call = call
        self.state = PENDING
        self.abandoned = False

    def __call__(self) -> Any:
        if self.abandoned:
            raise sqlite3.OperationalError("interrupted")
        self.state = RUNNING
        try:
            return self.call()
        finally:
            self.state = DONE


class InterruptibleConnection(aiosqlite.Connection):
    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        statement = _Statement(partial(fn, *args, **kwargs))
        try:
            return await super()._execute(statement)
        except asyncio.CancelledError:
            statement.abandoned = True
            if statement.state == RUNNING and self._connection is not None:
                self._connection.interrupt()  # the one call sqlite3 allows from any thread
            raise


class InterruptibleSqliteClient(SqliteClient):
    async def create_connection(self, with_db: bool) -> None:
        """Tortoise's, on an `InterruptibleConnection`."""
        if self._connection is None:
            connector = partial(sqlite3.connect, self.filename, isolation_level=None)
            self._connection = await InterruptibleConnection(connector, iter_chunk_size=64)
            self._connection._conn.row_factory = sqlite3.Row
            for pragma, value in self.pragmas.items():
                cursor = await self._connection.execute(f"PRAGMA {pragma}={value}")
                await cursor.close()
            # SQLite's own UPPER folds ASCII letters only: searches in any case need "ação"
            # to match "AÇÃO" as on PostgreSQL
            await self._connection.create_function("upper", 1, _upper, deterministic=True)
            await self._post_connect()


def _upper(value: Any) -> Any:
    """SQLite's UPPER for every letter Unicode has a capital of (NULL stays NULL)."""
    if value is None or isinstance(value, bytes):
        return value
    return str(value).upper()


client_class = InterruptibleSqliteClient  # what Tortoise looks for in an engine module
