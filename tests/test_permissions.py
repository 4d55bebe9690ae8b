"""Roles on every field: the capability table against the contract, and its enforcement."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from graphql import GraphQLNonNull

from auth.permissions import GRANTS, PUBLIC_CAPABILITIES, Capability, capabilities_of
from auth.viewer import Role
from resolvers import models
from resolvers.audit import Actor
from resolvers.collections import PolicyOrder, set_policy
from resolvers.escalations import escalate_ticket
from resolvers.invoices import open_dispute
from resolvers.subscriptions import suspend_subscription
from resolvers.support import ContactKind, OfferingOrder, set_offering
from resolvers.tickets import NewTicket, open_ticket, resolve_ticket, triage_ticket
from resolvers.users import authenticate
from resolvers.webhook_targets import TargetPolicy
from resolvers.webhooks import create_endpoint
from schema.guards import GuardedExecutor, capability_of, is_governed
from schema.nodes import to_global_id
from schema.schema import schema, schema_fields
from tests.conftest import Api, World

# CONTRACT §4, copied row by row: GA AcA UMA BA AA SA HA; the rows it doesn't have yet are
# the CHANGELOG's additions (webhooks, persisted operations).
CONTRACT_TABLE = """
partner:read            ✔ ✔ ✔ ✔ ✔ ✔ ✔
customers:read          ✔ . ✔ ✔ ✔ ✔ ✔
customers:write         ✔ . . . ✔ ✔ ✔
customers:create        ✔ . . . ✔ ✔ .
billing:read            ✔ . ✔ ✔ ✔ ✔ ✔
billing:write           ✔ . . ✔ ✔ . .
pricing:read            ✔ . . ✔ ✔ ✔ .
subscriptions:read      ✔ . ✔ ✔ ✔ ✔ ✔
subscriptions:write     ✔ . . . ✔ ✔ ✔
subscriptions:suspend   ✔ . ✔ ✔ ✔ . .
tickets:read            ✔ . . ✔ ✔ ✔ ✔
tickets:write           ✔ . . ✔ ✔ . ✔
escalations:write       ✔ . . . ✔ ✔ ✔
disputes:write          ✔ . . ✔ ✔ . ✔
support_offering:read   ✔ ✔ ✔ ✔ ✔ ✔ ✔
support_offering:write  ✔ ✔ . . . . .
resellers:read          ✔ . . . ✔ ✔ .
resellers:write         ✔ . . . ✔ ✔ .
users:read              ✔ ✔ ✔ . . . .
users:write             ✔ . ✔ . . . .
audit:read              ✔ . . . ✔ . .
webhooks:write          ✔ . . ✔ ✔ ✔ ✔
operations:write        ✔ . . . . . .
"""
COLUMNS = [
    Role.GLOBAL_ADMIN,
    Role.ACCOUNT_ADMIN,
    Role.USER_MANAGEMENT_ADMIN,
    Role.BILLING_ADMIN,
    Role.ADMIN_AGENT,
    Role.SALES_AGENT,
    Role.HELPDESK_AGENT,
]
CONTRACT: dict[str, frozenset[Role]] = {}
for line in CONTRACT_TABLE.strip().splitlines():
    name, *marks = line.split()
    CONTRACT[name] = frozenset(
        role for role, mark in zip(COLUMNS, marks, strict=True) if mark == "✔"
    )

ROLES: list[Role | None] = [*Role, None]  # None: a token without any known role


def granted(capability: Capability, role: Role | None) -> bool:
    if capability in PUBLIC_CAPABILITIES:
        return True
    return role is not None and role in CONTRACT[str(capability)]


def test_the_table_has_exactly_the_contracts_rows() -> None:
    assert {str(capability) for capability in GRANTS} == set(CONTRACT)


@pytest.mark.parametrize("role", list(Role), ids=str)
@pytest.mark.parametrize("capability", list(GRANTS), ids=str)
def test_each_role_holds_exactly_the_capabilities_of_the_contract(
    capability: Capability, role: Role
) -> None:
    assert (capability in capabilities_of({role})) == (role in CONTRACT[str(capability)])


def test_a_token_without_known_roles_may_only_read_the_viewer() -> None:
    assert capabilities_of(set()) == PUBLIC_CAPABILITIES


def test_every_field_and_mutation_of_the_schema_names_its_capability() -> None:
    ungoverned = [
        f"{type_name}.{name}"
        for type_name, name, field in schema_fields()
        if not is_governed(field)
    ]
    assert ungoverned == []


def test_a_field_that_can_be_denied_is_nullable_so_the_rest_of_the_answer_is_served() -> None:
    """A non-null field whose capability some role lacks while holding another field's of the
    same type would null the whole object when denied: such a field must be nullable. So are
    the fields of the root types."""
    offenders = []
    by_type: dict[str, set[Capability | None]] = {}
    fields = list(schema_fields())
    for type_name, _, field in fields:
        by_type.setdefault(type_name, set()).add(capability_of(field))

    def holders(capability: Capability | None) -> frozenset[Role]:
        return GRANTS.get(capability, frozenset()) if capability else frozenset()  # type: ignore[call-overload]

    for type_name, name, field in fields:
        capability = capability_of(field)
        # a role that may read another field of the type but not this one?
        others = by_type[type_name] - PUBLIC_CAPABILITIES
        deniable = any(holders(other) - holders(capability) for other in others)
        if (
            (deniable or type_name in {"Query", "Mutation"})
            and capability not in PUBLIC_CAPABILITIES
            and isinstance(field.type, GraphQLNonNull)
        ):
            offenders.append(f"{type_name}.{name}")
    assert offenders == []


# One minimal use of every root field, and the capability the contract puts on it.
ROOT_FIELDS: dict[str, tuple[Capability, str]] = {
    "viewer": (Capability.VIEWER, "viewer { roles }"),
    "partner": (Capability.PARTNER_READ, "partner { name }"),
    "node": (Capability.VIEWER, "node(id: $partner) { id }"),
    "nodes": (Capability.VIEWER, "nodes(ids: [$partner]) { id }"),
    "customers": (Capability.CUSTOMERS_READ, "customers(first: 1) { totalCount }"),
    "customer": (Capability.CUSTOMERS_READ, "customer(id: $customer) { id }"),
    "subscriptions": (Capability.SUBSCRIPTIONS_READ, "subscriptions(first: 1) { totalCount }"),
    "subscription": (Capability.SUBSCRIPTIONS_READ, "subscription(id: $subscription) { id }"),
    "resellers": (Capability.RESELLERS_READ, "resellers(first: 1) { totalCount }"),
    "users": (Capability.USERS_READ, "users(first: 1) { totalCount }"),
    "auditEvents": (Capability.AUDIT_READ, "auditEvents(first: 1) { totalCount }"),
    "invoices": (Capability.BILLING_READ, "invoices(first: 1) { totalCount }"),
    "invoice": (Capability.BILLING_READ, "invoice(id: $invoice) { id }"),
    "collectionsPolicy": (Capability.BILLING_READ, "collectionsPolicy { version }"),
    "disputes": (Capability.BILLING_READ, "disputes(first: 1) { totalCount }"),
    "agingReport": (Capability.BILLING_READ, "agingReport { totals { amount } }"),
    "microsoftBill": (Capability.PRICING_READ, "microsoftBill { cost { amount } }"),
    "supportOffering": (Capability.SUPPORT_OFFERING_READ, "supportOffering { version }"),
    "supportStatement": (
        Capability.SUPPORT_OFFERING_READ,
        "supportStatement(customerId: $customer) { text }",
    ),
    "tickets": (Capability.TICKETS_READ, "tickets(first: 1) { totalCount }"),
    "ticket": (Capability.TICKETS_READ, "ticket(id: $ticket) { id }"),
    "escalations": (Capability.TICKETS_READ, "escalations(first: 1) { totalCount }"),
    "escalation": (Capability.TICKETS_READ, "escalation(id: $escalation) { id }"),
    "changes": (Capability.PARTNER_READ, "changes(first: 1) { nodes { entityType } }"),
    "webhookEndpoints": (Capability.WEBHOOKS_WRITE, "webhookEndpoints(first: 1) { totalCount }"),
    "webhookEndpoint": (Capability.WEBHOOKS_WRITE, "webhookEndpoint(id: $endpoint) { id }"),
    "webhookDeliveries": (
        Capability.WEBHOOKS_WRITE,
        "webhookDeliveries(endpointId: $endpoint, first: 1) { totalCount }",
    ),
    "webhookEventNames": (Capability.PARTNER_READ, "webhookEventNames"),
    "persistedOperations": (
        Capability.OPERATIONS_WRITE,
        "persistedOperations(first: 1) { totalCount }",
    ),
}
LOOKED_UP = {"node": Capability.PARTNER_READ, "nodes": Capability.PARTNER_READ}
# served to every holder of its capability, but about an object that only this one reads
# (to the others it is NOT_FOUND, as another tenant's)
ABOUT = {"supportStatement": Capability.CUSTOMERS_READ}
MUTATIONS: dict[str, tuple[Capability, str]] = {
    "createCustomer": (
        Capability.CUSTOMERS_CREATE,
        'createCustomer(input: {companyName: "Omega", domain: "omega.com", country: "PT", '
        'language: "pt-PT"}) { customer { id } userErrors { code } }',
    ),
    "updateCustomer": (
        Capability.CUSTOMERS_WRITE,
        'updateCustomer(input: {id: $customer, expectedVersion: 1, companyName: "Renamed"}) '
        "{ customer { id } userErrors { code } }",
    ),
    "registerReseller": (
        Capability.RESELLERS_WRITE,
        'registerReseller(input: {tenantId: "0b7b1a52-8f3e-4c1e-9a57-1d2f3e4a5b6c", '
        'name: "New VAR", mpnId: "123456"}) { reseller { id } userErrors { code } }',
    ),
    "createSubscription": (
        Capability.SUBSCRIPTIONS_WRITE,
        'createSubscription(input: {customerId: $customer, offerId: "CFQ7TTC0LF8Q:0001", '
        'offerName: "Exchange Online (Plan 1)", productFamily: MICROSOFT_365, quantity: 5, '
        'unitPrice: {amount: "4.00", currency: "EUR"}, billingCycle: MONTHLY, '
        'termDuration: "P1M"}) { subscription { id } userErrors { code } }',
    ),
    "changeSubscriptionQuantity": (
        Capability.SUBSCRIPTIONS_WRITE,
        "changeSubscriptionQuantity(input: {id: $subscription, quantity: 12}) "
        "{ subscription { id } userErrors { code } }",
    ),
    "setSubscriptionAutoRenew": (
        Capability.SUBSCRIPTIONS_WRITE,
        "setSubscriptionAutoRenew(input: {id: $subscription, autoRenew: false}) "
        "{ subscription { id } userErrors { code } }",
    ),
    "suspendSubscription": (
        Capability.SUBSCRIPTIONS_SUSPEND,
        "suspendSubscription(input: {id: $subscription, reason: NON_PAYMENT}) "
        "{ subscription { id } userErrors { code } }",
    ),
    "reactivateSubscription": (
        Capability.SUBSCRIPTIONS_SUSPEND,
        "reactivateSubscription(input: {id: $subscription}) "
        "{ subscription { id } userErrors { code } }",
    ),
    "cancelSubscription": (
        Capability.SUBSCRIPTIONS_WRITE,
        "cancelSubscription(input: {id: $subscription}) { subscription { id } userErrors { code } }",
    ),
    "setBillingTerms": (
        Capability.BILLING_WRITE,
        "setBillingTerms(input: {customerId: $customer, paymentTermsDays: 14}) "
        "{ billing { paymentTermsDays } userErrors { code } }",
    ),
    "issueInvoice": (
        Capability.BILLING_WRITE,
        'issueInvoice(input: {customerId: $customer, currency: "EUR", dueDate: "2099-01-31", '
        'lines: [{description: "Seats", quantity: "2", unitPrice: "9.99"}]}) '
        "{ invoice { id } userErrors { code } }",
    ),
    "voidInvoice": (
        Capability.BILLING_WRITE,
        "voidInvoice(input: {id: $invoice}) { invoice { id } userErrors { code } }",
    ),
    "recordPayment": (
        Capability.BILLING_WRITE,
        'recordPayment(input: {invoiceId: $invoice, amount: {amount: "10.00", currency: "EUR"}, '
        'reference: "SEPA-1"}) { payment { id } userErrors { code } }',
    ),
    "openBillingDispute": (
        Capability.DISPUTES_WRITE,
        'openBillingDispute(input: {invoiceId: $invoice, reason: "Seats not used"}) '
        "{ dispute { id } userErrors { code } }",
    ),
    "resolveBillingDispute": (
        Capability.DISPUTES_WRITE,
        'resolveBillingDispute(input: {id: $dispute, outcome: REJECTED, resolution: "Used"}) '
        "{ dispute { id } userErrors { code } }",
    ),
    "setCollectionsPolicy": (
        Capability.BILLING_WRITE,
        "setCollectionsPolicy(input: {reminderDaysPastDue: [7], suspendAfterDaysPastDue: 30, "
        "reactivateOnPayment: true}) { policy { version } userErrors { code } }",
    ),
    "runCollections": (
        Capability.BILLING_WRITE,
        "runCollections(input: {dryRun: false}) { applied userErrors { code } }",
    ),
    "syncResellerData": (
        Capability.RESELLERS_WRITE,
        'syncResellerData(input: {resellerId: $reseller, customers: [{externalId: "D-1", '
        'companyName: "Dist Lda", domain: "dist.onmicrosoft.com", country: "PT", '
        'language: "pt-PT"}]}) { results { status } userErrors { code } }',
    ),
    "setSupportOffering": (
        Capability.SUPPORT_OFFERING_WRITE,
        'setSupportOffering(input: {sourcing: DIRECT, hours: {timeZone: "Europe/Lisbon", '
        'days: [{day: MONDAY, opens: "09:00", closes: "17:00"}]}, contactMethods: [{kind: EMAIL, '
        'value: "help@contoso.example"}], pricing: {model: INCLUDED}, baseline: {categories: '
        "[BILLING], productFamilies: [AZURE]}}) { supportOffering { version } userErrors { code } }",
    ),
    "openTicket": (
        Capability.TICKETS_WRITE,
        'openTicket(input: {customerId: $customer, category: BILLING, severity: B, title: "Invoice", '
        'description: "Charged twice"}) { ticket { id } userErrors { code } }',
    ),
    "triageTicket": (
        Capability.TICKETS_WRITE,
        'triageTicket(input: {id: $ticket, diagnosis: "Duplicate line", withinBaseline: true}) '
        "{ ticket { id } userErrors { code } }",
    ),
    "assignTicket": (
        Capability.TICKETS_WRITE,
        "assignTicket(input: {id: $ticket, assigneeId: null}) { ticket { id } userErrors { code } }",
    ),
    "commentOnTicket": (
        Capability.TICKETS_WRITE,
        'commentOnTicket(input: {id: $ticket, body: "Looking into it", visibility: CUSTOMER}) '
        "{ ticket { id } userErrors { code } }",
    ),
    "resolveTicket": (
        Capability.TICKETS_WRITE,
        'resolveTicket(input: {id: $triaged, resolution: "Credited"}) '
        "{ ticket { id } userErrors { code } }",
    ),
    "notifyCustomer": (
        Capability.TICKETS_WRITE,
        'notifyCustomer(input: {ticketId: $ticket, message: "We are on it"}) '
        "{ ticket { id } userErrors { code } }",
    ),
    "closeTicket": (
        Capability.TICKETS_WRITE,
        "closeTicket(input: {id: $resolved}) { ticket { id } userErrors { code } }",
    ),
    "escalateTicket": (
        Capability.ESCALATIONS_WRITE,
        'escalateTicket(input: {ticketId: $triaged, vehicle: COMMERCIAL_SUPPORT, summary: "Refund"}) '
        "{ escalation { id } userErrors { code } }",
    ),
    "updateEscalation": (
        Capability.ESCALATIONS_WRITE,
        'updateEscalation(input: {id: $escalation, status: WAITING_ON_PARTNER, externalCaseId: "2612010040001"}) '
        "{ escalation { id } userErrors { code } }",
    ),
    "deactivateUser": (
        Capability.USERS_WRITE,
        "deactivateUser(input: {id: $user}) { user { id } userErrors { code } }",
    ),
    "reactivateUser": (
        Capability.USERS_WRITE,
        "reactivateUser(input: {id: $user}) { user { id } userErrors { code } }",
    ),
    "createWebhookEndpoint": (
        Capability.WEBHOOKS_WRITE,
        'createWebhookEndpoint(input: {url: "https://93.184.215.14/in", events: []}) '
        "{ webhookEndpoint { id } userErrors { code } }",
    ),
    "updateWebhookEndpoint": (
        Capability.WEBHOOKS_WRITE,
        "updateWebhookEndpoint(input: {id: $endpoint, enabled: false}) "
        "{ webhookEndpoint { id } userErrors { code } }",
    ),
    "rotateWebhookEndpointSecret": (
        Capability.WEBHOOKS_WRITE,
        "rotateWebhookEndpointSecret(input: {id: $endpoint}) "
        "{ webhookEndpoint { id } userErrors { code } }",
    ),
    "deleteWebhookEndpoint": (
        Capability.WEBHOOKS_WRITE,
        "deleteWebhookEndpoint(input: {id: $endpoint}) "
        "{ deletedWebhookEndpointId userErrors { code } }",
    ),
    "registerPersistedOperations": (
        Capability.OPERATIONS_WRITE,
        'registerPersistedOperations(input: {documents: ["{ viewer { roles } }"]}) '
        "{ operations { id } userErrors { code } }",
    ),
    "setUserSafelistOnly": (
        Capability.USERS_WRITE,
        'setUserSafelistOnly(input: {subject: "erp", safelistOnly: true}) '
        "{ user { id } userErrors { code } }",
    ),
    "redeliverWebhook": (
        Capability.WEBHOOKS_WRITE,
        "redeliverWebhook(input: {deliveryId: $delivery}) "
        "{ webhookDelivery { id } userErrors { code } }",
    ),
}


def test_every_root_field_and_mutation_is_in_the_enforcement_matrix() -> None:
    graphql_schema = schema._schema
    assert set(graphql_schema.query_type.fields) == set(ROOT_FIELDS)
    assert set(graphql_schema.mutation_type.fields) == set(MUTATIONS)


def test_the_matrix_names_the_capability_each_field_declares() -> None:
    graphql_schema = schema._schema
    for name, (capability, _) in ROOT_FIELDS.items():
        assert capability_of(graphql_schema.query_type.fields[name]) == capability, name
    for name, (capability, _) in MUTATIONS.items():
        assert capability_of(graphql_schema.mutation_type.fields[name]) == capability, name


async def _variables(world: World, used: str, *, suspended: bool = False) -> dict[str, Any]:
    values = {
        "partner": world.partner_id("direct"),
        "customer": world.customer_id("direct"),
        "reseller": world.partner_id("reseller"),
    }
    if "$subscription" in used:
        subscription = await world.add_subscription("direct")
        if suspended:
            await suspend_subscription(
                await world.actor("direct"),
                subscription_id=subscription.id,
                reason=models.SuspensionReason.PARTNER_REQUEST,
            )
        values["subscription"] = to_global_id("Subscription", subscription.id)
    if "$invoice" in used or "$dispute" in used:
        invoice = await world.add_invoice("direct")
        values["invoice"] = to_global_id("Invoice", invoice.id)
        if "$dispute" in used:
            dispute = await open_dispute(
                await world.actor("direct"), invoice_id=invoice.id, reason="Not ordered"
            )
            values["dispute"] = to_global_id("BillingDispute", dispute.id)
    if "runCollections" in used or "collectionsPolicy" in used:
        order = PolicyOrder(
            reminder_days_past_due=[1], suspend_after_days_past_due=None, reactivate_on_payment=True
        )
        await set_policy(await world.actor("direct"), order)
    if "runCollections" in used:  # one reminder due
        invoice = await world.add_invoice("direct")
        await models.Invoice.filter(id=invoice.id).update(due_date=date(2020, 1, 1))
    values.update(await _support_variables(world, used))
    values.update(await _webhook_variables(world, used))
    return {name: value for name, value in values.items() if f"${name}" in used}


async def _support_variables(world: World, used: str) -> dict[str, Any]:
    """A billing ticket (any role that works on tickets may), triaged, resolved or escalated
    as the selection needs; the partner's support offering."""
    actor = await world.actor("direct")
    values = {}
    if "supportOffering {" in used:
        await set_offering(actor, OFFERING_ORDER)
    for name in ("ticket", "triaged", "resolved", "escalation"):
        if f"${name}" not in used:
            continue
        ticket = await open_ticket(
            actor,
            NewTicket(
                customer_id=world.customers["direct"][0].id,
                category=models.TicketCategory.BILLING,
                severity=models.Severity.B,
                title="Invoice",
                description="Charged twice",
            ),
        )
        values[name] = to_global_id("Ticket", ticket.id)
        if name == "ticket":
            continue
        await triage_ticket(actor, ticket_id=ticket.id, diagnosis="Duplicate", within_baseline=True)
        if name == "resolved":
            await resolve_ticket(actor, ticket_id=ticket.id, resolution="Credited")
        if name == "escalation":
            escalation = await escalate_ticket(
                actor,
                ticket_id=ticket.id,
                vehicle=models.Vehicle.COMMERCIAL_SUPPORT,
                summary="Refund",
            )
            values[name] = to_global_id("Escalation", escalation.id)
    return values


async def _webhook_variables(world: World, used: str) -> dict[str, Any]:
    """An endpoint of the partner's, with a delivery of its latest change. A billing admin
    registers it: every role with `webhooks:write` reads what it carries, so sees it."""
    if "$endpoint" not in used and "$delivery" not in used:
        return {}
    viewer = await authenticate(
        sub="seed-billing-admin",
        tenant_id=world.partners["direct"].tenant_id,
        roles=(Role.BILLING_ADMIN.value,),
        name=None,
        email=None,
    )
    endpoint = await create_endpoint(
        Actor(viewer=viewer, request_id="seed-webhooks"),
        url="http://127.0.0.1:9/in",
        events=[],
        targets=TargetPolicy(allow_private=True),
    )
    change = await models.ChangeEvent.filter(partner_id=endpoint.partner_id).order_by("-id").first()
    moment = datetime.now(UTC)
    delivery = await models.WebhookDelivery.create(
        endpoint_id=endpoint.id,
        partner_id=endpoint.partner_id,
        change_event_id=change.id,
        event="customer-created",
        next_attempt_at=moment,
        expires_at=moment,
        status=models.DeliveryStatus.FAILED,
    )
    return {
        "endpoint": to_global_id("WebhookEndpoint", endpoint.id),
        "delivery": to_global_id("WebhookDelivery", delivery.id),
    }


OFFERING_ORDER = OfferingOrder(
    sourcing=models.Sourcing.DIRECT,
    time_zone="Europe/Lisbon",
    days=[{"day": "MONDAY", "opens": "09:00", "closes": "17:00"}],
    contact_methods=[(ContactKind.EMAIL, "help@contoso.example")],
    pricing_model=models.PricingModel.INCLUDED,
    categories=[models.TicketCategory.BILLING],
    product_families=[models.ProductFamily.AZURE],
)


def _document(operation: str, selection: str, world_variables: dict[str, Any]) -> str:
    declared = ", ".join(f"${name}: ID!" for name in world_variables)
    head = f"{operation}({declared})" if declared else operation
    if operation == "query":
        return f"{head} {{ {selection} viewer {{ roles }} }}"
    return f"{head} {{ {selection} }}"


def _forbidden_at(body: dict[str, Any], path: list[Any]) -> bool:
    return any(
        error.get("path") == path and error["extensions"]["code"] == "FORBIDDEN"
        for error in body.get("errors", [])
    )


@pytest.mark.parametrize("role", ROLES, ids=lambda role: str(role or "no_role"))
@pytest.mark.parametrize("field", list(ROOT_FIELDS))
async def test_a_root_field_is_served_exactly_to_the_roles_the_contract_names(
    api: Api, world: World, field: str, role: Role | None
) -> None:
    capability, selection = ROOT_FIELDS[field]
    # node(s) by a partner's id also need the capability of the type found
    capability = LOOKED_UP.get(field, capability)
    path = [field, 0] if field == "nodes" else [field]
    variables = await _variables(world, selection)
    token = world.token("direct", *([role] if role else []))
    body = await api.gql(_document("query", selection, variables), variables, token=token)
    assert body["data"]["viewer"] == {"roles": [str(role)] if role else []}
    if granted(capability, role):
        assert not _forbidden_at(body, path), body
        if field in ABOUT and not granted(ABOUT[field], role):
            assert body["data"][field] is None
            assert [error["extensions"]["code"] for error in body["errors"]] == ["NOT_FOUND"]
        else:
            assert body["data"][field] not in (None, [None]), body
    else:
        assert body["data"][field] in (None, [None])
        assert _forbidden_at(body, path), body


@pytest.mark.parametrize("role", ROLES, ids=lambda role: str(role or "no_role"))
@pytest.mark.parametrize("field", list(MUTATIONS))
async def test_a_mutation_runs_exactly_for_the_roles_the_contract_names(
    api: Api, world: World, field: str, role: Role | None
) -> None:
    capability, selection = MUTATIONS[field]
    partner = "provider" if field in {"registerReseller", "syncResellerData"} else "direct"
    token = world.token(partner, *([role] if role else []))
    variables = await _variables(world, selection, suspended=field == "reactivateSubscription")
    if "$user" in selection:
        starts_active = field == "deactivateUser"
        target = await models.User.create(
            partner=world.partners[partner], sub="target-user", active=starts_active
        )
        variables["user"] = to_global_id("User", target.id)
    changes = models.AuditEvent.exclude(action="user.first_seen")
    before = await changes.count()
    body = await api.gql(_document("mutation", selection, variables), variables, token=token)
    written = await changes.count() - before
    # A payment or a dispute changes its invoice too; a reminder changes no object.
    # An escalation changes its ticket too.
    expected = {
        "recordPayment": 2,
        "openBillingDispute": 2,
        "resolveBillingDispute": 2,
        "escalateTicket": 2,
        "updateEscalation": 2,
    }
    if granted(capability, role):
        assert not _forbidden_at(body, [field]), body
        assert body["data"][field]["userErrors"] == [], body
        assert written == expected.get(field, 1)
    else:
        assert body["data"][field] is None
        assert _forbidden_at(body, [field]), body
        assert written == 0


NODE_BY_TYPE = "query($id: ID!) { node(id: $id) { id ... on Customer { companyName } } }"


@pytest.mark.parametrize("role", ROLES, ids=lambda role: str(role or "no_role"))
async def test_node_applies_the_read_capability_of_the_type_it_finds(
    api: Api, world: World, role: Role | None
) -> None:
    token = world.token("direct", *([role] if role else []))
    body = await api.gql(NODE_BY_TYPE, {"id": world.customer_id("direct")}, token=token)
    if granted(Capability.CUSTOMERS_READ, role):
        assert body["data"]["node"]["companyName"] == "Alpha Lda"
    else:
        assert body["data"]["node"] is None
        assert _forbidden_at(body, ["node"])


CAPABILITIES = "{ viewer { capabilities } }"


@pytest.mark.parametrize("role", ROLES, ids=lambda role: str(role or "no_role"))
async def test_viewer_lists_the_capabilities_frontends_may_show(
    api: Api, world: World, role: Role | None
) -> None:
    token = world.token("direct", *([role] if role else []))
    data = await api.data(CAPABILITIES, token=token)
    expected = {name for name, roles in CONTRACT.items() if role in roles} | {"viewer"}
    assert set(data["viewer"]["capabilities"]) == expected


NESTED_DENIAL = "query($n: Int) { customers(first: $n) { nodes { companyName reseller { resellers(first: 1) { totalCount } } } } }"


async def test_denied_fields_cost_one_decision_whatever_the_number_of_rows(
    api: Api, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    for number in range(12):
        await world.add_customer("reseller", f"Extra {number}")
    decisions: list[str] = []
    decide = GuardedExecutor.denial

    def counting(self: GuardedExecutor, parent_type: Any, field_details_list: Any) -> Any:
        decisions.append(f"{parent_type.name}.{field_details_list[0].node.name.value}")
        return decide(self, parent_type, field_details_list)

    monkeypatch.setattr(GuardedExecutor, "denial", counting)
    token = world.token("provider", Role.HELPDESK_AGENT)  # customers:read, not resellers:read
    # The first request also compiles the operation's shapes, which later requests reuse.
    await api.gql(NESTED_DENIAL, {"n": 1}, token=token)
    counts = {}
    for size in (2, 14):
        decisions.clear()
        body = await api.gql(NESTED_DENIAL, {"n": size}, token=token)
        denied = [error for error in body["errors"] if error["extensions"]["code"] == "FORBIDDEN"]
        rows_with_reseller = [
            node for node in body["data"]["customers"]["nodes"] if node["reseller"]
        ]
        assert len(denied) == len(rows_with_reseller) > 0
        assert all(node["reseller"]["resellers"] is None for node in rows_with_reseller)
        counts[size] = len(decisions)
    assert counts[2] == counts[14]
