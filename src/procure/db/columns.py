"""Column helpers shared by every area's tables: money, timestamps, enums with a CHECK."""

from __future__ import annotations

from enum import StrEnum

from piccolo.columns import BigInt, ForeignKey, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.constraints import Check
from piccolo.table import Table


def money(*, null: bool = False) -> BigInt:
    """An amount in integer fen (分); never a float."""
    return BigInt(null=null, default=None if null else 0)


def created_at() -> Timestamptz:
    return Timestamptz(default=TimestamptzNow(), null=False)


def optional_time() -> Timestamptz:
    return Timestamptz(null=True, default=None)


def enum_column(
    enum: type[StrEnum], *, default: StrEnum | None = None, unique: bool = False
) -> Varchar:
    first = next(iter(enum))
    return Varchar(length=32, choices=enum, default=default or first, null=False, unique=unique)


def enum_check(column: str, enum: type[StrEnum]) -> Check:
    """A CHECK that keeps the column inside the enum, on both engines."""
    values = ", ".join(f"'{member.value}'" for member in enum)
    return Check(f"{column} IN ({values})")


def parent(table: type[Table] | str, *, null: bool = False, cascade: bool = False) -> ForeignKey:
    """A foreign key; children of an aggregate cascade, references to other aggregates restrict."""
    return ForeignKey(
        references=table,
        null=null,
        on_delete=OnDelete.cascade if cascade else OnDelete.restrict,
        index=True,
    )
