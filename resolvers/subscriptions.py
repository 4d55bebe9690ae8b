"""Subscriptions and Partner Center's new-commerce rules for them.

- Cancelling, and reducing the quantity, is possible only within 7 days of the purchase or
  the last renewal (`CANCELLATION_WINDOW_CLOSED` after).
- Suspending turns auto-renew off; a subscription may be suspended for several reasons at
  once and becomes active again only when none is left. Reactivation is possible only before
  the term ends. Suspending, reactivating or cancelling a base subscription does the same to
  its add-ons; an add-on is not reactivated while its base is suspended.
- Any other move between statuses is `INVALID_STATE_TRANSITION`.
"""

from __future__ import annotations

import calendar
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from auth.viewer import Viewer
from resolvers import idempotency
from resolvers.audit import Actor, record_change, snapshot, system_actor
from resolvers.customers import get_customer
from resolvers.errors import (
    BadInput,
    CancellationWindowClosed,
    DomainError,
    InvalidInput,
    InvalidStateTransition,
    NotFound,
    VersionConflict,
)
from resolvers.models import (
    BillingCycle,
    ProductFamily,
    Subscription,
    SubscriptionQuantity,
    SubscriptionStatus,
    SuspensionReason,
)
from resolvers.money import Money, money_of
from resolvers.pagination import Asked, Page, PageRequest, paginate, parent_pages
from resolvers.rows import Row, Where, rows_by_id, select_rows
from resolvers.tenancy import visible_rows

ACTIVE, SUSPENDED, DELETED = (
    SubscriptionStatus.ACTIVE,
    SubscriptionStatus.SUSPENDED,
    SubscriptionStatus.DELETED,
)
CANCELLABLE = (ACTIVE, SUSPENDED, SubscriptionStatus.PENDING)
CANCELLATION_WINDOW = timedelta(days=7)
TERM_MONTHS = {"P1M": 1, "P1Y": 12, "P3Y": 36}
CYCLE_MONTHS = {BillingCycle.MONTHLY: 1, BillingCycle.ANNUAL: 12, BillingCycle.TRIENNIAL: 36}
MAX_QUANTITY = 1_000_000
EXTERNAL_ID_TAKEN = "subscription.external_id_taken"

# What the audit log records of a subscription, before and after each change.
AUDITED = (
    "offer_id",
    "offer_name",
    "product_family",
    "quantity",
    "currency",
    "unit_price",
    "unit_cost",
    "billing_cycle",
    "term_duration",
    "auto_renew",
    "status",
    "suspension_reasons",
    "inherited_reasons",
    "parent_id",
    "purchased_at",
    "term_started_at",
    "term_ends_at",
    "cancelled_at",
    "external_id",
)


def now() -> datetime:
    """The moment the rules are applied at (tests move it)."""
    return datetime.now(UTC)


def add_months(moment: datetime, months: int) -> datetime:
    """The same day and time `months` later; the month's last day where the day is missing."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def cancellation_allowed_until(row: Any) -> datetime | None:
    started = row.term_started_at
    return None if started is None else started + CANCELLATION_WINDOW


def reasons_of(row: Any) -> list[SuspensionReason]:
    return _parsed(row.suspension_reasons)


def _parsed(reasons: str) -> list[SuspensionReason]:
    return [SuspensionReason(reason) for reason in reasons.split(",")] if reasons else []


def _joined(reasons: Sequence[SuspensionReason]) -> str:
    return ",".join(reason.value for reason in reasons)


# -- reading ------------------------------------------------------------------------------


def _visible(viewer: Viewer) -> Where:
    return Where(Subscription).equal(**visible_rows(viewer))


async def subscriptions_by_id(viewer: Viewer, ids: Sequence[int]) -> list[Row | None]:
    return await rows_by_id(_visible(viewer), ids)


@dataclass(frozen=True, slots=True)
class Filter:
    customer_id: int | None = None
    reseller_id: int | None = None
    status: SubscriptionStatus | None = None
    product_family: ProductFamily | None = None
    updated_since: datetime | None = None

    def where(self, viewer: Viewer) -> Where:
        where = _visible(viewer)
        for column in ("customer_id", "reseller_id", "status", "product_family"):
            if (value := getattr(self, column)) is not None:
                where.equal(**{column: value})
        if self.updated_since is not None:
            where.add("updated_at >= {}", self.updated_since)
        return where


async def list_subscriptions(viewer: Viewer, *, page: PageRequest, criteria: Filter) -> Page[Row]:
    """The viewer's subscriptions in creation order, filtered; a page per call."""
    return await paginate(criteria.where(viewer), page)


async def customer_subscription_pages(
    viewer: Viewer, keys: Sequence[tuple[int, Asked]]
) -> list[Page[Row]]:
    """A DataLoader's batch: for each (customer id, (page and status, columns)), that page of
    the customer's subscriptions."""
    return await parent_pages(
        keys, "customer_id", lambda status: Filter(status=status).where(viewer)
    )


async def quantity_histories(viewer: Viewer, ids: Sequence[int]) -> list[list[Row]]:
    """A DataLoader's batch: each subscription's quantities, oldest first."""
    where = Where(SubscriptionQuantity).equal(**visible_rows(viewer)).one_of("subscription_id", ids)
    histories: dict[int, list[Row]] = {key: [] for key in ids}
    for row in await select_rows(where):
        histories[row.subscription_id].append(row)
    for history in histories.values():  # in the order they took effect
        history.sort(key=lambda change: (change.effective_from, change.id))
    return [histories[key] for key in ids]


def quantity_at(history: Sequence[Any], moment: datetime) -> int | None:
    """The quantity in force at `moment`, from a history in order; None before the purchase."""
    quantity = None
    for change in history:
        if change.effective_from > moment:
            break
        quantity = change.quantity
    return quantity


# -- changing -----------------------------------------------------------------------------


async def _for_update(viewer: Viewer, subscription_id: int, expected: int | None) -> Subscription:
    """The visible subscription, locked for the rest of the transaction (on PostgreSQL). A
    term that ended since `end_terms` last ran ends first, as the job would end it: a change
    applies to the subscription as it is now (renewed, expired or disabled)."""
    where = {**visible_rows(viewer), "id": subscription_id}
    row = await Subscription.filter(**where).select_for_update().get_or_none()
    if row is None:
        raise NotFound("subscription.not_found", field=["id"])
    if expected is not None and row.version != expected:
        raise VersionConflict("version.conflict", field=["expectedVersion"], current=row.version)
    await _end_term_if_due(row)
    return row


async def _end_term_if_due(row: Subscription) -> None:
    moment = now()
    if row.term_ends_at <= moment and row.status in (ACTIVE, SUSPENDED):
        await _end_term(system_actor("end-terms"), row, moment)


async def _save(actor: Actor, row: Subscription, action: str, values: dict[str, Any]) -> None:
    """Apply `values` to `row` as its next version, with its audit record and change event."""
    before = snapshot(row, AUDITED)
    values = {**values, "version": row.version + 1, "updated_at": now()}
    if await Subscription.filter(id=row.id, version=row.version).update(**values) != 1:
        raise VersionConflict("version.conflict", field=["expectedVersion"])
    row.update_from_dict(values)
    await record_change(
        actor,
        action=action,
        row=row,
        fields=AUDITED,
        owner=(row.partner_id, row.reseller_id),
        before=before,
    )


async def _add_ons(row: Subscription) -> list[Subscription]:
    """The add-ons of a base, locked, each as it is now (a term that ended, ended); an
    add-on always belongs to its base's customer."""
    add_ons = Subscription.filter(parent_id=row.id, customer_id=row.customer_id)
    found = await add_ons.select_for_update().order_by("id")
    for add_on in found:
        await _end_term_if_due(add_on)
    return found


def _refused(row: Subscription) -> InvalidStateTransition:
    return InvalidStateTransition("subscription.transition", field=["id"], status=row.status.value)


async def add_suspension(
    actor: Actor, row: Subscription, reason: SuspensionReason, *, from_base: bool = False
) -> None:
    """Suspend the row for `reason` too (auto-renew goes off); nothing if it already is. An
    add-on remembers the reasons its base passed on (`from_base`): only those are lifted from
    it with the base's, and a reason it is then suspended for itself becomes its own."""
    reasons, inherited = reasons_of(row), _parsed(row.inherited_reasons)
    if reason in reasons:
        if reason in inherited and not from_base:
            kept = [each for each in inherited if each != reason]
            await _save(actor, row, "subscription.suspended", {"inherited_reasons": _joined(kept)})
        return
    values = {"status": SUSPENDED, "suspension_reasons": _joined([*reasons, reason])}
    if from_base:
        values["inherited_reasons"] = _joined([*inherited, reason])
    await _save(actor, row, "subscription.suspended", {**values, "auto_renew": False})


def back_on_payment(**scope: Any) -> QuerySet[Subscription]:
    """The subscriptions in `scope` that non-payment suspended and a payment may bring back:
    still suspended and before their term ends (one whose term ended is disabled for good)."""
    return Subscription.filter(
        **scope,
        status=SUSPENDED,
        suspension_reasons__contains=SuspensionReason.NON_PAYMENT.value,
        term_ends_at__gt=now(),
    )


async def lift_reasons(actor: Actor, row: Subscription, lifted: Sequence[SuspensionReason]) -> None:
    """Remove `lifted` from the row's suspension reasons; active again when none is left."""
    reasons = reasons_of(row)
    remaining = [reason for reason in reasons if reason not in lifted]
    if remaining == reasons:
        return
    status = SUSPENDED if remaining else ACTIVE
    action = "subscription.suspension_lifted" if remaining else "subscription.reactivated"
    inherited = [reason for reason in _parsed(row.inherited_reasons) if reason not in lifted]
    values = {"suspension_reasons": _joined(remaining), "inherited_reasons": _joined(inherited)}
    await _save(actor, row, action, {"status": status, **values})


async def suspend_subscription(
    actor: Actor,
    *,
    subscription_id: int,
    reason: SuspensionReason,
    expected_version: int | None = None,
) -> Subscription:
    """Suspend for `reason` (added to the reasons of one already suspended), with its add-ons;
    auto-renew goes off."""
    async with in_transaction():
        row = await _for_update(actor.viewer, subscription_id, expected_version)
        if row.status not in (ACTIVE, SUSPENDED):
            raise _refused(row)
        await add_suspension(actor, row, reason)
        for add_on in await _add_ons(row):
            if add_on.status in (ACTIVE, SUSPENDED):
                await add_suspension(actor, add_on, reason, from_base=True)
    return row


async def reactivate_subscription(
    actor: Actor, *, subscription_id: int, expected_version: int | None = None
) -> Subscription:
    """Lift every suspension reason before the term ends; its add-ons lose the same reasons."""
    return await lift_suspension(
        actor, subscription_id=subscription_id, reasons=None, expected_version=expected_version
    )


async def lift_suspension(
    actor: Actor,
    *,
    subscription_id: int,
    reasons: Sequence[SuspensionReason] | None,
    expected_version: int | None = None,
) -> Subscription:
    """Remove `reasons` (all, if None) from a suspended subscription and its add-ons."""
    async with in_transaction():
        row = await _for_update(actor.viewer, subscription_id, expected_version)
        moment = now()
        if row.status == SubscriptionStatus.DISABLED or moment >= row.term_ends_at:
            # suspended when its term ended (just now, perhaps): it can't come back
            raise InvalidStateTransition("subscription.term_ended", field=["id"])
        if row.status != SUSPENDED:
            raise _refused(row)
        if row.parent_id is not None:
            base = await Subscription.get(id=row.parent_id, customer_id=row.customer_id)
            if base.status != ACTIVE:
                raise InvalidStateTransition("subscription.base_suspended", field=["id"])
        lifted = reasons_of(row) if reasons is None else list(reasons)
        await lift_reasons(actor, row, lifted)
        # an add-on loses what the base passed on of them, and keeps its own
        for add_on in await _add_ons(row):
            if add_on.status == SUSPENDED and moment < add_on.term_ends_at:
                passed_on = _parsed(add_on.inherited_reasons)
                await lift_reasons(actor, add_on, [each for each in lifted if each in passed_on])
    return row


async def cancel_subscription(
    actor: Actor, *, subscription_id: int, expected_version: int | None = None
) -> Subscription:
    """Cancel within 7 days of the purchase or the last renewal; add-ons go with the base."""
    async with in_transaction():
        row = await _for_update(actor.viewer, subscription_id, expected_version)
        if row.status not in CANCELLABLE:
            raise _refused(row)
        moment = now()
        until = cancellation_allowed_until(row)
        if moment > until:
            raise CancellationWindowClosed(
                "subscription.cancellation_window_closed", field=["id"], until=until.isoformat()
            )
        cancelled = {
            "status": DELETED,
            "cancelled_at": moment,
            "auto_renew": False,
            "suspension_reasons": "",
            "inherited_reasons": "",
        }
        await _save(actor, row, "subscription.cancelled", cancelled)
        await _record_quantity(row, moment, 0)
        for add_on in await _add_ons(row):
            if add_on.status in CANCELLABLE:
                await _save(actor, add_on, "subscription.cancelled", cancelled)
                await _record_quantity(add_on, moment, 0)
    return row


async def set_auto_renew(
    actor: Actor, *, subscription_id: int, auto_renew: bool, expected_version: int | None = None
) -> Subscription:
    """Turn renewal at the end of the term on or off; on only while the subscription is
    active (suspending turned it off)."""
    async with in_transaction():
        row = await _for_update(actor.viewer, subscription_id, expected_version)
        turning_off = not auto_renew and row.status in (SUSPENDED, SubscriptionStatus.PENDING)
        if row.status != ACTIVE and not turning_off:
            raise _refused(row)
        if row.auto_renew != auto_renew:
            await _save(actor, row, "subscription.auto_renew_set", {"auto_renew": auto_renew})
    return row


async def end_terms(as_of: datetime | None = None, *, batch: int = 500) -> Counter[str]:
    """Apply the end of every term due by `as_of` (now), as Partner Center does: an active
    subscription with auto-renew starts its next term (its cancellation window opens again),
    one without it expires, and one suspended at the end of its term is disabled and can no
    longer be reactivated. Each change has its audit record and change event; safe to run
    again (nothing is due twice). Returns how many were renewed, expired and disabled."""
    # in UTC, as the column holds it: SQLite compares the text of datetimes
    moment = (as_of or now()).astimezone(UTC)
    actor = system_actor("end-terms")
    ended: Counter[str] = Counter()
    after = 0
    while True:
        due = (
            await Subscription.filter(
                id__gt=after, term_ends_at__lte=moment, status__in=(ACTIVE, SUSPENDED)
            )
            .order_by("id")
            .limit(batch)
            .values_list("id", flat=True)
        )
        if not due:
            return ended
        after = due[-1]
        for pk in due:
            async with in_transaction():
                row = await Subscription.filter(id=pk).select_for_update().get()
                if row.term_ends_at <= moment and row.status in (ACTIVE, SUSPENDED):
                    ended[await _end_term(actor, row, moment)] += 1


async def _end_term(actor: Actor, row: Subscription, moment: datetime) -> str:
    if row.status == SUSPENDED:
        await _save(actor, row, "subscription.disabled", {"status": SubscriptionStatus.DISABLED})
        return "disabled"
    if not row.auto_renew:
        await _save(actor, row, "subscription.expired", {"status": SubscriptionStatus.EXPIRED})
        return "expired"
    # Terms count from the purchase, so that a 31st stays the 31st where a month has one.
    months = TERM_MONTHS[row.term_duration]
    terms = 1
    while add_months(row.purchased_at, months * terms) <= moment:
        terms += 1
    renewed = {
        "term_started_at": add_months(row.purchased_at, months * (terms - 1)),
        "term_ends_at": add_months(row.purchased_at, months * terms),
    }
    await _save(actor, row, "subscription.renewed", renewed)
    return "renewed"


def _checked_quantity(quantity: int, field: list[str]) -> int:
    if not 1 <= quantity <= MAX_QUANTITY:
        raise BadInput("subscription.quantity", field=field, maximum=MAX_QUANTITY)
    return quantity


async def change_quantity(
    actor: Actor, *, subscription_id: int, quantity: int, expected_version: int | None = None
) -> Subscription:
    """Change the licence count of an active subscription from now on; reductions only
    within the cancellation window."""
    _checked_quantity(quantity, ["quantity"])
    async with in_transaction():
        row = await _for_update(actor.viewer, subscription_id, expected_version)
        if row.status != ACTIVE:
            raise _refused(row)
        if quantity == row.quantity:
            return row
        until = cancellation_allowed_until(row)
        if quantity < row.quantity and now() > until:
            raise CancellationWindowClosed(
                "subscription.reduction_window_closed", field=["quantity"], until=until.isoformat()
            )
        await _save(actor, row, "subscription.quantity_changed", {"quantity": quantity})
        await _record_quantity(row, row.updated_at)
    return row


async def _record_quantity(
    row: Subscription, moment: datetime, quantity: int | None = None
) -> None:
    """The quantity in force from `moment` on: the row's, or 0 once it is cancelled."""
    await SubscriptionQuantity.create(
        subscription_id=row.id,
        partner_id=row.partner_id,
        reseller_id=row.reseller_id,
        quantity=row.quantity if quantity is None else quantity,
        effective_from=moment,
    )


@dataclass(frozen=True, slots=True)
class NewSubscription:
    customer_id: int
    offer_id: str
    offer_name: str
    product_family: ProductFamily
    quantity: int
    unit_price: tuple[str, str]  # (amount, currency) as received
    billing_cycle: BillingCycle
    term_duration: str
    unit_cost: tuple[str, str] | None = None
    auto_renew: bool = True
    parent_id: int | None = None
    external_id: str | None = None

    def checked(self) -> dict[str, Any]:
        """The columns of the new subscription; every problem of the input reported at once."""
        problems: list[DomainError] = []
        values: dict[str, Any] = {}

        def check(name: str, convert: Any) -> None:
            try:
                values[name] = convert()
            except DomainError as problem:
                problems.append(problem)
            except InvalidInput as several:
                problems.extend(several.errors)

        check("offer_id", lambda: _text(self.offer_id, 64, ["offerId"]))
        check("offer_name", lambda: _text(self.offer_name, 200, ["offerName"]))
        check("quantity", lambda: _checked_quantity(self.quantity, ["quantity"]))
        check("unit_price", lambda: money_of(*self.unit_price, ["unitPrice"]))
        if self.unit_cost is not None:
            check("unit_cost", lambda: money_of(*self.unit_cost, ["unitCost"]))  # type: ignore[misc]
        check("term_duration", self._term)
        check("external_id", lambda: _optional_text(self.external_id, 128, ["externalId"]))
        price: Money | None = values.pop("unit_price", None)
        cost: Money | None = values.pop("unit_cost", None)
        if price is not None and cost is not None and cost.currency != price.currency:
            problems.append(BadInput("money.currency_mismatch", field=["unitCost", "currency"]))
        if problems:
            raise InvalidInput(problems)
        return {
            **values,
            "product_family": self.product_family,
            "currency": price.currency,  # type: ignore[union-attr]
            "unit_price": price.amount,  # type: ignore[union-attr]
            "unit_cost": cost.amount if cost else None,
            "billing_cycle": self.billing_cycle,
            "auto_renew": self.auto_renew,
        }

    def _term(self) -> str:
        term = self.term_duration.strip().upper()
        if term not in TERM_MONTHS:
            raise BadInput("subscription.term", field=["termDuration"])
        if CYCLE_MONTHS[self.billing_cycle] > TERM_MONTHS[term]:
            raise BadInput("subscription.billing_cycle", field=["billingCycle"])
        return term


def _text(value: str, maximum: int, field: list[str]) -> str:
    text = value.strip()
    if not 1 <= len(text) <= maximum:
        raise BadInput("text.length", field=field, minimum=1, maximum=maximum)
    return text


def _optional_text(value: str | None, maximum: int, field: list[str]) -> str | None:
    return None if value is None or not value.strip() else _text(value, maximum, field)


async def _check_parent(viewer: Viewer, parent_id: int | None, customer_id: int) -> None:
    """An add-on's base: an active subscription of the same customer, itself no add-on."""
    if parent_id is None:
        return
    where = {**visible_rows(viewer), "id": parent_id}
    # locked until the add-on commits: a cancellation or suspension of the base takes it along
    base = await Subscription.filter(**where).select_for_update().get_or_none()
    if base is None:
        raise NotFound("subscription.not_found", field=["parentSubscriptionId"])
    if base.customer_id != customer_id or base.parent_id is not None or base.status != ACTIVE:
        raise BadInput("subscription.parent", field=["parentSubscriptionId"])


async def create_subscription(
    actor: Actor, order: NewSubscription, *, idempotency_key: str | None = None
) -> Subscription:
    """Buy a subscription for a customer: its term starts now, at the quantity ordered."""
    viewer = actor.viewer
    values = order.checked()

    async def external_id_free(seller_id: int) -> None:
        if values["external_id"] is not None and await Subscription.exists(
            seller_id=seller_id, external_id=values["external_id"]
        ):
            raise BadInput(EXTERNAL_ID_TAKEN, field=["externalId"])

    async def insert() -> Subscription:
        customer = await get_customer(viewer, order.customer_id, field=["customerId"])
        await _check_parent(viewer, order.parent_id, customer.id)
        await external_id_free(customer.seller_id)
        moment = now()
        row = await Subscription.create(
            **values,
            customer_id=customer.id,
            partner_id=customer.partner_id,
            reseller_id=customer.reseller_id,
            seller_id=customer.seller_id,
            parent_id=order.parent_id,
            status=ACTIVE,
            purchased_at=moment,
            term_started_at=moment,
            term_ends_at=add_months(moment, TERM_MONTHS[values["term_duration"]]),
        )
        await _record_quantity(row, moment)
        await record_change(
            actor,
            action="subscription.created",
            row=row,
            fields=AUDITED,
            owner=(row.partner_id, row.reseller_id),
        )
        return row

    async def recheck() -> None:
        customer = await get_customer(viewer, order.customer_id, field=["customerId"])
        await external_id_free(customer.seller_id)

    return await idempotency.create_once(
        viewer,
        operation="createSubscription",
        key=idempotency_key,
        # "6.5" and "6.50" are the same order: amounts are compared as numbers
        payload={
            **{
                name: value.normalize() if isinstance(value, Decimal) else value
                for name, value in values.items()
            },
            "customer_id": order.customer_id,
            "parent_id": order.parent_id,
        },
        create=insert,
        load=lambda pk: Subscription.get(id=pk),
        recheck=recheck,
    )
