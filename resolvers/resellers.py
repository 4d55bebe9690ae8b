"""Indirect resellers: registered by their indirect provider, visible to it."""

from __future__ import annotations

from auth.viewer import PartnerKind, Viewer
from resolvers import idempotency
from resolvers.audit import Actor, record_change
from resolvers.errors import BadInput, Forbidden, InvalidInput
from resolvers.models import Partner
from resolvers.pagination import Page, PageRequest, paginate, search_term
from resolvers.partners import check_identity
from resolvers.rows import CONTAINS, Row, Where, containing

RESELLER_FIELDS = ("tenant_id", "name", "kind", "cloud", "mpn_id", "provider_id")


async def list_resellers(
    viewer: Viewer, *, page: PageRequest, search: str | None = None
) -> Page[Row]:
    """The viewer's resellers (an indirect provider's; other partners have none)."""
    where = Where(Partner).equal(provider_id=viewer.partner_id, kind=PartnerKind.INDIRECT_RESELLER)
    if term := search_term(search, "search"):
        # by name, or exactly by MPN id or tenant id (when the term can be one)
        matches = [CONTAINS.format(column="name")]
        values = [containing(term)]
        if len(term) <= 32:
            matches.append("mpn_id = {}")
            values.append(term)
        if len(term) <= 64:
            matches.append("tenant_id = {}")
            values.append(term.lower())
        where.add(f"({' OR '.join(matches)})", *values)
    return await paginate(where, page)


async def register_reseller(
    actor: Actor, *, tenant_id: str, name: str, mpn_id: str, idempotency_key: str | None = None
) -> Partner:
    viewer = actor.viewer
    if not viewer.is_provider:
        raise Forbidden("reseller.only_providers_register")
    if problems := check_identity(tenant_id, name, mpn_id):
        raise InvalidInput(problems)
    values = {"tenant_id": tenant_id.lower(), "name": name.strip(), "mpn_id": mpn_id}

    async def tenant_free() -> None:
        if await Partner.exists(tenant_id=values["tenant_id"]):
            raise BadInput("partner.tenant_taken", field=["tenantId"])

    async def insert() -> Partner:
        await tenant_free()
        provider = await Partner.get(id=viewer.partner_id)
        reseller = await Partner.create(
            **values, kind=PartnerKind.INDIRECT_RESELLER, cloud=provider.cloud, provider=provider
        )
        await record_change(
            actor,
            action="reseller.registered",
            row=reseller,
            fields=RESELLER_FIELDS,
            owner=(provider.id, None),  # the provider's own act, not visible to the reseller
        )
        return reseller

    return await idempotency.create_once(
        viewer,
        operation="registerReseller",
        key=idempotency_key,
        payload=values,
        create=insert,
        load=lambda pk: Partner.get(id=pk),
        recheck=tenant_free,
    )
