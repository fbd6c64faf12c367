"""Reads of 履约验收, scoped like the contract they belong to; the public result without any
recipient's personal data; and the one question other areas ask: is the final acceptance
passed?"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from typing import Any

from procure.acceptance.tables import (
    Acceptance,
    AcceptanceItem,
    AcceptanceMember,
    AcceptanceRecipient,
    AcceptanceStatus,
)
from procure.contracts.selectors import contract_detail
from procure.db.pagination import Page, PageRequest, paginate
from procure.errors import NotFound
from procure.i18n import N_
from procure.security.actors import PLATFORM_READER, Actor
from procure.security.policy import OVERSIGHT_ROLES
from procure.security.tables import Role

ACCEPTANCE_COLUMNS = (
    Acceptance.id,
    Acceptance.contract,
    Acceptance.stage,
    Acceptance.final,
    Acceptance.attempt,
    Acceptance.status,
    Acceptance.accepted_on,
    Acceptance.result,
    Acceptance.conclusion,
    Acceptance.prepared_by,
    Acceptance.prepared_by.display_name.as_alias("prepared_by_name"),
    Acceptance.confirmed_by.display_name.as_alias("confirmed_by_name"),
    Acceptance.confirmed_at,
    Acceptance.created_at,
)

CONFIRMED = [AcceptanceStatus.passed, AcceptanceStatus.failed]


async def final_acceptance_passed(contract_id: int) -> bool:
    """Whether the contract's final acceptance (the whole contract, or its last stage) passed:
    completing the contract and paying its last instalment need it."""
    return await Acceptance.exists().where(
        (Acceptance.contract == contract_id)
        & Acceptance.final.eq(True)
        & (Acceptance.status == AcceptanceStatus.passed)
    )


async def contract_acceptances(actor: Actor, contract_id: int) -> list[dict[str, Any]]:
    """The contract's acceptances, for whoever may read the contract (404 otherwise)."""
    await contract_detail(actor, contract_id)
    return list(
        await Acceptance.select(*ACCEPTANCE_COLUMNS)
        .where(Acceptance.contract == contract_id)
        .order_by(Acceptance.id)
    )


async def acceptance_row(acceptance_id: int) -> dict[str, Any]:
    row = await Acceptance.select().where(Acceptance.id == acceptance_id).first()
    if row is None:
        raise NotFound(N_("acceptance %(id)s not found"), id=acceptance_id)
    return row


async def _items(acceptance_id: int) -> list[dict[str, Any]]:
    return list(
        await AcceptanceItem.select(
            AcceptanceItem.id,
            AcceptanceItem.line_no,
            AcceptanceItem.result,
            AcceptanceItem.notes,
            AcceptanceItem.evidence,
            AcceptanceItem.recorded_at,
            AcceptanceItem.scope_line.description.as_alias("description"),
            AcceptanceItem.scope_line.quantity.as_alias("quantity"),
            AcceptanceItem.scope_line.catalog_item.name.as_alias("item_name"),  # type: ignore[union-attr]
            AcceptanceItem.scope_line.catalog_item.unit.as_alias("unit"),  # type: ignore[union-attr]
        )
        .where(AcceptanceItem.acceptance == acceptance_id)
        .order_by(AcceptanceItem.line_no)
    )


async def _members(acceptance_id: int) -> list[dict[str, Any]]:
    return list(
        await AcceptanceMember.select(
            AcceptanceMember.name, AcceptanceMember.kind, AcceptanceMember.affiliation
        )
        .where(AcceptanceMember.acceptance == acceptance_id)
        .order_by(AcceptanceMember.id)
    )


async def _recipients(acceptance_id: int) -> list[dict[str, Any]]:
    return list(
        await AcceptanceRecipient.select(
            AcceptanceRecipient.id,
            AcceptanceRecipient.name,
            AcceptanceRecipient.kind,
            AcceptanceRecipient.contact_masked,
            AcceptanceRecipient.opinion,
            AcceptanceRecipient.comment,
            AcceptanceRecipient.recorded_at,
            AcceptanceRecipient.community.as_alias("community_id"),
            AcceptanceRecipient.community.code.as_alias("community_code"),
            AcceptanceRecipient.community.name.as_alias("community_name"),
        )
        .where(AcceptanceRecipient.acceptance == acceptance_id)
        .order_by(AcceptanceRecipient.id)
    )


def _sees_recipients(actor: Actor, contract: dict[str, Any]) -> bool:
    """Names and masked contacts are for the buying department, oversight and the committees
    of the contract's communities; the organization under review sees opinions only."""
    if actor.role in OVERSIGHT_ROLES:
        return True
    if actor.role == Role.buyer:
        return actor.department_id == contract["department_id"]
    return actor.role == Role.committee


async def acceptance_view(actor: Actor, acceptance_id: int) -> dict[str, Any]:
    """An acceptance with its contract, group, recipients and results, as the actor may see it."""
    row = await acceptance_row(acceptance_id)
    contract = await contract_detail(actor, row["contract"])
    acceptance = (
        await Acceptance.select(*ACCEPTANCE_COLUMNS).where(Acceptance.id == acceptance_id).first()
    )
    assert acceptance is not None
    recipients = await _recipients(acceptance_id)
    if not _sees_recipients(actor, contract):
        for recipient in recipients:
            recipient.update(name="", contact_masked="", comment="")
    elif actor.role == Role.committee:
        # A committee sees the recipients of its own community only.
        recipients = [r for r in recipients if r["community_id"] == actor.community_id]
    return {
        "acceptance": acceptance,
        "contract": contract,
        "members": await _members(acceptance_id),
        "recipients": recipients,
        "items": await _items(acceptance_id),
    }


async def fingerprint(acceptance_id: int) -> str:
    """A digest of what was recorded: an approval confirms exactly what the handler submitted."""
    recorded = {
        "members": await _members(acceptance_id),
        "items": [
            [item["line_no"], item["result"], item["notes"], item["evidence"]]
            for item in await _items(acceptance_id)
        ],
        "recipients": [
            [r["id"], r["kind"], r["community_code"], r["opinion"], r["comment"]]
            for r in await _recipients(acceptance_id)
        ],
    }
    text = json.dumps(recorded, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _public_recipients(recipients: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Opinions counted per community and kind: no name, contact or free text is published."""
    counts: Counter[tuple[str, str, str]] = Counter()
    for r in recipients:
        counts[(r["community_name"], r["kind"], r["opinion"] or "none")] += 1
    return [
        {"community_name": community, "kind": kind, "opinion": opinion, "count": count}
        for (community, kind, opinion), count in sorted(counts.items())
    ]


def _public(contracts: Any) -> Any:
    """Confirmed acceptances of signed contracts (all, or of the ids or sub-select given)."""
    where: Any = Acceptance.status.is_in(CONFIRMED) & Acceptance.contract.signed_at.is_not_null()
    if contracts is not None:
        where = where & Acceptance.contract.is_in(contracts or [-1])
    return where


async def public_acceptances(contract_ids: list[int] | None = None) -> list[dict[str, Any]]:
    """Confirmed acceptances (their contracts are public once signed), the latest first."""
    return list(await _public_query(_public(contract_ids)))


async def public_acceptance_page(
    paging: PageRequest, contracts: Any = None
) -> Page[dict[str, Any]]:
    """One page of them, of the contracts a sub-select keeps (or all), counted in SQL."""
    where = _public(contracts)
    return await paginate(_public_query(where), Acceptance.count().where(where), paging)


def _public_query(where: Any) -> Any:
    return (
        Acceptance.select(
            Acceptance.id,
            Acceptance.stage,
            Acceptance.final,
            Acceptance.attempt,
            Acceptance.status,
            Acceptance.accepted_on,
            Acceptance.confirmed_at,
            Acceptance.contract.as_alias("contract_id"),
            Acceptance.contract.reference.as_alias("contract_reference"),
            Acceptance.contract.title.as_alias("contract_title"),
            Acceptance.contract.organization.name.as_alias("organization_name"),  # type: ignore[union-attr]
            Acceptance.contract.department.name.as_alias("department_name"),  # type: ignore[union-attr]
        )
        .where(where)
        .order_by(Acceptance.confirmed_at, ascending=False)
        .order_by(Acceptance.id, ascending=False)
    )


async def verdict_counts(acceptance_ids: list[int]) -> dict[int, Counter[str]]:
    """Per acceptance, how many requirements were met, partly met and not met."""
    counts: dict[int, Counter[str]] = {acceptance_id: Counter() for acceptance_id in acceptance_ids}
    if acceptance_ids:
        for row in await AcceptanceItem.select(
            AcceptanceItem.acceptance, AcceptanceItem.result
        ).where(AcceptanceItem.acceptance.is_in(acceptance_ids)):
            counts[row["acceptance"]][row["result"]] += 1
    return counts


async def public_acceptance(acceptance_id: int) -> dict[str, Any]:
    """A confirmed acceptance as published (政府采购法实施条例 第四十五条): the group, the result
    per requirement, the recipients' opinions in counts only; 404 while it is a draft."""
    row = await acceptance_row(acceptance_id)
    if row["status"] not in CONFIRMED:
        raise NotFound(N_("acceptance %(id)s not found"), id=acceptance_id)
    view = await acceptance_view(PLATFORM_READER, acceptance_id)
    acceptance = dict(view["acceptance"])
    acceptance.pop("prepared_by", None)
    return {
        "acceptance": acceptance,
        "contract": {
            key: view["contract"][key]
            for key in ("id", "reference", "title", "department_name", "organization_name")
        },
        # The group by role and affiliation: the names of staff and residents stay private.
        "members": [{k: m[k] for k in ("kind", "affiliation")} for m in view["members"]],
        "items": view["items"],
        "opinions": _public_recipients(view["recipients"]),
        "invited": len(view["recipients"]),
    }
