"""Money: a `Decimal` amount with an ISO 4217 currency, never a float.

Amounts arrive as decimal strings and leave as decimal strings, shown with at least the
currency's minor unit of decimals; prices keep up to six decimals, since unit prices of usage
and of some licences are finer than a cent.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from resolvers.errors import BadInput, InvalidInput

PRICE_DECIMALS = 6
MAX_AMOUNT = Decimal("999999999999")  # what an 18-digit column with 6 decimals holds

# Currencies partners bill in, with their minor units (ISO 4217); two unless listed here.
MINOR_UNITS = {"JPY": 0, "KRW": 0, "ISK": 0, "CLP": 0, "VND": 0, "BHD": 3, "KWD": 3, "TND": 3}
CURRENCIES = frozenset(
    {
        *MINOR_UNITS,
        *[
            "AED",
            "ARS",
            "AUD",
            "BGN",
            "BRL",
            "CAD",
            "CHF",
            "CNY",
            "COP",
            "CZK",
            "DKK",
            "EGP",
            "EUR",
            "GBP",
            "HKD",
            "IDR",
            "ILS",
            "INR",
            "MXN",
            "MYR",
            "NOK",
            "NZD",
            "PEN",
            "PHP",
            "PLN",
            "QAR",
            "RON",
            "RSD",
            "SAR",
            "SEK",
            "SGD",
            "THB",
            "TRY",
            "TWD",
            "UAH",
            "USD",
            "VND",
            "ZAR",
        ],
    }
)


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str


def minor_units(currency: str) -> int:
    return MINOR_UNITS.get(currency, 2)


def to_minor(amount: Decimal, currency: str) -> int:
    """An amount with no more decimals than the currency's minor unit, in minor units."""
    return int(amount.scaleb(minor_units(currency)))


def from_minor(value: int, currency: str) -> Decimal:
    return Decimal(value).scaleb(-minor_units(currency))


def shown(amount: Decimal, currency: str) -> Decimal:
    """`amount` with at least the currency's minor unit of decimals and no trailing zeros
    beyond it: 12.5 EUR is 12.50, 0.123400 EUR is 0.1234, 1500 JPY is 1500."""
    places = max(minor_units(currency), -amount.normalize().as_tuple().exponent)  # type: ignore[operator]
    return amount.quantize(Decimal(1).scaleb(-places))


def currency_code(value: str, field: list[str]) -> str:
    code = value.strip().upper()
    if code not in CURRENCIES:
        raise BadInput("money.currency", field=field)
    return code


def amount_of(value: str | Decimal, field: list[str], *, decimals: int = PRICE_DECIMALS) -> Decimal:
    """A non-negative decimal amount with at most `decimals` places, from its string."""
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else value)
    except (InvalidOperation, ValueError):
        raise BadInput("money.amount", field=field, decimals=decimals) from None
    if (
        not amount.is_finite()
        or amount < 0
        or amount > MAX_AMOUNT
        or -amount.normalize().as_tuple().exponent > decimals  # type: ignore[operator]
    ):
        raise BadInput("money.amount", field=field, decimals=decimals)
    return amount + Decimal(0)  # -0 becomes 0


def money_of(amount: str, currency: str, field: list[str]) -> Money:
    """An amount and its currency, both checked: every problem of the two is reported."""
    problems = []
    checked = []
    for check in (
        lambda: amount_of(amount, [*field, "amount"]),
        lambda: currency_code(currency, [*field, "currency"]),
    ):
        try:
            checked.append(check())
        except BadInput as problem:
            problems.append(problem)
    if problems:
        raise InvalidInput(problems)
    return Money(*checked)


# The currency a customer is billed in until its terms say otherwise: its country's.
COUNTRY_CURRENCIES = {
    "AT": "EUR", "BE": "EUR", "CY": "EUR", "DE": "EUR", "EE": "EUR", "ES": "EUR", "FI": "EUR",
    "FR": "EUR", "GR": "EUR", "HR": "EUR", "IE": "EUR", "IT": "EUR", "LT": "EUR", "LU": "EUR",
    "LV": "EUR", "MT": "EUR", "NL": "EUR", "PT": "EUR", "SI": "EUR", "SK": "EUR",
    "BR": "BRL", "SE": "SEK", "NO": "NOK", "DK": "DKK", "GB": "GBP", "CH": "CHF", "PL": "PLN",
    "CZ": "CZK", "JP": "JPY", "US": "USD", "CA": "CAD", "AU": "AUD", "NZ": "NZD", "MX": "MXN",
    "IN": "INR", "ZA": "ZAR", "KR": "KRW",
}  # fmt: skip
FALLBACK_CURRENCY = "USD"


def currency_for_country(country: str) -> str:
    return COUNTRY_CURRENCIES.get(country, FALLBACK_CURRENCY)
