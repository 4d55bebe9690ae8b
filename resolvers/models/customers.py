"""Customers of a partner, or of one of an indirect provider's resellers."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from resolvers.models.moments import MomentField
from resolvers.models.partners import Partner


class Customer(Model):
    """`partner` is the tenant root that owns the relationship (direct partner or indirect
    provider); `reseller` is the indirect reseller that sells to the customer, if any."""

    id = fields.IntField(primary_key=True)
    partner: fields.ForeignKeyRelation[Partner] = fields.ForeignKeyField(
        "models.Partner", related_name="customers", on_delete=fields.RESTRICT
    )
    partner_id: int
    reseller: fields.ForeignKeyNullableRelation[Partner] = fields.ForeignKeyField(
        "models.Partner", related_name="resold_customers", null=True, on_delete=fields.RESTRICT
    )
    reseller_id: int | None
    # The partner that sells to the customer: its reseller, else the tenant root. External
    # ids are unique per seller, so that a reseller's ids say nothing about its siblings'.
    seller_id = fields.IntField()
    company_name = fields.CharField(max_length=200)
    domain = fields.CharField(max_length=253)
    country = fields.CharField(max_length=2)
    language = fields.CharField(max_length=16)
    external_id = fields.CharField(max_length=128, null=True)
    billing_contact_name = fields.CharField(max_length=200, null=True)
    billing_contact_email = fields.CharField(max_length=320, null=True)
    billing_contact_phone = fields.CharField(max_length=40, null=True)
    version = fields.IntField(default=1)
    created_at = MomentField(auto_now_add=True)
    updated_at = MomentField(auto_now=True)

    class Meta:
        table = "customers"
        unique_together = (("seller_id", "external_id"),)
        indexes = (("partner_id", "id"), ("reseller_id", "id"), ("partner_id", "updated_at"))
