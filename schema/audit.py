"""The activity log: who changed what, when, with the state before and after."""

from __future__ import annotations

from datetime import datetime

import strawberry

from auth.permissions import Capability
from resolvers import audit, models
from schema.guards import field
from schema.nodes import from_global_id, to_global_id
from schema.pagination import Connection, connection, page_request


@strawberry.type(description="Who performed a change.")
class AuditActor:
    subject: str = field(Capability.AUDIT_READ, description="The token's `sub`.")
    tenant_id: str = field(Capability.AUDIT_READ, description="The token's `tid`.")
    roles: list[str] = field(Capability.AUDIT_READ, description="The roles it held.")


@strawberry.type(description="One change, as recorded in the transaction that made it.")
class AuditEvent:
    id: strawberry.ID = field(Capability.AUDIT_READ, description="The record's id.")
    action: str = field(Capability.AUDIT_READ, description="Such as `customer.updated`.")
    entity_type: str = field(Capability.AUDIT_READ, description="The changed object's type.")
    entity_id: strawberry.ID = field(
        Capability.AUDIT_READ, description="The changed object's global id."
    )
    actor: AuditActor = field(Capability.AUDIT_READ, description="Who made the change.")
    before: strawberry.scalars.JSON | None = field(
        Capability.AUDIT_READ, description="The object's fields before the change."
    )
    after: strawberry.scalars.JSON | None = field(
        Capability.AUDIT_READ, description="The object's fields after the change."
    )
    request_id: str = field(Capability.AUDIT_READ, description="The request that made it.")
    occurred_at: datetime = field(Capability.AUDIT_READ, description="When it was committed.")

    @classmethod
    def from_model(cls, row: models.AuditEvent) -> AuditEvent:
        return cls(
            id=to_global_id("AuditEvent", row.id),
            action=row.action,
            entity_type=row.entity_type,
            entity_id=to_global_id(row.entity_type, row.entity_id),
            actor=AuditActor(
                subject=row.actor_sub, tenant_id=row.actor_tenant_id, roles=row.actor_roles
            ),
            before=row.before,
            after=row.after,
            request_id=row.request_id,
            occurred_at=row.occurred_at,
        )


@strawberry.input(description="Narrow the activity log; all given filters apply.")
class AuditEventFilter:
    entity_id: strawberry.ID | None = None
    action: str | None = None
    since: datetime | None = None


@strawberry.type
class AuditQuery:
    @field(Capability.AUDIT_READ, description="The activity log of what you may see, oldest first.")
    async def audit_events(
        self,
        info: strawberry.Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: AuditEventFilter | None = None,
    ) -> Connection[AuditEvent] | None:
        criteria = filter or AuditEventFilter()
        entity_type = entity_id = None
        if criteria.entity_id is not None:
            entity_type, entity_id = from_global_id(criteria.entity_id)
        page = await audit.list_audit_events(
            info.context.signed_in,
            page=page_request(first, after, last, before),
            entity_type=entity_type,
            entity_id=entity_id,
            action=criteria.action,
            since=criteria.since,
        )
        return connection(page, AuditEvent.from_model)
