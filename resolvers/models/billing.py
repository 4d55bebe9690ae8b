"""Billing: each customer's terms, the invoices its seller issues, payments and disputes.

Amounts that are added up (invoice totals, line amounts, payments, credits) are stored as
whole minor units of their currency (cents), so that every database sums them exactly;
unit prices keep six decimals, as subscriptions' do.
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from resolvers.models.customers import Customer
from resolvers.models.moments import MomentField
from resolvers.models.subscriptions import Subscription


class InvoiceStatus(StrEnum):
    """As stored; an open invoice past its due date reads as OVERDUE."""

    OPEN = "OPEN"
    PAID = "PAID"
    VOID = "VOID"
    DISPUTED = "DISPUTED"


class DisputeStatus(StrEnum):
    OPEN = "OPEN"
    RESOLVED = "RESOLVED"


class DisputeOutcome(StrEnum):
    UPHELD = "UPHELD"  # the customer was right: the disputed amount is credited
    PARTIALLY_UPHELD = "PARTIALLY_UPHELD"  # part of it is credited
    REJECTED = "REJECTED"  # the invoice stands


# A customer's billing terms with its seller (the reseller, else the tenant root). A
# customer without one is billed in its country's currency at the default terms.
class BillingAccount(Model):
    id = fields.IntField(primary_key=True)
    customer: fields.OneToOneRelation[Customer] = fields.OneToOneField(
        "models.Customer", related_name="billing_account", on_delete=fields.RESTRICT
    )
    customer_id: int
    partner_id = fields.IntField()
    reseller_id = fields.IntField(null=True)
    seller_id = fields.IntField()
    currency = fields.CharField(max_length=3)
    payment_terms_days = fields.IntField()
    credit_limit = fields.DecimalField(max_digits=18, decimal_places=6, null=True)
    version = fields.IntField(default=1)
    created_at = MomentField(auto_now_add=True)
    updated_at = MomentField(auto_now=True)

    class Meta:
        table = "billing_accounts"


# The last invoice number a seller used: numbers are taken in the issuing transaction,
# so a rolled-back invoice gives its number back and the sequence has no gaps.
class InvoiceSequence(Model):
    id = fields.IntField(primary_key=True)
    seller_id = fields.IntField(unique=True)
    last_number = fields.IntField()

    class Meta:
        table = "invoice_sequences"


class Invoice(Model):
    id = fields.IntField(primary_key=True)
    customer: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="invoices", on_delete=fields.RESTRICT
    )
    customer_id: int
    partner_id = fields.IntField()
    reseller_id = fields.IntField(null=True)
    seller_id = fields.IntField()
    sequence = fields.IntField()
    currency = fields.CharField(max_length=3)
    issued_at = MomentField()
    due_date = fields.DateField()
    status = fields.CharEnumField(InvoiceStatus, max_length=16)
    total_minor = fields.BigIntField()
    paid_minor = fields.BigIntField(default=0)
    credited_minor = fields.BigIntField(default=0)
    paid_at = MomentField(null=True)
    voided_at = MomentField(null=True)
    version = fields.IntField(default=1)
    created_at = MomentField(auto_now_add=True)
    updated_at = MomentField(auto_now=True)

    class Meta:
        table = "invoices"
        unique_together = (("seller_id", "sequence"),)
        indexes = (
            ("customer_id", "id"),
            ("partner_id", "id"),
            ("reseller_id", "id"),
            ("partner_id", "updated_at"),
            ("partner_id", "status", "due_date"),
        )


class InvoiceLine(Model):
    id = fields.IntField(primary_key=True)
    invoice: fields.ForeignKeyRelation[Invoice] = fields.ForeignKeyField(
        "models.Invoice", related_name="lines", on_delete=fields.RESTRICT
    )
    invoice_id: int
    partner_id = fields.IntField()
    reseller_id = fields.IntField(null=True)
    position = fields.IntField()
    currency = fields.CharField(max_length=3)  # the invoice's
    description = fields.CharField(max_length=500)
    quantity = fields.DecimalField(max_digits=18, decimal_places=6)
    unit_price = fields.DecimalField(max_digits=18, decimal_places=6)
    amount_minor = fields.BigIntField()
    subscription: fields.ForeignKeyNullableRelation[Subscription] = fields.ForeignKeyField(
        "models.Subscription", related_name="invoice_lines", null=True, on_delete=fields.RESTRICT
    )
    subscription_id: int | None

    class Meta:
        table = "invoice_lines"
        indexes = (("invoice_id", "position"), ("subscription_id", "id"))


class Payment(Model):
    id = fields.IntField(primary_key=True)
    invoice: fields.ForeignKeyRelation[Invoice] = fields.ForeignKeyField(
        "models.Invoice", related_name="payments", on_delete=fields.RESTRICT
    )
    invoice_id: int
    customer_id = fields.IntField()
    partner_id = fields.IntField()
    reseller_id = fields.IntField(null=True)
    amount_minor = fields.BigIntField()
    currency = fields.CharField(max_length=3)
    reference = fields.CharField(max_length=200)
    received_at = MomentField()
    version = fields.IntField(default=1)
    created_at = MomentField(auto_now_add=True)

    class Meta:
        table = "payments"
        indexes = (("invoice_id", "id"), ("partner_id", "id"), ("reseller_id", "id"))


# A customer's dispute of an invoice, opened on its behalf; while it is open the invoice is
# DISPUTED, and what the dispute holds back never leads to a reminder or a suspension.
class BillingDispute(Model):
    id = fields.IntField(primary_key=True)
    invoice: fields.ForeignKeyRelation[Invoice] = fields.ForeignKeyField(
        "models.Invoice", related_name="disputes", on_delete=fields.RESTRICT
    )
    invoice_id: int
    customer_id = fields.IntField()
    partner_id = fields.IntField()
    reseller_id = fields.IntField(null=True)
    reason = fields.CharField(max_length=2000)
    currency = fields.CharField(max_length=3)  # the invoice's
    amount_minor = fields.BigIntField(null=True)  # the disputed part; None: the whole invoice
    status = fields.CharEnumField(DisputeStatus, max_length=16)
    outcome = fields.CharEnumField(DisputeOutcome, max_length=16, null=True)
    credited_minor = fields.BigIntField(default=0)
    resolution = fields.CharField(max_length=2000, null=True)
    opened_at = MomentField()
    resolved_at = MomentField(null=True)
    version = fields.IntField(default=1)
    created_at = MomentField(auto_now_add=True)
    updated_at = MomentField(auto_now=True)

    class Meta:
        table = "billing_disputes"
        indexes = (
            ("invoice_id", "id"),
            ("customer_id", "id"),
            ("partner_id", "id"),
            ("reseller_id", "id"),
        )


class SuspensionScope(StrEnum):
    """What a suspension for non-payment affects."""

    ALL_SUBSCRIPTIONS = "ALL_SUBSCRIPTIONS"
    INVOICED_SUBSCRIPTIONS = "INVOICED_SUBSCRIPTIONS"  # those on the overdue invoices' lines


# A seller's collections policy: reminders at these days past due, suspension for
# non-payment after `suspend_after_days` (never, if None), what it affects, whether a
# payment that clears the overdue balance reactivates, and the notice customers see.
class CollectionsPolicy(Model):
    id = fields.IntField(primary_key=True)
    seller_id = fields.IntField(unique=True)
    partner_id = fields.IntField()
    reseller_id = fields.IntField(null=True)
    reminder_days = fields.CharField(max_length=200, default="")  # comma-separated, ascending
    suspend_after_days = fields.IntField(null=True)
    scope = fields.CharEnumField(SuspensionScope, max_length=32)
    reactivate_on_payment = fields.BooleanField(default=True)
    customer_notice = fields.CharField(max_length=2000, null=True)
    version = fields.IntField(default=1)
    created_at = MomentField(auto_now_add=True)
    updated_at = MomentField(auto_now=True)

    class Meta:
        table = "collections_policies"


class CollectionActionKind(StrEnum):
    REMIND = "REMIND"
    SUSPEND = "SUSPEND"
    REACTIVATE = "REACTIVATE"


# What a collections run did. A reminder is sent once per invoice and threshold.
class CollectionAction(Model):
    id = fields.BigIntField(primary_key=True)
    run_id = fields.CharField(max_length=64)
    partner_id = fields.IntField()
    reseller_id = fields.IntField(null=True)
    seller_id = fields.IntField()
    kind = fields.CharEnumField(CollectionActionKind, max_length=16)
    customer_id = fields.IntField()
    invoice_id = fields.IntField(null=True)
    subscription_id = fields.IntField(null=True)
    threshold_days = fields.IntField(null=True)
    days_past_due = fields.IntField()
    as_of = fields.DateField()
    version = fields.IntField(default=1)
    created_at = MomentField(auto_now_add=True)

    class Meta:
        table = "collection_actions"
        unique_together = (("invoice_id", "kind", "threshold_days"),)
        indexes = (("customer_id", "id"), ("partner_id", "id"))
