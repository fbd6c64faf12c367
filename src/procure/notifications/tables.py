"""The notifications' tables: each user's inbox, their preferences, and the e-mails to send."""

from __future__ import annotations

from enum import StrEnum

from piccolo.columns import JSON, Serial, Text, Varchar
from piccolo.constraints import Unique
from piccolo.table import Table

from procure.catalog.tables import CategoryCode
from procure.db.columns import created_at, enum_check, enum_column, optional_time, parent
from procure.organizations.tables import Organization
from procure.security.tables import User


class NotificationKind(StrEnum):
    """What a notification is about; each user chooses a channel per kind."""

    explanation_requested = "explanation_requested"  # 异常低价: explain within the period
    explanation_due_soon = "explanation_due_soon"  # the explanation period ends soon
    award_won = "award_won"  # 中标
    award_lost = "award_lost"  # 未中标
    approval_waiting = "approval_waiting"  # a step waits for the approver
    clarification_answered = "clarification_answered"  # 澄清答复 to the organization that asked
    risk_flag_raised = "risk_flag_raised"  # 风险预警 on a matter one is a party to
    risk_flag_decided = "risk_flag_decided"  # a flag one is a party to explained, closed, reopened
    challenge_closing = "challenge_closing"  # 质疑期 ends soon, to the losing bidders
    survey_closing = "survey_closing"  # a survey round closes soon, to its committee
    report_due_soon = "report_due_soon"  # a service report is due soon, to the organization
    tender_matching = "tender_matching"  # a tender published in a category the organization follows
    bid_deadline_soon = "bid_deadline_soon"  # bids close soon, to followers that have not bid


class Channel(StrEnum):
    inbox = "inbox"  # the inbox only (the default)
    email = "email"  # the inbox and an e-mail at once
    digest = "digest"  # the inbox and the next daily digest e-mail
    off = "off"  # nothing


class EmailMessage(Table, tablename="email_message"):
    """One e-mail to send; its outbox event (``notifications.email``) sends it, with retries."""

    id: Serial

    recipient = parent(User, cascade=True)
    address = Varchar(length=254, null=False)
    subject = Varchar(length=300, null=False)
    body = Text(null=False)
    created_at = created_at()
    sent_at = optional_time()


class Notification(Table, tablename="notification"):
    """One thing one user is told; ``key`` makes a consumer that runs twice tell them once."""

    id: Serial

    recipient = parent(User, cascade=True)
    kind = enum_column(NotificationKind)
    key = Varchar(length=200, null=False)
    link = Varchar(length=300, null=False, default="")
    data = JSON(null=False, default="{}")
    channel = enum_column(Channel)
    created_at = created_at()
    read_at = optional_time()
    email = parent(EmailMessage, null=True)

    notification_once = Unique(["recipient", "key"])
    notification_kind_valid = enum_check("kind", NotificationKind)
    notification_channel_valid = enum_check("channel", Channel)


class NotificationPreference(Table, tablename="notification_preference"):
    """A user's channel for one kind of notification (no row: the inbox)."""

    id: Serial

    user = parent(User, cascade=True)
    kind = enum_column(NotificationKind)
    channel = enum_column(Channel)

    notification_preference_once = Unique(["user", "kind"])
    notification_preference_kind_valid = enum_check("kind", NotificationKind)
    notification_preference_channel_valid = enum_check("channel", Channel)


class OrganizationCategory(Table, tablename="organization_category"):
    """A catalogue category an organization follows: it is told of each tender published in
    it (its accounts choose them on the preferences page)."""

    id: Serial

    organization = parent(Organization, cascade=True)
    category = enum_column(CategoryCode)

    organization_category_once = Unique(["organization", "category"])
    organization_category_valid = enum_check("category", CategoryCode)
