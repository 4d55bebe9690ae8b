"""The demo's support desk: an offering per partner, tickets in every status, an escalation
through every vehicle, and a reseller's escalation in its provider's queue."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from resolvers.audit import Actor
from resolvers.escalations import escalate_ticket, update_escalation
from resolvers.models import (
    Channel,
    Competency,
    EscalationStatus,
    PricingModel,
    ProductFamily,
    Severity,
    Sourcing,
    TicketCategory,
    User,
    Vehicle,
    Visibility,
)
from resolvers.service_hours import Weekday
from resolvers.subscriptions import now
from resolvers.support import ContactKind, Contract, OfferingOrder, set_offering
from resolvers.tickets import (
    NewTicket,
    assign_ticket,
    close_ticket,
    comment_on_ticket,
    notify_customer,
    open_ticket,
    resolve_ticket,
    triage_ticket,
)

WEEKDAYS = (Weekday.MONDAY, Weekday.TUESDAY, Weekday.WEDNESDAY, Weekday.THURSDAY, Weekday.FRIDAY)
ALL = [TicketCategory.BILLING, TicketCategory.SUBSCRIPTION_MANAGEMENT, TicketCategory.TECHNICAL]
CLOUD = [ProductFamily.AZURE, ProductFamily.MICROSOFT_365, ProductFamily.DYNAMICS_365]


def _weekdays(opens: str, closes: str, *extra: tuple[Weekday, str, str]) -> list[dict[str, str]]:
    days = [{"day": str(day), "opens": opens, "closes": closes} for day in WEEKDAYS]
    return days + [{"day": str(day), "opens": start, "closes": end} for day, start, end in extra]


def _in_a_year() -> date:
    return (now() + timedelta(days=365)).date()


def offerings() -> list[OfferingOrder]:
    """Contoso, Northwind, Fabrikam Revenda, Tailspin Rivenditore: in the order of the demo."""
    return [
        OfferingOrder(
            sourcing=Sourcing.DIRECT,
            time_zone="Europe/Lisbon",
            days=_weekdays("08:00", "19:00", (Weekday.SATURDAY, "09:00", "13:00")),
            contact_methods=[
                (ContactKind.EMAIL, "suporte@contoso.example"),
                (ContactKind.PHONE, "+351 210 000 100"),
                (ContactKind.WEB, "https://support.contoso.example"),
            ],
            pricing_model=PricingModel.INCLUDED,
            categories=ALL,
            product_families=[*CLOUD, ProductFamily.ON_PREMISES],
            premier_contract=Contract("PSfP-CONTOSO-2026", _in_a_year()),
            advanced_contract=Contract("ASfP-CONTOSO-2026", _in_a_year()),
            competency=Competency.GOLD,
            incident_credits=3,
        ),
        OfferingOrder(
            sourcing=Sourcing.DIRECT,
            time_zone="Europe/Rome",
            days=_weekdays(
                "00:00",
                "24:00",
                (Weekday.SATURDAY, "00:00", "24:00"),
                (Weekday.SUNDAY, "00:00", "24:00"),
            ),
            contact_methods=[(ContactKind.EMAIL, "partners@northwind.example")],
            pricing_model=PricingModel.MONTHLY_FEE,
            price=("250.00", "EUR"),
            categories=ALL,
            product_families=CLOUD,
            advanced_contract=Contract("ASfP-NORTHWIND-2026", _in_a_year()),
            competency=Competency.SILVER,
        ),
        OfferingOrder(
            sourcing=Sourcing.RESOLD,
            provider_name="Northwind Distribution",
            time_zone="America/Sao_Paulo",
            days=_weekdays("09:00", "18:00"),
            contact_methods=[(ContactKind.PHONE, "+55 11 4000 1000")],
            pricing_model=PricingModel.PER_INCIDENT,
            price=("180.00", "BRL"),
            categories=[TicketCategory.BILLING, TicketCategory.SUBSCRIPTION_MANAGEMENT],
            product_families=[ProductFamily.MICROSOFT_365],
        ),
        OfferingOrder(
            sourcing=Sourcing.OUTSOURCED,
            provider_name="Helpdesk Toscana S.r.l.",
            time_zone="Europe/Rome",
            days=_weekdays("09:00", "13:00", *((day, "14:00", "18:00") for day in WEEKDAYS)),
            contact_methods=[(ContactKind.EMAIL, "assistenza@tailspin.example")],
            pricing_model=PricingModel.HOURLY,
            price=("65.00", "EUR"),
            categories=ALL,
            product_families=CLOUD,
        ),
    ]


@dataclass(frozen=True)
class Story:
    """A ticket and how far it went: the steps are done in order."""

    customer: int  # index in the seller's customers
    ticket: NewTicket
    steps: Sequence[str] = ()
    vehicle: Vehicle | None = None


def _ticket(
    category: TicketCategory,
    severity: Severity,
    title: str,
    description: str,
    family: ProductFamily | None = None,
) -> NewTicket:
    return NewTicket(
        customer_id=0,
        category=category,
        severity=severity,
        title=title,
        description=description,
        product_family=family,
        channel=Channel.EMAIL,
    )


TECH, BILL, SUBS = (
    TicketCategory.TECHNICAL,
    TicketCategory.BILLING,
    TicketCategory.SUBSCRIPTION_MANAGEMENT,
)
CONTOSO_STORIES = [
    Story(
        0,
        _ticket(
            TECH,
            Severity.A,
            "O Outlook não sincroniza",
            "Nenhum utilizador recebe email desde as 9h.",
            ProductFamily.MICROSOFT_365,
        ),
    ),
    Story(
        1,
        _ticket(
            SUBS,
            Severity.C,
            "Reduzir licenças do Business Premium",
            "Querem passar de 10 para 8 licenças na renovação.",
        ),
        ("triage",),
    ),
    Story(
        2,
        _ticket(
            TECH,
            Severity.B,
            "Teams si blocca all'avvio",
            "Solo sui PC della sala.",
            ProductFamily.MICROSOFT_365,
        ),
        ("triage", "assign"),
    ),
    Story(
        3,
        _ticket(
            BILL,
            Severity.B,
            "Dubbel debitering i oktober",
            "Fakturan för oktober drogs två gånger.",
            None,
        ),
        ("triage",),
        Vehicle.COMMERCIAL_SUPPORT,
    ),
    Story(
        0,
        _ticket(
            TECH,
            Severity.A,
            "SQL Server não arranca após atualização",
            "Erro 17058 no arranque do serviço.",
            ProductFamily.ON_PREMISES,
        ),
        ("triage",),
        Vehicle.PREMIER_SUPPORT_FOR_PARTNERS,
    ),
    Story(
        1,
        _ticket(
            TECH,
            Severity.B,
            "VM do Azure sem rede",
            "A VM de produção perdeu a conectividade.",
            ProductFamily.AZURE,
        ),
        ("triage",),
        Vehicle.ADVANCED_SUPPORT_FOR_PARTNERS,
    ),
    Story(
        2,
        _ticket(
            TECH,
            Severity.B,
            "Dynamics 365: errore nelle offerte",
            "Il calcolo dei prezzi restituisce zero.",
            ProductFamily.DYNAMICS_365,
        ),
        ("triage",),
        Vehicle.SIGNATURE_CLOUD_SUPPORT,
    ),
    Story(
        3,
        _ticket(
            TECH,
            Severity.A,
            "Windows Server startar om",
            "Servern startar om var tredje timme.",
            ProductFamily.ON_PREMISES,
        ),
        ("triage", "microsoft_resolves", "resolve", "notify", "close"),
        Vehicle.PRODUCT_SUPPORT_INCIDENT,
    ),
    Story(
        4,
        _ticket(
            TECH,
            Severity.C,
            "Password reset for a new hire",
            "The user can't sign in for the first time.",
            ProductFamily.MICROSOFT_365,
        ),
        ("triage", "answer", "resolve"),
    ),
]
FABRIKAM_STORY = Story(
    0,
    _ticket(
        TECH,
        Severity.B,
        "Exchange Online: caixa compartilhada",
        "A caixa compartilhada não aparece para a equipe.",
        ProductFamily.MICROSOFT_365,
    ),
    ("triage",),
    Vehicle.INDIRECT_PROVIDER,
)


async def seed_support(actors: Sequence[Actor], customers: Sequence[Sequence[int]]) -> None:
    """`actors` and `customers` of Contoso, Northwind and the two resellers, in that order."""
    for actor, order in zip(actors, offerings(), strict=True):
        await set_offering(actor, order)
    contoso, northwind, fabrikam = actors[0], actors[1], actors[2]
    agent = await User.create(
        partner_id=contoso.viewer.partner_id,
        sub="demo-helpdesk-ana",
        name="Ana Ribeiro",
        email="ana@contoso.example",
    )
    for story in CONTOSO_STORIES:
        await _tell(contoso, customers[0], story, agent.id)
    inbound = await _tell(fabrikam, customers[2], FABRIKAM_STORY, None)
    if inbound is not None:  # the provider answers in its own queue; the reseller sees it
        await triage_ticket(
            northwind,
            ticket_id=inbound,
            diagnosis="Permissões em falta no grupo.",
            within_baseline=True,
        )
        await comment_on_ticket(
            northwind,
            ticket_id=inbound,
            body="Estamos a corrigir as permissões da caixa compartilhada.",
            visibility=Visibility.CUSTOMER,
        )


async def _tell(
    actor: Actor, customers: Sequence[int], story: Story, assignee: int | None
) -> int | None:
    """Play a story; the provider's inbound ticket, for an escalation to it."""
    ticket = await open_ticket(actor, replace(story.ticket, customer_id=customers[story.customer]))
    escalation = None
    for step in story.steps:
        if step == "triage":
            await triage_ticket(
                actor,
                ticket_id=ticket.id,
                diagnosis="Reproduzido / reproduced.",
                within_baseline=story.vehicle is None,
            )
            if story.vehicle is not None:
                escalation = await escalate_ticket(
                    actor, ticket_id=ticket.id, vehicle=story.vehicle, summary=story.ticket.title
                )
        elif step == "assign" and assignee is not None:
            await assign_ticket(actor, ticket_id=ticket.id, assignee_id=assignee)
        elif step == "answer":
            await comment_on_ticket(
                actor,
                ticket_id=ticket.id,
                body="Sent a temporary password.",
                visibility=Visibility.CUSTOMER,
            )
        elif step == "microsoft_resolves" and escalation is not None:
            await update_escalation(
                actor,
                escalation_id=escalation.id,
                status=EscalationStatus.RESOLVED,
                external_case_id="2611280040007781",
                outcome="Hotfix KB5044284 resolves the restarts.",
            )
        elif step == "resolve":
            await resolve_ticket(actor, ticket_id=ticket.id, resolution="Resolvido / resolved.")
        elif step == "notify":
            await notify_customer(
                actor, ticket_id=ticket.id, message="Installera KB5044284; omstarterna upphör."
            )
        elif step == "close":
            await close_ticket(actor, ticket_id=ticket.id)
    return escalation.inbound_id if escalation is not None else None
