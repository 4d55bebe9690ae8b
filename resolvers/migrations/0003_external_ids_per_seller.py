"""External ids become unique per seller (the reseller, else the tenant root), not per root:
a reseller's ids then tell nothing about its siblings', and sync can upsert per reseller."""

from typing import Any

from tortoise import fields, migrations
from tortoise.migrations import operations as ops
from tortoise.migrations.constraints import UniqueConstraint


class RemoveInlineUnique(ops.RemoveConstraint):
    """SQLite cannot drop a UNIQUE declared inside CREATE TABLE; there the table remake of
    the AlterField below leaves it out. Other databases drop it as usual."""

    async def database_forward(
        self, app_label: str, old_state: Any, new_state: Any, state_editor: Any = None
    ) -> None:
        if state_editor is not None and state_editor.DIALECT == "sqlite":
            return
        await super().database_forward(app_label, old_state, new_state, state_editor)


class Migration(migrations.Migration):
    dependencies = [("models", "0002_audit_and_change_events")]

    initial = False

    operations = [
        RemoveInlineUnique(model_name="Customer", name=None, fields=["partner", "external_id"]),
        ops.AddField(model_name="Customer", name="seller_id", field=fields.IntField(null=True)),
        ops.RunSQL(
            "UPDATE customers SET seller_id = COALESCE(reseller_id, partner_id)",
            reverse_sql="SELECT 1",
        ),
        ops.AlterField(model_name="Customer", name="seller_id", field=fields.IntField()),
        # SQLite's table remake drops the table's indexes: put them back (a no-op elsewhere).
        ops.RunSQL(
            [
                'CREATE INDEX IF NOT EXISTS "idx_customers_partner_a9abc7" ON "customers" ("partner_id", "id")',
                'CREATE INDEX IF NOT EXISTS "idx_customers_reselle_ce73e8" ON "customers" ("reseller_id", "id")',
                'CREATE INDEX IF NOT EXISTS "idx_customers_partner_0fd0fd" ON "customers" ("partner_id", "updated_at")',
            ],
            reverse_sql="SELECT 1",
        ),
        ops.AddConstraint(
            model_name="Customer",
            constraint=UniqueConstraint(fields=("seller_id", "external_id"), name=None),
        ),
    ]
