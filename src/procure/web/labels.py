"""One label registry per kind: what every page calls a status, an audit action, a subject or a
credit rating, in the reader's language. Templates ask ``label(kind, value)`` (a Jinja global and
filter, web/templating.py); a value the registry does not know shows as itself, and
tests/web/test_labels.py checks every lifecycle's statuses and every audit action are listed.

An input's name as the API reports it (``field``: ``ceiling_fen``, ``lines[2].price_fen``) has
one too, ``FIELDS``: the error page says ``field_label(locale, field)`` ("第3行 · 报价"), never
the internal name.

Flag evidence keys have their own registry beside the rules (procure.risk.evidence.LABELS), with
units: 元 for amounts in fen, % for ratios, 天 for days."""

from __future__ import annotations

import re
from enum import Enum

from procure import i18n
from procure.acceptance.tables import AcceptanceStatus
from procure.approvals.tables import ApprovalStatus
from procure.audit.events import AuditAction
from procure.bids.tables import BidStatus
from procure.committees.tables import CommitteeStatus, MemberStatus, RelationshipKind
from procure.complaints.tables import ChallengeStatus, ComplaintStatus, SuspensionStatus
from procure.contracts.tables import (
    AmendmentStatus,
    ContractStatus,
    MilestoneStatus,
    PaymentStatus,
    RectificationStatus,
)
from procure.errors import Conflict, InvalidInput, NotFound
from procure.evaluations.tables import EvaluationStatus
from procure.i18n import N_
from procure.jobs.tables import EventStatus
from procure.organizations.tables import CreditRating, RegistrationType
from procure.performance.tables import ObjectionStatus
from procure.reports.tables import ReportStatus
from procure.security.tables import Role
from procure.surveys.tables import RoundStatus
from procure.tenders.states import ProcurementMethod, TenderStatus
from procure.workrequests.tables import WorkRequestStatus

AUDIT_ACTIONS: dict[str, str] = {
    AuditAction.user_created: N_("User created"),
    AuditAction.user_updated: N_("User updated"),
    AuditAction.user_login: N_("Signed in"),
    AuditAction.user_login_failed: N_("Sign-in failed"),
    AuditAction.user_logout: N_("Signed out"),
    AuditAction.api_token_created: N_("API token created"),
    AuditAction.api_token_revoked: N_("API token revoked"),
    AuditAction.demo_loaded: N_("Demo data loaded"),
    AuditAction.catalog_item_created: N_("Catalogue item created"),
    AuditAction.catalog_item_updated: N_("Catalogue item updated"),
    AuditAction.catalog_imported: N_("Catalogue imported"),
    AuditAction.organization_registered: N_("Organization registered"),
    AuditAction.organization_profile_updated: N_("Organization profile updated"),
    AuditAction.organization_credit_rated: N_("Credit rating set"),
    AuditAction.qualification_added: N_("Qualification added"),
    AuditAction.qualification_updated: N_("Qualification updated"),
    AuditAction.qualification_removed: N_("Qualification removed"),
    AuditAction.debarment_imposed: N_("Debarment imposed"),
    AuditAction.debarment_lifted: N_("Debarment lifted"),
    AuditAction.debarment_withdrawn: N_("Debarment withdrawn"),
    AuditAction.tender_created: N_("Tender created"),
    AuditAction.tender_updated: N_("Tender updated"),
    AuditAction.tender_published: N_("Tender published"),
    AuditAction.tender_cancelled: N_("Tender cancelled"),
    AuditAction.tender_unsuccessful: N_("Tender declared unsuccessful"),
    AuditAction.tender_amended: N_("Tender corrected"),
    AuditAction.clarification_asked: N_("Clarification asked"),
    AuditAction.clarification_answered: N_("Clarification answered"),
    AuditAction.bid_submitted: N_("Bid submitted"),
    AuditAction.bid_withdrawn: N_("Bid withdrawn"),
    AuditAction.bid_reconfirmed: N_("Bid re-confirmed"),
    AuditAction.bids_opened: N_("Bids opened"),
    AuditAction.evaluation_started: N_("Evaluation started"),
    AuditAction.explanation_requested: N_("Explanation requested"),
    AuditAction.explanation_given: N_("Explanation given"),
    AuditAction.explanation_decided: N_("Explanation decided"),
    AuditAction.bid_disqualified: N_("Bid disqualified"),
    AuditAction.technical_scored: N_("Technical score recorded"),
    AuditAction.award_decided: N_("Award decided"),
    AuditAction.survey_template_created: N_("Survey template created"),
    AuditAction.survey_round_started: N_("Survey round started"),
    AuditAction.survey_round_closed: N_("Survey round closed"),
    AuditAction.survey_tokens_issued: N_("Survey codes issued"),
    AuditAction.rubric_created: N_("Rubric created"),
    AuditAction.rubric_updated: N_("Rubric updated"),
    AuditAction.rubric_versioned: N_("Rubric versioned"),
    AuditAction.committee_evaluation_saved: N_("Committee evaluation saved"),
    AuditAction.committee_evaluation_submitted: N_("Committee evaluation submitted"),
    AuditAction.contract_created: N_("Contract created"),
    AuditAction.contract_signed: N_("Contract signed"),
    AuditAction.contract_buyer_signed: N_("Contract signed by the buyer"),
    AuditAction.contract_organization_signed: N_("Contract signed by the organization"),
    AuditAction.contract_completed: N_("Contract completed"),
    AuditAction.contract_terminated: N_("Contract terminated"),
    AuditAction.amendment_signed: N_("Contract amendment signed"),
    AuditAction.amendment_drafted: N_("Contract amendment drafted"),
    AuditAction.amendment_approved: N_("Contract amendment accepted"),
    AuditAction.amendment_declined: N_("Contract amendment declined"),
    AuditAction.amendment_withdrawn: N_("Contract amendment withdrawn"),
    AuditAction.payment_held: N_("Payment held"),
    AuditAction.payment_released: N_("Payment released"),
    AuditAction.payment_paid: N_("Payment recorded"),
    AuditAction.performance_settled: N_("Performance settled"),
    AuditAction.acceptance_created: N_("Acceptance opened"),
    AuditAction.acceptance_recorded: N_("Acceptance result recorded"),
    AuditAction.acceptance_recipient_invited: N_("Service recipient invited"),
    AuditAction.acceptance_opinion_recorded: N_("Recipient opinion recorded"),
    AuditAction.acceptance_passed: N_("Acceptance passed"),
    AuditAction.acceptance_failed: N_("Acceptance failed"),
    AuditAction.settlement_objected: N_("Objection to the settlement"),
    AuditAction.settlement_objection_upheld: N_("Settlement objection upheld"),
    AuditAction.settlement_objection_rejected: N_("Settlement objection rejected"),
    AuditAction.rectification_submitted: N_("Rectification submitted"),
    AuditAction.rectification_accepted: N_("Rectification accepted"),
    AuditAction.rectification_returned: N_("Rectification returned"),
    AuditAction.rectification_applied: N_("Rectification applied"),
    AuditAction.report_draft_saved: N_("Report draft saved"),
    AuditAction.report_submitted: N_("Report submitted"),
    AuditAction.report_attachment_uploaded: N_("Report attachment uploaded"),
    AuditAction.risk_flag_explained: N_("Risk flag explained"),
    AuditAction.risk_flag_resolved: N_("Risk flag resolved"),
    AuditAction.risk_flag_dismissed: N_("Risk flag dismissed"),
    AuditAction.risk_flag_reopened: N_("Risk flag reopened"),
    AuditAction.risk_scan_requested: N_("Risk scan requested"),
    AuditAction.ocds_imported: N_("OCDS data imported"),
    AuditAction.ocds_dataset_deleted: N_("OCDS dataset deleted"),
    AuditAction.approval_requested: N_("Approval requested"),
    AuditAction.approval_approved: N_("Approval granted"),
    AuditAction.approval_refused: N_("Approval refused"),
    AuditAction.approval_withdrawn: N_("Approval request withdrawn"),
    AuditAction.spotcheck_seed_committed: N_("Spot-check seed committed"),
    AuditAction.spotcheck_seed_revealed: N_("Spot-check seed revealed and sample drawn"),
    AuditAction.verification_confirmed: N_("Delivery confirmed on verification"),
    AuditAction.verification_not_delivered: N_("Found not delivered on verification"),
    AuditAction.verification_unreachable: N_("Could not be reached for verification"),
    AuditAction.monitor_registered: N_("Resident monitor registered"),
    AuditAction.monitor_deactivated: N_("Resident monitor deactivated"),
    AuditAction.work_request_filed: N_("Out-of-contract work request filed"),
    AuditAction.work_request_accepted: N_("Out-of-contract work request accepted"),
    AuditAction.work_request_declined: N_("Out-of-contract work request declined"),
    AuditAction.work_request_amendment_proposed: N_("Amendment proposed for a work request"),
    AuditAction.work_request_cited: N_("Work request cited by a report line"),
    AuditAction.expert_created: N_("Expert added"),
    AuditAction.expert_updated: N_("Expert updated"),
    AuditAction.expert_pool_imported: N_("Expert pool imported"),
    AuditAction.district_setup_imported: N_("District setup imported"),
    AuditAction.expert_relationship_added: N_("Expert relationship recorded"),
    AuditAction.expert_relationship_ended: N_("Expert relationship ended"),
    AuditAction.committee_composed: N_("Committee composition set"),
    AuditAction.committee_drawn: N_("Committee drawn"),
    AuditAction.committee_supplemented: N_("Committee supplemented"),
    AuditAction.committee_seated: N_("Committee seated"),
    AuditAction.committee_reported: N_("Committee report confirmed"),
    AuditAction.member_declared: N_("Member declaration made"),
    AuditAction.member_replaced: N_("Member replaced"),
    AuditAction.member_promoted: N_("Alternate seated"),
    AuditAction.member_confirmed: N_("Member confirmed the report"),
    AuditAction.committee_voted: N_("Committee voted"),
    AuditAction.challenge_filed: N_("Challenge filed"),
    AuditAction.challenge_upheld: N_("Challenge upheld"),
    AuditAction.challenge_partly_upheld: N_("Challenge partly upheld"),
    AuditAction.challenge_rejected: N_("Challenge rejected"),
    AuditAction.challenge_corrected: N_("Corrective step taken"),
    AuditAction.complaint_filed: N_("Complaint filed"),
    AuditAction.complaint_accepted: N_("Complaint accepted"),
    AuditAction.complaint_not_accepted: N_("Complaint not accepted"),
    AuditAction.complaint_upheld: N_("Complaint upheld"),
    AuditAction.complaint_rejected: N_("Complaint rejected"),
    AuditAction.procurement_suspended: N_("Procurement suspended"),
    AuditAction.suspension_lifted: N_("Suspension lifted"),
    AuditAction.suspension_expired: N_("Suspension expired"),
    AuditAction.tender_keys_rotated: N_("Tender keys rotated"),
    AuditAction.database_restored: N_("Database restored"),
    AuditAction.audit_chain_keyed: N_("Audit chain keyed"),
}

#: Every lifecycle's statuses (src/procure/*/states.py), by the kind a template names.
STATUSES: dict[str, dict[str, str]] = {
    # "opening" is what a page shows once the deadline passed and before the job opens the bids.
    "tender_status": {
        TenderStatus.draft: N_("Draft"),
        TenderStatus.published: N_("Published (clarification period)"),
        TenderStatus.tendering: N_("Open for bids"),
        "opening": N_("Opening the bids (deadline passed)"),
        TenderStatus.opened: N_("Bids opened"),
        TenderStatus.evaluation: N_("Under evaluation"),
        TenderStatus.awarded: N_("Awarded (standstill)"),
        TenderStatus.contracted: N_("Contracted"),
        TenderStatus.cancelled: N_("Cancelled"),
        TenderStatus.unsuccessful: N_("Unsuccessful"),
    },
    "bid_status": {
        BidStatus.submitted: N_("Submitted (sealed)"),
        BidStatus.withdrawn: N_("Withdrawn"),
        BidStatus.opened: N_("Opened"),
        BidStatus.reconfirmation_required: N_("To be re-confirmed"),
        BidStatus.not_reconfirmed: N_("Not re-confirmed, not opened"),
        BidStatus.explanation_requested: N_("Explanation requested"),
        BidStatus.valid: N_("Valid"),
        BidStatus.disqualified: N_("Disqualified"),
    },
    "contract_status": {
        ContractStatus.draft: N_("Draft"),
        ContractStatus.active: N_("In force"),
        ContractStatus.completed: N_("Completed"),
        ContractStatus.terminated: N_("Terminated"),
    },
    "amendment_status": {
        AmendmentStatus.draft: N_("Awaiting the buyer's approval"),
        AmendmentStatus.pending_acceptance: N_("Awaiting the organization's acceptance"),
        AmendmentStatus.accepted: N_("Accepted"),
        AmendmentStatus.declined: N_("Declined"),
        AmendmentStatus.withdrawn: N_("Withdrawn"),
    },
    "milestone_status": {
        MilestoneStatus.pending: N_("Not yet due"),
        MilestoneStatus.done: N_("Done"),
        MilestoneStatus.missed: N_("Missed"),
    },
    "payment_status": {
        PaymentStatus.scheduled: N_("Scheduled"),
        PaymentStatus.held: N_("Held"),
        PaymentStatus.released: N_("Released"),
        PaymentStatus.paid: N_("Paid"),
    },
    "rectification_status": {
        RectificationStatus.submitted: N_("awaiting the buyer's answer"),
        RectificationStatus.accepted: N_("accepted"),
        RectificationStatus.returned: N_("returned"),
        RectificationStatus.applied: N_("applied to the release"),
    },
    "acceptance_status": {
        AcceptanceStatus.draft: N_("Being recorded"),
        AcceptanceStatus.passed: N_("Passed (合格)"),
        AcceptanceStatus.failed: N_("Failed (不合格)"),
    },
    "work_request_status": {
        WorkRequestStatus.filed: N_("awaiting the organization's answer"),
        WorkRequestStatus.accepted: N_("accepted"),
        WorkRequestStatus.declined: N_("declined"),
        WorkRequestStatus.amendment_proposed: N_("amendment proposed"),
    },
    "approval_status": {
        ApprovalStatus.pending: N_("awaiting approval"),
        ApprovalStatus.approved: N_("approved"),
        ApprovalStatus.refused: N_("refused"),
        ApprovalStatus.withdrawn: N_("withdrawn"),
    },
    "committee_status": {
        CommitteeStatus.planned: N_("Composition set, not drawn yet"),
        CommitteeStatus.drawn: N_("Drawn: members declare 回避"),
        CommitteeStatus.seated: N_("Seated: the committee evaluates"),
        CommitteeStatus.reported: N_("Report confirmed by every member"),
    },
    "member_status": {
        MemberStatus.alternate: N_("Alternate"),
        MemberStatus.drawn: N_("Drawn, to declare"),
        MemberStatus.seated: N_("Seated"),
        MemberStatus.replaced: N_("Stepped aside (回避)"),
        MemberStatus.confirmed: N_("Confirmed the report"),
    },
    "challenge_status": {
        ChallengeStatus.filed: N_("Awaiting the buyer's answer"),
        ChallengeStatus.upheld: N_("Upheld"),
        ChallengeStatus.partly_upheld: N_("Partly upheld"),
        ChallengeStatus.rejected: N_("Rejected"),
        ChallengeStatus.corrected: N_("Upheld, corrective step taken"),
    },
    "complaint_status": {
        ComplaintStatus.filed: N_("Awaiting admissibility"),
        ComplaintStatus.accepted: N_("Accepted, awaiting decision"),
        ComplaintStatus.not_accepted: N_("Not accepted"),
        ComplaintStatus.upheld: N_("Complaint upheld"),
        ComplaintStatus.rejected: N_("Complaint rejected"),
    },
    "suspension_status": {
        SuspensionStatus.in_force: N_("In force"),
        SuspensionStatus.lifted: N_("Lifted"),
        SuspensionStatus.expired: N_("Expired"),
    },
    "evaluation_status": {
        EvaluationStatus.draft: N_("Draft"),
        EvaluationStatus.submitted: N_("Submitted (locked)"),
    },
    "report_status": {
        ReportStatus.draft: N_("Draft"),
        ReportStatus.submitted: N_("Submitted"),
        ReportStatus.superseded: N_("Superseded by a correction"),
    },
    "round_status": {
        "scheduled": N_("Not open yet"),
        RoundStatus.open: N_("Open"),
        RoundStatus.closed: N_("Closed"),
    },
    "objection_status": {
        ObjectionStatus.none: N_("No objection"),
        ObjectionStatus.lodged: N_("Objection awaiting the regulator"),
        ObjectionStatus.upheld: N_("Objection upheld"),
        ObjectionStatus.rejected: N_("Objection rejected"),
    },
    "job_status": {
        EventStatus.pending: N_("Waiting"),
        EventStatus.queued: N_("Queued"),
        EventStatus.running: N_("Running"),
        EventStatus.done: N_("Done"),
        EventStatus.failed: N_("Failed"),
    },
    # The risk pages' own table (procure.risk.labels) says the same; areas that render pages
    # may not import the risk engine, so the flag's lifecycle is spelled out here.
    "flag_status": {
        "open": N_("Pending"),
        "explained": N_("Explained"),
        "resolved": N_("Resolved"),
        "dismissed": N_("Dismissed"),
    },
}

#: An expert's relationship with an organization (the expert pool's registry).
RELATIONSHIP_KINDS: dict[str, str] = {
    RelationshipKind.employment: N_("employment in the last 3 years"),
    RelationshipKind.directorship: N_("director or supervisor"),
    RelationshipKind.family: N_("close relative of its head"),
    RelationshipKind.other: N_("other interest"),
    # Found by the draw rather than declared: the organization is the expert's employer.
    "employer": N_("the expert's employer"),
}

#: What the audit log's subjects are (``subject_type``).
SUBJECT_TYPES: dict[str, str] = {
    "acceptance": N_("Acceptance"),
    "amendment": N_("Contract amendment"),
    "api_token": N_("API token"),
    "approval": N_("Approval"),
    "bid": N_("Bid"),
    "catalog_file": N_("Catalogue file"),
    "catalog_item": N_("Catalogue item"),
    "challenge": N_("Challenge"),
    "clarification": N_("Clarification"),
    "committee": N_("Evaluation committee"),
    "committee_evaluation": N_("Committee evaluation"),
    "complaint": N_("Complaint"),
    "contract": N_("Contract"),
    "database": N_("Database"),
    "debarment": N_("Debarment"),
    "district": N_("District"),
    "expert": N_("Expert"),
    "expert_pool_file": N_("Expert pool file"),
    "keyring": N_("Keys"),
    "ocds_dataset": N_("OCDS dataset"),
    "organization": N_("Organization"),
    "payment": N_("Payment"),
    "performance": N_("Performance"),
    "qualification": N_("Qualification"),
    "rectification": N_("Rectification"),
    "report_attachment": N_("Report attachment"),
    "risk_flag": N_("Risk flag"),
    "rubric": N_("Rubric"),
    "service_report": N_("Service report"),
    "survey_round": N_("Survey round"),
    "survey_template": N_("Survey template"),
    "spot_check_seed": N_("Spot-check seed"),
    "suspension": N_("Suspension"),
    "tender": N_("Tender"),
    "user": N_("User"),
    "verification_task": N_("Verification task"),
}

ROLES: dict[str, str] = {
    Role.buyer: N_("Buyer"),
    Role.organization: N_("Organization"),
    Role.committee: N_("Neighborhood committee"),
    Role.auditor: N_("Auditor"),
    Role.admin: N_("Administrator"),
    Role.regulator: N_("Regulator (finance department)"),
    Role.expert: N_("Evaluation expert"),
    Role.monitor: N_("Resident monitor"),
}

PROCUREMENT_METHODS: dict[str, str] = {
    ProcurementMethod.open_tender: N_("Open tender"),
    ProcurementMethod.competitive_consultation: N_("Competitive consultation"),
    ProcurementMethod.competitive_negotiation: N_("Competitive negotiation"),
    ProcurementMethod.single_source: N_("Single source"),
    ProcurementMethod.project_application: N_("Project application / venture philanthropy"),
    ProcurementMethod.direct_grant: N_("Direct grant"),
}

REGISTRATION_TYPES: dict[str, str] = {
    RegistrationType.social_group: N_("Social group"),
    RegistrationType.social_service_agency: N_(
        "Social service agency (private non-enterprise unit)"
    ),
    RegistrationType.foundation: N_("Foundation"),
}

REGISTRY: dict[str, dict[str, str]] = {
    **STATUSES,
    "audit_action": AUDIT_ACTIONS,
    "subject_type": SUBJECT_TYPES,
    "credit_rating": {CreditRating.unrated: N_("Unrated")},
    "relationship_kind": RELATIONSHIP_KINDS,
    "severity": {"high": N_("High"), "medium": N_("Medium"), "low": N_("Low")},
    "role": ROLES,
    "procurement_method": PROCUREMENT_METHODS,
    "registration_type": REGISTRATION_TYPES,
}

#: The inputs the API and the pages refuse, by the name in an error's ``field`` (rows dropped).
FIELDS: dict[str, str] = {
    "accepted_on": N_("Accepted on"),
    "affiliation": N_("Affiliation"),
    "amount_fen": N_("Amount (yuan)"),
    "answer": N_("Answer"),
    "attachments": N_("Attachments"),
    "buyer_representatives": N_("Buyer representatives"),
    "categories": N_("Categories"),
    "category": N_("Category"),
    "ceiling_fen": N_("Budget ceiling (yuan)"),
    "certified_social_workers": N_("Certified social workers"),
    "changes": N_("What changes (更正事项)"),
    "clarification_deadline": N_("Clarification deadline"),
    "closes_at": N_("Closes at"),
    "communities": N_("Communities covered"),
    "community": N_("Community"),
    "credit_code": N_("Unified social credit code"),
    "criteria": N_("Evaluation criteria"),
    "criterion": N_("Criterion"),
    "decision": N_("Decision"),
    "description": N_("Description"),
    "dir": N_("Sort direction"),
    "due_on": N_("Due date"),
    "ends_on": N_("Ends on"),
    "evaluation_method": N_("Evaluation method"),
    "expires_on": N_("Expires on"),
    "file": N_("File"),
    "founded_on": N_("Founded on"),
    "grounds": N_("Grounds"),
    "issued_on": N_("Issued on"),
    "item_code": N_("Service item"),
    "items": N_("Items"),
    "kind": N_("Kind"),
    "line_no": N_("Line"),
    "lines": N_("Scope lines"),
    "locale": N_("Language"),
    "members": N_("Members"),
    "method": N_("Method"),
    "milestones": N_("Milestones"),
    "name": N_("Name"),
    "need_evidence": N_("Evidence of residents' needs"),
    "note": N_("Note"),
    "notes": N_("Notes"),
    "opens_at": N_("Opens at"),
    "page": N_("Page"),
    "paid_on": N_("Paid on"),
    "password": N_("Password"),
    "payments": N_("Instalments"),
    "per_page": N_("Rows per page"),
    "period": N_("Period"),
    "phone": N_("Phone"),
    "price_fen": N_("Price"),
    "public_text": N_("Public text"),
    "q": N_("Search"),
    "quantity": N_("Quantity"),
    "quantity_delta": N_("Change in quantity"),
    "reason": N_("Reason"),
    "registration_type": N_("Registration type"),
    "reporting_frequency": N_("Reporting frequency"),
    "result": N_("Result"),
    "role": N_("Role"),
    "rubric_id": N_("Rubric"),
    "rules": N_("Rules"),
    "scope_line_id": N_("Scope line"),
    "scores": N_("Scores"),
    "severity": N_("Severity"),
    "since": N_("From"),
    "sort": N_("Sort by"),
    "stage": N_("Stage"),
    "staff_hours": N_("Staff hours"),
    "staffing_plan": N_("Staffing plan"),
    "starts_on": N_("Starts on"),
    "status": N_("Status"),
    "submission_deadline": N_("Submission deadline"),
    "summary": N_("Summary"),
    "technical_proposal": N_("Technical proposal"),
    "template_id": N_("Survey template"),
    "text_zh": N_("Text (Chinese)"),
    "title": N_("Title"),
    "total_fen": N_("Total price (yuan)"),
    "until": N_("Until"),
    "username": N_("Username"),
    "valid_days": N_("Valid for (days)"),
    "voucher_no": N_("Voucher number"),
    "weight": N_("Weight"),
    "year": N_("Year"),
}
ROW = N_("Row %(n)s")
SOME_FIELD = N_("one of the fields")
_FIELD_PARTS = re.compile(r"[^.\[\]]+")


def field_label(locale: str, field: str) -> str:
    """An error's ``field`` as the reader calls it: each array index as its row, counted from 1,
    then the label of the innermost input the registry knows (``lines[2].price_fen`` →
    "第3行 · 报价"); a name it does not know reads as "one of the fields", never as itself."""
    translations = i18n.translations(locale)
    parts = _FIELD_PARTS.findall(field)
    rows = [translations.gettext(ROW) % {"n": int(part) + 1} for part in parts if part.isdigit()]
    known = next((FIELDS[part] for part in reversed(parts) if part in FIELDS), SOME_FIELD)
    return " · ".join([*rows, translations.gettext(known)])


def label(locale: str, kind: str, value: object) -> str:
    """``value``'s label of ``kind`` in ``locale``; "—" for none, the value itself if unknown
    (a credit grade such as AAA is its own label). An unknown kind is a programming error."""
    if value is None or value == "":
        return "—"
    message = REGISTRY[kind].get(str(value))
    return i18n.translations(locale).gettext(message) if message else str(value)


#: Which registry names each enum's members (read off the registries' keys): a refusal's value
#: given as a member reads as its label.
_ENUM_KINDS: dict[type, str] = {
    type(value): kind
    for kind, names in REGISTRY.items()
    for value in names
    if isinstance(value, Enum)
}


def _shown(locale: str, name: str, value: object) -> object:
    if isinstance(value, list | tuple):
        separator = "、" if locale.startswith("zh") else ", "
        return separator.join(str(_shown(locale, name, one)) for one in value)
    if type(value) in _ENUM_KINDS:
        return label(locale, _ENUM_KINDS[type(value)], value)
    kind = "subject_type" if name == "subject" else name
    if kind in REGISTRY:  # a value named after a registry (flag_status, severity, role…)
        return label(locale, kind, value)
    return value


def message(locale: str, template: str, variables: dict[str, object], given: str = "") -> str:
    """A refusal's catalog message in ``locale`` with its values filled in: a status value
    given as its enum member reads as the status's label ("草稿", not ``draft``), as does a
    value named after a registry (``flag_status``, ``severity``, ``role``; ``subject`` for the
    subject type); a list as the language lists it. A message outside the catalog, or
    whose values do not fit, reads as ``given`` (the English text)."""
    if not template:
        return given
    shown = {name: _shown(locale, name, value) for name, value in variables.items()}
    try:
        text = i18n.translations(locale).gettext(template)
        return text % shown if shown else text
    except (KeyError, TypeError, ValueError):
        return given or template


def refusal(locale: str, error: Conflict | InvalidInput | NotFound) -> str:
    """What a domain error says to a reader of ``locale`` (see ``message``)."""
    given = error.message if isinstance(error, InvalidInput) else str(error)
    return message(locale, error.template, error.variables, given)


def replaced_reasons(locale: str, reason: str) -> list[str]:
    """Why a committee member stepped aside, as recorded ("declared: 甲; registry (employment):
    乙"), in the reader's language: one sentence per bidder."""
    translations = i18n.translations(locale)
    shown: list[str] = []
    for part in filter(None, (piece.strip() for piece in reason.split(";"))):
        head, _, name = part.partition(": ")
        if head == "declared" and name:
            shown.append(
                translations.gettext(N_("declared a conflict with %(name)s")) % {"name": name}
            )
        elif head.startswith("registry (") and head.endswith(")") and name:
            kind = label(locale, "relationship_kind", head[len("registry (") : -1])
            message = translations.gettext(N_("the registry records %(kind)s with %(name)s"))
            shown.append(message % {"kind": kind, "name": name})
        else:
            shown.append(part)
    return shown


def choices(locale: str, kind: str) -> list[tuple[str, str]]:
    """The kind's values and their labels, for a filter's options."""
    return [(str(value), label(locale, kind, value)) for value in REGISTRY[kind]]
