"""Scalars with stricter input than GraphQL's defaults."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

import strawberry


def _aware(value: object) -> datetime:
    """A date and time with its UTC offset: a moment, never a wall-clock time of nowhere."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"'{value[:64]}' is not an ISO 8601 date and time") from None
    else:
        raise ValueError("DateTime must be a string")
    if parsed.tzinfo is None:
        raise ValueError("give the UTC offset too, as in 2026-11-21T09:30:00Z")
    return parsed


DateTime = strawberry.scalar(
    name="DateTime",
    description="A moment in ISO 8601 with its UTC offset, such as 2026-11-21T09:30:00Z.",
    serialize=datetime.isoformat,
    parse_value=_aware,
)


def _decimal(value: object) -> Decimal:
    """An amount written as a decimal string (or an integer): never a float, which cannot
    hold most amounts exactly."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError('send amounts as decimal strings, such as "12.50"')
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise ValueError(f"'{str(value)[:64]}' is not a decimal number") from None
    if not amount.is_finite():
        raise ValueError("an amount is a finite decimal number")
    return amount


DecimalScalar = strawberry.scalar(
    name="Decimal",
    description='An exact decimal number as a string, such as "1234.50"; never a float.',
    serialize=str,
    parse_value=_decimal,
)
