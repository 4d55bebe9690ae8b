"""`MomentField`: Tortoise's timezone-aware `DatetimeField`, read faster on SQLite.

SQLite hands datetimes back as ISO 8601 text, which Tortoise parses with a pure-Python
parser, the largest cost of reading a row. `datetime.fromisoformat` parses every text
Tortoise writes, in C; anything it refuses still goes to Tortoise's own parser.

The column is exactly a `DatetimeField`'s, so migrations see and write one: the field
describes and deconstructs itself as its parent, and no migration depends on this module.
"""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Any

from tortoise import fields


class MomentField(fields.DatetimeField):
    def to_python_value(self, value: Any) -> datetime | None:
        if type(value) is str:
            with contextlib.suppress(ValueError):
                value = datetime.fromisoformat(value)
        return super().to_python_value(value)

    def describe(self, serializable: bool) -> dict:
        kind = "DatetimeField" if serializable else fields.DatetimeField
        return {**super().describe(serializable), "field_type": kind}

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        _, args, kwargs = super().deconstruct()
        return "tortoise.fields.data.DatetimeField", args, kwargs
