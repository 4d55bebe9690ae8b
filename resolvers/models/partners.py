"""Partners (organizations in the CSP program) and their directory users."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from auth.viewer import PartnerKind
from resolvers.models.moments import MomentField


class Cloud(StrEnum):
    GLOBAL = "GLOBAL"
    US_GOVERNMENT = "US_GOVERNMENT"
    CHINA_21VIANET = "CHINA_21VIANET"


class Partner(Model):
    id = fields.IntField(primary_key=True)
    tenant_id = fields.CharField(max_length=64, unique=True)
    name = fields.CharField(max_length=200)
    kind = fields.CharEnumField(PartnerKind, max_length=32)
    cloud = fields.CharEnumField(Cloud, max_length=32, default=Cloud.GLOBAL)
    mpn_id = fields.CharField(max_length=32, null=True)
    provider: fields.ForeignKeyNullableRelation[Partner] = fields.ForeignKeyField(
        "models.Partner", related_name="resellers", null=True, on_delete=fields.RESTRICT
    )
    provider_id: int | None
    active = fields.BooleanField(default=True)
    version = fields.IntField(default=1)
    created_at = MomentField(auto_now_add=True)
    updated_at = MomentField(auto_now=True, db_index=True)

    class Meta:
        table = "partners"


class User(Model):
    """A directory entry per token subject. Deactivating it stops its tokens at once."""

    id = fields.IntField(primary_key=True)
    partner: fields.ForeignKeyRelation[Partner] = fields.ForeignKeyField(
        "models.Partner", related_name="users", on_delete=fields.RESTRICT
    )
    partner_id: int
    sub = fields.CharField(max_length=256)
    name = fields.CharField(max_length=200, null=True)
    email = fields.CharField(max_length=320, null=True)
    active = fields.BooleanField(default=True)
    # bound to the safelist: its tokens run only the partner's persisted operations
    safelist_only = fields.BooleanField(default=False, db_default=False)
    version = fields.IntField(default=1)
    created_at = MomentField(auto_now_add=True)
    updated_at = MomentField(auto_now=True)

    class Meta:
        table = "users"
        unique_together = (("partner", "sub"),)
