from tortoise import migrations
from tortoise.migrations import operations as ops
from resolvers.models.billing import (
    CollectionActionKind,
    DisputeOutcome,
    DisputeStatus,
    InvoiceStatus,
    SuspensionScope,
)
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("models", "0004_subscriptions")]

    initial = False

    operations = [
        ops.CreateModel(
            name="BillingAccount",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "customer",
                    fields.OneToOneField(
                        "models.Customer",
                        source_field="customer_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="billing_account",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("partner_id", fields.IntField()),
                ("reseller_id", fields.IntField(null=True)),
                ("seller_id", fields.IntField()),
                ("currency", fields.CharField(max_length=3)),
                ("payment_terms_days", fields.IntField()),
                ("credit_limit", fields.DecimalField(null=True, max_digits=18, decimal_places=6)),
                ("version", fields.IntField(default=1)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={"table": "billing_accounts", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="CollectionAction",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("run_id", fields.CharField(max_length=64)),
                ("partner_id", fields.IntField()),
                ("reseller_id", fields.IntField(null=True)),
                ("seller_id", fields.IntField()),
                (
                    "kind",
                    fields.CharEnumField(
                        description="REMIND: REMIND\nSUSPEND: SUSPEND\nREACTIVATE: REACTIVATE",
                        enum_type=CollectionActionKind,
                        max_length=16,
                    ),
                ),
                ("customer_id", fields.IntField()),
                ("invoice_id", fields.IntField(null=True)),
                ("subscription_id", fields.IntField(null=True)),
                ("threshold_days", fields.IntField(null=True)),
                ("days_past_due", fields.IntField()),
                ("as_of", fields.DateField()),
                ("version", fields.IntField(default=1)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "collection_actions",
                "app": "models",
                "unique_together": (("invoice_id", "kind", "threshold_days"),),
                "indexes": [
                    Index(fields=["customer_id", "id"]),
                    Index(fields=["partner_id", "id"]),
                ],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="CollectionsPolicy",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("seller_id", fields.IntField(unique=True)),
                ("partner_id", fields.IntField()),
                ("reseller_id", fields.IntField(null=True)),
                ("reminder_days", fields.CharField(default="", max_length=200)),
                ("suspend_after_days", fields.IntField(null=True)),
                (
                    "scope",
                    fields.CharEnumField(
                        description="ALL_SUBSCRIPTIONS: ALL_SUBSCRIPTIONS\nINVOICED_SUBSCRIPTIONS: INVOICED_SUBSCRIPTIONS",
                        enum_type=SuspensionScope,
                        max_length=32,
                    ),
                ),
                ("reactivate_on_payment", fields.BooleanField(default=True)),
                ("customer_notice", fields.CharField(null=True, max_length=2000)),
                ("version", fields.IntField(default=1)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={"table": "collections_policies", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Invoice",
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
                        related_name="invoices",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("partner_id", fields.IntField()),
                ("reseller_id", fields.IntField(null=True)),
                ("seller_id", fields.IntField()),
                ("sequence", fields.IntField()),
                ("currency", fields.CharField(max_length=3)),
                ("issued_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("due_date", fields.DateField()),
                (
                    "status",
                    fields.CharEnumField(
                        description="OPEN: OPEN\nPAID: PAID\nVOID: VOID\nDISPUTED: DISPUTED",
                        enum_type=InvoiceStatus,
                        max_length=16,
                    ),
                ),
                ("total_minor", fields.BigIntField()),
                ("paid_minor", fields.BigIntField(default=0)),
                ("credited_minor", fields.BigIntField(default=0)),
                ("paid_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("voided_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("version", fields.IntField(default=1)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "invoices",
                "app": "models",
                "unique_together": (("seller_id", "sequence"),),
                "indexes": [
                    Index(fields=["customer_id", "id"]),
                    Index(fields=["partner_id", "id"]),
                    Index(fields=["reseller_id", "id"]),
                    Index(fields=["partner_id", "updated_at"]),
                    Index(fields=["partner_id", "status", "due_date"]),
                ],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="BillingDispute",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "invoice",
                    fields.ForeignKeyField(
                        "models.Invoice",
                        source_field="invoice_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="disputes",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("customer_id", fields.IntField()),
                ("partner_id", fields.IntField()),
                ("reseller_id", fields.IntField(null=True)),
                ("reason", fields.CharField(max_length=2000)),
                ("currency", fields.CharField(max_length=3)),
                ("amount_minor", fields.BigIntField(null=True)),
                (
                    "status",
                    fields.CharEnumField(
                        description="OPEN: OPEN\nRESOLVED: RESOLVED",
                        enum_type=DisputeStatus,
                        max_length=16,
                    ),
                ),
                (
                    "outcome",
                    fields.CharEnumField(
                        null=True,
                        description="UPHELD: UPHELD\nPARTIALLY_UPHELD: PARTIALLY_UPHELD\nREJECTED: REJECTED",
                        enum_type=DisputeOutcome,
                        max_length=16,
                    ),
                ),
                ("credited_minor", fields.BigIntField(default=0)),
                ("resolution", fields.CharField(null=True, max_length=2000)),
                ("opened_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "resolved_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("version", fields.IntField(default=1)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "billing_disputes",
                "app": "models",
                "indexes": [
                    Index(fields=["invoice_id", "id"]),
                    Index(fields=["partner_id", "id"]),
                    Index(fields=["reseller_id", "id"]),
                ],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="InvoiceLine",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "invoice",
                    fields.ForeignKeyField(
                        "models.Invoice",
                        source_field="invoice_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="lines",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("partner_id", fields.IntField()),
                ("reseller_id", fields.IntField(null=True)),
                ("position", fields.IntField()),
                ("currency", fields.CharField(max_length=3)),
                ("description", fields.CharField(max_length=500)),
                ("quantity", fields.DecimalField(max_digits=18, decimal_places=6)),
                ("unit_price", fields.DecimalField(max_digits=18, decimal_places=6)),
                ("amount_minor", fields.BigIntField()),
                (
                    "subscription",
                    fields.ForeignKeyField(
                        "models.Subscription",
                        source_field="subscription_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="invoice_lines",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
            ],
            options={
                "table": "invoice_lines",
                "app": "models",
                "indexes": [
                    Index(fields=["invoice_id", "position"]),
                    Index(fields=["subscription_id", "id"]),
                ],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="InvoiceSequence",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("seller_id", fields.IntField(unique=True)),
                ("last_number", fields.IntField()),
            ],
            options={"table": "invoice_sequences", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Payment",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "invoice",
                    fields.ForeignKeyField(
                        "models.Invoice",
                        source_field="invoice_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="payments",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("customer_id", fields.IntField()),
                ("partner_id", fields.IntField()),
                ("reseller_id", fields.IntField(null=True)),
                ("amount_minor", fields.BigIntField()),
                ("currency", fields.CharField(max_length=3)),
                ("reference", fields.CharField(max_length=200)),
                ("received_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("version", fields.IntField(default=1)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "payments",
                "app": "models",
                "indexes": [
                    Index(fields=["invoice_id", "id"]),
                    Index(fields=["partner_id", "id"]),
                    Index(fields=["reseller_id", "id"]),
                ],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
    ]
