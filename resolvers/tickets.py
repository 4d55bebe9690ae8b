"""Tickets: the support requests customers bring to their partner, and their timelines.

Status machine (contract §5): NEW → TRIAGED → IN_PROGRESS → ESCALATED → RESOLVED → CLOSED.
Triage records the diagnosis and whether it is within the baseline; assigning a triaged
ticket starts the work; an escalation (`resolvers/escalations.py`) needs a diagnosis; a
ticket whose escalation resolved can't close until the customer was told the outcome.
Every step is one transaction: the ticket, its timeline event, its audit record and change
event commit together.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.transactions import in_transaction

from auth.permissions import Capability, ticket_categories
from auth.viewer import Viewer
from resolvers import idempotency, subscriptions
from resolvers.audit import Actor, record_change, snapshot
from resolvers.customers import get_customer
from resolvers.errors import (
    BadInput,
    CustomerNotNotified,
    Forbidden,
    InvalidStateTransition,
    NotFound,
    VersionConflict,
)
from resolvers.models import (
    Channel,
    Escalation,
    EscalationStatus,
    ProductFamily,
    Severity,
    Subscription,
    SupportOffering,
    Ticket,
    TicketCategory,
    TicketEvent,
    TicketEventKind,
    TicketSequence,
    TicketStatus,
    User,
    Visibility,
)
from resolvers.pagination import Page, PageRequest, paginate
from resolvers.rows import Row, Where, rows_by_id
from resolvers.service_hours import first_response_due
from resolvers.ticket_feed import announce, announces

MAX_TITLE = 200
MAX_TEXT = 10_000
TICKET_AUDITED = (
    "status",
    "category",
    "severity",
    "title",
    "diagnosis",
    "within_baseline",
    "assignee_id",
    "resolution",
    "first_responded_at",
    "resolved_at",
    "customer_notified_at",
    "closed_at",
    "version",
)
OPEN_STATUSES = (
    TicketStatus.NEW,
    TicketStatus.TRIAGED,
    TicketStatus.IN_PROGRESS,
    TicketStatus.ESCALATED,
)
WORKABLE = (*OPEN_STATUSES, TicketStatus.RESOLVED)  # everything but CLOSED


def _scope(
    viewer: Viewer, capability: Capability = Capability.TICKETS_READ
) -> tuple[dict[str, int], list[str] | None]:
    """Whose tickets (and escalations) a viewer reaches with a tickets capability, and in
    which categories (None: all): those its organization handles and, for a direct partner
    or a provider, every one of its tenant, its resellers' included; a billing admin only
    BILLING ones."""
    owner = (
        {"handler_id": viewer.partner_id}
        if viewer.is_reseller
        else {"partner_id": viewer.partner_id}
    )
    categories = ticket_categories(viewer.roles, capability)
    return owner, None if categories is None else sorted(categories)


def scope_filter(
    viewer: Viewer, capability: Capability = Capability.TICKETS_READ
) -> dict[str, Any]:
    """`_scope` as ORM filter arguments."""
    owner, categories = _scope(viewer, capability)
    return owner if categories is None else {**owner, "category__in": categories}


def scope_where(viewer: Viewer, model: Any) -> Where:
    """`_scope` as a `Where` over `model` (tickets, escalations)."""
    owner, categories = _scope(viewer)
    where = Where(model).equal(**owner)
    return where if categories is None else where.one_of("category", categories)


def record_owner(row: Any) -> tuple[int, int | None]:
    """Who may see the audit records and change events of a ticket or an escalation: the
    tenant, and the reseller only when it handles it (a provider's inbound ticket about a
    reseller's customer is the provider's alone)."""
    handled_by_reseller = row.reseller_id is not None and row.handler_id == row.reseller_id
    return row.partner_id, row.reseller_id if handled_by_reseller else None


def ticket_scope(viewer: Viewer) -> Where:
    return scope_where(viewer, Ticket)


@dataclass(frozen=True)
class TicketFilter:
    status: Sequence[TicketStatus] = ()
    category: TicketCategory | None = None
    severity: Severity | None = None
    customer_id: int | None = None
    assignee_id: int | None = None
    handler_id: int | None = None
    overdue: bool | None = None

    def where(self, viewer: Viewer) -> Where:
        where = ticket_scope(viewer)
        if self.status:
            where.one_of("status", [str(status) for status in self.status])
        for column, value in (
            ("category", self.category),
            ("severity", self.severity),
            ("customer_id", self.customer_id),
            ("assignee_id", self.assignee_id),
            ("handler_id", self.handler_id),
        ):
            if value is not None:
                where.equal(**{column: value})
        if self.overdue is not None:
            now = subscriptions.now()
            if self.overdue:
                where.one_of("status", [str(status) for status in OPEN_STATUSES])
                where.add("first_responded_at IS NULL AND first_response_due_at < {}", now)
            else:
                where.add(
                    "NOT (status IN ('NEW', 'TRIAGED', 'IN_PROGRESS', 'ESCALATED') "
                    "AND first_responded_at IS NULL AND first_response_due_at < {})",
                    now,
                )
        return where


async def list_tickets(viewer: Viewer, *, page: PageRequest, criteria: TicketFilter) -> Page[Row]:
    return await paginate(criteria.where(viewer), page)


async def tickets_by_id(viewer: Viewer, ids: Sequence[int]) -> list[Row | None]:
    return await rows_by_id(ticket_scope(viewer), ids)


async def visible_ticket_ids(viewer: Viewer, ticket_ids: Iterable[int]) -> set[int]:
    """Which of these tickets the viewer sees (what hangs off a ticket is seen through it)."""
    wanted = sorted(set(ticket_ids))
    return {row.id for row in await rows_by_id(ticket_scope(viewer), wanted) if row}


async def ticket_timelines(viewer: Viewer, ticket_ids: Sequence[int]) -> list[list[Any]]:
    """A DataLoader's batch: each visible ticket's events, oldest first."""
    visible = await visible_ticket_ids(viewer, ticket_ids)
    grouped: dict[int, list[Any]] = {key: [] for key in ticket_ids}
    for event in await TicketEvent.filter(ticket_id__in=sorted(visible)).order_by("id"):
        grouped[event.ticket_id].append(event)
    return [grouped[key] for key in ticket_ids]


async def ticket_events_by_id(viewer: Viewer, ids: Sequence[int]) -> list[Any | None]:
    """A DataLoader's batch: events of the tickets the viewer sees, by id."""
    found = {row.id: row for row in await TicketEvent.filter(id__in=list(ids))}
    visible = await visible_ticket_ids(viewer, [row.ticket_id for row in found.values()])
    return [
        row if (row := found.get(key)) is not None and row.ticket_id in visible else None
        for key in ids
    ]


def is_overdue(ticket: Any, now: datetime) -> bool:
    return (
        ticket.status in OPEN_STATUSES
        and ticket.first_responded_at is None
        and ticket.first_response_due_at < now
    )


# -- opening ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewTicket:
    customer_id: int
    category: TicketCategory
    severity: Severity
    title: str
    description: str
    product_family: ProductFamily | None = None
    subscription_id: int | None = None
    channel: Channel = Channel.PHONE
    idempotency_key: str | None = None


@announces
async def open_ticket(actor: Actor, order: NewTicket) -> Ticket:
    """A request the customer brought to its partner, in the viewer's organization's queue;
    its first response is due by its severity, in the queue's hours of service."""
    viewer = actor.viewer
    title, description = (
        checked_text(order.title, "title", MAX_TITLE),
        checked_text(order.description, "description", MAX_TEXT),
    )
    allowed = ticket_categories(viewer.roles, Capability.TICKETS_WRITE)
    if allowed is not None and str(order.category) not in allowed:
        raise Forbidden("ticket.category_not_allowed", field=["category"])

    async def insert() -> Ticket:
        customer = await get_customer(viewer, order.customer_id, field=["customerId"])
        product_family = order.product_family
        if order.subscription_id is not None:
            subscription = await Subscription.get_or_none(
                id=order.subscription_id, customer_id=customer.id
            )
            if subscription is None:
                raise NotFound("ticket.subscription", field=["subscriptionId"])
            if product_family not in (None, subscription.product_family):
                # the vehicles a ticket may go through follow its product family
                raise BadInput("ticket.product_family", field=["productFamily"])
            product_family = subscription.product_family
        return await create_in_queue(
            actor,
            handler_id=viewer.partner_id,
            customer_id=customer.id,
            partner_id=customer.partner_id,
            reseller_id=customer.reseller_id,
            category=order.category,
            severity=order.severity,
            title=title,
            description=description,
            product_family=str(product_family) if product_family else None,
            subscription_id=order.subscription_id,
            channel=order.channel,
        )

    async def recheck() -> None:
        await get_customer(viewer, order.customer_id, field=["customerId"])

    return await idempotency.create_once(
        viewer,
        operation="openTicket",
        key=order.idempotency_key,
        payload={
            "customer_id": order.customer_id,
            "category": str(order.category),
            "severity": str(order.severity),
            "title": title,
            "description": description,
            "product_family": str(order.product_family) if order.product_family else None,
            "subscription_id": order.subscription_id,
            "channel": str(order.channel),
        },
        create=insert,
        load=idempotency.visible(tickets_by_id, viewer, NotFound("ticket.not_found", field=["id"])),
        recheck=recheck,
    )


async def create_in_queue(
    actor: Actor, *, handler_id: int, origin_id: int | None = None, **values: Any
) -> Ticket:
    """A new ticket with the next number of the handler's queue (inside the caller's
    transaction), its OPENED event, audit record and change event."""
    # as invoices do: two first tickets of a queue can't both create its sequence
    await TicketSequence.get_or_create(handler_id=handler_id, defaults={"last_number": 0})
    sequence = await TicketSequence.filter(handler_id=handler_id).select_for_update().get()
    sequence.last_number += 1
    await sequence.save(update_fields=["last_number"])
    opened_at = subscriptions.now()
    offering = await SupportOffering.get_or_none(seller_id=handler_id)
    due = first_response_due(
        opened_at,
        values["severity"],
        offering.hours if offering else None,
        offering.time_zone if offering else None,
    )
    ticket = await Ticket.create(
        handler_id=handler_id,
        number=sequence.last_number,
        status=TicketStatus.NEW,
        first_response_due_at=due,
        origin_id=origin_id,
        **values,
    )
    await _event(actor, ticket, TicketEventKind.OPENED, body=ticket.title)
    await record_change(
        actor,
        action="ticket.opened",
        row=ticket,
        fields=TICKET_AUDITED,
        owner=record_owner(ticket),
    )
    return ticket


# -- working on a ticket ------------------------------------------------------------------------


@announces
async def triage_ticket(
    actor: Actor,
    *,
    ticket_id: int,
    diagnosis: str,
    within_baseline: bool,
    expected_version: int | None = None,
) -> TicketEvent:
    """Diagnose a new ticket; one already assigned is in progress from then on, as a triaged
    ticket that gets an assignee is. The event it added."""
    text = checked_text(diagnosis, "diagnosis", MAX_TEXT)
    async with in_transaction():
        ticket = await ticket_for_update(actor.viewer, ticket_id, expected_version)
        _require(ticket, (TicketStatus.NEW,), "ticket.triage_state")
        assigned = ticket.assignee_id is not None
        return await save_ticket(
            actor,
            ticket,
            {
                "status": TicketStatus.IN_PROGRESS if assigned else TicketStatus.TRIAGED,
                "diagnosis": text,
                "within_baseline": within_baseline,
            },
            TicketEventKind.TRIAGED,
            body=text,
        )


@announces
async def assign_ticket(
    actor: Actor, *, ticket_id: int, assignee_id: int | None, expected_version: int | None = None
) -> TicketEvent:
    """Give the ticket to a user of the organization that handles it (None: to nobody). A
    triaged ticket that gets an assignee is in progress. The event it added."""
    async with in_transaction():
        ticket = await ticket_for_update(actor.viewer, ticket_id, expected_version)
        _require(ticket, WORKABLE, "ticket.closed")
        values: dict[str, Any] = {"assignee_id": assignee_id}
        if assignee_id is not None:
            assignee = await User.get_or_none(
                id=assignee_id, partner_id=ticket.handler_id, active=True
            )
            if assignee is None:
                raise NotFound("ticket.assignee", field=["assigneeId"])
            if ticket.status is TicketStatus.TRIAGED:
                values["status"] = TicketStatus.IN_PROGRESS
        return await save_ticket(actor, ticket, values, TicketEventKind.ASSIGNED)


@announces
async def comment_on_ticket(
    actor: Actor,
    *,
    ticket_id: int,
    body: str,
    visibility: Visibility,
    idempotency_key: str | None = None,
) -> TicketEvent:
    """A note on the ticket: INTERNAL for the partner's staff, CUSTOMER for the customer
    (the first of those answers the ticket). A customer-visible note on a provider's
    inbound ticket reaches the reseller's ticket. Retried with its key, it is added once."""
    text = checked_text(body, "body", MAX_TEXT)

    async def comment() -> TicketEvent:
        ticket = await ticket_for_update(actor.viewer, ticket_id)
        _require(ticket, WORKABLE, "ticket.closed")
        values: dict[str, Any] = {}
        if visibility is Visibility.CUSTOMER and ticket.first_responded_at is None:
            values["first_responded_at"] = subscriptions.now()
        event = await save_ticket(
            actor, ticket, values, TicketEventKind.COMMENTED, body=text, visibility=visibility
        )
        if visibility is Visibility.CUSTOMER and ticket.origin_id is not None:
            await _to_origin(actor, ticket, text)
        return event

    return await idempotency.create_once(
        actor.viewer,
        operation="commentOnTicket",
        key=idempotency_key,
        payload={"ticket_id": ticket_id, "body": text, "visibility": str(visibility)},
        create=comment,
        load=idempotency.visible(
            ticket_events_by_id, actor.viewer, NotFound("ticket.not_found", field=["id"])
        ),
    )


@announces
async def resolve_ticket(
    actor: Actor, *, ticket_id: int, resolution: str, expected_version: int | None = None
) -> TicketEvent:
    """Resolved after a diagnosis, and after its escalation resolved, if it had one. A
    provider's inbound ticket resolves the reseller's escalation with the same outcome. The
    event it added to this ticket."""
    text = checked_text(resolution, "resolution", MAX_TEXT)
    async with in_transaction():
        ticket = await ticket_for_update(actor.viewer, ticket_id, expected_version)
        _require(
            ticket,
            (TicketStatus.TRIAGED, TicketStatus.IN_PROGRESS, TicketStatus.ESCALATED),
            "ticket.resolve_state",
        )
        if (
            await Escalation.filter(ticket_id=ticket.id)
            .exclude(status=EscalationStatus.RESOLVED)
            .exists()
        ):
            raise InvalidStateTransition("ticket.escalation_open", field=["id"])
        event = await save_ticket(
            actor,
            ticket,
            {
                "status": TicketStatus.RESOLVED,
                "resolution": text,
                "resolved_at": subscriptions.now(),
            },
            TicketEventKind.RESOLVED,
            body=text,
        )
        if ticket.origin_id is not None:
            from resolvers.escalations import resolve_from_inbound  # escalations build on tickets

            await resolve_from_inbound(actor, ticket, text)
    return event


@announces
async def notify_customer(
    actor: Actor, *, ticket_id: int, message: str, idempotency_key: str | None = None
) -> TicketEvent:
    """Record what the customer was told: it answers the ticket, and after an escalation it
    closes the loop, so that the ticket may close. Retried with its key, it is recorded once."""
    text = checked_text(message, "message", MAX_TEXT)

    async def notify() -> TicketEvent:
        ticket = await ticket_for_update(actor.viewer, ticket_id, field="ticketId")
        _require(ticket, WORKABLE, "ticket.closed", field="ticketId")
        now = subscriptions.now()
        values: dict[str, Any] = {"customer_notified_at": now, "outcome_untold": False}
        if ticket.first_responded_at is None:
            values["first_responded_at"] = now
        return await save_ticket(
            actor,
            ticket,
            values,
            TicketEventKind.CUSTOMER_NOTIFIED,
            body=text,
            visibility=Visibility.CUSTOMER,
        )

    return await idempotency.create_once(
        actor.viewer,
        operation="notifyCustomer",
        key=idempotency_key,
        payload={"ticket_id": ticket_id, "message": text},
        create=notify,
        load=idempotency.visible(
            ticket_events_by_id, actor.viewer, NotFound("ticket.not_found", field=["ticketId"])
        ),
    )


@announces
async def close_ticket(
    actor: Actor, *, ticket_id: int, expected_version: int | None = None
) -> TicketEvent:
    """Close a resolved ticket whose customer was told any escalation's outcome; the event
    it added."""
    async with in_transaction():
        ticket = await ticket_for_update(actor.viewer, ticket_id, expected_version)
        _require(ticket, (TicketStatus.RESOLVED,), "ticket.close_state")
        if ticket.outcome_untold:
            raise CustomerNotNotified("ticket.not_notified", field=["id"])
        return await save_ticket(
            actor,
            ticket,
            {"status": TicketStatus.CLOSED, "closed_at": subscriptions.now()},
            TicketEventKind.CLOSED,
        )


# -- shared steps -------------------------------------------------------------------------------


async def ticket_for_update(
    viewer: Viewer,
    ticket_id: int,
    expected_version: int | None = None,
    field: str = "id",
    capability: Capability = Capability.TICKETS_WRITE,
) -> Ticket:
    """A ticket of the viewer's own queue that `capability` lets it change, locked for the
    change: a provider reads its resellers' tickets but works only on its own (a reseller's
    escalation reaches it as an inbound ticket)."""
    owner, categories = _scope(viewer, capability)
    found = Ticket.filter(**{**owner, "handler_id": viewer.partner_id})
    if categories is not None:
        found = found.filter(category__in=categories)
    ticket = await found.filter(id=ticket_id).select_for_update().get_or_none()
    if ticket is None:
        raise NotFound("ticket.not_found", field=[field])
    if expected_version is not None and ticket.version != expected_version:
        raise VersionConflict("version.conflict", field=["expectedVersion"], current=ticket.version)
    return ticket


def _require(ticket: Ticket, statuses: Sequence[TicketStatus], key: str, field: str = "id") -> None:
    if ticket.status not in statuses:
        raise InvalidStateTransition(key, field=[field], status=str(ticket.status))


async def save_ticket(
    actor: Actor,
    ticket: Ticket,
    values: dict[str, Any],
    kind: TicketEventKind,
    *,
    body: str | None = None,
    visibility: Visibility = Visibility.INTERNAL,
    escalation_id: int | None = None,
) -> TicketEvent:
    """Change the ticket, add its timeline event, record the change."""
    before = snapshot(ticket, TICKET_AUDITED)
    ticket.update_from_dict({**values, "version": ticket.version + 1})
    await ticket.save()
    event = await _event(
        actor, ticket, kind, body=body, visibility=visibility, escalation_id=escalation_id
    )
    await record_change(
        actor,
        action=f"ticket.{str(kind).lower()}",
        row=ticket,
        fields=TICKET_AUDITED,
        owner=record_owner(ticket),
        before=before,
    )
    return event


async def _event(
    actor: Actor,
    ticket: Ticket,
    kind: TicketEventKind,
    *,
    body: str | None = None,
    visibility: Visibility = Visibility.INTERNAL,
    escalation_id: int | None = None,
) -> TicketEvent:
    await announce(ticket.id)
    return await TicketEvent.create(
        ticket_id=ticket.id,
        partner_id=ticket.partner_id,
        reseller_id=ticket.reseller_id,
        kind=kind,
        actor_sub=actor.viewer.sub,
        actor_partner_id=actor.viewer.partner_id,
        body=body,
        visibility=visibility,
        status=ticket.status,
        escalation_id=escalation_id,
        occurred_at=subscriptions.now(),
    )


async def _to_origin(actor: Actor, inbound: Ticket, text: str) -> None:
    """A provider's answer on its inbound ticket, on the reseller's ticket's timeline."""
    origin = await Ticket.filter(id=inbound.origin_id).select_for_update().get()
    if origin.status is TicketStatus.CLOSED:
        return  # the reseller has closed the loop already: nothing more is written to it
    escalation = await Escalation.filter(inbound_id=inbound.id).first()
    await save_ticket(
        actor,
        origin,
        {},
        TicketEventKind.ESCALATION_UPDATED,
        body=text,
        escalation_id=escalation.id if escalation else None,
    )


def checked_text(value: str, field: str, maximum: int) -> str:
    text = value.strip()
    if not 1 <= len(text) <= maximum:
        raise BadInput("text.length", field=[field], minimum=1, maximum=maximum)
    return text
