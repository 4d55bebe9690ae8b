"""What happened: audit records, change events, and idempotency keys of mutations."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from resolvers.models.moments import MomentField


class AuditEvent(Model):
    """Who did what to which object, with its state before and after, and the request id."""

    id = fields.BigIntField(primary_key=True)
    partner_id = fields.IntField()
    reseller_id = fields.IntField(null=True)
    actor_sub = fields.CharField(max_length=256)
    actor_tenant_id = fields.CharField(max_length=64)
    actor_roles = fields.JSONField()
    action = fields.CharField(max_length=64)
    entity_type = fields.CharField(max_length=32)
    entity_id = fields.IntField()
    before = fields.JSONField(null=True)
    after = fields.JSONField(null=True)
    request_id = fields.CharField(max_length=64)
    occurred_at = MomentField()

    class Meta:
        table = "audit_events"
        indexes = (("partner_id", "id"), ("reseller_id", "id"), ("entity_type", "entity_id"))


class ChangeEvent(Model):
    """One row per create, update or delete, written in the transaction of the change."""

    id = fields.BigIntField(primary_key=True)
    partner_id = fields.IntField()
    reseller_id = fields.IntField(null=True)
    entity_type = fields.CharField(max_length=32)
    entity_id = fields.IntField()
    operation = fields.CharField(max_length=16)
    action = fields.CharField(max_length=64, null=True)  # the audit record's, as `ticket.opened`
    version = fields.IntField()
    occurred_at = MomentField()
    # the changed row's category, where it has one (tickets: some roles see only BILLING)
    category = fields.CharField(max_length=32, null=True)
    # The place in the feed, given once the change is committed (`resolvers.changes`): ids
    # are taken at insert time, and transactions commit in another order.
    position = fields.BigIntField(null=True)

    class Meta:
        table = "change_events"
        indexes = (
            ("partner_id", "id"),
            ("reseller_id", "id"),
            ("position",),
            ("partner_id", "position"),
            ("reseller_id", "position"),
        )


class IdempotencyKey(Model):
    """A create retried with the same key returns the first result instead of a second row."""

    id = fields.BigIntField(primary_key=True)
    partner_id = fields.IntField()
    key = fields.CharField(max_length=255)
    operation = fields.CharField(max_length=64)
    fingerprint = fields.CharField(max_length=64)
    entity_id = fields.IntField()
    created_at = MomentField(auto_now_add=True)

    class Meta:
        table = "idempotency_keys"
        unique_together = (("partner_id", "operation", "key"),)
