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
    ]
