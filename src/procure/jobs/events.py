"""The domain events a write records in its own transaction (the outbox's vocabulary).

A service names what happened (a ``Trigger``) and to what (``SubjectType`` → ids); it never
calls the risk engine or any other consumer itself. Workers hand the event to its consumers.
"""

from __future__ import annotations

from enum import StrEnum


class SubjectType(StrEnum):
    tender = "tender"
    bid = "bid"
    contract = "contract"
    organization = "organization"
    buyer = "buyer"
    procuring_entity = "procuring_entity"
    survey_round = "survey_round"
    approval = "approval"
    clarification = "clarification"
    risk_flag = "risk_flag"
    risk_flag_event = "risk_flag_event"


class Trigger(StrEnum):
    """Events after which the risk rules that name them run again, incrementally, and of which
    the people concerned are told (procure.notifications)."""

    tender_published = "tender_published"
    bids_opened = "bids_opened"
    evaluation_submitted = "evaluation_submitted"
    award = "award"
    contract_signed = "contract_signed"
    amendment_signed = "amendment_signed"
    report_submitted = "report_submitted"
    report_overdue = "report_overdue"
    # A drawn unit of a sealed spot-check found delivered, not delivered or not reached.
    verification_recorded = "verification_recorded"
    survey_closed = "survey_closed"
    performance_settled = "performance_settled"
    ocds_imported = "ocds_imported"
    explanation_requested = "explanation_requested"
    approval_requested = "approval_requested"
    clarification_answered = "clarification_answered"
    risk_flag_raised = "risk_flag_raised"
    risk_flag_decided = "risk_flag_decided"
