from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("models", "0001_initial")]

    initial = False

    operations = [
        ops.CreateModel(
            name="AuditEvent",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("partner_id", fields.IntField()),
                ("reseller_id", fields.IntField(null=True)),
                ("actor_sub", fields.CharField(max_length=256)),
                ("actor_tenant_id", fields.CharField(max_length=64)),
                ("actor_roles", fields.JSONField(encoder=JSON_DUMPS, decoder=loads)),
                ("action", fields.CharField(max_length=64)),
                ("entity_type", fields.CharField(max_length=32)),
                ("entity_id", fields.IntField()),
                ("before", fields.JSONField(null=True, encoder=JSON_DUMPS, decoder=loads)),
                ("after", fields.JSONField(null=True, encoder=JSON_DUMPS, decoder=loads)),
                ("request_id", fields.CharField(max_length=64)),
                ("occurred_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "audit_events",
                "app": "models",
                "indexes": [
                    Index(fields=["partner_id", "id"]),
                    Index(fields=["reseller_id", "id"]),
                    Index(fields=["entity_type", "entity_id"]),
                ],
                "pk_attr": "id",
                "table_description": "Who did what to which object, with its state before and after, and the request id.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ChangeEvent",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("partner_id", fields.IntField()),
                ("reseller_id", fields.IntField(null=True)),
                ("entity_type", fields.CharField(max_length=32)),
                ("entity_id", fields.IntField()),
                ("operation", fields.CharField(max_length=16)),
                ("version", fields.IntField()),
                ("occurred_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "change_events",
                "app": "models",
                "indexes": [
                    Index(fields=["partner_id", "id"]),
                    Index(fields=["reseller_id", "id"]),
                ],
                "pk_attr": "id",
                "table_description": "One row per create, update or delete, written in the transaction of the change.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="IdempotencyKey",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("partner_id", fields.IntField()),
                ("key", fields.CharField(max_length=255)),
                ("operation", fields.CharField(max_length=64)),
                ("fingerprint", fields.CharField(max_length=64)),
                ("entity_id", fields.IntField()),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "idempotency_keys",
                "app": "models",
                "unique_together": (("partner_id", "operation", "key"),),
                "pk_attr": "id",
                "table_description": "A create retried with the same key returns the first result instead of a second row.",
            },
            bases=["Model"],
        ),
    ]
