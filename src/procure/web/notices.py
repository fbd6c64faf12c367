"""The one-time success notices: every form's POST handler redirects (303, Post/Redirect/Get)
to a page with ``?done=<key>``, and templates/base.html says the key's message once
(``role=status``). The key travels in the address, so the GET that shows it writes nothing
(no session flash to pop). One registry here instead of a dict per template."""

from __future__ import annotations

from litestar.response import Redirect
from litestar.status_codes import HTTP_303_SEE_OTHER

from procure.i18n import N_

#: Query parameter that carries the key; a pager drops it (db.pagination.NOTICE_PARAMS).
DONE_PARAM = "done"

#: done-key → message (marked for extraction, translated where it is shown).
NOTICES: dict[str, str] = {
    # Tenders and bids
    "tender_created": N_("The draft tender is saved. Check it, then submit it for publication."),
    "publish_requested": N_(
        "The tender is submitted for publication: it is published when an approver approves it."
    ),
    "tender_amended": N_("The correction notice (更正公告) is published."),
    "tender_cancelled": N_("The tender is cancelled."),
    "request_withdrawn": N_("Your request is withdrawn: the draft can be corrected again."),
    "question_asked": N_("Your question is sent: the buyer's answer is published to every bidder."),
    "question_answered": N_("The answer is published to every bidder."),
    "bid_reconfirmed": N_("Your bid is re-confirmed against the corrected tender."),
    "bid_withdrawn": N_("Your bid is withdrawn: it will not be opened."),
    "explanation_sent": N_("Your price explanation is sent to the evaluation committee."),
    "evaluation_started": N_("The evaluation has started: the committee may now score the bids."),
    "scores_saved": N_("Your scores are saved."),
    "bid_decided": N_("Your decision on the bid is recorded."),
    "award_requested": N_(
        "The award is submitted: it takes effect when an approver approves it. "
        "Then create the contract."
    ),
    # Evaluation committees
    "committee_formed": N_("The evaluation committee is recorded."),
    "experts_drawn": N_("The experts are drawn from the pool."),
    "experts_supplemented": N_("A replacement expert is drawn."),
    "declaration_recorded": N_("Your declaration is recorded."),
    "report_confirmed": N_("You have confirmed the evaluation report."),
    # Notifications
    "marked_read": N_("Marked as read."),
    "preferences_saved": N_("Your preferences are saved."),
    # Contracts
    "contract_created": N_(
        "The draft contract is created from the award. Request the buyer's signature when it is"
        " ready."
    ),
    "requested": N_(
        "The buyer's signature is requested: it takes effect when an approver approves it."
    ),
    "signed": N_("The organization has signed."),
    "accepted": N_("The supplementary agreement is accepted and now part of the contract."),
    "declined": N_("The supplementary agreement is declined."),
    "payment": N_("The request is recorded: it takes effect when an approver approves it."),
    "rectification": N_("The rectification is submitted: the buyer will answer it."),
    "rectification_answered": N_("Your answer to the rectification is recorded."),
    "contract_completed": N_("The contract is marked completed."),
    "contract_terminated": N_("The contract is terminated."),
    # Acceptance (履约验收)
    "created": N_(
        "The acceptance is set up: record each requirement's result and the recipients' opinions."
    ),
    "recorded": N_("The requirement's result is recorded."),
    "invited": N_("The service recipient is invited."),
    "opinion": N_("The recipient's opinion is recorded."),
    "submitted": N_("The result is submitted: it takes effect when another approver confirms it."),
    # Service reports and committee evaluations
    "report_draft": N_("Draft saved."),
    "report_submitted": N_("Report submitted. It is locked now: a correction is a new version."),
    "finding_recorded": N_("The finding is recorded. It is final."),
    "monitor_registered": N_("The resident monitor is registered and can sign in now."),
    "monitor_deactivated": N_("The resident monitor is deactivated and can no longer sign in."),
    "evaluation_draft": N_("Draft saved. Only our committee can see it until it is submitted."),
    "evaluation_submitted": N_(
        "Submitted. The buyer and the organization can now read the evaluation."
    ),
    "rubric_saved": N_("The rubric is saved."),
    # Surveys
    "round_opened": N_("The survey round is open: hand out the links to residents."),
    "round_closed": N_("The survey round is closed: no more answers are taken."),
    # Risk flags
    "flag_explained": N_("Your explanation is recorded on the flag."),
    "flag_resolved": N_("The flag is resolved."),
    "flag_dismissed": N_("The flag is dismissed."),
    "flag_reopened": N_("The flag is reopened."),
    # Approvals and oversight
    "approval_decided": N_("Your decision is recorded."),
    "work_request_filed": N_("The request is filed; the organization answers it here."),
    "work_request_answered": N_("Your answer is recorded."),
    "work_request_cited": N_("The report line now cites the request."),
    "decided": N_("Your decision is recorded."),
    "objected": N_(
        "Your objection is lodged: the settlement's effects wait for the regulator's decision."
    ),
    "rating_changed": N_("The credit rating is changed."),
    "debarred": N_("The debarment is recorded."),
    "debarment_lifted": N_("The debarment is lifted."),
    # Organizations
    "registered": N_("Your organization is registered."),
    "profile_saved": N_("The profile is saved."),
    "qualification_saved": N_("The qualification is saved."),
    "qualification_removed": N_("The qualification is removed."),
    # Expert pool
    "relationship_added": N_("The relationship is recorded."),
    "relationship_ended": N_("The end of the relationship is recorded."),
    # Challenges and complaints
    "challenge_filed": N_(
        "Your challenge was received. The buyer must answer it in writing by the date below."
    ),
    "answered": N_(
        "The answer was recorded and is shown to the challenger and the other suppliers of "
        "this tender."
    ),
    "corrected": N_("The corrective step was recorded."),
    "complaint_filed": N_("Your complaint was received by the finance department."),
    "admissibility": N_("Recorded."),
    "decision": N_("Recorded."),
    "suspension": N_("Recorded."),
    "lift": N_("Recorded."),
}


def notice_message(key: str | None) -> str | None:
    """The untranslated message for ``key``, or None for an unknown or empty key (an address
    typed by hand says nothing rather than failing)."""
    return NOTICES.get(key) if key else None


def done_url(path: str, key: str) -> str:
    """``path`` with ``done=key`` added to its query, before any ``#fragment``."""
    if key not in NOTICES:
        raise KeyError(f"unknown done-key {key!r}")
    base, hash_mark, fragment = path.partition("#")
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}{DONE_PARAM}={key}{hash_mark}{fragment}"


def see(path: str, done: str | None = None) -> Redirect:
    """Post/Redirect/Get: to ``path``, saying ``done``'s success notice there."""
    return Redirect(done_url(path, done) if done else path, status_code=HTTP_303_SEE_OTHER)
