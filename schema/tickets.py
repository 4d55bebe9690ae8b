"""Tickets: support requests, their timelines, and the mutations that work on them."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

import strawberry

from auth.permissions import Capability
from resolvers import models, subscriptions, ticket_feed, tickets, users
from resolvers.errors import NotFound, Unauthenticated
from resolvers.tickets import NewTicket, TicketFilter
from schema.errors import UserError, attempted
from schema.guards import field, mutation, subscription
from schema.nodes import Node, decode_id, node_type, to_global_id
from schema.objects import FromRow, Read, column, from_row
from schema.pagination import Connection, connection, page_request
from schema.partners import Partner
from schema.relations import Relation, relation_field
from schema.subscriptions import ProductFamily, Subscription
from schema.support import TicketCategory
from schema.users import User

if TYPE_CHECKING:  # resolved lazily: customers and escalations import this module
    from schema.customers import Customer
    from schema.escalations import Escalation, EscalationOption

READ, WRITE = Capability.TICKETS_READ, Capability.TICKETS_WRITE

Severity = strawberry.enum(
    models.Severity, name="Severity", description="A critical, B moderate, C minimal."
)
TicketStatus = strawberry.enum(
    models.TicketStatus,
    name="TicketStatus",
    description="NEW → TRIAGED → IN_PROGRESS → ESCALATED → RESOLVED → CLOSED.",
)
Channel = strawberry.enum(models.Channel, name="TicketChannel", description="How it came in.")
Visibility = strawberry.enum(
    models.Visibility,
    name="CommentVisibility",
    description="INTERNAL: the partner's staff only; CUSTOMER: told to the customer.",
)
TicketEventKind = strawberry.enum(
    models.TicketEventKind, name="TicketEventKind", description="What happened to a ticket."
)


def ticket_number(number: int) -> str:
    return f"TKT-{number:06d}"


def _customer(row: Any) -> Any:
    from schema.customers import Customer  # customers import this module

    return Customer.from_model(row)


def _escalations(rows: list[Any]) -> Any:
    from schema.escalations import Escalation  # escalations import this module

    return [Escalation.of(row) for row in rows]


CUSTOMER = Relation(loader="customers", key="customer_pk", convert=_customer)
SUBSCRIPTION = Relation(
    loader="subscriptions", key="subscription_pk", convert=Subscription.from_model
)
HANDLER = Relation(loader="partners", key="handler_pk", convert=Partner.from_model)
ASSIGNEE = Relation(loader="users", key="assignee_pk", convert=User.from_model)
ORIGIN = Relation(loader="tickets", key="origin_pk", convert=lambda row: Ticket.from_model(row))
TIMELINE = Relation(
    loader="ticket_timelines", key="pk", convert=lambda rows: [TicketEvent.of(row) for row in rows]
)
ESCALATIONS = Relation(loader="ticket_escalations", key="pk", convert=_escalations)


@node_type("TicketEvent", READ, loader="ticket_events")
@strawberry.type(
    description="A line of a ticket's timeline; pass its id as `after` to follow the timeline "
    "from there."
)
class TicketEvent(Node):
    kind: TicketEventKind = field(READ, description="What happened.")  # type: ignore[valid-type]
    body: str | None = field(READ, description="What was written: a comment, a diagnosis …")
    visibility: Visibility = field(READ, description="Who may be shown it.")  # type: ignore[valid-type]
    status: TicketStatus = field(READ, description="The ticket's status after it.")  # type: ignore[valid-type]
    actor: str = field(READ, description="The `sub` of the user who did it.")
    occurred_at: datetime = field(READ, description="When it happened.")
    escalation_id: strawberry.ID | None = field(READ, description="The escalation it is about.")
    ticket_id: strawberry.ID = field(READ, description="The ticket.")

    @classmethod
    def of(cls, row: Any) -> TicketEvent:
        return cls(
            id=to_global_id("TicketEvent", row.id),
            kind=row.kind,
            body=row.body,
            visibility=row.visibility,
            status=row.status,
            actor=row.actor_sub,
            occurred_at=row.occurred_at,
            escalation_id=to_global_id("Escalation", row.escalation_id)
            if row.escalation_id
            else None,
            ticket_id=to_global_id("Ticket", row.ticket_id),
        )

    from_model = of


def _overdue(row: Any) -> bool:
    return tickets.is_overdue(row, subscriptions.now())


@node_type("Ticket", READ, loader="tickets")
@from_row
@strawberry.type(description="A support request a customer brought to its partner.")
class Ticket(Node, FromRow):
    number: str = field(READ, description="Numbered per queue without gaps: TKT-000042.")
    status: TicketStatus = field(READ, description="Where it stands.")  # type: ignore[valid-type]
    category: TicketCategory = field(READ, description="What it is about.")  # type: ignore[valid-type]
    severity: Severity = field(READ, description="How much it hurts.")  # type: ignore[valid-type]
    title: str = field(READ, description="One line.")
    description: str = field(READ, description="What the customer reported.")
    product_family: ProductFamily | None = field(READ, description="The product concerned.")  # type: ignore[valid-type]
    channel: Channel = field(READ, description="How it came in.")  # type: ignore[valid-type]
    diagnosis: str | None = field(READ, description="What triage found.")
    within_baseline: bool | None = field(
        READ, description="Whether the partner resolves it itself (decided at triage)."
    )
    first_response_due_at: datetime = field(
        READ, description="When the first answer is due: by severity, in hours of service."
    )
    first_responded_at: datetime | None = field(
        READ, description="When the customer first heard back."
    )
    overdue: bool = field(
        READ, description="Still open, unanswered and past its first-response due time."
    )
    resolution: str | None = field(READ, description="How it was resolved.")
    resolved_at: datetime | None = field(READ, description="When it was resolved.")
    customer_notified_at: datetime | None = field(
        READ, description="When the customer was last told where it stands."
    )
    closed_at: datetime | None = field(READ, description="When it was closed.")
    inbound: bool = field(
        READ, description="A reseller's escalation in its indirect provider's queue."
    )
    version: int = field(READ, description="Pass it as `expectedVersion`.")
    created_at: datetime = field(READ, description="When it was opened.")
    updated_at: datetime = field(READ, description="When it last changed.")
    pk: strawberry.Private[int]
    customer_pk: strawberry.Private[int]
    subscription_pk: strawberry.Private[int | None]
    handler_pk: strawberry.Private[int]
    assignee_pk: strawberry.Private[int | None]
    origin_pk: strawberry.Private[int | None]

    READS: ClassVar[Mapping[str, Read]] = {
        "id": Read(("id",), lambda row: to_global_id("Ticket", row.id)),
        "number": Read(("number",), lambda row: ticket_number(row.number)),
        "overdue": Read(("status", "first_responded_at", "first_response_due_at"), _overdue),
        "inbound": Read(("origin_id",), lambda row: row.origin_id is not None),
        "pk": column("id"),
        "customer_pk": column("customer_id"),
        "subscription_pk": column("subscription_id"),
        "handler_pk": column("handler_id"),
        "assignee_pk": column("assignee_id"),
        "origin_pk": column("origin_id"),
    }

    # Relations of a ticket are read with the ticket's own capability: everyone who reads
    # tickets reads customers and subscriptions; a user's directory fields keep theirs.
    @relation_field(READ, CUSTOMER, description="The customer.")
    def customer(
        self, info: strawberry.Info
    ) -> Annotated[Customer, strawberry.lazy("schema.customers")] | None:
        return CUSTOMER.resolve(info, self)

    @relation_field(READ, SUBSCRIPTION, description="The subscription concerned.")
    def subscription(self, info: strawberry.Info) -> Subscription | None:
        return SUBSCRIPTION.resolve(info, self)

    @relation_field(READ, HANDLER, description="The partner whose queue it is in.")
    def handler(self, info: strawberry.Info) -> Partner | None:
        return HANDLER.resolve(info, self)

    @relation_field(READ, ASSIGNEE, description="Who works on it.")
    def assignee(self, info: strawberry.Info) -> User | None:
        return ASSIGNEE.resolve(info, self)

    @relation_field(
        READ, ORIGIN, description="For an inbound ticket: the reseller's ticket it escalates."
    )
    def origin(self, info: strawberry.Info) -> Ticket | None:
        return ORIGIN.resolve(info, self)

    @relation_field(READ, TIMELINE, description="Everything that happened to it, oldest first.")
    def timeline(self, info: strawberry.Info) -> list[TicketEvent] | None:
        return TIMELINE.resolve(info, self)

    @relation_field(READ, ESCALATIONS, description="Its escalations, oldest first.")
    def escalations(
        self, info: strawberry.Info
    ) -> list[Annotated[Escalation, strawberry.lazy("schema.escalations")]] | None:
        return ESCALATIONS.resolve(info, self)

    @field(
        READ,
        description="Every support vehicle, and why it can't take this ticket (for your "
        "organization, today).",
    )
    async def escalation_options(
        self, info: strawberry.Info
    ) -> list[Annotated[EscalationOption, strawberry.lazy("schema.escalations")]]:
        from schema.escalations import escalation_options  # escalations import this module

        return await escalation_options(info, self._row)


@strawberry.input(description="Which tickets to list.")
class TicketFilterInput:
    status: list[TicketStatus] | None = None  # type: ignore[valid-type]
    category: TicketCategory | None = None  # type: ignore[valid-type]
    severity: Severity | None = None  # type: ignore[valid-type]
    customer_id: strawberry.ID | None = None
    assignee_id: strawberry.ID | None = None
    handler_id: strawberry.ID | None = strawberry.field(
        default=None, description="One queue: your organization's, or one of your resellers'."
    )
    overdue: bool | None = None

    def criteria(self) -> TicketFilter:
        def pk(value: str | None, type_name: str, name: str) -> int | None:
            return decode_id(value, type_name, ["filter", name]) if value else None

        return TicketFilter(
            status=self.status or (),
            category=self.category,
            severity=self.severity,
            customer_id=pk(self.customer_id, "Customer", "customerId"),
            assignee_id=pk(self.assignee_id, "User", "assigneeId"),
            handler_id=pk(self.handler_id, "Partner", "handlerId"),
            overdue=self.overdue,
        )


@strawberry.input
class OpenTicketInput:
    customer_id: strawberry.ID
    category: TicketCategory  # type: ignore[valid-type]
    severity: Severity  # type: ignore[valid-type]
    title: str
    description: str
    product_family: ProductFamily | None = None  # type: ignore[valid-type]
    subscription_id: strawberry.ID | None = None
    channel: Channel = models.Channel.PHONE  # type: ignore[valid-type]
    idempotency_key: str | None = None


@strawberry.input
class TriageTicketInput:
    id: strawberry.ID
    diagnosis: str
    within_baseline: bool
    expected_version: int | None = None


@strawberry.input
class AssignTicketInput:
    id: strawberry.ID
    assignee_id: strawberry.ID | None = strawberry.field(description="Null: to nobody.")
    expected_version: int | None = None


@strawberry.input
class CommentOnTicketInput:
    id: strawberry.ID
    body: str
    visibility: Visibility = models.Visibility.INTERNAL  # type: ignore[valid-type]
    idempotency_key: str | None = strawberry.field(
        default=None, description="Retrying with the same key adds the comment once."
    )


@strawberry.input
class ResolveTicketInput:
    id: strawberry.ID
    resolution: str
    expected_version: int | None = None


@strawberry.input
class NotifyCustomerInput:
    ticket_id: strawberry.ID
    message: str = strawberry.field(description="What the customer was told.")
    idempotency_key: str | None = strawberry.field(
        default=None, description="Retrying with the same key records it once."
    )


@strawberry.input
class CloseTicketInput:
    id: strawberry.ID
    expected_version: int | None = None


@strawberry.type(description="The result of a ticket mutation.")
class TicketPayload:
    ticket: Ticket | None = field(READ, description="The ticket as it is now, unless it failed.")
    event: TicketEvent | None = field(READ, description="The timeline event it added.")
    user_errors: list[UserError] = field(Capability.VIEWER, description="Why it failed.")


async def ticket_payload(
    info: strawberry.Info, ticket_id: int | None, errors: list[UserError], event: Any
) -> TicketPayload:
    """The ticket as it is now, with the event the mutation added."""
    if ticket_id is None:
        return TicketPayload(ticket=None, event=None, user_errors=errors)
    row = await models.Ticket.get(id=ticket_id)
    return TicketPayload(
        ticket=Ticket.from_model(row),
        event=TicketEvent.of(event) if event else None,
        user_errors=[],
    )


@strawberry.type
class TicketQuery:
    @field(READ, description="Support tickets you see, oldest first.")
    async def tickets(
        self,
        info: strawberry.Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: TicketFilterInput | None = None,
    ) -> Connection[Ticket] | None:
        criteria = (filter or TicketFilterInput()).criteria()
        page = await tickets.list_tickets(
            info.context.signed_in, page=page_request(first, after, last, before), criteria=criteria
        )
        return connection(page, Ticket.from_model)

    @field(READ, description="One ticket by id.")
    async def ticket(self, info: strawberry.Info, id: strawberry.ID) -> Ticket | None:
        row = await info.context.loaders.tickets.load(decode_id(id, "Ticket", ["id"]))
        if row is None:
            raise NotFound("ticket.not_found", field=["id"])
        return Ticket.from_model(row)


async def _stepped(info: strawberry.Info, work: Any) -> TicketPayload:
    """A step on a ticket: its refusals as userErrors, else the ticket with the event the
    step added (not the timeline's last: another step may have followed it)."""
    event, errors = await attempted(info, work)
    return await ticket_payload(info, event and event.ticket_id, errors, event)


def _ticket_id(value: str, name: str = "id") -> int:
    return decode_id(value, "Ticket", [name])


@strawberry.type
class TicketMutation:
    @mutation(WRITE, description="Open a ticket for a customer, in your organization's queue.")
    async def open_ticket(
        self, info: strawberry.Info, input: OpenTicketInput
    ) -> TicketPayload | None:
        async def work() -> Any:
            order = NewTicket(
                customer_id=decode_id(input.customer_id, "Customer", ["customerId"]),
                category=input.category,
                severity=input.severity,
                title=input.title,
                description=input.description,
                product_family=input.product_family,
                subscription_id=decode_id(input.subscription_id, "Subscription", ["subscriptionId"])
                if input.subscription_id
                else None,
                channel=input.channel,
                idempotency_key=input.idempotency_key,
            )
            return await tickets.open_ticket(info.context.actor, order)

        row, errors = await attempted(info, work)
        opened = row and await models.TicketEvent.get(
            ticket_id=row.id, kind=models.TicketEventKind.OPENED
        )
        return await ticket_payload(info, row and row.id, errors, opened)

    @mutation(WRITE, description="Record the diagnosis and whether it is within the baseline.")
    async def triage_ticket(
        self, info: strawberry.Info, input: TriageTicketInput
    ) -> TicketPayload | None:
        return await _stepped(
            info,
            lambda: tickets.triage_ticket(
                info.context.actor,
                ticket_id=_ticket_id(input.id),
                diagnosis=input.diagnosis,
                within_baseline=input.within_baseline,
                expected_version=input.expected_version,
            ),
        )

    @mutation(WRITE, description="Give the ticket to a user; a triaged ticket is then in progress.")
    async def assign_ticket(
        self, info: strawberry.Info, input: AssignTicketInput
    ) -> TicketPayload | None:
        return await _stepped(
            info,
            lambda: tickets.assign_ticket(
                info.context.actor,
                ticket_id=_ticket_id(input.id),
                assignee_id=decode_id(input.assignee_id, "User", ["assigneeId"])
                if input.assignee_id
                else None,
                expected_version=input.expected_version,
            ),
        )

    @mutation(WRITE, description="Add a comment, internal or for the customer.")
    async def comment_on_ticket(
        self, info: strawberry.Info, input: CommentOnTicketInput
    ) -> TicketPayload | None:
        return await _stepped(
            info,
            lambda: tickets.comment_on_ticket(
                info.context.actor,
                ticket_id=_ticket_id(input.id),
                body=input.body,
                visibility=input.visibility,
                idempotency_key=input.idempotency_key,
            ),
        )

    @mutation(WRITE, description="Resolve it, once any escalation has resolved.")
    async def resolve_ticket(
        self, info: strawberry.Info, input: ResolveTicketInput
    ) -> TicketPayload | None:
        return await _stepped(
            info,
            lambda: tickets.resolve_ticket(
                info.context.actor,
                ticket_id=_ticket_id(input.id),
                resolution=input.resolution,
                expected_version=input.expected_version,
            ),
        )

    @mutation(WRITE, description="Record what the customer was told; it closes the loop.")
    async def notify_customer(
        self, info: strawberry.Info, input: NotifyCustomerInput
    ) -> TicketPayload | None:
        return await _stepped(
            info,
            lambda: tickets.notify_customer(
                info.context.actor,
                ticket_id=_ticket_id(input.ticket_id, "ticketId"),
                message=input.message,
                idempotency_key=input.idempotency_key,
            ),
        )

    @mutation(
        WRITE,
        description="Close a resolved ticket; after an escalation, only once the customer was "
        "told the outcome (CUSTOMER_NOT_NOTIFIED).",
    )
    async def close_ticket(
        self, info: strawberry.Info, input: CloseTicketInput
    ) -> TicketPayload | None:
        return await _stepped(
            info,
            lambda: tickets.close_ticket(
                info.context.actor,
                ticket_id=_ticket_id(input.id),
                expected_version=input.expected_version,
            ),
        )


@strawberry.type
class TicketSubscription:
    @subscription(
        READ,
        description="A ticket's timeline as it grows: every event from now on, in order, for as "
        "long as you follow it (GraphQL over WebSocket, `graphql-transport-ws`).",
    )
    async def ticket_events(
        self,
        info: strawberry.Info,
        ticket_id: strawberry.ID,
        after: strawberry.ID | None = None,
    ) -> AsyncGenerator[TicketEvent, None]:
        """From `after` (an event of this ticket: nothing is missed across a reconnection),
        else from now."""
        context, pk = info.context, decode_id(ticket_id, "Ticket", ["ticketId"])
        viewer = context.signed_in
        if (await tickets.tickets_by_id(viewer, [pk]))[0] is None:
            raise NotFound("ticket.not_found", field=["ticketId"])
        if after is None:
            start = await ticket_feed.last_event_id(pk)
        else:
            start = await ticket_feed.event_of(pk, decode_id(after, "TicketEvent", ["after"]))
        async for row in ticket_feed.follow(pk, start):
            if not await users.still_active(viewer):
                raise Unauthenticated("auth.invalid_token")
            context.forget_loaded()  # each event is answered from the rows as they are now
            yield TicketEvent.of(row)
