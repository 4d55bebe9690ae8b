"""What a customer must be told about the support its seller gives, in its own language."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from itertools import groupby

import strawberry

from auth.permissions import Capability
from resolvers.money import shown
from resolvers.service_hours import DAYS, RESPONSE_HOURS, Window, stored_windows
from resolvers.support import StatementSubject
from schema.guards import field
from schema.messages import listed, negotiate, translate

FULL_DAY = ((0, 0), (24, 0))


@strawberry.type(description="The support statement of a customer, in the customer's language.")
class SupportStatement:
    language: str = field(
        Capability.SUPPORT_OFFERING_READ, description="en, pt-PT, pt-BR, it or sv: the customer's."
    )
    text: str = field(Capability.SUPPORT_OFFERING_READ, description="Ready to show or send.")


def support_statement(subject: StatementSubject) -> SupportStatement:
    """Who gives the support, when and how to reach them, what it costs, what it covers,
    what happens beyond it and how fast the first answer comes."""
    language = negotiate(subject.customer.language)
    seller, offering = subject.seller.name, subject.offering

    def say(key: str, **params: object) -> str:
        return translate(key, language, **params)

    if offering is None:
        sentences = [say("statement.unpublished", seller=seller), say("statement.contact_us")]
        return SupportStatement(language=language, text=" ".join(sentences))
    sentences = [
        say(
            f"statement.sourcing.{offering.sourcing}",
            seller=seller,
            provider=offering.provider_name or "",
        ),
        say("statement.contact_us"),
        _hours(stored_windows(offering.hours), offering.time_zone, language),
        say("statement.contacts", methods=_contacts(offering.contact_methods, language)),
        say(f"statement.price.{offering.pricing_model}", price=_price(offering, language)),
    ]
    if offering.categories and offering.product_families:
        sentences.append(
            say(
                "statement.baseline",
                categories=listed(
                    [say(f"category.{name}") for name in offering.categories], language
                ),
                families=listed(
                    [say(f"family.{name}") for name in offering.product_families], language
                ),
            )
        )
    if subject.provider_name is not None:
        sentences.append(say("statement.beyond_reseller", provider=subject.provider_name))
    else:
        sentences.append(say("statement.beyond"))
    hours = {str(severity).lower(): count for severity, count in RESPONSE_HOURS.items()}
    sentences.append(say("statement.response", **hours))
    return SupportStatement(language=language, text=" ".join(sentences))


def _hours(windows: Sequence[Window], zone: str, language: str) -> str:
    """The week's hours, days with the same hours in a row written as one range."""
    by_day = {
        weekday: tuple(
            (window.opens, window.closes) for window in windows if window.weekday == weekday
        )
        for weekday in range(7)
    }
    if all(hours == (FULL_DAY,) for hours in by_day.values()):
        return translate("statement.always", language)
    parts = []
    runs = groupby(range(7), key=lambda weekday: by_day[weekday])
    for hours, days in runs:
        if not hours:
            continue
        numbers = list(days)
        first, last = (
            translate(f"day.{DAYS[number]}", language) for number in (numbers[0], numbers[-1])
        )
        named = (
            first
            if len(numbers) == 1
            else translate("statement.range", language, first=first, last=last)
        )
        for opens, closes in hours:
            if (opens, closes) == FULL_DAY:
                parts.append(translate("statement.all_day", language, days=named))
            else:
                parts.append(
                    translate(
                        "statement.window",
                        language,
                        days=named,
                        opens=_clock(opens),
                        closes=_clock(closes),
                    )
                )
    return translate("statement.hours", language, zone=zone, windows="; ".join(parts))


def _clock(clock: tuple[int, int]) -> str:
    return f"{clock[0]:02d}:{clock[1]:02d}"


def _contacts(methods: Sequence[dict[str, str]], language: str) -> str:
    said = [
        translate(f"statement.contact.{method['kind']}", language, value=method["value"])
        for method in methods
    ]
    if len(said) == 1:
        return said[0]
    return f"{', '.join(said[:-1])} {translate('statement.or', language)} {said[-1]}"


def _price(offering: object, language: str) -> str:
    amount: Decimal | None = getattr(offering, "price", None)
    currency: str | None = getattr(offering, "price_currency", None)
    if amount is None or currency is None:
        return ""
    text = str(shown(amount, currency))
    if language != "en":
        text = text.replace(".", ",")
    return f"{text} {currency}"
