"""The Tortoise configuration, migrations and database lifecycle."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from tortoise import Tortoise
from tortoise.connection import get_connection
from tortoise.migrations.api import migrate as run_migrations

MODELS_MODULE = "resolvers.models"
MIGRATIONS_MODULE = "resolvers.migrations"


def tortoise_config(database_url: str) -> dict[str, Any]:
    return {
        "connections": {"default": _connection_url(database_url)},
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


def _connection_url(database_url: str) -> str:
    """SQLite waits for locks instead of failing, and syncs every commit (billing data)."""
    if database_url.startswith("sqlite://") and "?" not in database_url:
        return database_url + "?busy_timeout=5000&synchronous=FULL"
    return database_url


# For Tortoise's own CLI (`tortoise makemigrations`), see [tool.tortoise] in pyproject.toml.
TORTOISE_ORM = tortoise_config("sqlite://:memory:")


async def migrate(database_url: str, target: str | None = None) -> None:
    """Create the database schema or upgrade it to the newest migration (or to `target`,
    such as `0001_initial`); rows are kept."""
    await run_migrations(
        config=tortoise_config(database_url), target=f"models.{target}" if target else None
    )
    await Tortoise.close_connections()


@asynccontextmanager
async def connected(database_url: str, *, global_fallback: bool = True) -> AsyncIterator[None]:
    """Open the ORM for the lifetime of the block (the server's lifespan, a CLI command)."""
    await Tortoise.init(
        config=tortoise_config(database_url), _enable_global_fallback=global_fallback
    )
    try:
        yield
    finally:
        await Tortoise.close_connections()


async def ping() -> None:
    await get_connection("default").execute_query("SELECT 1")
