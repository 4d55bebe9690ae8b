"""Distributor bulk sync: an indirect provider (or a reseller itself) upserts a reseller's
customers and subscriptions by `externalId`, up to `MAX_ITEMS` per call.

Every item is checked and applied with the same rules as the single mutations, each in a
savepoint of one transaction: an invalid item is `FAILED` with its errors and leaves no trace,
the valid ones commit together. An item equal to what is stored is `UNCHANGED` and writes
nothing, so sending the same payload again changes nothing and emits no change events.
Customers are applied before subscriptions, which name their customer by its external id.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import partial
from typing import TypeVar

from tortoise.transactions import in_transaction

from auth.viewer import PartnerKind
from resolvers import customers, subscriptions
from resolvers.audit import Actor
from resolvers.customers import Contact
from resolvers.errors import BadInput, DomainError, InvalidInput, NotFound
from resolvers.models import (
    BillingCycle,
    Customer,
    Partner,
    ProductFamily,
    Subscription,
    SubscriptionStatus,
)
from resolvers.subscriptions import NewSubscription

MAX_ITEMS = 1_000


T = TypeVar("T")


class SyncStatus(StrEnum):
    CREATED = "CREATED"
    UPDATED = "UPDATED"
    UNCHANGED = "UNCHANGED"
    FAILED = "FAILED"


@dataclass(frozen=True)
class SyncedCustomer:
    external_id: str
    company_name: str
    domain: str
    country: str
    language: str
    billing_contact: Contact | None = None


@dataclass(frozen=True)
class SyncedSubscription:
    external_id: str
    customer_external_id: str
    offer_id: str
    offer_name: str
    product_family: ProductFamily
    quantity: int
    unit_price: tuple[str, str]
    billing_cycle: BillingCycle
    term_duration: str
    unit_cost: tuple[str, str] | None = None
    auto_renew: bool = True


@dataclass
class SyncResult:
    external_id: str
    entity_type: str
    status: SyncStatus
    entity_id: int | None = None
    errors: list[DomainError] = field(default_factory=list)


async def sync_reseller_data(
    actor: Actor,
    *,
    reseller_id: int,
    customer_items: Sequence[SyncedCustomer],
    subscription_items: Sequence[SyncedSubscription],
) -> list[SyncResult]:
    reseller = await _reseller(actor, reseller_id)
    if len(customer_items) + len(subscription_items) > MAX_ITEMS:
        raise BadInput("sync.too_many", field=["customers"], maximum=MAX_ITEMS)
    results: list[SyncResult] = []
    async with in_transaction():
        known = await _stored(reseller, customer_items, subscription_items)
        for kind, items, apply in (
            ("Customer", customer_items, _customer),
            ("Subscription", subscription_items, _subscription),
        ):
            seen: set[str] = set()
            for index, item in enumerate(items):
                at = [f"{kind[0].lower()}{kind[1:]}s", str(index)]
                key = item.external_id.strip()
                if not key or key in seen:  # the key of the upsert: present, and once
                    problem = "sync.duplicate" if key else "sync.external_id"
                    error = BadInput(problem, field=[*at, "externalId"])
                    results.append(
                        SyncResult(item.external_id, kind, SyncStatus.FAILED, errors=[error])
                    )
                    continue
                seen.add(key)
                work = partial(apply, actor, reseller, item, known)
                results.append(await _item(item.external_id, kind, at, work))
    return results


@dataclass
class Stored:
    """The reseller's rows the call names, by external id, read in two statements; what the
    call creates is added as it goes (a subscription may name a customer created before it)."""

    customers: dict[str, Customer]
    subscriptions: dict[str, Subscription]


async def _stored(
    reseller: Partner,
    customer_items: Sequence[SyncedCustomer],
    subscription_items: Sequence[SyncedSubscription],
) -> Stored:
    customer_ids = {item.external_id.strip() for item in customer_items}
    customer_ids |= {item.customer_external_id.strip() for item in subscription_items}
    subscription_ids = {item.external_id.strip() for item in subscription_items}
    found_customers = await Customer.filter(
        seller_id=reseller.id, external_id__in=sorted(customer_ids)
    )
    found_subscriptions = await Subscription.filter(
        seller_id=reseller.id, external_id__in=sorted(subscription_ids)
    )
    return Stored(
        customers={row.external_id: row for row in found_customers},
        subscriptions={row.external_id: row for row in found_subscriptions},
    )


async def _reseller(actor: Actor, reseller_id: int) -> Partner:
    """The reseller whose data is synced: the viewer's own reseller, or the viewer itself."""
    viewer = actor.viewer
    reseller = await Partner.get_or_none(id=reseller_id, kind=PartnerKind.INDIRECT_RESELLER)
    allowed = reseller is not None and (
        reseller.id == viewer.partner_id
        if viewer.is_reseller
        else reseller.provider_id == viewer.partner_id  # type: ignore[attr-defined]
    )
    if not allowed:
        raise NotFound("reseller.not_found", field=["resellerId"])
    return reseller  # type: ignore[return-value]


async def _item(
    external_id: str,
    entity_type: str,
    at: list[str],
    work: Callable[[], Awaitable[tuple[SyncStatus, int]]],
) -> SyncResult:
    """One item in a savepoint of its own: refused, it leaves nothing behind."""
    try:
        async with in_transaction():
            status, entity_id = await work()
    except DomainError as error:
        return SyncResult(external_id, entity_type, SyncStatus.FAILED, errors=_at(at, [error]))
    except InvalidInput as invalid:
        return SyncResult(
            external_id, entity_type, SyncStatus.FAILED, errors=_at(at, invalid.errors)
        )
    return SyncResult(external_id, entity_type, status, entity_id)


def _at(at: list[str], errors: Sequence[DomainError]) -> list[DomainError]:
    """The errors with their fields placed under the item's position in the input (a rule
    about the stored object, `id`, is about the item's `externalId`)."""
    for error in errors:
        field = ["externalId"] if error.field == ["id"] else (error.field or [])
        error.field = [*at, *field]
    return list(errors)


async def _created_or_found(
    create: Callable[[], Awaitable[T]], taken: str, find: Callable[[], Awaitable[T]]
) -> tuple[T, bool]:
    """The item's new object, or the one a call running at the same time created after this
    one read what was stored (its external id is `taken`): the object, and whether this call
    created it. The item is then upserted like any item found stored."""
    try:
        return await create(), True
    except BadInput as refused:
        if refused.key != taken:
            raise
    return await find(), False


async def _customer(
    actor: Actor, reseller: Partner, item: SyncedCustomer, stored: Stored
) -> tuple[SyncStatus, int]:
    key = item.external_id.strip()
    existing = stored.customers.get(key)
    profile = {
        "company_name": item.company_name,
        "domain": item.domain,
        "country": item.country,
        "language": item.language,
        "billing_contact": item.billing_contact,
    }
    if existing is None:
        existing, created = await _created_or_found(
            lambda: customers.create_customer(
                actor,
                **profile,
                external_id=item.external_id,
                reseller_id=None if actor.viewer.is_reseller else reseller.id,
            ),
            customers.EXTERNAL_ID_TAKEN,
            lambda: Customer.get(seller_id=reseller.id, external_id=key),
        )
        stored.customers[key] = existing
        if created:
            return SyncStatus.CREATED, existing.id
    if customers.unchanged(existing, profile):
        return SyncStatus.UNCHANGED, existing.id
    await customers.update_customer(
        actor, customer_id=existing.id, expected_version=existing.version, changes=profile
    )
    return SyncStatus.UPDATED, existing.id


# What a sync can't change of a subscription, by input name: a new offer or price is a new
# subscription in Partner Center's new commerce.
IMMUTABLE = {
    "customer_id": "customerExternalId",
    "offer_id": "offerId",
    "offer_name": "offerName",
    "product_family": "productFamily",
    "billing_cycle": "billingCycle",
    "term_duration": "termDuration",
    "currency": "unitPrice",
    "unit_price": "unitPrice",
    "unit_cost": "unitCost",
}


async def _subscription(
    actor: Actor, reseller: Partner, item: SyncedSubscription, stored: Stored
) -> tuple[SyncStatus, int]:
    customer = stored.customers.get(item.customer_external_id.strip())
    if customer is None:
        raise NotFound("sync.customer_unknown", field=["customerExternalId"])
    order = NewSubscription(
        customer_id=customer.id,
        offer_id=item.offer_id,
        offer_name=item.offer_name,
        product_family=item.product_family,
        quantity=item.quantity,
        unit_price=item.unit_price,
        billing_cycle=item.billing_cycle,
        term_duration=item.term_duration,
        unit_cost=item.unit_cost,
        auto_renew=item.auto_renew,
        external_id=item.external_id,
    )
    values = order.checked()
    key = values["external_id"]
    existing = stored.subscriptions.get(key)
    if existing is None:
        existing, created = await _created_or_found(
            lambda: subscriptions.create_subscription(actor, order),
            subscriptions.EXTERNAL_ID_TAKEN,
            lambda: Subscription.get(seller_id=reseller.id, external_id=key),
        )
        stored.subscriptions[key] = existing
        if created:
            return SyncStatus.CREATED, existing.id
    wanted = {**values, "customer_id": customer.id}
    changed = {IMMUTABLE[name] for name in IMMUTABLE if wanted[name] != getattr(existing, name)}
    if changed:
        raise InvalidInput([BadInput("sync.immutable", field=[name]) for name in sorted(changed)])
    status = SyncStatus.UNCHANGED
    if existing.quantity != values["quantity"]:  # refused unless active: the item fails
        await subscriptions.change_quantity(
            actor, subscription_id=existing.id, quantity=values["quantity"]
        )
        status = SyncStatus.UPDATED
    # a suspension turned auto-renewal off, and a cancellation or the term's end ended it:
    # what partnergraph decided stands
    if existing.status is SubscriptionStatus.ACTIVE and existing.auto_renew != item.auto_renew:
        await subscriptions.set_auto_renew(
            actor, subscription_id=existing.id, auto_renew=item.auto_renew
        )
        status = SyncStatus.UPDATED
    return status, existing.id
