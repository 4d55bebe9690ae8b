"""`viewer`: who you are, your organization, and what your roles let you do."""

from __future__ import annotations

import strawberry

from auth.permissions import Capability
from schema.guards import field
from schema.nodes import to_global_id
from schema.partners import Partner


@strawberry.type(
    name="Viewer",
    description="The caller. Frontends show only what `capabilities` allows.",
)
class ViewerInfo:
    user_id: strawberry.ID = field(Capability.VIEWER, description="Your directory user's id.")
    subject: str = field(Capability.VIEWER, description="The token's `sub`.")
    name: str | None = field(Capability.VIEWER, description="Your name, from the token.")
    email: str | None = field(Capability.VIEWER, description="Your email, from the token.")
    roles: list[str] = field(
        Capability.VIEWER, description="Your Partner Center roles (canonical ids)."
    )
    capabilities: list[str] = field(
        Capability.VIEWER, description="What your roles let you do, such as `customers:read`."
    )
    partner_pk: strawberry.Private[int]

    @field(Capability.VIEWER, description="Your organization.")
    async def partner(self, info: strawberry.Info) -> Partner:
        row = await info.context.loaders.partners.load(self.partner_pk)
        return Partner.from_model(row)


@strawberry.type
class ViewerQuery:
    @field(Capability.VIEWER, description="Who you are and what you may do.")
    def viewer(self, info: strawberry.Info) -> ViewerInfo:
        viewer = info.context.signed_in
        return ViewerInfo(
            user_id=to_global_id("User", viewer.user_id),
            subject=viewer.sub,
            name=viewer.name,
            email=viewer.email,
            roles=sorted(role.value for role in viewer.roles),
            capabilities=sorted(str(capability) for capability in viewer.capabilities),
            partner_pk=viewer.partner_id,
        )
