"""Escalations: a diagnosed ticket taken to Microsoft through a support vehicle, or by an
indirect reseller to its indirect provider.

Who may use which vehicle is the contract's table (§5), written once below (`VEHICLES`); a
refusal names its reason. A product support incident uses one of the partner's credits: the
credit is taken by one conditional UPDATE in the escalation's transaction, so two
escalations racing for the last credit can't both have it. A reseller's escalation opens an
inbound ticket in its provider's queue; the provider's answers and resolution come back to
the reseller's ticket (`resolvers.tickets`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from auth.permissions import Capability
from auth.viewer import Viewer
from resolvers import idempotency, subscriptions
from resolvers.audit import Actor, record_change, snapshot
from resolvers.errors import (
    BadInput,
    InvalidStateTransition,
    NotFound,
    VehicleNotEligible,
    VersionConflict,
)
from resolvers.models import (
    Competency,
    Escalation,
    EscalationStatus,
    ProductFamily,
    SupportOffering,
    Ticket,
    TicketCategory,
    TicketEventKind,
    TicketStatus,
    Vehicle,
)
from resolvers.pagination import Page, PageRequest, paginate
from resolvers.rows import Row, Where, rows_by_id
from resolvers.support import OFFERING_AUDITED
from resolvers.ticket_feed import announces
from resolvers.tickets import (
    MAX_TEXT,
    checked_text,
    create_in_queue,
    record_owner,
    save_ticket,
    scope_filter,
    scope_where,
    ticket_for_update,
    visible_ticket_ids,
)

ESCALATION_AUDITED = (
    "vehicle",
    "status",
    "summary",
    "external_case_id",
    "outcome",
    "credit_used",
    "resolved_at",
    "version",
)
CLOUD = frozenset({ProductFamily.AZURE, ProductFamily.MICROSOFT_365, ProductFamily.DYNAMICS_365})
MAX_CASE_ID = 64


class Ineligibility(StrEnum):
    """Why a vehicle can't take a ticket."""

    RESELLER_ESCALATES_TO_PROVIDER = "RESELLER_ESCALATES_TO_PROVIDER"
    NOT_AN_INDIRECT_RESELLER = "NOT_AN_INDIRECT_RESELLER"
    CATEGORY_NOT_COVERED = "CATEGORY_NOT_COVERED"
    PRODUCT_FAMILY_UNKNOWN = "PRODUCT_FAMILY_UNKNOWN"
    CLOUD_PRODUCTS_ONLY = "CLOUD_PRODUCTS_ONLY"
    ON_PREMISES_PRODUCTS_ONLY = "ON_PREMISES_PRODUCTS_ONLY"
    CONTRACT_MISSING = "CONTRACT_MISSING"
    CONTRACT_EXPIRED = "CONTRACT_EXPIRED"
    COMPETENCY_REQUIRED = "COMPETENCY_REQUIRED"
    NO_CREDITS_LEFT = "NO_CREDITS_LEFT"


Entitled = Callable[[SupportOffering | None, date], Ineligibility | None]


def _contract(reference: str, ends: str) -> Entitled:
    def entitled(offering: SupportOffering | None, today: date) -> Ineligibility | None:
        if offering is None or getattr(offering, reference) is None:
            return Ineligibility.CONTRACT_MISSING
        ends_on = getattr(offering, ends)
        return Ineligibility.CONTRACT_EXPIRED if ends_on is not None and ends_on < today else None

    return entitled


def _competency(offering: SupportOffering | None, _: date) -> Ineligibility | None:
    held = offering is not None and offering.competency in (Competency.GOLD, Competency.SILVER)
    return None if held else Ineligibility.COMPETENCY_REQUIRED


def _incident(offering: SupportOffering | None, today: date) -> Ineligibility | None:
    if _competency(offering, today) is not None and not (offering and offering.action_pack):
        return Ineligibility.COMPETENCY_REQUIRED
    return None if offering and offering.incident_credits > 0 else Ineligibility.NO_CREDITS_LEFT


def _always(_: SupportOffering | None, __: date) -> Ineligibility | None:
    return None


@dataclass(frozen=True)
class VehicleRule:
    categories: frozenset[TicketCategory]
    products: frozenset[ProductFamily] | None  # None: every product, known or not
    entitled: Entitled
    to_provider: bool = False


TECHNICAL = frozenset({TicketCategory.TECHNICAL})
EVERY_CATEGORY = frozenset(TicketCategory)

# The contract's vehicle table (§5).
VEHICLES: dict[Vehicle, VehicleRule] = {
    Vehicle.COMMERCIAL_SUPPORT: VehicleRule(
        frozenset({TicketCategory.BILLING, TicketCategory.SUBSCRIPTION_MANAGEMENT}), None, _always
    ),
    Vehicle.PREMIER_SUPPORT_FOR_PARTNERS: VehicleRule(
        TECHNICAL, None, _contract("premier_contract", "premier_contract_ends")
    ),
    Vehicle.ADVANCED_SUPPORT_FOR_PARTNERS: VehicleRule(
        TECHNICAL, CLOUD, _contract("advanced_contract", "advanced_contract_ends")
    ),
    Vehicle.SIGNATURE_CLOUD_SUPPORT: VehicleRule(TECHNICAL, CLOUD, _competency),
    Vehicle.PRODUCT_SUPPORT_INCIDENT: VehicleRule(
        TECHNICAL, frozenset({ProductFamily.ON_PREMISES}), _incident
    ),
    Vehicle.INDIRECT_PROVIDER: VehicleRule(EVERY_CATEGORY, None, _always, to_provider=True),
}


def ineligibility(
    vehicle: Vehicle, ticket: Any, viewer: Viewer, offering: SupportOffering | None, today: date
) -> Ineligibility | None:
    """Why `vehicle` can't take `ticket` for this viewer's organization, or None."""
    rule = VEHICLES[vehicle]
    if rule.to_provider != viewer.is_reseller:
        return (
            Ineligibility.NOT_AN_INDIRECT_RESELLER
            if rule.to_provider
            else Ineligibility.RESELLER_ESCALATES_TO_PROVIDER
        )
    if ticket.category not in rule.categories:
        return Ineligibility.CATEGORY_NOT_COVERED
    if rule.products is not None:
        if ticket.product_family is None:
            return Ineligibility.PRODUCT_FAMILY_UNKNOWN
        if ProductFamily(ticket.product_family) not in rule.products:
            return (
                Ineligibility.CLOUD_PRODUCTS_ONLY
                if rule.products == CLOUD
                else Ineligibility.ON_PREMISES_PRODUCTS_ONLY
            )
    return rule.entitled(offering, today)


def options_for(
    viewer: Viewer, ticket: Any, offering: SupportOffering | None
) -> list[tuple[Vehicle, Ineligibility | None]]:
    """Every vehicle, and why it can't take the ticket (None where it can), given the
    viewer's organization's offering."""
    today = subscriptions.now().date()
    return [
        (vehicle, ineligibility(vehicle, ticket, viewer, offering, today)) for vehicle in Vehicle
    ]


# -- reading --------------------------------------------------------------------------------------


def escalation_scope(viewer: Viewer) -> Where:
    """The escalations of the tickets the viewer sees (`ticket_scope`)."""
    return scope_where(viewer, Escalation)


@dataclass(frozen=True)
class EscalationFilter:
    status: EscalationStatus | None = None
    vehicle: Vehicle | None = None

    def where(self, viewer: Viewer) -> Where:
        where = escalation_scope(viewer)
        if self.status is not None:
            where.equal(status=self.status)
        if self.vehicle is not None:
            where.equal(vehicle=self.vehicle)
        return where


async def list_escalations(
    viewer: Viewer, *, page: PageRequest, criteria: EscalationFilter
) -> Page[Row]:
    return await paginate(criteria.where(viewer), page)


async def escalations_by_id(viewer: Viewer, ids: Sequence[int]) -> list[Row | None]:
    return await rows_by_id(escalation_scope(viewer), ids)


async def ticket_escalations(viewer: Viewer, ticket_ids: Sequence[int]) -> list[list[Any]]:
    """A DataLoader's batch: each visible ticket's escalations, oldest first."""
    visible = await visible_ticket_ids(viewer, ticket_ids)
    grouped: dict[int, list[Any]] = {key: [] for key in ticket_ids}
    for row in await Escalation.filter(ticket_id__in=sorted(visible)).order_by("id"):
        grouped[row.ticket_id].append(row)
    return [grouped[key] for key in ticket_ids]


# -- escalating -----------------------------------------------------------------------------------


@announces
async def escalate_ticket(
    actor: Actor,
    *,
    ticket_id: int,
    vehicle: Vehicle,
    summary: str,
    idempotency_key: str | None = None,
) -> Escalation:
    """Escalate a diagnosed ticket; retried with the same key, the first escalation answers
    (and no second credit is used)."""
    viewer = actor.viewer
    text = checked_text(summary, "summary", MAX_TEXT)

    async def escalate() -> Escalation:
        ticket = await ticket_for_update(
            viewer, ticket_id, field="ticketId", capability=Capability.ESCALATIONS_WRITE
        )
        if ticket.status not in (TicketStatus.TRIAGED, TicketStatus.IN_PROGRESS):
            key = (
                "escalation.not_triaged"
                if ticket.status is TicketStatus.NEW
                else "escalation.state"
            )
            raise InvalidStateTransition(key, field=["ticketId"], status=str(ticket.status))
        offering = await SupportOffering.get_or_none(seller_id=viewer.partner_id)
        reason = ineligibility(vehicle, ticket, viewer, offering, subscriptions.now().date())
        if reason is None and vehicle is Vehicle.PRODUCT_SUPPORT_INCIDENT:
            reason = await _take_credit(actor, offering)  # type: ignore[arg-type]
        if reason is not None:
            raise VehicleNotEligible(f"escalation.{reason}", field=["vehicle"], reason=str(reason))
        escalation = await Escalation.create(
            ticket_id=ticket.id,
            customer_id=ticket.customer_id,
            partner_id=ticket.partner_id,
            reseller_id=ticket.reseller_id,
            handler_id=ticket.handler_id,
            category=ticket.category,
            vehicle=vehicle,
            summary=text,
            status=EscalationStatus.OPEN,
            credit_used=vehicle is Vehicle.PRODUCT_SUPPORT_INCIDENT,
        )
        if vehicle is Vehicle.INDIRECT_PROVIDER:
            inbound = await create_in_queue(
                actor,
                handler_id=viewer.root_partner_id,
                origin_id=ticket.id,
                customer_id=ticket.customer_id,
                partner_id=ticket.partner_id,
                reseller_id=ticket.reseller_id,
                category=ticket.category,
                severity=ticket.severity,
                title=ticket.title,
                description=f"{text}\n\n{ticket.description}",
                product_family=ticket.product_family,
                subscription_id=ticket.subscription_id,
                channel=ticket.channel,
            )
            escalation.inbound_id = inbound.id
            await escalation.save(update_fields=["inbound_id"])
        await _record(actor, escalation, "escalation.opened")
        await save_ticket(
            actor,
            ticket,
            {"status": TicketStatus.ESCALATED},
            TicketEventKind.ESCALATED,
            body=text,
            escalation_id=escalation.id,
        )
        return escalation

    return await idempotency.create_once(
        viewer,
        operation="escalateTicket",
        key=idempotency_key,
        payload={"ticket_id": ticket_id, "vehicle": str(vehicle), "summary": text},
        create=escalate,
        load=idempotency.visible(
            escalations_by_id, viewer, NotFound("escalation.not_found", field=["ticketId"])
        ),
    )


async def _take_credit(actor: Actor, offering: SupportOffering) -> Ineligibility | None:
    """One product support incident credit, taken by a conditional UPDATE: of two
    escalations racing for the last one, the second finds none. Taking it is a change of the
    offering (a new version, audited), so a form saved from before can't give it back."""
    taken = await SupportOffering.filter(id=offering.id, incident_credits__gt=0).update(
        incident_credits=F("incident_credits") - 1,
        version=F("version") + 1,
        updated_at=datetime.now(UTC),
    )
    if not taken:
        return Ineligibility.NO_CREDITS_LEFT
    await offering.refresh_from_db()
    before = {
        **snapshot(offering, OFFERING_AUDITED),
        "incidentCredits": offering.incident_credits + 1,
        "version": offering.version - 1,
    }
    await record_change(
        actor,
        action="support_offering.credit_used",
        row=offering,
        fields=OFFERING_AUDITED,
        owner=(offering.partner_id, offering.reseller_id),
        before=before,
    )
    return None


@announces
async def update_escalation(
    actor: Actor,
    *,
    escalation_id: int,
    status: EscalationStatus,
    external_case_id: str | None = None,
    outcome: str | None = None,
    expected_version: int | None = None,
) -> Escalation:
    """Microsoft's case number, its status and, when it resolves, its outcome. An escalation
    to the indirect provider follows the provider's inbound ticket instead."""
    async with in_transaction():
        escalation = await _escalation_for_update(actor.viewer, escalation_id, expected_version)
        if escalation.vehicle is Vehicle.INDIRECT_PROVIDER:
            raise InvalidStateTransition("escalation.followed_by_provider", field=["id"])
        values: dict[str, Any] = {"status": status}
        if external_case_id is not None:
            case = external_case_id.strip()
            if not 1 <= len(case) <= MAX_CASE_ID:
                raise BadInput(
                    "text.length", field=["externalCaseId"], minimum=1, maximum=MAX_CASE_ID
                )
            values["external_case_id"] = case
        if outcome is not None:
            values["outcome"] = checked_text(outcome, "outcome", MAX_TEXT)
        if status is EscalationStatus.RESOLVED:
            if values.get("outcome", escalation.outcome) is None:
                raise BadInput("escalation.outcome_missing", field=["outcome"])
            values["resolved_at"] = subscriptions.now()
        await _change(actor, escalation, values)
    return escalation


async def resolve_from_inbound(actor: Actor, inbound: Ticket, resolution: str) -> None:
    """The provider resolved its inbound ticket: the reseller's escalation is resolved with
    the same outcome (inside the caller's transaction)."""
    escalation = await Escalation.filter(inbound_id=inbound.id).select_for_update().first()
    if escalation is None or escalation.status is EscalationStatus.RESOLVED:
        return
    values = {
        "status": EscalationStatus.RESOLVED,
        "outcome": resolution,
        "resolved_at": subscriptions.now(),
    }
    await _change(actor, escalation, values)


async def _change(actor: Actor, escalation: Escalation, values: dict[str, Any]) -> None:
    """Change the escalation, and tell its ticket's timeline."""
    if escalation.status is EscalationStatus.RESOLVED:
        raise InvalidStateTransition("escalation.resolved", field=["id"])
    before = snapshot(escalation, ESCALATION_AUDITED)
    escalation.update_from_dict({**values, "version": escalation.version + 1})
    await escalation.save()
    await _record(actor, escalation, "escalation.updated", before)
    ticket = await Ticket.filter(id=escalation.ticket_id).select_for_update().get()
    resolved = escalation.status is EscalationStatus.RESOLVED
    await save_ticket(
        actor,
        ticket,
        {"outcome_untold": True} if resolved else {},
        TicketEventKind.ESCALATION_UPDATED,
        body=escalation.outcome if resolved else None,
        escalation_id=escalation.id,
    )


async def _escalation_for_update(
    viewer: Viewer, escalation_id: int, expected_version: int | None
) -> Escalation:
    """An escalation of the viewer's own queue, locked for a change."""
    escalation = (
        await Escalation.filter(
            **{
                **scope_filter(viewer, Capability.ESCALATIONS_WRITE),
                "handler_id": viewer.partner_id,
            },
            id=escalation_id,
        )
        .select_for_update()
        .get_or_none()
    )
    if escalation is None:
        raise NotFound("escalation.not_found", field=["id"])
    if expected_version is not None and escalation.version != expected_version:
        raise VersionConflict(
            "version.conflict", field=["expectedVersion"], current=escalation.version
        )
    return escalation


async def _record(
    actor: Actor, escalation: Escalation, action: str, before: dict[str, Any] | None = None
) -> None:
    await record_change(
        actor,
        action=action,
        row=escalation,
        fields=ESCALATION_AUDITED,
        owner=record_owner(escalation),
        before=before,
    )
