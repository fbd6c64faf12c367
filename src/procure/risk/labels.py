"""What the pages and the exports call severities, statuses, subjects and datasets: one table,
translated where it is shown."""

from __future__ import annotations

from procure import i18n
from procure.risk.registry import SubjectType
from procure.risk.tables import FlagStatus, Severity


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated where it is shown."""
    return message


LABELS: dict[str, dict[str, str]] = {
    "severity": {
        Severity.high: N_("High"),
        Severity.medium: N_("Medium"),
        Severity.low: N_("Low"),
    },
    "status": {
        # "Open" already means a survey round that takes answers (进行中); an open flag waits
        # for someone to act on it.
        FlagStatus.open: N_("Pending"),
        FlagStatus.explained: N_("Explained"),
        FlagStatus.resolved: N_("Resolved"),
        FlagStatus.dismissed: N_("Dismissed"),
    },
    "subject": {
        SubjectType.tender: N_("Tender"),
        SubjectType.bid: N_("Bid"),
        SubjectType.contract: N_("Contract"),
        SubjectType.organization: N_("Organization"),
        SubjectType.buyer: N_("Buyer"),
        SubjectType.procuring_entity: N_("Procuring entity"),
        SubjectType.survey_round: N_("Survey round"),
    },
    "dataset": {
        "platform": N_("This platform"),
        "external": N_("Imported OCDS data"),
    },
}


def label(locale: str, kind: str, value: str) -> str:
    """The label of a value in the language asked for; an unknown value shows as itself."""
    message = LABELS[kind].get(value)
    return i18n.translations(locale).gettext(message) if message else value
