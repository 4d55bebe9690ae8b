"""Operating it: JSON logs with request ids, readiness, CORS from settings."""

from __future__ import annotations

import gc
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest

from api import database
from api.app import create_app
from api.logs import REQUEST_ID, JsonFormatter
from api.settings import Settings


def test_log_lines_are_json_with_the_request_id() -> None:
    token = REQUEST_ID.set("req-42")
    try:
        record = logging.LogRecord(
            "partnergraph.access", logging.INFO, __file__, 1, "POST %s", ("/graphql",), None
        )
        record.status = 200
        line = json.loads(JsonFormatter().format(record))
    finally:
        REQUEST_ID.reset(token)
    assert line["message"] == "POST /graphql"
    assert line["request_id"] == "req-42"
    assert line["status"] == 200
    assert line["level"] == "INFO"


async def test_readyz_says_unavailable_when_the_database_does_not_answer(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def down() -> None:
        raise ConnectionRefusedError("database down")

    monkeypatch.setattr(database, "ping", down)
    response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unreachable"}


async def test_cors_allows_exactly_the_configured_origins(settings: Settings) -> None:
    configured = Settings(
        database_url=settings.database_url,
        jwt_secret=settings.jwt_secret,
        cors_origins=("https://portal.contoso.com",),
    )
    transport = httpx.ASGITransport(app=create_app(configured, manage_database=False))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        preflight = {
            "access-control-request-method": "POST",
            "access-control-request-headers": "authorization",
        }
        allowed = await client.options(
            "/graphql", headers={"origin": "https://portal.contoso.com", **preflight}
        )
        refused = await client.options(
            "/graphql", headers={"origin": "https://evil.example", **preflight}
        )
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://portal.contoso.com"
    assert "access-control-allow-origin" not in refused.headers


async def test_a_started_server_keeps_its_long_lived_objects_out_of_the_collectors_scans(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    @asynccontextmanager
    async def connected(*_: object, **__: object) -> AsyncIterator[None]:
        yield

    monkeypatch.setattr(database, "connected", connected)
    threshold = gc.get_threshold()
    app = create_app(settings)
    try:
        async with app.router.lifespan_context(app):
            assert gc.get_freeze_count() > 0  # the schema, the modules, the settings
            assert gc.get_threshold()[0] == 10_000
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
