"""Support: what each partner offers its customers, tickets, their timelines and escalations."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from resolvers.models.customers import Customer
from resolvers.models.moments import MomentField


class Sourcing(StrEnum):
    DIRECT = "DIRECT"
    RESOLD = "RESOLD"
    OUTSOURCED = "OUTSOURCED"


class PricingModel(StrEnum):
    INCLUDED = "INCLUDED"
    PER_INCIDENT = "PER_INCIDENT"
    MONTHLY_FEE = "MONTHLY_FEE"
    HOURLY = "HOURLY"


class Competency(StrEnum):
    GOLD = "GOLD"
    SILVER = "SILVER"
    NONE = "NONE"


class TicketCategory(StrEnum):
    BILLING = "BILLING"
    SUBSCRIPTION_MANAGEMENT = "SUBSCRIPTION_MANAGEMENT"
    TECHNICAL = "TECHNICAL"


class Severity(StrEnum):
    A = "A"  # critical
    B = "B"  # moderate
    C = "C"  # minimal


class TicketStatus(StrEnum):
    NEW = "NEW"
    TRIAGED = "TRIAGED"
    IN_PROGRESS = "IN_PROGRESS"
    ESCALATED = "ESCALATED"
    RESOLVED = "RESOLVED"
    CLOSED = "CLOSED"


class Channel(StrEnum):
    PHONE = "PHONE"
    EMAIL = "EMAIL"
    WEB = "WEB"


class Visibility(StrEnum):
    INTERNAL = "INTERNAL"
    CUSTOMER = "CUSTOMER"


class TicketEventKind(StrEnum):
    OPENED = "OPENED"
    TRIAGED = "TRIAGED"
    ASSIGNED = "ASSIGNED"
    COMMENTED = "COMMENTED"
    ESCALATED = "ESCALATED"
    ESCALATION_UPDATED = "ESCALATION_UPDATED"
    RESOLVED = "RESOLVED"
    CUSTOMER_NOTIFIED = "CUSTOMER_NOTIFIED"
    CLOSED = "CLOSED"


class Vehicle(StrEnum):
    COMMERCIAL_SUPPORT = "COMMERCIAL_SUPPORT"
    PREMIER_SUPPORT_FOR_PARTNERS = "PREMIER_SUPPORT_FOR_PARTNERS"
    ADVANCED_SUPPORT_FOR_PARTNERS = "ADVANCED_SUPPORT_FOR_PARTNERS"
    SIGNATURE_CLOUD_SUPPORT = "SIGNATURE_CLOUD_SUPPORT"
    PRODUCT_SUPPORT_INCIDENT = "PRODUCT_SUPPORT_INCIDENT"
    INDIRECT_PROVIDER = "INDIRECT_PROVIDER"


class EscalationStatus(StrEnum):
    OPEN = "OPEN"
    WAITING_ON_PARTNER = "WAITING_ON_PARTNER"
    RESOLVED = "RESOLVED"


class SupportOffering(Model):
    """One per partner (`seller_id`): what it tells its customers, and what it may ask of
    Microsoft. Lists are stored as JSON: they are always read and written whole."""

    id = fields.IntField(primary_key=True)
    seller_id = fields.IntField(unique=True)
    partner_id = fields.IntField()
    reseller_id = fields.IntField(null=True)
    sourcing = fields.CharEnumField(Sourcing, max_length=16)
    provider_name = fields.CharField(max_length=200, null=True)
    time_zone = fields.CharField(max_length=64)
    hours = fields.JSONField()  # [{"day": "MONDAY", "opens": "08:00", "closes": "18:00"}]
    contact_methods = fields.JSONField()  # [{"kind": "EMAIL", "value": "..."}]
    pricing_model = fields.CharEnumField(PricingModel, max_length=16)
    price = fields.DecimalField(max_digits=18, decimal_places=6, null=True)
    price_currency = fields.CharField(max_length=3, null=True)
    categories = fields.JSONField()  # baseline: the ticket categories it resolves itself
    product_families = fields.JSONField()  # baseline: the product families it supports
    premier_contract = fields.CharField(max_length=64, null=True)
    premier_contract_ends = fields.DateField(null=True)
    advanced_contract = fields.CharField(max_length=64, null=True)
    advanced_contract_ends = fields.DateField(null=True)
    competency = fields.CharEnumField(Competency, max_length=8, default=Competency.NONE)
    action_pack = fields.BooleanField(default=False)
    incident_credits = fields.IntField(default=0)
    version = fields.IntField(default=1)
    created_at = MomentField(auto_now_add=True)
    updated_at = MomentField(auto_now=True)

    class Meta:
        table = "support_offerings"


class TicketSequence(Model):
    """The last ticket number of each handling partner: numbers are gapless per queue."""

    id = fields.IntField(primary_key=True)
    handler_id = fields.IntField(unique=True)
    last_number = fields.IntField()

    class Meta:
        table = "ticket_sequences"


class Ticket(Model):
    """A customer's support request, in the queue of the partner that handles it
    (`handler_id`): the customer's seller, or an indirect provider for a reseller's
    escalation (then `origin` is the reseller's ticket)."""

    id = fields.IntField(primary_key=True)
    customer: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="tickets", on_delete=fields.RESTRICT
    )
    partner_id = fields.IntField()
    reseller_id = fields.IntField(null=True)
    handler_id = fields.IntField()
    number = fields.IntField()
    category = fields.CharEnumField(TicketCategory, max_length=32)
    severity = fields.CharEnumField(Severity, max_length=1)
    title = fields.CharField(max_length=200)
    description = fields.TextField()
    product_family = fields.CharField(max_length=16, null=True)
    subscription_id = fields.IntField(null=True)
    channel = fields.CharEnumField(Channel, max_length=8)
    status = fields.CharEnumField(TicketStatus, max_length=16)
    diagnosis = fields.TextField(null=True)
    within_baseline = fields.BooleanField(null=True)
    assignee_id = fields.IntField(null=True)
    first_response_due_at = MomentField()
    first_responded_at = MomentField(null=True)
    resolution = fields.TextField(null=True)
    resolved_at = MomentField(null=True)
    customer_notified_at = MomentField(null=True)
    # an escalation resolved since the customer was last told: it may not close (set and
    # cleared under the ticket's lock, so in the order the two happened, whatever the clocks)
    outcome_untold = fields.BooleanField(default=False, db_default=False)
    closed_at = MomentField(null=True)
    origin_id = fields.IntField(null=True)
    version = fields.IntField(default=1)
    created_at = MomentField(auto_now_add=True)
    updated_at = MomentField(auto_now=True)

    class Meta:
        table = "tickets"
        unique_together = (("handler_id", "number"),)
        indexes = (
            ("partner_id", "id"),
            ("handler_id", "status", "id"),
            ("customer_id", "id"),
            ("partner_id", "first_response_due_at"),
        )


class TicketEvent(Model):
    """A line of a ticket's timeline: what happened, who did it, and what it said."""

    id = fields.IntField(primary_key=True)
    ticket: fields.ForeignKeyRelation[Ticket] = fields.ForeignKeyField(
        "models.Ticket", related_name="events", on_delete=fields.CASCADE
    )
    partner_id = fields.IntField()
    reseller_id = fields.IntField(null=True)
    kind = fields.CharEnumField(TicketEventKind, max_length=32)
    actor_sub = fields.CharField(max_length=255)
    actor_partner_id = fields.IntField()
    body = fields.TextField(null=True)
    visibility = fields.CharEnumField(Visibility, max_length=8)
    status = fields.CharEnumField(TicketStatus, max_length=16)  # the ticket's, after the event
    escalation_id = fields.IntField(null=True)
    occurred_at = MomentField()

    class Meta:
        table = "ticket_events"
        indexes = (("ticket_id", "id"),)


class Escalation(Model):
    """A ticket taken further: to Microsoft through a support vehicle, or to the indirect
    provider (then `inbound_id` is the provider's ticket)."""

    id = fields.IntField(primary_key=True)
    ticket: fields.ForeignKeyRelation[Ticket] = fields.ForeignKeyField(
        "models.Ticket", related_name="escalations", on_delete=fields.RESTRICT
    )
    customer_id = fields.IntField()
    partner_id = fields.IntField()
    reseller_id = fields.IntField(null=True)
    handler_id = fields.IntField()
    category = fields.CharEnumField(TicketCategory, max_length=32)  # the ticket's
    vehicle = fields.CharEnumField(Vehicle, max_length=32)
    summary = fields.TextField()
    status = fields.CharEnumField(EscalationStatus, max_length=24)
    external_case_id = fields.CharField(max_length=64, null=True)
    outcome = fields.TextField(null=True)
    credit_used = fields.BooleanField(default=False)
    inbound_id = fields.IntField(null=True)
    resolved_at = MomentField(null=True)
    version = fields.IntField(default=1)
    created_at = MomentField(auto_now_add=True)
    updated_at = MomentField(auto_now=True)

    class Meta:
        table = "escalations"
        indexes = (("partner_id", "id"), ("ticket_id", "id"), ("handler_id", "status", "id"))
