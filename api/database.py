"""The Tortoise configuration, migrations and database lifecycle."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from asyncpg import Connection
from tortoise import Tortoise
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.connection import get_connection
from tortoise.migrations.api import migrate as run_migrations

MODELS_MODULE = "resolvers.models"
MIGRATIONS_MODULE = "resolvers.migrations"


def tortoise_config(database_url: str, pool: tuple[int, int] | None = None) -> dict[str, Any]:
    """The ORM's configuration; `pool` is the (minimum, maximum) PostgreSQL pool size."""
    return {
        "connections": {"default": _connection(database_url, pool)},
        "apps": {
            "models": {
                "models": [MODELS_MODULE],
                "default_connection": "default",
                "migrations": MIGRATIONS_MODULE,
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def _connection(database_url: str, pool: tuple[int, int] | None) -> dict[str, Any]:
    """SQLite waits for locks instead of failing, syncs every commit (billing data) and
    interrupts the statement of a cancelled caller (`api.sqlite`).
    PostgreSQL connections go back to the pool without a session reset: nothing here sets
    session state, and asyncpg still rolls back any transaction left open."""
    if database_url.startswith("sqlite://"):
        if "?" not in database_url:
            database_url += "?busy_timeout=5000&synchronous=FULL"
        config = expand_db_url(database_url)
        config["engine"] = "api.sqlite"  # statements stop when their caller does
        return config
    config = expand_db_url(database_url)
    if config["engine"] == "tortoise.backends.asyncpg":
        config["credentials"]["reset"] = _keep_session
        if pool is not None:
            config["credentials"]["minsize"], config["credentials"]["maxsize"] = pool
    return config


def dialect(database_url: str) -> str:
    """`sqlite` or `postgres`."""
    if database_url.startswith("sqlite://"):
        return "sqlite"
    engine = expand_db_url(database_url)["engine"]
    return "postgres" if engine.endswith(("asyncpg", "psycopg")) else engine.rsplit(".", 1)[-1]


async def _keep_session(_connection: Connection) -> None:
    """Instead of asyncpg's reset query (a round trip for every statement Tortoise runs)."""


# For Tortoise's own CLI (`tortoise makemigrations`), see [tool.tortoise] in pyproject.toml.
TORTOISE_ORM = tortoise_config("sqlite://:memory:")


class MigrationRefused(Exception):
    """A migration that would go back (and drop what later ones added), or an unknown one."""


async def migrate(database_url: str, target: str | None = None) -> None:
    """Create the database schema or upgrade it to the newest migration (or to `target`,
    such as `0001_initial`); rows are kept, so it never goes back."""
    try:
        await run_migrations(
            config=tortoise_config(database_url),
            target=f"models.{target}" if target else None,
            direction="forward",
        )
    except ValueError as refused:
        message = str(refused)
        if message.startswith("Backward"):
            raise MigrationRefused(
                f"{target} is behind the database: going back would drop what later"
                " migrations added, and migrate never loses rows"
            ) from None
        if message.startswith("Unknown migration target"):
            raise MigrationRefused(message) from None
        raise  # a migration that failed: not a refusal
    finally:
        await Tortoise.close_connections()


@asynccontextmanager
async def connected(
    database_url: str, *, pool: tuple[int, int] | None = None, global_fallback: bool = True
) -> AsyncIterator[None]:
    """Open the ORM for the lifetime of the block (the server's lifespan, a CLI command)."""
    await Tortoise.init(
        config=tortoise_config(database_url, pool), _enable_global_fallback=global_fallback
    )
    try:
        yield
    finally:
        await Tortoise.close_connections()


async def listen(database_url: str, channel: str, received: Callable[[str], None]) -> None:
    """Until cancelled, pass every `NOTIFY channel` payload of a PostgreSQL database to
    `received`, reconnecting a second after the connection is lost. (SQLite has no
    notifications: nothing to do.)"""
    if database_url.startswith("sqlite://"):
        return
    credentials = expand_db_url(database_url)["credentials"]
    while True:
        connection = None
        try:
            connection = await asyncpg.connect(
                host=credentials.get("host"),
                port=credentials.get("port"),
                user=credentials.get("user"),
                password=credentials.get("password"),
                database=credentials.get("database"),
            )
            lost = asyncio.Event()
            connection.add_termination_listener(lambda _, gone=lost: gone.set())
            await connection.add_listener(channel, lambda *notification: received(notification[3]))
            await lost.wait()
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            pass
        finally:
            if connection is not None and not connection.is_closed():
                await connection.close()
        await asyncio.sleep(1)


def pool_use() -> tuple[int, int, int] | None:
    """(in use, idle, maximum) connections of this process's PostgreSQL pool; None on SQLite
    (one connection) or before the pool is made."""
    pool = getattr(get_connection("default"), "_pool", None)
    if not isinstance(pool, asyncpg.Pool):
        return None
    idle = pool.get_idle_size()
    return pool.get_size() - idle, idle, pool.get_max_size()


async def ping() -> None:
    await get_connection("default").execute_query("SELECT 1")
