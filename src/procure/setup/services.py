"""A district's own setup from one workbook: its geography with the official statistical division
codes (统计用区划代码), its departments, its neighborhood committees and their users.

All or nothing: every row is checked (in the file, against each other and against the database)
before anything is written; one problem and nothing changes, and the refusal lists every
problem with its sheet, row and column. Re-importing the same file updates rather than
duplicates: divisions are keyed by code, departments by code, users by username. A user's
password is set only when the account is created (given in the file or generated and reported
once); a re-import never resets one.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import anyio.to_thread
from piccolo.engine.postgres import PostgresEngine

from procure.audit.events import AuditAction
from procure.audit.services import record
from procure.db import get_engine, transaction
from procure.departments.tables import Department, DepartmentLevel
from procure.geography.tables import Community, District, SubDistrict
from procure.i18n import N_
from procure.security.actors import Actor
from procure.security.passwords import password_problem
from procure.security.services import user_create, user_update
from procure.security.tables import Role, User
from procure.setup.guards import require_setup_admin
from procure.setup.schemas import GeneratedPassword, KindCounts, SetupImportOut
from procure.setup.workbook import (
    COMMITTEES,
    DEPARTMENTS,
    DIVISIONS,
    USERS,
    Sheet,
    SheetProblem,
    SheetRow,
    WorkbookRejected,
    count_cell,
    read_workbook,
    text_problem,
)

CODE_DIGITS = N_(
    "%(value)s is not a statistical division code: it has 12 digits (a district's ends in "
    "000000, a street's or town's in 000)"
)
NO_DISTRICT = N_("name the district in one row: its code ends in 000000, e.g. 440399000000")
SECOND_DISTRICT = N_("a workbook sets up one district, and row %(row)s already names %(code)s")
CODE_TWICE = N_("the code %(code)s is also in row %(row)s")
NOT_UNDER_DISTRICT = N_(
    "%(code)s is not under the district %(district)s: its first 6 digits must be %(prefix)s"
)
NOT_UNDER_PARENT = N_("%(code)s does not begin with the prefix %(prefix)s of its parent %(parent)s")
WRONG_PARENT = N_("the parent of %(code)s is %(expected)s, not %(value)s")
NO_STREET = N_(
    "no street or town %(parent)s for %(code)s: add its row (a community's first 9 digits are "
    "its street's)"
)
OTHER_DISTRICT = N_("%(code)s already belongs to another district")
DEPARTMENT_CODE_RULE = N_("must be 1–32 characters: letters A–Z, digits, hyphens and underscores")
UNKNOWN_LEVEL = N_("unknown level %(value)s: use 区级 (district) or 街道级 (sub_district)")
NEEDS_STREET = N_("a sub-district department names its street's code")
NO_STREET_FOR_DISTRICT_LEVEL = N_("a district-level department names no street")
UNKNOWN_STREET = N_("no street or town %(value)s in this district")
UNKNOWN_COMMUNITY = N_("no community %(value)s in this district")
COMMUNITY_TWICE = N_("the community %(value)s is also in row %(row)s")
USERNAME_RULE = N_("must be 1–60 characters without spaces")
USERNAME_TWICE = N_("the username %(value)s is also in row %(row)s")
UNKNOWN_ROLE = N_("unknown role %(value)s: use one of %(choices)s")
NEEDS_UNIT = N_("a %(role)s names the code of the department or community it acts for")
NO_UNIT = N_("a %(role)s acts for no department or community: leave it empty")
UNKNOWN_DEPARTMENT = N_("no department %(value)s in this district")
UNKNOWN_DUTY = N_("unknown duty %(value)s: use 经办 (handler) and/or 审批 (approver)")
DUTIES_ONLY_BUYERS = N_("only a buying department's staff (采购人) hold duties")
ORGANIZATION_ACCOUNT = N_(
    "%(value)s is an organization's account: organizations keep their own accounts"
)
ACCOUNT_OF_OTHER_DISTRICT = N_("the account %(value)s acts for another district")

#: How people write each role in the workbook; organizations register themselves.
ROLE_WORDS: dict[Role, tuple[str, ...]] = {
    Role.buyer: ("采购人", "buyer"),
    Role.committee: ("居委会", "committee"),
    Role.regulator: ("财政监管", "regulator"),
    Role.auditor: ("审计", "auditor"),
    Role.admin: ("管理员", "admin"),
    Role.expert: ("评审专家", "expert"),
}
LEVEL_WORDS: dict[DepartmentLevel, tuple[str, ...]] = {
    DepartmentLevel.district: ("区级", "district"),
    DepartmentLevel.sub_district: ("街道级", "街道", "sub_district", "sub-district"),
}
DUTY_WORDS = {"经办": "handler", "handler": "handler", "审批": "approver", "approver": "approver"}
DUTY_SEPARATOR = re.compile(r"[；;、,，\s]+")
DEPARTMENT_CODE = re.compile(r"[A-Za-z0-9_-]{1,32}")
USERNAME = re.compile(r"\S{1,60}")
#: Which body each role acts for (security.tables.User's check).
UNIT_OF: dict[Role, str] = {
    Role.buyer: "department",
    Role.regulator: "department",
    Role.committee: "community",
}
#: The kinds the summary counts, in the order it shows them.
KINDS = ("districts", "sub_districts", "communities", "committees", "departments", "users")


class Level(StrEnum):
    district = "district"
    street = "street"
    community = "community"


def division_level(code: str) -> Level:
    if code.endswith("000000"):
        return Level.district
    if code.endswith("000"):
        return Level.street
    return Level.community


def parent_code(code: str) -> str:
    """The code of the division one level up (a community's street, a street's district)."""
    if division_level(code) is Level.street:
        return code[:6] + "000000"
    return code[:9] + "000"


def default_committee_name(code: str, name: str) -> str:
    """Division codes number 居委会 001–199 and 村委会 200–399 within their street."""
    return name + ("村民委员会" if int(code[9:]) >= 200 else "居民委员会")


def _words(mapping: Mapping[Any, tuple[str, ...]]) -> dict[str, Any]:
    return {word.casefold(): value for value, words in mapping.items() for word in words}


ROLE_OF = _words(ROLE_WORDS)
LEVEL_OF = _words(LEVEL_WORDS)


def role_choices() -> str:
    return "、".join(f"{words[0]} ({words[1]})" for words in ROLE_WORDS.values())


# -- the records a workbook holds ------------------------------------------------------------------


@dataclass
class Division:
    row: int
    code: str
    name: str
    level: Level
    population: int | None
    households: int | None


@dataclass
class DepartmentRecord:
    row: int
    code: str
    name: str
    level: DepartmentLevel
    sub_district: str


@dataclass
class CommitteeRecord:
    row: int
    community: str
    name: str


@dataclass
class UserRecord:
    row: int
    username: str
    name: str
    role: Role
    unit: str
    is_handler: bool
    is_approver: bool
    password: str


@dataclass
class Setup:
    """What a workbook asks for, and the problems found reading it."""

    district: Division | None = None
    streets: dict[str, Division] = field(default_factory=dict)
    communities: dict[str, Division] = field(default_factory=dict)
    departments: dict[str, DepartmentRecord] = field(default_factory=dict)
    committees: dict[str, CommitteeRecord] = field(default_factory=dict)
    users: dict[str, UserRecord] = field(default_factory=dict)
    problems: list[SheetProblem] = field(default_factory=list)

    def problem(
        self, sheet: Sheet, row: SheetRow, column: str | None, message: str, /, **params: Any
    ) -> None:
        self.problems.append(SheetProblem(sheet.key, row.number, column, message, params))


def _texts_ok(setup: Setup, sheet: Sheet, row: SheetRow, limits: Mapping[str, int]) -> bool:
    found = [text_problem(sheet, row, key, limit) for key, limit in limits.items()]
    setup.problems.extend(p for p in found if p is not None)
    return not any(found)


def _read_divisions(setup: Setup, rows: Iterable[SheetRow]) -> None:
    sheet = DIVISIONS
    first_row: dict[str, int] = {}
    for row in rows:
        code, parent = row.cells.get("code", ""), row.cells.get("parent", "")
        ok = _texts_ok(setup, sheet, row, {"code": 12, "name": 100})
        if code and not re.fullmatch(r"\d{12}", code):
            setup.problem(sheet, row, "code", CODE_DIGITS, value=code)
            ok = False
        if parent and not re.fullmatch(r"\d{12}", parent):
            setup.problem(sheet, row, "parent", CODE_DIGITS, value=parent)
            ok = False
        counts = {}
        for key in ("population", "households"):
            counts[key], problem = count_cell(sheet, row, key)
            if problem is not None:
                setup.problems.append(problem)
                ok = False
        if not ok:
            continue
        if code in first_row:
            setup.problem(sheet, row, "code", CODE_TWICE, code=code, row=first_row[code])
            continue
        first_row[code] = row.number
        division = Division(
            row.number,
            code,
            row.cells["name"],
            division_level(code),
            counts["population"],
            counts["households"],
        )
        if division.level is Level.district:
            if parent:
                setup.problem(
                    sheet, row, "parent", WRONG_PARENT, code=code, expected="—", value=parent
                )
            if setup.district is not None:
                setup.problem(
                    sheet,
                    row,
                    "code",
                    SECOND_DISTRICT,
                    row=setup.district.row,
                    code=setup.district.code,
                )
                continue
            setup.district = division
            continue
        expected = parent_code(code)
        if parent and parent != expected:
            # The parent's own level decides how much of the child's code it fixes.
            prefix = parent[:6] if division_level(parent) is Level.district else parent[:9]
            message = NOT_UNDER_PARENT if not code.startswith(prefix) else WRONG_PARENT
            setup.problem(
                sheet,
                row,
                "parent",
                message,
                code=code,
                prefix=prefix,
                parent=parent,
                expected=expected,
                value=parent,
            )
            continue
        (setup.streets if division.level is Level.street else setup.communities)[code] = division
    if setup.district is None:
        if not any(p.sheet == sheet.key for p in setup.problems):
            setup.problems.append(SheetProblem(sheet.key, None, "code", NO_DISTRICT))
        return
    prefix = setup.district.code[:6]
    for division in [*setup.streets.values(), *setup.communities.values()]:
        if not division.code.startswith(prefix):
            setup.problems.append(
                SheetProblem(
                    sheet.key,
                    division.row,
                    "code",
                    NOT_UNDER_DISTRICT,
                    {"code": division.code, "district": setup.district.code, "prefix": prefix},
                )
            )


def _read_departments(setup: Setup, rows: Iterable[SheetRow]) -> None:
    sheet = DEPARTMENTS
    first_row: dict[str, int] = {}
    for row in rows:
        ok = _texts_ok(setup, sheet, row, {"code": 32, "name": 120, "level": 20})
        code = row.cells.get("code", "")
        if code and not DEPARTMENT_CODE.fullmatch(code):
            setup.problem(sheet, row, "code", DEPARTMENT_CODE_RULE)
            ok = False
        level_text = row.cells.get("level", "")
        level = LEVEL_OF.get(level_text.casefold())
        if level_text and level is None:
            setup.problem(sheet, row, "level", UNKNOWN_LEVEL, value=level_text)
        street = row.cells.get("sub_district", "")
        if level is DepartmentLevel.sub_district and not street:
            setup.problem(sheet, row, "sub_district", NEEDS_STREET)
            ok = False
        if level is DepartmentLevel.district and street:
            setup.problem(sheet, row, "sub_district", NO_STREET_FOR_DISTRICT_LEVEL)
            ok = False
        if not ok or level is None:
            continue
        if code in first_row:
            setup.problem(sheet, row, "code", CODE_TWICE, code=code, row=first_row[code])
            continue
        first_row[code] = row.number
        setup.departments[code] = DepartmentRecord(
            row.number, code, row.cells["name"], level, street
        )


def _read_committees(setup: Setup, rows: Iterable[SheetRow]) -> None:
    sheet = COMMITTEES
    for row in rows:
        if not _texts_ok(setup, sheet, row, {"community": 12, "name": 120}):
            continue
        community = row.cells["community"]
        if community in setup.committees:
            first = setup.committees[community].row
            setup.problem(sheet, row, "community", COMMUNITY_TWICE, value=community, row=first)
            continue
        setup.committees[community] = CommitteeRecord(row.number, community, row.cells["name"])


def _read_users(setup: Setup, rows: Iterable[SheetRow]) -> None:
    sheet = USERS
    for row in rows:
        ok = _texts_ok(setup, sheet, row, {"username": 60, "name": 120, "role": 20, "unit": 32})
        username = row.cells.get("username", "")
        if username and not USERNAME.fullmatch(username):
            setup.problem(sheet, row, "username", USERNAME_RULE)
            ok = False
        role_text = row.cells.get("role", "")
        role = ROLE_OF.get(role_text.casefold())
        if role_text and role is None:
            setup.problem(sheet, row, "role", UNKNOWN_ROLE, value=role_text, choices=role_choices())
        unit = row.cells.get("unit", "")
        if role is not None:
            needed = UNIT_OF.get(role)
            role_word = ROLE_WORDS[role][0]
            if needed and not unit:
                setup.problem(sheet, row, "unit", NEEDS_UNIT, role=role_word)
                ok = False
            if not needed and unit:
                setup.problem(sheet, row, "unit", NO_UNIT, role=role_word)
                ok = False
        duties = set()
        for word in DUTY_SEPARATOR.split(row.cells.get("duties", "")):
            if not word:
                continue
            duty = DUTY_WORDS.get(word.casefold())
            if duty is None:
                setup.problem(sheet, row, "duties", UNKNOWN_DUTY, value=word)
                ok = False
            duties.add(duty)
        if duties and role is not None and role is not Role.buyer:
            setup.problem(sheet, row, "duties", DUTIES_ONLY_BUYERS)
            ok = False
        password = row.cells.get("password", "")
        names = [row.cells.get("name", "")]
        weak = password_problem(password, username=username, names=names) if password else None
        if weak is not None:
            setup.problem(sheet, row, "password", weak.template, **weak.variables)
            ok = False
        if not ok or role is None:
            continue
        if username in setup.users:
            first = setup.users[username].row
            setup.problem(sheet, row, "username", USERNAME_TWICE, value=username, row=first)
            continue
        setup.users[username] = UserRecord(
            row.number,
            username,
            row.cells["name"],
            role,
            unit,
            "handler" in duties,
            "approver" in duties,
            password,
        )


def read_setup(filename: str, content: bytes) -> Setup:
    """The workbook's records with every problem its cells show on their own."""
    sheets = read_workbook(filename, content)
    setup = Setup()
    _read_divisions(setup, sheets["divisions"])
    _read_departments(setup, sheets["departments"])
    _read_committees(setup, sheets["committees"])
    _read_users(setup, sheets["users"])
    return setup


# -- checking against the database and writing ----------------------------------------------------


@dataclass
class Known:
    """The rows the workbook names that already exist, by natural key."""

    district: dict[str, Any] | None
    streets: dict[str, dict[str, Any]]
    communities: dict[str, dict[str, Any]]
    departments: dict[str, dict[str, Any]]
    users: dict[str, dict[str, Any]]


async def _known(setup: Setup) -> Known:
    assert setup.district is not None
    district = await District.select().where(District.code == setup.district.code).first()
    street_codes = {*setup.streets, *(parent_code(c) for c in setup.communities)}
    street_codes |= {d.sub_district for d in setup.departments.values() if d.sub_district}
    community_codes = {*setup.communities, *setup.committees}
    department_codes = set(setup.departments)
    for user in setup.users.values():
        if UNIT_OF.get(user.role) == "community":
            community_codes.add(user.unit)
        elif UNIT_OF.get(user.role) == "department":
            department_codes.add(user.unit)
    streets = await SubDistrict.select(
        SubDistrict.id, SubDistrict.code, SubDistrict.name, SubDistrict.district
    ).where(SubDistrict.code.is_in(sorted(street_codes) or [""]))
    communities = await Community.select(
        Community.id,
        Community.code,
        Community.name,
        Community.committee_name,
        Community.population,
        Community.households,
        Community.sub_district.district.as_alias("district"),
    ).where(Community.code.is_in(sorted(community_codes) or [""]))
    departments = await Department.select(
        Department.id,
        Department.code,
        Department.name,
        Department.level,
        Department.district,
        Department.sub_district,
    ).where(Department.code.is_in(sorted(department_codes) or [""]))
    users = await User.select(
        User.id,
        User.username,
        User.display_name,
        User.role,
        User.department,
        User.community,
        User.organization,
        User.is_handler,
        User.is_approver,
        User.department.district.as_alias("department_district"),
        # Piccolo types a third join level loosely.
        User.community.sub_district.district.as_alias("community_district"),  # type: ignore[union-attr]
    ).where(User.username.is_in(sorted(setup.users) or [""]))
    return Known(
        district=district,
        streets={r["code"]: r for r in streets},
        communities={r["code"]: r for r in communities},
        departments={r["code"]: r for r in departments},
        users={r["username"]: r for r in users},
    )


def _cross_check(setup: Setup, known: Known) -> None:
    """The problems only the database and the other sheets show."""
    district_id = known.district["id"] if known.district else None

    def ours(row: Mapping[str, Any] | None, column: str = "district") -> bool:
        return row is not None and district_id is not None and row[column] == district_id

    for code, street in setup.streets.items():
        if code in known.streets and not ours(known.streets[code]):
            setup.problems.append(
                SheetProblem(DIVISIONS.key, street.row, "code", OTHER_DISTRICT, {"code": code})
            )
    for code, community in setup.communities.items():
        parent = parent_code(code)
        if parent not in setup.streets and not ours(known.streets.get(parent)):
            setup.problems.append(
                SheetProblem(
                    DIVISIONS.key,
                    community.row,
                    "code",
                    NO_STREET,
                    {"code": code, "parent": parent},
                )
            )
        if code in known.communities and not ours(known.communities[code]):
            setup.problems.append(
                SheetProblem(DIVISIONS.key, community.row, "code", OTHER_DISTRICT, {"code": code})
            )
    for code, department in setup.departments.items():
        if code in known.departments and not ours(known.departments[code]):
            setup.problems.append(
                SheetProblem(
                    DEPARTMENTS.key, department.row, "code", OTHER_DISTRICT, {"code": code}
                )
            )
        street_code = department.sub_district
        if (
            street_code
            and street_code not in setup.streets
            and not ours(known.streets.get(street_code))
        ):
            setup.problems.append(
                SheetProblem(
                    DEPARTMENTS.key,
                    department.row,
                    "sub_district",
                    UNKNOWN_STREET,
                    {"value": street_code},
                )
            )
    for code, committee in setup.committees.items():
        if code not in setup.communities and not ours(known.communities.get(code)):
            setup.problems.append(
                SheetProblem(
                    COMMITTEES.key, committee.row, "community", UNKNOWN_COMMUNITY, {"value": code}
                )
            )
    for username, user in setup.users.items():
        unit_kind = UNIT_OF.get(user.role)
        if (
            unit_kind == "department"
            and user.unit not in setup.departments
            and not ours(known.departments.get(user.unit))
        ):
            setup.problems.append(
                SheetProblem(USERS.key, user.row, "unit", UNKNOWN_DEPARTMENT, {"value": user.unit})
            )
        if (
            unit_kind == "community"
            and user.unit not in setup.communities
            and not ours(known.communities.get(user.unit))
        ):
            setup.problems.append(
                SheetProblem(USERS.key, user.row, "unit", UNKNOWN_COMMUNITY, {"value": user.unit})
            )
        current = known.users.get(username)
        if current is None:
            continue
        if current["organization"] is not None:
            setup.problems.append(
                SheetProblem(
                    USERS.key, user.row, "username", ORGANIZATION_ACCOUNT, {"value": username}
                )
            )
            continue
        acts_in = current["department_district"] or current["community_district"]
        if acts_in is not None and acts_in != district_id:
            setup.problems.append(
                SheetProblem(
                    USERS.key, user.row, "username", ACCOUNT_OF_OTHER_DISTRICT, {"value": username}
                )
            )


class Writer:
    """Writes the checked records in order (district, streets, communities, departments, users),
    counting what it created, updated and left as it was."""

    def __init__(self, setup: Setup, known: Known, actor: Actor | None) -> None:
        self.setup = setup
        self.known = known
        self.actor = actor
        self.counts: dict[str, Counter[str]] = {kind: Counter() for kind in KINDS}
        self.ids: dict[tuple[str, str], int] = {}
        self.passwords: list[GeneratedPassword] = []

    def count(self, kind: str, current: Mapping[str, Any] | None, wanted: Mapping[str, Any]) -> str:
        outcome = (
            "created"
            if current is None
            else "updated"
            if any(current[k] != v for k, v in wanted.items())
            else "unchanged"
        )
        self.counts[kind][outcome] += 1
        return outcome

    async def upsert(
        self, kind: str, table: Any, current: Mapping[str, Any] | None, values: dict[str, Any]
    ) -> int:
        """The row's id, inserting it or updating its changed columns."""
        outcome = self.count(kind, current, values)
        if current is None:
            rows = await table.insert(table(**values))
            return int(rows[0]["id"])
        if outcome == "updated":
            columns = {table._meta.get_column_by_name(k): v for k, v in values.items()}
            await table.update(columns).where(table.id == current["id"])
        return int(current["id"])

    async def write(self) -> int:
        setup, known = self.setup, self.known
        assert setup.district is not None
        district_id = await self.upsert(
            "districts",
            District,
            known.district,
            {"code": setup.district.code, "name": setup.district.name},
        )
        streets = {code: row["id"] for code, row in known.streets.items()}
        for code, street in setup.streets.items():
            streets[code] = await self.upsert(
                "sub_districts",
                SubDistrict,
                known.streets.get(code),
                {"code": code, "name": street.name, "district": district_id},
            )
        communities = {code: row["id"] for code, row in known.communities.items()}
        for code, community in setup.communities.items():
            communities[code] = await self._community(code, community, streets[parent_code(code)])
        for code, committee in setup.committees.items():
            if code not in setup.communities:
                current = known.communities[code]
                await self.upsert(
                    "committees", Community, current, {"committee_name": committee.name}
                )
        departments = {code: row["id"] for code, row in known.departments.items()}
        for code, department in setup.departments.items():
            departments[code] = await self.upsert(
                "departments",
                Department,
                known.departments.get(code),
                {
                    "code": code,
                    "name": department.name,
                    "level": department.level.value,
                    "district": district_id,
                    "sub_district": streets[department.sub_district]
                    if department.sub_district
                    else None,
                },
            )
        for username, user in setup.users.items():
            unit_kind = UNIT_OF.get(user.role)
            await self._user(
                user,
                known.users.get(username),
                department_id=departments[user.unit] if unit_kind == "department" else None,
                community_id=communities[user.unit] if unit_kind == "community" else None,
            )
        return district_id

    async def _community(self, code: str, community: Division, street_id: int) -> int:
        current = self.known.communities.get(code)
        committee = self.setup.committees.get(code)
        values: dict[str, Any] = {"code": code, "name": community.name, "sub_district": street_id}
        # A blank count keeps the one recorded; a new community starts from 0.
        for key in ("population", "households"):
            value = getattr(community, key)
            if value is not None or current is None:
                values[key] = value or 0
        if current is not None:
            values.pop("sub_district")
        committee_name = committee.name if committee else None
        if current is None:
            self.counts["committees"]["created"] += 1
            values["committee_name"] = committee_name or default_committee_name(
                code, community.name
            )
        elif committee_name is not None:
            self.count("committees", current, {"committee_name": committee_name})
        community_id = await self.upsert("communities", Community, current, values)
        if current is not None and committee_name not in (None, current["committee_name"]):
            await Community.update({Community.committee_name: committee_name}).where(
                Community.id == community_id
            )
        return community_id

    async def _user(
        self,
        user: UserRecord,
        current: Mapping[str, Any] | None,
        *,
        department_id: int | None,
        community_id: int | None,
    ) -> None:
        wanted = {
            "display_name": user.name,
            "role": user.role.value,
            "department": department_id,
            "community": community_id,
            "is_handler": user.is_handler,
            "is_approver": user.is_approver,
        }
        outcome = self.count("users", current, wanted)
        if current is None:
            password = user.password
            if not password:
                password = secrets.token_urlsafe(12)
                self.passwords.append(GeneratedPassword(username=user.username, password=password))
            await user_create(
                actor=self.actor,
                username=user.username,
                display_name=user.name,
                password=password,
                role=user.role,
                department_id=department_id,
                community_id=community_id,
                is_handler=user.is_handler,
                is_approver=user.is_approver,
            )
        elif outcome == "updated":
            await user_update(
                actor=self.actor,
                user_id=current["id"],
                display_name=user.name,
                role=user.role,
                department_id=department_id,
                community_id=community_id,
                is_handler=user.is_handler,
                is_approver=user.is_approver,
            )


async def _lock_setup() -> None:
    """Serialise imports. SQLite's BEGIN IMMEDIATE already does; on PostgreSQL two imports of
    the same new district would otherwise both pass the checks and collide on its codes."""
    if isinstance(get_engine(), PostgresEngine):
        await District.raw("SELECT pg_advisory_xact_lock(hashtext('procure.setup'))")


async def setup_import(*, actor: Actor | None, filename: str, content: bytes) -> SetupImportOut:
    """Set up (or update) the district the workbook describes; ``actor`` None is the command
    line. Raises WorkbookRejected, listing every problem, when anything is wrong."""
    if actor is not None:
        require_setup_admin(actor)
    setup = await anyio.to_thread.run_sync(read_setup, filename, content)
    if setup.district is None:
        raise WorkbookRejected(setup.problems)
    async with transaction():
        await _lock_setup()
        known = await _known(setup)
        _cross_check(setup, known)
        if setup.problems:
            raise WorkbookRejected(setup.problems)
        writer = Writer(setup, known, actor)
        district_id = await writer.write()
        result = SetupImportOut(
            district_code=setup.district.code,
            district_name=setup.district.name,
            counts={kind: KindCounts(**writer.counts[kind]) for kind in KINDS},
            passwords=writer.passwords,
        )
        await record(
            actor=actor,
            action=AuditAction.district_setup_imported,
            subject_type="district",
            subject_id=district_id,
            data={
                "filename": filename,
                "sha256": hashlib.sha256(content).hexdigest(),
                "counts": {kind: dict(writer.counts[kind]) for kind in KINDS},
                "generated_passwords_for": [p.username for p in writer.passwords],
            },
        )
    return result
