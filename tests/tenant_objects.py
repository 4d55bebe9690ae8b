"""One object of every Node type for a partner of the test world, made by its own users
through the API, each holding a value only it holds: what tests/test_isolation_matrix.py
asks other tenants for. Its webhook endpoint is on loopback: the app must allow private
targets (nothing is delivered)."""

from __future__ import annotations

from typing import Any

from auth.viewer import Role
from resolvers import models
from resolvers.webhook_delivery import DeliveryPolicy, fan_out
from schema.nodes import from_global_id, to_global_id
from schema.schema import schema
from tests.conftest import Api, World

SCHEMA = schema._schema
NODE_TYPES = sorted(t.name for t in SCHEMA.get_possible_types(SCHEMA.type_map["Node"]))
MADE = "{ __typename id } userErrors { code field }"
OWN = f"""mutation Own($customer: ID!, $offer: String!, $line: String!, $title: String!,
                       $url: String!, $document: String!) {{
  createSubscription(input: {{customerId: $customer, offerId: "CFQ7TTC0LH18:0001", quantity: 1,
      offerName: $offer, productFamily: AZURE, unitPrice: {{amount: "6", currency: "EUR"}},
      billingCycle: MONTHLY, termDuration: "P1Y"}}) {{ subscription {MADE} }}
  issueInvoice(input: {{customerId: $customer, currency: "EUR", dueDate: "2030-01-01",
      lines: [{{description: $line, quantity: "1", unitPrice: "100"}}]}}) {{ invoice {MADE} }}
  openTicket(input: {{customerId: $customer, category: BILLING, severity: C, title: $title,
      description: $title}}) {{ ticket {MADE} }}
  createWebhookEndpoint(input: {{url: $url, events: []}}) {{ webhookEndpoint {MADE} }}
  registerPersistedOperations(input: {{documents: [$document]}}) {{ operations {MADE} }}
}}"""
FOLLOW_UP = f"""mutation FollowUp($invoice: ID!, $ticket: ID!, $user: ID!, $reference: String!,
    $reason: String!, $comment: String!, $vehicle: SupportVehicle!, $summary: String!) {{
  recordPayment(input: {{invoiceId: $invoice, amount: {{amount: "10", currency: "EUR"}},
      reference: $reference}}) {{ payment {MADE} }}
  openBillingDispute(input: {{invoiceId: $invoice, reason: $reason}}) {{ dispute {MADE} }}
  commentOnTicket(input: {{id: $ticket, body: $comment}}) {{ event {MADE} }}
  triageTicket(input: {{id: $ticket, diagnosis: "x", withinBaseline: true}}) {{ ticket {MADE} }}
  assignTicket(input: {{id: $ticket, assigneeId: $user}}) {{ ticket {MADE} }}
  escalateTicket(input: {{ticketId: $ticket, vehicle: $vehicle, summary: $summary}}) {{
    escalation {MADE} }}
}}"""

SETTINGS = f"""mutation Settings($notice: String!, $provider: String!) {{
  setCollectionsPolicy(input: {{reminderDaysPastDue: [7], suspendAfterDaysPastDue: null,
      reactivateOnPayment: true, customerNotice: $notice}}) {{ policy {MADE} }}
  setSupportOffering(input: {{sourcing: OUTSOURCED, providerName: $provider,
      hours: {{timeZone: "UTC", days: [{{day: MONDAY, opens: "09:00", closes: "17:00"}}]}},
      contactMethods: [{{kind: EMAIL, value: "help@example.com"}}], pricing: {{model: INCLUDED}},
      baseline: {{categories: [BILLING], productFamilies: [AZURE]}}, entitlements: {{}}}}) {{
    supportOffering {MADE} }}
}}"""


async def _made(api: Api, token: str, mutation: str, variables: dict[str, Any]) -> dict[str, str]:
    """Run mutations that must succeed; the ids of what they made, by type."""
    made = {}
    for name, payload in (await api.data(mutation, variables, token=token)).items():
        assert payload.pop("userErrors") == [], (name, payload)
        for value in payload.values():
            for one in value if isinstance(value, list) else [value] if value else []:
                made[one["__typename"]] = one["id"]
    return made


async def own_objects(
    api: Api, world: World, partner: str
) -> tuple[dict[str, str], dict[str, str]]:
    """The ids of the partner's new objects, and a value only each of them holds, by type."""
    secrets = {name: f"{name}-of-{partner}-secret" for name in NODE_TYPES}
    secrets["Partner"] = world.partners[partner].name
    customer = await world.add_customer(partner, secrets["Customer"])  # in PT: billed in EUR
    ids = {"Partner": world.partner_id(partner), "Customer": to_global_id("Customer", customer.id)}
    user = world.token(partner, Role.HELPDESK_AGENT, sub=secrets["User"], name=secrets["User"])
    ids["User"] = (await api.data("{ viewer { userId } }", token=user))["viewer"]["userId"]
    token = world.admin(partner)
    ids |= await _made(api, token, OWN, {
        "customer": ids["Customer"], "offer": secrets["Subscription"],
        "line": secrets["Invoice"], "title": secrets["Ticket"],
        "url": f"http://127.0.0.1:9/{secrets['WebhookEndpoint']}",
        "document": f"{{ viewer {{ roles }} }} # {secrets['PersistedOperation']}",
    })  # fmt: skip
    reseller = world.partners[partner].provider_id is not None
    ids |= await _made(api, token, FOLLOW_UP, {
        "invoice": ids["Invoice"], "ticket": ids["Ticket"], "user": ids["User"],
        "reference": secrets["Payment"], "reason": secrets["BillingDispute"],
        "comment": secrets["TicketEvent"], "summary": secrets["Escalation"],
        "vehicle": "INDIRECT_PROVIDER" if reseller else "COMMERCIAL_SUPPORT",
    })  # fmt: skip
    ids |= await _made(api, token, SETTINGS, {
        "notice": secrets["CollectionsPolicy"], "provider": secrets["SupportOffering"],
    })  # fmt: skip
    await fan_out(DeliveryPolicy())  # the endpoint's deliveries: of the events it may see
    endpoint = from_global_id(ids["WebhookEndpoint"])[1]
    delivery = await models.WebhookDelivery.filter(endpoint_id=endpoint).first()
    ids["WebhookDelivery"] = secrets["WebhookDelivery"] = to_global_id(
        "WebhookDelivery", delivery.id
    )
    assert set(ids) == set(NODE_TYPES), "make one of the new type here"
    return ids, secrets
