"""Customers: the directory of a partner's (or its resellers') customers, and its rules."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from auth.viewer import Viewer
from resolvers import idempotency
from resolvers.audit import Actor, record_change, snapshot
from resolvers.countries import COUNTRY_CODES
from resolvers.errors import BadInput, DomainError, InvalidInput, NotFound, VersionConflict
from resolvers.models import BillingAccount, Customer, Invoice, InvoiceStatus, Partner
from resolvers.money import currency_for_country
from resolvers.pagination import Page, PageRequest, paginate, search_term
from resolvers.rows import Row, Where, rows_by_id
from resolvers.tenancy import owner_of_new_row, visible_rows

DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
LANGUAGE = re.compile(r"^([a-z]{2,3})(?:-([a-z]{2}|[0-9]{3}))?$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
EXTERNAL_ID_TAKEN = "customer.external_id_taken"
PHONE = re.compile(r"^\+?[0-9][0-9 ().-]{3,38}$")

PROFILE_FIELDS = (
    "company_name",
    "domain",
    "country",
    "language",
    "external_id",
    "billing_contact_name",
    "billing_contact_email",
    "billing_contact_phone",
)
# Input field names as clients know them, for the `field` path of user errors.
INPUT_NAMES = {
    "company_name": "companyName",
    "domain": "domain",
    "country": "country",
    "language": "language",
    "external_id": "externalId",
}


@dataclass(frozen=True, slots=True)
class Contact:
    name: str
    email: str
    phone: str | None = None


def visible_customers(viewer: Viewer) -> QuerySet[Customer]:
    return Customer.filter(**visible_rows(viewer))


async def get_customer(
    viewer: Viewer, customer_id: int, *, field: list[str] | None = None
) -> Customer:
    customer = await visible_customers(viewer).get_or_none(id=customer_id)
    if customer is None:
        raise NotFound("customer.not_found", field=field)
    return customer


async def customers_by_id(viewer: Viewer, ids: Sequence[int]) -> list[Row | None]:
    return await rows_by_id(Where(Customer).equal(**visible_rows(viewer)), ids)


async def list_customers(
    viewer: Viewer,
    *,
    page: PageRequest,
    search: str | None = None,
    reseller_id: int | None = None,
    updated_since: datetime | None = None,
) -> Page[Row]:
    """The viewer's customers in creation order, filtered; a page per call."""
    where = Where(Customer).equal(**visible_rows(viewer))
    if term := search_term(search, "search"):
        where.contains("company_name", "domain", text=term)
    if reseller_id is not None:
        where.equal(reseller_id=reseller_id)
    if updated_since is not None:
        where.add("updated_at >= {}", updated_since)
    return await paginate(where, page)


def _normalized(values: Mapping[str, Any]) -> tuple[dict[str, Any], list[DomainError]]:
    """Validate and normalize profile values (only the keys given); collect every problem."""
    clean: dict[str, Any] = {}
    problems: list[DomainError] = []

    def problem(name: str, key: str, **params: Any) -> None:
        problems.append(BadInput(key, field=[INPUT_NAMES.get(name, name)], **params))

    for name, value in values.items():
        if name == "company_name":
            text = (value or "").strip()
            if not 1 <= len(text) <= 200:
                problem(name, "text.length", minimum=1, maximum=200)
            clean[name] = text
        elif name == "domain":
            text = (value or "").strip().lower()
            if not DOMAIN.match(text):
                problem(name, "customer.domain")
            clean[name] = text
        elif name == "country":
            text = (value or "").strip().upper()
            if text not in COUNTRY_CODES:
                problem(name, "customer.country")
            clean[name] = text
        elif name == "language":
            match = LANGUAGE.match((value or "").strip().lower())
            if match is None:
                problem(name, "customer.language")
            else:
                language, region = match.groups()
                clean[name] = f"{language}-{region.upper()}" if region else language
        elif name == "external_id":
            text = value.strip() if value is not None else None
            if text is not None and not 1 <= len(text) <= 128:
                problem(name, "text.length", minimum=1, maximum=128)
            clean[name] = text or None
        elif name == "billing_contact":
            clean.update(_contact_columns(value, problems))
        elif name == "reseller_id":
            clean[name] = value
    return clean, problems


def _contact_columns(contact: Contact | None, problems: list[DomainError]) -> dict[str, Any]:
    if contact is None:
        return dict.fromkeys(
            ("billing_contact_name", "billing_contact_email", "billing_contact_phone")
        )
    name, email = contact.name.strip(), contact.email.strip().lower()
    phone = contact.phone.strip() if contact.phone else None
    if not 1 <= len(name) <= 200:
        problems.append(
            BadInput("text.length", field=["billingContact", "name"], minimum=1, maximum=200)
        )
    if len(email) > 320 or not EMAIL.match(email):
        problems.append(BadInput("contact.email", field=["billingContact", "email"]))
    if phone is not None and not PHONE.match(phone):
        problems.append(BadInput("contact.phone", field=["billingContact", "phone"]))
    return {
        "billing_contact_name": name,
        "billing_contact_email": email,
        "billing_contact_phone": phone,
    }


async def check_reseller(viewer: Viewer, reseller_id: int | None) -> None:
    """Only that reseller or its provider may name a reseller (creating a customer for it,
    asking for its aging report)."""
    if reseller_id is None:
        return
    if viewer.is_reseller:
        if reseller_id != viewer.partner_id:
            raise NotFound("reseller.not_found", field=["resellerId"])
        return
    if not viewer.is_provider:
        raise BadInput("reseller.provider_only", field=["resellerId"])
    if not await Partner.exists(id=reseller_id, provider_id=viewer.partner_id):
        raise NotFound("reseller.not_found", field=["resellerId"])


async def _check_external_id(
    seller_id: int, external_id: str | None, *, exclude: int | None = None
) -> None:
    if external_id is None:
        return
    query = Customer.filter(seller_id=seller_id, external_id=external_id)
    if exclude is not None:
        query = query.exclude(id=exclude)
    if await query.exists():
        raise BadInput(EXTERNAL_ID_TAKEN, field=["externalId"])


async def create_customer(
    actor: Actor,
    *,
    company_name: str,
    domain: str,
    country: str,
    language: str,
    reseller_id: int | None = None,
    external_id: str | None = None,
    billing_contact: Contact | None = None,
    idempotency_key: str | None = None,
) -> Customer:
    viewer = actor.viewer
    values, problems = _normalized(
        {
            "company_name": company_name,
            "domain": domain,
            "country": country,
            "language": language,
            "external_id": external_id,
            "billing_contact": billing_contact,
            "reseller_id": reseller_id,
        }
    )
    if problems:
        raise InvalidInput(problems)

    owner = owner_of_new_row(viewer, reseller_id)
    seller_id = owner["reseller_id"] or owner["partner_id"]

    async def external_id_free() -> None:
        await _check_external_id(seller_id, values["external_id"])

    async def insert() -> Customer:
        await check_reseller(viewer, reseller_id)
        await external_id_free()
        customer = await Customer.create(**{**values, **owner, "seller_id": seller_id})
        await record_change(
            actor,
            action="customer.created",
            row=customer,
            fields=PROFILE_FIELDS,
            owner=(customer.partner_id, customer.reseller_id),
        )
        return customer

    return await idempotency.create_once(
        viewer,
        operation="createCustomer",
        key=idempotency_key,
        payload=values,  # as normalized: " A@X.com" and "a@x.com" are the same order
        create=insert,
        load=lambda pk: Customer.get(id=pk),
        recheck=external_id_free,
    )


def unchanged(customer: Customer, changes: Mapping[str, Any]) -> bool:
    """Whether the profile `changes` would leave the customer as it is (never for invalid
    ones: updating reports them)."""
    values, problems = _normalized(changes)
    return not problems and all(getattr(customer, name) == value for name, value in values.items())


async def _check_currency_kept(customer: Customer, country: str) -> None:
    """A customer without billing terms is billed in its country's currency: a new country
    can't change it while invoices in it are unpaid (as new terms can't)."""
    if currency_for_country(country) == currency_for_country(customer.country):
        return
    if await BillingAccount.exists(customer_id=customer.id):
        return  # its terms name its currency
    unpaid = (InvoiceStatus.OPEN, InvoiceStatus.DISPUTED)
    if await Invoice.exists(customer_id=customer.id, status__in=unpaid):
        raise BadInput("billing.currency_in_use", field=["country"])


async def update_customer(
    actor: Actor, *, customer_id: int, expected_version: int, changes: Mapping[str, Any]
) -> Customer:
    """Apply the given profile changes if the customer is still at `expected_version`."""
    viewer = actor.viewer
    values, problems = _normalized(changes)
    if problems:
        raise InvalidInput(problems)
    async with in_transaction():
        customer = await get_customer(viewer, customer_id, field=["id"])
        if "country" in values:  # the currency it is billed in may change: see billing terms
            customer = await Customer.filter(id=customer.id).select_for_update(no_key=True).get()
        if customer.version != expected_version:
            raise VersionConflict(
                "version.conflict", field=["expectedVersion"], current=customer.version
            )
        if "external_id" in values:
            await _check_external_id(customer.seller_id, values["external_id"], exclude=customer.id)
        if "country" in values:
            await _check_currency_kept(customer, values["country"])
        before = snapshot(customer, PROFILE_FIELDS)
        if all(getattr(customer, name) == value for name, value in values.items()):
            return customer
        values["version"] = customer.version + 1
        values["updated_at"] = datetime.now(UTC)
        try:
            updated = await Customer.filter(id=customer.id, version=expected_version).update(
                **values
            )
        except IntegrityError:  # a concurrent update took the same external id first
            raise BadInput(EXTERNAL_ID_TAKEN, field=["externalId"]) from None
        if updated != 1:
            raise VersionConflict("version.conflict", field=["expectedVersion"])
        customer.update_from_dict(values)
        await record_change(
            actor,
            action="customer.updated",
            row=customer,
            fields=PROFILE_FIELDS,
            owner=(customer.partner_id, customer.reseller_id),
            before=before,
        )
    return customer
