"""Each customer's billing relationship: who bills it, on what terms, and where it stands."""

from __future__ import annotations

from decimal import Decimal
from enum import Enum
from typing import Any

import strawberry

from auth.permissions import Capability
from resolvers import billing
from resolvers.billing import Terms
from resolvers.money import currency_for_country
from schema.errors import UserError, attempted
from schema.guards import field, mutation
from schema.money import Money
from schema.nodes import decode_id
from schema.notices import CustomerNotice, collections_notice
from schema.partners import Partner
from schema.relations import Relation, relation_field

READ, WRITE = Capability.BILLING_READ, Capability.BILLING_WRITE


@strawberry.enum(description="Where a customer stands with its bills.")
class BillingStanding(Enum):
    GOOD = "GOOD"  # nothing overdue
    OVERDUE = "OVERDUE"  # something past due, not yet at the policy's suspension
    DELINQUENT = "DELINQUENT"  # past due as long as the policy suspends at
    SUSPENDED_FOR_NON_PAYMENT = "SUSPENDED_FOR_NON_PAYMENT"


def _partner(row: Any) -> Partner:
    return Partner.from_model(row)


SELLER = Relation(loader="partners", key="seller_pk", convert=_partner)
PROVIDER = Relation(loader="partners", key="provider_pk", convert=_partner)


@strawberry.type(description="Who bills a customer, on what terms, and where it stands.")
class BillingRelationship:
    currency: str = field(READ, description="Its invoices' currency (its country's by default).")
    payment_terms_days: int = field(READ, description="Days from issue to due date.")
    credit_limit: Money | None = field(READ, description="The most it may owe; null: none set.")
    standing: BillingStanding = field(READ, description="Derived from its unpaid invoices.")
    balance: Money = field(READ, description="Everything unpaid, disputed amounts included.")
    overdue_amount: Money = field(READ, description="Past due, less what open disputes hold back.")
    disputed_amount: Money = field(
        READ, description="Held back by open disputes: what they dispute of what is unpaid."
    )
    days_past_due: int = field(READ, description="Days since its oldest overdue due date.")
    collections_notice: CustomerNotice | None = field(
        READ,
        description="Its seller's collections policy as the customer is told it, in the "
        "customer's language; null while the seller has none.",
    )
    version: int | None = field(READ, description="Of its terms; null until they are set.")
    seller_pk: strawberry.Private[int]
    provider_pk: strawberry.Private[int | None]

    @relation_field(READ, SELLER, description="Who bills it: its reseller, else its partner.")
    def billed_by(self, info: strawberry.Info) -> Partner | None:
        return SELLER.resolve(info, self)

    @relation_field(
        READ, PROVIDER, description="The indirect provider above its reseller, if it has one."
    )
    def indirect_provider(self, info: strawberry.Info) -> Partner | None:
        return PROVIDER.resolve(info, self)


async def billing_of(info: strawberry.Info, customer: Any) -> BillingRelationship:
    """A customer's relationship, from its row, its invoices' sums and its seller's policy."""
    row = customer._row
    loaders = info.context.loaders
    summary = await loaders.billing_summaries.load(row.id)
    policy = await loaders.collections_policies.load(row.seller_id)
    account = summary.account
    currency = account.currency if account else currency_for_country(row.country)
    days = summary.days_past_due(billing.today())
    if summary.suspended_for_non_payment:
        standing = BillingStanding.SUSPENDED_FOR_NON_PAYMENT
    elif (
        summary.overdue_minor
        and policy
        and policy.suspend_after_days is not None
        and (days >= policy.suspend_after_days)
    ):
        standing = BillingStanding.DELINQUENT
    elif summary.overdue_minor:
        standing = BillingStanding.OVERDUE
    else:
        standing = BillingStanding.GOOD
    return BillingRelationship(
        currency=currency,
        payment_terms_days=account.payment_terms_days
        if account
        else billing.DEFAULT_PAYMENT_TERMS_DAYS,
        credit_limit=Money.of(account.credit_limit, currency) if account else None,
        standing=standing,
        balance=Money.of_minor(summary.balance_minor, currency),  # type: ignore[arg-type]
        overdue_amount=Money.of_minor(summary.overdue_minor, currency),  # type: ignore[arg-type]
        disputed_amount=Money.of_minor(summary.disputed_minor, currency),  # type: ignore[arg-type]
        days_past_due=days,
        collections_notice=collections_notice(policy, row.language) if policy else None,
        version=account.version if account else None,
        seller_pk=row.seller_id,
        provider_pk=row.partner_id if row.reseller_id is not None else None,
    )


@strawberry.input
class SetBillingTermsInput:
    customer_id: strawberry.ID
    currency: str | None = None
    payment_terms_days: int | None = None
    credit_limit: Decimal | None = None
    expected_version: int | None = None


@strawberry.type
class BillingTermsPayload:
    billing: BillingRelationship | None = field(READ, description="The relationship now.")
    user_errors: list[UserError] = field(Capability.VIEWER, description="Why it failed.")


@strawberry.type
class BillingMutation:
    @mutation(WRITE, description="Set a customer's billing currency, terms or credit limit.")
    async def set_billing_terms(
        self, info: strawberry.Info, input: SetBillingTermsInput
    ) -> BillingTermsPayload | None:
        async def work() -> Any:
            customer_id = decode_id(input.customer_id, "Customer", ["customerId"])
            terms = Terms(
                customer_id=customer_id,
                currency=input.currency,
                payment_terms_days=input.payment_terms_days,
                credit_limit=input.credit_limit,
                expected_version=input.expected_version,
            )
            await billing.set_billing_terms(info.context.actor, terms)
            return customer_id

        customer_id, errors = await attempted(info, work)
        if customer_id is None:
            return BillingTermsPayload(billing=None, user_errors=errors)
        info.context.forget_loaded()
        row = await info.context.loaders.customers.load(customer_id)
        from schema.customers import Customer  # customers import this module

        relationship = await billing_of(info, Customer.from_model(row))
        return BillingTermsPayload(billing=relationship, user_errors=[])
