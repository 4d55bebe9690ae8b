"""The support offering: what a partner tells its customers about the support it gives, and
the Microsoft support entitlements it may escalate through."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from tortoise.transactions import in_transaction

from auth.permissions import Capability
from auth.viewer import Viewer
from resolvers import service_hours
from resolvers.audit import Actor, record_change, snapshot
from resolvers.customers import EMAIL, PHONE, get_customer
from resolvers.errors import (
    BadInput,
    DomainError,
    InvalidInput,
    NotFound,
    VersionConflict,
    created_first,
)
from resolvers.models import (
    Competency,
    Customer,
    Partner,
    PricingModel,
    ProductFamily,
    Sourcing,
    SupportOffering,
    TicketCategory,
)
from resolvers.money import amount_of, currency_code
from resolvers.partners import partners_by_id
from resolvers.rows import Row, Where, rows_by_id
from resolvers.tenancy import owner_of_new_row


class ContactKind(StrEnum):
    EMAIL = "EMAIL"
    PHONE = "PHONE"
    WEB = "WEB"


MAX_CONTACTS = 10
MAX_WINDOWS = 21
MAX_NAME = 200
MAX_CONTRACT = 64
MAX_CREDITS = 10_000
OFFERING_AUDITED = (
    "sourcing",
    "provider_name",
    "time_zone",
    "hours",
    "contact_methods",
    "pricing_model",
    "price",
    "price_currency",
    "categories",
    "product_families",
    "premier_contract",
    "premier_contract_ends",
    "advanced_contract",
    "advanced_contract_ends",
    "competency",
    "action_pack",
    "incident_credits",
    "version",
)


@dataclass(frozen=True)
class Contract:
    reference: str
    ends_on: date


@dataclass(frozen=True)
class OfferingOrder:
    """What `setSupportOffering` asks for, before it is checked."""

    sourcing: Sourcing
    time_zone: str
    days: Sequence[Mapping[str, str]]
    contact_methods: Sequence[tuple[ContactKind, str]]
    pricing_model: PricingModel
    categories: Sequence[TicketCategory]
    product_families: Sequence[ProductFamily]
    provider_name: str | None = None
    price: tuple[str | Decimal, str] | None = None  # (amount, currency)
    premier_contract: Contract | None = None
    advanced_contract: Contract | None = None
    competency: Competency = Competency.NONE
    action_pack: bool = False
    incident_credits: int = 0
    expected_version: int | None = None
    problems: list[DomainError] = field(default_factory=list, init=False, repr=False)

    def checked(self) -> dict[str, Any]:
        """The offering's columns; every problem of the order is reported at once."""
        values: dict[str, Any] = {"sourcing": self.sourcing}
        values["provider_name"] = self._provider_name()
        values.update(self._hours())
        values["contact_methods"] = self._contacts()
        values.update(self._pricing())
        values["categories"] = sorted({str(category) for category in self.categories})
        values["product_families"] = sorted({str(family) for family in self.product_families})
        for name, contract in (
            ("premier", self.premier_contract),
            ("advanced", self.advanced_contract),
        ):
            values.update(self._contract(name, contract))
        if not 0 <= self.incident_credits <= MAX_CREDITS:
            self._refuse(
                "support.credits",
                ["entitlements", "productSupportIncidentCredits"],
                maximum=MAX_CREDITS,
            )
        values["competency"] = self.competency
        values["action_pack"] = self.action_pack
        values["incident_credits"] = self.incident_credits
        if self.problems:
            raise InvalidInput(self.problems)
        return values

    def _refuse(self, key: str, at: list[str], **params: Any) -> None:
        self.problems.append(BadInput(key, field=at, **params))

    def _provider_name(self) -> str | None:
        name = (self.provider_name or "").strip()
        if self.sourcing is Sourcing.DIRECT:
            if name:
                self._refuse("support.provider_for_direct", ["providerName"])
            return None
        if not 1 <= len(name) <= MAX_NAME:
            self._refuse("support.provider_name", ["providerName"], maximum=MAX_NAME)
        return name

    def _hours(self) -> dict[str, Any]:
        at = ["hours"]
        try:
            service_hours.zone_named(self.time_zone, [*at, "timeZone"])
        except BadInput as problem:
            self.problems.append(problem)
        if len(self.days) > MAX_WINDOWS:
            self._refuse("support.too_many_windows", [*at, "days"], maximum=MAX_WINDOWS)
            return {}
        try:
            windows = service_hours.windows_from(self.days, [*at, "days"])
        except InvalidInput as invalid:
            self.problems.extend(invalid.errors)
            return {}
        return {"time_zone": self.time_zone, "hours": [window.stored() for window in windows]}

    def _contacts(self) -> list[dict[str, str]]:
        methods = []
        if not 1 <= len(self.contact_methods) <= MAX_CONTACTS:
            self._refuse("support.contacts", ["contactMethods"], maximum=MAX_CONTACTS)
        for index, (kind, value) in enumerate(self.contact_methods):
            text = value.strip()
            if not _contact_is_valid(kind, text):
                self._refuse(f"support.contact.{kind}", ["contactMethods", str(index), "value"])
            methods.append({"kind": str(kind), "value": text.lower() if kind == "EMAIL" else text})
        return methods

    def _pricing(self) -> dict[str, Any]:
        at = ["pricing", "amount"]
        if self.pricing_model is PricingModel.INCLUDED:
            if self.price is not None:
                self._refuse("support.price_included", at)
            return {"pricing_model": self.pricing_model, "price": None, "price_currency": None}
        if self.price is None:
            self._refuse("support.price_missing", at)
            return {}
        amount, currency = self.price
        values: dict[str, Any] = {"pricing_model": self.pricing_model}
        try:
            values["price"] = amount_of(amount, [*at, "amount"])
        except BadInput as problem:
            self.problems.append(problem)
        try:
            values["price_currency"] = currency_code(currency, [*at, "currency"])
        except BadInput as problem:
            self.problems.append(problem)
        return values

    def _contract(self, name: str, contract: Contract | None) -> dict[str, Any]:
        if contract is None:
            return {f"{name}_contract": None, f"{name}_contract_ends": None}
        reference = contract.reference.strip()
        if not 1 <= len(reference) <= MAX_CONTRACT:
            self._refuse(
                "text.length",
                ["entitlements", f"{name}SupportContract", "reference"],
                minimum=1,
                maximum=MAX_CONTRACT,
            )
        return {f"{name}_contract": reference, f"{name}_contract_ends": contract.ends_on}


def _contact_is_valid(kind: str, value: str) -> bool:
    if kind == "EMAIL":
        return EMAIL.match(value) is not None
    if kind == "PHONE":
        return PHONE.match(value) is not None
    if kind == "WEB":
        try:
            parts = urlsplit(value)
            return parts.scheme == "https" and bool(parts.hostname) and len(value) <= 500
        except ValueError:  # such as an unclosed [IPv6 literal
            return False
    return False


async def set_offering(actor: Actor, order: OfferingOrder) -> SupportOffering:
    """The viewer's own offering, created or replaced whole."""
    viewer = actor.viewer
    values = order.checked()
    owner = owner_of_new_row(viewer, None)
    async with in_transaction():
        offering = (
            await SupportOffering.filter(seller_id=viewer.partner_id)
            .select_for_update()
            .get_or_none()
        )
        if offering is None:
            offering = await created_first(
                SupportOffering.create(seller_id=viewer.partner_id, **owner, **values),
                field=["expectedVersion"],
            )
            before = None
        else:
            if order.expected_version is not None and offering.version != order.expected_version:
                raise VersionConflict(
                    "version.conflict", field=["expectedVersion"], current=offering.version
                )
            before = snapshot(offering, OFFERING_AUDITED)
            offering.update_from_dict({**values, "version": offering.version + 1})
            await offering.save()
        await record_change(
            actor,
            action="support_offering.set",
            row=offering,
            fields=OFFERING_AUDITED,
            owner=(offering.partner_id, offering.reseller_id),
            before=before,
        )
    return offering


async def offerings_of(_viewer: Viewer, seller_ids: Sequence[int]) -> list[SupportOffering | None]:
    """A DataLoader's batch: each partner's offering, None for one without. An offering is
    what a partner tells every customer: any authenticated caller who sees the partner may
    read it."""
    found = {row.seller_id: row for row in await SupportOffering.filter(seller_id__in=seller_ids)}
    return [found.get(seller) for seller in seller_ids]


async def offerings_by_id(viewer: Viewer, ids: Sequence[int]) -> list[Row | None]:
    """A DataLoader's batch for `node(id:)`: the offerings with these ids, as `offerings_of`
    gives them (of the partners the viewer sees)."""
    found = await rows_by_id(Where(SupportOffering), ids)
    sellers = [row.seller_id for row in found if row is not None]
    seen = {row.id for row in await partners_by_id(viewer, sellers) if row is not None}
    return [row if row is not None and row.seller_id in seen else None for row in found]


async def offering_of(seller_id: int) -> SupportOffering | None:
    return await SupportOffering.get_or_none(seller_id=seller_id)


@dataclass(frozen=True)
class StatementSubject:
    """What a statement is about: the customer, its seller, the seller's offering, and the
    indirect provider a reseller escalates through."""

    customer: Customer
    seller: Partner
    offering: SupportOffering | None
    provider_name: str | None


async def statement_for(viewer: Viewer, customer_id: int) -> StatementSubject:
    """What the statement for a customer the viewer reads is made of. Everyone reads the
    offering, but a customer's existence, language and seller only those who read customers
    (`customers:read`): for the others every customer is NOT_FOUND."""
    if Capability.CUSTOMERS_READ not in viewer.capabilities:
        raise NotFound("customer.not_found", field=["customerId"])
    customer = await get_customer(viewer, customer_id, field=["customerId"])
    seller_id = customer.reseller_id or customer.partner_id
    seller = await Partner.get(id=seller_id)
    provider = await Partner.get(id=customer.partner_id) if customer.reseller_id else None
    return StatementSubject(
        customer, seller, await offering_of(seller_id), provider.name if provider else None
    )
