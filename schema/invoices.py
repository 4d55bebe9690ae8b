"""Invoices, their lines, payments and billing disputes, with their mutations."""

from __future__ import annotations

from collections.abc import Hashable
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from auth.permissions import Capability
from resolvers import billing, invoices, models
from resolvers.errors import NotFound
from resolvers.invoices import DisputeFilter, InvoiceFilter, NewInvoice, NewLine, NewPayment
from schema.errors import UserError, attempted
from schema.guards import field, mutation
from schema.money import Money, MoneyInput
from schema.nodes import Node, decode_id, node_type, to_global_id
from schema.pagination import Connection, connection, page_request
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


DisputeStatus = strawberry.enum(models.DisputeStatus, name="DisputeStatus")
DisputeOutcome = strawberry.enum(
    models.DisputeOutcome, name="DisputeOutcome", description="How a dispute ended."
)


def plain(value: Decimal) -> Decimal:
    """A stored decimal without the trailing zeros of its column: 1.500000 is 1.5, 10 is 10."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def _customer(row: Any) -> Any:
    from schema.customers import Customer  # customers import this module

    return Customer.from_model(row)


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
            amount=Money.of_minor(row.amount_minor, currency),  # type: ignore[arg-type]
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
            amount=Money.of_minor(row.amount_minor, row.currency),  # type: ignore[arg-type]
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
            amount=Money.of_minor(row.amount_minor, currency),
            status=row.status,
            outcome=row.outcome,
            credited=Money.of_minor(row.credited_minor, currency),  # type: ignore[arg-type]
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
            total=Money.of_minor(row.total_minor, currency),  # type: ignore[arg-type]
            amount_paid=Money.of_minor(row.paid_minor, currency),  # type: ignore[arg-type]
            amount_credited=Money.of_minor(row.credited_minor, currency),  # type: ignore[arg-type]
            amount_due=Money.of_minor(billing.amount_due_minor(row), currency),  # type: ignore[arg-type]
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
    due_date: date | None = strawberry.field(
        default=None,
        description="Null: as many days after its issue as the customer's payment terms give.",
    )
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
    received_at: datetime | None = strawberry.field(
        default=None, description="When the money arrived: now by default, never later."
    )
    idempotency_key: str | None = None


@strawberry.input
class OpenBillingDisputeInput:
    invoice_id: strawberry.ID
    reason: str
    amount: Decimal | None = None
    idempotency_key: str | None = strawberry.field(
        default=None, description="Retrying with the same key returns the first dispute."
    )


@strawberry.input
class ResolveBillingDisputeInput:
    id: strawberry.ID
    outcome: DisputeOutcome  # type: ignore[valid-type]
    resolution: str
    credit: Decimal | None = None
    expected_version: int | None = None


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
class BillingDisputePayload:
    dispute: BillingDispute | None = field(READ, description="The dispute, unless it failed.")
    invoice: Invoice | None = field(READ, description="The invoice as it is now.")
    user_errors: list[UserError] = field(Capability.VIEWER, description="Why it failed.")


@strawberry.type
class InvoiceQuery:
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
        page = await invoices.list_invoices(
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
        page = await invoices.list_disputes(
            info.context.signed_in, page=page_request(first, after, last, before), criteria=criteria
        )
        return connection(page, BillingDispute.of)

    @field(READ, description="One invoice by id.")
    async def invoice(self, info: strawberry.Info, id: strawberry.ID) -> Invoice | None:
        row = await info.context.loaders.invoices.load(decode_id(id, "Invoice", ["id"]))
        if row is None:
            raise NotFound("invoice.not_found", field=["id"])
        return Invoice.of(row)


async def _invoice_now(info: strawberry.Info, invoice_id: int) -> Invoice:
    row = await models.Invoice.get(id=invoice_id)
    return Invoice.of(row)


@strawberry.type
class InvoiceMutation:
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
            return await invoices.issue_invoice(
                info.context.actor, order, idempotency_key=input.idempotency_key
            )

        row, errors = await attempted(info, work)
        return InvoicePayload(invoice=row and Invoice.of(row), user_errors=errors)

    @mutation(WRITE, description="Void an open invoice nothing was paid on.")
    async def void_invoice(
        self, info: strawberry.Info, input: VoidInvoiceInput
    ) -> InvoicePayload | None:
        row, errors = await attempted(
            info,
            lambda: invoices.void_invoice(
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
            return await invoices.record_payment(
                info.context.actor, order, idempotency_key=input.idempotency_key
            )

        row, errors = await attempted(info, work)
        if row is None:
            return PaymentPayload(payment=None, invoice=None, user_errors=errors)
        return PaymentPayload(
            payment=Payment.of(row),
            invoice=await _invoice_now(info, row.invoice_id),
            user_errors=[],
        )

    @mutation(
        Capability.DISPUTES_WRITE,
        description="Dispute an invoice, or an `amount` of it, on the customer's behalf: what "
        "it disputes leads to no reminder or suspension while it is open.",
    )
    async def open_billing_dispute(
        self, info: strawberry.Info, input: OpenBillingDisputeInput
    ) -> BillingDisputePayload | None:
        row, errors = await attempted(
            info,
            lambda: invoices.open_dispute(
                info.context.actor,
                invoice_id=decode_id(input.invoice_id, "Invoice", ["invoiceId"]),
                reason=input.reason,
                amount=input.amount,
                idempotency_key=input.idempotency_key,
            ),
        )
        return await _dispute_payload(info, row, errors)

    @mutation(Capability.DISPUTES_WRITE, description="Resolve a dispute with its outcome.")
    async def resolve_billing_dispute(
        self, info: strawberry.Info, input: ResolveBillingDisputeInput
    ) -> BillingDisputePayload | None:
        row, errors = await attempted(
            info,
            lambda: invoices.resolve_dispute(
                info.context.actor,
                dispute_id=decode_id(input.id, "BillingDispute", ["id"]),
                outcome=input.outcome,
                resolution=input.resolution,
                credit=input.credit,
                expected_version=input.expected_version,
            ),
        )
        return await _dispute_payload(info, row, errors)


async def _dispute_payload(
    info: strawberry.Info, row: Any, errors: list[UserError]
) -> BillingDisputePayload:
    if row is None:
        return BillingDisputePayload(dispute=None, invoice=None, user_errors=errors)
    invoice = await _invoice_now(info, row.invoice_id)
    return BillingDisputePayload(dispute=BillingDispute.of(row), invoice=invoice, user_errors=[])
