"""Test databases: each run makes its own PostgreSQL database and drops it at the end."""

from __future__ import annotations

import os
import uuid

import asyncpg

DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/test"


def backend() -> str:
    return os.environ.get("PARTNERGRAPH_TEST_DATABASE", "sqlite")


def postgres_server_url() -> str:
    return os.environ.get("PARTNERGRAPH_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


def _with_database(url: str, name: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + name


async def server_answers(url: str) -> bool:
    try:
        connection = await asyncpg.connect(
            url.replace("postgres://", "postgresql://", 1), timeout=3
        )
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return False
    await connection.close()
    return True


async def create_postgres_database(prefix: str = "partnergraph_test") -> str:
    """A new, empty database on the test server; its URL."""
    server = postgres_server_url()
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    connection = await asyncpg.connect(server.replace("postgres://", "postgresql://", 1))
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return _with_database(server, name)


async def drop_postgres_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    connection = await asyncpg.connect(
        postgres_server_url().replace("postgres://", "postgresql://", 1)
    )
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()
