"""Partners: the viewer's own organization, its indirect provider and its resellers."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

import strawberry

from auth.permissions import Capability
from auth.viewer import PartnerKind
from resolvers import resellers
from resolvers.models import Cloud
from resolvers.pagination import empty_page
from schema.guards import field
from schema.nodes import Node, node_type, to_global_id
from schema.objects import FromRow, Read, column, from_row
from schema.pagination import Connection, connection, page_request
from schema.relations import Relation, relation_field

if TYPE_CHECKING:
    from schema.support import SupportOffering

PartnerKindType = strawberry.enum(
    PartnerKind,
    name="PartnerKind",
    description="DIRECT_BILL owns the whole relationship; an INDIRECT_PROVIDER (distributor) "
    "sells through INDIRECT_RESELLERs.",
)
CloudType = strawberry.enum(
    Cloud, name="Cloud", description="The Partner Center instance the partner works in."
)


# Partner's own relation: its provider, another Partner (resolved when first used).
PROVIDER = Relation(
    loader="partners", key="provider_pk", convert=lambda row: Partner.from_model(row)
)


def _offering(row: Any) -> Any:
    from schema.support import SupportOffering  # the offering's types refer back to partners

    return SupportOffering.from_model(row)


SUPPORT_OFFERING = Relation(loader="support_offerings", key="pk", convert=_offering)


@node_type("Partner", Capability.PARTNER_READ, loader="partners")
@from_row
@strawberry.type(description="An organization in the CSP program, identified by its Entra tenant.")
class Partner(Node, FromRow):
    name: str = field(Capability.VIEWER, description="The partner's name.")
    kind: PartnerKindType = field(Capability.VIEWER, description="How the partner sells.")  # type: ignore[valid-type]
    cloud: CloudType = field(Capability.VIEWER, description="Partner Center instance.")  # type: ignore[valid-type]
    tenant_id: str = field(Capability.VIEWER, description="Microsoft Entra tenant id (`tid`).")
    mpn_id: str | None = field(Capability.VIEWER, description="Microsoft Partner Network id.")
    created_at: datetime = field(Capability.VIEWER, description="When it was onboarded.")
    pk: strawberry.Private[int]
    provider_pk: strawberry.Private[int | None]

    READS: ClassVar[Mapping[str, Read]] = {
        "id": Read(("id",), lambda row: to_global_id("Partner", row.id)),
        "pk": column("id"),
        "provider_pk": column("provider_id"),
    }

    @relation_field(
        Capability.VIEWER, PROVIDER, description="The indirect provider of an indirect reseller."
    )
    def provider(self, info: strawberry.Info) -> Partner | None:
        return PROVIDER.resolve(info, self)

    @relation_field(
        Capability.SUPPORT_OFFERING_READ,
        SUPPORT_OFFERING,
        description="What the partner tells its customers about its support (null until set).",
    )
    def support_offering(
        self, info: strawberry.Info
    ) -> Annotated[SupportOffering, strawberry.lazy("schema.support")] | None:
        return SUPPORT_OFFERING.resolve(info, self)

    @field(
        Capability.RESELLERS_READ,
        description="The indirect resellers of an indirect provider (yours only).",
    )
    async def resellers(
        self,
        info: strawberry.Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        search: str | None = None,
    ) -> Connection[Partner] | None:
        viewer = info.context.signed_in
        page = page_request(first, after, last, before)
        if self.pk != viewer.partner_id:  # only your own resellers are yours to see
            return connection(empty_page(), Partner.from_model)
        found = await resellers.list_resellers(viewer, page=page, search=search)
        return connection(found, Partner.from_model)


@strawberry.type
class PartnerQuery:
    @field(Capability.PARTNER_READ, description="Your own organization.")
    async def partner(self, info: strawberry.Info) -> Partner | None:
        viewer = info.context.signed_in
        row = await info.context.loaders.partners.load(viewer.partner_id)
        return Partner.from_model(row)
