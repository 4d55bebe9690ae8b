"""Scalars with stricter input than GraphQL's defaults."""

from __future__ import annotations

from datetime import datetime

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
