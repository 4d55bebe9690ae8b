"""Persisted operations: the documents a partner has registered, by SHA-256 hash. A user
bound to the safelist (`User.safelist_only`) may run only these."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from resolvers.models.moments import MomentField


class PersistedOperation(Model):
    id = fields.IntField(primary_key=True)
    partner_id = fields.IntField()
    hash = fields.CharField(max_length=64)  # hex SHA-256 of the document's text
    name = fields.CharField(max_length=200, null=True)  # of its operation, when it has one
    document = fields.TextField()
    version = fields.IntField(default=1)
    created_at = MomentField(auto_now_add=True)

    class Meta:
        table = "persisted_operations"
        unique_together = (("partner_id", "hash"),)
        indexes = (("partner_id", "id"),)
