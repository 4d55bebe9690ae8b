from tortoise import migrations
from tortoise.migrations import operations as ops
from auth.viewer import PartnerKind
from resolvers.models.partners import Cloud
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name="Partner",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("tenant_id", fields.CharField(unique=True, max_length=64)),
                ("name", fields.CharField(max_length=200)),
                (
                    "kind",
                    fields.CharEnumField(
                        description="DIRECT_BILL: DIRECT_BILL\nINDIRECT_PROVIDER: INDIRECT_PROVIDER\nINDIRECT_RESELLER: INDIRECT_RESELLER",
                        enum_type=PartnerKind,
                        max_length=32,
                    ),
                ),
                (
                    "cloud",
                    fields.CharEnumField(
                        default=Cloud.GLOBAL,
                        description="GLOBAL: GLOBAL\nUS_GOVERNMENT: US_GOVERNMENT\nCHINA_21VIANET: CHINA_21VIANET",
                        enum_type=Cloud,
                        max_length=32,
                    ),
                ),
                ("mpn_id", fields.CharField(null=True, max_length=32)),
                (
                    "provider",
                    fields.ForeignKeyField(
                        "models.Partner",
                        source_field="provider_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="resellers",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("active", fields.BooleanField(default=True)),
                ("version", fields.IntField(default=1)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                (
                    "updated_at",
                    fields.DatetimeField(db_index=True, auto_now=True, auto_now_add=False),
                ),
            ],
            options={"table": "partners", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Customer",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "partner",
                    fields.ForeignKeyField(
                        "models.Partner",
                        source_field="partner_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="customers",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "reseller",
                    fields.ForeignKeyField(
                        "models.Partner",
                        source_field="reseller_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="resold_customers",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("company_name", fields.CharField(max_length=200)),
                ("domain", fields.CharField(max_length=253)),
                ("country", fields.CharField(max_length=2)),
                ("language", fields.CharField(max_length=16)),
                ("external_id", fields.CharField(null=True, max_length=128)),
                ("billing_contact_name", fields.CharField(null=True, max_length=200)),
                ("billing_contact_email", fields.CharField(null=True, max_length=320)),
                ("billing_contact_phone", fields.CharField(null=True, max_length=40)),
                ("version", fields.IntField(default=1)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "customers",
                "app": "models",
                "unique_together": (("partner", "external_id"),),
                "indexes": [
                    Index(fields=["partner_id", "id"]),
                    Index(fields=["reseller_id", "id"]),
                    Index(fields=["partner_id", "updated_at"]),
                ],
                "pk_attr": "id",
                "table_description": "`partner` is the tenant root that owns the relationship (direct partner or indirect",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="User",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "partner",
                    fields.ForeignKeyField(
                        "models.Partner",
                        source_field="partner_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="users",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("sub", fields.CharField(max_length=256)),
                ("name", fields.CharField(null=True, max_length=200)),
                ("email", fields.CharField(null=True, max_length=320)),
                ("active", fields.BooleanField(default=True)),
                ("version", fields.IntField(default=1)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "users",
                "app": "models",
                "unique_together": (("partner", "sub"),),
                "pk_attr": "id",
                "table_description": "A directory entry per token subject. Deactivating it stops its tokens at once.",
            },
            bases=["Model"],
        ),
    ]
