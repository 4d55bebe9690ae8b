"""`syncResellerData`: a distributor's bulk upsert of its resellers' customers and
subscriptions, with a result per item."""

from __future__ import annotations

from typing import Any

import strawberry

from auth.permissions import Capability
from resolvers import reseller_sync
from resolvers.customers import Contact
from resolvers.errors import InvalidInput
from resolvers.reseller_sync import SyncedCustomer, SyncedSubscription
from schema.customers import BillingContactInput
from schema.errors import UserError, attempted, user_errors
from schema.guards import field, mutation
from schema.money import MoneyInput
from schema.nodes import decode_id, to_global_id
from schema.subscriptions import BillingCycle, ProductFamily, money_pair

WRITE = Capability.RESELLERS_WRITE

SyncStatus = strawberry.enum(
    reseller_sync.SyncStatus,
    name="SyncStatus",
    description="What a sync did with an item; FAILED items change nothing.",
)


@strawberry.input(description="A reseller's customer, as the distributor's system has it.")
class SyncCustomerInput:
    external_id: str = strawberry.field(description="Its id in your system: the key of the upsert.")
    company_name: str
    domain: str
    country: str
    language: str
    billing_contact: BillingContactInput | None = None


@strawberry.input(description="A reseller's subscription, as the distributor's system has it.")
class SyncSubscriptionInput:
    external_id: str = strawberry.field(description="Its id in your system: the key of the upsert.")
    customer_external_id: str = strawberry.field(description="Its customer's `externalId`.")
    offer_id: str
    offer_name: str
    product_family: ProductFamily  # type: ignore[valid-type]
    quantity: int
    unit_price: MoneyInput
    billing_cycle: BillingCycle  # type: ignore[valid-type]
    term_duration: str = strawberry.field(description="ISO 8601, such as P1Y.")
    unit_cost: MoneyInput | None = None
    auto_renew: bool = True


@strawberry.input(description=f"Up to {reseller_sync.MAX_ITEMS} items in all.")
class SyncResellerDataInput:
    reseller_id: strawberry.ID
    customers: list[SyncCustomerInput] = strawberry.field(default_factory=list)
    subscriptions: list[SyncSubscriptionInput] = strawberry.field(default_factory=list)


@strawberry.type(description="What became of one item of a sync.")
class SyncResult:
    external_id: str = field(WRITE, description="The item's `externalId`.")
    entity_type: str = field(WRITE, description="Customer or Subscription.")
    status: SyncStatus = field(WRITE, description="Created, updated, unchanged or failed.")  # type: ignore[valid-type]
    id: strawberry.ID | None = field(WRITE, description="The object's global id, unless it failed.")
    errors: list[UserError] = field(WRITE, description="Why it failed; empty otherwise.")


@strawberry.type(description="The result of syncResellerData.")
class SyncResellerDataPayload:
    results: list[SyncResult] | None = field(
        WRITE, description="One per item, customers first, in the order sent."
    )
    user_errors: list[UserError] = field(Capability.VIEWER, description="Why nothing was done.")


def _contact(value: BillingContactInput | None) -> Contact | None:
    return None if value is None else Contact(name=value.name, email=value.email, phone=value.phone)


@strawberry.type
class ResellerSyncMutation:
    @mutation(
        WRITE,
        description="Upsert an indirect reseller's customers and subscriptions by `externalId`: "
        "a result per item; invalid items never stop the valid ones, which commit together; "
        "sending the same items again changes nothing.",
    )
    async def sync_reseller_data(
        self, info: strawberry.Info, input: SyncResellerDataInput
    ) -> SyncResellerDataPayload | None:
        language = info.context.language

        def work() -> Any:
            return reseller_sync.sync_reseller_data(
                info.context.actor,
                reseller_id=decode_id(input.reseller_id, "Partner", ["resellerId"]),
                customer_items=[
                    SyncedCustomer(
                        external_id=item.external_id,
                        company_name=item.company_name,
                        domain=item.domain,
                        country=item.country,
                        language=item.language,
                        billing_contact=_contact(item.billing_contact),
                    )
                    for item in input.customers
                ],
                subscription_items=[
                    SyncedSubscription(
                        external_id=item.external_id,
                        customer_external_id=item.customer_external_id,
                        offer_id=item.offer_id,
                        offer_name=item.offer_name,
                        product_family=item.product_family,
                        quantity=item.quantity,
                        unit_price=money_pair(item.unit_price),  # type: ignore[arg-type]
                        billing_cycle=item.billing_cycle,
                        term_duration=item.term_duration,
                        unit_cost=money_pair(item.unit_cost),
                        auto_renew=item.auto_renew,
                    )
                    for item in input.subscriptions
                ],
            )

        results, errors = await attempted(info, work)
        if results is None:
            return SyncResellerDataPayload(results=None, user_errors=errors)
        return SyncResellerDataPayload(
            results=[
                SyncResult(
                    external_id=result.external_id,
                    entity_type=result.entity_type,
                    status=result.status,
                    id=to_global_id(result.entity_type, result.entity_id)
                    if result.entity_id is not None
                    else None,
                    errors=user_errors(InvalidInput(result.errors), language),
                )
                for result in results
            ],
            user_errors=[],
        )
