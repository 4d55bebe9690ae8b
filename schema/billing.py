"""Billing: each customer's relationship and standing, invoices, payments, disputes and the
collections policy, with their mutations."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from auth.permissions import Capability
from resolvers import billing, collections, models
from resolvers.billing import (
    DisputeFilter,
    InvoiceFilter,
    NewInvoice,
    NewLine,
    NewPayment,
    Terms,
    from_minor,
)
from resolvers.collections import PolicyOrder
from resolvers.errors import NotFound
from schema.errors import UserError, attempt
from schema.guards import field, mutation
from schema.money import Money, MoneyInput
from schema.nodes import Node, decode_id, node_type, to_global_id
from schema.notices import CustomerNotice, collections_notice
from schema.pagination import Connection, connection, page_request
from schema.partners import Partner
from schema.relations import Relation, relation_field
from schema.subscriptions import Subscription

if TYPE_CHECKING:  # the real type is resolved lazily: customers import this module
    from schema.customers import Customer

READ, WRITE = Capability.BILLING_READ, Capability.BILLING_WRITE


@strawberry.enum(description="An invoice's status; OVERDUE is an open invoice past its due date.")
class InvoiceStatus(Enum):
    OPEN = "OPEN"
    OVERDUE = "OVERDUE"
    PAID = "PAID"
    VOID = "VOID"
    DISPUTED = "DISPUTED"


@strawberry.enum(description="Where a customer stands with its bills.")
class BillingStanding(Enum):
    GOOD = "GOOD"  # nothing overdue
    OVERDUE = "OVERDUE"  # something past due, not yet at the policy's suspension
    DELINQUENT = "DELINQUENT"  # past due as long as the policy suspends at
    SUSPENDED_FOR_NON_PAYMENT = "SUSPENDED_FOR_NON_PAYMENT"


DisputeStatus = strawberry.enum(models.DisputeStatus, name="DisputeStatus")
DisputeOutcome = strawberry.enum(
    models.DisputeOutcome, name="DisputeOutcome", description="How a dispute ended."
)
SuspensionScope = strawberry.enum(
    models.SuspensionScope, name="SuspensionScope", description="What non-payment suspends."
)
CollectionActionKind = strawberry.enum(models.CollectionActionKind, name="CollectionActionKind")


def money(minor: int | None, currency: str) -> Money | None:
    return None if minor is None else Money.of(from_minor(minor, currency), currency)


def plain(value: Decimal) -> Decimal:
    """A stored decimal without the trailing zeros of its column: 1.500000 is 1.5, 10 is 10."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def _partner(row: Any) -> Partner:
    return Partner.from_model(row)


def _customer(row: Any) -> Any:
    from schema.customers import Customer  # customers import this module

    return Customer.from_model(row)


SELLER = Relation(loader="partners", key="seller_pk", convert=_partner)
PROVIDER = Relation(loader="partners", key="provider_pk", convert=_partner)
CUSTOMER = Relation(loader="customers", key="customer_pk", convert=_customer)
INVOICE = Relation(loader="invoices", key="invoice_pk", convert=lambda row: Invoice.of(row))
LINE_SUBSCRIPTION = Relation(
    loader="subscriptions", key="subscription_pk", convert=Subscription.from_model
)
LINES = Relation(
    loader="invoice_lines", key="pk", convert=lambda rows: [InvoiceLine.of(row) for row in rows]
)
PAYMENTS = Relation(
    loader="invoice_payments", key="pk", convert=lambda rows: [Payment.of(row) for row in rows]
)
DISPUTES = Relation(
    loader="invoice_disputes",
    key="pk",
    convert=lambda rows: [BillingDispute.of(row) for row in rows],
)


@strawberry.type(description="A line of an invoice.")
class InvoiceLine:
    position: int = field(READ, description="1 for the first line.")
    description: str = field(READ, description="What is billed.")
    quantity: Decimal = field(READ, description="How many units, as a decimal string.")
    unit_price: Money = field(READ, description="The price of one unit.")
    amount: Money = field(READ, description="Quantity × unit price, rounded to the minor unit.")
    subscription_pk: strawberry.Private[int | None]

    @relation_field(
        Capability.SUBSCRIPTIONS_READ, LINE_SUBSCRIPTION, description="The subscription billed."
    )
    def subscription(self, info: strawberry.Info) -> Subscription | None:
        return LINE_SUBSCRIPTION.resolve(info, self)

    @classmethod
    def of(cls, row: Any) -> InvoiceLine:
        currency = row.currency
        return cls(
            position=row.position,
            description=row.description,
            quantity=plain(row.quantity),
            unit_price=Money.of(row.unit_price, currency),  # type: ignore[arg-type]
            amount=money(row.amount_minor, currency),  # type: ignore[arg-type]
            subscription_pk=row.subscription_id,
        )


@node_type("Payment", READ, loader="payments")
@strawberry.type(description="A payment of an invoice, as an ERP connector recorded it.")
class Payment(Node):
    amount: Money = field(READ, description="What was paid, in the invoice's currency.")
    reference: str = field(READ, description="The bank or ERP reference.")
    received_at: datetime = field(READ, description="When the money arrived.")
    created_at: datetime = field(READ, description="When it was recorded.")
    invoice_pk: strawberry.Private[int]

    @relation_field(READ, INVOICE, description="The invoice it pays.")
    def invoice(self, info: strawberry.Info) -> Invoice | None:
        return INVOICE.resolve(info, self)

    @classmethod
    def of(cls, row: Any) -> Payment:
        return cls(
            id=to_global_id("Payment", row.id),
            amount=money(row.amount_minor, row.currency),  # type: ignore[arg-type]
            reference=row.reference,
            received_at=row.received_at,
            created_at=row.created_at,
            invoice_pk=row.invoice_id,
        )

    from_model = of


@node_type("BillingDispute", READ, loader="disputes")
@strawberry.type(description="A customer's dispute of an invoice, opened on its behalf.")
class BillingDispute(Node):
    reason: str = field(READ, description="What the customer disputes.")
    amount: Money | None = field(READ, description="The part disputed; null: the whole invoice.")
    status: DisputeStatus = field(READ, description="OPEN until resolved.")  # type: ignore[valid-type]
    outcome: DisputeOutcome | None = field(READ, description="How it ended.")  # type: ignore[valid-type]
    credited: Money = field(READ, description="What the resolution credited on the invoice.")
    resolution: str | None = field(READ, description="What was decided, and why.")
    opened_at: datetime = field(READ, description="When it was opened.")
    resolved_at: datetime | None = field(READ, description="When it was resolved.")
    version: int = field(READ, description="Pass it as `expectedVersion`.")
    invoice_pk: strawberry.Private[int]

    @relation_field(READ, INVOICE, description="The invoice disputed.")
    def invoice(self, info: strawberry.Info) -> Invoice | None:
        return INVOICE.resolve(info, self)

    @classmethod
    def of(cls, row: Any) -> BillingDispute:
        currency = row.currency
        return cls(
            id=to_global_id("BillingDispute", row.id),
            reason=row.reason,
            amount=money(row.amount_minor, currency),
            status=row.status,
            outcome=row.outcome,
            credited=money(row.credited_minor, currency),  # type: ignore[arg-type]
            resolution=row.resolution,
            opened_at=row.opened_at,
            resolved_at=row.resolved_at,
            version=row.version,
            invoice_pk=row.invoice_id,
        )

    from_model = of


@node_type("Invoice", READ, loader="invoices")
@strawberry.type(description="An invoice the customer's seller issued.")
class Invoice(Node):
    number: str = field(READ, description="Numbered per seller without gaps: INV-000042.")
    status: InvoiceStatus = field(READ, description="OVERDUE once open past its due date.")
    currency: str = field(READ, description="ISO 4217 code of every amount on it.")
    issued_at: datetime = field(READ, description="When it was issued.")
    due_date: date = field(READ, description="Payable until this day.")
    total: Money = field(READ, description="The sum of its lines.")
    amount_paid: Money = field(READ, description="What payments covered.")
    amount_credited: Money = field(READ, description="What resolved disputes credited.")
    amount_due: Money = field(READ, description="What is left to pay (0 when paid or void).")
    version: int = field(READ, description="Pass it as `expectedVersion`.")
    created_at: datetime = field(READ, description="When it was recorded.")
    updated_at: datetime = field(READ, description="When it last changed.")
    pk: strawberry.Private[int]
    customer_pk: strawberry.Private[int]

    @relation_field(Capability.CUSTOMERS_READ, CUSTOMER, description="The customer billed.")
    def customer(
        self, info: strawberry.Info
    ) -> Annotated[Customer, strawberry.lazy("schema.customers")] | None:
        return CUSTOMER.resolve(info, self)

    @relation_field(READ, LINES, description="Its lines, in order.")
    def lines(self, info: strawberry.Info) -> list[InvoiceLine] | None:
        return LINES.resolve(info, self)

    @relation_field(READ, PAYMENTS, description="Payments recorded against it, oldest first.")
    def payments(self, info: strawberry.Info) -> list[Payment] | None:
        return PAYMENTS.resolve(info, self)

    @relation_field(READ, DISPUTES, description="Disputes opened against it, oldest first.")
    def disputes(self, info: strawberry.Info) -> list[BillingDispute] | None:
        return DISPUTES.resolve(info, self)

    @classmethod
    def of(cls, row: Any) -> Invoice:
        currency = row.currency
        return cls(
            id=to_global_id("Invoice", row.id),
            number=billing.invoice_number(row.sequence),
            status=InvoiceStatus(str(billing.shown_status(row))),
            currency=currency,
            issued_at=row.issued_at,
            due_date=row.due_date,
            total=money(row.total_minor, currency),  # type: ignore[arg-type]
            amount_paid=money(row.paid_minor, currency),  # type: ignore[arg-type]
            amount_credited=money(row.credited_minor, currency),  # type: ignore[arg-type]
            amount_due=money(billing.amount_due_minor(row), currency),  # type: ignore[arg-type]
            version=row.version,
            created_at=row.created_at,
            updated_at=row.updated_at,
            pk=row.id,
            customer_pk=row.customer_id,
        )

    from_model = of


def customer_invoices_part(
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
    status: InvoiceStatus | None = None,
) -> Hashable:
    """What `Customer.invoices`' arguments ask of its loader: a page and a status."""
    page = page_request(first, after, last, before).validated()
    return (page.first, page.after, page.last, page.before, status.value if status else None)


CUSTOMER_INVOICES = Relation(
    loader="customer_invoices",
    key="pk",
    convert=lambda page: connection(page, Invoice.of),
    arguments=customer_invoices_part,
)


@strawberry.type(description="A seller's collections policy, as its customers are told it.")
class CollectionsPolicy:
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
    def of(cls, row: Any) -> CollectionsPolicy:
        return cls(
            reminder_days_past_due=collections.reminder_days(row),
            suspend_after_days_past_due=row.suspend_after_days,
            scope=row.scope,
            reactivate_on_payment=row.reactivate_on_payment,
            customer_notice=row.customer_notice,
            version=row.version,
        )


@strawberry.type(description="Who bills a customer, on what terms, and where it stands.")
class BillingRelationship:
    currency: str = field(READ, description="Its invoices' currency (its country's by default).")
    payment_terms_days: int = field(READ, description="Days from issue to due date.")
    credit_limit: Money | None = field(READ, description="The most it may owe; null: none set.")
    standing: BillingStanding = field(READ, description="Derived from its unpaid invoices.")
    balance: Money = field(READ, description="Everything unpaid, disputed amounts included.")
    overdue_amount: Money = field(READ, description="Open and past due (disputes excluded).")
    disputed_amount: Money = field(READ, description="Unpaid on invoices under dispute.")
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
    currency = account.currency if account else billing.currency_for_country(row.country)
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
        balance=money(summary.balance_minor, currency),  # type: ignore[arg-type]
        overdue_amount=money(summary.overdue_minor, currency),  # type: ignore[arg-type]
        disputed_amount=money(summary.disputed_minor, currency),  # type: ignore[arg-type]
        days_past_due=days,
        collections_notice=collections_notice(policy, row.language) if policy else None,
        version=account.version if account else None,
        seller_pk=row.seller_id,
        provider_pk=row.partner_id if row.reseller_id is not None else None,
    )


# -- inputs and payloads ------------------------------------------------------------------------


@strawberry.input(description="Which invoices to list.")
class InvoiceFilterInput:
    customer_id: strawberry.ID | None = None
    status: InvoiceStatus | None = None
    updated_since: datetime | None = None


@strawberry.input(description="Which disputes to list.")
class DisputeFilterInput:
    customer_id: strawberry.ID | None = None
    status: DisputeStatus | None = None  # type: ignore[valid-type]


@strawberry.input
class InvoiceLineInput:
    description: str
    quantity: Decimal
    unit_price: Decimal = strawberry.field(description="In the invoice's currency.")
    subscription_id: strawberry.ID | None = None


@strawberry.input
class IssueInvoiceInput:
    customer_id: strawberry.ID
    currency: str
    due_date: date
    lines: list[InvoiceLineInput]
    issued_at: datetime | None = None
    idempotency_key: str | None = None


@strawberry.input
class VoidInvoiceInput:
    id: strawberry.ID
    expected_version: int | None = None


@strawberry.input
class RecordPaymentInput:
    invoice_id: strawberry.ID
    amount: MoneyInput
    reference: str
    received_at: datetime | None = None
    idempotency_key: str | None = None


@strawberry.input
class SetBillingTermsInput:
    customer_id: strawberry.ID
    currency: str | None = None
    payment_terms_days: int | None = None
    credit_limit: Decimal | None = None
    expected_version: int | None = None


@strawberry.input
class OpenBillingDisputeInput:
    invoice_id: strawberry.ID
    reason: str
    amount: Decimal | None = None


@strawberry.input
class ResolveBillingDisputeInput:
    id: strawberry.ID
    outcome: DisputeOutcome  # type: ignore[valid-type]
    resolution: str
    credit: Decimal | None = None
    expected_version: int | None = None


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
class InvoicePayload:
    invoice: Invoice | None = field(READ, description="The invoice, unless it failed.")
    user_errors: list[UserError] = field(Capability.VIEWER, description="Why it failed.")


@strawberry.type
class PaymentPayload:
    payment: Payment | None = field(READ, description="The payment, unless it failed.")
    invoice: Invoice | None = field(READ, description="The invoice as it is now.")
    user_errors: list[UserError] = field(Capability.VIEWER, description="Why it failed.")


@strawberry.type
class BillingTermsPayload:
    billing: BillingRelationship | None = field(READ, description="The relationship now.")
    user_errors: list[UserError] = field(Capability.VIEWER, description="Why it failed.")


@strawberry.type
class BillingDisputePayload:
    dispute: BillingDispute | None = field(READ, description="The dispute, unless it failed.")
    invoice: Invoice | None = field(READ, description="The invoice as it is now.")
    user_errors: list[UserError] = field(Capability.VIEWER, description="Why it failed.")


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


# -- queries and mutations ----------------------------------------------------------------------


@strawberry.type
class BillingQuery:
    @field(READ, description="Invoices you issued (or your resellers did), oldest first.")
    async def invoices(
        self,
        info: strawberry.Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: InvoiceFilterInput | None = None,
    ) -> Connection[Invoice] | None:
        given = filter or InvoiceFilterInput()
        criteria = InvoiceFilter(
            customer_id=decode_id(given.customer_id, "Customer", ["filter", "customerId"])
            if given.customer_id
            else None,
            status=given.status.value if given.status else None,
            updated_since=given.updated_since,
        )
        page = await billing.list_invoices(
            info.context.signed_in, page=page_request(first, after, last, before), criteria=criteria
        )
        return connection(page, Invoice.of)

    @field(READ, description="Billing disputes opened on your customers' behalf, oldest first.")
    async def disputes(
        self,
        info: strawberry.Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: DisputeFilterInput | None = None,
    ) -> Connection[BillingDispute] | None:
        given = filter or DisputeFilterInput()
        criteria = DisputeFilter(
            customer_id=decode_id(given.customer_id, "Customer", ["filter", "customerId"])
            if given.customer_id
            else None,
            status=given.status,
        )
        page = await billing.list_disputes(
            info.context.signed_in, page=page_request(first, after, last, before), criteria=criteria
        )
        return connection(page, BillingDispute.of)

    @field(READ, description="One invoice by id.")
    async def invoice(self, info: strawberry.Info, id: strawberry.ID) -> Invoice | None:
        row = await info.context.loaders.invoices.load(decode_id(id, "Invoice", ["id"]))
        if row is None:
            raise NotFound("invoice.not_found", field=["id"])
        return Invoice.of(row)

    @field(READ, description="Your collections policy; null until you set one.")
    async def collections_policy(self, info: strawberry.Info) -> CollectionsPolicy | None:
        viewer = info.context.signed_in
        row = await info.context.loaders.collections_policies.load(viewer.partner_id)
        return None if row is None else CollectionsPolicy.of(row)


async def _attempted(info: strawberry.Info, work: Callable[[], Awaitable[Any]]) -> tuple[Any, Any]:
    async def run() -> Any:  # ids are decoded inside: a bad one is a userError
        return await work()

    return await attempt(run(), info.context.language)


async def _invoice_now(info: strawberry.Info, invoice_id: int) -> Invoice:
    row = await models.Invoice.get(id=invoice_id)
    return Invoice.of(row)


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

        customer_id, errors = await _attempted(info, work)
        if customer_id is None:
            return BillingTermsPayload(billing=None, user_errors=errors)
        info.context.forget_loaded()
        row = await info.context.loaders.customers.load(customer_id)
        from schema.customers import Customer  # customers import this module

        relationship = await billing_of(info, Customer.from_model(row))
        return BillingTermsPayload(billing=relationship, user_errors=[])

    @mutation(WRITE, description="Issue an invoice, numbered next for its seller.")
    async def issue_invoice(
        self, info: strawberry.Info, input: IssueInvoiceInput
    ) -> InvoicePayload | None:
        async def work() -> Any:
            lines = [
                NewLine(
                    description=line.description,
                    quantity=line.quantity,
                    unit_price=line.unit_price,
                    subscription_id=decode_id(
                        line.subscription_id,
                        "Subscription",
                        ["lines", str(position), "subscriptionId"],
                    )
                    if line.subscription_id
                    else None,
                )
                for position, line in enumerate(input.lines)
            ]
            order = NewInvoice(
                customer_id=decode_id(input.customer_id, "Customer", ["customerId"]),
                currency=input.currency,
                due_date=input.due_date,
                lines=lines,
                issued_at=input.issued_at,
            )
            return await billing.issue_invoice(
                info.context.actor, order, idempotency_key=input.idempotency_key
            )

        row, errors = await _attempted(info, work)
        return InvoicePayload(invoice=row and Invoice.of(row), user_errors=errors)

    @mutation(WRITE, description="Void an open invoice nothing was paid on.")
    async def void_invoice(
        self, info: strawberry.Info, input: VoidInvoiceInput
    ) -> InvoicePayload | None:
        row, errors = await _attempted(
            info,
            lambda: billing.void_invoice(
                info.context.actor,
                invoice_id=decode_id(input.id, "Invoice", ["id"]),
                expected_version=input.expected_version,
            ),
        )
        return InvoicePayload(invoice=row and Invoice.of(row), user_errors=errors)

    @mutation(WRITE, description="Record a payment; retried with the same key, it counts once.")
    async def record_payment(
        self, info: strawberry.Info, input: RecordPaymentInput
    ) -> PaymentPayload | None:
        async def work() -> Any:
            order = NewPayment(
                invoice_id=decode_id(input.invoice_id, "Invoice", ["invoiceId"]),
                amount=input.amount.amount,
                currency=input.amount.currency,
                reference=input.reference,
                received_at=input.received_at,
            )
            return await billing.record_payment(
                info.context.actor, order, idempotency_key=input.idempotency_key
            )

        row, errors = await _attempted(info, work)
        if row is None:
            return PaymentPayload(payment=None, invoice=None, user_errors=errors)
        return PaymentPayload(
            payment=Payment.of(row),
            invoice=await _invoice_now(info, row.invoice_id),
            user_errors=[],
        )

    @mutation(
        Capability.DISPUTES_WRITE,
        description="Dispute an invoice on the customer's behalf; it can't lead to a suspension.",
    )
    async def open_billing_dispute(
        self, info: strawberry.Info, input: OpenBillingDisputeInput
    ) -> BillingDisputePayload | None:
        row, errors = await _attempted(
            info,
            lambda: billing.open_dispute(
                info.context.actor,
                invoice_id=decode_id(input.invoice_id, "Invoice", ["invoiceId"]),
                reason=input.reason,
                amount=input.amount,
            ),
        )
        return await _dispute_payload(info, row, errors)

    @mutation(Capability.DISPUTES_WRITE, description="Resolve a dispute with its outcome.")
    async def resolve_billing_dispute(
        self, info: strawberry.Info, input: ResolveBillingDisputeInput
    ) -> BillingDisputePayload | None:
        row, errors = await _attempted(
            info,
            lambda: billing.resolve_dispute(
                info.context.actor,
                dispute_id=decode_id(input.id, "BillingDispute", ["id"]),
                outcome=input.outcome,
                resolution=input.resolution,
                credit=input.credit,
                expected_version=input.expected_version,
            ),
        )
        return await _dispute_payload(info, row, errors)

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
        row, errors = await _attempted(
            info, lambda: collections.set_policy(info.context.actor, order)
        )
        return CollectionsPolicyPayload(
            policy=row and CollectionsPolicy.of(row), user_errors=errors
        )

    @mutation(
        WRITE,
        description="Apply your collections policy on a day (today by default): reminders, "
        "suspensions for non-payment and reactivations, all or nothing; dryRun only lists them.",
    )
    async def run_collections(
        self, info: strawberry.Info, input: RunCollectionsInput
    ) -> RunCollectionsPayload | None:
        actions, errors = await _attempted(
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


async def _dispute_payload(
    info: strawberry.Info, row: Any, errors: list[UserError]
) -> BillingDisputePayload:
    if row is None:
        return BillingDisputePayload(dispute=None, invoice=None, user_errors=errors)
    invoice = await _invoice_now(info, row.invoice_id)
    return BillingDisputePayload(dispute=BillingDispute.of(row), invoice=invoice, user_errors=[])
