from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("models", "0010_rate_buckets")]

    initial = False

    operations = [
        ops.CreateModel(
            name="PersistedOperation",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("partner_id", fields.IntField()),
                ("hash", fields.CharField(max_length=64)),
                ("name", fields.CharField(null=True, max_length=200)),
                ("document", fields.TextField(unique=False)),
                ("version", fields.IntField(default=1)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "persisted_operations",
                "app": "models",
                "unique_together": (("partner_id", "hash"),),
                "indexes": [Index(fields=["partner_id", "id"])],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="User",
            name="safelist_only",
            # a default in the database too: the directory's users are there already
            field=fields.BooleanField(default=False, db_default=False),
        ),
    ]
