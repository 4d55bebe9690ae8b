"""The billing relationship: who bills each customer, on what terms, and where it stands.

The seller of a customer (its reseller, else the tenant root) bills it and owns the
relationship; an indirect provider sees its resellers' billing as it sees their customers.
Every stored sum is in whole minor units of its currency.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from tortoise.transactions import in_transaction

from auth.viewer import Viewer
from resolvers import subscriptions
from resolvers.audit import Actor, record_change, snapshot
from resolvers.customers import get_customer
from resolvers.errors import (
    BadInput,
    InvalidInput,
    VersionConflict,
    created_first,
)
from resolvers.models import (
    BillingAccount,
    Customer,
    DisputeStatus,
    Invoice,
    InvoiceStatus,
    Subscription,
    SubscriptionStatus,
    SuspensionReason,
)
from resolvers.money import (
    amount_of,
    currency_code,
    currency_for_country,
    minor_units,
)
from resolvers.rows import Row, Where, select, select_rows
from resolvers.tenancy import visible_rows

DEFAULT_PAYMENT_TERMS_DAYS = 30
MAX_PAYMENT_TERMS_DAYS = 365


OPEN, PAID, VOID, DISPUTED = (
    InvoiceStatus.OPEN,
    InvoiceStatus.PAID,
    InvoiceStatus.VOID,
    InvoiceStatus.DISPUTED,
)

ACCOUNT_AUDITED = ("currency", "payment_terms_days", "credit_limit", "version")


# -- amounts ----------------------------------------------------------------------------------


def rounded(amount: Decimal, currency: str) -> Decimal:
    """Half-up to the currency's minor unit: 0.125 EUR is 0.13, 2.5 JPY is 3."""
    return amount.quantize(Decimal(1).scaleb(-minor_units(currency)), rounding=ROUND_HALF_UP)


def today() -> date:
    return subscriptions.now().date()


def invoice_number(sequence: int) -> str:
    return f"INV-{sequence:06d}"


def shown_status(row: Any, on: date | None = None) -> InvoiceStatus | str:
    """OVERDUE for an open invoice past its due date, else the stored status."""
    if row.status == OPEN and row.due_date < (on or today()):
        return "OVERDUE"
    return row.status


def amount_due_minor(row: Any) -> int:
    if row.status in (VOID, PAID):
        return 0
    return row.total_minor - row.paid_minor - row.credited_minor


def held_back_minor(disputed_minor: int | None, due: int) -> int:
    """What an open dispute holds back of what is due: the amount it names, or all of it."""
    return due if disputed_minor is None else min(disputed_minor, due)


# What collections pursue of an invoice, in SQL over `invoices`: all that is due on an open
# one and, on a disputed one, what its open dispute doesn't hold back (`held_back_minor`), so
# that disputing a small part of an invoice doesn't shield the rest of it.
DUE = "invoices.total_minor - invoices.paid_minor - invoices.credited_minor"
COLLECTIBLE = (
    f"CASE WHEN invoices.status = '{OPEN}' THEN {DUE} ELSE COALESCE(("  # noqa: S608
    f"SELECT MIN({DUE} - disputes.amount_minor) FROM billing_disputes AS disputes "
    f"WHERE disputes.invoice_id = invoices.id AND disputes.status = '{DisputeStatus.OPEN}'"
    "), 0) END"
)


def overdue_invoices(where: Where, on: date) -> tuple[str, list[Any]]:
    """A statement of `(id, customer_id, due_date, collectible)` for the invoices of `where`
    past due on `on` with something to collect, and its values: what makes a customer late."""
    where = where.copy().one_of("status", [OPEN.value, DISPUTED.value]).add("due_date < {}", on)
    return (
        f"SELECT id, customer_id, due_date, collectible FROM (SELECT id, customer_id, due_date, "  # noqa: S608
        f"{COLLECTIBLE} AS collectible FROM invoices{where.sql()}) AS past_due "
        "WHERE collectible > 0",
        where.values,
    )


# -- reading ----------------------------------------------------------------------------------


def visible(model: Any, viewer: Viewer) -> Where:
    return Where(model).equal(**visible_rows(viewer))


@dataclass(frozen=True)
class BillingSummary:
    """What a customer's invoices add up to, in minor units of its billing currency."""

    account: Row | None
    balance_minor: int = 0  # everything not paid, credited or void, disputed included
    overdue_minor: int = 0  # past due and not held back by a dispute
    disputed_minor: int = 0  # held back by open disputes
    oldest_overdue: date | None = None
    suspended_for_non_payment: bool = False

    def days_past_due(self, on: date) -> int:
        return 0 if self.oldest_overdue is None else (on - self.oldest_overdue).days


SUMMED = (
    f"SELECT customer_id, status, SUM({DUE}), SUM({COLLECTIBLE}) "  # noqa: S608
    "FROM invoices{where} GROUP BY customer_id, status"
)


async def billing_summaries(viewer: Viewer, customer_ids: Sequence[int]) -> list[BillingSummary]:
    """A DataLoader's batch: each customer's account and the sums of its unpaid invoices, in
    three statements for any number of customers."""
    on = today()
    accounts = {
        row.customer_id: row
        for row in await select_rows(
            visible(BillingAccount, viewer).one_of("customer_id", customer_ids)
        )
    }
    totals: dict[int, dict[str, Any]] = {key: {} for key in customer_ids}
    unpaid = visible(Invoice, viewer).one_of("customer_id", customer_ids)
    unpaid.one_of("status", [OPEN.value, DISPUTED.value])
    sums = await select(Invoice, SUMMED.format(where=unpaid.sql()), *unpaid.values)
    overdue, values = overdue_invoices(
        visible(Invoice, viewer).one_of("customer_id", customer_ids), on
    )
    late = await select(
        Invoice,
        "SELECT customer_id, SUM(collectible), MIN(due_date) "  # noqa: S608
        f"FROM ({overdue}) AS late GROUP BY customer_id",
        *values,
    )
    for customer_id, status, amount, collectible in sums:
        found = totals[customer_id]
        found["balance_minor"] = found.get("balance_minor", 0) + int(amount)
        if status == DISPUTED.value:  # what the disputes hold back
            held_back = int(amount) - int(collectible)
            found["disputed_minor"] = found.get("disputed_minor", 0) + held_back
    for customer_id, amount, oldest in late:
        totals[customer_id]["overdue_minor"] = int(amount)
        totals[customer_id]["oldest_overdue"] = (
            date.fromisoformat(oldest) if isinstance(oldest, str) else oldest
        )
    suspended = visible(Subscription, viewer).one_of("customer_id", customer_ids)
    suspended.equal(status=SubscriptionStatus.SUSPENDED)  # not one disabled when its term ended
    suspended.add("suspension_reasons LIKE {}", f"%{SuspensionReason.NON_PAYMENT.value}%")
    cut_off = {
        row[0]
        for row in await select(
            Subscription,
            f"SELECT DISTINCT customer_id FROM subscriptions{suspended.sql()}",  # noqa: S608
            *suspended.values,
        )
    }
    return [
        BillingSummary(
            account=accounts.get(key),
            balance_minor=totals[key].get("balance_minor", 0),
            overdue_minor=totals[key].get("overdue_minor", 0),
            disputed_minor=totals[key].get("disputed_minor", 0),
            oldest_overdue=totals[key].get("oldest_overdue"),
            suspended_for_non_payment=key in cut_off,
        )
        for key in customer_ids
    ]


# -- terms ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Terms:
    customer_id: int
    currency: str | None = None
    payment_terms_days: int | None = None
    credit_limit: str | Decimal | None = None
    expected_version: int | None = None


def _checked_terms(terms: Terms) -> dict[str, Any]:
    values: dict[str, Any] = {}
    problems = []
    checks = (
        ("currency", lambda value: currency_code(value, ["currency"])),
        ("payment_terms_days", _terms_days),
        ("credit_limit", lambda value: amount_of(value, ["creditLimit"])),
    )
    for name, check in checks:
        value = getattr(terms, name)
        if value is None:
            continue
        try:
            values[name] = check(value)
        except BadInput as problem:
            problems.append(problem)
    if problems:
        raise InvalidInput(problems)
    return values


def _terms_days(value: int) -> int:
    if not 0 <= value <= MAX_PAYMENT_TERMS_DAYS:
        raise BadInput(
            "billing.terms_days", field=["paymentTermsDays"], maximum=MAX_PAYMENT_TERMS_DAYS
        )
    return value


async def _terms_for_update(customer: Customer) -> tuple[Customer, BillingAccount | None]:
    """The customer as it is now and its account, both locked until the caller's transaction
    ends: whoever reads or changes the currency it is billed in (its terms' currency, else its
    country's) takes turns, so an invoice never commits in a currency changed meanwhile."""
    # no key: rows that refer to the customer (a subscription, an invoice) are still inserted
    locked = await Customer.filter(id=customer.id).select_for_update(no_key=True).get()
    account = await BillingAccount.filter(customer_id=customer.id).select_for_update().get_or_none()
    return locked, account


async def set_billing_terms(actor: Actor, terms: Terms) -> BillingAccount:
    """Set a customer's currency, payment terms or credit limit (what is not given stays).
    The currency can't change while invoices in the old one are unpaid."""
    values = _checked_terms(terms)
    async with in_transaction():
        customer, account = await _terms_for_update(
            await get_customer(actor.viewer, terms.customer_id, field=["customerId"])
        )
        if (
            account is not None
            and terms.expected_version is not None
            and account.version != terms.expected_version
        ):
            raise VersionConflict(
                "version.conflict", field=["expectedVersion"], current=account.version
            )
        current = account.currency if account else currency_for_country(customer.country)
        if (
            values.get("currency", current) != current
            and await Invoice.filter(customer_id=customer.id, status__in=[OPEN, DISPUTED]).exists()
        ):
            raise BadInput("billing.currency_in_use", field=["currency"])
        if account is None:
            account = await created_first(
                BillingAccount.create(
                    customer_id=customer.id,
                    partner_id=customer.partner_id,
                    reseller_id=customer.reseller_id,
                    seller_id=customer.seller_id,
                    currency=values.get("currency", current),
                    payment_terms_days=values.get("payment_terms_days", DEFAULT_PAYMENT_TERMS_DAYS),
                    credit_limit=values.get("credit_limit"),
                ),
                field=["expectedVersion"],
            )
            await record_change(
                actor,
                action="billing_account.created",
                row=account,
                fields=ACCOUNT_AUDITED,
                owner=(account.partner_id, account.reseller_id),
            )
            return account
        before = snapshot(account, ACCOUNT_AUDITED)
        account.update_from_dict({**values, "version": account.version + 1})
        await account.save()
        await record_change(
            actor,
            action="billing_account.updated",
            row=account,
            fields=ACCOUNT_AUDITED,
            owner=(account.partner_id, account.reseller_id),
            before=before,
        )
    return account


async def invoicing_terms(customer: Customer) -> tuple[str, int]:
    """The currency the customer is billed in and the days it has to pay, its account locked
    until the caller's transaction ends: the terms can't change before an invoice issued on
    them commits."""
    customer, account = await _terms_for_update(customer)
    if account is None:
        return currency_for_country(customer.country), DEFAULT_PAYMENT_TERMS_DAYS
    return account.currency, account.payment_terms_days
