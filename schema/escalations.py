"""Escalations: tickets taken to Microsoft, or by a reseller to its indirect provider."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from auth.permissions import Capability
from resolvers import escalations, models
from resolvers.errors import NotFound
from resolvers.escalations import EscalationFilter, Ineligibility
from schema.errors import UserError, attempted
from schema.guards import field, mutation
from schema.nodes import Node, decode_id, node_type, to_global_id
from schema.pagination import Connection, connection, page_request
from schema.relations import Relation, relation_field
from schema.tickets import Ticket, TicketEvent, ticket_payload

READ, WRITE = Capability.TICKETS_READ, Capability.ESCALATIONS_WRITE

Vehicle = strawberry.enum(
    models.Vehicle,
    name="SupportVehicle",
    description="How a ticket is taken further: Microsoft's support vehicles, or the "
    "indirect provider for an indirect reseller.",
)
EscalationStatus = strawberry.enum(
    models.EscalationStatus, name="EscalationStatus", description="Where an escalation stands."
)
IneligibilityReason = strawberry.enum(
    Ineligibility, name="IneligibilityReason", description="Why a vehicle can't take a ticket."
)

TICKET = Relation(loader="tickets", key="ticket_pk", convert=Ticket.from_model)
INBOUND = Relation(loader="tickets", key="inbound_pk", convert=Ticket.from_model)


@node_type("Escalation", READ, loader="escalations")
@strawberry.type(description="A ticket taken further than the partner's own support.")
class Escalation(Node):
    vehicle: Vehicle = field(READ, description="Where it went.")  # type: ignore[valid-type]
    status: EscalationStatus = field(READ, description="Where it stands.")  # type: ignore[valid-type]
    summary: str = field(READ, description="What was asked.")
    external_case_id: str | None = field(READ, description="Microsoft's case number.")
    outcome: str | None = field(READ, description="What came back.")
    credit_used: bool = field(READ, description="Whether it used a product support incident.")
    resolved_at: datetime | None = field(READ, description="When it resolved.")
    version: int = field(READ, description="Pass it as `expectedVersion`.")
    created_at: datetime = field(READ, description="When it was escalated.")
    updated_at: datetime = field(READ, description="When it last changed.")
    ticket_pk: strawberry.Private[int]
    inbound_pk: strawberry.Private[int | None]

    @relation_field(READ, TICKET, description="The ticket escalated.")
    def ticket(self, info: strawberry.Info) -> Ticket | None:
        return TICKET.resolve(info, self)

    @relation_field(
        READ,
        INBOUND,
        description="To an indirect provider: the ticket in the provider's queue (the "
        "provider's to see).",
    )
    def inbound_ticket(self, info: strawberry.Info) -> Ticket | None:
        return INBOUND.resolve(info, self)

    @classmethod
    def of(cls, row: Any) -> Escalation:
        return cls(
            id=to_global_id("Escalation", row.id),
            vehicle=row.vehicle,
            status=row.status,
            summary=row.summary,
            external_case_id=row.external_case_id,
            outcome=row.outcome,
            credit_used=row.credit_used,
            resolved_at=row.resolved_at,
            version=row.version,
            created_at=row.created_at,
            updated_at=row.updated_at,
            ticket_pk=row.ticket_id,
            inbound_pk=row.inbound_id,
        )

    from_model = of


@strawberry.type(description="A support vehicle, and whether it can take a ticket.")
class EscalationOption:
    vehicle: Vehicle = field(READ, description="The vehicle.")  # type: ignore[valid-type]
    eligible: bool = field(
        READ,
        description=(
            "Whether the vehicle's rules let it take the ticket now (escalateTicket also needs"
            " the ticket TRIAGED or IN_PROGRESS, in your own queue)."
        ),
    )
    reason: IneligibilityReason | None = field(READ, description="Why not, if not.")  # type: ignore[valid-type]


async def escalation_options(info: strawberry.Info, ticket: Any) -> list[EscalationOption]:
    viewer = info.context.signed_in
    # the offering through the request's loader: one statement for a whole list of tickets
    offering = await info.context.loaders.support_offerings.load(viewer.partner_id)
    found = escalations.options_for(viewer, ticket, offering)
    return [
        EscalationOption(vehicle=vehicle, eligible=reason is None, reason=reason)
        for vehicle, reason in found
    ]


@strawberry.input(description="Which escalations to list.")
class EscalationFilterInput:
    status: EscalationStatus | None = None  # type: ignore[valid-type]
    vehicle: Vehicle | None = None  # type: ignore[valid-type]


@strawberry.input
class EscalateTicketInput:
    ticket_id: strawberry.ID
    vehicle: Vehicle  # type: ignore[valid-type]
    summary: str = strawberry.field(description="What is asked of Microsoft or the provider.")
    idempotency_key: str | None = strawberry.field(
        default=None, description="Retrying with the same key returns the first escalation."
    )


@strawberry.input
class UpdateEscalationInput:
    id: strawberry.ID
    status: EscalationStatus  # type: ignore[valid-type]
    external_case_id: str | None = None
    outcome: str | None = strawberry.field(default=None, description="Needed to resolve it.")
    expected_version: int | None = None


@strawberry.type(description="The result of an escalation mutation.")
class EscalationPayload:
    escalation: Escalation | None = field(READ, description="The escalation, unless it failed.")
    ticket: Ticket | None = field(READ, description="Its ticket as it is now.")
    event: TicketEvent | None = field(READ, description="The timeline event it added.")
    user_errors: list[UserError] = field(Capability.VIEWER, description="Why it failed.")


async def _payload(
    info: strawberry.Info, row: Any, errors: list[UserError], kind: Any = None
) -> EscalationPayload:
    """The escalation and its ticket as the mutation left them, with the timeline event it
    added: of this escalation (and of `kind`), so that a retry of an escalation answers its
    ESCALATED event even after updates, and no other mutation's event is taken for it."""
    if row is None:
        return EscalationPayload(escalation=None, ticket=None, event=None, user_errors=errors)
    events = models.TicketEvent.filter(ticket_id=row.ticket_id, escalation_id=row.id)
    event = await (events if kind is None else events.filter(kind=kind)).order_by("-id").first()
    ticket = await ticket_payload(info, row.ticket_id, [], event)
    return EscalationPayload(
        escalation=Escalation.of(row), ticket=ticket.ticket, event=ticket.event, user_errors=[]
    )


@strawberry.type
class EscalationQuery:
    @field(READ, description="Escalations of the tickets you see, oldest first.")
    async def escalations(
        self,
        info: strawberry.Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: EscalationFilterInput | None = None,
    ) -> Connection[Escalation] | None:
        given = filter or EscalationFilterInput()
        page = await escalations.list_escalations(
            info.context.signed_in,
            page=page_request(first, after, last, before),
            criteria=EscalationFilter(status=given.status, vehicle=given.vehicle),
        )
        return connection(page, Escalation.of)

    @field(READ, description="One escalation by id.")
    async def escalation(self, info: strawberry.Info, id: strawberry.ID) -> Escalation | None:
        row = await info.context.loaders.escalations.load(decode_id(id, "Escalation", ["id"]))
        if row is None:
            raise NotFound("escalation.not_found", field=["id"])
        return Escalation.of(row)


@strawberry.type
class EscalationMutation:
    @mutation(
        WRITE,
        description="Escalate a triaged ticket through a vehicle your organization may use "
        "(ESCALATION_VEHICLE_NOT_ELIGIBLE says why not).",
    )
    async def escalate_ticket(
        self, info: strawberry.Info, input: EscalateTicketInput
    ) -> EscalationPayload | None:
        row, errors = await attempted(
            info,
            lambda: escalations.escalate_ticket(
                info.context.actor,
                ticket_id=decode_id(input.ticket_id, "Ticket", ["ticketId"]),
                vehicle=input.vehicle,
                summary=input.summary,
                idempotency_key=input.idempotency_key,
            ),
        )
        return await _payload(info, row, errors, models.TicketEventKind.ESCALATED)

    @mutation(WRITE, description="Record Microsoft's case number, status and outcome.")
    async def update_escalation(
        self, info: strawberry.Info, input: UpdateEscalationInput
    ) -> EscalationPayload | None:
        row, errors = await attempted(
            info,
            lambda: escalations.update_escalation(
                info.context.actor,
                escalation_id=decode_id(input.id, "Escalation", ["id"]),
                status=input.status,
                external_case_id=input.external_case_id,
                outcome=input.outcome,
                expected_version=input.expected_version,
            ),
        )
        return await _payload(info, row, errors)
