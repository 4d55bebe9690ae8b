"""Live ticket events over a real WebSocket (`graphql-transport-ws`) served by uvicorn: the
same token, the same tenancy and capabilities, and events committed by another API process."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.conftest import free_port
from tests.databases import backend, create_postgres_database, drop_postgres_database
from tests.test_server import admin_token, cli, post, serving

FOLLOW = """subscription Follow($id: ID!, $after: ID) {
  ticketEvents(ticketId: $id, after: $after) { kind body status visibility }
}"""
COMMENT = """mutation Comment($id: ID!, $body: String!) {
  commentOnTicket(input: {id: $id, body: $body, visibility: CUSTOMER}) { userErrors { code } }
}"""
TIMELINE = "query Timeline($id: ID!) { ticket(id: $id) { timeline { id } } }"
NEW_TICKETS = "{ tickets(filter: {status: [NEW]}) { nodes { id } } }"
NORTHWIND = "8d1c2b3a-4e5f-4a6b-8c7d-9e0f1a2b3c02"  # the demo's indirect provider
CONTOSO = "3f2b8c1e-7a4d-4e2b-9c1a-5d6e7f8a9b01"  # the demo's direct partner
USER_ID = "query { users(first: 100) { nodes { id subject } } }"
DEACTIVATE = "mutation($id: ID!) { deactivateUser(input: {id: $id}) { userErrors { code } } }"
WAIT = 15  # seconds an expected message may take at most (a test's guard, not a target)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The demo database, of its own, served by two API processes, with Contoso's tokens by
    role, a Northwind token, and Contoso's NEW ticket (every test of the module shares them:
    each follows from the ticket's latest event)."""
    folder = tmp_path_factory.mktemp("ticket-events")
    if backend() == "postgres":
        url = asyncio.run(create_postgres_database("partnergraph_events"))
    else:
        url = f"sqlite://{folder / 'events.sqlite3'}"
    environment = {
        **os.environ,
        "PARTNERGRAPH_DATABASE_URL": url,
        "PARTNERGRAPH_PORT": str(free_port()),
    }
    try:
        cli(environment, "migrate")
        printed = cli(environment, "seed-demo")
        tokens = dict(re.findall(r"^  (\w+)\s+(ey\S+)$", printed, flags=re.MULTILINE))
        northwind = admin_token(environment, NORTHWIND)
        with (
            serving(environment, folder / "first.log") as first,
            serving(environment, folder / "second.log", str(free_port())) as second,
        ):
            _, body = post(f"{first}/graphql", NEW_TICKETS, tokens["global_admin"])
            yield {
                "environment": environment,
                "first": first,
                "second": second,
                "tokens": tokens,
                "northwind": northwind,
                "ticket": body["data"]["tickets"]["nodes"][0]["id"],
            }
    finally:
        if backend() == "postgres":
            asyncio.run(drop_postgres_database(url))


@asynccontextmanager
async def session(base: str, token: str | None) -> AsyncIterator[ClientConnection]:
    """A `graphql-transport-ws` connection, acknowledged (with `token`)."""
    url = base.replace("http://", "ws://") + "/graphql"
    async with connect(url, subprotocols=["graphql-transport-ws"], open_timeout=WAIT) as socket:
        payload = {"Authorization": f"Bearer {token}"} if token else {}
        await socket.send(json.dumps({"type": "connection_init", "payload": payload}))
        assert await _next(socket) == {"type": "connection_ack"}
        yield socket


async def _next(socket: ClientConnection) -> dict[str, Any]:
    return json.loads(await asyncio.wait_for(socket.recv(), WAIT))


async def _subscribe(
    socket: ClientConnection, operation_id: str, ticket: str, after: str | None = None
) -> None:
    variables = {"id": ticket, "after": after}
    message = {
        "id": operation_id,
        "type": "subscribe",
        "payload": {"query": FOLLOW, "variables": variables},
    }
    await socket.send(json.dumps(message))


async def _last_event(base: str, token: str, ticket: str) -> str:
    """The id of the ticket's latest event: following from it misses nothing that follows."""
    _, body = await asyncio.to_thread(post, f"{base}/graphql", TIMELINE, token, {"id": ticket})
    return body["data"]["ticket"]["timeline"][-1]["id"]


async def _comment(base: str, token: str, ticket: str, body: str) -> None:
    variables = {"id": ticket, "body": body}
    status, answer = await asyncio.to_thread(post, f"{base}/graphql", COMMENT, token, variables)
    assert (status, answer["data"]["commentOnTicket"]["userErrors"]) == (200, [])


async def test_a_follower_receives_each_event_of_its_ticket_in_order(demo: dict[str, Any]) -> None:
    token, ticket = demo["tokens"]["helpdesk_agent"], demo["ticket"]
    async with session(demo["first"], token) as socket:
        await _subscribe(
            socket, "follow-1", ticket, await _last_event(demo["first"], token, ticket)
        )
        for number in range(3):
            await _comment(demo["first"], token, ticket, f"Update {number}")
        for number in range(3):
            assert await _next(socket) == {
                "id": "follow-1",
                "type": "next",
                "payload": {
                    "data": {
                        "ticketEvents": {
                            "kind": "COMMENTED",
                            "body": f"Update {number}",
                            "status": "NEW",
                            "visibility": "CUSTOMER",
                        }
                    }
                },
            }
        await socket.send(json.dumps({"type": "ping"}))
        assert await _next(socket) == {"type": "pong"}
        await socket.send(json.dumps({"id": "follow-1", "type": "complete"}))


async def test_events_committed_by_another_api_process_reach_the_follower(
    demo: dict[str, Any],
) -> None:
    token, ticket = demo["tokens"]["global_admin"], demo["ticket"]
    async with session(demo["first"], token) as socket:
        await _subscribe(socket, "across", ticket, await _last_event(demo["first"], token, ticket))
        await _comment(demo["second"], token, ticket, "Written by the other process")
        received = await _next(socket)
        assert received["payload"]["data"]["ticketEvents"]["body"] == "Written by the other process"


async def test_another_tenants_ticket_is_not_found_and_streams_nothing(
    demo: dict[str, Any],
) -> None:
    async with session(demo["first"], demo["northwind"]) as socket:
        await _subscribe(socket, "foreign", demo["ticket"])
        refused = await _next(socket)
        assert refused["type"] == "error"
        assert refused["id"] == "foreign"
        assert [error["extensions"]["code"] for error in refused["payload"]] == ["NOT_FOUND"]
        await _comment(
            demo["first"], demo["tokens"]["global_admin"], demo["ticket"], "Not for Northwind"
        )
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(socket.recv(), 2)


async def test_a_follower_resumes_after_the_last_event_it_saw(demo: dict[str, Any]) -> None:
    token, ticket = demo["tokens"]["global_admin"], demo["ticket"]
    seen = await _last_event(demo["first"], token, ticket)
    await _comment(demo["first"], token, ticket, "While nobody followed")
    async with session(demo["second"], token) as socket:
        await _subscribe(socket, "resume", ticket, seen)
        missed = await _next(socket)
        assert missed["payload"]["data"]["ticketEvents"]["body"] == "While nobody followed"
        await _subscribe(
            socket, "elsewhere", ticket, "VGlja2V0RXZlbnQ6OTk5OTk"
        )  # TicketEvent:99999
        refused = await _next(socket)
        assert refused["type"] == "error"
        assert refused["payload"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_a_role_without_tickets_read_is_refused_before_the_stream_starts(
    demo: dict[str, Any],
) -> None:
    async with session(demo["first"], demo["tokens"]["user_management_admin"]) as socket:
        await _subscribe(socket, "denied", demo["ticket"])
        refused = await _next(socket)
        assert refused["type"] == "next"
        assert refused["payload"]["data"] is None
        assert [error["extensions"]["code"] for error in refused["payload"]["errors"]] == [
            "FORBIDDEN"
        ]
        assert await _next(socket) == {"id": "denied", "type": "complete"}


async def test_a_connection_without_a_valid_token_is_closed(demo: dict[str, Any]) -> None:
    url = demo["first"].replace("http://", "ws://") + "/graphql"
    for payload in ({}, {"Authorization": "Bearer not.a.token"}):
        async with connect(url, subprotocols=["graphql-transport-ws"]) as socket:
            await socket.send(json.dumps({"type": "connection_init", "payload": payload}))
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(socket.recv(), WAIT)
            assert closed.value.rcvd.code == 4403


async def test_protocol_mistakes_close_the_connection_with_their_codes(
    demo: dict[str, Any],
) -> None:
    token = demo["tokens"]["global_admin"]
    async with session(demo["first"], token) as socket:
        await _subscribe(socket, "twice", demo["ticket"])
        await _subscribe(socket, "twice", demo["ticket"])
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(socket.recv(), WAIT)
        assert closed.value.rcvd.code == 4409
    for mistake in ("not json", b"binary", '["a list"]', '{"type": "unknown"}'):
        async with session(demo["first"], token) as socket:
            await socket.send(mistake)
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(socket.recv(), WAIT)
            assert closed.value.rcvd.code == 4400, mistake
    async with session(demo["first"], token) as socket:
        await socket.send(json.dumps({"type": "connection_init", "payload": {}}))
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(socket.recv(), WAIT)
        assert closed.value.rcvd.code == 4429


async def test_a_query_over_the_socket_answers_once_and_completes(demo: dict[str, Any]) -> None:
    async with session(demo["first"], demo["tokens"]["sales_agent"]) as socket:
        message = {"id": "q", "type": "subscribe", "payload": {"query": "{ viewer { roles } }"}}
        await socket.send(json.dumps(message))
        assert await _next(socket) == {
            "id": "q",
            "type": "next",
            "payload": {"data": {"viewer": {"roles": ["sales_agent"]}}},
        }
        assert await _next(socket) == {"id": "q", "type": "complete"}
        await socket.send(
            json.dumps({"id": "bad", "type": "subscribe", "payload": {"query": "{ nope }"}})
        )
        refused = await _next(socket)
        assert (refused["id"], refused["type"]) == ("bad", "error")
        assert refused["payload"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_token_bound_to_the_safelist_runs_only_registered_operations_over_the_socket(
    demo: dict[str, Any],
) -> None:
    admin, registered = demo["tokens"]["global_admin"], "query Mine { viewer { roles } }"
    register = "mutation($d: String!) { registerPersistedOperations(input: {documents: [$d]}) " \
        "{ userErrors { code } } }"  # fmt: skip
    bind = 'mutation { setUserSafelistOnly(input: {subject: "socket-erp", safelistOnly: true}) ' \
        "{ userErrors { code } } }"  # fmt: skip
    for query, variables in ((register, {"d": registered}), (bind, None)):
        status, _ = await asyncio.to_thread(
            post, f"{demo['first']}/graphql", query, admin, variables
        )
        assert status == 200
    token = cli(
        demo["environment"], "token", "--tenant-id", CONTOSO, "--role", "global_admin",
        "--sub", "socket-erp",
    ).strip()  # fmt: skip
    digest = hashlib.sha256(registered.encode()).hexdigest()
    async with session(demo["first"], token) as socket:
        for operation_id, payload in (
            ("other", {"query": "{ viewer { roles } }"}),
            ("hashed", {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": digest}}}),
        ):
            await socket.send(
                json.dumps({"id": operation_id, "type": "subscribe", "payload": payload})
            )
        received = [await _next(socket) for _ in range(3)]  # in the order they finish
    by_kind = {(message["id"], message["type"]): message for message in received}
    assert set(by_kind) == {("other", "error"), ("hashed", "next"), ("hashed", "complete")}
    assert by_kind["other", "error"]["payload"][0]["extensions"]["code"] == "FORBIDDEN"
    answered = by_kind["hashed", "next"]["payload"]
    assert answered == {"data": {"viewer": {"roles": ["global_admin"]}}}


async def test_a_user_deactivated_while_connected_can_start_nothing_more(
    demo: dict[str, Any],
) -> None:
    agent = cli(
        demo["environment"],
        "token",
        "--tenant-id",
        CONTOSO,
        "--role",
        "helpdesk_agent",
        "--sub",
        "agent-to-deactivate",
    ).strip()
    admin = demo["tokens"]["global_admin"]
    async with session(demo["first"], agent) as socket:
        _, users = await asyncio.to_thread(post, f"{demo['first']}/graphql", USER_ID, admin)
        [user] = [
            node["id"]
            for node in users["data"]["users"]["nodes"]
            if node["subject"] == "agent-to-deactivate"
        ]
        _, done = await asyncio.to_thread(
            post, f"{demo['first']}/graphql", DEACTIVATE, admin, {"id": user}
        )
        assert done["data"]["deactivateUser"]["userErrors"] == []
        await _subscribe(socket, "after-deactivation", demo["ticket"])
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(socket.recv(), WAIT)
        assert closed.value.rcvd.code == 4403


async def test_an_operation_id_is_free_again_once_its_operation_completed(
    demo: dict[str, Any],
) -> None:
    token, ticket = demo["tokens"]["global_admin"], demo["ticket"]
    async with session(demo["first"], token) as socket:
        await _subscribe(socket, "again", ticket)
        await socket.send(json.dumps({"id": "again", "type": "complete"}))
        await _subscribe(socket, "again", ticket, await _last_event(demo["first"], token, ticket))
        await _comment(demo["first"], token, ticket, "To the second subscriber")
        received = await _next(socket)
        assert received["payload"]["data"]["ticketEvents"]["body"] == "To the second subscriber"
        await _subscribe(socket, "again", ticket)  # still running: refused
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(socket.recv(), WAIT)
        assert closed.value.rcvd.code == 4409
