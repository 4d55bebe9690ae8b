"""Collections: a seller's policy for unpaid invoices, and the runs that apply it.

A run looks at the seller's invoices past their due date on a day (`as_of`) with something to
collect (`billing.COLLECTIBLE`: what an open dispute holds back is not): it sends the latest
reminder each invoice has reached and not had yet, suspends for non-payment what the policy
says once a customer is `suspend_after_days` past due, and reactivates what non-payment
suspended for customers with nothing overdue any more (if the policy says so). Everything a
run does is recorded, and what it did is not done again: a second run on the same day does
nothing.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from auth.viewer import Viewer
from resolvers import subscriptions
from resolvers.audit import Actor, record_change, snapshot, system_actor
from resolvers.billing import overdue_invoices
from resolvers.errors import BadInput, InvalidInput, NotFound, VersionConflict, created_first
from resolvers.models import (
    CollectionAction,
    CollectionActionKind,
    CollectionsPolicy,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Subscription,
    SubscriptionStatus,
    SuspensionReason,
    SuspensionScope,
)
from resolvers.rows import Row, Where, rows_by_id, select
from resolvers.subscriptions import add_suspension, back_on_payment, lift_reasons, reasons_of
from resolvers.tenancy import owner_of_new_row, visible_rows

NON_PAYMENT = SuspensionReason.NON_PAYMENT
UNPAID = (InvoiceStatus.OPEN, InvoiceStatus.DISPUTED)
Progress = Callable[[int, int], None]  # told (customers handled, customers to handle)
MAX_DAYS = 3650
MAX_REMINDERS = 10
MAX_NOTICE = 2000
ACTION_AUDITED = ("kind", "invoice_id", "threshold_days", "days_past_due", "as_of", "version")
POLICY_AUDITED = (
    "reminder_days",
    "suspend_after_days",
    "scope",
    "reactivate_on_payment",
    "customer_notice",
    "version",
)


# -- the policy -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PolicyOrder:
    reminder_days_past_due: Sequence[int]
    suspend_after_days_past_due: int | None
    reactivate_on_payment: bool
    scope: SuspensionScope = SuspensionScope.ALL_SUBSCRIPTIONS
    customer_notice: str | None = None
    expected_version: int | None = None

    def checked(self) -> dict[str, Any]:
        problems = []
        days = sorted(set(self.reminder_days_past_due))
        if len(days) > MAX_REMINDERS or any(not 0 <= day <= MAX_DAYS for day in days):
            problems.append(
                BadInput(
                    "collections.reminder_days",
                    field=["reminderDaysPastDue"],
                    count=MAX_REMINDERS,
                    maximum=MAX_DAYS,
                )
            )
        suspend = self.suspend_after_days_past_due
        if suspend is not None and not 1 <= suspend <= MAX_DAYS:
            problems.append(
                BadInput(
                    "collections.suspend_after", field=["suspendAfterDaysPastDue"], maximum=MAX_DAYS
                )
            )
        notice = self.customer_notice.strip() if self.customer_notice else None
        if notice is not None and len(notice) > MAX_NOTICE:
            problems.append(
                BadInput("text.length", field=["customerNotice"], minimum=1, maximum=MAX_NOTICE)
            )
        if problems:
            raise InvalidInput(problems)
        return {
            "reminder_days": ",".join(str(day) for day in days),
            "suspend_after_days": suspend,
            "scope": self.scope,
            "reactivate_on_payment": self.reactivate_on_payment,
            "customer_notice": notice or None,
        }


def reminder_days(policy: Any) -> list[int]:
    return [int(day) for day in policy.reminder_days.split(",")] if policy.reminder_days else []


async def policy_of(seller_id: int) -> CollectionsPolicy | None:
    return await CollectionsPolicy.get_or_none(seller_id=seller_id)


async def policies_by_seller(viewer: Viewer, seller_ids: Sequence[int]) -> list[Any]:
    """A DataLoader's batch: the policy of each seller the viewer sees (None without one)."""
    found = {
        row.seller_id: row
        for row in await CollectionsPolicy.filter(seller_id__in=list(seller_ids))
        if _sees(viewer, row)
    }
    return [found.get(key) for key in seller_ids]


async def policies_by_id(viewer: Viewer, ids: Sequence[int]) -> list[Row | None]:
    """A DataLoader's batch: the policies with these ids the viewer sees (`node(id:)`)."""
    return await rows_by_id(Where(CollectionsPolicy).equal(**visible_rows(viewer)), ids)


def _sees(viewer: Viewer, row: Any) -> bool:
    if viewer.is_reseller:
        return row.reseller_id == viewer.partner_id
    return row.partner_id == viewer.partner_id


async def set_policy(actor: Actor, order: PolicyOrder) -> CollectionsPolicy:
    """The viewer's own policy, for the customers it sells to."""
    viewer = actor.viewer
    values = order.checked()
    owner = owner_of_new_row(viewer, None)
    async with in_transaction():
        policy = (
            await CollectionsPolicy.filter(seller_id=viewer.partner_id)
            .select_for_update()
            .get_or_none()
        )
        if policy is None:
            policy = await created_first(
                CollectionsPolicy.create(seller_id=viewer.partner_id, **owner, **values),
                field=["expectedVersion"],
            )
            before = None
        else:
            if order.expected_version is not None and policy.version != order.expected_version:
                raise VersionConflict(
                    "version.conflict", field=["expectedVersion"], current=policy.version
                )
            before = snapshot(policy, POLICY_AUDITED)
            policy.update_from_dict({**values, "version": policy.version + 1})
            await policy.save()
        await record_change(
            actor,
            action="collections_policy.set",
            row=policy,
            fields=POLICY_AUDITED,
            owner=(policy.partner_id, policy.reseller_id),
            before=before,
        )
    return policy


# -- runs -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    kind: CollectionActionKind
    customer_id: int
    days_past_due: int
    invoice_id: int | None = None
    subscription_id: int | None = None
    threshold_days: int | None = None


async def run_collections(
    actor: Actor, *, as_of: date, dry_run: bool, progress: Progress | None = None
) -> list[Action]:
    """What the viewer's policy asks for its customers on `as_of`; applied (with an audit
    record and change event for each change) in one transaction unless `dry_run`.
    `progress(done, total)` is told as customers are handled."""
    return await _run(actor, actor.viewer.partner_id, as_of, dry_run, progress)


async def run_every_policy(
    *, as_of: date, dry_run: bool, progress: Callable[[int, int], Progress] | None = None
) -> Counter[str]:
    """Collections for every seller with a policy, one transaction each, as partnergraph
    itself (the CLI and the scheduler). `progress(seller, sellers)` gives the progress
    callback of each run. Returns how many actions of each kind there were."""
    actor = system_actor("collections")
    sellers = (
        await CollectionsPolicy.all().order_by("seller_id").values_list("seller_id", flat=True)
    )
    counted: Counter[str] = Counter()
    for position, seller_id in enumerate(sellers, start=1):
        told = progress(position, len(sellers)) if progress is not None else None
        for action in await _run(actor, seller_id, as_of, dry_run, told):
            counted[action.kind.value] += 1
    return counted


async def _run(
    actor: Actor, seller_id: int, as_of: date, dry_run: bool, progress: Progress | None
) -> list[Action]:
    if not dry_run and as_of > subscriptions.now().date():
        # reminders and suspensions for what isn't due yet would be sent for real
        raise BadInput("collections.future", field=["asOf"])
    policy = await policy_of(seller_id)
    if policy is None:
        raise NotFound("collections.no_policy")
    async with in_transaction():
        actions = await _planned(seller_id, policy, as_of, progress, lock=not dry_run)
        if not dry_run:
            await _apply(actor, seller_id, actions, as_of)
    return actions


async def _planned(
    seller_id: int, policy: Any, as_of: date, progress: Progress | None, *, lock: bool
) -> list[Action]:
    """The run's actions. With `lock`, the run's transaction locks the overdue invoices and
    the subscriptions it acts on as it reads them, so that they stay as planned until they
    are applied: a payment, a dispute or a cancellation committing meanwhile waits for the
    run, or the run reads it once it has committed."""
    past_due = await _locked(
        Invoice.filter(seller_id=seller_id, status__in=UNPAID, due_date__lt=as_of), lock
    ).order_by("customer_id", "due_date", "id")
    # read once they are locked: a payment or a dispute changes them only under their lock
    statement, values = overdue_invoices(Where(Invoice).equal(seller_id=seller_id), as_of)
    collectible = {record[0] for record in await select(Invoice, statement, *values)}
    overdue = [invoice for invoice in past_due if invoice.id in collectible]
    by_customer: dict[int, list[Invoice]] = {}
    for invoice in overdue:
        by_customer.setdefault(invoice.customer_id, []).append(invoice)
    reminded = {
        (row.invoice_id, row.threshold_days)
        for row in await CollectionAction.filter(
            invoice_id__in=[invoice.id for invoice in overdue], kind=CollectionActionKind.REMIND
        )
    }
    thresholds = reminder_days(policy)
    suspend_after = policy.suspend_after_days
    lateness = {
        customer_id: max((as_of - invoice.due_date).days for invoice in invoices)
        for customer_id, invoices in by_customer.items()
    }
    delinquent = {
        customer_id: by_customer[customer_id]
        for customer_id, late in lateness.items()
        if suspend_after is not None and late >= suspend_after
    }
    # the subscriptions a suspension reaches are locked before those that may come back, each
    # base before its add-ons, as suspending or cancelling a base locks them: no deadlock
    affected = await _affected(policy, delinquent, lock)
    cut_off = await _locked(back_on_payment(seller_id=seller_id), lock).order_by(
        "customer_id", "id"
    )
    customers = sorted({*by_customer, *(row.customer_id for row in cut_off)})
    actions: list[Action] = []
    if progress is not None:
        progress(0, len(customers))
    for done, customer_id in enumerate(customers, start=1):
        invoices = by_customer.get(customer_id, [])
        late = lateness.get(customer_id, 0)
        for invoice in invoices:
            days = (as_of - invoice.due_date).days
            reached = [day for day in thresholds if day <= days]
            if reached and (invoice.id, reached[-1]) not in reminded:
                actions.append(
                    Action(
                        CollectionActionKind.REMIND,
                        customer_id,
                        days,
                        invoice_id=invoice.id,
                        threshold_days=reached[-1],
                    )
                )
        if customer_id in delinquent:
            for subscription in affected.get(customer_id, ()):
                actions.append(
                    Action(
                        CollectionActionKind.SUSPEND,
                        customer_id,
                        late,
                        subscription_id=subscription.id,
                    )
                )
        elif not invoices and policy.reactivate_on_payment:
            for subscription in cut_off:
                if subscription.customer_id == customer_id:
                    actions.append(
                        Action(
                            CollectionActionKind.REACTIVATE,
                            customer_id,
                            0,
                            subscription_id=subscription.id,
                        )
                    )
        if progress is not None:
            progress(done, len(customers))
    return actions


async def _affected(
    policy: Any, delinquent: dict[int, list[Invoice]], lock: bool
) -> dict[int, list[Subscription]]:
    """Each delinquent customer's subscriptions that a suspension for non-payment reaches
    and hasn't yet (by the policy's scope: all, or those its overdue invoices bill and their
    add-ons), in two statements for any number of customers."""
    if not delinquent:
        return {}
    rows = await _locked(
        Subscription.filter(
            customer_id__in=list(delinquent),
            status__in=[SubscriptionStatus.ACTIVE, SubscriptionStatus.SUSPENDED],
        ),
        lock,
    ).order_by("customer_id", "id")
    if policy.scope == SuspensionScope.INVOICED_SUBSCRIPTIONS:
        invoice_ids = [invoice.id for invoices in delinquent.values() for invoice in invoices]
        bases = set(
            await InvoiceLine.filter(
                invoice_id__in=invoice_ids, subscription_id__not_isnull=True
            ).values_list("subscription_id", flat=True)
        )
        rows = [row for row in rows if row.id in bases or row.parent_id in bases]
    found: dict[int, list[Subscription]] = {}
    for row in rows:
        if NON_PAYMENT not in reasons_of(row):
            found.setdefault(row.customer_id, []).append(row)
    return found


def _locked(rows: QuerySet[Any], lock: bool) -> QuerySet[Any]:
    return rows.select_for_update() if lock else rows


async def _apply(actor: Actor, seller_id: int, actions: list[Action], as_of: date) -> None:
    run_id = f"collections-{uuid.uuid4().hex[:12]}"
    owners: dict[int, Any] = {}
    suspended: set[int] = set()  # an add-on whose base is among them follows its base
    for action in actions:
        if action.subscription_id is not None:
            row = await Subscription.filter(id=action.subscription_id).select_for_update().get()
            if action.kind == CollectionActionKind.SUSPEND:
                with_base = row.parent_id in suspended
                await add_suspension(actor, row, NON_PAYMENT, from_base=with_base)
                suspended.add(row.id)
            else:
                await lift_reasons(actor, row, [NON_PAYMENT])
            owner = (row.partner_id, row.reseller_id)
        else:
            if action.invoice_id not in owners:
                invoice = await Invoice.get(id=action.invoice_id)
                owners[action.invoice_id] = (invoice.partner_id, invoice.reseller_id)
            owner = owners[action.invoice_id]
        done = await CollectionAction.create(
            run_id=run_id,
            partner_id=owner[0],
            reseller_id=owner[1],
            seller_id=seller_id,
            kind=action.kind,
            customer_id=action.customer_id,
            invoice_id=action.invoice_id,
            subscription_id=action.subscription_id,
            threshold_days=action.threshold_days,
            days_past_due=action.days_past_due,
            as_of=as_of,
        )
        if action.kind == CollectionActionKind.REMIND:  # the others change a subscription
            await record_change(
                actor,
                action="collections.reminded",
                row=done,
                fields=ACTION_AUDITED,
                owner=owner,
            )


async def reactivate_paid_up(actor: Actor, customer_id: int, seller_id: int) -> None:
    """After a payment: a customer with nothing overdue gets back what non-payment
    suspended, if its seller's policy reactivates on payment (in the payment's
    transaction)."""
    policy = await policy_of(seller_id)
    if policy is None or not policy.reactivate_on_payment:
        return
    where = Where(Invoice).equal(customer_id=customer_id)
    statement, values = overdue_invoices(where, subscriptions.now().date())
    if await select(Invoice, f"{statement} LIMIT 1", *values):
        return
    suspended = await back_on_payment(customer_id=customer_id).select_for_update().order_by("id")
    for row in suspended:
        await lift_reasons(actor, row, [NON_PAYMENT])
