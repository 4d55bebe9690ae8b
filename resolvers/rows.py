"""Rows to read: the SQL Tortoise writes, without the model instances it builds.

Building a model instance costs Tortoise tens of microseconds a row, a conversion call per
column and tracked attributes; a page of 50 customers spent more time there than in the
database. Reads that only show rows use `rows(queryset)` instead of awaiting the queryset:
Tortoise still writes the SQL, with the queryset's tenancy filter, ordering and limit, but
the rows come back as plain named tuples of the model's columns, converted only where a
column needs it (datetimes, SQLite's integer booleans, enums, JSON). Writes keep using
models.

`rows` relies on Tortoise's query building internals (`_make_query`, `query`), pinned with
Tortoise in `pyproject.toml`; the tests read every list and loader through it.
"""

from __future__ import annotations

import re
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from functools import cache
from typing import Any

from tortoise import fields
from tortoise.models import Model
from tortoise.queryset import QuerySet

PLACEHOLDER = re.compile(r"\$\d+")
Row = Any  # a named tuple of a model's columns, read by attribute like the model

# Columns a database driver already hands back as the model's Python value.
NATIVE = (
    fields.IntField,
    fields.BigIntField,
    fields.SmallIntField,
    fields.CharField,
    fields.TextField,
)


async def select(model: type[Model], sql: str, *params: Any) -> list[Any]:
    """The records of a hand-written statement, with `$1, $2 …` placeholders, on `model`'s
    database (in the current transaction, if any). Kept for the few statements that run on
    every request."""
    database = model._meta.db
    if database.capabilities.dialect == "sqlite":
        sql = PLACEHOLDER.sub("?", sql)
    _, records = await database.execute_query(sql, list(params))
    return list(records)


async def rows(queryset: QuerySet[Any]) -> list[Row]:
    """The rows `queryset` selects, as named tuples of its model's columns."""
    queryset._choose_db_if_not_chosen()
    queryset._make_query()
    _, records = await queryset._db.execute_query(*queryset.query.get_parameterized_sql())
    return _as_rows(queryset.model, records)


async def rows_by_id(
    model: type[Model],
    ids: Sequence[int],
    *,
    all_of: Mapping[str, Any] | None = None,
    any_of: Sequence[tuple[str, Any]] = (),
) -> list[Row | None]:
    """A DataLoader's batch: the rows of `model` with these ids, in their order, None for an
    id that is missing or not visible. Visible means every column of `all_of` equals its
    value and, if `any_of` is given, one of its columns equals its value. The statement is
    written out: loaders run on nearly every request."""
    if not ids:
        return []
    params: list[Any] = list(ids)
    clauses = [f"id IN ({', '.join(f'${number}' for number in range(1, len(ids) + 1))})"]
    for column, value in (all_of or {}).items():
        params.append(value)
        clauses.append(f"{_column(model, column)} = ${len(params)}")
    alternatives = []
    for column, value in any_of:
        params.append(value)
        alternatives.append(f"{_column(model, column)} = ${len(params)}")
    if alternatives:
        clauses.append(f"({' OR '.join(alternatives)})")
    # Only names from the model and placeholders: every value is a parameter.
    columns = ", ".join(model._meta.fields_db_projection.values())
    where = " AND ".join(clauses)
    statement = f"SELECT {columns} FROM {model._meta.db_table} WHERE {where}"  # noqa: S608
    found = await select(model, statement, *params)
    by_id = {row.id: row for row in _as_rows(model, found)}
    return [by_id.get(key) for key in ids]


def _column(model: type[Model], name: str) -> str:
    """A column of `model` by its field name; never text from outside the code."""
    return model._meta.fields_db_projection[name]


def _as_rows(model: type[Model], records: Sequence[Any]) -> list[Row]:
    if not records:
        return []
    row_type, conversions = _layout(model, tuple(records[0].keys()))
    if not conversions:
        return [row_type._make(record) for record in records]
    result = []
    for record in records:
        values = list(record)
        for index, convert in conversions:
            value = values[index]
            if value is not None:
                values[index] = convert(value)
        result.append(row_type._make(values))
    return result


@cache
def _layout(
    model: type[Model], columns: tuple[str, ...]
) -> tuple[type, tuple[tuple[int, Callable[[Any], Any]], ...]]:
    """The row type of these columns of `model`, and the conversion of each column needing
    one."""
    names = model._meta.fields_db_projection_reverse
    conversions = []
    for index, column in enumerate(columns):
        field = model._meta.fields_map[names[column]]
        if type(field) in NATIVE:
            continue
        convert = _moment if isinstance(field, fields.DatetimeField) else field.to_python_value
        conversions.append((index, convert))
    row_type = namedtuple(f"{model.__name__}Row", [names[column] for column in columns])
    return row_type, tuple(conversions)


def _moment(value: datetime | str) -> datetime:
    """What Tortoise makes of a stored datetime (with `use_tz` and UTC), made faster."""
    if type(value) is str:
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
