"""Inserting many rows: one multi-row ``INSERT … VALUES (…), (…)`` per batch, its values bound as
parameters, without building a Piccolo ``Table`` instance (and its query string) per row, which
costs far more than the database's own work once a write holds thousands of rows.

Each row takes the values ``Table(**row)`` would: a column it leaves out gets its Piccolo default;
enums are written as their values and JSON columns as JSON text, as Piccolo writes them. The
statements run inside the caller's transaction, if any, through the engine.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from piccolo.columns import JSON, JSONB, Column
from piccolo.querystring import QueryString
from piccolo.table import Table
from piccolo.utils.encoding import dump_json

#: Parameters per statement: well inside SQLite's limit (32,766) and PostgreSQL's (32,767).
MAX_PARAMETERS = 30_000
_PLAIN = (str, int, float, bool, Decimal, datetime, date, type(None))


def _sql_value(value: Any, is_json: bool) -> Any:
    if is_json:
        return value if value is None or isinstance(value, str) else dump_json(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Table):
        return getattr(value, value._meta.primary_key._meta.name)
    return value


class _Compiled(QueryString):
    """A statement already in the engine's own placeholders, with its values: Piccolo's
    compiling walks every value of a query string in Python, slow for tens of thousands."""

    def __init__(self, sql: str, args: list[Any]) -> None:
        super().__init__(sql.replace("{", "{{").replace("}", "}}"))
        self._compiled = (sql, args)

    def compile_string(self, engine_type: str = "postgres") -> tuple[str, list[Any]]:
        return self._compiled


async def insert_rows(
    table: type[Table],
    rows: Sequence[dict[str, Any]],
    *,
    on_conflict_do_nothing: Sequence[Column] = (),
    returning: Sequence[Column] = (),
) -> list[dict[str, Any]]:
    """Insert rows (dicts by column name) into ``table``; the ``returning`` columns of the rows
    inserted. ``on_conflict_do_nothing``: the unique columns a conflicting row is skipped on."""
    if not rows:
        return []
    primary_key = table._meta.primary_key
    columns = [c for c in table._meta.columns if c is not primary_key]
    names = {c._meta.name for c in columns}
    unknown = {key for row in rows for key in row} - names
    if unknown:
        raise ValueError(f"{table._meta.tablename} has no column {', '.join(sorted(unknown))}")
    kinds = [(c, c._meta.name, isinstance(c, (JSON, JSONB))) for c in columns]
    quoted = ", ".join(f'"{name}"' for _, name, _ in kinds)
    tail = ""
    if on_conflict_do_nothing:
        target = ", ".join(f'"{c._meta.name}"' for c in on_conflict_do_nothing)
        tail += f" ON CONFLICT ({target}) DO NOTHING"
    if returning:
        tail += " RETURNING " + ", ".join(f'"{c._meta.name}"' for c in returning)
    engine = table._meta.db
    if engine.engine_type != "sqlite":
        return await _insert_unnest(table, rows, kinds, quoted, tail, returning)
    per_statement = max(1, MAX_PARAMETERS // len(kinds))
    width = len(kinds)
    answer: list[dict[str, Any]] = []
    for start in range(0, len(rows), per_statement):
        batch = rows[start : start + per_statement]
        args: list[Any] = []
        for row in batch:
            for column, name, is_json in kinds:
                value = row[name] if name in row else column.get_default_value()
                if type(value) in _PLAIN and not is_json:
                    args.append(value)
                else:
                    args.append(_sql_value(value, is_json))
        values = ", ".join(["(" + ", ".join("?" * width) + ")"] * len(batch))
        sql = f'INSERT INTO "{table._meta.tablename}" ({quoted}) VALUES {values}{tail}'
        result = await engine.run_querystring(_Compiled(sql, args))
        if returning:
            answer.extend(dict(row) for row in result)
    return answer


#: Rows per statement on PostgreSQL, where each column's values travel as one array.
UNNEST_ROWS = 20_000


async def _insert_unnest(
    table: type[Table],
    rows: Sequence[dict[str, Any]],
    kinds: list[tuple[Column, str, bool]],
    quoted: str,
    tail: str,
    returning: Sequence[Column],
) -> list[dict[str, Any]]:
    """PostgreSQL: ``INSERT … SELECT … FROM unnest($1::type[], $2::type[], …)``, one array per
    column whose values differ (a column with one value for every row is one parameter), so
    the statement's text does not depend on the number of rows (the server plans it once) and
    the driver encodes each column's values in one go. The element types are the columns'
    without their length or precision: a value too long for its column is refused by the
    INSERT, never cut by the cast."""
    engine = table._meta.db
    answer: list[dict[str, Any]] = []
    for start in range(0, len(rows), UNNEST_ROWS):
        batch = rows[start : start + UNNEST_ROWS]
        args: list[Any] = []
        chosen: list[str] = []
        arrays: list[str] = []
        for column, name, is_json in kinds:
            values = [row[name] if name in row else column.get_default_value() for row in batch]
            if is_json or any(type(value) not in _PLAIN for value in values):
                values = [_sql_value(value, is_json) for value in values]
            args.append(values[0] if _one_value(values) else values)
            if args[-1] is values:
                arrays.append(f"${len(args)}::{_base_type(column)}[]")
                chosen.append(f"u.c{len(arrays)}")
            else:
                chosen.append(f"${len(args)}::{_base_type(column)}")
        if arrays:
            aliases = ", ".join(f"c{n}" for n in range(1, len(arrays) + 1))
            source = f"unnest({', '.join(arrays)}) AS u({aliases})"
        else:
            args.append(len(batch))
            source = f"generate_series(1, ${len(args)}::integer)"
        sql = (
            f'INSERT INTO "{table._meta.tablename}" ({quoted}) '
            f"SELECT {', '.join(chosen)} FROM {source}{tail}"
        )
        result = await engine.run_querystring(_Compiled(sql, args))
        if returning:
            answer.extend(dict(row) for row in result)
    return answer


def _one_value(values: list[Any]) -> bool:
    """Whether every value is the first (of the same type: 1 and True are two values)."""
    first = values[0]
    kind = type(first)
    return all(value == first and type(value) is kind for value in values)


def _base_type(column: Column) -> str:
    """A column's SQL type without its length or precision (VARCHAR(32) → VARCHAR)."""
    return re.sub(r"\(.*\)", "", column.column_type).strip()
