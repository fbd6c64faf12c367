"""The deadlines job reminds the people a deadline concerns, once, within the policy's lead
time: a survey round's committee, a service report's organization (not when it is submitted)."""

from __future__ import annotations

from datetime import date, timedelta

from procure import clock
from procure.contracts.tables import Contract
from procure.notifications import jobs
from procure.notifications.jobs import remind_deadlines
from procure.notifications.messages import title
from procure.notifications.tables import Notification
from procure.policy import get_policy
from procure.reports.selectors import reports_due_between
from procure.reports.tables import ServiceReport
from procure.surveys.tables import RoundStatus, SurveyRound
from tests.notifications.test_triggers import told
from tests.risk.flag_helpers import HT_007

COMMITTEES = ("committee", "committee2")
OTHERS = ("org", "org2", "org3", "buyer", "buyer2", "regulator", "auditor")


async def test_a_survey_round_closing_soon_is_told_to_its_committee_once(database: object) -> None:
    assert get_policy().notifications.remind_before_hours == 48
    model = await SurveyRound.select().where(SurveyRound.contract.reference == HT_007).first()
    assert model is not None
    rows = await SurveyRound.insert(
        SurveyRound(
            contract=model["contract"],
            community=model["community"],
            template=model["template"],
            period="2099-01",
            opens_at=clock.now() - timedelta(days=5),
            closes_at=clock.now() + timedelta(hours=72),
            status=RoundStatus.open,
        )
    ).returning(SurveyRound.id)
    round_id = rows[0]["id"]
    key = f"survey_closing:round:{round_id}"
    try:
        await Notification.delete().where(Notification.key == key)
        await remind_deadlines()  # 72 hours ahead: not yet
        assert await Notification.count().where(Notification.key == key) == 0
        await SurveyRound.update({SurveyRound.closes_at: clock.now() + timedelta(hours=30)}).where(
            SurveyRound.id == round_id
        )
        await remind_deadlines()
        await remind_deadlines()
        told_rows = await Notification.select(
            Notification.recipient.community.as_alias("community"),
            Notification.recipient.role.as_alias("role"),
        ).where(Notification.key == key)
        assert told_rows
        assert all(
            r["community"] == model["community"] and r["role"] == "committee" for r in told_rows
        )
        told_names = [u for u in COMMITTEES + OTHERS if await told(u, "survey_closing", key)]
        assert len(told_names) == 1 and len(await told(told_names[0], "survey_closing", key)) == 1
        [row] = await told(told_names[0], "survey_closing", key)
        assert row["link"] == f"/surveys/rounds/{round_id}/results"
        assert "2099-01" in title("survey_closing", row["data"], "zh-CN")
    finally:
        await Notification.delete().where(Notification.key == key)
        await SurveyRound.delete().where(SurveyRound.id == round_id)


async def test_a_report_due_soon_is_told_to_the_contracts_organization_once(
    database: object,
) -> None:
    contract = await Contract.select(Contract.id).where(Contract.reference == HT_007).first()
    assert contract is not None
    due = await reports_due_between(date(2000, 1, 1), date(2100, 1, 1))
    mine = [r for r in due if r["contract"] == contract["id"]]
    assert mine, "HT-2026-007 has a report not submitted"
    report = mine[0]
    key = f"report_due_soon:contract:{contract['id']}:{report['period']}"
    await Notification.delete().where(Notification.key == key)
    assert await jobs._remind_reports(report["due_on"], report["due_on"]) >= 1
    await jobs._remind_reports(report["due_on"] - timedelta(days=1), report["due_on"])
    [row] = await told("org", "report_due_soon", key)  # 心连心 holds HT-2026-007
    assert row["link"] == f"/contracts/{contract['id']}/reports/{report['period']}"
    assert row["data"]["due"] == report["due_on"].isoformat()
    assert "服务报告" in title("report_due_soon", row["data"], "zh-CN")
    for other in ("org2", "org3", "buyer2", "committee", "regulator"):
        assert await told(other, "report_due_soon", key) == []
    # A period whose report was submitted is never listed.
    submitted = await ServiceReport.select(ServiceReport.period).where(
        (ServiceReport.contract == contract["id"]) & ServiceReport.submitted_at.is_not_null()
    )
    assert submitted, "HT-2026-007 has submitted reports"
    assert not {r["period"] for r in submitted} & {r["period"] for r in mine}
    await Notification.delete().where(Notification.key == key)
