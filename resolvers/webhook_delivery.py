"""Delivering webhooks: from the change feed to every endpoint, at least once.

Three steps, each its own transaction, so that a process dying anywhere loses nothing:

1. `fan_out` follows the feed for each enabled endpoint from the endpoint's `position`: the
   events it carries become deliveries in the transaction that moves `position` past them.
   The feed never skips (`resolvers.changes`), so neither does this.
2. `claim` takes due deliveries and moves their `next_attempt_at` past the attempt's time
   limit. On PostgreSQL the rows are taken with `FOR UPDATE SKIP LOCKED`: processes sharing
   the database take different deliveries, each once. A process that dies mid-attempt
   leaves its deliveries due again when that time passes, and another (or itself,
   restarted) sends them: at least once.
3. `record` keeps the attempt and decides what comes next: done on a 2xx; on a 5xx, a 408,
   a 429 or no answer, another attempt after an exponential wait with jitter, for a day
   (`RETRY_WINDOW`); given up at once on any other answer (the endpoint refused it). An
   endpoint whose attempts have all failed for a day is disabled until the partner enables
   it again.
"""

from __future__ import annotations

import hashlib
import hmac
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tortoise.transactions import in_transaction

from resolvers.changes import Change, assign_positions, read_changes
from resolvers.models import (
    ChangeEvent,
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from resolvers.rows import select
from resolvers.webhook_http import Answer
from resolvers.webhooks import RETRY_WINDOW, disable_failing, endpoint_viewer, now

FAN_OUT_PAGE = 1_000
LEASE_MARGIN_SECONDS = 5.0  # for the attempt's records, after its time limit


@dataclass(frozen=True)
class DeliveryPolicy:
    timeout_seconds: float = 10.0  # for one attempt, connecting included
    first_retry_seconds: float = 30.0  # the wait after a first failure; it doubles each time
    longest_wait_seconds: float = 6 * 3600.0
    retry_window: timedelta = RETRY_WINDOW
    disable_after: timedelta = timedelta(hours=24)  # of attempts failing, none answered
    concurrency: int = 20  # attempts under way at once, in a process
    per_endpoint: int = 4  # of them, to one endpoint

    @property
    def lease(self) -> timedelta:
        """How long a taken delivery is left alone before it is due again."""
        return timedelta(seconds=self.timeout_seconds + LEASE_MARGIN_SECONDS)

    def wait_after(self, attempts: int, rng: random.Random) -> float:
        """Seconds before the next attempt after `attempts` failed: exponential, with ±50%
        jitter so that endpoints coming back are not hit by every retry at once."""
        base = min(self.first_retry_seconds * 2 ** max(attempts - 1, 0), self.longest_wait_seconds)
        return base * (0.5 + rng.random())


@dataclass(frozen=True)
class Claimed:
    """A delivery taken for an attempt, with its endpoint and its event."""

    delivery: WebhookDelivery
    endpoint: WebhookEndpoint
    change: ChangeEvent


def sign(secrets: Sequence[str], timestamp: int, body: bytes) -> str:
    """`Partnergraph-Signature`: `t=<unix time>,v1=<hex HMAC-SHA256 of "t.body">`, one `v1`
    per secret that signs now."""
    signed = f"{timestamp}.".encode() + body
    digests = (hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest() for secret in secrets)
    return ",".join([f"t={timestamp}", *(f"v1={digest}" for digest in digests)])


def signing_secrets(endpoint: WebhookEndpoint, moment: datetime) -> list[str]:
    """The current secret, and the previous one while it is kept after a rotation."""
    kept = endpoint.previous_secret_until
    if endpoint.previous_secret and kept is not None and kept > moment:
        return [endpoint.secret, endpoint.previous_secret]
    return [endpoint.secret]


def _postgres() -> bool:
    return WebhookEndpoint._meta.db.capabilities.dialect == "postgres"


# -- 1. the feed into deliveries -----------------------------------------------------------------


async def fan_out(policy: DeliveryPolicy) -> int:
    """Make deliveries of the events committed since each enabled endpoint's position; the
    number made."""
    ids = await WebhookEndpoint.filter(enabled=True).order_by("id").values_list("id", flat=True)
    if not ids:
        return 0  # nothing follows the feed: no need to number it
    await assign_positions()
    made = 0
    for endpoint_id in ids:
        made += await _fan_out_one(endpoint_id, policy)
    return made


LOCK_ENDPOINT = "SELECT id FROM webhook_endpoints WHERE id = $1 AND enabled FOR UPDATE SKIP LOCKED"
LOCK_ENDPOINT_ROW = "SELECT id FROM webhook_endpoints WHERE id = $1 FOR UPDATE"


async def _fan_out_one(endpoint_id: int, policy: DeliveryPolicy) -> int:
    made = 0
    while True:
        async with in_transaction():
            if _postgres() and not await select(WebhookEndpoint, LOCK_ENDPOINT, endpoint_id):
                return made  # another process is on it (or it was just disabled)
            endpoint = await WebhookEndpoint.get_or_none(id=endpoint_id, enabled=True)
            if endpoint is None:
                return made
            page = await read_changes(
                endpoint_viewer(endpoint), after=endpoint.position, first=FAN_OUT_PAGE
            )
            if not page.changes:
                return made
            wanted = _wanted(endpoint, page.changes)
            moment = now()
            await WebhookDelivery.bulk_create(
                [
                    WebhookDelivery(
                        endpoint_id=endpoint.id,
                        partner_id=endpoint.partner_id,
                        reseller_id=endpoint.reseller_id,
                        change_event_id=change.id,
                        event=change.event,
                        next_attempt_at=moment,
                        expires_at=moment + policy.retry_window,
                    )
                    for change in wanted
                ]
            )
            await WebhookEndpoint.filter(id=endpoint.id).update(position=page.changes[-1].position)
            made += len(wanted)
        if not page.has_next_page:
            return made


def _wanted(endpoint: WebhookEndpoint, changes: Sequence[Change]) -> list[Change]:
    names = set(endpoint.events)
    return [change for change in changes if not names or change.event in names]


# -- 2. taking what is due -----------------------------------------------------------------------


DUE_ENDPOINTS = (
    "SELECT e.id FROM webhook_endpoints e WHERE e.enabled AND EXISTS (SELECT 1 FROM "
    "webhook_deliveries d WHERE d.endpoint_id = e.id AND d.status = $1 AND d.next_attempt_at <= $2)"
)


def _claim_statement() -> str:
    # a WITH first: the drivers hand back the rows of a statement only when it does not
    # start with UPDATE
    lock = " FOR UPDATE SKIP LOCKED" if _postgres() else ""
    return (
        "WITH due AS (SELECT id FROM webhook_deliveries "  # noqa: S608
        "WHERE endpoint_id = $5 AND status = $2 AND next_attempt_at <= $3 "
        f"ORDER BY next_attempt_at LIMIT $4{lock}) "
        "UPDATE webhook_deliveries SET next_attempt_at = $1, attempts = attempts + 1 "
        "WHERE id IN (SELECT id FROM due) RETURNING id"
    )


async def claim(
    policy: DeliveryPolicy, room: int, busy: Mapping[int, int] | None = None
) -> list[Claimed]:
    """Take up to `room` due deliveries of enabled endpoints for an attempt now, at most
    `policy.per_endpoint` at a time for each endpoint (`busy`: those already being sent),
    so that a slow or silent endpoint takes no more than its share of the attempts."""
    busy = busy or {}
    moment = now()
    pending = DeliveryStatus.PENDING.value
    due = [int(r[0]) for r in await select(WebhookEndpoint, DUE_ENDPOINTS, pending, moment)]
    ids: list[int] = []
    for endpoint_id in sorted(due, key=lambda key: busy.get(key, 0)):
        share = min(policy.per_endpoint - busy.get(endpoint_id, 0), room - len(ids))
        if share <= 0:
            continue
        async with in_transaction():
            records = await select(
                WebhookDelivery,
                _claim_statement(),
                moment + policy.lease,
                pending,
                moment,
                share,
                endpoint_id,
            )
        ids += [int(record[0]) for record in records]
    if not ids:
        return []
    deliveries = await WebhookDelivery.filter(id__in=ids).order_by("id")
    endpoints = {
        row.id: row
        for row in await WebhookEndpoint.filter(id__in={row.endpoint_id for row in deliveries})
    }
    changes = {
        row.id: row
        for row in await ChangeEvent.filter(id__in={row.change_event_id for row in deliveries})
    }
    return [
        Claimed(row, endpoints[row.endpoint_id], changes[row.change_event_id])
        for row in deliveries
        if row.endpoint_id in endpoints and row.change_event_id in changes
    ]


# -- 3. what came of an attempt ------------------------------------------------------------------


def retryable(answer: Answer) -> bool:
    status = answer.status
    if answer.refused:
        return False
    return status is None or status in (408, 429) or status >= 500


async def record(
    claimed: Claimed, answer: Answer, policy: DeliveryPolicy, rng: random.Random
) -> DeliveryStatus:
    """Keep the attempt and settle what follows it; the delivery's status after it."""
    delivery, endpoint = claimed.delivery, claimed.endpoint
    moment = now()
    succeeded = answer.status is not None and 200 <= answer.status < 300
    values: dict[str, Any] = {"last_status_code": answer.status, "last_error": answer.error}
    if succeeded:
        values.update(status=DeliveryStatus.SUCCEEDED, delivered_at=moment)
    else:
        wait = policy.wait_after(delivery.attempts, rng)
        if answer.retry_after is not None:
            wait = max(wait, answer.retry_after)
        following = moment + timedelta(seconds=wait)
        if retryable(answer) and following <= delivery.expires_at:
            values.update(next_attempt_at=following)
        else:
            values.update(status=DeliveryStatus.FAILED)
    async with in_transaction():
        if _postgres():
            # the endpoint's row before the delivery's, as every transaction that changes
            # both takes them (deleting, enabling): none waits for another in a circle
            await select(WebhookEndpoint, LOCK_ENDPOINT_ROW, endpoint.id)
        # Settled only if nobody took the delivery since (its lease ran out and another
        # attempt began) and no redelivery was asked for: those keep their own course.
        mine = WebhookDelivery.filter(
            id=delivery.id, version=delivery.version, attempts=delivery.attempts
        )
        if not await mine.update(**values) and not await WebhookDelivery.exists(id=delivery.id):
            return DeliveryStatus.FAILED  # its endpoint was deleted meanwhile
        await WebhookAttempt.create(
            delivery_id=delivery.id,
            attempted_at=moment,
            status_code=answer.status,
            error=answer.error,
            duration_ms=round(answer.seconds * 1000),
        )
        # a receiver that answers, even to refuse one delivery (a 4xx), is up: an endpoint is
        # disabled after a day in which it could not be reached or failed (5xx) every time
        reached = succeeded or (answer.status is not None and not retryable(answer))
        await _endpoint_health(endpoint.id, reached, moment, policy)
    return values.get("status", DeliveryStatus.PENDING)


async def _endpoint_health(
    endpoint_id: int, reached: bool, moment: datetime, policy: DeliveryPolicy
) -> None:
    endpoints = WebhookEndpoint.filter(id=endpoint_id)
    if reached:
        await endpoints.filter(failing_since__isnull=False).update(failing_since=None)
        return
    await endpoints.filter(failing_since__isnull=True).update(failing_since=moment)
    failing = await endpoints.filter(
        enabled=True, failing_since__lte=moment - policy.disable_after
    ).first()
    if failing is not None:
        await disable_failing(failing)
