"""One engine over every dataset: a process imported under any dataset name is judged by the
rules over OCDS data — cardinal's bid-stage rules and UNDERPRICED_BID over its bids' amounts —
on the import's own event and by the full scan; what cannot be judged is skipped, saying why."""

from __future__ import annotations

import html
import json
from collections.abc import AsyncIterator
from typing import Any
from uuid import uuid4

import pytest
from litestar.testing import AsyncTestClient

from procure.jobs.events import Trigger
from procure.jobs.tables import OutboxEvent
from procure.ocds.dataset import dataset_names
from procure.ocds.imports import ocds_dataset_delete, ocds_import
from procure.ocds.tables import OcdsProcess
from procure.risk import cli as risk_cli
from procure.risk.engine import on_event, scan
from procure.risk.registry import Skip
from procure.risk.rules.bids import FEWER_THAN_TWO, NO_TENDER_VALUE
from procure.risk.tables import RiskFlag, RiskFlagEvent
from tests.conftest import login

SHORT_PERIOD = {
    "procurementMethod": "open",
    "tenderPeriod": {
        "startDate": "2026-01-01T00:00:00+08:00",
        "endDate": "2026-01-05T00:00:00+08:00",  # 4 days: R003 (15 by default)
    },
}
LONG_PERIOD = SHORT_PERIOD | {
    "tenderPeriod": {
        "startDate": "2026-01-01T00:00:00+08:00",
        "endDate": "2026-02-05T00:00:00+08:00",
    }
}


def bid(position: int, amount: float, tenderer: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": f"b{position}",
        "status": "valid",
        "tenderers": [{"id": tenderer}],
        "value": {"amount": amount, "currency": "CNY"},
        **extra,
    }


def process(
    ocid: str,
    amounts: list[float],
    *,
    value: float | None = None,
    winner: str | None = None,
    tender: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A process whose tenderers T0, T1… bid ``amounts``; ``value``: /tender/value."""
    section: dict[str, Any] = dict(tender or LONG_PERIOD)
    section["numberOfTenderers"] = len(amounts)
    if value is not None:
        section["value"] = {"amount": value, "currency": "CNY"}
    release: dict[str, Any] = {
        "ocid": ocid,
        "buyer": {"id": "B"},
        "tender": section,
        "bids": {"details": [bid(i, a, f"T{i}") for i, a in enumerate(amounts)]},
    }
    if winner is not None:
        release["awards"] = [{"status": "active", "suppliers": [{"id": winner}]}]
    return release


def jsonl(values: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(value) + "\n" for value in values).encode()


@pytest.fixture
async def datasets(database: None) -> AsyncIterator[list[str]]:
    """Dataset names of this test (a city of its own), removed with their flags after."""
    names: list[str] = []
    yield names
    for name in names:
        await forget(await RiskFlag.select(RiskFlag.id).where(RiskFlag.dataset == name))
        await ocds_dataset_delete(actor=None, dataset=name)


async def forget(rows: list[dict[str, Any]]) -> None:
    """Delete these flags and their history."""
    ids = [row["id"] for row in rows] or [0]
    await RiskFlagEvent.delete().where(RiskFlagEvent.flag.is_in(ids))
    await RiskFlag.delete().where(RiskFlag.id.is_in(ids))


async def imported(names: list[str], city: str, values: list[dict[str, Any]]) -> str:
    dataset = f"{city}-{uuid4().hex[:8]}"
    names.append(dataset)
    await ocds_import(actor=None, source=jsonl(values), dataset=dataset)
    return dataset


async def flags(dataset: str, rule: str | None = None) -> dict[str, dict[str, Any]]:
    """The open flags of a dataset, by subject id (of one rule)."""
    where = (RiskFlag.dataset == dataset) & (RiskFlag.status == "open")
    if rule is not None:
        where &= RiskFlag.rule == rule
    rows = await RiskFlag.select().where(where).output(load_json=True)
    return {f"{row['rule']} {row['subject_id']}": row for row in rows}


async def test_a_dataset_of_any_name_is_judged(datasets: list[str]) -> None:
    planted = await imported(
        datasets,
        "city_b",
        [
            process("b-short", [100_000, 101_000], tender=SHORT_PERIOD, value=120_000),
            process("b-single", [100_000], value=120_000),
        ],
    )
    clean = await imported(
        datasets,
        "city_c",
        [process("c-1", [100_000, 101_000], value=120_000), process("c-2", [90_000, 92_000])],
    )
    assert {planted, clean} <= set(await dataset_names())

    # The import's own event judged the dataset it wrote …
    found = await flags(planted)
    assert set(found) == {"R003 b-short", "R018 b-single"}
    short = found["R003 b-short"]
    assert (short["dataset"], short["subject_type"], short["ocid"]) == (
        planted,
        "tender",
        "b-short",
    )
    assert short["evidence"]["days"] == 4
    # … and nothing of the clean city.
    assert await flags(clean) == {}

    # The full scan finds them again from nothing, under the dataset's name.
    await forget(list(found.values()))
    flagged = await scan(rules=["R003", "R018"])
    assert {(f["rule"], f["subject_id"]) for f in flagged if f["dataset"] == planted} == {
        ("R003", "b-short"),
        ("R018", "b-single"),
    }
    assert not [f for f in flagged if f["dataset"] == clean]


async def test_an_import_event_judges_only_the_dataset_it_names(datasets: list[str]) -> None:
    first = await imported(datasets, "city_b", [process("e-1", [100_000], value=120_000)])
    second = await imported(datasets, "city_d", [process("e-2", [100_000], value=120_000)])
    await forget(
        await RiskFlag.select(RiskFlag.id).where(
            RiskFlag.dataset.is_in([first, second]) & (RiskFlag.rule == "R018")
        )
    )
    # The import's event names the dataset it wrote, and was delivered.
    event = (
        await OutboxEvent.select(OutboxEvent.payload, OutboxEvent.status)
        .where(OutboxEvent.kind == "ocds_imported")
        .order_by(OutboxEvent.id, ascending=False)
        .first()
        .output(load_json=True)
    )
    assert event is not None and event["status"] == "done"
    assert event["payload"] == {"trigger": "ocds_imported", "scope": {}, "dataset": second}
    found = await on_event(Trigger.ocds_imported, {}, dataset=second)
    assert {(f["rule"], f["dataset"]) for f in found if f["rule"] == "R018"} == {("R018", second)}
    assert await flags(first, "R018") == {}


# --- UNDERPRICED_BID over imported bids --------------------------------------------------------


async def underpriced(datasets: list[str], values: list[dict[str, Any]]) -> tuple[str, Any]:
    dataset = await imported(datasets, "city_b", values)
    skips: list[Skip] = []
    await scan(rules=["UNDERPRICED_BID"], skipped=skips.append)
    return dataset, [s for s in skips if s.dataset == dataset]


async def test_underpriced_bid_fires_on_an_imported_process(datasets: list[str]) -> None:
    # T0 bids 100,000 against 200,000 and 210,000 under a value of 300,000: below half the
    # others' mean (205,000) and below 45% of the value (135,000), not below half the
    # second-lowest (exactly 100,000). T0 won: high.
    dataset, skips = await underpriced(
        datasets,
        [process("low", [200_000, 100_000, 210_000], value=300_000, winner="T1")],
    )
    assert skips == []
    (flag,) = (await flags(dataset, "UNDERPRICED_BID")).values()
    assert (flag["subject_type"], flag["subject_id"], flag["ocid"]) == (
        "bid",
        "low/bids/details/1",
        "low",
    )
    assert (flag["department"], flag["organization"], flag["severity"]) == (None, None, "high")
    evidence = flag["evidence"]
    assert evidence["reasons"] == ["below_mean_of_others", "below_ceiling"]
    assert evidence["bid"] == {"bid_id": "b1", "position": 1}
    assert evidence["tenderers"] == ["T1"]
    assert (evidence["amount"], evidence["currency"], evidence["tender_value"]) == (
        100_000,
        "CNY",
        300_000,
    )
    assert (evidence["price_fen"], evidence["ceiling_fen"]) == (10_000_000, 30_000_000)
    assert evidence["mean_of_others_fen"] == "20500000.00"
    assert evidence["second_lowest_fen"] == 20_000_000
    assert evidence["bids_compared"] == 3
    assert evidence["thresholds_percent"] == {
        "below_mean_of_others": 50,
        "lowest_below_second": 50,
        "below_ceiling": 45,
    }
    assert evidence["not_judged"] == [] and evidence["awarded"] is True


async def test_underpriced_bid_is_silent_on_clean_and_boundary_processes(
    datasets: list[str],
) -> None:
    dataset, skips = await underpriced(
        datasets,
        [
            process("clean", [200_000, 210_000, 220_000], value=300_000),
            # Exactly at every threshold: 90,000 is half of 180,000 (the others' mean and the
            # second-lowest) and 45% of 200,000. A threshold is compared strictly.
            process("boundary", [90_000, 180_000, 180_000], value=200_000),
            # One fen below them: fires on every trigger.
            process("below", [89_999.99, 180_000, 180_000], value=200_000),
        ],
    )
    assert skips == []
    found = await flags(dataset, "UNDERPRICED_BID")
    assert set(found) == {"UNDERPRICED_BID below/bids/details/0"}
    assert found["UNDERPRICED_BID below/bids/details/0"]["evidence"]["reasons"] == [
        "below_mean_of_others",
        "lowest_below_second",
        "below_ceiling",
    ]
    assert found["UNDERPRICED_BID below/bids/details/0"]["severity"] == "medium"


async def test_what_cannot_be_judged_is_skipped_with_its_reason(datasets: list[str]) -> None:
    dataset, skips = await underpriced(
        datasets,
        [
            # One bid, no value: nothing can be judged.
            process("alone", [10_000]),
            # One bid under a value: only the ceiling is judged, and it fires.
            process("alone-valued", [10_000], value=100_000),
            # Several bids, no value: the ceiling is not judged; 40,000 < half of 100,000.
            process("no-value", [40_000, 100_000, 100_000]),
        ],
    )
    assert sorted((s.ocid, s.reason) for s in skips) == [
        ("alone", FEWER_THAN_TWO),
        ("alone", NO_TENDER_VALUE),
        ("alone-valued", FEWER_THAN_TWO),
        ("no-value", NO_TENDER_VALUE),
    ]
    assert {s.rule for s in skips} == {"UNDERPRICED_BID"}
    found = await flags(dataset, "UNDERPRICED_BID")
    assert set(found) == {
        "UNDERPRICED_BID alone-valued/bids/details/0",
        "UNDERPRICED_BID no-value/bids/details/0",
    }
    valued = found["UNDERPRICED_BID alone-valued/bids/details/0"]["evidence"]
    assert valued["reasons"] == ["below_ceiling"]
    assert valued["not_judged"] == ["below_mean_of_others", "lowest_below_second"]
    unvalued = found["UNDERPRICED_BID no-value/bids/details/0"]["evidence"]
    assert unvalued["reasons"] == ["below_mean_of_others", "lowest_below_second"]
    assert unvalued["not_judged"] == ["below_ceiling"] and unvalued["ceiling_fen"] is None


def test_the_scan_summary_says_why(capsys: pytest.CaptureFixture[str]) -> None:
    risk_cli._skipped(
        [Skip("UNDERPRICED_BID", "city_b", f"p{i}", FEWER_THAN_TWO) for i in range(7)]
        + [Skip("UNDERPRICED_BID", "city_b", "q", NO_TENDER_VALUE)]
    )
    assert capsys.readouterr().out.splitlines() == [
        f"UNDERPRICED_BID skipped 7 process(es) of city_b: {FEWER_THAN_TWO} "
        "(p0, p1, p2, p3, p4 and 2 more)",
        f"UNDERPRICED_BID skipped 1 process(es) of city_b: {NO_TENDER_VALUE} (q)",
    ]


async def test_the_tender_value_is_stored(datasets: list[str]) -> None:
    dataset = await imported(datasets, "city_b", [process("v", [1.0], value=12_345.67)])
    row = await OcdsProcess.select(
        OcdsProcess.tender_value_amount, OcdsProcess.tender_value_currency
    ).where((OcdsProcess.dataset == dataset) & (OcdsProcess.ocid == "v"))
    assert (float(row[0]["tender_value_amount"]), row[0]["tender_value_currency"]) == (
        12_345.67,
        "CNY",
    )


async def test_the_flag_page_shows_an_imported_bid_evidence(
    client: AsyncTestClient, datasets: list[str]
) -> None:
    dataset, _ = await underpriced(datasets, [process("page", [100_000], value=300_000)])
    (flag,) = (await flags(dataset, "UNDERPRICED_BID")).values()
    await login(client, "auditor")
    page = await client.get(f"/risk/flags/{flag['id']}")
    assert page.status_code == 200
    text = html.unescape(page.text)
    # In the default language: the tender's value, the triggers the data could not judge.
    assert "项目金额（预算或最高限价）" in text and "未予判定（数据缺失）" in text
    assert "page/bids/details/0" in text
