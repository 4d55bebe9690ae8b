"""Invoices, payments and billing disputes.

Totals are exact: a line's amount is its quantity times its unit price rounded half-up to the
currency's minor unit, an invoice's total the sum of its lines. Invoice numbers run per seller
without gaps: a number is taken in the transaction that issues the invoice, so one that rolls
back gives it back. A payment is counted once per idempotency key, and one that clears what
is overdue lifts what non-payment suspended.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from tortoise.transactions import in_transaction

from auth.viewer import Viewer
from resolvers import collections, idempotency, subscriptions
from resolvers.audit import Actor, record_change, snapshot
from resolvers.billing import (
    DISPUTED,
    OPEN,
    PAID,
    VOID,
    amount_due_minor,
    held_back_minor,
    invoicing_terms,
    rounded,
    shown_status,
    today,
    visible,
)
from resolvers.customers import get_customer
from resolvers.errors import (
    BadInput,
    InvalidInput,
    InvalidStateTransition,
    NotFound,
    VersionConflict,
)
from resolvers.models import (
    BillingDispute,
    Customer,
    DisputeOutcome,
    DisputeStatus,
    Invoice,
    InvoiceLine,
    InvoiceSequence,
    Payment,
    Subscription,
)
from resolvers.money import (
    MAX_AMOUNT,
    amount_of,
    currency_code,
    from_minor,
    minor_units,
    to_minor,
)
from resolvers.pagination import Asked, Page, PageRequest, paginate, parent_pages
from resolvers.rows import Row, Where, rows_by_id, select_rows
from resolvers.tenancy import visible_rows

MAX_LINES = 500
MAX_TEXT = 500
MAX_REFERENCE = 200
MAX_REASON = 2000
CLOCK_SKEW = timedelta(minutes=5)  # a client's clock ahead of ours: not yet the future
INVOICE_AUDITED = (
    "sequence",
    "currency",
    "issued_at",
    "due_date",
    "status",
    "total_minor",
    "paid_minor",
    "credited_minor",
    "paid_at",
    "voided_at",
    "version",
)
DISPUTE_AUDITED = (
    "invoice_id",
    "status",
    "reason",
    "amount_minor",
    "outcome",
    "credited_minor",
    "resolution",
    "resolved_at",
    "version",
)
PAYMENT_AUDITED = ("invoice_id", "amount_minor", "currency", "reference", "received_at", "version")


# -- reading ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class InvoiceFilter:
    customer_id: int | None = None
    status: str | None = None  # an InvoiceStatus or OVERDUE
    updated_since: datetime | None = None

    def where(self, viewer: Viewer) -> Where:
        where = visible(Invoice, viewer)
        if self.customer_id is not None:
            where.equal(customer_id=self.customer_id)
        if self.status == "OVERDUE":
            where.equal(status=OPEN).add("due_date < {}", today())
        elif self.status == OPEN:
            where.equal(status=OPEN).add("due_date >= {}", today())
        elif self.status is not None:
            where.equal(status=self.status)
        if self.updated_since is not None:
            where.add("updated_at >= {}", self.updated_since)
        return where


async def list_invoices(viewer: Viewer, *, page: PageRequest, criteria: InvoiceFilter) -> Page[Row]:
    return await paginate(criteria.where(viewer), page)


async def customer_invoice_pages(
    viewer: Viewer, keys: Sequence[tuple[int, Asked]]
) -> list[Page[Row]]:
    """A DataLoader's batch: for each (customer id, (page and status, columns)), that page of
    the customer's invoices."""
    return await parent_pages(
        keys, "customer_id", lambda status: InvoiceFilter(status=status).where(viewer)
    )


@dataclass(frozen=True)
class DisputeFilter:
    customer_id: int | None = None
    status: DisputeStatus | None = None

    def where(self, viewer: Viewer) -> Where:
        where = visible(BillingDispute, viewer)
        if self.customer_id is not None:
            where.equal(customer_id=self.customer_id)
        if self.status is not None:
            where.equal(status=self.status)
        return where


async def list_disputes(viewer: Viewer, *, page: PageRequest, criteria: DisputeFilter) -> Page[Row]:
    return await paginate(criteria.where(viewer), page)


async def invoices_by_id(viewer: Viewer, ids: Sequence[int]) -> list[Row | None]:
    return await rows_by_id(visible(Invoice, viewer), ids)


async def disputes_by_id(viewer: Viewer, ids: Sequence[int]) -> list[Row | None]:
    return await rows_by_id(visible(BillingDispute, viewer), ids)


async def payments_by_id(viewer: Viewer, ids: Sequence[int]) -> list[Row | None]:
    return await rows_by_id(visible(Payment, viewer), ids)


async def _grouped(model: Any, viewer: Viewer, parent: str, ids: Sequence[int]) -> list[list[Row]]:
    where = visible(model, viewer).one_of(parent, ids)
    found: dict[int, list[Row]] = {key: [] for key in ids}
    for row in await select_rows(where):
        found[getattr(row, parent)].append(row)
    return [found[key] for key in ids]


async def invoice_lines(viewer: Viewer, invoice_ids: Sequence[int]) -> list[list[Row]]:
    """A DataLoader's batch: each invoice's lines in order."""
    lines = await _grouped(InvoiceLine, viewer, "invoice_id", invoice_ids)
    return [sorted(found, key=lambda line: line.position) for found in lines]


async def invoice_payments(viewer: Viewer, invoice_ids: Sequence[int]) -> list[list[Row]]:
    """A DataLoader's batch: each invoice's payments, oldest first."""
    return await _grouped(Payment, viewer, "invoice_id", invoice_ids)


async def invoice_disputes(viewer: Viewer, invoice_ids: Sequence[int]) -> list[list[Row]]:
    """A DataLoader's batch: each invoice's disputes, oldest first."""
    return await _grouped(BillingDispute, viewer, "invoice_id", invoice_ids)


# -- invoices ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewLine:
    description: str
    quantity: str | Decimal
    unit_price: str | Decimal
    subscription_id: int | None = None


@dataclass(frozen=True)
class NewInvoice:
    customer_id: int
    currency: str
    due_date: date | None  # None: on the customer's payment terms
    lines: Sequence[NewLine]
    issued_at: datetime | None = None


def _checked_lines(order: NewInvoice, currency: str) -> list[dict[str, Any]]:
    if not order.lines or len(order.lines) > MAX_LINES:
        raise BadInput("invoice.lines", field=["lines"], maximum=MAX_LINES)
    lines, problems = [], []
    for position, line in enumerate(order.lines):
        where = ["lines", str(position)]
        try:
            description = line.description.strip()
            if not description or len(description) > MAX_TEXT:
                raise BadInput(
                    "text.length", field=[*where, "description"], minimum=1, maximum=MAX_TEXT
                )
            quantity = amount_of(line.quantity, [*where, "quantity"])
            unit_price = amount_of(line.unit_price, [*where, "unitPrice"])
        except BadInput as problem:
            problems.append(problem)
            continue
        amount = rounded(quantity * unit_price, currency)
        if amount > MAX_AMOUNT:  # what the columns hold, summed over every line
            problems.append(BadInput("invoice.line_amount", field=[*where, "quantity"]))
            continue
        lines.append(
            {
                "position": position + 1,
                "description": description,
                "quantity": quantity,
                "unit_price": unit_price,
                "amount_minor": to_minor(amount, currency),
                "subscription_id": line.subscription_id,
            }
        )
    if problems:
        raise InvalidInput(problems)
    if not any(line["amount_minor"] for line in lines):  # nothing to pay, nothing to collect
        raise BadInput("invoice.total", field=["lines"])
    return lines


async def _next_number(seller_id: int) -> int:
    """The seller's next invoice number, taken in the current transaction (the row is
    locked until it ends, so concurrent issuers take turns and nothing is skipped)."""
    await InvoiceSequence.get_or_create(seller_id=seller_id, defaults={"last_number": 0})
    sequence = await InvoiceSequence.filter(seller_id=seller_id).select_for_update().get()
    sequence.last_number += 1
    await sequence.save(update_fields=["last_number"])
    return sequence.last_number


async def issue_invoice(
    actor: Actor, order: NewInvoice, *, idempotency_key: str | None = None
) -> Invoice:
    """Issue an invoice in the customer's billing currency, numbered next for its seller, due
    on `order.due_date` or as many days after its issue as the customer's terms give."""
    viewer = actor.viewer
    currency = currency_code(order.currency, ["currency"])
    lines = _checked_lines(order, currency)
    issued_at = order.issued_at or subscriptions.now()
    if order.due_date is not None and order.due_date < issued_at.date():
        raise BadInput("invoice.due_before_issue", field=["dueDate"])

    async def due_date(customer: Customer) -> date:
        """When it is due, once its customer's terms are checked."""
        billed_in, terms_days = await invoicing_terms(customer)
        if currency != billed_in:
            raise BadInput("invoice.currency", field=["currency"])
        for position, line in enumerate(lines):
            if line["subscription_id"] is not None and not await Subscription.exists(
                id=line["subscription_id"], customer_id=customer.id
            ):
                raise NotFound(
                    "subscription.not_found", field=["lines", str(position), "subscriptionId"]
                )
        return order.due_date or issued_at.date() + timedelta(days=terms_days)

    async def insert() -> Invoice:
        customer = await get_customer(viewer, order.customer_id, field=["customerId"])
        due = await due_date(customer)
        owner = {"partner_id": customer.partner_id, "reseller_id": customer.reseller_id}
        row = await Invoice.create(
            **owner,
            customer_id=customer.id,
            seller_id=customer.seller_id,
            sequence=await _next_number(customer.seller_id),
            currency=currency,
            issued_at=issued_at,
            due_date=due,
            status=OPEN,
            total_minor=sum(line["amount_minor"] for line in lines),
        )
        await InvoiceLine.bulk_create(
            [InvoiceLine(**owner, invoice_id=row.id, currency=currency, **line) for line in lines]
        )
        await _changed(actor, row, "invoice.issued")
        return row

    async def recheck() -> None:
        await due_date(await get_customer(viewer, order.customer_id, field=["customerId"]))

    return await idempotency.create_once(
        viewer,
        operation="issueInvoice",
        key=idempotency_key,
        payload={
            "customer_id": order.customer_id,
            "currency": currency,
            "due_date": order.due_date.isoformat() if order.due_date else None,
            "issued_at": order.issued_at.isoformat() if order.issued_at else None,
            "lines": [
                {
                    **line,
                    "quantity": line["quantity"].normalize(),
                    "unit_price": line["unit_price"].normalize(),
                }
                for line in lines
            ],
        },
        create=insert,
        load=lambda pk: Invoice.get(id=pk),
        recheck=recheck,
    )


async def _changed(
    actor: Actor, row: Any, action: str, before: dict[str, Any] | None = None
) -> None:
    fields = {
        Invoice: INVOICE_AUDITED,
        BillingDispute: DISPUTE_AUDITED,
        Payment: PAYMENT_AUDITED,
    }[type(row)]
    await record_change(
        actor,
        action=action,
        row=row,
        fields=fields,
        owner=(row.partner_id, row.reseller_id),
        before=before,
    )


async def _invoice_for_update(
    viewer: Viewer, invoice_id: int, expected: int | None = None, field: str = "invoiceId"
) -> Invoice:
    row = (
        await Invoice.filter(**visible_rows(viewer), id=invoice_id)
        .select_for_update()
        .get_or_none()
    )
    if row is None:
        raise NotFound("invoice.not_found", field=[field])
    if expected is not None and row.version != expected:
        raise VersionConflict("version.conflict", field=["expectedVersion"], current=row.version)
    return row


async def _save_invoice(actor: Actor, row: Invoice, action: str, values: dict[str, Any]) -> None:
    before = snapshot(row, INVOICE_AUDITED)
    values = {**values, "version": row.version + 1, "updated_at": subscriptions.now()}
    if await Invoice.filter(id=row.id, version=row.version).update(**values) != 1:
        raise VersionConflict("version.conflict", field=["expectedVersion"])
    row.update_from_dict(values)
    await _changed(actor, row, action, before)


async def void_invoice(
    actor: Actor, *, invoice_id: int, expected_version: int | None = None
) -> Invoice:
    """Void an open invoice nothing was paid on; its number stays taken."""
    async with in_transaction():
        row = await _invoice_for_update(actor.viewer, invoice_id, expected_version, field="id")
        if row.status != OPEN or row.paid_minor:
            raise InvalidStateTransition(
                "invoice.transition", field=["id"], status=shown_status(row)
            )
        await _save_invoice(
            actor, row, "invoice.voided", {"status": VOID, "voided_at": subscriptions.now()}
        )
        await _after_payment(actor, row.customer_id, row.seller_id)  # nothing due on it now
    return row


# -- payments ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewPayment:
    invoice_id: int
    amount: str | Decimal
    currency: str
    reference: str
    received_at: datetime | None = None


def _checked_payment(order: NewPayment) -> tuple[Decimal, str, str]:
    problems, checked = [], []
    for check in (
        lambda: amount_of(order.amount, ["amount", "amount"]),
        lambda: currency_code(order.currency, ["amount", "currency"]),
        lambda: _reference(order.reference),
    ):
        try:
            checked.append(check())
        except BadInput as problem:
            problems.append(problem)
    if problems:
        raise InvalidInput(problems)
    amount, currency, reference = checked
    if amount <= 0 or rounded(amount, currency) != amount:
        raise BadInput("payment.amount", field=["amount", "amount"], decimals=minor_units(currency))
    if order.received_at is not None and order.received_at > subscriptions.now() + CLOCK_SKEW:
        raise BadInput("payment.received_future", field=["receivedAt"])
    return amount, currency, reference


def _reference(value: str) -> str:
    reference = value.strip()
    if not reference or len(reference) > MAX_REFERENCE:
        raise BadInput("text.length", field=["reference"], minimum=1, maximum=MAX_REFERENCE)
    return reference


async def record_payment(
    actor: Actor, order: NewPayment, *, idempotency_key: str | None = None
) -> Payment:
    """Record a customer's payment of an invoice (an ERP connector's retry with the same key
    is the same payment). It can't exceed what is due nor be in another currency. A payment
    that clears the customer's overdue balance lifts the suspensions for non-payment, as its
    seller's policy says."""
    viewer = actor.viewer
    amount, currency, reference = _checked_payment(order)

    async def insert() -> Payment:
        invoice = await _invoice_for_update(viewer, order.invoice_id)
        if invoice.status not in (OPEN, DISPUTED):
            raise InvalidStateTransition(
                "payment.invoice_closed", field=["invoiceId"], status=shown_status(invoice)
            )
        if currency != invoice.currency:
            raise BadInput(
                "payment.currency", field=["amount", "currency"], currency=invoice.currency
            )
        paid = to_minor(amount, currency)
        due = amount_due_minor(invoice)
        payable, refusal = due, "payment.overpaid"
        if invoice.status == DISPUTED:  # what is disputed waits for the dispute's outcome
            payable, refusal = due - await _disputed_minor(invoice, due), "payment.disputed"
        if paid > payable:
            raise BadInput(
                refusal,
                field=["amount", "amount"],
                due=str(from_minor(payable, currency)),
                currency=currency,
            )
        moment = subscriptions.now()
        payment = await Payment.create(
            invoice_id=invoice.id,
            customer_id=invoice.customer_id,
            partner_id=invoice.partner_id,
            reseller_id=invoice.reseller_id,
            amount_minor=paid,
            currency=currency,
            reference=reference,
            received_at=order.received_at or moment,
        )
        await _changed(actor, payment, "payment.recorded")
        values: dict[str, Any] = {"paid_minor": invoice.paid_minor + paid}
        if paid == due and invoice.status == OPEN:
            values |= {"status": PAID, "paid_at": max(moment, payment.received_at)}
        await _save_invoice(
            actor, invoice, "invoice.paid" if "status" in values else "invoice.part_paid", values
        )
        await _after_payment(actor, invoice.customer_id, invoice.seller_id)
        return payment

    async def recheck() -> None:
        return None

    return await idempotency.create_once(
        viewer,
        operation="recordPayment",
        key=idempotency_key,
        payload={
            "invoice_id": order.invoice_id,
            "amount": amount.normalize(),
            "currency": currency,
            "reference": reference,
            "received_at": order.received_at.isoformat() if order.received_at else None,
        },
        create=insert,
        load=lambda pk: Payment.get(id=pk),
        recheck=recheck,
    )


async def _disputed_minor(invoice: Invoice, due: int) -> int:
    """How much of a disputed invoice its open dispute holds back: the amount it names, or
    all that is due."""
    dispute = await BillingDispute.get_or_none(invoice_id=invoice.id, status=DisputeStatus.OPEN)
    return due if dispute is None else held_back_minor(dispute.amount_minor, due)


async def _after_payment(actor: Actor, customer_id: int, seller_id: int) -> None:
    """Lift the suspensions for non-payment of a customer with nothing overdue any more,
    if its seller's policy reactivates on payment."""
    await collections.reactivate_paid_up(actor, customer_id, seller_id)


# -- disputes ---------------------------------------------------------------------------------


async def open_dispute(
    actor: Actor,
    *,
    invoice_id: int,
    reason: str,
    amount: str | Decimal | None = None,
    idempotency_key: str | None = None,
) -> BillingDispute:
    """Dispute an invoice, or `amount` of it, on the customer's behalf: it is DISPUTED until
    the dispute is resolved, and what the dispute holds back is not collected meanwhile."""
    text = reason.strip()
    if not text or len(text) > MAX_REASON:
        raise BadInput("text.length", field=["reason"], minimum=1, maximum=MAX_REASON)
    value = None if amount is None else amount_of(amount, ["amount"])

    async def insert() -> BillingDispute:
        invoice = await _invoice_for_update(actor.viewer, invoice_id)
        if invoice.status != OPEN:
            raise InvalidStateTransition(
                "dispute.invoice_not_open", field=["invoiceId"], status=shown_status(invoice)
            )
        disputed = None
        if value is not None:
            disputed = to_minor(rounded(value, invoice.currency), invoice.currency)
            if value != rounded(value, invoice.currency) or not 0 < disputed <= amount_due_minor(
                invoice
            ):
                raise BadInput("dispute.amount", field=["amount"])
        dispute = await BillingDispute.create(
            invoice_id=invoice.id,
            customer_id=invoice.customer_id,
            partner_id=invoice.partner_id,
            reseller_id=invoice.reseller_id,
            reason=text,
            currency=invoice.currency,
            amount_minor=disputed,
            status=DisputeStatus.OPEN,
            opened_at=subscriptions.now(),
        )
        await _changed(actor, dispute, "dispute.opened")
        await _save_invoice(actor, invoice, "invoice.disputed", {"status": DISPUTED})
        return dispute

    return await idempotency.create_once(
        actor.viewer,
        operation="openBillingDispute",
        key=idempotency_key,
        payload={
            "invoice_id": invoice_id,
            "reason": text,
            # "10" and "10.00" are the same amount
            "amount": None if value is None else str(value.normalize()),
        },
        create=insert,
        load=idempotency.visible(
            disputes_by_id, actor.viewer, NotFound("dispute.not_found", field=["invoiceId"])
        ),
    )


async def resolve_dispute(
    actor: Actor,
    *,
    dispute_id: int,
    outcome: DisputeOutcome,
    resolution: str,
    credit: str | Decimal | None = None,
    expected_version: int | None = None,
) -> BillingDispute:
    """Resolve a dispute: UPHELD credits the disputed amount (the whole amount due, if none
    was named), PARTIALLY_UPHELD credits `credit`, REJECTED credits nothing. The invoice is
    open again, or paid if nothing is left to pay."""
    text = resolution.strip()
    if not text or len(text) > MAX_REASON:
        raise BadInput("text.length", field=["resolution"], minimum=1, maximum=MAX_REASON)
    async with in_transaction():
        dispute = (
            await BillingDispute.filter(**visible_rows(actor.viewer), id=dispute_id)
            .select_for_update()
            .get_or_none()
        )
        if dispute is None:
            raise NotFound("dispute.not_found", field=["id"])
        if expected_version is not None and dispute.version != expected_version:
            raise VersionConflict(
                "version.conflict", field=["expectedVersion"], current=dispute.version
            )
        if dispute.status != DisputeStatus.OPEN:
            raise InvalidStateTransition("dispute.resolved", field=["id"])
        invoice = await _invoice_for_update(actor.viewer, dispute.invoice_id)
        due = amount_due_minor(invoice)
        credited = _credit(outcome, dispute, invoice, due, credit)
        before = snapshot(dispute, DISPUTE_AUDITED)
        moment = subscriptions.now()
        dispute.update_from_dict(
            {
                "status": DisputeStatus.RESOLVED,
                "outcome": outcome,
                "credited_minor": credited,
                "resolution": text,
                "resolved_at": moment,
                "version": dispute.version + 1,
            }
        )
        await dispute.save()
        await _changed(actor, dispute, "dispute.resolved", before)
        values: dict[str, Any] = {"credited_minor": invoice.credited_minor + credited}
        values["status"] = PAID if credited == due else OPEN
        if credited == due:
            values["paid_at"] = moment
        await _save_invoice(actor, invoice, "invoice.dispute_resolved", values)
        if credited == due:
            await _after_payment(actor, invoice.customer_id, invoice.seller_id)
    return dispute


def _credit(
    outcome: DisputeOutcome, dispute: BillingDispute, invoice: Invoice, due: int, credit: Any
) -> int:
    if outcome == DisputeOutcome.REJECTED:
        if credit is not None:
            raise BadInput("dispute.credit_rejected", field=["credit"])
        return 0
    upheld = held_back_minor(dispute.amount_minor, due)
    if outcome == DisputeOutcome.UPHELD:
        if credit is not None:
            raise BadInput("dispute.credit_upheld", field=["credit"])
        return upheld
    if credit is None:
        raise BadInput("dispute.credit_missing", field=["credit"])
    value = amount_of(credit, ["credit"])
    credited = to_minor(rounded(value, invoice.currency), invoice.currency)
    # in part: less than upholding it would credit (the disputed amount)
    if value != rounded(value, invoice.currency) or not 0 < credited < upheld:
        raise BadInput("dispute.credit", field=["credit"])
    return credited
