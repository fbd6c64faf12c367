"""Writes about notifications: telling users (inbox row, e-mail to send), marking them read,
their preferences, and sending an e-mail or a digest. Called by the area's jobs and pages; a
domain service never calls this: it records an event, which the worker hands to ``jobs``."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Any

from procure import clock
from procure.catalog.tables import CategoryCode
from procure.db import transaction
from procure.errors import InvalidInput, NotFound
from procure.i18n import N_
from procure.jobs import emit
from procure.notifications import mail, messages
from procure.notifications.selectors import channels_of, contact_of, digest_due
from procure.notifications.tables import (
    Channel,
    EmailMessage,
    Notification,
    NotificationKind,
    NotificationPreference,
    OrganizationCategory,
)
from procure.security.actors import Actor
from procure.security.services import user_contact_update
from procure.settings import get_settings

EMAIL_EVENT = "notifications.email"


async def notify(
    recipients: list[dict[str, Any]],
    *,
    kind: NotificationKind,
    key: str,
    link: str,
    data: Mapping[str, Any],
) -> int:
    """Tell each recipient (rows with id, email, locale) once per ``key``, by the channel they
    chose for ``kind``; returns how many were told now. One transaction: the inbox row, the
    e-mail and its outbox event commit together."""
    told = 0
    async with transaction():
        for user in recipients:
            channel = (await channels_of(user["id"])).get(kind, Channel.inbox)
            if channel == Channel.off:
                continue
            rows = (
                await Notification.insert(
                    Notification(
                        recipient=user["id"],
                        kind=kind,
                        key=key[:200],
                        link=link,
                        data=json.dumps(dict(data), ensure_ascii=False),
                        channel=channel,
                    )
                )
                .on_conflict(target=(Notification.recipient, Notification.key), action="DO NOTHING")
                .returning(Notification.id)
            )
            if not rows:
                continue  # told already (the event was delivered twice)
            told += 1
            if channel == Channel.email and user["email"] and mail.email_enabled():
                subject, body = messages.email_one(
                    kind=kind,
                    data=data,
                    link=link,
                    locale=messages.locale_of(user["locale"]),
                    site_url=get_settings().site_url,
                )
                email_id = await _queue_email(user["id"], user["email"], subject, body)
                await Notification.update({Notification.email: email_id}).where(
                    Notification.id == rows[0]["id"]
                )
    return told


async def _queue_email(user_id: int, address: str, subject: str, body: str) -> int:
    rows = await EmailMessage.insert(
        EmailMessage(recipient=user_id, address=address, subject=subject, body=body)
    ).returning(EmailMessage.id)
    email_id = int(rows[0]["id"])
    await emit(EMAIL_EVENT, {"email": email_id})
    return email_id


async def email_send(email_id: int) -> bool:
    """Send one queued e-mail (the ``notifications.email`` job); False when it was sent already.
    A refusal raises, so the outbox retries it with a growing delay."""
    row = await EmailMessage.select().where(EmailMessage.id == email_id).first()
    if row is None or row["sent_at"] is not None:
        return False
    await mail.send(to=row["address"], subject=row["subject"], body=row["body"])
    await EmailMessage.update({EmailMessage.sent_at: clock.now()}).where(
        EmailMessage.id == email_id
    )
    return True


async def digest_send(day: date) -> int:
    """One e-mail per user with the digest items no digest has carried yet; returns how many
    e-mails were queued. Each user's e-mail and the marks on its items commit together."""
    if not mail.email_enabled():
        return 0
    queued = 0
    for user_id, items in (await digest_due()).items():
        contact = await contact_of(user_id)
        subject, body = messages.email_digest(
            items=items,
            day=day.isoformat(),
            locale=messages.locale_of(contact["locale"]),
            site_url=get_settings().site_url,
        )
        async with transaction():
            email_id = await _queue_email(user_id, contact["email"], subject, body)
            await Notification.update({Notification.email: email_id}).where(
                Notification.id.is_in([item["id"] for item in items]) & Notification.email.is_null()
            )
        queued += 1
    return queued


async def notifications_mark_read(*, actor: Actor, notification_ids: list[int] | None) -> int:
    """Mark the user's own notifications read (the ones named, or all); returns how many."""
    condition = (Notification.recipient == actor.id) & Notification.read_at.is_null()
    if notification_ids is not None:
        if not notification_ids:
            raise InvalidInput("ids", N_("name at least one notification"))
        condition &= Notification.id.is_in(notification_ids)
        owned = await Notification.count().where(
            (Notification.recipient == actor.id) & Notification.id.is_in(notification_ids)
        )
        if owned != len(set(notification_ids)):
            raise NotFound(N_("notification not found"))
    async with transaction():
        rows = await (
            Notification.update({Notification.read_at: clock.now()})
            .where(condition)
            .returning(Notification.id)
        )
    return len(rows)


def parse_channels(form: Mapping[str, str]) -> dict[NotificationKind, Channel]:
    """Each kind's channel from a form or JSON body (``<kind>`` → channel); a kind not given
    keeps its default, the inbox; an unknown channel is refused, naming the kind."""
    channels: dict[NotificationKind, Channel] = {}
    for kind in NotificationKind:
        value = form.get(str(kind))
        if value is None or value == "":
            continue
        try:
            channels[kind] = Channel(value)
        except ValueError:
            raise InvalidInput(str(kind), N_("must be one of: inbox, email, digest, off")) from None
    return channels


def parse_categories(values: list[str]) -> list[CategoryCode]:
    """The catalogue categories chosen; an unknown one is refused."""
    try:
        return sorted({CategoryCode(value) for value in values if value})
    except ValueError:
        raise InvalidInput(
            "categories",
            N_("must be catalogue categories: approval, care, mutual_aid, capacity, technology"),
        ) from None


async def preferences_save(
    *,
    actor: Actor,
    channels: Mapping[NotificationKind, Channel],
    email: str,
    locale: str,
    categories: list[CategoryCode] | None = None,
) -> None:
    """The user's channel per kind, e-mail address and language, and (for an organization's
    account, when given) the catalogue categories its organization follows, in one
    transaction."""
    async with transaction():
        await user_contact_update(actor=actor, email=email, locale=locale)
        if categories is not None and actor.organization_id is not None:
            await OrganizationCategory.delete().where(
                OrganizationCategory.organization == actor.organization_id
            )
            for category in categories:
                await OrganizationCategory.insert(
                    OrganizationCategory(organization=actor.organization_id, category=category)
                )
        for kind, channel in channels.items():
            await NotificationPreference.insert(
                NotificationPreference(user=actor.id, kind=kind, channel=channel)
            ).on_conflict(
                target=(NotificationPreference.user, NotificationPreference.kind),
                action="DO UPDATE",
                values=[NotificationPreference.channel],
            )
