"""Customers: the directory frontends browse and ERP connectors sync."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar

import strawberry

from auth.permissions import Capability
from resolvers import customers, models
from resolvers.customers import Contact
from resolvers.errors import NotFound
from schema.billing import BillingRelationship, billing_of
from schema.errors import UserError, attempt
from schema.guards import field, mutation
from schema.invoices import CUSTOMER_INVOICES, Invoice, InvoiceStatus
from schema.nodes import Node, decode_id, node_type, to_global_id
from schema.objects import FromRow, Read, column, from_row
from schema.pagination import Connection, connection, page_request
from schema.partners import Partner
from schema.relations import Relation, relation_field
from schema.subscriptions import (
    SUBSCRIPTION_COLUMNS,
    Subscription,
    SubscriptionStatus,
    customer_subscriptions_part,
    subscription_connection,
)

RESELLER = Relation(loader="partners", key="reseller_pk", convert=Partner.from_model)
SUBSCRIPTIONS = Relation(
    loader="customer_subscriptions",
    key="pk",
    convert=subscription_connection,
    arguments=customer_subscriptions_part,
    columns=SUBSCRIPTION_COLUMNS,
)


@strawberry.type(description="Who receives the customer's invoices.")
class BillingContact:
    name: str = field(Capability.CUSTOMERS_READ, description="Full name.")
    email: str = field(Capability.CUSTOMERS_READ, description="Invoices go to this address.")
    phone: str | None = field(Capability.CUSTOMERS_READ, description="Phone number.")


@node_type("Customer", Capability.CUSTOMERS_READ, loader="customers")
@from_row
@strawberry.type(description="A customer of the partner, or of one of its indirect resellers.")
class Customer(Node, FromRow):
    company_name: str = field(Capability.CUSTOMERS_READ, description="Company name.")
    domain: str = field(Capability.CUSTOMERS_READ, description="Primary domain.")
    country: str = field(Capability.CUSTOMERS_READ, description="ISO 3166 country code.")
    language: str = field(
        Capability.CUSTOMERS_READ,
        description="Language tag for messages to the customer (en, pt-PT, pt-BR, it, sv …).",
    )
    external_id: str | None = field(
        Capability.CUSTOMERS_READ, description="The id in your ERP, unique per partner."
    )
    billing_contact: BillingContact | None = field(
        Capability.CUSTOMERS_READ, description="Who receives invoices."
    )
    version: int = field(
        Capability.CUSTOMERS_READ, description="Pass it as `expectedVersion` to update."
    )
    created_at: datetime = field(Capability.CUSTOMERS_READ, description="When it was created.")
    updated_at: datetime = field(Capability.CUSTOMERS_READ, description="When it last changed.")
    pk: strawberry.Private[int]
    reseller_pk: strawberry.Private[int | None]

    READS: ClassVar[Mapping[str, Read]] = {
        "id": Read(("id",), lambda row: to_global_id("Customer", row.id)),
        "billing_contact": Read(
            ("billing_contact_name", "billing_contact_email", "billing_contact_phone"),
            lambda row: (
                BillingContact(
                    name=row.billing_contact_name,
                    email=row.billing_contact_email,
                    phone=row.billing_contact_phone,
                )
                if row.billing_contact_name and row.billing_contact_email
                else None
            ),
        ),
        "pk": column("id"),
        "reseller_pk": column("reseller_id"),
    }

    @relation_field(
        Capability.CUSTOMERS_READ,
        RESELLER,
        description="The indirect reseller selling to it, if any.",
    )
    def reseller(self, info: strawberry.Info) -> Partner | None:
        return RESELLER.resolve(info, self)

    @relation_field(
        Capability.SUBSCRIPTIONS_READ,
        SUBSCRIPTIONS,
        description="The customer's subscriptions, oldest first, 1–100 a page.",
    )
    def subscriptions(
        self,
        info: strawberry.Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        status: SubscriptionStatus | None = None,  # type: ignore[valid-type]
    ) -> Connection[Subscription] | None:
        return SUBSCRIPTIONS.resolve(
            info, self, first=first, after=after, last=last, before=before, status=status
        )

    @relation_field(
        Capability.BILLING_READ,
        CUSTOMER_INVOICES,
        description="The customer's invoices, oldest first, 1–100 a page.",
    )
    def invoices(
        self,
        info: strawberry.Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        status: InvoiceStatus | None = None,
    ) -> Connection[Invoice] | None:
        return CUSTOMER_INVOICES.resolve(
            info, self, first=first, after=after, last=last, before=before, status=status
        )

    @field(
        Capability.BILLING_READ,
        description="Who bills it, on what terms, and its standing, balance and days past due.",
    )
    async def billing(self, info: strawberry.Info) -> BillingRelationship | None:
        return await billing_of(info, self)


@strawberry.input(description="Narrow the customer list; all given filters apply.")
class CustomerFilter:
    search: str | None = strawberry.field(
        default=None, description="Part of the company name or domain, any case."
    )
    reseller_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only this indirect reseller's customers."
    )
    updated_since: datetime | None = strawberry.field(
        default=None, description="Only customers changed at or after this time."
    )


@strawberry.input(description="Who receives the customer's invoices.")
class BillingContactInput:
    name: str
    email: str
    phone: str | None = None


@strawberry.input
class CreateCustomerInput:
    company_name: str
    domain: str
    country: str = strawberry.field(description="ISO 3166 two-letter code.")
    language: str = strawberry.field(description="Language tag such as pt-BR.")
    reseller_id: strawberry.ID | None = strawberry.field(
        default=None, description="Create it for this reseller (indirect providers)."
    )
    external_id: str | None = None
    billing_contact: BillingContactInput | None = None
    idempotency_key: str | None = strawberry.field(
        default=None, description="Retrying with the same key returns the first result."
    )


@strawberry.input(description="Only the fields you give change; `billingContact: null` clears it.")
class UpdateCustomerInput:
    id: strawberry.ID
    expected_version: int = strawberry.field(
        description="The `version` you read; a newer one gives VERSION_CONFLICT."
    )
    company_name: str | None = strawberry.UNSET
    domain: str | None = strawberry.UNSET
    country: str | None = strawberry.UNSET
    language: str | None = strawberry.UNSET
    external_id: str | None = strawberry.UNSET
    billing_contact: BillingContactInput | None = strawberry.UNSET


@strawberry.type(description="The result of creating or updating a customer.")
class CustomerPayload:
    customer: Customer | None = field(
        Capability.CUSTOMERS_READ, description="The customer, unless the mutation failed."
    )
    user_errors: list[UserError] = field(Capability.VIEWER, description="Why it failed.")


def _contact(value: BillingContactInput | None) -> Contact | None:
    return None if value is None else Contact(name=value.name, email=value.email, phone=value.phone)


@strawberry.type
class CustomerQuery:
    @field(Capability.CUSTOMERS_READ, description="Your customers, oldest first, 1–100 a page.")
    async def customers(
        self,
        info: strawberry.Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: CustomerFilter | None = None,
    ) -> Connection[Customer] | None:
        criteria = filter or CustomerFilter()
        reseller = criteria.reseller_id
        page = await customers.list_customers(
            info.context.signed_in,
            page=page_request(first, after, last, before),
            search=criteria.search,
            reseller_id=decode_id(reseller, "Partner", ["filter", "resellerId"])
            if reseller
            else None,
            updated_since=criteria.updated_since,
        )
        return connection(page, Customer.from_model)

    @field(Capability.CUSTOMERS_READ, description="One customer by id.")
    async def customer(self, info: strawberry.Info, id: strawberry.ID) -> Customer | None:
        row = await info.context.loaders.customers.load(decode_id(id, "Customer", ["id"]))
        if row is None:
            raise NotFound("customer.not_found", field=["id"])
        return Customer.from_model(row)


@strawberry.type
class CustomerMutation:
    @mutation(Capability.CUSTOMERS_CREATE, description="Create a customer.")
    async def create_customer(
        self, info: strawberry.Info, input: CreateCustomerInput
    ) -> CustomerPayload | None:
        context = info.context

        async def work() -> models.Customer:
            reseller = input.reseller_id
            return await customers.create_customer(
                context.actor,
                company_name=input.company_name,
                domain=input.domain,
                country=input.country,
                language=input.language,
                reseller_id=decode_id(reseller, "Partner", ["resellerId"]) if reseller else None,
                external_id=input.external_id,
                billing_contact=_contact(input.billing_contact),
                idempotency_key=input.idempotency_key,
            )

        row, errors = await attempt(work(), context.language)
        return CustomerPayload(customer=row and Customer.from_model(row), user_errors=errors)

    @mutation(
        Capability.CUSTOMERS_WRITE,
        description="Change a customer's profile if nobody changed it since you read it.",
    )
    async def update_customer(
        self, info: strawberry.Info, input: UpdateCustomerInput
    ) -> CustomerPayload | None:
        context = info.context
        changes: dict[str, Any] = {}
        for name in ("company_name", "domain", "country", "language", "external_id"):
            value = getattr(input, name)
            if value is not strawberry.UNSET:
                changes[name] = value
        if input.billing_contact is not strawberry.UNSET:
            changes["billing_contact"] = _contact(input.billing_contact)

        async def work() -> models.Customer:
            return await customers.update_customer(
                context.actor,
                customer_id=decode_id(input.id, "Customer", ["id"]),
                expected_version=input.expected_version,
                changes=changes,
            )

        row, errors = await attempt(work(), context.language)
        return CustomerPayload(customer=row and Customer.from_model(row), user_errors=errors)
