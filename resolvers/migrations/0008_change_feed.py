from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("models", "0007_support")]

    initial = False

    operations = [
        ops.AddField(
            model_name="ChangeEvent",
            name="category",
            field=fields.CharField(null=True, max_length=32),
        ),
        ops.AddField(
            model_name="ChangeEvent",
            name="position",
            field=fields.BigIntField(null=True),
        ),
        ops.AddIndex(
            model_name="ChangeEvent",
            index=Index(fields=["position"]),
        ),
        ops.AddIndex(
            model_name="ChangeEvent",
            index=Index(fields=["partner_id", "position"]),
        ),
        ops.AddIndex(
            model_name="ChangeEvent",
            index=Index(fields=["reseller_id", "position"]),
        ),
        # Each position once: the assigner's rule, kept by the database too.
        ops.RunSQL(
            "CREATE UNIQUE INDEX change_events_position_once ON change_events (position)",
            reverse_sql="DROP INDEX change_events_position_once",
        ),
        # Changes recorded before this migration: their tickets' and escalations' categories,
        # so that those limited to some categories see them as they see new ones.
        ops.RunSQL(
            [
                "UPDATE change_events SET category = (SELECT category FROM tickets "
                "WHERE tickets.id = change_events.entity_id) WHERE entity_type = 'Ticket'",
                "UPDATE change_events SET category = (SELECT category FROM escalations "
                "WHERE escalations.id = change_events.entity_id) WHERE entity_type = 'Escalation'",
            ],
            reverse_sql=[],
        ),
    ]
