"""The webhook worker: runs inside every server process, beside the requests it never
blocks (`resolvers.webhook_delivery` says how deliveries stay at least once, and once
between processes)."""

from __future__ import annotations

import asyncio
import logging
import random

import orjson

from resolvers.models import DeliveryStatus
from resolvers.webhook_delivery import (
    Claimed,
    DeliveryPolicy,
    claim,
    fan_out,
    record,
    sign,
    signing_secrets,
)
from resolvers.webhook_http import Answer, post
from resolvers.webhook_targets import TargetPolicy, TargetRefused
from resolvers.webhooks import now
from schema.nodes import to_global_id
from schema.pagination import encode_cursor

USER_AGENT = "partnergraph-webhooks/1"
log = logging.getLogger("partnergraph.webhooks")


def body_of(claimed: Claimed) -> bytes:
    """What is sent: the event, named, with the object's id and version and the feed cursor
    at it. The same bytes on every attempt; the receiver reads the object through the API."""
    change = claimed.change
    return orjson.dumps(
        {
            "id": to_global_id("ChangeEvent", change.id),
            "event": claimed.delivery.event,
            "occurredAt": change.occurred_at.isoformat(),
            "cursor": encode_cursor(change.position),
            "data": {
                "entityType": change.entity_type,
                "entityId": to_global_id(change.entity_type, change.entity_id),
                "operation": change.operation,
                "version": change.version,
            },
        }
    )


def headers_of(claimed: Claimed, body: bytes) -> dict[str, str]:
    moment = now()
    delivery = claimed.delivery
    secrets = signing_secrets(claimed.endpoint, moment)
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Partnergraph-Event": delivery.event,
        "Partnergraph-Event-Id": to_global_id("ChangeEvent", claimed.change.id),
        "Partnergraph-Delivery-Id": to_global_id("WebhookDelivery", delivery.id),
        "Partnergraph-Delivery-Attempt": str(delivery.attempts),
        "Partnergraph-Signature": sign(secrets, int(moment.timestamp()), body),
    }


class WebhookWorker:
    def __init__(
        self,
        policy: DeliveryPolicy,
        targets: TargetPolicy,
        *,
        poll_seconds: float = 1.0,
        rng: random.Random | None = None,
    ) -> None:
        self.policy = policy
        self.targets = targets
        self.poll_seconds = poll_seconds
        self.rng = rng or random.SystemRandom()

    async def attempt(self, claimed: Claimed) -> DeliveryStatus:
        """One attempt of a delivery, recorded."""
        body = body_of(claimed)
        try:
            target = self.targets.parse(claimed.endpoint.url)
            # checked again now, and connected to as checked (DNS rebinding gains nothing)
            async with asyncio.timeout(self.policy.timeout_seconds):
                addresses = await self.targets.addresses(target)
        except TargetRefused as refusal:
            answer = Answer(None, f"refused: {refusal.key}", 0.0, refused=True)
        except TimeoutError:
            answer = Answer(None, "the host name did not resolve in time", 0.0)
        else:
            answer = await post(
                target,
                addresses[0],
                body,
                headers_of(claimed, body),
                seconds=self.policy.timeout_seconds,
            )
        return await record(claimed, answer, self.policy, self.rng)

    async def tick(self) -> int:
        """Fan new events out and send everything due, until nothing is; attempts made."""
        await fan_out(self.policy)
        attempted = 0
        while claimed := await claim(self.policy):
            await asyncio.gather(*(self.attempt(one) for one in claimed))
            attempted += len(claimed)
        return attempted

    async def run(self) -> None:
        """Until cancelled: a tick, then a pause when there was nothing to send."""
        while True:
            try:
                await self.tick()
            except Exception:
                log.exception("the webhook worker's tick failed")
            await asyncio.sleep(self.poll_seconds)
