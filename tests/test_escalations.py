"""Escalations: the vehicle table, the last credit, and a reseller's way through its provider."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from resolvers import models, subscriptions
from resolvers.errors import VehicleNotEligible
from resolvers.escalations import escalate_ticket
from resolvers.tickets import NewTicket, open_ticket, triage_ticket
from tests.conftest import Api, World
from tests.test_support import offering, set_offering
from tests.test_tickets import open_ticket as open_ticket_over_http, ticket_input

ESCALATE = """
mutation Escalate($input: EscalateTicketInput!) {
  escalateTicket(input: $input) {
    escalation { id vehicle status creditUsed }
    ticket { status }
    event { kind body }
    userErrors { field code message }
  }
}"""

UPDATE = """
mutation Update($input: UpdateEscalationInput!) {
  updateEscalation(input: $input) {
    escalation { status externalCaseId outcome resolvedAt }
    event { kind body }
    userErrors { field code }
  }
}"""

OPTIONS = """
query Options($id: ID!) {
  ticket(id: $id) { escalationOptions { vehicle eligible reason } }
}"""

TRIAGE = """
mutation Triage($id: ID!) {
  triageTicket(input: {id: $id, diagnosis: "Reproduced", withinBaseline: false}) { userErrors { code } }
}"""

ENTITLED = {
    "premierSupportContract": {"reference": "PSfP-9", "endsOn": "2099-12-31"},
    "advancedSupportContract": {"reference": "ASfP-9", "endsOn": "2099-12-31"},
    "competency": "SILVER",
    "actionPack": False,
    "productSupportIncidentCredits": 3,
}
PAST = (datetime.now(UTC) - timedelta(days=400)).date().isoformat()

# (entitlements changed, ticket category, product family, vehicle) -> the reason, or None
VEHICLE_CASES: list[tuple[dict[str, Any], str, str | None, str, str | None]] = [
    ({}, "BILLING", None, "COMMERCIAL_SUPPORT", None),
    ({}, "SUBSCRIPTION_MANAGEMENT", "AZURE", "COMMERCIAL_SUPPORT", None),
    ({}, "TECHNICAL", "AZURE", "COMMERCIAL_SUPPORT", "CATEGORY_NOT_COVERED"),
    ({}, "TECHNICAL", "ON_PREMISES", "PREMIER_SUPPORT_FOR_PARTNERS", None),
    ({}, "TECHNICAL", None, "PREMIER_SUPPORT_FOR_PARTNERS", None),
    ({}, "BILLING", None, "PREMIER_SUPPORT_FOR_PARTNERS", "CATEGORY_NOT_COVERED"),
    (
        {"premierSupportContract": None},
        "TECHNICAL",
        "AZURE",
        "PREMIER_SUPPORT_FOR_PARTNERS",
        "CONTRACT_MISSING",
    ),
    (
        {"premierSupportContract": {"reference": "PSfP-1", "endsOn": PAST}},
        "TECHNICAL",
        "AZURE",
        "PREMIER_SUPPORT_FOR_PARTNERS",
        "CONTRACT_EXPIRED",
    ),
    ({}, "TECHNICAL", "DYNAMICS_365", "ADVANCED_SUPPORT_FOR_PARTNERS", None),
    ({}, "TECHNICAL", "ON_PREMISES", "ADVANCED_SUPPORT_FOR_PARTNERS", "CLOUD_PRODUCTS_ONLY"),
    ({}, "TECHNICAL", None, "ADVANCED_SUPPORT_FOR_PARTNERS", "PRODUCT_FAMILY_UNKNOWN"),
    (
        {"advancedSupportContract": None},
        "TECHNICAL",
        "AZURE",
        "ADVANCED_SUPPORT_FOR_PARTNERS",
        "CONTRACT_MISSING",
    ),
    (
        {"advancedSupportContract": {"reference": "ASfP-1", "endsOn": PAST}},
        "TECHNICAL",
        "AZURE",
        "ADVANCED_SUPPORT_FOR_PARTNERS",
        "CONTRACT_EXPIRED",
    ),
    ({}, "TECHNICAL", "MICROSOFT_365", "SIGNATURE_CLOUD_SUPPORT", None),
    ({"competency": "GOLD"}, "TECHNICAL", "AZURE", "SIGNATURE_CLOUD_SUPPORT", None),
    (
        {"competency": "NONE"},
        "TECHNICAL",
        "AZURE",
        "SIGNATURE_CLOUD_SUPPORT",
        "COMPETENCY_REQUIRED",
    ),
    ({}, "TECHNICAL", "ON_PREMISES", "SIGNATURE_CLOUD_SUPPORT", "CLOUD_PRODUCTS_ONLY"),
    ({}, "TECHNICAL", "ON_PREMISES", "PRODUCT_SUPPORT_INCIDENT", None),
    (
        {"competency": "NONE", "actionPack": True},
        "TECHNICAL",
        "ON_PREMISES",
        "PRODUCT_SUPPORT_INCIDENT",
        None,
    ),
    (
        {"competency": "NONE"},
        "TECHNICAL",
        "ON_PREMISES",
        "PRODUCT_SUPPORT_INCIDENT",
        "COMPETENCY_REQUIRED",
    ),
    (
        {"productSupportIncidentCredits": 0},
        "TECHNICAL",
        "ON_PREMISES",
        "PRODUCT_SUPPORT_INCIDENT",
        "NO_CREDITS_LEFT",
    ),
    ({}, "TECHNICAL", "AZURE", "PRODUCT_SUPPORT_INCIDENT", "ON_PREMISES_PRODUCTS_ONLY"),
    ({}, "TECHNICAL", "AZURE", "INDIRECT_PROVIDER", "NOT_AN_INDIRECT_RESELLER"),
]


async def _triaged(api: Api, world: World, owner: str, **changes: Any) -> str:
    token = world.admin(owner)
    ticket = (await open_ticket_over_http(api, token, ticket_input(world, owner, **changes)))[
        "ticket"
    ]
    triaged = await api.data(TRIAGE, {"id": ticket["id"]}, token=token)
    assert triaged["triageTicket"]["userErrors"] == []
    return ticket["id"]


@pytest.mark.parametrize(("entitlements", "category", "family", "vehicle", "reason"), VEHICLE_CASES)
async def test_each_vehicle_takes_exactly_the_tickets_the_contract_allows(
    api: Api,
    world: World,
    entitlements: dict[str, Any],
    category: str,
    family: str | None,
    vehicle: str,
    reason: str | None,
) -> None:
    token = world.admin("direct")
    await set_offering(api, token, offering(entitlements={**ENTITLED, **entitlements}))
    ticket = await _triaged(api, world, "direct", category=category, productFamily=family)
    options = await api.data(OPTIONS, {"id": ticket}, token=token)
    option = next(
        item for item in options["ticket"]["escalationOptions"] if item["vehicle"] == vehicle
    )
    assert option == {"vehicle": vehicle, "eligible": reason is None, "reason": reason}
    body = await api.data(
        ESCALATE,
        {"input": {"ticketId": ticket, "vehicle": vehicle, "summary": "Please help"}},
        token=token,
    )
    result = body["escalateTicket"]
    if reason is None:
        assert result["userErrors"] == []
        assert result["escalation"]["status"] == "OPEN"
        assert result["ticket"] == {"status": "ESCALATED"}
        assert result["event"] == {"kind": "ESCALATED", "body": "Please help"}
    else:
        assert [(error["code"], error["field"]) for error in result["userErrors"]] == [
            ("ESCALATION_VEHICLE_NOT_ELIGIBLE", ["vehicle"])
        ]
        assert result["escalation"] is None
        assert await models.Escalation.all().count() == 0


async def test_a_reseller_escalates_to_its_provider_and_never_to_microsoft(
    api: Api, world: World
) -> None:
    token = world.admin("reseller")
    await set_offering(api, token, offering(entitlements=ENTITLED))
    ticket = await _triaged(api, world, "reseller")
    options = await api.data(OPTIONS, {"id": ticket}, token=token)
    reasons = {item["vehicle"]: item["reason"] for item in options["ticket"]["escalationOptions"]}
    assert reasons.pop("INDIRECT_PROVIDER") is None
    assert set(reasons.values()) == {"RESELLER_ESCALATES_TO_PROVIDER"}
    refused = await api.data(
        ESCALATE,
        {"input": {"ticketId": ticket, "vehicle": "PREMIER_SUPPORT_FOR_PARTNERS", "summary": "x"}},
        token=token,
    )
    assert "indirect provider" in refused["escalateTicket"]["userErrors"][0]["message"]


async def test_a_new_ticket_is_escalated_only_after_its_diagnosis(api: Api, world: World) -> None:
    token = world.admin("direct")
    ticket = (await open_ticket_over_http(api, token, ticket_input(world, category="BILLING")))[
        "ticket"
    ]
    body = await api.data(
        ESCALATE,
        {"input": {"ticketId": ticket["id"], "vehicle": "COMMERCIAL_SUPPORT", "summary": "x"}},
        token=token,
    )
    assert [error["code"] for error in body["escalateTicket"]["userErrors"]] == [
        "INVALID_STATE_TRANSITION"
    ]


LOOP = """
mutation Loop($id: ID!) {
  resolve: resolveTicket(input: {id: $id, resolution: "Microsoft fixed the tenant"}) {
    ticket { status } userErrors { code }
  }
  close: closeTicket(input: {id: $id}) { ticket { status } userErrors { code message } }
}"""

NOTIFY_AND_CLOSE = """
mutation Notify($id: ID!) {
  notify: notifyCustomer(input: {ticketId: $id, message: "Microsoft fixed it; sign in again."}) {
    ticket { customerNotifiedAt } userErrors { code }
  }
  close: closeTicket(input: {id: $id}) { ticket { status } userErrors { code } }
}"""


async def _escalated(api: Api, token: str, ticket: str) -> str:
    """The ticket escalated to Advanced Support for Partners: the escalation's id."""
    escalated = await api.data(
        ESCALATE,
        {
            "input": {
                "ticketId": ticket,
                "vehicle": "ADVANCED_SUPPORT_FOR_PARTNERS",
                "summary": "Tenant down",
            }
        },
        token=token,
    )
    return escalated["escalateTicket"]["escalation"]["id"]


async def test_after_an_escalation_the_ticket_closes_only_once_the_customer_was_told(
    api: Api, world: World
) -> None:
    token = world.admin("direct")
    await set_offering(api, token, offering(entitlements=ENTITLED))
    ticket = await _triaged(api, world, "direct")
    told_early = await api.data(
        'mutation($id: ID!) { notifyCustomer(input: {ticketId: $id, message: "We asked Microsoft"}) { userErrors { code } } }',
        {"id": ticket},
        token=token,
    )
    assert told_early["notifyCustomer"]["userErrors"] == []
    escalation = await _escalated(api, token, ticket)
    still_open = await api.data(LOOP, {"id": ticket}, token=token)
    assert still_open["resolve"]["userErrors"] == [{"code": "INVALID_STATE_TRANSITION"}]
    no_outcome = await api.data(
        UPDATE, {"input": {"id": escalation, "status": "RESOLVED"}}, token=token
    )
    assert no_outcome["updateEscalation"]["userErrors"] == [
        {"field": ["outcome"], "code": "BAD_USER_INPUT"}
    ]
    waiting = await api.data(
        UPDATE,
        {
            "input": {
                "id": escalation,
                "status": "WAITING_ON_PARTNER",
                "externalCaseId": "2612010040001234",
            }
        },
        token=token,
    )
    assert waiting["updateEscalation"]["escalation"]["externalCaseId"] == "2612010040001234"
    resolved = await api.data(
        UPDATE,
        {"input": {"id": escalation, "status": "RESOLVED", "outcome": "Service restored"}},
        token=token,
    )
    assert resolved["updateEscalation"]["event"] == {
        "kind": "ESCALATION_UPDATED",
        "body": "Service restored",
    }
    again = await api.data(UPDATE, {"input": {"id": escalation, "status": "OPEN"}}, token=token)
    assert again["updateEscalation"]["userErrors"] == [
        {"field": ["id"], "code": "INVALID_STATE_TRANSITION"}
    ]
    loop = await api.data(LOOP, {"id": ticket}, token=token)
    assert loop["resolve"]["ticket"] == {"status": "RESOLVED"}
    assert loop["close"]["ticket"] is None
    assert [error["code"] for error in loop["close"]["userErrors"]] == ["CUSTOMER_NOT_NOTIFIED"]
    closed = await api.data(NOTIFY_AND_CLOSE, {"id": ticket}, token=token)
    assert closed["close"] == {"ticket": {"status": "CLOSED"}, "userErrors": []}


async def test_a_notice_sent_before_the_outcome_does_not_tell_it_whatever_the_clocks_say(
    api: Api, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two API processes whose clocks differ: the one that tells the customer runs ten
    minutes ahead of the one that then resolves the escalation. The notice came first, so it
    didn't tell the outcome, though its time is the later one."""
    token = world.admin("direct")
    await set_offering(api, token, offering(entitlements=ENTITLED))
    ticket = await _triaged(api, world, "direct")
    escalation = await _escalated(api, token, ticket)
    ahead = datetime.now(UTC) + timedelta(minutes=10)
    with monkeypatch.context() as clock:
        clock.setattr(subscriptions, "now", lambda: ahead)
        told = await api.data(
            'mutation($id: ID!) { notifyCustomer(input: {ticketId: $id, message: "Still waiting"}) { userErrors { code } } }',
            {"id": ticket},
            token=token,
        )
    assert told["notifyCustomer"]["userErrors"] == []
    resolved = await api.data(
        UPDATE,
        {"input": {"id": escalation, "status": "RESOLVED", "outcome": "Service restored"}},
        token=token,
    )
    assert resolved["updateEscalation"]["userErrors"] == []
    loop = await api.data(LOOP, {"id": ticket}, token=token)
    assert loop["resolve"]["ticket"] == {"status": "RESOLVED"}
    assert [error["code"] for error in loop["close"]["userErrors"]] == ["CUSTOMER_NOT_NOTIFIED"]
    closed = await api.data(NOTIFY_AND_CLOSE, {"id": ticket}, token=token)
    assert closed["close"] == {"ticket": {"status": "CLOSED"}, "userErrors": []}


async def test_two_escalations_racing_for_the_last_credit_get_it_once(
    api: Api, world: World
) -> None:
    token = world.admin("direct")
    await set_offering(
        api, token, offering(entitlements={**ENTITLED, "productSupportIncidentCredits": 1})
    )
    actor = await world.actor("direct")
    tickets = []
    for _ in range(2):
        ticket = await open_ticket(
            actor,
            NewTicket(
                customer_id=world.customers["direct"][0].id,
                category=models.TicketCategory.TECHNICAL,
                severity=models.Severity.A,
                title="Exchange Server 2019 crashes",
                description="After the cumulative update.",
                product_family=models.ProductFamily.ON_PREMISES,
            ),
        )
        await triage_ticket(
            actor, ticket_id=ticket.id, diagnosis="Known issue?", within_baseline=False
        )
        tickets.append(ticket.id)
    outcomes = await asyncio.gather(
        *(
            escalate_ticket(
                actor,
                ticket_id=ticket_id,
                vehicle=models.Vehicle.PRODUCT_SUPPORT_INCIDENT,
                summary="Crash dump attached",
            )
            for ticket_id in tickets
        ),
        return_exceptions=True,
    )
    escalated = [outcome for outcome in outcomes if isinstance(outcome, models.Escalation)]
    refused = [outcome for outcome in outcomes if isinstance(outcome, VehicleNotEligible)]
    assert (len(escalated), len(refused)) == (1, 1), outcomes
    assert refused[0].params == {"reason": "NO_CREDITS_LEFT"}
    offering_row = await models.SupportOffering.get(seller_id=world.partners["direct"].id)
    assert offering_row.incident_credits == 0
    assert await models.Escalation.filter(credit_used=True).count() == 1
    statuses = sorted(str(row.status) for row in await models.Ticket.filter(id__in=tickets))
    assert statuses == ["ESCALATED", "TRIAGED"]
    # using the credit changed the offering: a form saved from before can't give it back
    assert offering_row.version == 2
    assert await models.AuditEvent.filter(action="support_offering.credit_used").count() == 1
    stale = await set_offering(api, token, offering(expectedVersion=1))
    assert [error["code"] for error in stale["userErrors"]] == ["VERSION_CONFLICT"]


PROVIDER_QUEUE = """
query Queue($handler: ID!) {
  tickets(filter: {handlerId: $handler}) {
    nodes { id number status inbound origin { id number } customer { companyName } }
  }
}"""

RESELLER_VIEW = """
query Mine($id: ID!) {
  ticket(id: $id) {
    status
    timeline { kind body }
    escalations { vehicle status outcome inboundTicket { id } }
  }
}"""


async def test_a_resellers_escalation_reaches_its_providers_queue_and_comes_back(
    api: Api, world: World
) -> None:
    reseller, provider = world.admin("reseller"), world.admin("provider")
    ticket = await _triaged(api, world, "reseller", severity="A")
    escalated = await api.data(
        ESCALATE,
        {"input": {"ticketId": ticket, "vehicle": "INDIRECT_PROVIDER", "summary": "Need a hand"}},
        token=reseller,
    )
    assert escalated["escalateTicket"]["userErrors"] == []
    escalation = escalated["escalateTicket"]["escalation"]["id"]
    queue = await api.data(
        PROVIDER_QUEUE, {"handler": world.partner_id("provider")}, token=provider
    )
    [inbound] = queue["tickets"]["nodes"]
    assert inbound["inbound"] is True
    assert inbound["origin"]["id"] == ticket
    assert (inbound["number"], inbound["status"]) == ("TKT-000001", "NEW")
    assert inbound["customer"] == {"companyName": "Epsilon Ltda"}
    # the reseller sees its escalation, not the provider's ticket
    hidden = await api.gql(
        "query($id: ID!) { ticket(id: $id) { id } }", {"id": inbound["id"]}, token=reseller
    )
    assert hidden["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    mine = await api.data("{ tickets { totalCount } }", token=reseller)
    assert mine["tickets"]["totalCount"] == 1
    followed = await api.data(
        UPDATE, {"input": {"id": escalation, "status": "RESOLVED", "outcome": "x"}}, token=reseller
    )
    assert followed["updateEscalation"]["userErrors"] == [
        {"field": ["id"], "code": "INVALID_STATE_TRANSITION"}
    ]
    # the provider works its inbound ticket; its answers and resolution flow back
    for step in (
        'triageTicket(input: {id: $id, diagnosis: "Tenant-wide policy", withinBaseline: true})',
        'commentOnTicket(input: {id: $id, body: "Conditional access policy blocks the app", visibility: CUSTOMER})',
        'commentOnTicket(input: {id: $id, body: "Internal note", visibility: INTERNAL})',
        'resolveTicket(input: {id: $id, resolution: "Policy corrected"})',
    ):
        done = await api.data(
            f"mutation($id: ID!) {{ step: {step} {{ userErrors {{ code }} }} }}",
            {"id": inbound["id"]},
            token=provider,
        )
        assert done["step"]["userErrors"] == []
    view = (await api.data(RESELLER_VIEW, {"id": ticket}, token=reseller))["ticket"]
    assert view["escalations"] == [
        {
            "vehicle": "INDIRECT_PROVIDER",
            "status": "RESOLVED",
            "outcome": "Policy corrected",
            "inboundTicket": None,
        }
    ]
    assert [(event["kind"], event["body"]) for event in view["timeline"]][2:] == [
        ("ESCALATED", "Need a hand"),
        ("ESCALATION_UPDATED", "Conditional access policy blocks the app"),
        ("ESCALATION_UPDATED", "Policy corrected"),
    ]
    # the provider's own work stays the provider's: not in the reseller's audit log, and the
    # provider can't work on the reseller's ticket itself
    audited = await api.data(
        "{ auditEvents(first: 100) { nodes { entityType entityId } } }", token=reseller
    )
    tickets = {
        node["entityId"]
        for node in audited["auditEvents"]["nodes"]
        if node["entityType"] == "Ticket"
    }
    assert tickets == {ticket}
    meddling = await api.data(
        'mutation($id: ID!) { resolveTicket(input: {id: $id, resolution: "x"}) { userErrors { code } } }',
        {"id": ticket},
        token=provider,
    )
    assert meddling["resolveTicket"]["userErrors"] == [{"code": "NOT_FOUND"}]
    # the reseller closes the loop with its customer; the provider's later note on its
    # resolved ticket reaches the reseller's timeline, but is no outcome still to be told
    loop = await api.data(LOOP, {"id": ticket}, token=reseller)
    assert [error["code"] for error in loop["close"]["userErrors"]] == ["CUSTOMER_NOT_NOTIFIED"]
    told = await api.data(
        'mutation($id: ID!) { notifyCustomer(input: {ticketId: $id, message: "Fixed"}) { userErrors { code } } }',
        {"id": ticket},
        token=reseller,
    )
    assert told["notifyCustomer"]["userErrors"] == []
    later = await api.data(
        'mutation($id: ID!) { commentOnTicket(input: {id: $id, body: "Should stay fixed", visibility: CUSTOMER}) { userErrors { code } } }',
        {"id": inbound["id"]},
        token=provider,
    )
    assert later["commentOnTicket"]["userErrors"] == []
    closed = await api.data(
        "mutation($id: ID!) { close: closeTicket(input: {id: $id}) { ticket { status } userErrors { code } } }",
        {"id": ticket},
        token=reseller,
    )
    assert closed["close"] == {"ticket": {"status": "CLOSED"}, "userErrors": []}
    # the provider sees the whole chain
    chain = await api.data(
        "query($id: ID!) { ticket(id: $id) { status escalations { inboundTicket { status } } } }",
        {"id": ticket},
        token=provider,
    )
    assert chain["ticket"] == {
        "status": "CLOSED",
        "escalations": [{"inboundTicket": {"status": "RESOLVED"}}],
    }


async def test_a_billing_dispute_ticket_escalates_through_commercial_support(
    api: Api, world: World
) -> None:
    token = world.admin("direct")
    await set_offering(api, token, offering(entitlements=ENTITLED))
    ticket = await _triaged(api, world, "direct", category="BILLING", productFamily=None)
    body = await api.data(
        ESCALATE,
        {
            "input": {
                "ticketId": ticket,
                "vehicle": "COMMERCIAL_SUPPORT",
                "summary": "Disputed charge on invoice INV-000001",
            }
        },
        token=token,
    )
    assert body["escalateTicket"]["escalation"]["vehicle"] == "COMMERCIAL_SUPPORT"


async def test_an_escalation_retried_with_its_key_escalates_once_and_uses_one_credit(
    api: Api, world: World
) -> None:
    token = world.admin("direct")
    await set_offering(
        api, token, offering(entitlements={**ENTITLED, "productSupportIncidentCredits": 2})
    )
    ticket = await _triaged(api, world, "direct", productFamily="ON_PREMISES")
    asked = {
        "ticketId": ticket,
        "vehicle": "PRODUCT_SUPPORT_INCIDENT",
        "summary": "Crash",
        "idempotencyKey": "esc-1",
    }
    first = await api.data(ESCALATE, {"input": asked}, token=token)
    again = await api.data(ESCALATE, {"input": asked}, token=token)
    assert (
        first["escalateTicket"]["escalation"]["id"] == again["escalateTicket"]["escalation"]["id"]
    )
    assert again["escalateTicket"]["userErrors"] == []
    offering_row = await models.SupportOffering.get(seller_id=world.partners["direct"].id)
    assert offering_row.incident_credits == 1
    escalation = first["escalateTicket"]["escalation"]["id"]
    updated = await api.data(
        UPDATE, {"input": {"id": escalation, "status": "WAITING_ON_PARTNER"}}, token=token
    )
    assert updated["updateEscalation"]["event"]["kind"] == "ESCALATION_UPDATED"
    late = await api.data(ESCALATE, {"input": asked}, token=token)  # a retry after the update
    assert late["escalateTicket"]["event"] == first["escalateTicket"]["event"]
    assert first["escalateTicket"]["event"]["kind"] == "ESCALATED"
    other = await api.data(ESCALATE, {"input": {**asked, "summary": "Another"}}, token=token)
    assert [error["code"] for error in other["escalateTicket"]["userErrors"]] == [
        "IDEMPOTENCY_KEY_REUSED"
    ]
