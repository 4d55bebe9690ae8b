from tortoise import migrations
from tortoise.migrations import operations as ops

# Every request takes from its buckets: a row lock held until commit. Logged, each commit
# waited for its WAL flush with the lock held, and requests of one partner queued behind
# one another on the disk. Unlogged, a take writes no WAL; after a crash PostgreSQL empties
# the table, which gives every caller full buckets (a rate limit, not billing data).


async def set_unlogged(apps, schema_editor) -> None:
    if schema_editor.client.capabilities.dialect == "postgres":
        await schema_editor.client.execute_script("ALTER TABLE rate_buckets SET UNLOGGED")


async def set_logged(apps, schema_editor) -> None:
    if schema_editor.client.capabilities.dialect == "postgres":
        await schema_editor.client.execute_script("ALTER TABLE rate_buckets SET LOGGED")


class Migration(migrations.Migration):
    dependencies = [("models", "0011_persisted_operations")]

    initial = False

    operations = [ops.RunPython(set_unlogged, reverse_code=set_logged)]
