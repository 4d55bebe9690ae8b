"""The webhook worker: runs inside every server process, beside the requests it never
blocks (`resolvers.webhook_delivery` says how deliveries stay at least once, and once
between processes)."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import Counter

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
        """One attempt of a delivery, within one time limit from resolving the host name to
        the endpoint's answer; recorded."""
        body = body_of(claimed)
        started = time.monotonic()
        seconds = self.policy.timeout_seconds
        try:
            async with asyncio.timeout(seconds):
                target = self.targets.parse(claimed.endpoint.url)
                # checked again now, and connected to as checked (DNS rebinding gains nothing)
                addresses = await self.targets.addresses(target)
                answer = await post(target, addresses, body, headers_of(claimed, body))
        except TargetRefused as refusal:
            answer = Answer(None, f"refused: {refusal.key}", 0.0, refused=refusal.final)
        except TimeoutError:
            answer = Answer(None, f"no answer within {seconds:g} s", time.monotonic() - started)
        return await record(claimed, answer, self.policy, self.rng)

    async def tick(self) -> int:
        """Fan new events out, then send everything due until nothing is: up to
        `policy.concurrency` attempts at once, a few per endpoint, each taken as a place
        frees up (a slow endpoint holds up only its own). The number of attempts made."""
        await fan_out(self.policy)
        running: dict[asyncio.Task[DeliveryStatus], int] = {}
        attempted = 0
        try:
            while True:
                room = self.policy.concurrency - len(running)
                if room > 0:
                    for claimed in await claim(self.policy, room, Counter(running.values())):
                        running[asyncio.create_task(self.attempt(claimed))] = claimed.endpoint.id
                        attempted += 1
                if not running:
                    return attempted
                done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    del running[task]
                    if not task.cancelled() and task.exception() is not None:
                        log.error("a webhook attempt failed", exc_info=task.exception())
        finally:
            for task in running:  # stopped: what is under way is sent again after its lease
                task.cancel()

    async def run(self) -> None:
        """Until cancelled: a tick, then a pause when there was nothing to send."""
        while True:
            try:
                await self.tick()
            except Exception:
                log.exception("the webhook worker's tick failed")
            await asyncio.sleep(self.poll_seconds)
