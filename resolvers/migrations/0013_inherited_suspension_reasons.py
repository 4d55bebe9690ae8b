from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

# An add-on's suspension reasons that its base passed on: reactivating the base lifts only
# those, never one the add-on was suspended for on its own. Rows from before: an add-on's
# reasons that its base has too are taken as passed on, as reactivating the base treated them.

SUSPENDED_ADD_ONS = (
    "SELECT add_on.id AS id, add_on.suspension_reasons AS own, base.suspension_reasons AS base "
    "FROM subscriptions AS add_on JOIN subscriptions AS base ON base.id = add_on.parent_id "
    "WHERE add_on.suspension_reasons <> '' AND base.suspension_reasons <> ''"
)


MARK = "UPDATE subscriptions SET inherited_reasons = $1 WHERE id = $2"


async def mark_inherited(apps, schema_editor) -> None:
    client = schema_editor.client
    update = (
        MARK.replace("$1", "?").replace("$2", "?")
        if client.capabilities.dialect == "sqlite"
        else MARK
    )
    _, rows = await client.execute_query(SUSPENDED_ADD_ONS)
    for row in rows:
        base = set(row["base"].split(","))
        inherited = ",".join(reason for reason in row["own"].split(",") if reason in base)
        if inherited:
            await client.execute_query(update, [inherited, row["id"]])


async def nothing(apps, schema_editor) -> None:
    return None


class Migration(migrations.Migration):
    dependencies = [("models", "0012_unlogged_rate_buckets")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Subscription",
            name="inherited_reasons",
            # a default in the database too: the subscriptions are there already
            field=fields.CharField(default="", db_default="", max_length=64),
        ),
        ops.RunPython(mark_inherited, reverse_code=nothing),
    ]
