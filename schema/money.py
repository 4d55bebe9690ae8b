"""Money on the wire: a decimal amount as a string with its ISO 4217 currency."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from auth.permissions import Capability
from resolvers.money import from_minor, shown
from schema.guards import field


@strawberry.type(description="An amount of money: a decimal string and its ISO 4217 currency.")
class Money:
    amount: Decimal = field(
        Capability.VIEWER,
        description="Exact, with at least the currency's minor unit of decimals (12.50 EUR).",
    )
    currency: str = field(Capability.VIEWER, description="ISO 4217 code, such as EUR.")

    @classmethod
    def of(cls, amount: Decimal | str | None, currency: str) -> Money | None:
        """The Money of a stored amount; the same object for the same amount and currency
        (prices repeat from row to row, and a Money is never changed)."""
        if amount is None:
            return None
        key = (str(amount), currency)  # hashing a Decimal costs ten times its text's
        made = _MADE.get(key)
        if made is None:
            if len(_MADE) >= MADE_KEPT:
                _MADE.clear()
            made = _MADE[key] = cls(amount=shown(Decimal(amount), currency), currency=currency)
        return made

    @classmethod
    def of_minor(cls, minor: int | None, currency: str) -> Money | None:
        """The Money of a sum stored in the currency's minor units."""
        return None if minor is None else cls.of(from_minor(minor, currency), currency)


MADE_KEPT = 4096
_MADE: dict[tuple[str, str], Money] = {}


@strawberry.input(description="An amount of money: a decimal string and its ISO 4217 currency.")
class MoneyInput:
    amount: Decimal = strawberry.field(description='A decimal string, such as "12.50".')
    currency: str = strawberry.field(description="ISO 4217 code, such as EUR.")
