"""Subscriptions a customer buys through its partner, and the history of their quantities."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from resolvers.models.customers import Customer
from resolvers.models.moments import MomentField


class ProductFamily(StrEnum):
    AZURE = "AZURE"
    MICROSOFT_365 = "MICROSOFT_365"
    DYNAMICS_365 = "DYNAMICS_365"
    ON_PREMISES = "ON_PREMISES"


class SubscriptionStatus(StrEnum):
    """Partner Center's statuses."""

    ACTIVE = "ACTIVE"
    PENDING = "PENDING"
    SUSPENDED = "SUSPENDED"
    EXPIRED = "EXPIRED"
    DISABLED = "DISABLED"
    DELETED = "DELETED"


class SuspensionReason(StrEnum):
    NON_PAYMENT = "NON_PAYMENT"
    PARTNER_REQUEST = "PARTNER_REQUEST"
    FRAUD = "FRAUD"


class BillingCycle(StrEnum):
    MONTHLY = "MONTHLY"
    ANNUAL = "ANNUAL"
    TRIENNIAL = "TRIENNIAL"


class Subscription(Model):
    """`partner_id`, `reseller_id` and `seller_id` are copied from the customer: visibility and
    external ids work as for customers. `term_started_at` is the purchase or the last renewal,
    from which the 7-day cancellation window runs. `suspension_reasons` holds the reasons in
    order, comma-separated, empty unless suspended; `inherited_reasons` those of them an
    add-on's base passed on (lifted from the base, they are lifted from it). `parent` is the
    base of an add-on."""

    id = fields.IntField(primary_key=True)
    customer: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="subscriptions", on_delete=fields.RESTRICT
    )
    customer_id: int
    partner_id = fields.IntField()
    reseller_id = fields.IntField(null=True)
    seller_id = fields.IntField()
    parent: fields.ForeignKeyNullableRelation[Subscription] = fields.ForeignKeyField(
        "models.Subscription", related_name="add_ons", null=True, on_delete=fields.RESTRICT
    )
    parent_id: int | None
    external_id = fields.CharField(max_length=128, null=True)
    offer_id = fields.CharField(max_length=64)
    offer_name = fields.CharField(max_length=200)
    product_family = fields.CharEnumField(ProductFamily, max_length=16)
    quantity = fields.IntField()
    currency = fields.CharField(max_length=3)
    unit_price = fields.DecimalField(max_digits=18, decimal_places=6)
    unit_cost = fields.DecimalField(max_digits=18, decimal_places=6, null=True)
    billing_cycle = fields.CharEnumField(BillingCycle, max_length=16)
    term_duration = fields.CharField(max_length=8)
    auto_renew = fields.BooleanField(default=True)
    status = fields.CharEnumField(SubscriptionStatus, max_length=16)
    suspension_reasons = fields.CharField(max_length=64, default="")
    inherited_reasons = fields.CharField(max_length=64, default="", db_default="")
    purchased_at = MomentField()
    term_started_at = MomentField()
    term_ends_at = MomentField()
    cancelled_at = MomentField(null=True)
    version = fields.IntField(default=1)
    created_at = MomentField(auto_now_add=True)
    updated_at = MomentField(auto_now=True)

    class Meta:
        table = "subscriptions"
        unique_together = (("seller_id", "external_id"),)
        indexes = (
            ("customer_id", "id"),
            ("partner_id", "id"),
            ("reseller_id", "id"),
            ("partner_id", "updated_at"),
            ("parent_id", "id"),
        )


class SubscriptionQuantity(Model):
    """The quantity a subscription had from `effective_from` until the next row's."""

    id = fields.BigIntField(primary_key=True)
    subscription: fields.ForeignKeyRelation[Subscription] = fields.ForeignKeyField(
        "models.Subscription", related_name="quantities", on_delete=fields.RESTRICT
    )
    subscription_id: int
    partner_id = fields.IntField()
    reseller_id = fields.IntField(null=True)
    quantity = fields.IntField()
    effective_from = MomentField()

    class Meta:
        table = "subscription_quantities"
        indexes = (("subscription_id", "effective_from"),)
