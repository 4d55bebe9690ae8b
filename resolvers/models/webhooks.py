"""Webhooks: the endpoints partners register, and each event's delivery to each endpoint."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from resolvers.models.moments import MomentField


class DeliveryStatus(StrEnum):
    PENDING = "PENDING"  # due, being sent, or waiting for its next attempt
    SUCCEEDED = "SUCCEEDED"  # the endpoint answered 2xx
    FAILED = "FAILED"  # given up: refused by the endpoint, or retried for a day


class DisabledReason(StrEnum):
    BY_PARTNER = "BY_PARTNER"
    FAILING = "FAILING"  # every attempt failed for a day


class WebhookEndpoint(Model):
    """Where a partner (or an indirect reseller) wants events sent, and which ones.

    It carries the events its creator could read in the change feed (`roles`), and follows
    the feed from `position`: an event becomes a delivery in the transaction that moves
    `position` past it, so none is lost or doubled whatever crashes."""

    id = fields.IntField(primary_key=True)
    partner_id = fields.IntField()
    reseller_id = fields.IntField(null=True)
    url = fields.CharField(max_length=2048)
    events = fields.JSONField()  # event names; empty: every event
    roles = fields.JSONField()  # the roles of its creator: what it may carry
    secret = fields.CharField(max_length=64)
    # After a rotation the previous secret signs too, for a while, so receivers can switch.
    previous_secret = fields.CharField(max_length=64, null=True)
    previous_secret_until = MomentField(null=True)
    enabled = fields.BooleanField(default=True)
    disabled_reason = fields.CharEnumField(DisabledReason, max_length=16, null=True)
    failing_since = MomentField(null=True)  # the first failed attempt since the last success
    position = fields.BigIntField(default=0)  # the change feed's position it has taken up to
    version = fields.IntField(default=1)
    created_at = MomentField(auto_now_add=True)
    updated_at = MomentField(auto_now=True)

    class Meta:
        table = "webhook_endpoints"
        indexes = (("partner_id", "reseller_id", "id"), ("enabled", "id"))


class WebhookDelivery(Model):
    """One event for one endpoint: attempted until it succeeds, is refused, or expires."""

    id = fields.BigIntField(primary_key=True)
    endpoint_id = fields.IntField()
    partner_id = fields.IntField()
    reseller_id = fields.IntField(null=True)
    change_event_id = fields.BigIntField()
    event = fields.CharField(max_length=64)
    status = fields.CharEnumField(DeliveryStatus, max_length=16, default=DeliveryStatus.PENDING)
    attempts = fields.IntField(default=0)
    # When it is next due. A worker taking it moves this past the attempt's time limit, so
    # a worker that dies mid-attempt leaves it due again, not lost.
    next_attempt_at = MomentField()
    expires_at = MomentField()  # no attempt is started after this
    last_status_code = fields.IntField(null=True)
    last_error = fields.CharField(max_length=300, null=True)
    delivered_at = MomentField(null=True)
    version = fields.IntField(default=1)
    created_at = MomentField(auto_now_add=True)

    class Meta:
        table = "webhook_deliveries"
        unique_together = (("endpoint_id", "change_event_id"),)
        indexes = (
            ("status", "next_attempt_at"),
            ("endpoint_id", "id"),
            ("endpoint_id", "status", "next_attempt_at"),
        )


class WebhookAttempt(Model):
    """One try of a delivery: what the endpoint answered, or why there was no answer."""

    id = fields.BigIntField(primary_key=True)
    delivery_id = fields.BigIntField()
    attempted_at = MomentField()
    status_code = fields.IntField(null=True)
    error = fields.CharField(max_length=300, null=True)
    duration_ms = fields.IntField()

    class Meta:
        table = "webhook_attempts"
        indexes = (("delivery_id", "id"),)
