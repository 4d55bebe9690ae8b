from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

# An add-on's suspension reasons that its base passed on: reactivating the base lifts only
# those, never one the add-on was suspended for on its own. Rows from before count every
# reason as the add-on's own (what it keeps is then the most it could).


class Migration(migrations.Migration):
    dependencies = [("models", "0012_unlogged_rate_buckets")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Subscription",
            name="inherited_reasons",
            field=fields.CharField(default="", max_length=64),
        ),
    ]
