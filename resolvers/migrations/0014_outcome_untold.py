from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

# Whether a ticket's customer is yet to be told an escalation's outcome, kept on the ticket
# under its lock instead of read from two clocks. Rows from before: as the clocks said.

UNTOLD = (
    "UPDATE tickets SET outcome_untold = TRUE WHERE status <> 'CLOSED' AND EXISTS ("
    "SELECT 1 FROM escalations WHERE escalations.ticket_id = tickets.id "
    "AND escalations.status = 'RESOLVED' AND (tickets.customer_notified_at IS NULL "
    "OR tickets.customer_notified_at < escalations.resolved_at))"
)


class Migration(migrations.Migration):
    dependencies = [("models", "0013_inherited_suspension_reasons")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Ticket",
            name="outcome_untold",
            # a default in the database too: the tickets are there already
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.RunSQL(UNTOLD, reverse_sql="SELECT 1"),
    ]
