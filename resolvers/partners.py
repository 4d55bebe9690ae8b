"""Partners: onboarding by the operator, visibility of partner records, batch loading."""

from __future__ import annotations

import re
from collections.abc import Sequence

from auth.viewer import PartnerKind, Viewer
from resolvers.errors import BadInput, NotFound
from resolvers.models import Cloud, Partner
from resolvers.rows import Row, Where, rows_by_id

TENANT_ID = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)
MPN_ID = re.compile(r"^[0-9]{4,12}$")


def partner_visibility(viewer: Viewer) -> list[tuple[str, int]]:
    """A partner sees itself; a provider sees its resellers; a reseller sees its provider:
    the partners whose column equals the value, for one of these (column, value) pairs."""
    visible = [("id", viewer.partner_id)]
    if viewer.is_provider:
        visible.append(("provider_id", viewer.partner_id))
    if viewer.is_reseller:
        visible.append(("id", viewer.root_partner_id))
    return visible


async def partners_by_id(viewer: Viewer, ids: Sequence[int]) -> list[Row | None]:
    return await rows_by_id(Where(Partner).any_equal(partner_visibility(viewer)), ids)


def check_identity(tenant_id: str, name: str, mpn_id: str | None) -> list[BadInput]:
    """Problems with a partner's identity fields, all of them at once."""
    problems = []
    if not TENANT_ID.fullmatch(tenant_id):
        problems.append(BadInput("partner.tenant_id", field=["tenantId"]))
    if not name.strip() or len(name) > 200:
        problems.append(BadInput("text.length", field=["name"], minimum=1, maximum=200))
    if mpn_id is not None and not MPN_ID.fullmatch(mpn_id):
        problems.append(BadInput("partner.mpn_id", field=["mpnId"]))
    return problems


async def add_partner(
    *,
    tenant_id: str,
    name: str,
    kind: PartnerKind,
    cloud: Cloud = Cloud.GLOBAL,
    provider_tenant_id: str | None = None,
    mpn_id: str | None = None,
) -> Partner:
    """Onboard a partner (the operator's CLI). An indirect reseller names its provider."""
    if problems := check_identity(tenant_id, name, mpn_id):
        raise problems[0]
    provider = None
    if kind is PartnerKind.INDIRECT_RESELLER:
        if provider_tenant_id is None:
            raise BadInput("partner.provider_required", field=["providerTenantId"])
        provider = await Partner.get_or_none(
            tenant_id=provider_tenant_id.lower(), kind=PartnerKind.INDIRECT_PROVIDER
        )
        if provider is None:
            raise NotFound("partner.provider_not_found", field=["providerTenantId"])
        cloud = provider.cloud
    elif provider_tenant_id is not None:
        raise BadInput("partner.provider_only_for_resellers", field=["providerTenantId"])
    if await Partner.exists(tenant_id=tenant_id.lower()):
        raise BadInput("partner.tenant_taken", field=["tenantId"])
    return await Partner.create(
        tenant_id=tenant_id.lower(),
        name=name.strip(),
        kind=kind,
        cloud=cloud,
        mpn_id=mpn_id,
        provider=provider,
    )
