"""Who may do what: the capability table of the contract (§4), in one place.

Every GraphQL field and mutation names exactly one capability where it is declared; the
executor grants or denies it from this table, once per request. Changing who may do
something means changing `GRANTS`, nowhere else.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from functools import cache

from auth.viewer import Role


class Capability(StrEnum):
    VIEWER = "viewer"
    PARTNER_READ = "partner:read"
    CUSTOMERS_READ = "customers:read"
    CUSTOMERS_WRITE = "customers:write"
    CUSTOMERS_CREATE = "customers:create"
    BILLING_READ = "billing:read"
    BILLING_WRITE = "billing:write"
    PRICING_READ = "pricing:read"
    SUBSCRIPTIONS_READ = "subscriptions:read"
    SUBSCRIPTIONS_WRITE = "subscriptions:write"
    SUBSCRIPTIONS_SUSPEND = "subscriptions:suspend"
    TICKETS_READ = "tickets:read"
    TICKETS_WRITE = "tickets:write"
    ESCALATIONS_WRITE = "escalations:write"
    DISPUTES_WRITE = "disputes:write"
    SUPPORT_OFFERING_READ = "support_offering:read"
    SUPPORT_OFFERING_WRITE = "support_offering:write"
    RESELLERS_READ = "resellers:read"
    RESELLERS_WRITE = "resellers:write"
    USERS_READ = "users:read"
    USERS_WRITE = "users:write"
    AUDIT_READ = "audit:read"
    WEBHOOKS_WRITE = "webhooks:write"
    OPERATIONS_WRITE = "operations:write"


GA = Role.GLOBAL_ADMIN
ACA = Role.ACCOUNT_ADMIN
UMA = Role.USER_MANAGEMENT_ADMIN
BA = Role.BILLING_ADMIN
AA = Role.ADMIN_AGENT
SA = Role.SALES_AGENT
HA = Role.HELPDESK_AGENT

ALL_ROLES = frozenset(Role)

# The contract's table, row by row. `customers:write` covers editing; creating a customer is
# the same row without the helpdesk agent ("✔ (edit only)"), hence `customers:create`.
# `partner:read` (the `partner` root field, partners by id, the `changes` feed, whose objects
# each role reads by their own capability, and `webhookEventNames`) is every known role's: a
# token without one may read only `viewer`, its own organization included.
# A billing admin's ticket rights are limited to BILLING tickets by the ticket resolvers.
GRANTS: Mapping[Capability, frozenset[Role]] = {
    Capability.PARTNER_READ: ALL_ROLES,
    Capability.CUSTOMERS_READ: frozenset({GA, UMA, BA, AA, SA, HA}),
    Capability.CUSTOMERS_WRITE: frozenset({GA, AA, SA, HA}),
    Capability.CUSTOMERS_CREATE: frozenset({GA, AA, SA}),
    Capability.BILLING_READ: frozenset({GA, UMA, BA, AA, SA, HA}),
    Capability.BILLING_WRITE: frozenset({GA, BA, AA}),
    Capability.PRICING_READ: frozenset({GA, BA, AA, SA}),
    Capability.SUBSCRIPTIONS_READ: frozenset({GA, UMA, BA, AA, SA, HA}),
    Capability.SUBSCRIPTIONS_WRITE: frozenset({GA, AA, SA, HA}),
    Capability.SUBSCRIPTIONS_SUSPEND: frozenset({GA, UMA, BA, AA}),
    Capability.TICKETS_READ: frozenset({GA, BA, AA, SA, HA}),
    Capability.TICKETS_WRITE: frozenset({GA, BA, AA, HA}),
    Capability.ESCALATIONS_WRITE: frozenset({GA, AA, SA, HA}),
    Capability.DISPUTES_WRITE: frozenset({GA, BA, AA, HA}),
    Capability.SUPPORT_OFFERING_READ: ALL_ROLES,
    Capability.SUPPORT_OFFERING_WRITE: frozenset({GA, ACA}),
    Capability.RESELLERS_READ: frozenset({GA, AA, SA}),
    Capability.RESELLERS_WRITE: frozenset({GA, AA, SA}),
    Capability.USERS_READ: frozenset({GA, ACA, UMA}),
    Capability.USERS_WRITE: frozenset({GA, UMA}),
    Capability.AUDIT_READ: frozenset({GA, AA}),
    Capability.WEBHOOKS_WRITE: frozenset({GA, BA, AA, SA, HA}),
    # persisted operations: registered by whoever sets integrations up (not in the contract's
    # table, which predates them; the global admin, as for the directory's users)
    Capability.OPERATIONS_WRITE: frozenset({GA}),
}

# Some roles reach only part of the rows a capability covers: a billing admin sees and works
# only tickets of category BILLING (contract §4). A role not named here reaches every ticket.
TICKET_CATEGORIES: Mapping[Role, frozenset[str]] = {BA: frozenset({"BILLING"})}


def ticket_categories(
    roles: Iterable[Role], capability: Capability = Capability.TICKETS_READ
) -> frozenset[str] | None:
    """The ticket categories a set of roles reaches with one of the tickets capabilities
    (read, write, escalate): None for every category, an empty set for none. Only the roles
    holding that capability count: a billing admin who is also a sales agent reads every
    ticket, as the sales agent does, but works on billing tickets only."""
    reached: set[str] = set()
    for role in roles:
        if role not in GRANTS[capability]:
            continue
        limited = TICKET_CATEGORIES.get(role)
        if limited is None:
            return None
        reached |= limited
    return frozenset(reached)


# The change feed carries each kind of object to those who may read it (contract §6).
CHANGES_READ: Mapping[str, Capability] = {
    "Customer": Capability.CUSTOMERS_READ,
    "Subscription": Capability.SUBSCRIPTIONS_READ,
    "BillingAccount": Capability.BILLING_READ,
    "Invoice": Capability.BILLING_READ,
    "Payment": Capability.BILLING_READ,
    "BillingDispute": Capability.BILLING_READ,
    "CollectionsPolicy": Capability.BILLING_READ,
    "CollectionAction": Capability.BILLING_READ,
    "Ticket": Capability.TICKETS_READ,
    "Escalation": Capability.TICKETS_READ,
    "SupportOffering": Capability.SUPPORT_OFFERING_READ,
    "User": Capability.USERS_READ,
    "Partner": Capability.RESELLERS_READ,
    "WebhookEndpoint": Capability.WEBHOOKS_WRITE,
    "WebhookDelivery": Capability.WEBHOOKS_WRITE,
    "PersistedOperation": Capability.OPERATIONS_WRITE,
}
CATEGORIZED = frozenset({"Ticket", "Escalation"})  # limited by `ticket_categories`


# Granted to every authenticated caller, even one whose token carries no known role.
PUBLIC_CAPABILITIES = frozenset({Capability.VIEWER})


def capabilities_of(roles: Iterable[Role]) -> frozenset[Capability]:
    """Everything a set of roles grants (worked out once per set of roles)."""
    return _granted_to(frozenset(roles))


@cache  # a few sets of roles, asked for on every request
def _granted_to(roles: frozenset[Role]) -> frozenset[Capability]:
    granted = {capability for capability, holders in GRANTS.items() if holders & roles}
    return frozenset(granted | PUBLIC_CAPABILITIES)
