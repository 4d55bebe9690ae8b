from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from resolvers.models.webhooks import DeliveryStatus, DisabledReason
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("models", "0008_change_feed")]

    initial = False

    operations = [
        ops.CreateModel(
            name="WebhookAttempt",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("delivery_id", fields.BigIntField()),
                ("attempted_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("status_code", fields.IntField(null=True)),
                ("error", fields.CharField(null=True, max_length=300)),
                ("duration_ms", fields.IntField()),
            ],
            options={
                "table": "webhook_attempts",
                "app": "models",
                "indexes": [Index(fields=["delivery_id", "id"])],
                "pk_attr": "id",
                "table_description": "One try of a delivery: what the endpoint answered, or why there was no answer.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="WebhookDelivery",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("endpoint_id", fields.IntField()),
                ("partner_id", fields.IntField()),
                ("reseller_id", fields.IntField(null=True)),
                ("change_event_id", fields.BigIntField()),
                ("event", fields.CharField(max_length=64)),
                (
                    "status",
                    fields.CharEnumField(
                        default=DeliveryStatus.PENDING,
                        description="PENDING: PENDING\nSUCCEEDED: SUCCEEDED\nFAILED: FAILED",
                        enum_type=DeliveryStatus,
                        max_length=16,
                    ),
                ),
                ("attempts", fields.IntField(default=0)),
                ("next_attempt_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("expires_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("last_status_code", fields.IntField(null=True)),
                ("last_error", fields.CharField(null=True, max_length=300)),
                (
                    "delivered_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("version", fields.IntField(default=1)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "webhook_deliveries",
                "app": "models",
                "unique_together": (("endpoint_id", "change_event_id"),),
                "indexes": [
                    Index(fields=["status", "next_attempt_at"]),
                    Index(fields=["endpoint_id", "id"]),
                    Index(fields=["endpoint_id", "status", "next_attempt_at"]),
                ],
                "pk_attr": "id",
                "table_description": "One event for one endpoint: attempted until it succeeds, is refused, or expires.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="WebhookEndpoint",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("partner_id", fields.IntField()),
                ("reseller_id", fields.IntField(null=True)),
                ("url", fields.CharField(max_length=2048)),
                ("events", fields.JSONField(encoder=JSON_DUMPS, decoder=loads)),
                ("roles", fields.JSONField(encoder=JSON_DUMPS, decoder=loads)),
                ("secret", fields.CharField(max_length=64)),
                ("previous_secret", fields.CharField(null=True, max_length=64)),
                (
                    "previous_secret_until",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("enabled", fields.BooleanField(default=True)),
                (
                    "disabled_reason",
                    fields.CharEnumField(
                        null=True,
                        description="BY_PARTNER: BY_PARTNER\nFAILING: FAILING",
                        enum_type=DisabledReason,
                        max_length=16,
                    ),
                ),
                (
                    "failing_since",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("position", fields.BigIntField(default=0)),
                ("version", fields.IntField(default=1)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "webhook_endpoints",
                "app": "models",
                "indexes": [
                    Index(fields=["partner_id", "reseller_id", "id"]),
                    Index(fields=["enabled", "id"]),
                ],
                "pk_attr": "id",
                "table_description": "Where a partner (or an indirect reseller) wants events sent, and which ones.",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="ChangeEvent",
            name="action",
            field=fields.CharField(null=True, max_length=64),
        ),
        # Changes recorded before this migration: the action of their audit record, written in
        # the same transaction at the same moment.
        ops.RunSQL(
            "UPDATE change_events SET action = (SELECT MIN(audit_events.action) FROM audit_events "
            "WHERE audit_events.entity_type = change_events.entity_type "
            "AND audit_events.entity_id = change_events.entity_id "
            "AND audit_events.occurred_at = change_events.occurred_at) WHERE action IS NULL",
            reverse_sql=[],
        ),
    ]
