from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from resolvers.models.support import (
    Channel,
    Competency,
    EscalationStatus,
    PricingModel,
    Severity,
    Sourcing,
    TicketCategory,
    TicketEventKind,
    TicketStatus,
    Vehicle,
    Visibility,
)
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("models", "0006_reports_and_schedule")]

    initial = False

    operations = [
        ops.CreateModel(
            name="SupportOffering",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("seller_id", fields.IntField(unique=True)),
                ("partner_id", fields.IntField()),
                ("reseller_id", fields.IntField(null=True)),
                (
                    "sourcing",
                    fields.CharEnumField(
                        description="DIRECT: DIRECT\nRESOLD: RESOLD\nOUTSOURCED: OUTSOURCED",
                        enum_type=Sourcing,
                        max_length=16,
                    ),
                ),
                ("provider_name", fields.CharField(null=True, max_length=200)),
                ("time_zone", fields.CharField(max_length=64)),
                ("hours", fields.JSONField(encoder=JSON_DUMPS, decoder=loads)),
                ("contact_methods", fields.JSONField(encoder=JSON_DUMPS, decoder=loads)),
                (
                    "pricing_model",
                    fields.CharEnumField(
                        description="INCLUDED: INCLUDED\nPER_INCIDENT: PER_INCIDENT\nMONTHLY_FEE: MONTHLY_FEE\nHOURLY: HOURLY",
                        enum_type=PricingModel,
                        max_length=16,
                    ),
                ),
                ("price", fields.DecimalField(null=True, max_digits=18, decimal_places=6)),
                ("price_currency", fields.CharField(null=True, max_length=3)),
                ("categories", fields.JSONField(encoder=JSON_DUMPS, decoder=loads)),
                ("product_families", fields.JSONField(encoder=JSON_DUMPS, decoder=loads)),
                ("premier_contract", fields.CharField(null=True, max_length=64)),
                ("premier_contract_ends", fields.DateField(null=True)),
                ("advanced_contract", fields.CharField(null=True, max_length=64)),
                ("advanced_contract_ends", fields.DateField(null=True)),
                (
                    "competency",
                    fields.CharEnumField(
                        default=Competency.NONE,
                        description="GOLD: GOLD\nSILVER: SILVER\nNONE: NONE",
                        enum_type=Competency,
                        max_length=8,
                    ),
                ),
                ("action_pack", fields.BooleanField(default=False)),
                ("incident_credits", fields.IntField(default=0)),
                ("version", fields.IntField(default=1)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "support_offerings",
                "app": "models",
                "pk_attr": "id",
                "table_description": "One per partner (`seller_id`): what it tells its customers, and what it may ask of",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Ticket",
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
                        related_name="tickets",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("partner_id", fields.IntField()),
                ("reseller_id", fields.IntField(null=True)),
                ("handler_id", fields.IntField()),
                ("number", fields.IntField()),
                (
                    "category",
                    fields.CharEnumField(
                        description="BILLING: BILLING\nSUBSCRIPTION_MANAGEMENT: SUBSCRIPTION_MANAGEMENT\nTECHNICAL: TECHNICAL",
                        enum_type=TicketCategory,
                        max_length=32,
                    ),
                ),
                (
                    "severity",
                    fields.CharEnumField(
                        description="A: A\nB: B\nC: C", enum_type=Severity, max_length=1
                    ),
                ),
                ("title", fields.CharField(max_length=200)),
                ("description", fields.TextField(unique=False)),
                ("product_family", fields.CharField(null=True, max_length=16)),
                ("subscription_id", fields.IntField(null=True)),
                (
                    "channel",
                    fields.CharEnumField(
                        description="PHONE: PHONE\nEMAIL: EMAIL\nWEB: WEB",
                        enum_type=Channel,
                        max_length=8,
                    ),
                ),
                (
                    "status",
                    fields.CharEnumField(
                        description="NEW: NEW\nTRIAGED: TRIAGED\nIN_PROGRESS: IN_PROGRESS\nESCALATED: ESCALATED\nRESOLVED: RESOLVED\nCLOSED: CLOSED",
                        enum_type=TicketStatus,
                        max_length=16,
                    ),
                ),
                ("diagnosis", fields.TextField(null=True, unique=False)),
                ("within_baseline", fields.BooleanField(null=True)),
                ("assignee_id", fields.IntField(null=True)),
                ("first_response_due_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "first_responded_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("resolution", fields.TextField(null=True, unique=False)),
                (
                    "resolved_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "customer_notified_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("closed_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("origin_id", fields.IntField(null=True)),
                ("version", fields.IntField(default=1)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "tickets",
                "app": "models",
                "unique_together": (("handler_id", "number"),),
                "indexes": [
                    Index(fields=["partner_id", "id"]),
                    Index(fields=["handler_id", "status", "id"]),
                    Index(fields=["customer_id", "id"]),
                    Index(fields=["partner_id", "first_response_due_at"]),
                ],
                "pk_attr": "id",
                "table_description": "A customer's support request, in the queue of the partner that handles it",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Escalation",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "ticket",
                    fields.ForeignKeyField(
                        "models.Ticket",
                        source_field="ticket_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="escalations",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("customer_id", fields.IntField()),
                ("partner_id", fields.IntField()),
                ("reseller_id", fields.IntField(null=True)),
                ("handler_id", fields.IntField()),
                (
                    "category",
                    fields.CharEnumField(
                        description="BILLING: BILLING\nSUBSCRIPTION_MANAGEMENT: SUBSCRIPTION_MANAGEMENT\nTECHNICAL: TECHNICAL",
                        enum_type=TicketCategory,
                        max_length=32,
                    ),
                ),
                (
                    "vehicle",
                    fields.CharEnumField(
                        description="COMMERCIAL_SUPPORT: COMMERCIAL_SUPPORT\nPREMIER_SUPPORT_FOR_PARTNERS: PREMIER_SUPPORT_FOR_PARTNERS\nADVANCED_SUPPORT_FOR_PARTNERS: ADVANCED_SUPPORT_FOR_PARTNERS\nSIGNATURE_CLOUD_SUPPORT: SIGNATURE_CLOUD_SUPPORT\nPRODUCT_SUPPORT_INCIDENT: PRODUCT_SUPPORT_INCIDENT\nINDIRECT_PROVIDER: INDIRECT_PROVIDER",
                        enum_type=Vehicle,
                        max_length=32,
                    ),
                ),
                ("summary", fields.TextField(unique=False)),
                (
                    "status",
                    fields.CharEnumField(
                        description="OPEN: OPEN\nWAITING_ON_PARTNER: WAITING_ON_PARTNER\nRESOLVED: RESOLVED",
                        enum_type=EscalationStatus,
                        max_length=24,
                    ),
                ),
                ("external_case_id", fields.CharField(null=True, max_length=64)),
                ("outcome", fields.TextField(null=True, unique=False)),
                ("credit_used", fields.BooleanField(default=False)),
                ("inbound_id", fields.IntField(null=True)),
                (
                    "resolved_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("version", fields.IntField(default=1)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "escalations",
                "app": "models",
                "indexes": [
                    Index(fields=["partner_id", "id"]),
                    Index(fields=["ticket_id", "id"]),
                    Index(fields=["handler_id", "status", "id"]),
                ],
                "pk_attr": "id",
                "table_description": "A ticket taken further: to Microsoft through a support vehicle, or to the indirect",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="TicketEvent",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "ticket",
                    fields.ForeignKeyField(
                        "models.Ticket",
                        source_field="ticket_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="events",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("partner_id", fields.IntField()),
                ("reseller_id", fields.IntField(null=True)),
                (
                    "kind",
                    fields.CharEnumField(
                        description="OPENED: OPENED\nTRIAGED: TRIAGED\nASSIGNED: ASSIGNED\nCOMMENTED: COMMENTED\nESCALATED: ESCALATED\nESCALATION_UPDATED: ESCALATION_UPDATED\nRESOLVED: RESOLVED\nCUSTOMER_NOTIFIED: CUSTOMER_NOTIFIED\nCLOSED: CLOSED",
                        enum_type=TicketEventKind,
                        max_length=32,
                    ),
                ),
                ("actor_sub", fields.CharField(max_length=255)),
                ("actor_partner_id", fields.IntField()),
                ("body", fields.TextField(null=True, unique=False)),
                (
                    "visibility",
                    fields.CharEnumField(
                        description="INTERNAL: INTERNAL\nCUSTOMER: CUSTOMER",
                        enum_type=Visibility,
                        max_length=8,
                    ),
                ),
                (
                    "status",
                    fields.CharEnumField(
                        description="NEW: NEW\nTRIAGED: TRIAGED\nIN_PROGRESS: IN_PROGRESS\nESCALATED: ESCALATED\nRESOLVED: RESOLVED\nCLOSED: CLOSED",
                        enum_type=TicketStatus,
                        max_length=16,
                    ),
                ),
                ("escalation_id", fields.IntField(null=True)),
                ("occurred_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "ticket_events",
                "app": "models",
                "indexes": [Index(fields=["ticket_id", "id"])],
                "pk_attr": "id",
                "table_description": "A line of a ticket's timeline: what happened, who did it, and what it said.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="TicketSequence",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("handler_id", fields.IntField(unique=True)),
                ("last_number", fields.IntField()),
            ],
            options={
                "table": "ticket_sequences",
                "app": "models",
                "pk_attr": "id",
                "table_description": "The last ticket number of each handling partner: numbers are gapless per queue.",
            },
            bases=["Model"],
        ),
    ]
