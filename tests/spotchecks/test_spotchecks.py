"""Sealed spot-checks through the API: a seed committed before the period, sealed until the
report is submitted, revealed by the submission and drawing a reproducible sample that the
neighborhood committee verifies. The clock stands at 2026-05-20 (Asia/Shanghai)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from procure.contracts.tables import Contract
from procure.errors import Conflict
from procure.jobs import outbox
from procure.jobs.schedule import periodic_jobs
from procure.keyring import Keyring, get_keyring
from procure.reports.selectors import submitted_report
from procure.risk.tables import RiskFlag
from procure.spotchecks.jobs import commit_and_reveal
from procure.spotchecks.sampling import draw_sample, sample_size, unit_key
from procure.spotchecks.services import (
    seed_reveal,
    spotcheck_seeds_commit,
    spotcheck_seeds_rotate,
)
from procure.spotchecks.tables import SpotCheckSeed, VerificationTask
from tests.conftest import login
from tests.reports.conftest import MakeContract, in_scope, report

pytestmark = pytest.mark.usefixtures("report_clock")

TODAY = date(2026, 5, 20)


def visits(count: int, prefix: str = "HV") -> list[dict[str, str]]:
    return [{"kind": "household_visit", "code": f"{prefix}-{i:04d}"} for i in range(1, count + 1)]


def units_body(contract: dict[str, Any]) -> dict[str, Any]:
    first, second = contract["scope_line_ids"]
    return report(
        in_scope(first, units=visits(8)),
        in_scope(
            second,
            description="长者小组活动",
            units=[
                {"kind": "session", "code": "S-0501"},
                {"kind": "beneficiary_group", "code": "G-ELDER-1"},
            ],
        ),
    )


def spotchecks_url(contract: dict[str, Any]) -> str:
    return f"/api/v1/contracts/{contract['id']}/spotchecks/"


def period_of(body: dict[str, Any], label: str) -> dict[str, Any]:
    return next(p for p in body["periods"] if p["period"] == label)


async def submitted(client: AsyncTestClient, org: dict[str, str], contract: dict[str, Any]) -> None:
    url = f"/api/v1/contracts/{contract['id']}/reports/2026-04"
    saved = await client.put(f"{url}/draft", json=units_body(contract), headers=org)
    assert saved.status_code == 200, saved.text
    done = await client.post(f"{url}/submit", headers=org)
    assert done.status_code == 200, done.text


async def test_sealed_until_submitted_then_reproducible(
    client: AsyncTestClient, as_user: Any, make_contract: MakeContract
) -> None:
    contract = await make_contract()
    org, committee = await as_user("org"), await as_user("committee")
    await spotcheck_seeds_commit(TODAY)
    assert await spotcheck_seeds_commit(TODAY) == 0  # idempotent

    before = await client.get(spotchecks_url(contract), headers=org)
    assert before.status_code == 200, before.text
    # The periods begun or beginning within 31 days are committed; none is revealed.
    labels = [p["period"] for p in before.json()["periods"]]
    assert labels == ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]
    april = period_of(before.json(), "2026-04")
    assert len(april["commitment"]) == 64
    assert (april["revealed_seed"], april["tasks"], april["delivery"]) == (None, [], None)

    # The organization's draft lists its units; the sample is still sealed, to it and to all.
    url = f"/api/v1/contracts/{contract['id']}/reports/2026-04"
    saved = await client.put(f"{url}/draft", json=units_body(contract), headers=org)
    assert saved.status_code == 200, saved.text
    assert [u["code"] for u in saved.json()["report"]["lines"][1]["units"]] == [
        "S-0501",
        "G-ELDER-1",
    ]
    for who in (org, committee):
        sealed = period_of(
            (await client.get(spotchecks_url(contract), headers=who)).json(), "2026-04"
        )
        assert sealed["revealed_seed"] is None and sealed["tasks"] == []
    assert (
        await VerificationTask.count().where(VerificationTask.seed.contract == contract["id"]) == 0
    )

    assert (await client.post(f"{url}/submit", headers=org)).status_code == 200
    await outbox.run_due()  # the worker hands the submission to the reveal

    after = period_of((await client.get(spotchecks_url(contract), headers=org)).json(), "2026-04")
    seed = bytes.fromhex(after["revealed_seed"])
    assert hashlib.sha256(seed).hexdigest() == april["commitment"]
    assert after["report_version"] == 1

    # Anyone holding the seed and the submitted report redoes the draw.
    lines = (await client.get(url, headers=committee)).json()["report"]["lines"]
    keys = [unit_key(line["line_no"], u["code"]) for line in lines for u in line["units"]]
    size = sample_size(len(keys), share_percent=10, minimum=5, maximum=30)
    assert size == 5
    expected = draw_sample(seed, keys, size)
    assert [unit_key(t["line_no"], t["code"]) for t in after["tasks"]] == expected
    assert [t["status"] for t in after["tasks"]] == ["open"] * 5
    assert after["delivery"]["drawn"] == 5 and after["delivery"]["ratio"] is None

    # Other periods stay sealed.
    may = period_of((await client.get(spotchecks_url(contract), headers=org)).json(), "2026-05")
    assert may["revealed_seed"] is None


async def test_a_seed_that_does_not_match_its_commitment_is_refused(
    client: AsyncTestClient, as_user: Any, make_contract: MakeContract
) -> None:
    contract = await make_contract()
    await spotcheck_seeds_commit(TODAY)
    org = await as_user("org")
    url = f"/api/v1/contracts/{contract['id']}/reports/2026-04"
    assert (
        await client.put(f"{url}/draft", json=units_body(contract), headers=org)
    ).status_code == 200
    assert (await client.post(f"{url}/submit", headers=org)).status_code == 200
    row = (
        await SpotCheckSeed.select(SpotCheckSeed.id, SpotCheckSeed.commitment)
        .where((SpotCheckSeed.contract == contract["id"]) & (SpotCheckSeed.period == "2026-04"))
        .first()
    )
    assert row is not None
    the_report = await submitted_report(contract["id"], "2026-04")
    assert the_report is not None
    # Whether or not the worker has revealed the true seed yet, a forged one never draws.
    tasks_before = await VerificationTask.count().where(VerificationTask.seed == row["id"])
    with pytest.raises(Conflict, match="does not hash to its commitment"):
        await seed_reveal(seed_id=row["id"], seed=bytes(32), report=the_report)
    assert await VerificationTask.count().where(VerificationTask.seed == row["id"]) == tasks_before
    await outbox.run_due()
    stored = (
        await SpotCheckSeed.select(SpotCheckSeed.revealed_seed)
        .where(SpotCheckSeed.id == row["id"])
        .first()
    )
    assert stored is not None and stored["revealed_seed"] is not None
    genuine = bytes.fromhex(stored["revealed_seed"])
    assert hashlib.sha256(genuine).hexdigest() == row["commitment"] != bytes(32).hex()


async def test_committee_records_findings_and_the_verified_ratio(
    client: AsyncTestClient, as_user: Any, make_contract: MakeContract
) -> None:
    contract = await make_contract()
    await spotcheck_seeds_commit(TODAY)
    org, committee = await as_user("org"), await as_user("committee")
    other_committee, buyer = await as_user("committee2"), await as_user("buyer2")
    await submitted(client, org, contract)
    await outbox.run_due()
    tasks = period_of(
        (await client.get(spotchecks_url(contract), headers=committee)).json(), "2026-04"
    )["tasks"]
    first, second, third = (f"/api/v1/verification-tasks/{t['id']}" for t in tasks[:3])

    # Only the committee of the contract's community records findings.
    assert (await client.post(first, json={"outcome": "confirm"}, headers=org)).status_code == 403
    assert (await client.post(first, json={"outcome": "confirm"}, headers=buyer)).status_code == 403
    assert (
        await client.post(first, json={"outcome": "confirm"}, headers=other_committee)
    ).status_code == 404

    done = await client.post(
        first, json={"outcome": "confirm", "note": "入户核实"}, headers=committee
    )
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "confirmed"
    # A finding is final.
    again = await client.post(
        first, json={"outcome": "not_delivered", "note": "x"}, headers=committee
    )
    assert again.status_code == 409
    # Not delivered, or not reached, says why.
    bare = await client.post(second, json={"outcome": "not_delivered"}, headers=committee)
    assert bare.status_code == 400 and "note" in bare.text
    assert (
        await client.post(
            second, json={"outcome": "not_delivered", "note": "住户称未探访"}, headers=committee
        )
    ).status_code == 200
    assert (
        await client.post(
            third, json={"outcome": "unreachable", "note": "三次上门无人"}, headers=committee
        )
    ).status_code == 200

    delivery = period_of(
        (await client.get(spotchecks_url(contract), headers=buyer)).json(), "2026-04"
    )["delivery"]
    assert (delivery["confirmed"], delivery["not_delivered"], delivery["unreachable"]) == (1, 1, 1)
    assert delivery["open"] == 2 and delivery["ratio"] == 0.5
    # Wilson, 1 of 2 at 95 %: 0.0945 … 0.9055.
    assert delivery["low"] == pytest.approx(0.0945312, abs=1e-6)
    assert delivery["high"] == pytest.approx(0.9054688, abs=1e-6)


async def test_unit_codes_are_checked(
    client: AsyncTestClient, as_user: Any, make_contract: MakeContract
) -> None:
    contract = await make_contract()
    org = await as_user("org")
    url = f"/api/v1/contracts/{contract['id']}/reports/2026-04/draft"
    line = contract["scope_line_ids"][0]
    phone = report(in_scope(line, units=[{"kind": "household_visit", "code": "13800138000"}]))
    refused = await client.put(url, json=phone, headers=org)
    assert refused.status_code == 400
    assert "must start with a letter" in refused.text and "lines[0].units" in refused.text
    twice = report(in_scope(line, units=visits(1) + visits(1)))
    refused = await client.put(url, json=twice, headers=org)
    assert refused.status_code == 400 and "listed twice" in refused.text


async def test_the_page_shows_sealed_then_revealed_and_takes_the_committees_finding(
    client: AsyncTestClient, as_user: Any, make_contract: MakeContract
) -> None:

    contract = await make_contract()
    await spotcheck_seeds_commit(TODAY)
    await login(client, "org")
    page = f"/contracts/{contract['id']}/spotchecks"
    sealed = await client.get(page)
    assert sealed.status_code == 200, sealed.text
    assert 'data-period="2026-04"' in sealed.text and 'data-testid="sealed"' in sealed.text
    assert 'data-testid="revealed-seed"' not in sealed.text

    await submitted(client, await as_user("org"), contract)
    await outbox.run_due()
    revealed = await client.get(page)
    assert 'data-testid="revealed-seed"' in revealed.text
    assert 'name="outcome"' not in revealed.text  # the organization records nothing

    await login(client, "committee")
    shown = await client.get(page)
    assert 'name="outcome"' in shown.text
    task = (
        await VerificationTask.select(VerificationTask.id)
        .where(VerificationTask.seed.contract == contract["id"])
        .order_by(VerificationTask.draw_no)
        .first()
    )
    assert task is not None
    url = f"{page}/tasks/{task['id']}"
    token = client.cookies.get("csrftoken") or ""
    bare = await client.post(url, data={"_csrf_token": token, "outcome": "not_delivered"})
    assert bare.status_code == 400 and 'data-testid="refusal"' in bare.text
    done = await client.post(
        url,
        data={"_csrf_token": token, "outcome": "confirm", "note": "入户核实"},
        follow_redirects=True,
    )
    assert done.status_code == 200, done.text
    assert f'id="task-{task["id"]}" data-status="confirmed"' in done.text
    assert "100%" in done.text


async def test_the_verified_ratio_replaces_the_reported_one_in_the_performance_score(
    client: AsyncTestClient, as_user: Any, make_contract: MakeContract
) -> None:
    contract = await make_contract()
    await spotcheck_seeds_commit(TODAY)
    org, committee, buyer = (
        await as_user("org"),
        await as_user("committee"),
        await as_user("buyer2"),
    )
    await submitted(client, org, contract)
    await outbox.run_due()
    url = f"/api/v1/contracts/{contract['id']}/performance/?period=2026-04"
    before = (await client.get(url, headers=buyer)).json()
    # 40 delivered of a plan of about 8.5 per line: the report claims all of it.
    assert before["delivery"] == before["reported_delivery"] == "100.00"

    tasks = period_of(
        (await client.get(spotchecks_url(contract), headers=committee)).json(), "2026-04"
    )["tasks"]
    findings = [("confirm", ""), ("confirm", ""), ("confirm", ""), ("not_delivered", "未探访")]
    for task, (outcome, note) in zip(tasks, findings, strict=False):
        done = await client.post(
            f"/api/v1/verification-tasks/{task['id']}",
            json={"outcome": outcome, "note": note},
            headers=committee,
        )
        assert done.status_code == 200, done.text
    after = (await client.get(url, headers=buyer)).json()
    assert after["reported_delivery"] == "100.00"
    assert after["delivery"] == "75.00"  # 3 of the 4 units reached were delivered
    assert after["verification"]["confirmed"] == 3 and after["verification"]["open"] == 1


async def test_the_findings_raise_selective_performance_once_enough_are_reached(
    client: AsyncTestClient, as_user: Any, make_contract: MakeContract
) -> None:
    contract = await make_contract()
    await spotcheck_seeds_commit(TODAY)
    org, committee = await as_user("org"), await as_user("committee")
    await submitted(client, org, contract)
    await outbox.run_due()
    tasks = period_of(
        (await client.get(spotchecks_url(contract), headers=committee)).json(), "2026-04"
    )["tasks"]
    flagged = (
        (RiskFlag.rule == "SELECTIVE_PERFORMANCE")
        & (RiskFlag.subject_type == "contract")
        & (RiskFlag.subject_id == str(contract["id"]))
    )
    for number, task in enumerate(tasks, start=1):
        done = await client.post(
            f"/api/v1/verification-tasks/{task['id']}",
            json={"outcome": "not_delivered", "note": "住户称本月无人探访"},
            headers=committee,
        )
        assert done.status_code == 200, done.text
        await outbox.run_due()  # the worker hands each finding to the rules
        # Four of five reached are too few to judge (policy minimum_reached = 5).
        assert await RiskFlag.count().where(flagged) == (1 if number == 5 else 0)
    flag = await RiskFlag.select(RiskFlag.period, RiskFlag.evidence).where(flagged).first()
    assert flag is not None and flag["period"] == "2026-04"
    evidence = flag["evidence"]
    evidence = json.loads(evidence) if isinstance(evidence, str) else evidence
    assert (evidence["confirmed"], evidence["not_delivered"]) == (0, 5)
    assert sorted(u["code"] for u in evidence["not_delivered_units"]) == sorted(
        t["code"] for t in tasks
    )


async def test_rotation_rewraps_sealed_seeds_under_the_new_secret(
    make_contract: MakeContract,
) -> None:
    contract = await make_contract()
    await spotcheck_seeds_commit(TODAY)
    old = get_keyring()
    rotated = Keyring(
        current_version=old.current_version + 1,
        secrets={**old.secrets, old.current_version + 1: "a-new-secret-" + "x" * 40},
    )
    assert await spotcheck_seeds_rotate(keyring=rotated) >= 6
    assert await spotcheck_seeds_rotate(keyring=rotated) == 0  # idempotent
    rows = await SpotCheckSeed.select(
        SpotCheckSeed.commitment, SpotCheckSeed.sealed_seed, SpotCheckSeed.key_version
    ).where(SpotCheckSeed.contract == contract["id"])
    retired = Keyring(
        current_version=rotated.current_version,
        secrets={rotated.current_version: rotated.current_secret},
    )
    for row in rows:
        assert row["key_version"] == rotated.current_version
        seed = retired.unwrap(row["sealed_seed"], row["key_version"])
        assert hashlib.sha256(seed).hexdigest() == row["commitment"]
    # Put back under the deployment's own secret, for the tests that follow.
    back = Keyring(current_version=old.current_version, secrets=rotated.secrets)
    assert await spotcheck_seeds_rotate(keyring=back) >= 6


async def test_the_hourly_job_commits_ahead_of_the_period(make_contract: MakeContract) -> None:
    assert "spotchecks.commit" in {job.name for job in periodic_jobs()}
    contract = await make_contract(starts_on=date(2026, 6, 10))
    await commit_and_reveal()
    rows = await SpotCheckSeed.select(SpotCheckSeed.period).where(
        SpotCheckSeed.contract == contract["id"]
    )
    # On 2026-05-20 only the period beginning within 31 days is committed: June, not July.
    assert [row["period"] for row in rows] == ["2026-06"]


async def test_the_public_contract_record_shows_commitments_and_draws_without_notes(
    client: AsyncTestClient, as_user: Any, make_contract: MakeContract
) -> None:
    contract = await make_contract()
    await Contract.update({Contract.signed_at: datetime(2026, 1, 10, tzinfo=UTC)}).where(
        Contract.id == contract["id"]
    )
    await spotcheck_seeds_commit(TODAY)
    org, committee = await as_user("org"), await as_user("committee")
    await submitted(client, org, contract)
    await outbox.run_due()
    tasks = period_of(
        (await client.get(spotchecks_url(contract), headers=committee)).json(), "2026-04"
    )["tasks"]
    await client.post(
        f"/api/v1/verification-tasks/{tasks[0]['id']}",
        json={"outcome": "not_delivered", "note": "住户王某称本月无人探访"},
        headers=committee,
    )
    record = await client.get(f"/api/v1/disclosure/contracts/{contract['id']}")
    assert record.status_code == 200, record.text
    public = {p["period"]: p for p in record.json()["spotchecks"]}
    assert public["2026-05"]["revealed_seed"] is None and public["2026-05"]["tasks"] == []
    april = public["2026-04"]
    assert hashlib.sha256(bytes.fromhex(april["revealed_seed"])).hexdigest() == april["commitment"]
    assert april["tasks"][0]["status"] == "not_delivered"
    assert "王某" not in record.text and all("note" not in t for t in april["tasks"])
    page = await client.get(f"/disclosure/contracts/{contract['id']}")
    assert page.status_code == 200
    assert april["commitment"] in page.text and april["revealed_seed"] in page.text
    assert "王某" not in page.text
