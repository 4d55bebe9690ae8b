"""Prometheus metrics on `/metrics`: requests, latency and errors as clients caused them, and
the backlogs read from the database when scraped."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import httpx
from prometheus_client.parser import text_string_to_metric_families

from api.metrics import MAX_OPERATION_NAMES
from api.settings import Environment, Settings
from resolvers.changes import assign_positions
from resolvers.models import ChangeEvent, DeliveryStatus, WebhookDelivery
from tests.conftest import Api, World
from tests.databases import backend
from tests.test_rate_limits import serving

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


async def scrape(client: httpx.AsyncClient, **headers: str) -> Samples:
    response = await client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def requests(samples: Samples, operation: str, status: int) -> float:
    labels = (("operation", operation), ("status", str(status)))
    return samples[("partnergraph_requests_total", labels)]


async def test_requests_latency_and_errors_are_counted_by_operation_and_code(
    client: httpx.AsyncClient, api: Api, world: World
) -> None:
    token = world.admin("direct")
    await api.post("query Roles { viewer { roles } }", token=token)
    await api.post("query Roles { viewer { roles } }", token=token)
    await api.post("{ viewer { roles } }", token=token)
    await api.post("query Broken { viewer { nonsense } }", token=token)
    await api.post("{ viewer { roles } }")  # no token
    await client.post("/graphql", content=b"{", headers={"content-type": "application/json"})
    samples = await scrape(client)
    assert requests(samples, "Roles", 200) == 2
    assert requests(samples, "anonymous", 200) == 1
    # a request refused before an operation was chosen (validation, bad JSON) has none
    assert requests(samples, "none", 200) == 1
    assert requests(samples, "none", 400) == 1
    assert samples[("partnergraph_request_duration_seconds_count", (("operation", "Roles"),))] == 2
    assert samples[("partnergraph_errors_total", (("code", "BAD_USER_INPUT"),))] == 2
    assert samples[("partnergraph_errors_total", (("code", "UNAUTHENTICATED"),))] == 1


async def test_operation_names_beyond_the_first_ones_count_as_other(
    client: httpx.AsyncClient, api: Api, world: World
) -> None:
    token = world.admin("direct")
    for number in range(MAX_OPERATION_NAMES + 5):
        await api.post(f"query Name{number} {{ viewer {{ roles }} }}", token=token)
    samples = await scrape(client)
    operations = {
        dict(labels)["operation"]
        for name, labels in samples
        if name == "partnergraph_requests_total"
    }
    assert len(operations) == MAX_OPERATION_NAMES + 1
    assert (
        samples[("partnergraph_requests_total", (("operation", "other"), ("status", "200")))] == 5
    )


async def test_webhook_backlog_and_feed_lag_are_read_when_scraped(
    client: httpx.AsyncClient, world: World
) -> None:
    now = datetime.now(UTC)
    await assign_positions()  # the world's own changes are in the feed
    await ChangeEvent.create(
        partner_id=world.partners["direct"].id,
        entity_type="Customer",
        entity_id=1,
        operation="UPDATED",
        version=2,
        occurred_at=now - timedelta(minutes=5),
    )
    for number, minutes in enumerate((-10, -1, 30)):  # two due, one later
        await WebhookDelivery.create(
            endpoint_id=1,
            partner_id=world.partners["direct"].id,
            change_event_id=number,
            event="customer-updated",
            status=DeliveryStatus.PENDING,
            next_attempt_at=now + timedelta(minutes=minutes),
            expires_at=now + timedelta(days=1),
        )
    samples = await scrape(client)
    assert samples[("partnergraph_webhook_deliveries_pending", ())] == 3
    assert samples[("partnergraph_webhook_deliveries_due", ())] == 2
    assert 600 <= samples[("partnergraph_webhook_oldest_due_seconds", ())] < 660
    assert samples[("partnergraph_change_feed_waiting_changes", ())] == 1
    assert 300 <= samples[("partnergraph_change_feed_lag_seconds", ())] < 360
    if backend() == "postgres":
        maximum = samples[("partnergraph_database_connections", (("state", "maximum"),))]
        assert maximum >= samples[("partnergraph_database_connections", (("state", "in_use"),))]


async def test_metrics_need_their_token_when_one_is_set(settings: Settings) -> None:
    guarded = replace(settings, metrics_token="scrape-me-please")
    async with serving(guarded) as api:
        assert (await api.client.get("/metrics")).status_code == 401
        wrong = await api.client.get("/metrics", headers={"authorization": "Bearer nope"})
        assert wrong.status_code == 401
        await scrape(api.client, authorization="Bearer scrape-me-please")


async def test_production_serves_no_metrics_without_a_token(settings: Settings) -> None:
    production = replace(settings, environment=Environment.PRODUCTION, jwt_secret="x" * 40)
    async with serving(production) as api:
        assert (await api.client.get("/metrics")).status_code == 404
    async with serving(replace(production, metrics_token="scrape-me-please")) as api:
        await scrape(api.client, authorization="Bearer scrape-me-please")
