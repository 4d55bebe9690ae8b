"""Subscriptions: what customers buy through the partner, and its new-commerce lifecycle."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

import strawberry

from auth.permissions import Capability
from resolvers import models, subscriptions
from resolvers.errors import NotFound
from resolvers.subscriptions import Filter, NewSubscription
from schema.errors import UserError, attempt
from schema.guards import field, mutation
from schema.money import Money, MoneyInput
from schema.nodes import Node, decode_id, node_type, to_global_id
from schema.objects import FromRow, Read, column, from_row
from schema.pagination import Connection, connection, page_request
from schema.relations import Relation, RowColumns, relation_field

if TYPE_CHECKING:  # the real type is resolved lazily: customers import this module
    from schema.customers import Customer

ProductFamily = strawberry.enum(
    models.ProductFamily, name="ProductFamily", description="Microsoft product families."
)
SubscriptionStatus = strawberry.enum(
    models.SubscriptionStatus,
    name="SubscriptionStatus",
    description="Partner Center's subscription statuses.",
)
SuspensionReason = strawberry.enum(
    models.SuspensionReason,
    name="SuspensionReason",
    description="Why a subscription is suspended.",
)
BillingCycle = strawberry.enum(
    models.BillingCycle, name="BillingCycle", description="How often the customer is billed."
)


def _customer(row: Any) -> Any:
    from schema.customers import Customer  # customers import this module

    return Customer.from_model(row)


CUSTOMER = Relation(loader="customers", key="customer_pk", convert=_customer)
PARENT = Relation(
    loader="subscriptions", key="parent_pk", convert=lambda row: Subscription.from_model(row)
)
QUANTITY_HISTORY = Relation(
    loader="quantity_histories",
    key="pk",
    convert=lambda rows: [
        QuantityChange(quantity=row.quantity, effective_from=row.effective_from) for row in rows
    ],
)


@strawberry.type(description="The quantity a subscription had from a moment on.")
class QuantityChange:
    quantity: int = field(Capability.SUBSCRIPTIONS_READ, description="Licences from then on.")
    effective_from: datetime = field(
        Capability.SUBSCRIPTIONS_READ, description="When this quantity took effect."
    )


@node_type("Subscription", Capability.SUBSCRIPTIONS_READ, loader="subscriptions")
@from_row
@strawberry.type(description="A subscription a customer buys through its partner.")
class Subscription(Node, FromRow):
    offer_id: str = field(Capability.SUBSCRIPTIONS_READ, description="Partner Center offer id.")
    offer_name: str = field(Capability.SUBSCRIPTIONS_READ, description="The offer's name.")
    product_family: ProductFamily = field(  # type: ignore[valid-type]
        Capability.SUBSCRIPTIONS_READ, description="The product family of the offer."
    )
    quantity: int = field(Capability.SUBSCRIPTIONS_READ, description="Licences, as of now.")
    unit_price: Money = field(
        Capability.SUBSCRIPTIONS_READ, description="What the customer pays per licence and cycle."
    )
    unit_cost: Money | None = field(
        Capability.PRICING_READ,
        description="What the partner pays Microsoft per licence and cycle.",
    )
    billing_cycle: BillingCycle = field(  # type: ignore[valid-type]
        Capability.SUBSCRIPTIONS_READ, description="How often the customer is billed."
    )
    term_duration: str = field(
        Capability.SUBSCRIPTIONS_READ, description="ISO 8601 term: P1M, P1Y or P3Y."
    )
    auto_renew: bool = field(
        Capability.SUBSCRIPTIONS_READ,
        description="Renews at the end of the term (off once suspended).",
    )
    status: SubscriptionStatus = field(  # type: ignore[valid-type]
        Capability.SUBSCRIPTIONS_READ, description="Partner Center status."
    )
    suspension_reasons: list[SuspensionReason] = field(  # type: ignore[valid-type]
        Capability.SUBSCRIPTIONS_READ, description="Why it is suspended, in order; empty otherwise."
    )
    purchased_at: datetime = field(Capability.SUBSCRIPTIONS_READ, description="When it was bought.")
    term_started_at: datetime = field(
        Capability.SUBSCRIPTIONS_READ, description="Start of the current term: purchase or renewal."
    )
    term_ends_at: datetime = field(
        Capability.SUBSCRIPTIONS_READ, description="End of the current term (commitment end)."
    )
    cancellation_allowed_until: datetime = field(
        Capability.SUBSCRIPTIONS_READ,
        description="Cancelling, or reducing the quantity, is possible until then (7 days).",
    )
    cancelled_at: datetime | None = field(
        Capability.SUBSCRIPTIONS_READ, description="When it was cancelled, if it was."
    )
    external_id: str | None = field(
        Capability.SUBSCRIPTIONS_READ, description="The id in your ERP, unique per seller."
    )
    version: int = field(
        Capability.SUBSCRIPTIONS_READ, description="Pass it as `expectedVersion` to change it."
    )
    created_at: datetime = field(Capability.SUBSCRIPTIONS_READ, description="When it was created.")
    updated_at: datetime = field(Capability.SUBSCRIPTIONS_READ, description="When it last changed.")
    pk: strawberry.Private[int]
    customer_pk: strawberry.Private[int]
    parent_pk: strawberry.Private[int | None]

    READS: ClassVar[Mapping[str, Read]] = {
        "id": Read(("id",), lambda row: to_global_id("Subscription", row.id)),
        "unit_price": Read(
            ("unit_price", "currency"), lambda row: Money.of(row.unit_price, row.currency)
        ),
        "unit_cost": Read(
            ("unit_cost", "currency"), lambda row: Money.of(row.unit_cost, row.currency)
        ),
        "suspension_reasons": Read(("suspension_reasons",), subscriptions.reasons_of),
        "cancellation_allowed_until": Read(
            ("term_started_at",), subscriptions.cancellation_allowed_until
        ),
        "pk": column("id"),
        "customer_pk": column("customer_id"),
        "parent_pk": column("parent_id"),
    }

    @relation_field(Capability.CUSTOMERS_READ, CUSTOMER, description="The customer it is for.")
    def customer(
        self, info: strawberry.Info
    ) -> Annotated[Customer, strawberry.lazy("schema.customers")] | None:
        return CUSTOMER.resolve(info, self)

    @relation_field(
        Capability.SUBSCRIPTIONS_READ, PARENT, description="The base subscription of an add-on."
    )
    def parent_subscription(self, info: strawberry.Info) -> Subscription | None:
        return PARENT.resolve(info, self)

    @relation_field(
        Capability.SUBSCRIPTIONS_READ,
        QUANTITY_HISTORY,
        description="Every quantity it had, oldest first: reconcile invoices against it.",
    )
    def quantity_history(self, info: strawberry.Info) -> list[QuantityChange] | None:
        return QUANTITY_HISTORY.resolve(info, self)

    @field(
        Capability.SUBSCRIPTIONS_READ,
        description="The quantity in force at a moment; null before the purchase.",
    )
    async def quantity_at(self, info: strawberry.Info, at: datetime) -> int | None:
        history = await info.context.loaders.quantity_histories.load(self.pk)
        return subscriptions.quantity_at(history, at)


@strawberry.input(description="Narrow the subscription list; all given filters apply.")
class SubscriptionFilter:
    customer_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only this customer's subscriptions."
    )
    reseller_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only this indirect reseller's customers' subscriptions."
    )
    status: SubscriptionStatus | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="Only subscriptions in this status."
    )
    product_family: ProductFamily | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="Only this product family."
    )
    updated_since: datetime | None = strawberry.field(
        default=None, description="Only subscriptions changed at or after this time."
    )


# What a compiled shape may read of a page of subscriptions: the columns its fields need.
SUBSCRIPTION_COLUMNS = RowColumns(Subscription, models.Subscription, always=("id", "customer_id"))


def customer_subscriptions_part(
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
    status: models.SubscriptionStatus | None = None,
) -> Hashable:
    """What `Customer.subscriptions`' arguments ask of its loader: a page and a filter, as a
    tuple of plain values (loader keys are hashed often)."""
    page = page_request(first, after, last, before).validated()
    return (page.first, page.after, page.last, page.before, status)


def subscription_connection(page: Any) -> Connection[Subscription]:
    return connection(page, Subscription.from_model)


@strawberry.input
class CreateSubscriptionInput:
    customer_id: strawberry.ID
    offer_id: str = strawberry.field(description="Partner Center offer id.")
    offer_name: str
    product_family: ProductFamily  # type: ignore[valid-type]
    quantity: int = strawberry.field(description="Licences, 1 to 1,000,000.")
    unit_price: MoneyInput = strawberry.field(description="Price per licence and cycle.")
    billing_cycle: BillingCycle  # type: ignore[valid-type]
    term_duration: str = strawberry.field(
        description="P1M, P1Y or P3Y; not shorter than the cycle."
    )
    unit_cost: MoneyInput | None = strawberry.field(
        default=None, description="Cost per licence and cycle, in the price's currency."
    )
    auto_renew: bool = True
    parent_subscription_id: strawberry.ID | None = strawberry.field(
        default=None, description="Buy it as an add-on of this base subscription."
    )
    external_id: str | None = None
    idempotency_key: str | None = strawberry.field(
        default=None, description="Retrying with the same key returns the first result."
    )


@strawberry.input
class ChangeSubscriptionQuantityInput:
    id: strawberry.ID
    quantity: int = strawberry.field(
        description="Reductions only within 7 days of the term's start."
    )
    expected_version: int | None = strawberry.field(
        default=None, description="The `version` you read; a newer one gives VERSION_CONFLICT."
    )


@strawberry.input
class SuspendSubscriptionInput:
    id: strawberry.ID
    reason: SuspensionReason  # type: ignore[valid-type]
    expected_version: int | None = None


@strawberry.input
class SetSubscriptionAutoRenewInput:
    id: strawberry.ID
    auto_renew: bool = strawberry.field(description="On only while the subscription is active.")
    expected_version: int | None = None


@strawberry.input
class ReactivateSubscriptionInput:
    id: strawberry.ID
    expected_version: int | None = None


@strawberry.input
class CancelSubscriptionInput:
    id: strawberry.ID
    expected_version: int | None = None


@strawberry.type(description="The result of a change to a subscription.")
class SubscriptionPayload:
    subscription: Subscription | None = field(
        Capability.SUBSCRIPTIONS_READ, description="The subscription, unless the mutation failed."
    )
    user_errors: list[UserError] = field(Capability.VIEWER, description="Why it failed.")


@strawberry.type
class SubscriptionQuery:
    @field(
        Capability.SUBSCRIPTIONS_READ, description="Your subscriptions, oldest first, 1–100 a page."
    )
    async def subscriptions(
        self,
        info: strawberry.Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: SubscriptionFilter | None = None,
    ) -> Connection[Subscription] | None:
        given = filter or SubscriptionFilter()
        criteria = Filter(
            customer_id=decode_id(given.customer_id, "Customer", ["filter", "customerId"])
            if given.customer_id
            else None,
            reseller_id=decode_id(given.reseller_id, "Partner", ["filter", "resellerId"])
            if given.reseller_id
            else None,
            status=given.status,
            product_family=given.product_family,
            updated_since=given.updated_since,
        )
        page = await subscriptions.list_subscriptions(
            info.context.signed_in, page=page_request(first, after, last, before), criteria=criteria
        )
        return subscription_connection(page)

    @field(Capability.SUBSCRIPTIONS_READ, description="One subscription by id.")
    async def subscription(self, info: strawberry.Info, id: strawberry.ID) -> Subscription | None:
        row = await info.context.loaders.subscriptions.load(decode_id(id, "Subscription", ["id"]))
        if row is None:
            raise NotFound("subscription.not_found", field=["id"])
        return Subscription.from_model(row)


async def _payload(
    info: strawberry.Info, work: Callable[[], Awaitable[models.Subscription]]
) -> SubscriptionPayload:
    async def run() -> models.Subscription:  # ids are decoded inside: a bad one is a userError
        return await work()

    row, errors = await attempt(run(), info.context.language)
    return SubscriptionPayload(
        subscription=row and Subscription.from_model(row), user_errors=errors
    )


def money_pair(value: MoneyInput | None) -> tuple[Any, str] | None:
    """(amount, currency) of a money input, as the subscription rules take it."""
    return None if value is None else (value.amount, value.currency)


@strawberry.type
class SubscriptionMutation:
    @mutation(Capability.SUBSCRIPTIONS_WRITE, description="Buy a subscription for a customer.")
    async def create_subscription(
        self, info: strawberry.Info, input: CreateSubscriptionInput
    ) -> SubscriptionPayload | None:
        async def work() -> models.Subscription:
            parent = input.parent_subscription_id
            order = NewSubscription(
                customer_id=decode_id(input.customer_id, "Customer", ["customerId"]),
                offer_id=input.offer_id,
                offer_name=input.offer_name,
                product_family=input.product_family,
                quantity=input.quantity,
                unit_price=money_pair(input.unit_price),  # type: ignore[arg-type]
                unit_cost=money_pair(input.unit_cost),
                billing_cycle=input.billing_cycle,
                term_duration=input.term_duration,
                auto_renew=input.auto_renew,
                parent_id=decode_id(parent, "Subscription", ["parentSubscriptionId"])
                if parent
                else None,
                external_id=input.external_id,
            )
            return await subscriptions.create_subscription(
                info.context.actor, order, idempotency_key=input.idempotency_key
            )

        return await _payload(info, work)

    @mutation(
        Capability.SUBSCRIPTIONS_WRITE,
        description="Change the licence count from now on (reductions within 7 days only).",
    )
    async def change_subscription_quantity(
        self, info: strawberry.Info, input: ChangeSubscriptionQuantityInput
    ) -> SubscriptionPayload | None:
        return await _payload(
            info,
            lambda: subscriptions.change_quantity(
                info.context.actor,
                subscription_id=decode_id(input.id, "Subscription", ["id"]),
                quantity=input.quantity,
                expected_version=input.expected_version,
            ),
        )

    @mutation(
        Capability.SUBSCRIPTIONS_WRITE,
        description="Turn renewal at the end of the term on (active subscriptions) or off.",
    )
    async def set_subscription_auto_renew(
        self, info: strawberry.Info, input: SetSubscriptionAutoRenewInput
    ) -> SubscriptionPayload | None:
        return await _payload(
            info,
            lambda: subscriptions.set_auto_renew(
                info.context.actor,
                subscription_id=decode_id(input.id, "Subscription", ["id"]),
                auto_renew=input.auto_renew,
                expected_version=input.expected_version,
            ),
        )

    @mutation(
        Capability.SUBSCRIPTIONS_SUSPEND,
        description="Suspend for a reason, with its add-ons; auto-renew goes off.",
    )
    async def suspend_subscription(
        self, info: strawberry.Info, input: SuspendSubscriptionInput
    ) -> SubscriptionPayload | None:
        return await _payload(
            info,
            lambda: subscriptions.suspend_subscription(
                info.context.actor,
                subscription_id=decode_id(input.id, "Subscription", ["id"]),
                reason=input.reason,
                expected_version=input.expected_version,
            ),
        )

    @mutation(
        Capability.SUBSCRIPTIONS_SUSPEND,
        description="Lift every suspension, only before the term ends; its add-ons lose the "
        "reasons it passed on to them and keep their own.",
    )
    async def reactivate_subscription(
        self, info: strawberry.Info, input: ReactivateSubscriptionInput
    ) -> SubscriptionPayload | None:
        return await _payload(
            info,
            lambda: subscriptions.reactivate_subscription(
                info.context.actor,
                subscription_id=decode_id(input.id, "Subscription", ["id"]),
                expected_version=input.expected_version,
            ),
        )

    @mutation(
        Capability.SUBSCRIPTIONS_WRITE,
        description="Cancel, with its add-ons, within 7 days of purchase or renewal.",
    )
    async def cancel_subscription(
        self, info: strawberry.Info, input: CancelSubscriptionInput
    ) -> SubscriptionPayload | None:
        return await _payload(
            info,
            lambda: subscriptions.cancel_subscription(
                info.context.actor,
                subscription_id=decode_id(input.id, "Subscription", ["id"]),
                expected_version=input.expected_version,
            ),
        )
