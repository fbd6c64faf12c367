"""The notifications' work in the worker: the domain events people are told of, the e-mails
sent with retries, deadline reminders and the daily digest. Nothing here runs in a request."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from procure import clock
from procure.calendar import local_day
from procure.i18n import local_time
from procure.jobs.events import SubjectType, Trigger
from procure.jobs.outbox import handles
from procure.jobs.schedule import periodic
from procure.notifications import selectors, services
from procure.notifications.tables import NotificationKind

#: How long before an explanation is due its organization is reminded.
EXPLANATION_REMINDER = timedelta(hours=6)


def _ids(payload: dict[str, Any], kind: SubjectType) -> list[int]:
    return [int(i) for i in payload.get("scope", {}).get(str(kind), [])]


async def _tell_explanations(bids: list[dict[str, Any]], kind: NotificationKind) -> int:
    accounts = await selectors.organization_accounts([bid["organization"] for bid in bids])
    told = 0
    for bid in bids:
        told += await services.notify(
            accounts.get(bid["organization"], []),
            kind=kind,
            key=f"{kind}:bid:{bid['id']}",
            link=f"/tenders/{bid['tender']}",
            data={"tender": bid["tender_title"], "due": local_time(bid["explanation_due_at"])},
        )
    return told


@handles(str(Trigger.explanation_requested))
async def explanation_requested(payload: dict[str, Any]) -> None:
    """Each organization asked to explain an abnormally low price, of its own bid only."""
    bids = await selectors.explanation_requests(_ids(payload, SubjectType.bid))
    await _tell_explanations(bids, NotificationKind.explanation_requested)


@handles(str(Trigger.award))
async def award(payload: dict[str, Any]) -> None:
    """Every organization whose bid was opened learns the result: won, or not."""
    for tender_id in _ids(payload, SubjectType.tender):
        outcome = await selectors.award_outcome(tender_id)
        if outcome is None:
            continue
        accounts = await selectors.organization_accounts(outcome["bidders"])
        for organization in outcome["bidders"]:
            kind = (
                NotificationKind.award_won
                if organization == outcome["winner"]
                else NotificationKind.award_lost
            )
            await services.notify(
                accounts.get(organization, []),
                kind=kind,
                key=f"award:tender:{tender_id}",
                link=f"/tenders/{tender_id}",
                data={"tender": outcome["title"], "standstill": outcome["standstill"]},
            )


@handles(str(Trigger.approval_requested))
async def approval_requested(payload: dict[str, Any]) -> None:
    """The department's approvers (never the handler who asked) learn that a step waits."""
    for approval_id in _ids(payload, SubjectType.approval):
        approval, approvers = await selectors.approvers_for(approval_id)
        if approval is None:
            continue
        await services.notify(
            approvers,
            kind=NotificationKind.approval_waiting,
            key=f"approval:{approval_id}",
            link="/approvals",
            data={"summary": approval["summary"]},
        )


@handles(str(Trigger.clarification_answered))
async def clarification_answered(payload: dict[str, Any]) -> None:
    """The organization that asked learns that its question is answered (others read the
    answer with the tender; the asker's name is shown to nobody)."""
    for clarification_id in _ids(payload, SubjectType.clarification):
        asked = await selectors.clarification_asked(clarification_id)
        if asked is None:
            continue
        accounts = await selectors.organization_accounts([asked["asked_by"]])
        await services.notify(
            accounts.get(asked["asked_by"], []),
            kind=NotificationKind.clarification_answered,
            key=f"clarification:{clarification_id}",
            link=f"/tenders/{asked['tender']}",
            data={"tender": asked["tender_title"]},
        )


@handles(services.EMAIL_EVENT)
async def send_email(payload: dict[str, Any]) -> None:
    """Send one e-mail; an SMTP refusal fails the event, which the outbox retries later."""
    await services.email_send(int(payload["email"]))


@periodic(
    "notifications.deadlines",
    cron="*/10 * * * *",
    description="reminds organizations of explanations due within 6 hours, once each",
)
async def remind_deadlines() -> int:
    """Returns how many reminders were sent now (each bid's reminder goes once: its key)."""
    now = clock.now()
    bids = await selectors.explanations_due_by(now, now + EXPLANATION_REMINDER)
    return await _tell_explanations(bids, NotificationKind.explanation_due_soon)


@periodic(
    "notifications.digest",
    cron="0 10 * * *",
    description="e-mails each user one digest of the day's notifications they chose it for "
    "(10:00 UTC, 18:00 in Beijing)",
)
async def daily_digest() -> int:
    return await services.digest_send(local_day(clock.now()))
