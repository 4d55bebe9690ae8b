"""Webhooks: endpoints, signed deliveries to a real local HTTP receiver, retries, giving up,
disabling, redelivery, rotation, tenancy and the refusal of private targets."""

from __future__ import annotations

import asyncio
import random
import socket
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from api.settings import Settings, Webhooks
from api.webhooks import WebhookWorker
from auth.viewer import Role
from resolvers import models, webhook_targets
from resolvers.webhook_delivery import DeliveryPolicy
from resolvers.webhook_targets import TargetPolicy
from schema.nodes import from_global_id
from tests.conftest import TEST_SECRET, Api, World
from tests.webhook_receiver import receiving

CREATE = """
mutation Create($url: String!, $events: [String!]!, $key: String) {
  createWebhookEndpoint(input: {url: $url, events: $events, idempotencyKey: $key}) {
    webhookEndpoint { id url events enabled secret version }
    userErrors { field code message }
  }
}"""
UPDATE = """
mutation Update($id: ID!, $enabled: Boolean, $events: [String!], $url: String, $version: Int) {
  updateWebhookEndpoint(input: {id: $id, enabled: $enabled, events: $events, url: $url,
                                expectedVersion: $version}) {
    webhookEndpoint { id enabled disabledReason events url secret version }
    userErrors { field code }
  }
}"""
ROTATE = """
mutation Rotate($id: ID!) {
  rotateWebhookEndpointSecret(input: {id: $id}) {
    webhookEndpoint { secret previousSecretExpiresAt version }
    userErrors { code }
  }
}"""
DELETE = """
mutation Delete($id: ID!) {
  deleteWebhookEndpoint(input: {id: $id}) { deletedWebhookEndpointId userErrors { code } }
}"""
REDELIVER = """
mutation Redeliver($id: ID!) {
  redeliverWebhook(input: {deliveryId: $id}) {
    webhookDelivery { id status attemptCount }
    userErrors { code }
  }
}"""
ENDPOINTS = "{ webhookEndpoints { totalCount nodes { id url secret } } }"
ENDPOINT = "query($id: ID!) { webhookEndpoint(id: $id) { id url } }"
DELIVERIES = """
query Deliveries($id: ID!, $status: WebhookDeliveryStatus, $event: String) {
  webhookDeliveries(endpointId: $id, filter: {status: $status, event: $event}) {
    totalCount
    nodes {
      id event eventId status attemptCount lastStatusCode lastError deliveredAt
      endpoint { id }
      attempts { statusCode error durationMs }
    }
  }
}"""
CREATE_CUSTOMER = """
mutation New($name: String!) {
  createCustomer(input: {companyName: $name, domain: "example.com", country: "PT",
                         language: "pt-PT"}) {
    customer { id }
    userErrors { code }
  }
}"""


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Receivers of these tests run on loopback: private targets allowed."""
    return Settings(
        database_url=database_url,
        jwt_secret=TEST_SECRET,
        webhooks=Webhooks(allow_private_targets=True),
    )


def worker(**policy: Any) -> WebhookWorker:
    return WebhookWorker(
        DeliveryPolicy(**{"timeout_seconds": 2.0, **policy}),
        TargetPolicy(allow_private=True),
        rng=random.Random(7),
    )


async def register(
    api: Api, token: str, url: str, events: list[str] | None = None
) -> dict[str, Any]:
    """An endpoint for `events` (by default only `customer-created`: counting is simpler)."""
    wanted = ["customer-created"] if events is None else events
    body = await api.data(CREATE, {"url": url, "events": wanted}, token=token)
    payload = body["createWebhookEndpoint"]
    assert payload["userErrors"] == [], payload
    return payload["webhookEndpoint"]


async def new_customer(api: Api, token: str, name: str) -> str:
    body = await api.data(CREATE_CUSTOMER, {"name": name}, token=token)
    return body["createCustomer"]["customer"]["id"]


async def deliveries(api: Api, token: str, endpoint: str, **variables: Any) -> list[dict]:
    body = await api.data(DELIVERIES, {"id": endpoint, **variables}, token=token)
    return body["webhookDeliveries"]["nodes"]


async def make_due(endpoint: str) -> None:
    """Skip the wait before the next attempts of an endpoint's deliveries."""
    _, pk = from_global_id(endpoint)
    await models.WebhookDelivery.filter(endpoint_id=pk).update(
        next_attempt_at=datetime.now(UTC) - timedelta(seconds=1)
    )


async def test_an_event_is_delivered_signed_with_the_endpoints_secret(
    api: Api, world: World
) -> None:
    token = world.admin("direct")
    async with receiving() as receiver:
        endpoint = await register(api, token, receiver.url, [])
        assert endpoint["secret"].startswith("whsec_")
        assert endpoint["enabled"]
        customer = await new_customer(api, token, "Signed Lda")
        assert await worker().tick() == 2
        # one is the endpoint's own creation: a ping, and a check of the setup
        by_event = {request.json["event"]: request for request in receiver.received}
        ping, request = by_event["webhook-endpoint-created"], by_event["customer-created"]
    assert ping.json["data"]["entityId"] == endpoint["id"]
    assert request.path == "/hooks"
    assert request.signed_with(endpoint["secret"])
    assert not request.signed_with("whsec_something-else")
    assert request.headers["content-type"] == "application/json"
    assert request.headers["partnergraph-event"] == "customer-created"
    assert request.headers["partnergraph-delivery-attempt"] == "1"
    body = request.json
    assert body["event"] == "customer-created"
    assert body["id"] == request.headers["partnergraph-event-id"]
    assert body["data"] == {
        "entityType": "Customer",
        "entityId": customer,
        "operation": "CREATED",
        "version": 1,
    }
    [delivery] = await deliveries(api, token, endpoint["id"], event="customer-created")
    assert delivery["status"] == "SUCCEEDED"
    assert delivery["deliveredAt"]
    assert delivery["eventId"] == body["id"]
    assert delivery["endpoint"] == {"id": endpoint["id"]}
    assert [attempt["statusCode"] for attempt in delivery["attempts"]] == [200]
    # the secret is shown once: in the answer of the creation
    listed = await api.data(ENDPOINTS, token=token)
    assert listed["webhookEndpoints"]["nodes"] == [
        {"id": endpoint["id"], "url": receiver.url, "secret": None}
    ]


async def test_the_signature_timestamp_is_the_time_of_sending(api: Api, world: World) -> None:
    token = world.admin("direct")
    async with receiving() as receiver:
        await register(api, token, receiver.url)
        await new_customer(api, token, "Timely Lda")
        before = int(datetime.now(UTC).timestamp())
        await worker().tick()
        after = int(datetime.now(UTC).timestamp())
    signature = dict(
        part.split("=", 1)
        for part in receiver.received[0].headers["partnergraph-signature"].split(",")
    )
    assert before <= int(signature["t"]) <= after


async def test_an_endpoint_gets_only_the_events_it_asked_for(api: Api, world: World) -> None:
    token = world.admin("direct")
    async with receiving() as receiver:
        endpoint = await register(api, token, receiver.url, ["customer-updated"])
        customer = await new_customer(api, token, "Filtered Lda")
        rename = """mutation($id: ID!) { updateCustomer(input: {id: $id, expectedVersion: 1,
          companyName: "Filtered SA"}) { userErrors { code } } }"""
        await api.data(rename, {"id": customer}, token=token)
        await worker().tick()
    assert receiver.events() == ["customer-updated"]
    assert [d["event"] for d in await deliveries(api, token, endpoint["id"])] == [
        "customer-updated"
    ]


async def test_a_failed_attempt_is_retried_until_it_succeeds(api: Api, world: World) -> None:
    token = world.admin("direct")
    async with receiving() as receiver:
        receiver.answers = [500, 503]
        endpoint = await register(api, token, receiver.url)
        await new_customer(api, token, "Retried Lda")
        await worker().tick()
        [pending] = await deliveries(api, token, endpoint["id"])
        assert (pending["status"], pending["lastStatusCode"]) == ("PENDING", 500)
        assert await worker().tick() == 0  # not due yet: it waits
        for _ in range(2):
            await make_due(endpoint["id"])
            await worker().tick()
    [done] = await deliveries(api, token, endpoint["id"])
    assert done["status"] == "SUCCEEDED"
    assert done["attemptCount"] == 3
    assert [a["statusCode"] for a in done["attempts"]] == [500, 503, 200]
    assert [r.headers["partnergraph-delivery-attempt"] for r in receiver.received] == [
        "1",
        "2",
        "3",
    ]
    # every attempt carries the same event, byte for byte
    assert len({(r.headers["partnergraph-event-id"], r.body) for r in receiver.received}) == 1


@pytest.mark.parametrize(
    ("status", "retried"),
    [(400, False), (404, False), (410, False), (408, True), (429, True), (502, True)],
)
async def test_a_4xx_is_not_retried_but_408_and_429_are(
    api: Api, world: World, status: int, retried: bool
) -> None:
    token = world.admin("direct")
    async with receiving() as receiver:
        receiver.status = status
        endpoint = await register(api, token, receiver.url)
        await new_customer(api, token, "Refused Lda")
        await worker().tick()
    [delivery] = await deliveries(api, token, endpoint["id"])
    assert delivery["status"] == ("PENDING" if retried else "FAILED")
    assert delivery["lastStatusCode"] == status


async def test_retry_after_of_a_429_is_waited_for(api: Api, world: World) -> None:
    token = world.admin("direct")
    async with receiving() as receiver:
        receiver.status, receiver.headers = 429, {"Retry-After": "1200"}
        endpoint = await register(api, token, receiver.url)
        await new_customer(api, token, "Patient Lda")
        await worker().tick()
    [row] = await models.WebhookDelivery.filter(endpoint_id=from_global_id(endpoint["id"])[1])
    assert row.next_attempt_at - datetime.now(UTC) > timedelta(seconds=1100)


async def test_no_answer_is_retried_and_logged(api: Api, world: World) -> None:
    token = world.admin("direct")
    async with receiving() as receiver:
        url = receiver.url
    endpoint = await register(api, token, url)  # nobody listens there any more
    await new_customer(api, token, "Silent Lda")
    await worker().tick()
    [delivery] = await deliveries(api, token, endpoint["id"])
    assert delivery["status"] == "PENDING"
    assert delivery["lastStatusCode"] is None
    assert delivery["lastError"].startswith("connection failed")
    assert delivery["attempts"][0]["error"] == delivery["lastError"]


def test_waits_grow_exponentially_with_jitter_for_about_a_day() -> None:
    policy, rng = DeliveryPolicy(), random.Random(3)
    waits = [policy.wait_after(attempt, rng) for attempt in range(1, 20)]
    assert 15 <= waits[0] <= 45
    assert 30 <= waits[1] <= 90
    bases = [min(30 * 2 ** (n - 1), 6 * 3600) for n in range(1, 20)]
    assert all(base * 0.5 <= wait <= base * 1.5 for wait, base in zip(waits, bases, strict=True))
    elapsed, attempts = 0.0, 1
    while elapsed + (wait := policy.wait_after(attempts, random.Random(attempts))) <= 86_400:
        elapsed, attempts = elapsed + wait, attempts + 1
    assert 10 <= attempts <= 16  # attempts in the day a delivery is retried


async def test_a_delivery_expires_after_its_day_of_retries(api: Api, world: World) -> None:
    token = world.admin("direct")
    async with receiving() as receiver:
        receiver.status = 500
        endpoint = await register(api, token, receiver.url)
        await new_customer(api, token, "Expired Lda")
        await worker().tick()
        await models.WebhookDelivery.all().update(expires_at=datetime.now(UTC))
        await make_due(endpoint["id"])
        await worker().tick()
    [delivery] = await deliveries(api, token, endpoint["id"])
    assert (delivery["status"], delivery["attemptCount"]) == ("FAILED", 2)


async def _failing_for_a_day(api: Api, token: str, receiver: Any) -> tuple[dict[str, Any], int]:
    """An endpoint whose first delivery failed (503), as if 25 hours ago: its next failure
    disables it. The endpoint and its primary key."""
    receiver.status = 503
    endpoint = await register(api, token, receiver.url)
    await new_customer(api, token, "Failing Lda")
    await worker().tick()
    pk = from_global_id(endpoint["id"])[1]
    await models.WebhookEndpoint.filter(id=pk).update(
        failing_since=datetime.now(UTC) - timedelta(hours=25)
    )
    return endpoint, pk


async def test_an_endpoint_that_answers_even_to_refuse_is_not_failing(
    api: Api, world: World
) -> None:
    """A receiver that refuses one delivery (a final 4xx) is up: a failure a day later is
    the first of a new run of failures, not the end of a day of them."""
    token = world.admin("direct")
    async with receiving() as receiver:
        endpoint, pk = await _failing_for_a_day(api, token, receiver)
        receiver.status = 400
        await make_due(endpoint["id"])
        await worker().tick()
        row = await models.WebhookEndpoint.get(id=pk)
        assert (row.enabled, row.failing_since) == (True, None)
        receiver.status = 503
        await new_customer(api, token, "Later Lda")
        await worker().tick()
        row = await models.WebhookEndpoint.get(id=pk)
        assert row.enabled is True
        assert row.failing_since is not None


async def test_an_endpoint_failing_for_a_day_is_disabled_and_enabled_again(
    api: Api, world: World
) -> None:
    token = world.admin("direct")
    async with receiving() as receiver:
        endpoint, pk = await _failing_for_a_day(api, token, receiver)
        await make_due(endpoint["id"])
        await worker().tick()
        row = await models.WebhookEndpoint.get(id=pk)
        assert (row.enabled, row.disabled_reason) == (False, models.DisabledReason.FAILING)
        audit = await models.AuditEvent.get(action="webhook_endpoint.disabled")
        assert (audit.actor_sub, audit.entity_id, audit.after["enabled"]) == (
            "partnergraph",
            pk,
            False,
        )
        # while disabled, nothing is sent, and new events wait
        await new_customer(api, token, "Waiting Lda")
        await make_due(endpoint["id"])
        assert await worker().tick() == 0
        receiver.status = 200
        enabled = await api.data(UPDATE, {"id": endpoint["id"], "enabled": True}, token=token)
        assert enabled["updateWebhookEndpoint"]["webhookEndpoint"]["enabled"] is True
        await worker().tick()
    assert receiver.events()[-2:] == ["customer-created", "customer-created"]
    states = {d["status"] for d in await deliveries(api, token, endpoint["id"])}
    assert states == {"SUCCEEDED"}
    assert (await models.WebhookEndpoint.get(id=pk)).failing_since is None


async def test_a_success_clears_the_failing_mark(api: Api, world: World) -> None:
    token = world.admin("direct")
    async with receiving() as receiver:
        receiver.answers = [500]
        endpoint = await register(api, token, receiver.url)
        await new_customer(api, token, "Recovering Lda")
        await worker().tick()
        pk = from_global_id(endpoint["id"])[1]
        assert (await models.WebhookEndpoint.get(id=pk)).failing_since is not None
        await make_due(endpoint["id"])
        await worker().tick()
    assert (await models.WebhookEndpoint.get(id=pk)).failing_since is None


async def test_a_delivery_is_redelivered_with_the_same_event_id(api: Api, world: World) -> None:
    token = world.admin("direct")
    async with receiving() as receiver:
        endpoint = await register(api, token, receiver.url)
        await new_customer(api, token, "Twice Lda")
        await worker().tick()
        [delivery] = await deliveries(api, token, endpoint["id"])
        answer = await api.data(REDELIVER, {"id": delivery["id"]}, token=token)
        assert answer["redeliverWebhook"]["webhookDelivery"]["status"] == "PENDING"
        await worker().tick()
    first, second = receiver.received
    assert first.headers["partnergraph-event-id"] == second.headers["partnergraph-event-id"]
    assert first.body == second.body
    [again] = await deliveries(api, token, endpoint["id"])
    # its attempts are counted anew (and its back-off starts again); the log keeps both
    assert (again["status"], again["attemptCount"]) == ("SUCCEEDED", 1)
    assert [attempt["statusCode"] for attempt in again["attempts"]] == [200, 200]
    audit = await models.AuditEvent.filter(action="webhook_delivery.redelivered").count()
    assert audit == 1


async def test_redelivery_to_a_disabled_endpoint_is_refused(api: Api, world: World) -> None:
    token = world.admin("direct")
    async with receiving() as receiver:
        endpoint = await register(api, token, receiver.url)
        await new_customer(api, token, "Closed Lda")
        await worker().tick()
    [delivery] = await deliveries(api, token, endpoint["id"])
    await api.data(UPDATE, {"id": endpoint["id"], "enabled": False}, token=token)
    answer = await api.data(REDELIVER, {"id": delivery["id"]}, token=token)
    assert answer["redeliverWebhook"]["userErrors"] == [{"code": "INVALID_STATE_TRANSITION"}]


async def test_after_a_rotation_both_secrets_sign_for_a_day(api: Api, world: World) -> None:
    token = world.admin("direct")
    async with receiving() as receiver:
        endpoint = await register(api, token, receiver.url)
        body = await api.data(ROTATE, {"id": endpoint["id"]}, token=token)
        rotated = body["rotateWebhookEndpointSecret"]["webhookEndpoint"]
        assert rotated["secret"] != endpoint["secret"]
        assert rotated["previousSecretExpiresAt"]
        await new_customer(api, token, "Rotated Lda")
        await worker().tick()
        [request] = receiver.received
        assert request.signed_with(rotated["secret"])
        assert request.signed_with(endpoint["secret"])
        pk = from_global_id(endpoint["id"])[1]
        await models.WebhookEndpoint.filter(id=pk).update(
            previous_secret_until=datetime.now(UTC) - timedelta(seconds=1)
        )
        await new_customer(api, token, "Rotated Again Lda")
        await worker().tick()
        latest = receiver.received[-1]
    assert latest.signed_with(rotated["secret"])
    assert not latest.signed_with(endpoint["secret"])


async def test_an_endpoint_is_updated_with_its_version_and_deleted(api: Api, world: World) -> None:
    token = world.admin("direct")
    async with receiving() as receiver:
        endpoint = await register(api, token, receiver.url)
        stale = {"id": endpoint["id"], "events": ["invoice-issued"], "version": 7}
        refused = await api.data(UPDATE, stale, token=token)
        assert refused["updateWebhookEndpoint"]["userErrors"][0]["code"] == "VERSION_CONFLICT"
        changed = await api.data(UPDATE, {**stale, "version": 1}, token=token)
        updated = changed["updateWebhookEndpoint"]["webhookEndpoint"]
        assert (updated["events"], updated["version"], updated["secret"]) == (
            ["invoice-issued"],
            2,
            None,
        )
        deleted = await api.data(DELETE, {"id": endpoint["id"]}, token=token)
        assert deleted["deleteWebhookEndpoint"]["deletedWebhookEndpointId"] == endpoint["id"]
    gone = await api.gql(ENDPOINT, {"id": endpoint["id"]}, token=token)
    assert gone["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_an_idempotency_key_registers_one_endpoint(api: Api, world: World) -> None:
    token = world.admin("direct")
    variables = {"url": "http://127.0.0.1:9/hooks", "events": [], "key": "endpoint-1"}
    first = await api.data(CREATE, variables, token=token)
    again = await api.data(CREATE, variables, token=token)
    assert (
        first["createWebhookEndpoint"]["webhookEndpoint"]["id"]
        == again["createWebhookEndpoint"]["webhookEndpoint"]["id"]
    )
    reused = await api.data(CREATE, {**variables, "url": "http://127.0.0.1:10/"}, token=token)
    assert reused["createWebhookEndpoint"]["userErrors"][0]["code"] == "IDEMPOTENCY_KEY_REUSED"
    created = first["createWebhookEndpoint"]["webhookEndpoint"]
    assert again["createWebhookEndpoint"]["webhookEndpoint"]["secret"] == created["secret"]
    await api.data(UPDATE, {"id": created["id"], "enabled": False}, token=token)
    still = await api.data(CREATE, variables, token=token)  # changed since, not rotated
    assert still["createWebhookEndpoint"]["webhookEndpoint"]["secret"] == created["secret"]
    # a retry after a rotation does not show the new secret
    rotated = await api.data(ROTATE, {"id": created["id"]}, token=token)
    assert rotated["rotateWebhookEndpointSecret"]["webhookEndpoint"]["secret"] != created["secret"]
    late = await api.data(CREATE, variables, token=token)
    assert late["createWebhookEndpoint"]["webhookEndpoint"]["secret"] is None


async def test_unknown_event_names_are_refused_with_the_names(api: Api, world: World) -> None:
    body = await api.data(
        CREATE,
        {"url": "http://127.0.0.1:9/", "events": ["customer-created", "customer-exploded"]},
        token=world.admin("direct"),
    )
    [error] = body["createWebhookEndpoint"]["userErrors"]
    assert (error["field"], error["code"]) == (["events"], "BAD_USER_INPUT")
    assert "customer-exploded" in error["message"]
    names = await api.data("{ webhookEventNames }", token=world.admin("direct"))
    assert {"customer-created", "invoice-issued", "ticket-escalated"} <= set(
        names["webhookEventNames"]
    )


async def test_another_tenants_endpoints_and_events_stay_theirs(api: Api, world: World) -> None:
    async with receiving() as mine, receiving() as theirs:
        endpoint = await register(api, world.admin("direct"), mine.url)
        other = await register(api, world.admin("other"), theirs.url)
        await new_customer(api, world.admin("other"), "Not Yours Lda")
        await worker().tick()
        assert mine.received == []
        assert theirs.events() == ["customer-created"]
    token = world.admin("direct")
    listed = await api.data(ENDPOINTS, token=token)
    assert [node["id"] for node in listed["webhookEndpoints"]["nodes"]] == [endpoint["id"]]
    for query, variables in (
        (ENDPOINT, {"id": other["id"]}),
        (DELIVERIES, {"id": other["id"]}),
    ):
        body = await api.gql(query, variables, token=token)
        assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    for mutation in (UPDATE, ROTATE, DELETE):
        body = await api.data(mutation, {"id": other["id"]}, token=token)
        [payload] = body.values()
        assert payload["userErrors"][0]["code"] == "NOT_FOUND"


async def test_an_endpoint_carries_only_what_its_creator_may_read(api: Api, world: World) -> None:
    """A helpdesk agent (no `users:read`) registers an endpoint: it gets no user events,
    which a global admin's endpoint gets. Neither a helpdesk agent nor a billing admin sees
    an endpoint that carries more than they read, nor can they rotate its secret."""
    helpdesk = world.token("direct", Role.HELPDESK_AGENT)
    billing = world.token("direct", Role.BILLING_ADMIN)
    async with receiving() as agents, receiving() as admins:
        await register(api, helpdesk, agents.url, [])
        everything = await register(api, world.admin("direct"), admins.url, [])
        # a user signs in for the first time: a user event
        await api.data("{ viewer { userId } }", token=world.token("direct", Role.SALES_AGENT))
        await worker().tick()
    assert "user-first-seen" in admins.events()
    assert "user-first-seen" not in agents.events()
    for token in (helpdesk, billing):
        listed = await api.data(ENDPOINTS, token=token)
        assert everything["id"] not in {n["id"] for n in listed["webhookEndpoints"]["nodes"]}
        body = await api.data(ROTATE, {"id": everything["id"]}, token=token)
        assert body["rotateWebhookEndpointSecret"]["userErrors"] == [{"code": "NOT_FOUND"}]


async def test_roles_without_webhooks_write_are_forbidden(api: Api, world: World) -> None:
    token = world.token("direct", Role.USER_MANAGEMENT_ADMIN)
    body = await api.gql(CREATE, {"url": "https://hooks.example.com/", "events": []}, token=token)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_concurrent_workers_deliver_each_event_once(api: Api, world: World) -> None:
    token = world.admin("direct")
    async with receiving() as receiver:
        await register(api, token, receiver.url)
        for number in range(12):
            await new_customer(api, token, f"Concurrent {number} Lda")
        workers = [worker(concurrency=3) for _ in range(3)]
        await asyncio.gather(*(each.tick() for each in workers))
        await asyncio.gather(*(each.tick() for each in workers))
    ids = [r.headers["partnergraph-event-id"] for r in receiver.received]
    assert len(ids) == 12
    assert len(set(ids)) == 12


async def test_the_deletion_of_an_endpoint_is_in_the_change_feed(api: Api, world: World) -> None:
    token = world.admin("direct")
    endpoint = await register(api, token, "http://127.0.0.1:9/")
    await api.data(DELETE, {"id": endpoint["id"]}, token=token)
    feed = """{ changes(first: 1000, filter: {entityTypes: ["WebhookEndpoint"]}) {
      nodes { entityId operation event version } } }"""
    body = await api.data(feed, token=token)
    assert body["changes"]["nodes"] == [
        {
            "entityId": endpoint["id"],
            "operation": "CREATED",
            "event": "webhook-endpoint-created",
            "version": 1,
        },
        {
            "entityId": endpoint["id"],
            "operation": "DELETED",
            "event": "webhook-endpoint-deleted",
            "version": 2,
        },
    ]


# -- where webhooks may not go ------------------------------------------------------------------


def resolving(table: dict[str, list[str]]) -> Any:
    async def resolve(host: str, port: int) -> list[str]:
        if host not in table:
            raise OSError("no such host")
        return table[host]

    return resolve


PUBLIC = "93.184.215.14"


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("http://hooks.example.com/", "webhook.url_scheme"),
        ("ftp://hooks.example.com/", "webhook.url_scheme"),
        ("https://127.0.0.1/", "webhook.url_private"),
        ("https://[::1]:8443/", "webhook.url_private"),
        ("https://0.0.0.0/", "webhook.url_private"),
        ("https://169.254.169.254/latest/meta-data/", "webhook.url_private"),
        ("https://10.1.2.3/", "webhook.url_private"),
        ("https://172.16.0.1/", "webhook.url_private"),
        ("https://192.168.1.1/", "webhook.url_private"),
        ("https://[::ffff:127.0.0.1]/", "webhook.url_private"),
        ("https://[fd00::1]/", "webhook.url_private"),
        ("https://[64:ff9b::a9fe:a9fe]/", "webhook.url_private"),  # NAT64 of 169.254.169.254
        ("https://[2002:7f00:1::]/", "webhook.url_private"),  # 6to4 of 127.0.0.1
        ("https://[::7f00:1]/", "webhook.url_private"),  # IPv4-compatible 127.0.0.1
        ("https://[64:ff9b:1::a00:1]/", "webhook.url_private"),  # a local NAT64 prefix
        # not global, though Python 3.11's `is_global` says so
        ("https://[fec0::1]/", "webhook.url_private"),  # site-local
        ("https://[::ffff:0:7f00:1]/", "webhook.url_private"),  # IPv4-translated 127.0.0.1
        ("https://192.0.0.8/", "webhook.url_private"),  # IETF protocol assignments
        ("https://2130706433/", "webhook.url_private"),  # 127.0.0.1 as a number
        ("https://0x7f.1/", "webhook.url_private"),
        ("https://internal.example.com/", "webhook.url_private"),  # resolves to 10.0.0.5
        ("https://mixed.example.com/", "webhook.url_private"),  # one address of two
        ("https://nowhere.example.com/", "webhook.url_unresolvable"),
        ("https://user:pass@hooks.example.com/", "webhook.url_invalid"),
        ("https://hooks.example.com/#fragment", "webhook.url_invalid"),
        ("https://hooks.example.com/a b", "webhook.url_invalid"),
        ("https:///nohost", "webhook.url_invalid"),
        ("https://hooks.example.com:99999/", "webhook.url_invalid"),
    ],
)
async def test_private_and_malformed_targets_are_refused(url: str, key: str) -> None:
    table = {
        "hooks.example.com": [PUBLIC],
        "internal.example.com": ["10.0.0.5"],
        "mixed.example.com": [PUBLIC, "192.168.0.10"],
    }
    policy = TargetPolicy(resolver=_numeric_then(resolving(table)))
    with pytest.raises(Exception) as refused:  # noqa: PT011 - the key is checked
        await policy.checked(url)
    assert getattr(refused.value, "key", None) == key


def _numeric_then(resolve: Any) -> Any:
    """Addresses, in any form the system accepts, resolve as the system resolves them; names
    through the stub table (nothing leaves the machine)."""

    async def resolver(host: str, port: int) -> list[str]:
        if host.replace(".", "").replace(":", "").isalnum() and "example" not in host:
            from resolvers.webhook_targets import resolve_host

            return await resolve_host(host, port)
        return await resolve(host, port)

    return resolver


async def test_a_name_whose_dns_hangs_holds_one_thread_and_delays_no_other(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    released, looked_up = threading.Event(), Counter[str]()

    def getaddrinfo(host: str, port: int, **_: Any) -> list[Any]:
        looked_up[host] += 1
        if host == "hangs.example.com":  # a partner's broken DNS server
            released.wait(30)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (PUBLIC, port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(webhook_targets, "LOOKUP_SECONDS", 0.2)
    policy = TargetPolicy()
    try:
        # more deliveries to it than there are threads to look names up in
        waiting = [
            asyncio.create_task(policy.checked("https://hangs.example.com/"))
            for _ in range(2 * webhook_targets.RESOLVING._max_workers)
        ]
        await asyncio.sleep(0)
        target = await policy.checked("https://hooks.example.com/")
        assert target.host == "hooks.example.com"
        refusals = await asyncio.gather(*waiting, return_exceptions=True)
        assert {getattr(refusal, "key", refusal) for refusal in refusals} == {
            "webhook.url_unresolvable"  # for now: its deliveries are retried
        }
        assert looked_up == {"hangs.example.com": 1, "hooks.example.com": 1}
    finally:
        released.set()


async def test_a_public_https_target_is_accepted() -> None:
    policy = TargetPolicy(resolver=resolving({"hooks.example.com": [PUBLIC]}))
    target = await policy.checked("https://hooks.example.com:8443/in?topic=all")
    assert (target.host, target.port, target.path) == ("hooks.example.com", 8443, "/in?topic=all")


async def test_an_international_url_is_sent_as_dns_and_http_spell_it() -> None:
    policy = TargetPolicy(resolver=resolving({"xn--r8jz45g.jp": [PUBLIC]}))
    target = await policy.checked("https://例え.jp/フック?q=ä&x=%20")
    assert target.host == "xn--r8jz45g.jp"
    assert target.path == "/%E3%83%95%E3%83%83%E3%82%AF?q=%C3%A4&x=%20"


async def test_a_host_that_does_not_resolve_for_now_is_tried_again(api: Api, world: World) -> None:
    token = world.admin("direct")
    endpoint = await register(api, token, "http://127.0.0.1:9/in")
    await models.WebhookEndpoint.filter(id=from_global_id(endpoint["id"])[1]).update(
        url="http://hooks.example.com/in"  # its DNS is down when the delivery is due
    )
    await new_customer(api, token, "Later Lda")
    unresolved = WebhookWorker(
        DeliveryPolicy(timeout_seconds=2.0),
        TargetPolicy(allow_private=True, resolver=resolving({})),
    )
    await unresolved.tick()
    [delivery] = await deliveries(api, token, endpoint["id"])
    assert delivery["status"] == "PENDING"
    assert delivery["lastError"] == "refused: webhook.url_unresolvable"


async def test_a_silent_endpoint_does_not_hold_up_the_others(api: Api, world: World) -> None:
    """One endpoint takes its requests and never answers; another's delivery goes out at
    once, not after the silent one's attempts have timed out."""
    token = world.admin("direct")
    async with receiving() as silent, receiving() as lively:
        silent.hold = asyncio.Event()  # never set: no answer, until the attempts time out
        await register(api, token, silent.url)
        for number in range(10):
            await new_customer(api, token, f"Backlog {number} Lda")
        await register(api, token, lively.url)
        await new_customer(api, token, "Prompt Lda")
        tick = asyncio.create_task(worker(timeout_seconds=3.0, concurrency=6).tick())
        await lively.wait_for(1, seconds=2.0)
        assert len(silent.received) <= 4  # its share of the attempts under way
        silent.hold.set()
        await tick


async def test_registration_refuses_a_private_target_by_default(
    api: Api, world: World, database_url: str
) -> None:
    import httpx

    from api.app import create_app

    app = create_app(
        Settings(database_url=database_url, jwt_secret=TEST_SECRET), manage_database=False
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        body = await Api(client).data(
            CREATE, {"url": "https://127.0.0.1/hooks", "events": []}, token=world.admin("direct")
        )
    [error] = body["createWebhookEndpoint"]["userErrors"]
    assert (error["field"], error["code"]) == (["url"], "BAD_USER_INPUT")


async def test_a_target_that_turns_private_after_registration_is_not_sent_to(
    api: Api, world: World
) -> None:
    """DNS rebinding: the name resolved to a public address when it was registered, to a
    private one when the delivery is due. Nothing is sent, and the delivery gives up."""
    token = world.admin("direct")
    async with receiving() as receiver:
        endpoint = await register(api, token, receiver.url)
        await new_customer(api, token, "Rebound Lda")
        table = {"127.0.0.1": ["127.0.0.1"]}
        strict = WebhookWorker(
            DeliveryPolicy(timeout_seconds=2.0),
            TargetPolicy(allow_private=False, resolver=resolving(table)),
        )
        # the receiver's URL is http: allowed only with private targets, refused here
        await strict.tick()
        assert receiver.received == []
    [delivery] = await deliveries(api, token, endpoint["id"])
    assert delivery["status"] == "FAILED"
    assert delivery["lastError"].startswith("refused: webhook.url_")


async def test_endpoints_page_with_cursors_and_count_the_whole_list(api: Api, world: World) -> None:
    token = world.admin("direct")
    made = [await register(api, token, f"http://127.0.0.1:9/{number}") for number in range(3)]
    page = """query($after: String) { webhookEndpoints(first: 1, after: $after) {
      totalCount nodes { id } pageInfo { hasNextPage hasPreviousPage endCursor } } }"""
    first = (await api.data(page, token=token))["webhookEndpoints"]
    second = (await api.data(page, {"after": first["pageInfo"]["endCursor"]}, token=token))[
        "webhookEndpoints"
    ]
    assert [node["id"] for node in first["nodes"] + second["nodes"]] == [
        endpoint["id"] for endpoint in made[:2]
    ]
    assert (first["totalCount"], second["totalCount"]) == (3, 3)
    assert second["pageInfo"] == {
        "hasNextPage": True,
        "hasPreviousPage": True,
        "endCursor": second["pageInfo"]["endCursor"],
    }


async def test_the_activity_log_shows_an_admin_agent_what_it_reads_and_the_endpoints_it_manages(
    api: Api, world: World
) -> None:
    """The admin agent reads the activity log ("Activity logs": AA; GA full), but not the user
    directory's records, nor an endpoint it may not manage: its URL and events are the
    global admin's."""
    admin = world.admin("direct")
    await api.data("{ viewer { roles } }", token=admin)  # its directory entry, and its record
    agent = world.token("direct", Role.ADMIN_AGENT, sub="agent-log")
    renamed = await api.data(
        'mutation($id: ID!) { updateCustomer(input: {id: $id, expectedVersion: 1, companyName: "Renamed SA"}) { userErrors { code } } }',
        {"id": world.customer_id("direct")},
        token=agent,
    )
    assert renamed["updateCustomer"]["userErrors"] == []
    admins = await register(api, admin, "http://127.0.0.1:9/admin")
    agents = await register(api, agent, "http://127.0.0.1:9/agent")
    log = "{ auditEvents(first: 100) { totalCount nodes { entityType entityId action } } }"

    def seen(data: dict[str, Any]) -> dict[str, set[str]]:
        by_type: dict[str, set[str]] = {}
        for node in data["auditEvents"]["nodes"]:
            by_type.setdefault(node["entityType"], set()).add(node["entityId"])
        return by_type

    full = await api.data(log, token=admin)
    assert seen(full)["WebhookEndpoint"] == {admins["id"], agents["id"]}
    assert "User" in seen(full)
    assert "Customer" in seen(full)
    limited = await api.data(log, token=agent)
    assert "User" not in seen(limited)
    assert seen(limited)["WebhookEndpoint"] == {agents["id"]}
    assert world.customer_id("direct") in seen(limited)["Customer"]
    assert limited["auditEvents"]["totalCount"] == len(limited["auditEvents"]["nodes"])
    assert full["auditEvents"]["totalCount"] > limited["auditEvents"]["totalCount"]
    # its own endpoint's history outlives the endpoint
    deleted = await api.data(DELETE, {"id": agents["id"]}, token=agent)
    assert deleted["deleteWebhookEndpoint"]["userErrors"] == []
    after = await api.data(log, token=agent)
    assert seen(after)["WebhookEndpoint"] == {agents["id"]}
    assert "webhook_endpoint.deleted" in {node["action"] for node in after["auditEvents"]["nodes"]}
    # and the global admin's stays hidden from it once deleted
    gone = await api.data(DELETE, {"id": admins["id"]}, token=admin)
    assert gone["deleteWebhookEndpoint"]["userErrors"] == []
    assert seen(await api.data(log, token=agent))["WebhookEndpoint"] == {agents["id"]}
    assert seen(await api.data(log, token=admin))["WebhookEndpoint"] == {admins["id"], agents["id"]}
