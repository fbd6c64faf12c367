"""Tables of the remedies: a supplier's challenge, its complaint, the regulator's suspension."""

from enum import StrEnum

from piccolo.columns import Date, Serial, Text, Varchar
from piccolo.constraints import Check, Unique
from piccolo.table import Table

from procure.db.columns import created_at, enum_check, enum_column, optional_time, parent
from procure.organizations.tables import Organization
from procure.security.tables import User
from procure.tenders.tables import Tender


class ChallengeSubject(StrEnum):
    """What a challenge is against (94号令 第十条): the day the supplier knew or should have
    known runs from the tender's publication, the opening, or the award notice."""

    documents = "documents"
    process = "process"
    result = "result"


class ChallengeStatus(StrEnum):
    filed = "filed"
    upheld = "upheld"
    partly_upheld = "partly_upheld"
    rejected = "rejected"
    # An upheld challenge whose corrective step the buyer has taken.
    corrected = "corrected"


class CorrectiveStep(StrEnum):
    """What an upheld challenge leads to (94号令 第十六条)."""

    amend_documents = "amend_documents"
    re_evaluate = "re_evaluate"
    re_procure = "re_procure"


class ComplaintStatus(StrEnum):
    filed = "filed"
    accepted = "accepted"
    not_accepted = "not_accepted"
    upheld = "upheld"
    rejected = "rejected"


class SuspensionStatus(StrEnum):
    in_force = "in_force"
    lifted = "lifted"
    # Ran its full time; recorded when the next suspension of the tender is ordered.
    expired = "expired"


class Challenge(Table, tablename="challenge"):
    id: Serial  # the primary key Piccolo adds
    tender = parent(Tender)
    organization = parent(Organization)
    filed_by = parent(User)
    subject = enum_column(ChallengeSubject)
    status = enum_column(ChallengeStatus)
    grounds = Text(null=False)
    evidence = Text(null=False, default="")
    filed_at = created_at()
    # The day the challenge period ran from (publication, opening or award notice).
    knew_on = Date(null=True, default=None)
    answer = Text(null=False, default="")
    corrective_step = Varchar(length=32, null=False, default="")
    answered_by = parent(User, null=True)
    answered_at = optional_time()
    correction_note = Text(null=False, default="")
    corrected_by = parent(User, null=True)
    corrected_at = optional_time()

    # 94号令 第十一条: one challenge per procurement step, made at once.
    challenge_one_per_subject = Unique(["tender", "organization", "subject"])
    challenge_subject_valid = enum_check("subject", ChallengeSubject)
    challenge_status_valid = enum_check("status", ChallengeStatus)
    challenge_grounds_given = Check("length(grounds) > 0")
    challenge_answered_in_writing = Check("status = 'filed' OR length(answer) > 0")
    challenge_step_valid = Check(
        "corrective_step IN ('', 'amend_documents', 're_evaluate', 're_procure')"
    )
    challenge_upheld_names_step = Check(
        "status NOT IN ('upheld', 'partly_upheld', 'corrected') OR corrective_step <> ''"
    )


class Complaint(Table, tablename="complaint"):
    id: Serial  # the primary key Piccolo adds
    challenge = parent(Challenge)
    tender = parent(Tender)
    organization = parent(Organization)
    filed_by = parent(User)
    status = enum_column(ComplaintStatus)
    grounds = Text(null=False)
    filed_at = created_at()
    admissibility_reason = Text(null=False, default="")
    admitted_by = parent(User, null=True)
    admitted_at = optional_time()
    # The decision as published: without business secrets (94号令 第三十三条).
    public_text = Text(null=False, default="")
    decided_by = parent(User, null=True)
    decided_at = optional_time()

    complaint_one_per_challenge = Unique(["challenge"])
    complaint_status_valid = enum_check("status", ComplaintStatus)
    complaint_grounds_given = Check("length(grounds) > 0")
    complaint_refusal_has_reason = Check(
        "status <> 'not_accepted' OR length(admissibility_reason) > 0"
    )
    complaint_decision_published = Check(
        "status NOT IN ('upheld', 'rejected') OR length(public_text) > 0"
    )


class Suspension(Table, tablename="procurement_suspension"):
    id: Serial  # the primary key Piccolo adds
    tender = parent(Tender)
    complaint = parent(Complaint)
    ordered_by = parent(User)
    status = enum_column(SuspensionStatus)
    reason = Text(null=False)
    starts_at = created_at()
    ends_at = optional_time()
    lifted_by = parent(User, null=True)
    lifted_at = optional_time()
    lift_reason = Text(null=False, default="")
    # "tender:<id>" while in force: one suspension of a tender at a time.
    in_force_key = Varchar(length=40, null=True, default=None, unique=True)

    suspension_status_valid = enum_check("status", SuspensionStatus)
    suspension_reason_given = Check("length(reason) > 0")
    suspension_has_end = Check("ends_at IS NOT NULL")
