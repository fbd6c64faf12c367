"""The one authorization policy: which role may perform which action.

Every route names its action in ``opt={"action": Action.…}``; the global guard
(``security.guards.authorize``) checks the table below, and a test generated from the app's
route table checks every route against it. Ownership (a buyer acts for its department, an
organization for itself, a committee for its community) is checked by the services and
selectors with ``owns()``; a resource outside the actor's scope answers 404, not 403.
"""

from __future__ import annotations

from enum import StrEnum

from procure.security.actors import Actor
from procure.security.tables import Role


class Action(StrEnum):
    public_read = "public:read"
    #: /metrics: not a matter of role; its own guard admits this machine or the metrics token.
    metrics_read = "metrics:read"
    session_login = "session:login"
    session_logout = "session:logout"
    account_read = "account:read"
    api_token_manage = "api_token:manage"
    workspace_buyer = "workspace:buyer"
    workspace_organization = "workspace:organization"
    workspace_committee = "workspace:committee"
    workspace_auditor = "workspace:auditor"
    workspace_admin = "workspace:admin"
    workspace_regulator = "workspace:regulator"
    workspace_expert = "workspace:expert"
    workspace_monitor = "workspace:monitor"
    monitor_manage = "monitor:manage"
    user_manage = "user:manage"
    audit_read = "audit:read"
    tender_read = "tender:read"
    contract_read = "contract:read"
    catalog_manage = "catalog:manage"
    organization_register = "organization:register"
    organization_profile = "organization:profile"
    organization_oversee = "organization:oversee"
    tender_manage = "tender:manage"
    clarification_ask = "clarification:ask"
    clarification_answer = "clarification:answer"
    bid_submit = "bid:submit"
    bid_explain = "bid:explain"
    evaluation_score = "evaluation:score"
    award_decide = "award:decide"
    document_read = "document:read"
    contract_manage = "contract:manage"
    contract_countersign = "contract:countersign"
    report_submit = "report:submit"
    report_read = "report:read"
    survey_template_manage = "survey_template:manage"
    survey_manage = "survey:manage"
    survey_answer = "survey:answer"
    survey_results = "survey:results"
    rubric_manage = "rubric:manage"
    committee_evaluate = "committee:evaluate"
    performance_read = "performance:read"
    spotcheck_read = "spotcheck:read"
    spotcheck_verify = "spotcheck:verify"
    settlement_object = "settlement:object"
    objection_decide = "objection:decide"
    rectification_submit = "rectification:submit"
    ocds_read = "ocds:read"
    risk_read = "risk:read"
    risk_explain = "risk:explain"
    risk_decide = "risk:decide"
    risk_reopen = "risk:reopen"
    risk_scan = "risk:scan"
    ocds_import = "ocds:import"
    disclosure_read = "disclosure:read"
    evaluation_committee_read = "evaluation_committee:read"
    evaluation_committee_manage = "evaluation_committee:manage"
    evaluation_declare = "evaluation:declare"
    approval_read = "approval:read"
    approval_request = "approval:request"
    approval_decide = "approval:decide"
    work_request_read = "work_request:read"
    work_request_file = "work_request:file"
    work_request_answer = "work_request:answer"
    expert_pool_read = "expert_pool:read"
    expert_pool_manage = "expert_pool:manage"
    acceptance_opinion = "acceptance:opinion"
    remedy_read = "remedy:read"
    challenge_file = "challenge:file"
    challenge_answer = "challenge:answer"
    complaint_file = "complaint:file"
    complaint_decide = "complaint:decide"
    district_setup = "district:setup"
    notification_read = "notification:read"
    notification_manage = "notification:manage"


ANONYMOUS = None
ANYONE: frozenset[Role | None] = frozenset({ANONYMOUS, *Role})
SIGNED_IN: frozenset[Role | None] = frozenset(Role)
#: Everyone signed in who may read contracts and what they report: not a resident monitor, who
#: sees only the spot-check samples of its community's contracts (procure.spotchecks).
PARTIES: frozenset[Role | None] = SIGNED_IN - {Role.monitor}


def roles(*allowed: Role) -> frozenset[Role | None]:
    return frozenset(allowed)


POLICY: dict[Action, frozenset[Role | None]] = {
    Action.public_read: ANYONE,
    Action.metrics_read: ANYONE,
    Action.session_login: ANYONE,
    Action.session_logout: ANYONE,
    Action.account_read: SIGNED_IN,
    Action.api_token_manage: SIGNED_IN,
    Action.workspace_buyer: roles(Role.buyer),
    Action.workspace_organization: roles(Role.organization),
    Action.workspace_committee: roles(Role.committee),
    Action.workspace_auditor: roles(Role.auditor),
    Action.workspace_admin: roles(Role.admin),
    Action.workspace_regulator: roles(Role.regulator),
    Action.workspace_expert: roles(Role.expert),
    Action.workspace_monitor: roles(Role.monitor),
    # A community's committee registers and deactivates its resident monitors (居民监督员).
    Action.monitor_manage: roles(Role.committee),
    Action.user_manage: roles(Role.admin),
    # A district's divisions, departments, committees and their users (procure.setup).
    Action.district_setup: roles(Role.admin),
    Action.audit_read: roles(Role.auditor, Role.admin),
    # Tenders are public once published; drafts stay with their department (selectors).
    Action.tender_read: ANYONE,
    Action.contract_read: PARTIES,
    Action.catalog_manage: roles(Role.buyer, Role.admin),
    # Anyone may register an organization; the new account then keeps its own profile.
    Action.organization_register: ANYONE,
    Action.organization_profile: roles(Role.organization),
    # Debarment (禁止参加政府采购活动, 政府采购法 第七十七条) and credit ratings are decided by
    # the finance department (regulator); administrators correct data errors. Never a buyer.
    Action.organization_oversee: roles(Role.regulator, Role.admin),
    Action.tender_manage: roles(Role.buyer),
    Action.clarification_ask: roles(Role.organization),
    Action.clarification_answer: roles(Role.buyer),
    Action.bid_submit: roles(Role.organization),
    Action.bid_explain: roles(Role.organization),
    # The evaluation committee's members — drawn experts and the buyer's representatives —
    # score, vote and confirm the report (checked per tender: committees.selectors).
    Action.evaluation_score: roles(Role.buyer, Role.expert),
    # The committee is shown to the buying department, oversight and its own members (per
    # tender); the department's handler composes it and starts the draw.
    Action.evaluation_committee_read: roles(
        Role.buyer, Role.expert, Role.regulator, Role.auditor, Role.admin
    ),
    Action.evaluation_committee_manage: roles(Role.buyer),
    # A member declares 回避 per bidder before seeing any bid.
    Action.evaluation_declare: roles(Role.buyer, Role.expert),
    Action.award_decide: roles(Role.buyer),
    # Public notices are public; what each document reveals is decided per document.
    Action.document_read: ANYONE,
    Action.contract_manage: roles(Role.buyer),
    # The organization signs its own contract and accepts or declines its amendments (the
    # service checks it is its own: another organization's contract answers 404).
    Action.contract_countersign: roles(Role.organization),
    Action.report_submit: roles(Role.organization),
    # Reports, survey results, evaluations and performance are read by the parties to the
    # contract, the committees of its communities, and oversight; selectors scope each row.
    Action.report_read: PARTIES,
    Action.survey_template_manage: roles(Role.committee, Role.admin),
    Action.survey_manage: roles(Role.committee),
    # Residents answer with a single-use token and no account.
    Action.survey_answer: ANYONE,
    Action.survey_results: PARTIES,
    Action.rubric_manage: roles(Role.buyer, Role.admin),
    Action.committee_evaluate: roles(Role.committee),
    Action.performance_read: PARTIES,
    # A contract's spot-check commitments, revealed seeds and samples are read by whoever sees
    # the contract (the selector scopes it, and shows no sample before its report's reveal);
    # the committee of the contract's community, or a resident monitor it registered, records
    # what it found for each drawn unit (a monitor sees only its community's contracts' samples).
    Action.spotcheck_read: SIGNED_IN,
    Action.spotcheck_verify: roles(Role.committee, Role.monitor),
    # The organization objects (申辩) to a settlement of its own contract and reports its
    # rectification (整改) of a held instalment; the finance department decides objections.
    Action.settlement_object: roles(Role.organization),
    Action.rectification_submit: roles(Role.organization),
    Action.objection_decide: roles(Role.regulator),
    # Open data: OCDS releases and records hold only what is public (bids after the deadline).
    Action.ocds_read: ANYONE,
    # Risk flags are read by the parties involved (the buying department, the organization, the
    # committee of a flagged contract's community) and by oversight; selectors scope each flag.
    Action.risk_read: PARTIES,
    # The organization or the buying department involved explains a flag; the regulator, or
    # the department unless the flag is about its own conduct, resolves or dismisses it; the
    # regulator or an auditor reopens a dismissed one (per flag: risk.guards). Auditors write
    # nothing else.
    Action.risk_explain: roles(Role.buyer, Role.organization),
    Action.risk_decide: roles(Role.buyer, Role.regulator),
    Action.risk_reopen: roles(Role.regulator, Role.auditor),
    # A full scan is started by oversight that acts (the finance department) or an
    # administrator; it runs in the worker (the nightly one too), never in the request.
    Action.risk_scan: roles(Role.regulator, Role.admin),
    # External OCDS data enters as read-only processes that the risk rules scan.
    Action.ocds_import: roles(Role.admin),
    # Public disclosure (信息公开) is for everyone, signed in or not; the selectors publish only
    # what is public (no drafts, no bids before the deadline, no residents' data).
    Action.disclosure_read: ANYONE,
    # Maker–checker inside a buying department: its handlers request, its approvers (never the
    # same user for the same request) decide; oversight reads every department's requests.
    Action.approval_read: roles(Role.buyer, Role.regulator, Role.auditor, Role.admin),
    Action.approval_request: roles(Role.buyer),
    Action.approval_decide: roles(Role.buyer),
    # The internalization firewall: the contract's buying department files out-of-contract
    # requests, the contract's organization answers them (the services check which contract);
    # oversight reads them.
    Action.work_request_read: roles(
        Role.buyer, Role.organization, Role.regulator, Role.auditor, Role.admin
    ),
    Action.work_request_file: roles(Role.buyer),
    Action.work_request_answer: roles(Role.organization),
    # The finance department keeps its district's expert pool (财库〔2016〕198号 第四条);
    # administrators correct data errors; auditors read it.
    Action.expert_pool_read: roles(Role.regulator, Role.admin, Role.auditor),
    Action.expert_pool_manage: roles(Role.regulator, Role.admin),
    # Service recipients' opinions at an acceptance (履约验收) are entered by the buying
    # department's handler or by the committee of the recipient's community (per recipient:
    # acceptance.services); the organization under review never.
    Action.acceptance_opinion: roles(Role.buyer, Role.committee),
    # Challenges and complaints (财政部令第94号) are read by the parties — the challenger, the
    # other bidders of the tender (the answer only), the buying department — and by oversight;
    # selectors scope each row. A bidder challenges; the buying department answers in writing;
    # the challenger complains; the finance department (regulator) alone decides complaints
    # and suspends a procurement. Auditors read only.
    Action.remedy_read: roles(
        Role.buyer, Role.organization, Role.regulator, Role.auditor, Role.admin
    ),
    Action.challenge_file: roles(Role.organization),
    Action.challenge_answer: roles(Role.buyer),
    Action.complaint_file: roles(Role.organization),
    Action.complaint_decide: roles(Role.regulator),
    # Everyone signed in has an inbox and chooses what they are told; each reads and marks only
    # their own notifications (the selectors and services scope every row to the user).
    Action.notification_read: SIGNED_IN,
    Action.notification_manage: SIGNED_IN,
}

#: Roles that read across every department, organization and community. The regulator (财政部门)
#: supervises the district's procurement and reads it all; what it may write is its own.
OVERSIGHT_ROLES = frozenset({Role.auditor, Role.admin, Role.regulator})


def is_allowed(action: Action, actor: Actor | None) -> bool:
    return (actor.role if actor else ANONYMOUS) in POLICY[action]


def owns(
    actor: Actor,
    *,
    department_id: int | None = None,
    organization_id: int | None = None,
    community_ids: frozenset[int] | set[int] = frozenset(),
) -> bool:
    """Whether the actor acts for the department, organization or one of the communities given."""
    if actor.role in OVERSIGHT_ROLES:
        return True
    if actor.role == Role.buyer:
        return department_id is not None and actor.department_id == department_id
    if actor.role == Role.organization:
        return organization_id is not None and actor.organization_id == organization_id
    if actor.role == Role.committee:
        return actor.community_id in community_ids
    return False
