"""Audit records and change events, written in the transaction of the change they describe."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from tortoise.models import Model

from auth.permissions import CATEGORIZED, CHANGES_READ
from auth.viewer import PartnerKind, Viewer
from resolvers.models import AuditEvent, ChangeEvent, WebhookDelivery
from resolvers.pagination import Page, PageRequest, paginate, search_term
from resolvers.rows import Row, Where
from resolvers.tenancy import visible_rows


class Operation(StrEnum):
    CREATED = "CREATED"
    UPDATED = "UPDATED"
    DELETED = "DELETED"


@dataclass(frozen=True, slots=True)
class Actor:
    """The viewer performing a mutation, and the request it arrived in."""

    viewer: Viewer
    request_id: str


SYSTEM = "partnergraph"

# Every action a change is recorded with. Webhook endpoints subscribe to them by their event
# names (`event_name`), so the list is closed: recording an action not named here fails.
ACTIONS = frozenset(
    {
        "billing_account.created",
        "billing_account.updated",
        "collections.reminded",
        "collections_policy.set",
        "customer.created",
        "customer.updated",
        "dispute.opened",
        "dispute.resolved",
        "escalation.opened",
        "escalation.updated",
        "invoice.dispute_resolved",
        "invoice.disputed",
        "invoice.issued",
        "invoice.paid",
        "invoice.part_paid",
        "invoice.voided",
        "payment.recorded",
        "persisted_operation.registered",
        "reseller.registered",
        "subscription.auto_renew_set",
        "subscription.cancelled",
        "subscription.created",
        "subscription.disabled",
        "subscription.expired",
        "subscription.quantity_changed",
        "subscription.reactivated",
        "subscription.renewed",
        "subscription.suspended",
        "subscription.suspension_lifted",
        "support_offering.credit_used",
        "support_offering.set",
        "ticket.assigned",
        "ticket.closed",
        "ticket.commented",
        "ticket.customer_notified",
        "ticket.escalated",
        "ticket.escalation_updated",
        "ticket.opened",
        "ticket.resolved",
        "ticket.triaged",
        "user.activated",
        "user.deactivated",
        "user.first_seen",
        "user.safelist_only_set",
        "webhook_delivery.redelivered",
        "webhook_endpoint.created",
        "webhook_endpoint.deleted",
        "webhook_endpoint.disabled",
        "webhook_endpoint.secret_rotated",
        "webhook_endpoint.updated",
    }
)


def event_name(action: str) -> str:
    """An action's name in Partner Center's `<entity>-<action>` form: `ticket.escalated` is
    `ticket-escalated`, `billing_account.updated` is `billing-account-updated`."""
    return action.replace(".", "-").replace("_", "-")


EVENT_NAMES = frozenset(event_name(action) for action in ACTIONS)


def system_actor(job: str) -> Actor:
    """The actor of a change partnergraph makes by itself (a term ending), as audit records
    show it: subject and tenant `partnergraph`, no roles, a request id naming the job run."""
    viewer = Viewer(
        user_id=0,
        sub=SYSTEM,
        tenant_id=SYSTEM,
        partner_id=0,
        partner_kind=PartnerKind.DIRECT_BILL,
        root_partner_id=0,
        roles=frozenset(),
        capabilities=frozenset(),
    )
    return Actor(viewer=viewer, request_id=f"{job}-{uuid.uuid4().hex[:12]}")


def snapshot(row: Model, fields: tuple[str, ...]) -> dict[str, Any]:
    """A JSON-safe copy of a row's fields, named as clients know them (camelCase), for the
    before/after of an audit record."""
    values = {}
    for name in fields:
        value = getattr(row, name)
        head, *rest = name.split("_")
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, Decimal):
            value = str(value)
        values[head + "".join(word.title() for word in rest)] = value
    return values


async def record_change(
    actor: Actor,
    *,
    action: str,
    row: Any,
    fields: tuple[str, ...],
    owner: tuple[int, int | None],
    before: dict[str, Any] | None = None,
    operation: Operation | None = None,
) -> None:
    """Write the audit record and the change event of a change to `row` (inside the change's
    transaction). `owner` is the (partner_id, reseller_id) pair that decides who may see it;
    without `before` the change is a creation."""
    if action not in ACTIONS:
        raise ValueError(f"an action not in the catalogue: {action}")
    entity_type = type(row).__name__
    if entity_type not in CHANGES_READ:  # a change no one could read, in the feed or a webhook
        raise ValueError(f"changes of {entity_type} have no capability that reads them")
    viewer = actor.viewer
    now = datetime.now(UTC)
    partner_id, reseller_id = owner
    operation = operation or (Operation.CREATED if before is None else Operation.UPDATED)
    await AuditEvent.create(
        partner_id=partner_id,
        reseller_id=reseller_id,
        actor_sub=viewer.sub,
        actor_tenant_id=viewer.tenant_id,
        actor_roles=sorted(viewer.roles),
        action=action,
        entity_type=entity_type,
        entity_id=row.id,
        before=before,
        after=None if operation is Operation.DELETED else snapshot(row, fields),
        request_id=actor.request_id,
        occurred_at=now,
    )
    category = getattr(row, "category", None)
    await ChangeEvent.create(
        partner_id=partner_id,
        reseller_id=reseller_id,
        entity_type=entity_type,
        entity_id=row.id,
        operation=operation.value,
        action=action,
        version=row.version,
        occurred_at=now,
        category=None if category is None else str(category),
    )


async def list_audit_events(
    viewer: Viewer,
    *,
    page: PageRequest,
    entity_type: str | None = None,
    entity_id: int | None = None,
    action: str | None = None,
    since: datetime | None = None,
) -> Page[Row]:
    """Audit records of the objects the viewer may see, oldest first: of its organization's
    changes, those it could read in the change feed (a global admin reads them all; an admin
    agent, for one, not the user directory's), and none of an endpoint it may not manage."""
    where = Where(AuditEvent).equal(**visible_rows(viewer))
    await _readable_only(viewer, where)
    if entity_type is not None:
        where.equal(entity_type=entity_type)
    if entity_id is not None:
        where.equal(entity_id=entity_id)
    if action := search_term(action, "action", maximum=64):
        where.equal(action=action)
    if since is not None:
        where.add("occurred_at >= {}", since)
    return await paginate(where, page)


async def _readable_only(viewer: Viewer, where: Where) -> None:
    """Narrow `where` to the records of changes the viewer reads (`changes.readable`)."""
    from resolvers.changes import readable  # both build on this module
    from resolvers.webhooks import endpoints_hidden_from

    types, categories = readable(viewer)
    if categories is not None:  # no category on a record: a limited reader sees none of them
        types -= CATEGORIZED
    if types == set(CHANGES_READ):
        return
    where.one_of("entity_type", sorted(types))
    if "WebhookEndpoint" not in types:
        return
    # an endpoint of its organization it may not manage: its URL and events are hidden from
    # it, deleted or not
    hidden = await endpoints_hidden_from(viewer)
    if not hidden:
        return
    marks = ", ".join("{}" for _ in hidden)
    deliveries = WebhookDelivery._meta.db_table
    where.add(
        f"NOT (entity_type = 'WebhookEndpoint' AND entity_id IN ({marks})) "  # noqa: S608 - marks only
        f"AND NOT (entity_type = 'WebhookDelivery' AND entity_id IN "
        f"(SELECT id FROM {deliveries} WHERE endpoint_id IN ({marks})))",
        *hidden,
        *hidden,
    )
