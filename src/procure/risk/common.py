"""What the oversight rules share: the scope of a run, links to the objects a flag is about,
percentages for evidence, and the local calendar."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from procure.contracts.tables import Contract
from procure.ocds.dataset import shared_value
from procure.risk.registry import RuleContext, SubjectType

HUNDREDTHS = Decimal("0.01")


def scoped(ctx: RuleContext, subject: SubjectType) -> list[int] | None:
    """The ids of ``subject`` an incremental run is restricted to, or None for all of them."""
    if ctx.scope is None or subject not in ctx.scope:
        return None
    return sorted(int(i) for i in ctx.scope[subject])


def within(column: Any, ids: list[int] | None) -> Any:
    """A WHERE clause restricting ``column`` to ``ids``; everything when ids is None."""
    if ids is None:
        return column.is_not_null()
    return column.is_in(ids or [-1])


def percent(part: int | Decimal, whole: int | Decimal) -> Decimal:
    """part ÷ whole in percent, at two decimals (whole must not be zero)."""
    return (Decimal(part) * 100 / Decimal(whole)).quantize(HUNDREDTHS, rounding=ROUND_HALF_UP)


def number(value: Decimal | None) -> float | None:
    """A decimal for the JSON evidence; money never goes through here (it stays fen)."""
    return None if value is None else float(value.quantize(HUNDREDTHS, rounding=ROUND_HALF_UP))


def hours(minutes: int) -> float | None:
    return number(Decimal(minutes) / 60)


# -- links: what a flag's reader follows to the objects -----------------------------------------


def contract_link(contract_id: int, reference: str) -> dict[str, Any]:
    return {"id": contract_id, "reference": reference, "url": f"/contracts/{contract_id}"}


def tender_link(tender_id: int, reference: str) -> dict[str, Any]:
    return {"id": tender_id, "reference": reference, "url": f"/tenders/{tender_id}"}


def organization_link(organization_id: int, name: str) -> dict[str, Any]:
    return {"id": organization_id, "name": name, "url": f"/organizations/{organization_id}"}


def department_link(department_id: int, name: str) -> dict[str, Any]:
    return {"id": department_id, "name": name}


def report_link(contract_id: int, period: str) -> dict[str, Any]:
    return {"period": period, "url": f"/contracts/{contract_id}/reports/{period}"}


def survey_round_link(round_id: int) -> dict[str, Any]:
    return {"id": round_id, "url": f"/surveys/rounds/{round_id}/results"}


CONTRACT_COLUMNS = (
    Contract.id,
    Contract.reference,
    Contract.status,
    Contract.value_fen,
    Contract.starts_on,
    Contract.ends_on,
    Contract.reporting_frequency,
    Contract.closed_on,
    Contract.department.as_alias("department_id"),
    Contract.organization.as_alias("organization_id"),
)


async def contracts_by_id(ids: list[int] | None) -> dict[int, dict[str, Any]]:
    """The contracts a run looks at (signed ones: a draft has no service yet), by id; all of
    them (None) are read once per run of rules."""
    if ids is None:
        return await shared_value("contracts", lambda: _contracts(None))
    return await _contracts(ids)


async def _contracts(ids: list[int] | None) -> dict[int, dict[str, Any]]:
    rows = await Contract.select(*CONTRACT_COLUMNS).where(
        within(Contract.id, ids) & (Contract.status != "draft")
    )
    return {row["id"]: row for row in rows}


def sql_in(expression: str, ids: Iterable[int]) -> tuple[str, list[int]]:
    """``expression IN ({}, …)`` for a raw statement, with its arguments (no ids: nothing)."""
    args = list(ids) or [-1]
    return f"{expression} IN ({', '.join('{}' for _ in args)})", args


def among(column: Any, ids: list[int] | None, chosen: Iterable[int]) -> Any:
    """A WHERE clause for the rows of what a run chose (``chosen``, found among ``ids``): in a
    full scan (ids None) no list at all — every row, the caller keeps those it wants, rather
    than thousands of ids in one statement."""
    return within(column, None if ids is None else sorted(chosen))
