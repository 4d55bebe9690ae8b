"""Tortoise models of every domain (the Tortoise app `models`)."""

from resolvers.models.customers import Customer
from resolvers.models.events import AuditEvent, ChangeEvent, IdempotencyKey
from resolvers.models.partners import Cloud, Partner, User

__all__ = ["AuditEvent", "ChangeEvent", "Cloud", "Customer", "IdempotencyKey", "Partner", "User"]
