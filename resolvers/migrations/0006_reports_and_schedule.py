from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("models", "0005_billing")]

    initial = False

    operations = [
        ops.CreateModel(
            name="ScheduledRun",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("job", fields.CharField(max_length=32)),
                ("day", fields.DateField()),
                ("started_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "finished_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("outcome", fields.CharField(null=True, max_length=500)),
            ],
            options={
                "table": "scheduled_runs",
                "app": "models",
                "unique_together": (("job", "day"),),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.AddIndex(
            model_name="BillingDispute",
            index=Index(fields=["customer_id", "id"]),
        ),
    ]
