"""The support offering: what a partner tells its customers, and its Microsoft entitlements."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import strawberry

from auth.permissions import Capability
from resolvers import models as rows, subscriptions, support
from resolvers.service_hours import Weekday
from resolvers.support import ContactKind, Contract, OfferingOrder
from schema.errors import UserError, attempted
from schema.guards import field, mutation
from schema.money import Money, MoneyInput
from schema.nodes import Node, decode_id, node_type, to_global_id
from schema.statements import SupportStatement, support_statement
from schema.subscriptions import ProductFamily

READ = Capability.SUPPORT_OFFERING_READ

Sourcing = strawberry.enum(
    rows.Sourcing,
    name="SupportSourcing",
    description="DIRECT: the partner's own staff; RESOLD: another party's support, resold; "
    "OUTSOURCED: another party gives it on the partner's behalf.",
)
PricingModel = strawberry.enum(
    rows.PricingModel, name="SupportPricingModel", description="How customers pay for support."
)
Competency = strawberry.enum(
    rows.Competency, name="Competency", description="The partner's Microsoft competency level."
)
TicketCategory = strawberry.enum(
    rows.TicketCategory, name="TicketCategory", description="What a support request is about."
)
WeekdayType = strawberry.enum(Weekday, name="Weekday", description="A day of the week.")
ContactKindType = strawberry.enum(
    ContactKind, name="ContactKind", description="How customers reach the partner's support."
)


@strawberry.type(description="A period of service on a day of the week, on the local clock.")
class ServiceWindow:
    day: WeekdayType = field(READ, description="The day of the week.")  # type: ignore[valid-type]
    opens: str = field(READ, description="Opening time, HH:MM.")
    closes: str = field(READ, description="Closing time, HH:MM (24:00 is midnight).")


@strawberry.type(description="When support is open, in the partner's time zone.")
class ServiceHours:
    time_zone: str = field(READ, description="IANA time zone, such as Europe/Lisbon.")
    days: list[ServiceWindow] = field(READ, description="Periods of service, in weekly order.")


@strawberry.type(description="A way for customers to reach support.")
class ContactMethod:
    kind: ContactKindType = field(READ, description="Email, phone or web.")  # type: ignore[valid-type]
    value: str = field(READ, description="The address, number or https URL.")


@strawberry.type(description="What support costs the customer.")
class SupportPricing:
    model: PricingModel = field(READ, description="How it is charged.")  # type: ignore[valid-type]
    amount: Money | None = field(READ, description="The price; none when included.")


@strawberry.type(description="What the partner resolves itself, within its baseline support.")
class SupportBaseline:
    categories: list[TicketCategory] = field(READ, description="Request categories covered.")  # type: ignore[valid-type]
    product_families: list[ProductFamily] = field(READ, description="Product families covered.")  # type: ignore[valid-type]


@strawberry.type(description="A Microsoft support contract of the partner.")
class SupportContract:
    reference: str = field(READ, description="The contract's reference.")
    ends_on: date = field(READ, description="The last day it covers.")
    active: bool = field(READ, description="Whether it covers today.")


@strawberry.type(description="What the partner may ask of Microsoft support.")
class SupportEntitlements:
    premier_support_contract: SupportContract | None = field(
        READ, description="Premier Support for Partners (technical, all products)."
    )
    advanced_support_contract: SupportContract | None = field(
        READ, description="Advanced Support for Partners (technical, cloud products)."
    )
    competency: Competency = field(READ, description="Gold, Silver or none.")  # type: ignore[valid-type]
    action_pack: bool = field(READ, description="Whether it holds the Action Pack.")
    product_support_incident_credits: int = field(
        READ, description="Product support incidents left (on-premises products)."
    )


@node_type("SupportOffering", READ, loader="support_offerings_by_id")
@strawberry.type(description="What a partner tells its customers about the support it gives.")
class SupportOffering(Node):
    sourcing: Sourcing = field(READ, description="Who gives the support.")  # type: ignore[valid-type]
    provider_name: str | None = field(READ, description="The other party, unless DIRECT.")
    hours: ServiceHours = field(READ, description="When support is open.")
    contact_methods: list[ContactMethod] = field(READ, description="How to reach support.")
    pricing: SupportPricing = field(READ, description="What support costs.")
    baseline: SupportBaseline = field(READ, description="What the partner resolves itself.")
    entitlements: SupportEntitlements = field(READ, description="Its Microsoft support.")
    version: int = field(READ, description="Pass it as `expectedVersion` to change it.")
    updated_at: datetime = field(READ, description="When it last changed.")

    @classmethod
    def from_model(cls, row: Any) -> SupportOffering:
        today = subscriptions.now().date()
        return cls(
            id=to_global_id("SupportOffering", row.id),
            sourcing=row.sourcing,
            provider_name=row.provider_name,
            hours=ServiceHours(
                time_zone=row.time_zone,
                days=[
                    ServiceWindow(
                        day=Weekday(entry["day"]), opens=entry["opens"], closes=entry["closes"]
                    )
                    for entry in row.hours
                ],
            ),
            contact_methods=[
                ContactMethod(kind=ContactKind(entry["kind"]), value=entry["value"])
                for entry in row.contact_methods
            ],
            pricing=SupportPricing(
                model=row.pricing_model,
                amount=Money.of(row.price, row.price_currency) if row.price_currency else None,
            ),
            baseline=SupportBaseline(
                categories=[rows.TicketCategory(name) for name in row.categories],
                product_families=[rows.ProductFamily(name) for name in row.product_families],
            ),
            entitlements=SupportEntitlements(
                premier_support_contract=_contract(
                    row.premier_contract, row.premier_contract_ends, today
                ),
                advanced_support_contract=_contract(
                    row.advanced_contract, row.advanced_contract_ends, today
                ),
                competency=row.competency,
                action_pack=row.action_pack,
                product_support_incident_credits=row.incident_credits,
            ),
            version=row.version,
            updated_at=row.updated_at,
        )


def _contract(reference: str | None, ends_on: date | None, today: date) -> SupportContract | None:
    if reference is None or ends_on is None:
        return None
    return SupportContract(reference=reference, ends_on=ends_on, active=ends_on >= today)


@strawberry.input(description="A period of service on a day of the week, on the local clock.")
class ServiceWindowInput:
    day: WeekdayType  # type: ignore[valid-type]
    opens: str = strawberry.field(description="HH:MM, such as 08:00.")
    closes: str = strawberry.field(description="HH:MM after `opens`; 24:00 is midnight.")


@strawberry.input(description="When support is open.")
class ServiceHoursInput:
    time_zone: str = strawberry.field(description="IANA time zone, such as Europe/Lisbon.")
    days: list[ServiceWindowInput] = strawberry.field(
        description="Periods of service; every day 00:00–24:00 for round the clock."
    )


@strawberry.input(description="A way for customers to reach support.")
class ContactMethodInput:
    kind: ContactKindType  # type: ignore[valid-type]
    value: str = strawberry.field(description="An email address, a phone number or an https URL.")


@strawberry.input(description="What support costs the customer.")
class SupportPricingInput:
    model: PricingModel  # type: ignore[valid-type]
    amount: MoneyInput | None = strawberry.field(default=None, description="Unless INCLUDED.")


@strawberry.input(description="What the partner resolves itself.")
class SupportBaselineInput:
    categories: list[TicketCategory]  # type: ignore[valid-type]
    product_families: list[ProductFamily]  # type: ignore[valid-type]


@strawberry.input(description="A Microsoft support contract.")
class SupportContractInput:
    reference: str
    ends_on: date = strawberry.field(description="The last day it covers.")


@strawberry.input(description="What the partner may ask of Microsoft support.")
class SupportEntitlementsInput:
    premier_support_contract: SupportContractInput | None = None
    advanced_support_contract: SupportContractInput | None = None
    competency: Competency = rows.Competency.NONE  # type: ignore[valid-type]
    action_pack: bool = False
    product_support_incident_credits: int = 0


@strawberry.input(description="The whole support offering; it replaces the current one.")
class SetSupportOfferingInput:
    sourcing: Sourcing  # type: ignore[valid-type]
    hours: ServiceHoursInput
    contact_methods: list[ContactMethodInput]
    pricing: SupportPricingInput
    baseline: SupportBaselineInput
    entitlements: SupportEntitlementsInput = strawberry.field(
        default_factory=SupportEntitlementsInput
    )
    provider_name: str | None = strawberry.field(
        default=None, description="The other party, for RESOLD and OUTSOURCED."
    )
    expected_version: int | None = None

    def order(self) -> OfferingOrder:
        entitlements, price = self.entitlements, self.pricing.amount
        return OfferingOrder(
            sourcing=self.sourcing,
            provider_name=self.provider_name,
            time_zone=self.hours.time_zone,
            days=[
                {"day": str(window.day), "opens": window.opens, "closes": window.closes}
                for window in self.hours.days
            ],
            contact_methods=[(method.kind, method.value) for method in self.contact_methods],
            pricing_model=self.pricing.model,
            price=None if price is None else (price.amount, price.currency),
            categories=self.baseline.categories,
            product_families=self.baseline.product_families,
            premier_contract=_contract_order(entitlements.premier_support_contract),
            advanced_contract=_contract_order(entitlements.advanced_support_contract),
            competency=entitlements.competency,
            action_pack=entitlements.action_pack,
            incident_credits=entitlements.product_support_incident_credits,
            expected_version=self.expected_version,
        )


def _contract_order(given: SupportContractInput | None) -> Contract | None:
    return None if given is None else Contract(given.reference, given.ends_on)


@strawberry.type(description="The result of setSupportOffering.")
class SupportOfferingPayload:
    support_offering: SupportOffering | None = field(
        READ, description="The offering, unless it failed."
    )
    user_errors: list[UserError] = field(Capability.VIEWER, description="What went wrong.")


@strawberry.type
class SupportQuery:
    @field(READ, description="Your organization's support offering (null until it is set).")
    async def support_offering(self, info: strawberry.Info) -> SupportOffering | None:
        row = await support.offering_of(info.context.signed_in.partner_id)
        return None if row is None else SupportOffering.from_model(row)

    @field(
        READ,
        description="What a customer must be told about the support its seller gives, in the "
        "customer's language.",
    )
    async def support_statement(
        self, info: strawberry.Info, customer_id: strawberry.ID
    ) -> SupportStatement | None:
        subject = await support.statement_for(
            info.context.signed_in, decode_id(customer_id, "Customer", ["customerId"])
        )
        return support_statement(subject)


@strawberry.type
class SupportMutation:
    @mutation(
        Capability.SUPPORT_OFFERING_WRITE,
        description="Set your organization's support offering, as a whole.",
    )
    async def set_support_offering(
        self, info: strawberry.Info, input: SetSupportOfferingInput
    ) -> SupportOfferingPayload | None:
        row, errors = await attempted(
            info, lambda: support.set_offering(info.context.actor, input.order())
        )
        return SupportOfferingPayload(
            support_offering=None if row is None else SupportOffering.from_model(row),
            user_errors=errors,
        )
