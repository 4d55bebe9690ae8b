"""Webhooks: endpoints that receive the change feed's events as signed HTTP POSTs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from auth.permissions import Capability
from resolvers import models, webhooks
from resolvers.audit import EVENT_NAMES
from resolvers.errors import NotFound
from schema.errors import UserError, attempted
from schema.guards import field, mutation
from schema.nodes import Node, decode_id, node_type, to_global_id
from schema.pagination import Connection, connection, page_request
from schema.relations import Relation, relation_field

WRITE = Capability.WEBHOOKS_WRITE

DeliveryStatus = strawberry.enum(
    models.DeliveryStatus,
    name="WebhookDeliveryStatus",
    description="PENDING: to be sent, or waiting for its next attempt. SUCCEEDED: the "
    "endpoint answered 2xx. FAILED: given up (refused by the endpoint with a 4xx other than "
    "408 and 429, or retried for a day).",
)
DisabledReason = strawberry.enum(
    models.DisabledReason,
    name="WebhookDisabledReason",
    description="BY_PARTNER: disabled with updateWebhookEndpoint. FAILING: every attempt "
    "failed for a day; enable it again when it is fixed.",
)


@node_type("WebhookEndpoint", WRITE, loader="webhook_endpoints")
@strawberry.type(
    description="Where events are sent. Each delivery is a POST of a JSON body "
    "`{id event occurredAt cursor data {entityType entityId operation version}}` signed in "
    'the header `Partnergraph-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "t.body">`.'
)
class WebhookEndpoint(Node):
    url: str = field(WRITE, description="The HTTPS URL events are posted to.")
    events: list[str] = field(WRITE, description="The event names it receives; empty: every event.")
    enabled: bool = field(WRITE, description="Whether events are sent to it.")
    disabled_reason: DisabledReason | None = field(  # type: ignore[valid-type]
        WRITE, description="Why it is disabled, if it is."
    )
    failing_since: datetime | None = field(
        WRITE, description="The first failed attempt since the last success, if any."
    )
    secret: str | None = field(
        WRITE,
        description="The signing secret. Shown once, in the answer of createWebhookEndpoint "
        "or rotateWebhookEndpointSecret; null anywhere else.",
    )
    previous_secret_expires_at: datetime | None = field(
        WRITE,
        description="After a rotation, deliveries carry a second `v1` signature made with the "
        "previous secret until this time.",
    )
    version: int = field(WRITE, description="Pass it as `expectedVersion`.")
    created_at: datetime = field(WRITE, description="When it was registered.")
    updated_at: datetime = field(WRITE, description="When it last changed.")

    @classmethod
    def of(cls, row: Any, *, reveal_secret: bool = False) -> WebhookEndpoint:
        return cls(
            id=to_global_id("WebhookEndpoint", row.id),
            url=row.url,
            events=list(row.events),
            enabled=row.enabled,
            disabled_reason=row.disabled_reason,
            failing_since=row.failing_since,
            secret=row.secret if reveal_secret else None,
            previous_secret_expires_at=row.previous_secret_until if row.previous_secret else None,
            version=row.version,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    @classmethod
    def from_model(cls, row: Any) -> WebhookEndpoint:
        return cls.of(row)


@strawberry.type(description="One try of a delivery.")
class WebhookAttempt:
    attempted_at: datetime = field(WRITE, description="When it was made.")
    status_code: int | None = field(WRITE, description="The endpoint's HTTP status, if any.")
    error: str | None = field(WRITE, description="Why there was no answer, if there was none.")
    duration_ms: int = field(WRITE, description="How long it took, in milliseconds.")

    @classmethod
    def of(cls, row: Any) -> WebhookAttempt:
        return cls(
            attempted_at=row.attempted_at,
            status_code=row.status_code,
            error=row.error,
            duration_ms=row.duration_ms,
        )


ENDPOINT = Relation(
    loader="webhook_endpoints", key="endpoint_pk", convert=WebhookEndpoint.from_model
)
ATTEMPTS = Relation(
    loader="webhook_attempts", key="pk", convert=lambda rows: [WebhookAttempt.of(r) for r in rows]
)


@node_type("WebhookDelivery", WRITE, loader="webhook_deliveries")
@strawberry.type(description="One event sent to one endpoint, with its attempts.")
class WebhookDelivery(Node):
    event: str = field(WRITE, description="The event's name, as `customer-created`.")
    event_id: strawberry.ID = field(
        WRITE,
        description="The event's id, sent as `Partnergraph-Event-Id`: the same on every "
        "attempt and redelivery, so a receiver can drop duplicates.",
    )
    status: DeliveryStatus = field(WRITE, description="Where it stands.")  # type: ignore[valid-type]
    attempt_count: int = field(WRITE, description="Attempts made so far.")
    next_attempt_at: datetime | None = field(
        WRITE, description="When it is next attempted, while PENDING."
    )
    expires_at: datetime = field(WRITE, description="No attempt is started after this.")
    last_status_code: int | None = field(WRITE, description="The last HTTP status received.")
    last_error: str | None = field(WRITE, description="Why the last attempt had no answer.")
    delivered_at: datetime | None = field(WRITE, description="When it succeeded.")
    version: int = field(WRITE, description="Its version (redeliveries make new ones).")
    created_at: datetime = field(WRITE, description="When the event was queued for it.")
    pk: strawberry.Private[int]
    endpoint_pk: strawberry.Private[int]

    @relation_field(WRITE, ENDPOINT, description="The endpoint it goes to.")
    def endpoint(self, info: strawberry.Info) -> WebhookEndpoint | None:
        return ENDPOINT.resolve(info, self)

    @relation_field(WRITE, ATTEMPTS, description="Its attempts, oldest first (the latest 50).")
    def attempts(self, info: strawberry.Info) -> list[WebhookAttempt] | None:
        return ATTEMPTS.resolve(info, self)

    @classmethod
    def of(cls, row: Any) -> WebhookDelivery:
        pending = row.status == models.DeliveryStatus.PENDING
        return cls(
            id=to_global_id("WebhookDelivery", row.id),
            event=row.event,
            event_id=to_global_id("ChangeEvent", row.change_event_id),
            status=row.status,
            attempt_count=row.attempts,
            next_attempt_at=row.next_attempt_at if pending else None,
            expires_at=row.expires_at,
            last_status_code=row.last_status_code,
            last_error=row.last_error,
            delivered_at=row.delivered_at,
            version=row.version,
            created_at=row.created_at,
            pk=row.id,
            endpoint_pk=row.endpoint_id,
        )

    from_model = of


@strawberry.input
class CreateWebhookEndpointInput:
    url: str = strawberry.field(description="An HTTPS URL on a public address.")
    events: list[str] = strawberry.field(
        description="Event names (see `webhookEventNames`); empty: every event."
    )
    idempotency_key: str | None = strawberry.field(
        default=None, description="Retrying with the same key returns the first endpoint."
    )


@strawberry.input
class UpdateWebhookEndpointInput:
    id: strawberry.ID
    url: str | None = None
    events: list[str] | None = None
    enabled: bool | None = strawberry.field(
        default=None,
        description="Enabling a disabled endpoint sends what waited for it, with a new day "
        "of retries.",
    )
    expected_version: int | None = None


@strawberry.input
class WebhookEndpointInput:
    id: strawberry.ID
    expected_version: int | None = None


@strawberry.input
class RedeliverWebhookInput:
    delivery_id: strawberry.ID
    expected_version: int | None = None


@strawberry.input(description="Which deliveries to list.")
class WebhookDeliveryFilter:
    status: DeliveryStatus | None = None  # type: ignore[valid-type]
    event: str | None = None


@strawberry.type(description="The result of a webhook endpoint mutation.")
class WebhookEndpointPayload:
    webhook_endpoint: WebhookEndpoint | None = field(
        WRITE, description="The endpoint, unless the mutation failed."
    )
    user_errors: list[UserError] = field(Capability.VIEWER, description="Why it failed.")


@strawberry.type(description="The result of deleteWebhookEndpoint.")
class DeleteWebhookEndpointPayload:
    deleted_webhook_endpoint_id: strawberry.ID | None = field(
        WRITE, description="The id of the endpoint deleted, unless the mutation failed."
    )
    user_errors: list[UserError] = field(Capability.VIEWER, description="Why it failed.")


@strawberry.type(description="The result of redeliverWebhook.")
class WebhookDeliveryPayload:
    webhook_delivery: WebhookDelivery | None = field(
        WRITE, description="The delivery, due now, unless the mutation failed."
    )
    user_errors: list[UserError] = field(Capability.VIEWER, description="Why it failed.")


def _endpoint_id(value: strawberry.ID) -> int:
    return decode_id(value, "WebhookEndpoint", ["id"])


@strawberry.type
class WebhookQuery:
    @field(WRITE, description="Your organization's webhook endpoints, oldest first.")
    async def webhook_endpoints(
        self,
        info: strawberry.Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[WebhookEndpoint] | None:
        page = await webhooks.list_endpoints(
            info.context.signed_in, page=page_request(first, after, last, before)
        )
        return connection(page, WebhookEndpoint.from_model)

    @field(WRITE, description="One webhook endpoint by id.")
    async def webhook_endpoint(
        self, info: strawberry.Info, id: strawberry.ID
    ) -> WebhookEndpoint | None:
        row = await info.context.loaders.webhook_endpoints.load(_endpoint_id(id))
        if row is None:
            raise NotFound("webhook.not_found", field=["id"])
        return WebhookEndpoint.from_model(row)

    @field(WRITE, description="An endpoint's deliveries (its delivery log), oldest first.")
    async def webhook_deliveries(
        self,
        info: strawberry.Info,
        endpoint_id: strawberry.ID,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: WebhookDeliveryFilter | None = None,
    ) -> Connection[WebhookDelivery] | None:
        given = filter or WebhookDeliveryFilter()
        page = await webhooks.list_deliveries(
            info.context.signed_in,
            endpoint_id=decode_id(endpoint_id, "WebhookEndpoint", ["endpointId"]),
            page=page_request(first, after, last, before),
            status=given.status,
            event=given.event,
        )
        return connection(page, WebhookDelivery.of)

    @field(Capability.PARTNER_READ, description="Every event name an endpoint can ask for.")
    def webhook_event_names(self) -> list[str] | None:
        return sorted(EVENT_NAMES)


@strawberry.type
class WebhookMutation:
    @mutation(
        WRITE,
        description="Register an endpoint for events from now on. The answer holds its "
        "signing secret, the only time it is shown.",
    )
    async def create_webhook_endpoint(
        self, info: strawberry.Info, input: CreateWebhookEndpointInput
    ) -> WebhookEndpointPayload | None:
        context = info.context
        row, errors = await attempted(
            info,
            lambda: webhooks.create_endpoint(
                context.actor,
                url=input.url,
                events=input.events,
                targets=context.webhook_targets,
                idempotency_key=input.idempotency_key,
            ),
        )
        # a retry of the creation shows the secret it created, never one rotated in since
        endpoint = row and WebhookEndpoint.of(row, reveal_secret=row.previous_secret is None)
        return WebhookEndpointPayload(webhook_endpoint=endpoint, user_errors=errors)

    @mutation(WRITE, description="Change an endpoint's URL or events, or disable or enable it.")
    async def update_webhook_endpoint(
        self, info: strawberry.Info, input: UpdateWebhookEndpointInput
    ) -> WebhookEndpointPayload | None:
        context = info.context
        row, errors = await attempted(
            info,
            lambda: webhooks.update_endpoint(
                context.actor,
                endpoint_id=_endpoint_id(input.id),
                targets=context.webhook_targets,
                expected_version=input.expected_version,
                url=input.url,
                events=input.events,
                enabled=input.enabled,
            ),
        )
        endpoint = row and WebhookEndpoint.of(row)
        return WebhookEndpointPayload(webhook_endpoint=endpoint, user_errors=errors)

    @mutation(
        WRITE,
        description="A new signing secret, shown in the answer. For a day deliveries carry a "
        "signature made with the previous one as well, so receivers can switch without loss.",
    )
    async def rotate_webhook_endpoint_secret(
        self, info: strawberry.Info, input: WebhookEndpointInput
    ) -> WebhookEndpointPayload | None:
        row, errors = await attempted(
            info,
            lambda: webhooks.rotate_secret(
                info.context.actor,
                endpoint_id=_endpoint_id(input.id),
                expected_version=input.expected_version,
            ),
        )
        endpoint = row and WebhookEndpoint.of(row, reveal_secret=True)
        return WebhookEndpointPayload(webhook_endpoint=endpoint, user_errors=errors)

    @mutation(WRITE, description="Delete an endpoint and its delivery log.")
    async def delete_webhook_endpoint(
        self, info: strawberry.Info, input: WebhookEndpointInput
    ) -> DeleteWebhookEndpointPayload | None:
        pk, errors = await attempted(
            info,
            lambda: webhooks.delete_endpoint(
                info.context.actor,
                endpoint_id=_endpoint_id(input.id),
                expected_version=input.expected_version,
            ),
        )
        deleted = None if pk is None else to_global_id("WebhookEndpoint", pk)
        return DeleteWebhookEndpointPayload(deleted_webhook_endpoint_id=deleted, user_errors=errors)

    @mutation(
        WRITE,
        description="Send a delivery again now, whatever became of it, with a new day of "
        "retries. It keeps its event id.",
    )
    async def redeliver_webhook(
        self, info: strawberry.Info, input: RedeliverWebhookInput
    ) -> WebhookDeliveryPayload | None:
        row, errors = await attempted(
            info,
            lambda: webhooks.redeliver(
                info.context.actor,
                delivery_id=decode_id(input.delivery_id, "WebhookDelivery", ["deliveryId"]),
                expected_version=input.expected_version,
            ),
        )
        delivery = row and WebhookDelivery.of(row)
        return WebhookDeliveryPayload(webhook_delivery=delivery, user_errors=errors)
