"""Writes to the expert pool (评审专家库), kept by the finance department (role ``regulator``) of
its district, and by administrators for data errors. Each write is one transaction with its
audit event: an import (all or nothing), one expert created or updated, a relationship added or
ended.

The same rules serve the JSON API and the file import, with the same messages (English msgids
marked ``N_``, translated where shown)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import anyio.to_thread
from litestar.exceptions import PermissionDeniedException
from piccolo.engine.postgres import PostgresEngine

from procure.audit.events import AuditAction
from procure.audit.services import record
from procure.catalog.files import DUPLICATE_CODE, ROWS_REFUSED
from procure.catalog.rules import (
    CODE_PATTERN,
    CODE_RULE,
    CONTROL_CHARACTERS,
    MUST_NOT_BE_EMPTY,
    TOO_LONG,
    UNKNOWN_CATEGORY,
    Problem,
    Rejected,
    category_choices,
    has_control_characters,
)
from procure.catalog.selectors import category_names
from procure.committees.pool_files import HEADER_OF, problem_order, read_experts
from procure.committees.pool_schemas import ExpertIn, PoolImportOut, RelationshipIn
from procure.committees.pool_selectors import (
    actor_district,
    expert_detail,
    experts_by_code,
    experts_of_users,
    registry_lookups,
)
from procure.committees.tables import Expert, ExpertCategory, ExpertRelationship, RelationshipKind
from procure.db import get_engine, transaction
from procure.errors import Conflict, NotFound
from procure.geography.tables import District
from procure.i18n import N_
from procure.security.actors import Actor
from procure.security.policy import Action, is_allowed
from procure.security.tables import Role

MAX_TEXT = {"name": 60, "employer": 200}  # the columns' Varchar lengths
MAX_SPECIALTY = 100
MAX_NOTE = 2000

NO_CATEGORY = N_("name at least one category of the service catalog")
CATEGORY_TWICE = N_("the category %(value)s is named twice")
SPECIALTY_TOO_LONG = N_("the specialty of %(value)s must be at most %(max)s characters")
UNKNOWN_ORGANIZATION = N_(
    "no organization with the credit code %(value)s in the registry: register it first"
)
UNKNOWN_DEPARTMENT = N_("no buying department with the code %(value)s")
UNKNOWN_ACCOUNT = N_("no account named %(value)s: create the expert's account first")
NOT_AN_EXPERT_ACCOUNT = N_("the account %(value)s has the role %(role)s, not expert")
ACCOUNT_TAKEN = N_("the account %(value)s already belongs to expert %(code)s")
ACCOUNT_TWICE = N_("the account %(value)s is also in row %(row)s")
UNTIL_BEFORE_FROM = N_("must not be before the start of the term")
OTHER_DISTRICT = N_("%(code)s belongs to the pool of another district")
RELATIONSHIP_TWICE = N_("relationship %(n)s repeats relationship %(m)s")
#: A relationship's rules, with the words for a relationship in an expert's list (numbered) and
#: for one sent alone (its own fields).
RELATIONSHIP_RULES: dict[str, tuple[str, str]] = {
    "kind": (
        N_(
            "relationship %(n)s: unknown kind %(value)s: use one of employment (劳动关系), "
            "directorship (董事监事), family (亲属关系), other (其他利害关系)"
        ),
        N_(
            "unknown kind %(value)s: use one of employment (劳动关系), directorship (董事监事), "
            "family (亲属关系), other (其他利害关系)"
        ),
    ),
    "credit_code": (
        N_("relationship %(n)s: no organization with the credit code %(value)s in the registry"),
        UNKNOWN_ORGANIZATION,
    ),
    "ended_on": (
        N_("relationship %(n)s ends before it starts"),
        N_("must not be before the relationship started (%(started_on)s)"),
    ),
    "note": (N_("relationship %(n)s: the note must be at most %(max)s characters"), TOO_LONG),
}
CODE_MISMATCH = N_("the code in the body (%(body)s) differs from the address (%(path)s)")
NAME_THE_DISTRICT = N_("name the district whose pool this changes (its code, e.g. 440319)")
UNKNOWN_DISTRICT = N_("no district with the code %(value)s")


@dataclass(frozen=True)
class Relationship:
    organization: int
    kind: str
    started_on: date | None
    ended_on: date | None
    note: str = ""

    @property
    def key(self) -> tuple[int, str, str]:
        """What identifies a relationship across imports: a file carries no notes, so a known
        relationship keeps its note."""
        return self.organization, self.kind, _iso(self.started_on)

    @property
    def state(self) -> list[Any]:
        return [self.organization, self.kind, _iso(self.started_on), _iso(self.ended_on)]


@dataclass(frozen=True)
class ExpertRecord:
    """An expert checked and resolved against the registry: ids instead of codes."""

    code: str
    name: str
    employer: str
    employer_organization: int | None
    employer_department: int | None
    user: int | None
    active_from: date
    active_until: date | None
    categories: tuple[tuple[str, str], ...]
    relationships: tuple[Relationship, ...] | None  # None: keep the recorded ones

    def state(self) -> dict[str, Any]:
        """The comparable, JSON-ready view of what the record sets (the audit records it)."""
        state: dict[str, Any] = {
            "name": self.name,
            "employer": self.employer,
            "employer_organization": self.employer_organization,
            "employer_department": self.employer_department,
            "user": self.user,
            "active_from": _iso(self.active_from),
            "active_until": _iso(self.active_until),
            "categories": sorted([list(c) for c in self.categories]),
        }
        if self.relationships is not None:
            state["relationships"] = sorted(r.state for r in self.relationships)
        return state


def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""


def _recorded_state(row: Mapping[str, Any]) -> dict[str, Any]:
    """``ExpertRecord.state`` of an expert as the selectors show it."""
    return {
        "name": row["name"],
        "employer": row["employer"],
        "employer_organization": row["employer_organization_id"],
        "employer_department": row["employer_department_id"],
        "user": row["user_id"],
        "active_from": _iso(row["active_from"]),
        "active_until": _iso(row["active_until"]),
        "categories": sorted([c["category"], c["specialty"]] for c in row["categories"]),
        "relationships": sorted(
            [r["organization_id"], r["kind"], _iso(r["started_on"]), _iso(r["ended_on"])]
            for r in row["relationships"]
        ),
    }


def _changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    return {name: [before[name], value] for name, value in after.items() if before[name] != value}


# -- who keeps which pool -------------------------------------------------------------------------


def _require_keeper(actor: Actor) -> None:
    if not is_allowed(Action.expert_pool_manage, actor):
        raise PermissionDeniedException(
            f"role {actor.role} may not perform {Action.expert_pool_manage}"
        )


async def pool_district(actor: Actor, district_code: str = "") -> int:
    """The district whose pool the actor changes: the regulator's own; for an administrator the
    district named, or the only one there is."""
    if actor.role == Role.regulator:
        district_id = await actor_district(actor)
        assert district_id is not None
        return district_id
    if district_code:
        row = await District.select(District.id).where(District.code == district_code).first()
        if row is None:
            raise Rejected.one("district", UNKNOWN_DISTRICT, value=district_code)
        return int(row["id"])
    rows = await District.select(District.id).limit(2)
    if len(rows) != 1:
        raise Rejected.one("district", NAME_THE_DISTRICT)
    return int(rows[0]["id"])


async def _lock_pool(district_id: int) -> None:
    """Serialise the writes to one district's pool. SQLite's BEGIN IMMEDIATE already does; on
    PostgreSQL two imports creating the same code would otherwise both pass the checks."""
    if isinstance(get_engine(), PostgresEngine):
        await District.select(District.id).where(District.id == district_id).lock_rows()


# -- the rules ------------------------------------------------------------------------------------


def _relationship_problems(
    relationship: RelationshipIn, organizations: Mapping[str, int], n: int | None = None
) -> list[Problem]:
    """The problems of one relationship: numbered in an expert's list (field relationships),
    or on its own fields when it is sent alone (``n`` None)."""
    broken = []
    if relationship.kind not in {kind.value for kind in RelationshipKind}:
        broken.append("kind")
    if relationship.credit_code not in organizations:
        broken.append("credit_code")
    started, ended = relationship.started_on, relationship.ended_on
    if started and ended and ended < started:
        broken.append("ended_on")
    if len(relationship.note) > MAX_NOTE:
        broken.append("note")
    params = {
        "n": n,
        "value": relationship.kind,
        "started_on": _iso(started),
        "max": MAX_NOTE,
    }
    problems = []
    for field in broken:
        in_list, alone = RELATIONSHIP_RULES[field]
        values = {**params, "value": relationship.credit_code} if field == "credit_code" else params
        if n is None:
            problems.append(Problem(field, alone, values))
        else:
            problems.append(Problem("relationships", in_list, values))
    return problems


def check_expert(
    expert: ExpertIn, categories: Mapping[str, str], lookups: Mapping[str, Mapping[str, Any]]
) -> tuple[ExpertRecord | None, list[Problem]]:
    """Every problem of one expert, and the expert resolved when there is none. ``categories``
    maps the catalog's category codes to their Chinese names; ``lookups`` is
    ``pool_selectors.registry_lookups`` for what the expert names. Which district an existing
    code belongs to, and which expert holds an account, are the writes' business."""
    problems: list[Problem] = []

    def problem(field: str, message: str, **params: Any) -> None:
        problems.append(Problem(field, message, params))

    if not expert.code:
        problem("code", MUST_NOT_BE_EMPTY)
    elif not CODE_PATTERN.fullmatch(expert.code):
        problem("code", CODE_RULE)
    for name, limit in MAX_TEXT.items():
        text = getattr(expert, name)
        if name == "name" and not text:
            problem(name, MUST_NOT_BE_EMPTY)
        elif len(text) > limit:
            problem(name, TOO_LONG, max=limit)
        elif has_control_characters(text):
            problem(name, CONTROL_CHARACTERS)
    organizations, departments, users = (
        lookups["organizations"],
        lookups["departments"],
        lookups["users"],
    )
    if expert.employer_credit_code and expert.employer_credit_code not in organizations:
        problem("employer_credit_code", UNKNOWN_ORGANIZATION, value=expert.employer_credit_code)
    if expert.employer_department_code and expert.employer_department_code not in departments:
        problem(
            "employer_department_code", UNKNOWN_DEPARTMENT, value=expert.employer_department_code
        )
    if not expert.categories:
        problem("categories", NO_CATEGORY)
    seen: set[str] = set()
    for category in expert.categories:
        if category.category not in categories:
            problem(
                "categories",
                UNKNOWN_CATEGORY,
                value=category.category,
                choices=category_choices(categories),
            )
        elif category.category in seen:
            problem("categories", CATEGORY_TWICE, value=category.category)
        elif len(category.specialty) > MAX_SPECIALTY:
            problem("categories", SPECIALTY_TOO_LONG, value=category.category, max=MAX_SPECIALTY)
        seen.add(category.category)
    if expert.active_from is None:
        problem("active_from", MUST_NOT_BE_EMPTY)
    elif expert.active_until is not None and expert.active_until < expert.active_from:
        problem("active_until", UNTIL_BEFORE_FROM)
    account = users.get(expert.username) if expert.username else None
    if expert.username and account is None:
        problem("username", UNKNOWN_ACCOUNT, value=expert.username)
    elif account is not None and account["role"] != Role.expert:
        problem("username", NOT_AN_EXPERT_ACCOUNT, value=expert.username, role=account["role"])
    relationships = []
    first_of: dict[tuple[str, str, str], int] = {}
    for n, relationship in enumerate(expert.relationships or [], start=1):
        if found := _relationship_problems(relationship, organizations, n):
            problems.extend(found)
            continue
        key = (relationship.credit_code, relationship.kind, _iso(relationship.started_on))
        if key in first_of:
            problem("relationships", RELATIONSHIP_TWICE, n=n, m=first_of[key])
            continue
        first_of[key] = n
        relationships.append(
            Relationship(
                organizations[relationship.credit_code],
                relationship.kind,
                relationship.started_on,
                relationship.ended_on,
                relationship.note,
            )
        )
    if problems or expert.active_from is None:
        return None, problems
    return (
        ExpertRecord(
            code=expert.code,
            name=expert.name,
            employer=expert.employer,
            employer_organization=organizations.get(expert.employer_credit_code),
            employer_department=departments.get(expert.employer_department_code),
            user=account["id"] if account else None,
            active_from=expert.active_from,
            active_until=expert.active_until,
            categories=tuple((c.category, c.specialty) for c in expert.categories),
            relationships=None if expert.relationships is None else tuple(relationships),
        ),
        [],
    )


async def _lookups(experts: Sequence[ExpertIn]) -> dict[str, dict[str, Any]]:
    credit_codes = [e.employer_credit_code for e in experts if e.employer_credit_code]
    credit_codes += [r.credit_code for e in experts for r in e.relationships or []]
    return await registry_lookups(
        credit_codes,
        [e.employer_department_code for e in experts if e.employer_department_code],
        [e.username for e in experts if e.username],
    )


def _placement_problems(
    record: ExpertRecord,
    username: str,
    district_id: int,
    current: Mapping[str, Any] | None,
    holders: Mapping[int, str],
) -> list[Problem]:
    """What the pool as recorded refuses: a code of another district's pool, an account that
    belongs to another expert."""
    problems = []
    if current is not None and current["district_id"] != district_id:
        problems.append(Problem("code", OTHER_DISTRICT, {"code": record.code}))
    holder = holders.get(record.user) if record.user is not None else None
    if holder is not None and holder != record.code:
        problems.append(Problem("username", ACCOUNT_TAKEN, {"value": username, "code": holder}))
    return problems


# -- writing one expert ---------------------------------------------------------------------------


def _expert_columns(record: ExpertRecord) -> dict[Any, Any]:
    return {
        Expert.name: record.name,
        Expert.employer: record.employer,
        Expert.employer_organization: record.employer_organization,
        Expert.employer_department: record.employer_department,
        Expert.user: record.user,
        Expert.active_from: record.active_from,
        Expert.active_until: record.active_until,
    }


async def _write(record: ExpertRecord, district_id: int, current: Mapping[str, Any] | None) -> int:
    """Insert or update the expert, its categories and (when the record has them) its
    relationships. A relationship the record keeps (same organization, kind and start) keeps
    its row and its note."""
    columns = _expert_columns(record)
    if current is None:
        values = {column._meta.name: value for column, value in columns.items()}
        rows = await Expert.insert(Expert(code=record.code, district=district_id, **values))
        expert_id = int(rows[0]["id"])
    else:
        expert_id = int(current["id"])
        await Expert.update(columns).where(Expert.id == expert_id)
    recorded = {(c["category"], c["specialty"]) for c in (current["categories"] if current else [])}
    if recorded != set(record.categories):
        await ExpertCategory.delete().where(ExpertCategory.expert == expert_id)
        await ExpertCategory.insert(
            *(
                ExpertCategory(expert=expert_id, category=category, specialty=specialty)
                for category, specialty in record.categories
            )
        )
    if record.relationships is not None:
        await _replace_relationships(
            expert_id, record.relationships, current["relationships"] if current else []
        )
    return expert_id


async def _replace_relationships(
    expert_id: int, wanted: Sequence[Relationship], recorded: Sequence[Mapping[str, Any]]
) -> None:
    by_key = {(r["organization_id"], r["kind"], _iso(r["started_on"])): r for r in recorded}
    kept: set[int] = set()
    for relationship in wanted:
        row = by_key.get(relationship.key)
        if row is None:
            await ExpertRelationship.insert(
                ExpertRelationship(
                    expert=expert_id,
                    organization=relationship.organization,
                    kind=relationship.kind,
                    started_on=relationship.started_on,
                    ended_on=relationship.ended_on,
                    note=relationship.note,
                )
            )
            continue
        kept.add(row["id"])
        if row["ended_on"] != relationship.ended_on:
            await ExpertRelationship.update(
                {ExpertRelationship.ended_on: relationship.ended_on}
            ).where(ExpertRelationship.id == row["id"])
    gone = [row["id"] for row in recorded if row["id"] not in kept]
    if gone:
        await ExpertRelationship.delete().where(ExpertRelationship.id.is_in(gone))


async def expert_save(
    *, actor: Actor, code: str, expert: ExpertIn, district_code: str = ""
) -> tuple[int, bool]:
    """Create the expert with this code, or update it; (its id, whether it was created).
    Relationships left out of ``expert`` stay as they are."""
    _require_keeper(actor)
    if expert.code and expert.code != code:
        raise Rejected.one("code", CODE_MISMATCH, body=expert.code, path=code)
    expert = expert.model_copy(update={"code": code})
    record_, problems = check_expert(expert, await category_names(), await _lookups([expert]))
    if record_ is None:
        raise Rejected.because(problems)
    district_id = await pool_district(actor, district_code)
    async with transaction():
        # Locked before reading: of two requests creating one code, the second sees the first.
        await _lock_pool(district_id)
        current = (await experts_by_code([code])).get(code)
        holders = await experts_of_users([record_.user] if record_.user else [])
        if problems := _placement_problems(record_, expert.username, district_id, current, holders):
            raise Rejected.because(problems)
        after = record_.state()
        if current is None:
            action, data = AuditAction.expert_created, {"code": code, **after}
        else:
            changes = _changes(_recorded_state(current), after)
            if not changes:
                return int(current["id"]), False
            action, data = AuditAction.expert_updated, {"code": code, "changes": changes}
        expert_id = await _write(record_, district_id, current)
        await record(
            actor=actor, action=action, subject_type="expert", subject_id=expert_id, data=data
        )
    return expert_id, current is None


# -- the file -------------------------------------------------------------------------------------


async def expert_pool_import(
    *, actor: Actor, filename: str, content: bytes, district_code: str = ""
) -> PoolImportOut:
    """All or nothing: new codes are added, known codes updated (categories and relationships
    as the file lists them); one bad row and nothing changes, and the refusal lists every
    problem of every row with its row number and column."""
    _require_keeper(actor)
    names = await category_names()
    rows = await anyio.to_thread.run_sync(read_experts, filename, content, names)
    lookups = await _lookups([expert for _, expert, _ in rows])
    problems: list[Problem] = []
    records: list[tuple[int, ExpertIn, ExpertRecord]] = []
    first_row_of: dict[str, int] = {}
    for row, expert, reading in rows:
        record_, found = check_expert(expert, names, lookups)
        problems.extend(reading)
        reported = {p.field for p in reading}
        problems.extend(
            p.at(row.number, HEADER_OF[p.field]) for p in found if p.field not in reported
        )
        if record_ is None or reading:
            continue
        if record_.code in first_row_of:
            problems.append(
                Problem(
                    "code",
                    DUPLICATE_CODE,
                    {"code": record_.code, "row": first_row_of[record_.code]},
                ).at(row.number, HEADER_OF["code"])
            )
            continue
        first_row_of[record_.code] = row.number
        records.append((row.number, expert, record_))
    district_id = await pool_district(actor, district_code)
    async with transaction():
        await _lock_pool(district_id)
        existing = await experts_by_code(first_row_of)
        holders = await experts_of_users(r.user for _, _, r in records if r.user is not None)
        account_rows: dict[int, int] = {}
        for number, expert, record_ in records:
            current = existing.get(record_.code)
            placement = _placement_problems(record_, expert.username, district_id, current, holders)
            problems.extend(p.at(number, HEADER_OF[p.field]) for p in placement)
            if record_.user is None:
                continue
            # An account another expert holds is reported once, not again as a repetition.
            if record_.user in account_rows and not any(p.field == "username" for p in placement):
                problems.append(
                    Problem(
                        "username",
                        ACCOUNT_TWICE,
                        {"value": expert.username, "row": account_rows[record_.user]},
                    ).at(number, HEADER_OF["username"])
                )
            account_rows.setdefault(record_.user, number)
        if problems:
            problems = problem_order(problems)
            bad_rows = len({p.row for p in problems})
            raise Rejected(Problem("file", ROWS_REFUSED, {"count": bad_rows}), problems)
        created: list[str] = []
        updated: list[str] = []
        for _, _, record_ in records:
            current = existing.get(record_.code)
            if current is not None and not _changes(_recorded_state(current), record_.state()):
                continue
            await _write(record_, district_id, current)
            (updated if current else created).append(record_.code)
        result = PoolImportOut(
            created=created,
            updated=updated,
            unchanged=len(records) - len(created) - len(updated),
        )
        await record(
            actor=actor,
            action=AuditAction.expert_pool_imported,
            subject_type="expert_pool_file",
            subject_id=hashlib.sha256(content).hexdigest(),
            data={"filename": filename, "district": district_id, **result.model_dump()},
        )
    return result


# -- relationships one by one ---------------------------------------------------------------------


async def expert_relationship_add(
    *, actor: Actor, expert_id: int, relationship: RelationshipIn
) -> int:
    """Record a declared relationship of the expert with a registered organization."""
    _require_keeper(actor)
    scope = await actor_district(actor)
    lookups = await registry_lookups([relationship.credit_code], [], [])
    if problems := _relationship_problems(relationship, lookups["organizations"]):
        raise Rejected.because(problems)
    organization_id = lookups["organizations"][relationship.credit_code]
    async with transaction():
        expert = await expert_detail(expert_id, district_id=scope)
        await _lock_pool(int(expert["district_id"]))
        # Read again under the lock: a parallel request may just have added the same one.
        expert = await expert_detail(expert_id, district_id=scope)
        for known in expert["relationships"]:
            same = (known["organization_id"], known["kind"], known["started_on"]) == (
                organization_id,
                relationship.kind,
                relationship.started_on,
            )
            if same:
                raise Conflict(
                    N_(
                        "expert %(code)s already has this %(kind)s relationship "
                        "with %(credit_code)s (relationship %(id)s)"
                    ),
                    code=expert["code"],
                    kind=relationship.kind,
                    credit_code=relationship.credit_code,
                    id=known["id"],
                )
        rows = await ExpertRelationship.insert(
            ExpertRelationship(
                expert=expert_id,
                organization=organization_id,
                kind=relationship.kind,
                started_on=relationship.started_on,
                ended_on=relationship.ended_on,
                note=relationship.note,
            )
        )
        relationship_id = int(rows[0]["id"])
        await record(
            actor=actor,
            action=AuditAction.expert_relationship_added,
            subject_type="expert",
            subject_id=expert_id,
            data={
                "code": expert["code"],
                "relationship": relationship_id,
                **relationship.model_dump(mode="json"),
            },
        )
    return relationship_id


async def expert_relationship_end(
    *, actor: Actor, expert_id: int, relationship_id: int, ended_on: date
) -> None:
    """Record the last day of a relationship; once ended it stays ended (409)."""
    _require_keeper(actor)
    scope = await actor_district(actor)
    async with transaction():
        expert = await expert_detail(expert_id, district_id=scope)
        known = next((r for r in expert["relationships"] if r["id"] == relationship_id), None)
        if known is None:
            raise NotFound(
                N_("relationship %(id)s of expert %(expert)s not found"),
                id=relationship_id,
                expert=expert_id,
            )
        if known["started_on"] is not None and ended_on < known["started_on"]:
            raise Rejected.one(
                "ended_on", RELATIONSHIP_RULES["ended_on"][1], started_on=known["started_on"]
            )
        # Compare-and-set: of two parallel requests to end it, one finds it still open.
        rows = (
            await ExpertRelationship.update({ExpertRelationship.ended_on: ended_on})
            .where(
                (ExpertRelationship.id == relationship_id) & ExpertRelationship.ended_on.is_null()
            )
            .returning(ExpertRelationship.id)
        )
        if not rows:
            ended = await ExpertRelationship.select(ExpertRelationship.ended_on).where(
                ExpertRelationship.id == relationship_id
            )
            raise Conflict(
                N_(
                    "relationship %(id)s already ended on %(ended_on)s: "
                    "an ended relationship stays on record for the 3-year look-back "
                    "(财库〔2016〕198号 第十六条)"
                ),
                id=relationship_id,
                ended_on=ended[0]["ended_on"],
            )
        await record(
            actor=actor,
            action=AuditAction.expert_relationship_ended,
            subject_type="expert",
            subject_id=expert_id,
            data={
                "code": expert["code"],
                "relationship": relationship_id,
                "ended_on": ended_on.isoformat(),
            },
        )
