"""The per-process summaries behind cardinal's population indicators (procure.risk.population):
kept with each process's rows, computed again when a process is rewritten or was summarized by
another definition, and never a reason for an event's flags to differ from a full scan's."""

from __future__ import annotations

from typing import Any

import pytest

from procure.ocds.dataset import dataset_processes
from procure.ocds.export import ocid_of
from procure.ocds.tables import OcdsProcessSummary
from procure.risk.engine import on_event, scan
from procure.risk.jobs import catch_up
from procure.risk.population import SUMMARY_VERSION
from procure.risk.registry import RULES, Stage, SubjectType, Trigger
from procure.risk.rules.cardinal import run_bid_stage, summarize_process
from procure.risk.tables import RiskFlag
from procure.settings import get_settings
from procure.tenders.tables import Tender
from tests.risk.conftest import award, make_tender
from tests.risk.test_cardinal_rules import DATA, SECONDS, imported, jsonl, process


async def summaries(dataset: str) -> dict[str, dict[str, Any]]:
    """ocid → its stored summary row (version, summary, process id)."""
    rows = (
        await OcdsProcessSummary.select(
            OcdsProcessSummary.process.ocid.as_alias("ocid"),
            OcdsProcessSummary.process,
            OcdsProcessSummary.version,
            OcdsProcessSummary.summary,
        )
        .where(OcdsProcessSummary.process.dataset == dataset)
        .output(load_json=True)
    )
    return {row["ocid"]: row for row in rows}


def values(findings: list[Any]) -> list[tuple[str, str, str, Any, Any]]:
    return sorted(
        (f.rule, str(f.subject_type), f.subject_id, f.value, sorted(f.evidence.items()))
        for f in findings
    )


@pytest.fixture
def import_events_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    """An import's event waits in the outbox, as for a worker (the suite delivers events at
    once, and the rules it runs would summarize the imported processes before the test does)."""
    monkeypatch.setattr(get_settings(), "jobs_eager", False)


async def test_a_summary_goes_with_its_process_and_is_computed_again(
    database: None, import_events_wait: None
) -> None:
    dataset = await imported(DATA)
    assert await summaries(dataset) == {}  # none until a rule asks
    first = await run_bid_stage(dataset)
    kept = await summaries(dataset)
    assert set(kept) == {row["ocid"] for row in DATA}
    # Each is the rules' own summary of the process's rows, of this version.
    for read in await dataset_processes(dataset, bids=True, awards=True):
        assert kept[read.ocid]["summary"] == summarize_process(read)
        assert kept[read.ocid]["version"] == SUMMARY_VERSION
    assert ("R024", "tender", "close") in {(f.rule, f.subject_type, f.subject_id) for f in first}

    # Importing "close" again, no longer close: its rows and summary are replaced, the
    # others' kept; the findings are those of a dataset imported with the new data from scratch.
    from procure.ocds.imports import ocds_import

    changed = [process("close", 100, 150)]
    await ocds_import(actor=None, source=jsonl(changed), dataset=dataset)
    assert "close" not in await summaries(dataset)
    again = await run_bid_stage(dataset)
    after = await summaries(dataset)
    assert after["close"]["process"] != kept["close"]["process"]
    assert after["close"]["summary"]["prices"][0][2][0] == 150.0
    assert all(after[o]["process"] == kept[o]["process"] for o in kept if o != "close")
    fresh = await imported(changed + DATA[1:])
    assert values(again) == values(await run_bid_stage(fresh))
    assert "close" not in {f.subject_id for f in again if f.rule == "R024"}


async def test_a_summary_of_another_version_is_computed_again(database: None) -> None:
    dataset = await imported(DATA)
    expected = values(await run_bid_stage(dataset))
    ids = [row["process"] for row in (await summaries(dataset)).values()]
    # Summaries of another definition, which would say nothing of the bids.
    await OcdsProcessSummary.update(
        {
            OcdsProcessSummary.version: SUMMARY_VERSION - 1,
            OcdsProcessSummary.summary: {"winner": None},
        }
    ).where(OcdsProcessSummary.process.is_in(ids))
    assert values(await run_bid_stage(dataset)) == expected
    assert {row["version"] for row in (await summaries(dataset)).values()} == {SUMMARY_VERSION}


async def award_flags() -> dict[tuple[str, str, str, str], tuple[Any, ...]]:
    """The platform's flags of the bid-stage rules an award concerns, without their times."""
    codes = [c for c, r in RULES.items() if r.stage == Stage.bid and Trigger.award in r.triggers]
    rows = (
        await RiskFlag.select()
        .where((RiskFlag.dataset == "platform") & RiskFlag.rule.is_in(codes))
        .output(load_json=True)
    )
    return {
        (row["rule"], row["subject_type"], row["subject_id"], row["period"]): (
            row["status"],
            row["severity"],
            row["evidence"],
            row["ocid"],
        )
        for row in rows
    }


async def test_an_award_event_leaves_the_flags_a_full_scan_would(database: None) -> None:
    # Tenders whose winners bid 100 against 140 … 165, and one whose winner bids far lower.
    tenders = [await make_tender(totals=[10_000_00, second * 1_000]) for second in SECONDS]
    late = await make_tender(totals=[1_000_00, 90_000_00])
    for tender in tenders:
        await award(tender["id"], tender["bids"][0])
    # These writes recorded no events: the catch-up job projects them, then the scan judges.
    await catch_up()
    await scan()
    reference = (await Tender.select(Tender.reference).where(Tender.id == late["id"]))[0]
    ocid = ocid_of(reference["reference"])
    assert (await summaries("platform"))[ocid]["summary"]["winner"] is None

    # The award changes the tender's process: the event rewrites it (SQLite may give the new
    # rows the old id), its summary with it.
    await award(late["id"], late["bids"][0])
    await on_event(Trigger.award, {SubjectType.tender: [late["id"]]})
    kept = (await summaries("platform"))[ocid]
    assert kept["summary"]["winner"] is not None
    assert [side[0] for side in kept["summary"]["prices"][0][1:]] == [1_000.0, 90_000.0]
    after_event = await award_flags()

    await scan()
    assert await award_flags() == after_event
