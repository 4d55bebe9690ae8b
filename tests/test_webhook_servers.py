"""Webhooks delivered by real server processes: nothing lost when a process is killed in the
middle of a delivery and another starts, and each event sent once by two processes sharing
one PostgreSQL database."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import free_port
from tests.databases import backend, create_postgres_database, drop_postgres_database
from tests.test_server import add_partner, admin_token, cli, post, server_process
from tests.webhook_receiver import Receiver, receiving

TENANT = "5a1e0c3d-2b4f-4c6a-8d7e-9f0a1b2c3d4e"
CREATE = """mutation($url: String!) {
  createWebhookEndpoint(input: {url: $url, events: ["customer-created"]}) {
    webhookEndpoint { id secret } userErrors { code message }
  }
}"""
NEW_CUSTOMER = """mutation($name: String!) {
  createCustomer(input: {companyName: $name, domain: "example.com", country: "SE",
                         language: "sv"}) { customer { id } userErrors { code } }
}"""
DELIVERIES = """query($id: ID!) {
  webhookDeliveries(endpointId: $id, first: 100) { nodes { status attemptCount } }
}"""
WAIT = 60.0  # seconds the deliveries may take at most (a test's guard, not a target)


@pytest.fixture
def environment(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A database of its own, one direct partner, and quick webhook settings."""
    if backend() == "postgres":
        url = asyncio.run(create_postgres_database("partnergraph_webhooks"))
    else:
        url = f"sqlite://{tmp_path / 'webhooks.sqlite3'}"
    environment = {
        **os.environ,
        "PARTNERGRAPH_DATABASE_URL": url,
        "PARTNERGRAPH_WEBHOOKS_ALLOW_PRIVATE_TARGETS": "true",
        "PARTNERGRAPH_WEBHOOKS_TIMEOUT_SECONDS": "1",
        "PARTNERGRAPH_WEBHOOKS_FIRST_RETRY_SECONDS": "0.2",
        "PARTNERGRAPH_WEBHOOKS_POLL_SECONDS": "0.2",
    }
    try:
        cli(environment, "migrate")
        add_partner(environment, TENANT, "Fabrikam")
        yield environment
    finally:
        if backend() == "postgres":
            asyncio.run(drop_postgres_database(url))


def server(environment: dict[str, str], log: Path) -> Any:
    """A server process on a port of its own, until the block ends (or it is killed)."""
    return server_process(environment, log, str(free_port()))


async def call(base: str, token: str, query: str, **variables: Any) -> dict[str, Any]:
    status, body = await asyncio.to_thread(post, f"{base}/graphql", query, token, variables)
    assert status == 200, body
    assert "errors" not in body, body
    return body["data"]


async def settled(base: str, token: str, endpoint: str, count: int) -> list[dict[str, Any]]:
    """The endpoint's deliveries once `count` of them have succeeded."""
    async with asyncio.timeout(WAIT):
        while True:
            body = await call(base, token, DELIVERIES, id=endpoint)
            nodes = body["webhookDeliveries"]["nodes"]
            if sum(node["status"] == "SUCCEEDED" for node in nodes) >= count:
                return nodes
            await asyncio.sleep(0.2)


def distinct_events(receiver: Receiver) -> set[str]:
    return {request.headers["partnergraph-event-id"] for request in receiver.received}


async def test_a_delivery_cut_off_by_a_killed_server_is_sent_after_a_restart(
    environment: dict[str, str], tmp_path: Path
) -> None:
    token = admin_token(environment, TENANT)
    log = tmp_path / "servers.log"
    async with receiving() as receiver:
        receiver.hold = asyncio.Event()  # the first attempts get no answer
        with server(environment, log) as (base, process):
            created = await call(base, token, CREATE, url=receiver.url)
            endpoint = created["createWebhookEndpoint"]["webhookEndpoint"]
            for number in range(3):
                await call(base, token, NEW_CUSTOMER, name=f"Cut Off {number} AB")
            await receiver.wait_for(1, WAIT)
            process.kill()  # mid-delivery: the receiver has the request and has not answered
            process.wait(10)
        receiver.hold.set()
        with server(environment, log) as (base, _):
            nodes = await settled(base, token, endpoint["id"], 3)
    assert len(nodes) == 3
    assert {node["status"] for node in nodes} == {"SUCCEEDED"}
    assert len(distinct_events(receiver)) == 3
    assert all(request.signed_with(endpoint["secret"]) for request in receiver.received)


async def test_events_recorded_while_no_server_delivers_are_sent_when_one_starts(
    environment: dict[str, str], tmp_path: Path
) -> None:
    token = admin_token(environment, TENANT)
    quiet = {**environment, "PARTNERGRAPH_WEBHOOKS_DELIVER": "false"}
    async with receiving() as receiver:
        with server(quiet, tmp_path / "quiet.log") as (base, _):
            created = await call(base, token, CREATE, url=receiver.url)
            endpoint = created["createWebhookEndpoint"]["webhookEndpoint"]
            for number in range(4):
                await call(base, token, NEW_CUSTOMER, name=f"Waiting {number} AB")
            await asyncio.sleep(1)
            assert receiver.received == []
        with server(environment, tmp_path / "delivering.log") as (base, _):
            await settled(base, token, endpoint["id"], 4)
    assert len(distinct_events(receiver)) == 4


@pytest.mark.skipif(
    backend() != "postgres", reason="several processes share a PostgreSQL database, not SQLite"
)
async def test_two_servers_sharing_postgresql_deliver_each_event_once(
    environment: dict[str, str], tmp_path: Path
) -> None:
    token = admin_token(environment, TENANT)
    count = 40
    async with receiving() as receiver:
        with (
            server(environment, tmp_path / "first.log") as (first, _),
            server(environment, tmp_path / "second.log") as (second, _),
        ):
            created = await call(first, token, CREATE, url=receiver.url)
            endpoint = created["createWebhookEndpoint"]["webhookEndpoint"]
            await asyncio.gather(
                *(
                    call((first, second)[number % 2], token, NEW_CUSTOMER, name=f"Shared {number}")
                    for number in range(count)
                )
            )
            await settled(first, token, endpoint["id"], count)
            await asyncio.sleep(1.5)  # time for a second sending, if there were one
    assert len(distinct_events(receiver)) == count
    assert len(receiver.received) == count
    senders = {
        request.headers.get("partnergraph-delivery-attempt") for request in receiver.received
    }
    assert senders == {"1"}
