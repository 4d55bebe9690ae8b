"""Reading rows: written-out SELECT statements that return plain named tuples.

Reads are the hot path: a page of 50 customers, the loaders, the directory lookup run on
nearly every request. Tortoise spends more time writing a statement and building a model
instance per row (a conversion call per column, tracked attributes) than the database spends
answering, so reads don't go through it: `Where` collects conditions as SQL with a `{}` for
each value, `select_rows`/`count_rows`/`rows_by_id` write the statement with placeholders
(every value is a parameter; only column and table names of the models are written in), and
the rows come back as named tuples of the model's columns, converted only where a column
needs it (datetimes, SQLite's integer booleans, enums, JSON). Writes keep using models.
"""

from __future__ import annotations

import re
from collections import namedtuple
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum
from functools import cache
from typing import Any

from tortoise import fields
from tortoise.fields.data import CharEnumFieldInstance
from tortoise.models import Model

PLACEHOLDER = re.compile(r"\$(\d+)")
Row = Any  # a named tuple of a model's columns, read by attribute like the model

# Columns a database driver already hands back as the model's Python value.
NATIVE = (
    fields.IntField,
    fields.BigIntField,
    fields.SmallIntField,
    fields.CharField,
    fields.TextField,
)
# And those asyncpg does too: `timestamptz` as a datetime in UTC, booleans, numerics.
NATIVE_ON_POSTGRES = (fields.DatetimeField, fields.BooleanField, fields.DecimalField)


# A text column containing a value in any case, as Tortoise's `icontains` writes it.
CONTAINS = "UPPER({column}) LIKE UPPER({{}}) ESCAPE '\\'"


def containing(text: str) -> str:
    """The LIKE pattern of `CONTAINS` matching `text` literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class Where:
    """The conditions of a statement, all of which must hold. Each is SQL over the model's
    columns with `{}` where a value goes; the values travel as parameters."""

    def __init__(self, model: type[Model]) -> None:
        self.model = model
        self.clauses: list[str] = []
        self.values: list[Any] = []

    def add(self, sql: str, *values: Any) -> Where:
        """A condition such as `"updated_at >= {}"`; columns come from the code, never input."""
        self.clauses.append(sql)
        self.values.extend(_parameter(value) for value in values)
        return self

    def equal(self, **columns: Any) -> Where:
        for name, value in columns.items():
            self.add(f"{self.column(name)} = {{}}", value)
        return self

    def any_equal(self, pairs: Sequence[tuple[str, Any]]) -> Where:
        """One of these columns equals its value."""
        alternatives = " OR ".join(f"{self.column(name)} = {{}}" for name, _ in pairs)
        return self.add(f"({alternatives})", *(value for _, value in pairs))

    def contains(self, *names: str, text: str) -> Where:
        """One of these text columns contains `text`, in any case."""
        alternatives = " OR ".join(CONTAINS.format(column=self.column(name)) for name in names)
        return self.add(f"({alternatives})", *(containing(text) for _ in names))

    def one_of(self, name: str, values: Sequence[Any]) -> Where:
        """The column holds one of `values`: on PostgreSQL one array parameter, so that the
        statement is the same for any number of values (prepared once, planned once)."""
        if self.model._meta.db.capabilities.dialect == "postgres":
            self.clauses.append(f"{self.column(name)} = ANY({{}})")
            self.values.append([_parameter(value) for value in values])
            return self
        marks = ", ".join("{}" for _ in values)
        return self.add(f"{self.column(name)} IN ({marks})", *values)

    def copy(self) -> Where:
        other = Where(self.model)
        other.clauses, other.values = list(self.clauses), list(self.values)
        return other

    def column(self, name: str) -> str:
        """A column of the model by its field name; an unknown name is a programming error."""
        return self.model._meta.fields_db_projection[name]

    def sql(self) -> str:
        if not self.clauses:
            return ""
        numbers = iter(range(1, len(self.values) + 1))
        text = " AND ".join(self.clauses)
        return " WHERE " + re.sub(r"\{\}", lambda _: f"${next(numbers)}", text)


def _parameter(value: Any) -> Any:
    """Values as the columns store them: datetimes in UTC (SQLite compares their text)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return value.value if isinstance(value, Enum) else value


async def select_rows(where: Where, *, order: str = "id", limit: int | None = None) -> list[Row]:
    """The rows of `where.model` that match, in `order` (a column, `-column` descending)."""
    model = where.model
    column = where.column(order.removeprefix("-"))
    direction = " DESC" if order.startswith("-") else ""
    columns = ", ".join(model._meta.fields_db_projection.values())
    statement = f"SELECT {columns} FROM {model._meta.db_table}{where.sql()}"  # noqa: S608
    statement += f" ORDER BY {column}{direction}"
    values = list(where.values)
    if limit is not None:
        values.append(limit)
        statement += f" LIMIT ${len(values)}"
    return as_rows(model, await select(model, statement, *values))


async def count_rows(where: Where) -> int:
    model = where.model
    statement = f"SELECT COUNT(*) FROM {model._meta.db_table}{where.sql()}"  # noqa: S608
    records = await select(model, statement, *where.values)
    return int(records[0][0])


async def rows_by_id(where: Where, ids: Sequence[int]) -> list[Row | None]:
    """A DataLoader's batch: the rows with these ids that match `where` (the viewer's
    visibility), in the order of `ids`, None for one that is missing or not visible."""
    if not ids:
        return []
    found = await select_rows(where.copy().one_of("id", ids))
    by_id = {row.id: row for row in found}
    return [by_id.get(key) for key in ids]


async def select(model: type[Model], sql: str, *params: Any) -> list[Any]:
    """The records of a statement with `$1, $2 …` placeholders, on `model`'s database (in the
    current transaction, if any)."""
    database = model._meta.db
    values = list(params)
    if database.capabilities.dialect == "sqlite":
        # SQLite's `?` are positional: the values follow the placeholders as they appear.
        values = [params[int(number) - 1] for number in PLACEHOLDER.findall(sql)]
        sql = PLACEHOLDER.sub("?", sql)
    _, records = await database.execute_query(sql, values)
    return list(records)


def as_rows(model: type[Model], records: Sequence[Any]) -> list[Row]:
    """Records as named tuples of every column of the model: those a statement did not
    select read as None."""
    if not records:
        return []
    return _row_maker(model, tuple(records[0].keys()))(records)


@cache
def _row_maker(
    model: type[Model], columns: tuple[str, ...]
) -> Callable[[Sequence[Any]], list[Row]]:
    """The function making rows of `model` from records of these columns, generated once
    per model and columns: the record's values, converted only where their column needs
    it. The columns not selected are None, read from the row's class: a row holds
    only the values of the statement."""
    names = model._meta.fields_db_projection_reverse
    selected = [names.get(column, column) for column in columns]
    row_type = namedtuple(f"{model.__name__}Row", selected)  # type: ignore[misc]
    for name in model._meta.fields_db_projection:
        if name not in selected:
            setattr(row_type, name, None)
    namespace: dict[str, Any] = {"new": tuple.__new__, "Row": row_type}
    postgres = model._meta.db.capabilities.dialect == "postgres"
    conversions = []
    for index, column in enumerate(columns):
        field = model._meta.fields_map.get(names.get(column, ""))
        if (
            field is None  # a computed column, such as a window's: as it is
            or type(field) in NATIVE
            or (postgres and isinstance(field, NATIVE_ON_POSTGRES))
        ):
            continue
        namespace[f"convert{index}"] = _conversion(field)
        converted = f"convert{index}(x)"
        members = _members(field)
        if members is not None:  # an enum's member looked up inline, its conversion if none
            namespace[f"members{index}"] = members
            converted = f"(m if (m := members{index}.get(x)) is not None else {converted})"
        conversions.append(f"        if (x := v[{index}]) is not None: v[{index}] = {converted}")
    if not conversions:  # the record's values as they are
        source = "def make(records):\n    return [new(Row, r) for r in records]"
    else:
        lines = ["def make(records):", "    made = []", "    for r in records:", "        v = [*r]"]
        lines += [*conversions, "        made.append(new(Row, v))", "    return made"]
        source = "\n".join(lines)
    exec(source, namespace)  # noqa: S102 - positions and generated names only
    return namespace["make"]


def _conversion(field: fields.Field) -> Callable[[Any], Any]:
    """What Tortoise's `to_python_value` makes of a stored value, done the short way for the
    common column types."""
    if isinstance(field, fields.DatetimeField):
        return _moment
    if isinstance(field, fields.BooleanField):
        return bool
    if isinstance(field, fields.DecimalField):
        return _decimal
    return field.to_python_value


def _members(field: fields.Field) -> dict[Any, Enum] | None:
    """The members of an enum column by their stored values."""
    enum_type = getattr(field, "enum_type", None)
    if isinstance(field, CharEnumFieldInstance) and enum_type is not None:
        return enum_type._value2member_map_
    return None


def _decimal(value: Any) -> Decimal:
    return value if type(value) is Decimal else Decimal(value)


def _moment(value: datetime | str) -> datetime:
    """What Tortoise makes of a stored datetime (with `use_tz` and UTC), made faster."""
    if type(value) is str:
        value = datetime.fromisoformat(value)
    if value.tzinfo is UTC:  # as stored: nothing to convert
        return value
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
