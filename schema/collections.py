"""The collections policy of a seller and the runs that apply it."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from auth.permissions import Capability
from resolvers import billing, collections, models
from resolvers.collections import PolicyOrder
from schema.errors import UserError, attempted
from schema.guards import field, mutation
from schema.invoices import CUSTOMER, INVOICE, LINE_SUBSCRIPTION, Invoice
from schema.nodes import Node, node_type, to_global_id
from schema.relations import relation_field
from schema.subscriptions import Subscription

if TYPE_CHECKING:  # the real type is resolved lazily: customers import this module
    from schema.customers import Customer

READ, WRITE = Capability.BILLING_READ, Capability.BILLING_WRITE


SuspensionScope = strawberry.enum(
    models.SuspensionScope, name="SuspensionScope", description="What non-payment suspends."
)
CollectionActionKind = strawberry.enum(models.CollectionActionKind, name="CollectionActionKind")


@node_type("CollectionsPolicy", READ, loader="collections_policies_by_id")
@strawberry.type(description="A seller's collections policy, as its customers are told it.")
class CollectionsPolicy(Node):
    reminder_days_past_due: list[int] = field(READ, description="Reminders at these days.")
    suspend_after_days_past_due: int | None = field(
        READ, description="Suspension for non-payment from this many days past due; null: never."
    )
    scope: SuspensionScope = field(READ, description="What a suspension affects.")  # type: ignore[valid-type]
    reactivate_on_payment: bool = field(
        READ, description="A payment that clears what is overdue lifts the suspension."
    )
    customer_notice: str | None = field(READ, description="The seller's own notice, as written.")
    version: int = field(READ, description="Pass it as `expectedVersion`.")

    @classmethod
    def from_model(cls, row: Any) -> CollectionsPolicy:
        return cls(
            id=to_global_id("CollectionsPolicy", row.id),
            reminder_days_past_due=collections.reminder_days(row),
            suspend_after_days_past_due=row.suspend_after_days,
            scope=row.scope,
            reactivate_on_payment=row.reactivate_on_payment,
            customer_notice=row.customer_notice,
            version=row.version,
        )


@strawberry.input
class SetCollectionsPolicyInput:
    reminder_days_past_due: list[int]
    suspend_after_days_past_due: int | None
    reactivate_on_payment: bool
    scope: SuspensionScope = models.SuspensionScope.ALL_SUBSCRIPTIONS  # type: ignore[valid-type]
    customer_notice: str | None = None
    expected_version: int | None = None


@strawberry.input
class RunCollectionsInput:
    dry_run: bool
    as_of: date | None = None


@strawberry.type
class CollectionsPolicyPayload:
    policy: CollectionsPolicy | None = field(READ, description="The policy now.")
    user_errors: list[UserError] = field(Capability.VIEWER, description="Why it failed.")


@strawberry.type(description="Something a collections run did, or would do in a dry run.")
class CollectionAction:
    kind: CollectionActionKind = field(READ, description="REMIND, SUSPEND or REACTIVATE.")  # type: ignore[valid-type]
    days_past_due: int = field(READ, description="How late the customer was that day.")
    threshold_days: int | None = field(READ, description="The reminder day reached.")
    customer_pk: strawberry.Private[int]
    invoice_pk: strawberry.Private[int | None]
    subscription_pk: strawberry.Private[int | None]

    @relation_field(Capability.CUSTOMERS_READ, CUSTOMER, description="The customer.")
    def customer(
        self, info: strawberry.Info
    ) -> Annotated[Customer, strawberry.lazy("schema.customers")] | None:
        return CUSTOMER.resolve(info, self)

    @relation_field(READ, INVOICE, description="The invoice reminded of.")
    def invoice(self, info: strawberry.Info) -> Invoice | None:
        return INVOICE.resolve(info, self)

    @relation_field(
        Capability.SUBSCRIPTIONS_READ, LINE_SUBSCRIPTION, description="The subscription."
    )
    def subscription(self, info: strawberry.Info) -> Subscription | None:
        return LINE_SUBSCRIPTION.resolve(info, self)


@strawberry.type
class RunCollectionsPayload:
    actions: list[CollectionAction] = field(READ, description="In order, per customer.")
    applied: bool = field(READ, description="False for a dry run.")
    user_errors: list[UserError] = field(Capability.VIEWER, description="Why it failed.")


@strawberry.type
class CollectionsQuery:
    @field(READ, description="Your collections policy; null until you set one.")
    async def collections_policy(self, info: strawberry.Info) -> CollectionsPolicy | None:
        viewer = info.context.signed_in
        row = await info.context.loaders.collections_policies.load(viewer.partner_id)
        return None if row is None else CollectionsPolicy.from_model(row)


@strawberry.type
class CollectionsMutation:
    @mutation(WRITE, description="Set your collections policy.")
    async def set_collections_policy(
        self, info: strawberry.Info, input: SetCollectionsPolicyInput
    ) -> CollectionsPolicyPayload | None:
        order = PolicyOrder(
            reminder_days_past_due=input.reminder_days_past_due,
            suspend_after_days_past_due=input.suspend_after_days_past_due,
            reactivate_on_payment=input.reactivate_on_payment,
            scope=input.scope,
            customer_notice=input.customer_notice,
            expected_version=input.expected_version,
        )
        row, errors = await attempted(
            info, lambda: collections.set_policy(info.context.actor, order)
        )
        return CollectionsPolicyPayload(
            policy=row and CollectionsPolicy.from_model(row), user_errors=errors
        )

    @mutation(
        WRITE,
        description="Apply your collections policy on a day (today by default): reminders, "
        "suspensions for non-payment and reactivations, all or nothing; dryRun only lists them.",
    )
    async def run_collections(
        self, info: strawberry.Info, input: RunCollectionsInput
    ) -> RunCollectionsPayload | None:
        actions, errors = await attempted(
            info,
            lambda: collections.run_collections(
                info.context.actor, as_of=input.as_of or billing.today(), dry_run=input.dry_run
            ),
        )
        return RunCollectionsPayload(
            actions=[
                CollectionAction(
                    kind=action.kind,
                    days_past_due=action.days_past_due,
                    threshold_days=action.threshold_days,
                    customer_pk=action.customer_id,
                    invoice_pk=action.invoice_id,
                    subscription_pk=action.subscription_id,
                )
                for action in actions or ()
            ],
            applied=actions is not None and not input.dry_run,
            user_errors=errors,
        )
