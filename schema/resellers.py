"""Indirect resellers, as their indirect provider sees and registers them."""

from __future__ import annotations

import strawberry

from auth.permissions import Capability
from resolvers import resellers
from schema.errors import UserError, attempt
from schema.guards import field, mutation
from schema.pagination import Connection, connection, page_request
from schema.partners import Partner


@strawberry.input
class RegisterResellerInput:
    tenant_id: str = strawberry.field(description="The reseller's Microsoft Entra tenant id.")
    name: str
    mpn_id: str = strawberry.field(description="The reseller's MPN id (4 to 12 digits).")
    idempotency_key: str | None = strawberry.field(
        default=None, description="Retrying with the same key returns the first result."
    )


@strawberry.type(description="The result of registering a reseller.")
class ResellerPayload:
    reseller: Partner | None = field(
        Capability.RESELLERS_READ, description="The reseller, unless the mutation failed."
    )
    user_errors: list[UserError] = field(Capability.VIEWER, description="Why it failed.")


@strawberry.type
class ResellerQuery:
    @field(
        Capability.RESELLERS_READ,
        description="Your indirect resellers (indirect providers), oldest first.",
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
        page = await resellers.list_resellers(
            info.context.signed_in, page=page_request(first, after, last, before), search=search
        )
        return connection(page, Partner.from_model)


@strawberry.type
class ResellerMutation:
    @mutation(Capability.RESELLERS_WRITE, description="Register an indirect reseller (providers).")
    async def register_reseller(
        self, info: strawberry.Info, input: RegisterResellerInput
    ) -> ResellerPayload | None:
        context = info.context
        work = resellers.register_reseller(
            context.actor,
            tenant_id=input.tenant_id,
            name=input.name,
            mpn_id=input.mpn_id,
            idempotency_key=input.idempotency_key,
        )
        row, errors = await attempt(work, context.language)
        return ResellerPayload(reseller=row and Partner.from_model(row), user_errors=errors)
