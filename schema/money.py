"""Money on the wire: a decimal amount as a string with its ISO 4217 currency."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

import strawberry

from auth.permissions import Capability
from resolvers.money import shown
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
        return None if amount is None else _money(cls, amount, currency)


@lru_cache(maxsize=4096)  # prices repeat from row to row; a Money is never changed
def _money(cls: type[Money], amount: Decimal | str, currency: str) -> Money:
    return cls(amount=shown(Decimal(amount), currency), currency=currency)


@strawberry.input(description="An amount of money: a decimal string and its ISO 4217 currency.")
class MoneyInput:
    amount: Decimal = strawberry.field(description='A decimal string, such as "12.50".')
    currency: str = strawberry.field(description="ISO 4217 code, such as EUR.")
