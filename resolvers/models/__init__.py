"""Tortoise models of every domain (the Tortoise app `models`)."""

from resolvers.models.customers import Customer
from resolvers.models.events import AuditEvent, ChangeEvent, IdempotencyKey
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
    "BillingCycle",
    "ChangeEvent",
    "Cloud",
    "Customer",
    "IdempotencyKey",
    "Partner",
    "ProductFamily",
    "Subscription",
    "SubscriptionQuantity",
    "SubscriptionStatus",
    "SuspensionReason",
    "User",
]
