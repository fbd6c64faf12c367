"""What each kind of notification says, in the recipient's language, and where it links."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from procure import i18n
from procure.i18n import N_
from procure.notifications.tables import Channel, NotificationKind

DEFAULT_LOCALE = "zh-CN"

#: Each kind's line, with its data's fields (the inbox shows it in the reader's language).
TITLES: dict[str, str] = {
    NotificationKind.explanation_requested: N_(
        "Your bid for “%(tender)s” is abnormally low: explain the price in writing by %(due)s, "
        "or the committee may reject the bid"
    ),
    NotificationKind.explanation_due_soon: N_(
        "Reminder: the explanation of your abnormally low price for “%(tender)s” is due by %(due)s"
    ),
    NotificationKind.award_won: N_("Your bid won the tender “%(tender)s” (中标)"),
    NotificationKind.award_lost: N_(
        "The tender “%(tender)s” was awarded to another bidder; you may challenge the result "
        "until %(standstill)s"
    ),
    NotificationKind.approval_waiting: N_("A step waits for your approval: %(summary)s"),
    NotificationKind.clarification_answered: N_(
        "Your question on “%(tender)s” is answered: the answer is published with the tender"
    ),
    NotificationKind.risk_flag_raised: N_(
        "A risk flag (%(rule)s) was raised on a matter you are a party to: read it, and explain "
        "it if you can"
    ),
    NotificationKind.risk_flag_decided: N_("The risk flag (%(rule)s) changed"),
    NotificationKind.challenge_closing: N_(
        "The challenge period (质疑期) of “%(tender)s” ends at %(due)s: challenge the result "
        "before then if you mean to"
    ),
    NotificationKind.survey_closing: N_(
        "The residents' survey on contract %(contract)s (%(period)s) closes at %(due)s"
    ),
    NotificationKind.report_due_soon: N_(
        "The service report of contract %(contract)s for %(period)s is due on %(due)s"
    ),
    NotificationKind.tender_matching: N_(
        "A new tender in a category you follow: “%(tender)s”; bids are due by %(due)s"
    ),
    NotificationKind.bid_deadline_soon: N_(
        "Bids for “%(tender)s”, in a category you follow, close at %(due)s"
    ),
}

#: A decision's line, by the flag's new status (the kind's line is the fallback).
DECISION_TITLES: dict[str, str] = {
    "explained": N_("The risk flag (%(rule)s) was explained"),
    "resolved": N_("The risk flag (%(rule)s) was resolved: the risk was dealt with"),
    "dismissed": N_("The risk flag (%(rule)s) was dismissed as unfounded"),
    "open": N_("The risk flag (%(rule)s) was reopened for another look"),
}

#: How the preferences page names each kind.
KIND_LABELS: dict[str, str] = {
    NotificationKind.explanation_requested: N_("You are asked to explain an abnormally low price"),
    NotificationKind.explanation_due_soon: N_("An explanation is due soon"),
    NotificationKind.award_won: N_("Your bid won"),
    NotificationKind.award_lost: N_("Your bid did not win"),
    NotificationKind.approval_waiting: N_("A step waits for your approval"),
    NotificationKind.clarification_answered: N_("Your question about a tender is answered"),
    NotificationKind.risk_flag_raised: N_("A risk flag is raised on a matter of yours"),
    NotificationKind.risk_flag_decided: N_("A risk flag of yours is explained, closed or reopened"),
    NotificationKind.challenge_closing: N_("The challenge period of a result ends soon"),
    NotificationKind.survey_closing: N_("A survey round of your committee closes soon"),
    NotificationKind.report_due_soon: N_("A service report is due soon"),
    NotificationKind.tender_matching: N_("A tender is published in a category you follow"),
    NotificationKind.bid_deadline_soon: N_(
        "Bids close soon for a tender in a category you follow (and you have not bid)"
    ),
}

CHANNEL_LABELS: dict[str, str] = {
    Channel.inbox: N_("Inbox only"),
    Channel.email: N_("Inbox and e-mail at once"),
    Channel.digest: N_("Inbox and the daily digest e-mail"),
    Channel.off: N_("Off"),
}


def locale_of(stored: str | None) -> str:
    """A user's stored language, or the default when none (or an unknown one) is stored."""
    return stored if stored in i18n.LOCALES else DEFAULT_LOCALE


def title(kind: str, data: Mapping[str, Any], locale: str) -> str:
    message = TITLES[kind]
    if kind == NotificationKind.risk_flag_decided:
        message = DECISION_TITLES.get(str(data.get("status", "")), message)
    return i18n.gettext(locale, message, **dict(data))


def email_one(
    *, kind: str, data: Mapping[str, Any], link: str, locale: str, site_url: str
) -> tuple[str, str]:
    """The subject and body of the e-mail sent at once."""
    line = title(kind, data, locale)
    body = "\n\n".join(
        [
            line,
            f"{site_url.rstrip('/')}{link}",
            _footer(locale, site_url),
        ]
    )
    return f"[procure] {line}"[:300], body


def email_digest(
    *, items: list[dict[str, Any]], day: str, locale: str, site_url: str
) -> tuple[str, str]:
    """The subject and body of a user's daily digest."""
    subject = i18n.gettext(
        locale, N_("[procure] Your digest of %(day)s: %(count)s items"), day=day, count=len(items)
    )
    lines = [
        f"- {title(item['kind'], item['data'], locale)}\n  {site_url.rstrip('/')}{item['link']}"
        for item in items
    ]
    return subject[:300], "\n\n".join(["\n".join(lines), _footer(locale, site_url)])


def _footer(locale: str, site_url: str) -> str:
    return i18n.gettext(
        locale,
        N_("Choose what you are told, and how: %(url)s"),
        url=f"{site_url.rstrip('/')}/notifications/preferences",
    )
