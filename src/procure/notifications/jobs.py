"""The notifications' work in the worker: the domain events people are told of, the e-mails
sent with retries, deadline reminders and the daily digest. Nothing here runs in a request."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from procure import clock
from procure.calendar import local_day
from procure.i18n import local_time
from procure.jobs.events import SubjectType, Trigger
from procure.jobs.outbox import handles
from procure.jobs.schedule import periodic
from procure.notifications import selectors, services
from procure.notifications.tables import NotificationKind
from procure.policy import get_policy
from procure.reports.selectors import reports_due_between

#: The flags of the platform's own processes (imported OCDS data has no party here).
PLATFORM_DATASET = "platform"

#: How long before an explanation is due its organization is reminded.
EXPLANATION_REMINDER = timedelta(hours=6)


def _ids(payload: dict[str, Any], kind: SubjectType) -> list[int]:
    return [int(i) for i in payload.get("scope", {}).get(str(kind), [])]


async def _tell_organizations(
    organizations: list[int],
    *,
    kind: NotificationKind,
    key: str,
    link: str,
    data: dict[str, Any],
) -> int:
    """Every active account of each organization, told once per ``key``."""
    accounts = await selectors.organization_accounts(organizations)
    recipients = [user for organization in organizations for user in accounts.get(organization, [])]
    return await services.notify(recipients, kind=kind, key=key, link=link, data=data)


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
        won = [o for o in outcome["bidders"] if o == outcome["winner"]]
        lost = [o for o in outcome["bidders"] if o != outcome["winner"]]
        for organizations, kind in (
            (won, NotificationKind.award_won),
            (lost, NotificationKind.award_lost),
        ):
            await _tell_organizations(
                organizations,
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
        await _tell_organizations(
            [asked["asked_by"]],
            kind=NotificationKind.clarification_answered,
            key=f"clarification:{clarification_id}",
            link=f"/tenders/{asked['tender']}",
            data={"tender": asked["tender_title"]},
        )


@handles(str(Trigger.tender_published))
async def tender_published(payload: dict[str, Any]) -> None:
    """The organizations following a catalogue category of the tender's items learn of it."""
    for tender_id in _ids(payload, SubjectType.tender):
        tender, organizations = await selectors.tender_followers(tender_id)
        if tender is None:
            continue
        await _tell_organizations(
            organizations,
            kind=NotificationKind.tender_matching,
            key=f"tender_matching:tender:{tender_id}",
            link=f"/tenders/{tender_id}",
            data={"tender": tender["title"], "due": local_time(tender["submission_deadline"])},
        )


@handles(str(Trigger.risk_flag_raised))
async def risk_flag_raised(payload: dict[str, Any]) -> None:
    """The parties to a flag the platform's rules opened (or opened again) are told of it; a
    flag on imported data (no party on the platform) tells nobody."""
    for flag in await selectors.flags_raised(_ids(payload, SubjectType.risk_flag)):
        if flag["dataset"] != PLATFORM_DATASET:
            continue
        await services.notify(
            await selectors.flag_audience(flag),
            kind=NotificationKind.risk_flag_raised,
            key=f"risk_flag_raised:{flag['id']}:{flag['opened']}",
            link=f"/risk/flags/{flag['id']}",
            data={"rule": flag["rule"]},
        )


@handles(str(Trigger.risk_flag_decided))
async def risk_flag_decided(payload: dict[str, Any]) -> None:
    """A person's step on a flag (explained, resolved, dismissed, reopened) is told to the
    flag's other parties, never to the one who took it."""
    for event_id in _ids(payload, SubjectType.risk_flag_event):
        step = await selectors.flag_step_taken(event_id)
        if step is None:
            continue
        audience = [u for u in await selectors.flag_audience(step) if u["id"] != step["actor"]]
        await services.notify(
            audience,
            kind=NotificationKind.risk_flag_decided,
            key=f"risk_flag_decided:{event_id}",
            link=f"/risk/flags/{step['id']}",
            data={"rule": step["rule"], "status": step["to_status"]},
        )


@handles(services.EMAIL_EVENT)
async def send_email(payload: dict[str, Any]) -> None:
    """Send one e-mail; an SMTP refusal fails the event, which the outbox retries later."""
    await services.email_send(int(payload["email"]))


@periodic(
    "notifications.deadlines",
    cron="*/10 * * * *",
    description="reminds people of deadlines: explanations due within 6 hours; bids (to "
    "organizations following the tender's categories that have not bid), challenge windows, "
    "survey rounds and service reports closing within the policy's [notifications] "
    "remind_before_hours; each once",
)
async def remind_deadlines() -> int:
    """Returns how many reminders were sent now (each goes once: its key)."""
    now = clock.now()
    bids = await selectors.explanations_due_by(now, now + EXPLANATION_REMINDER)
    told = await _tell_explanations(bids, NotificationKind.explanation_due_soon)
    until = now + timedelta(hours=get_policy().notifications.remind_before_hours)
    told += await _remind_bids(now, until)
    told += await _remind_challenges(now, until)
    told += await _remind_surveys(now, until)
    told += await _remind_reports(local_day(now), local_day(until))
    return told


async def _remind_bids(now: datetime, until: datetime) -> int:
    """The organizations following a tender's categories that have not bid, before bids close."""
    told = 0
    for tender in await selectors.bids_closing(now, until):
        told += await _tell_organizations(
            tender["organizations"],
            kind=NotificationKind.bid_deadline_soon,
            key=f"bid_deadline_soon:tender:{tender['id']}",
            link=f"/tenders/{tender['id']}",
            data={"tender": tender["title"], "due": local_time(tender["submission_deadline"])},
        )
    return told


async def _remind_challenges(now: datetime, until: datetime) -> int:
    """The losing bidders, before the award's challenge window (质疑期) closes."""
    told = 0
    for tender in await selectors.challenges_closing(now, until):
        told += await _tell_organizations(
            tender["losers"],
            kind=NotificationKind.challenge_closing,
            key=f"challenge_closing:tender:{tender['id']}",
            link=f"/tenders/{tender['id']}",
            data={"tender": tender["title"], "due": tender["standstill"]},
        )
    return told


async def _remind_surveys(now: datetime, until: datetime) -> int:
    """The residents' committee running a survey round, before the round closes."""
    told = 0
    for round_ in await selectors.surveys_closing(now, until):
        told += await services.notify(
            round_["committee"],
            kind=NotificationKind.survey_closing,
            key=f"survey_closing:round:{round_['id']}",
            link=f"/surveys/rounds/{round_['id']}/results",
            data={
                "contract": round_["contract"],
                "period": round_["period"],
                "due": local_time(round_["closes_at"]),
            },
        )
    return told


async def _remind_reports(first: date, last: date) -> int:
    """The organization of a contract, before a period's service report is due (not for a
    report already submitted)."""
    due = await reports_due_between(first, last)
    accounts = await selectors.organization_accounts([r["organization"] for r in due])
    told = 0
    for report in due:
        told += await services.notify(
            accounts.get(report["organization"], []),
            kind=NotificationKind.report_due_soon,
            key=f"report_due_soon:contract:{report['contract']}:{report['period']}",
            link=f"/contracts/{report['contract']}/reports/{report['period']}",
            data={
                "contract": report["reference"],
                "period": report["period"],
                "due": report["due_on"].isoformat(),
            },
        )
    return told


@periodic(
    "notifications.digest",
    cron="0 10 * * *",
    description="e-mails each user one digest of the day's notifications they chose it for "
    "(10:00 UTC, 18:00 in Beijing)",
)
async def daily_digest() -> int:
    return await services.digest_send(local_day(clock.now()))
