"""Tortoise models of every domain (the Tortoise app `models`)."""

from resolvers.models.billing import (
    BillingAccount,
    BillingDispute,
    CollectionAction,
    CollectionActionKind,
    CollectionsPolicy,
    DisputeOutcome,
    DisputeStatus,
    Invoice,
    InvoiceLine,
    InvoiceSequence,
    InvoiceStatus,
    Payment,
    SuspensionScope,
)
from resolvers.models.customers import Customer
from resolvers.models.events import AuditEvent, ChangeEvent, IdempotencyKey
from resolvers.models.jobs import ScheduledRun
from resolvers.models.partners import Cloud, Partner, User
from resolvers.models.subscriptions import (
    BillingCycle,
    ProductFamily,
    Subscription,
    SubscriptionQuantity,
    SubscriptionStatus,
    SuspensionReason,
)

__all__ = [
    "AuditEvent",
    "BillingAccount",
    "BillingCycle",
    "BillingDispute",
    "ChangeEvent",
    "Cloud",
    "CollectionAction",
    "CollectionActionKind",
    "CollectionsPolicy",
    "Customer",
    "DisputeOutcome",
    "DisputeStatus",
    "IdempotencyKey",
    "Invoice",
    "InvoiceLine",
    "InvoiceSequence",
    "InvoiceStatus",
    "Partner",
    "Payment",
    "ProductFamily",
    "ScheduledRun",
    "Subscription",
    "SubscriptionQuantity",
    "SubscriptionStatus",
    "SuspensionReason",
    "SuspensionScope",
    "User",
]
