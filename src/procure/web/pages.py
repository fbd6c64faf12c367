"""The pages every role shares: home, login, logout, language switch, and each role's start page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotAuthorizedException
from litestar.params import FromPath, FromQuery, QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from procure import i18n
from procure.approvals.selectors import awaiting, returned
from procure.audit.selectors import recent_events
from procure.bids.selectors import bid_results, bids_to_reconfirm, explanations_owed
from procure.calendar import local_today
from procure.committees.selectors import expert_tasks
from procure.contracts.selectors import (
    CONTRACT_SORTING,
    awaiting_organization,
    contract_page,
    tenders_to_contract,
)
from procure.db.pagination import PAGING, PageRequest, SortRequest
from procure.departments.tables import Department
from procure.evaluations.selectors import periods_to_evaluate
from procure.geography.tables import Community
from procure.organizations.selectors import bidding_obstacles, recent_decisions
from procure.organizations.tables import Organization
from procure.reports.selectors import overdue_report_count, reports_to_file
from procure.risk.pages import risk_labels
from procure.risk.selectors import (
    conduct_flags_waiting,
    conduct_flags_waiting_count,
    open_flags_for,
    recently_dismissed,
)
from procure.security.actors import Actor
from procure.security.controllers import START_PAGES, sign_in, sign_out
from procure.security.guards import current_actor
from procure.security.policy import Action
from procure.security.selectors import USER_SORTING, user_page
from procure.spotchecks.selectors import monitor_tasks
from procure.surveys.selectors import rounds_to_run
from procure.tenders.selectors import count_by_status, tender_page
from procure.web.templating import request_locale


def safe_next(target: str | None, fallback: str = "/") -> str:
    """Only same-site paths: an open redirect would make the login page a phishing tool."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return fallback


@dataclass
class LoginForm:
    username: str
    password: str
    next: str = ""


class PageController(Controller):
    include_in_schema = False

    @get("/", opt={"action": Action.public_read})
    async def home(self, request: Request[Any, Any, Any]) -> Template | Redirect:
        actor = current_actor(request)
        if actor is not None:
            return Redirect(START_PAGES[actor.role], status_code=HTTP_303_SEE_OTHER)
        return Template("home.html", context={"counts": await count_by_status(None)})

    @get("/login", opt={"action": Action.session_login})
    async def login_page(self, next: FromQuery[str] = "") -> Template:
        return Template("login.html", context={"next": safe_next(next, ""), "error": None})

    @post("/login", opt={"action": Action.session_login})
    async def login(
        self,
        request: Request[Any, Any, Any],
        data: URLEncodedBody[LoginForm],
    ) -> Template | Redirect:
        try:
            actor = await sign_in(request, data.username, data.password)
        except NotAuthorizedException:
            return Template(
                "login.html",
                context={
                    "next": safe_next(data.next, ""),
                    "error": "wrong_credentials",
                    "username": data.username,
                },
                status_code=401,
            )
        return Redirect(
            safe_next(data.next, START_PAGES[actor.role]), status_code=HTTP_303_SEE_OTHER
        )

    @post("/logout", opt={"action": Action.session_logout})
    async def logout(self, request: Request[Any, Any, Any]) -> Redirect:
        await sign_out(request)
        return Redirect("/", status_code=HTTP_303_SEE_OTHER)

    @get("/lang/{code:str}", opt={"action": Action.public_read})
    async def switch_language(
        self, code: FromPath[str], next: FromQuery[str] = "/"
    ) -> Response[Any]:
        response = Redirect(safe_next(next), status_code=HTTP_303_SEE_OTHER)
        if code in i18n.LOCALES:
            response.set_cookie(i18n.LANG_COOKIE, code, max_age=365 * 86400, samesite="lax")
        return response


#: The statuses (as the clock gives them) in which a tender takes bids.
OPEN_FOR_BIDS = "published,tendering"
#: The latest tenders a start page shows before linking to the tender list.
LATEST = PageRequest(1, 10)


async def provide_contract_order(
    sort: FromQuery[str] = "", direction: Annotated[str, QueryParameter(name="dir")] = ""
) -> SortRequest:
    """How a start page's contract list is ordered (``?sort=&dir=``, the contract columns)."""
    return CONTRACT_SORTING.request(sort, direction)


class WorkspaceController(Controller):
    """Each role's start page: what that role acts for, and what it needs to do next."""

    include_in_schema = False
    # The page's main list (contracts, users) pages with ?page=; the others show their latest
    # few and link to their own list.
    dependencies = {**PAGING, "contract_order": Provide(provide_contract_order)}

    @get("/buyer", opt={"action": Action.workspace_buyer})
    async def buyer(
        self,
        request: Request[Actor, Any, Any],
        paging: NamedDependency[PageRequest],
        contract_order: NamedDependency[SortRequest],
    ) -> Template:
        actor = request.user
        department = await Department.select().where(Department.id == actor.department_id).first()
        return Template(
            "workspace/buyer.html",
            context={
                "department": department,
                "tenders": await tender_page(actor, LATEST, department_id=actor.department_id),
                "contracts": await contract_page(actor, paging, order=contract_order),
                "order": contract_order,
                # Contracts to sign and supplementary agreements to accept or decline.
                "awaiting": await awaiting_organization(actor),
                "overdue_reports": await overdue_report_count(actor),
                "awaiting_approval": await awaiting(actor),
                "returned": await returned(actor),
                # Awarded tenders waiting for their contract, flags to explain or decide.
                "to_contract": await tenders_to_contract(actor),
                "flags": await open_flags_for(actor),
                **risk_labels(request_locale(request)),
            },
        )

    @get("/organization", opt={"action": Action.workspace_organization})
    async def organization(
        self,
        request: Request[Actor, Any, Any],
        paging: NamedDependency[PageRequest],
        contract_order: NamedDependency[SortRequest],
    ) -> Template:
        actor = request.user
        organization = (
            await Organization.select().where(Organization.id == actor.organization_id).first()
        )
        return Template(
            "workspace/organization.html",
            context={
                "organization": organization,
                "open_tenders": await tender_page(actor, LATEST, status=OPEN_FOR_BIDS),
                "contracts": await contract_page(actor, paging, order=contract_order),
                "order": contract_order,
                # Contracts to sign and supplementary agreements to accept or decline.
                "awaiting": await awaiting_organization(actor),
                "overdue_reports": await overdue_report_count(actor),
                # Bids a tender's correction (更正公告) asks it to re-confirm before the deadline.
                "to_reconfirm": await bids_to_reconfirm(actor),
                # Why it cannot bid today, so it learns before a bid is refused.
                "obstacles": await bidding_obstacles(organization["id"], on=local_today())
                if organization
                else [],
                # Abnormally low prices to explain by their deadline, awards, flags, reports.
                "explanations": await explanations_owed(actor),
                "results": await bid_results(actor),
                "flags": await open_flags_for(actor),
                "reports_due": await reports_to_file(actor),
                **risk_labels(request_locale(request)),
            },
        )

    @get("/committee", opt={"action": Action.workspace_committee})
    async def committee(
        self,
        request: Request[Actor, Any, Any],
        paging: NamedDependency[PageRequest],
        contract_order: NamedDependency[SortRequest],
    ) -> Template:
        actor = request.user
        community = (
            await Community.select(
                Community.name,
                Community.committee_name,
                Community.population,
                Community.households,
                Community.sub_district.name.as_alias("sub_district"),
            )
            .where(Community.id == actor.community_id)
            .first()
        )
        return Template(
            "workspace/committee.html",
            context={
                "community": community,
                "contracts": await contract_page(actor, paging, order=contract_order),
                "order": contract_order,
                "to_evaluate": await periods_to_evaluate(actor),
                "rounds": await rounds_to_run(actor),
            },
        )

    @get("/auditor", opt={"action": Action.workspace_auditor})
    async def auditor(
        self,
        request: Request[Actor, Any, Any],
        paging: NamedDependency[PageRequest],
        contract_order: NamedDependency[SortRequest],
    ) -> Template:
        return Template(
            "workspace/auditor.html",
            context={
                "events": await recent_events(20),
                "contracts": await contract_page(request.user, paging, order=contract_order),
                "order": contract_order,
                # Dismissed flags an auditor may reopen, saying why.
                "dismissed_flags": await recently_dismissed(request.user),
                **risk_labels(request_locale(request)),
            },
        )

    @get("/regulator", opt={"action": Action.workspace_regulator})
    async def regulator(
        self,
        request: Request[Actor, Any, Any],
        paging: NamedDependency[PageRequest],
        contract_order: NamedDependency[SortRequest],
    ) -> Template:
        actor = request.user
        department = await Department.select().where(Department.id == actor.department_id).first()
        return Template(
            "workspace/regulator.html",
            context={
                "department": department,
                "waiting_flags": await conduct_flags_waiting(actor),
                "waiting_count": await conduct_flags_waiting_count(actor),
                "dismissed_flags": await recently_dismissed(actor),
                "decisions": await recent_decisions(),
                "contracts": await contract_page(actor, paging, order=contract_order),
                "order": contract_order,
                **risk_labels(request_locale(request)),
            },
        )

    @get("/monitor", opt={"action": Action.workspace_monitor})
    async def monitor(self, request: Request[Actor, Any, Any]) -> Template:
        actor = request.user
        community = (
            await Community.select(
                Community.name,
                Community.committee_name,
                Community.sub_district.name.as_alias("sub_district"),
            )
            .where(Community.id == actor.community_id)
            .first()
        )
        return Template(
            "workspace/monitor.html",
            context={"community": community, "tasks": await monitor_tasks(actor)},
        )

    @get("/expert", opt={"action": Action.workspace_expert})
    async def expert(self, request: Request[Actor, Any, Any]) -> Template:
        return Template(
            "workspace/expert.html", context={"tasks": await expert_tasks(request.user)}
        )

    @get("/admin", opt={"action": Action.workspace_admin})
    async def admin(
        self,
        paging: NamedDependency[PageRequest],
        role: FromQuery[str] = "",
        q: FromQuery[str] = "",
        sort: FromQuery[str] = "",
        direction: Annotated[str, QueryParameter(name="dir")] = "",
    ) -> Template:
        order = USER_SORTING.request(sort, direction)
        users = await user_page(paging, order=order, role=role, q=q)
        return Template("workspace/admin.html", context={"users": users, "order": order})
