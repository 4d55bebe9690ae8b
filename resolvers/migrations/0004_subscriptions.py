from tortoise import migrations
from tortoise.migrations import operations as ops
from resolvers.models.subscriptions import BillingCycle, ProductFamily, SubscriptionStatus
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("models", "0003_external_ids_per_seller")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Subscription",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "customer",
                    fields.ForeignKeyField(
                        "models.Customer",
                        source_field="customer_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="subscriptions",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("partner_id", fields.IntField()),
                ("reseller_id", fields.IntField(null=True)),
                ("seller_id", fields.IntField()),
                (
                    "parent",
                    fields.ForeignKeyField(
                        "models.Subscription",
                        source_field="parent_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="add_ons",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("external_id", fields.CharField(null=True, max_length=128)),
                ("offer_id", fields.CharField(max_length=64)),
                ("offer_name", fields.CharField(max_length=200)),
                (
                    "product_family",
                    fields.CharEnumField(
                        description="AZURE: AZURE\nMICROSOFT_365: MICROSOFT_365\nDYNAMICS_365: DYNAMICS_365\nON_PREMISES: ON_PREMISES",
                        enum_type=ProductFamily,
                        max_length=16,
                    ),
                ),
                ("quantity", fields.IntField()),
                ("currency", fields.CharField(max_length=3)),
                ("unit_price", fields.DecimalField(max_digits=18, decimal_places=6)),
                ("unit_cost", fields.DecimalField(null=True, max_digits=18, decimal_places=6)),
                (
                    "billing_cycle",
                    fields.CharEnumField(
                        description="MONTHLY: MONTHLY\nANNUAL: ANNUAL\nTRIENNIAL: TRIENNIAL",
                        enum_type=BillingCycle,
                        max_length=16,
                    ),
                ),
                ("term_duration", fields.CharField(max_length=8)),
                ("auto_renew", fields.BooleanField(default=True)),
                (
                    "status",
                    fields.CharEnumField(
                        description="ACTIVE: ACTIVE\nPENDING: PENDING\nSUSPENDED: SUSPENDED\nEXPIRED: EXPIRED\nDISABLED: DISABLED\nDELETED: DELETED",
                        enum_type=SubscriptionStatus,
                        max_length=16,
                    ),
                ),
                ("suspension_reasons", fields.CharField(default="", max_length=64)),
                ("purchased_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("term_started_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("term_ends_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "cancelled_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("version", fields.IntField(default=1)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "subscriptions",
                "app": "models",
                "unique_together": (("seller_id", "external_id"),),
                "indexes": [
                    Index(fields=["customer_id", "id"]),
                    Index(fields=["partner_id", "id"]),
                    Index(fields=["reseller_id", "id"]),
                    Index(fields=["partner_id", "updated_at"]),
                    Index(fields=["parent_id", "id"]),
                ],
                "pk_attr": "id",
                "table_description": "`partner_id`, `reseller_id` and `seller_id` are copied from the customer: visibility and",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="SubscriptionQuantity",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "subscription",
                    fields.ForeignKeyField(
                        "models.Subscription",
                        source_field="subscription_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="quantities",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("partner_id", fields.IntField()),
                ("reseller_id", fields.IntField(null=True)),
                ("quantity", fields.IntField()),
                ("effective_from", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "subscription_quantities",
                "app": "models",
                "indexes": [Index(fields=["subscription_id", "effective_from"])],
                "pk_attr": "id",
                "table_description": "The quantity a subscription had from `effective_from` until the next row's.",
            },
            bases=["Model"],
        ),
    ]
