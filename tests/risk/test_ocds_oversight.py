"""The oversight rules over imported OCDS data: CONCENTRATION per buyer and year over the
awards, AMENDMENT_CREEP over the contracts' values; each fires on a planted process, stays
silent on a clean one and at the boundary, and skips what it cannot judge, saying why."""

from __future__ import annotations

import html
import importlib
from typing import Any

from litestar.testing import AsyncTestClient

from procure.ocds.normalize import normalize
from procure.ocds.tables import OcdsContract, OcdsProcess
from procure.risk.engine import scan
from procure.risk.evidence import key_label
from procure.risk.registry import Skip
from procure.risk.rules.contracts import (
    CONTRACT_CURRENCIES,
    NO_CONTRACT_VALUE,
    NO_ORIGINAL_VALUE,
    NO_POSITIVE_ORIGINAL,
)
from procure.risk.rules.market import (
    BUYER_CURRENCIES,
    NO_AWARD_DATE,
    NO_AWARD_VALUE,
    NO_BUYER,
    NO_SUPPLIER,
)
from tests.conftest import login
from tests.risk.test_every_dataset import datasets, flags, imported
from tests.web.test_crawl import Page, english_words, pattern

__all__ = ["datasets"]  # the fixture, used by name


def awarded(
    ocid: str,
    supplier: str | None,
    amount: float | None,
    *,
    date: str | None = "2025-03-01T10:00:00+08:00",
    buyer: str | None = "B1",
    currency: str = "CNY",
    status: str = "active",
) -> dict[str, Any]:
    """A process of ``buyer`` with one award of ``amount`` to ``supplier`` on ``date``."""
    award: dict[str, Any] = {"id": f"{ocid}-a", "status": status}
    if supplier is not None:
        award["suppliers"] = [{"id": supplier, "name": supplier}]
    if amount is not None:
        award["value"] = {"amount": amount, "currency": currency}
    if date is not None:
        award["date"] = date
    release: dict[str, Any] = {"ocid": ocid, "awards": [award]}
    if buyer is not None:
        release["buyer"] = {"id": buyer, "name": f"采购人{buyer}"}
        release["parties"] = [{"id": buyer, "name": f"采购人{buyer}", "roles": ["buyer"]}]
    return release


async def concentration(datasets: list[str], values: list[dict[str, Any]]) -> tuple[str, Any]:
    dataset = await imported(datasets, "city_k", values)
    skips: list[Skip] = []
    await scan(rules=["CONCENTRATION"], skipped=skips.append)
    return dataset, sorted((s.ocid, s.reason) for s in skips if s.dataset == dataset)


async def test_concentration_fires_on_an_imported_buyer_year(datasets: list[str]) -> None:
    # B1 in 2025: S1 wins 500 + 100 of 1,000 (60% > 40%); S2 300, S3 100. In 2026 one award
    # only (fewer than three): not judged. B2: three suppliers, 40% at most: silent.
    dataset, skips = await concentration(
        datasets,
        [
            awarded("k-1", "S1", 500),
            awarded("k-2", "S2", 300),
            awarded("k-3", "S1", 100, date="2025-12-31T23:00:00+08:00"),
            awarded("k-4", "S3", 100),
            awarded("k-5", "S1", 900, date="2026-01-02T00:00:00+08:00"),
            awarded("k-6", "S4", 400, buyer="B2"),
            awarded("k-7", "S5", 300, buyer="B2"),
            awarded("k-8", "S6", 300, buyer="B2"),
        ],
    )
    assert skips == []
    found = await flags(dataset, "CONCENTRATION")
    assert set(found) == {"CONCENTRATION B1"}
    flag = found["CONCENTRATION B1"]
    assert (flag["dataset"], flag["subject_type"], flag["period"], flag["ocid"]) == (
        dataset,
        "buyer",
        "2025",
        "",
    )
    assert (flag["severity"], flag["department"], flag["organization"]) == ("medium", None, None)
    evidence = flag["evidence"]
    assert evidence["buyer"] == {"id": "B1", "name": "采购人B1"}
    assert (evidence["year"], evidence["total_value"], evidence["currency"]) == (2025, 1000, "CNY")
    assert (evidence["awards"], evidence["share_percent"], evidence["min_contracts"]) == (4, 40, 3)
    assert evidence["organizations"] == [
        {"supplier": "S1", "value": 600, "share_percent": 60, "ocids": ["k-1", "k-3"]}
    ]


async def test_concentration_is_silent_at_the_boundary(datasets: list[str]) -> None:
    # Exactly 40% (the threshold is compared strictly) with three awards; a cancelled award
    # to the same supplier does not count.
    dataset, skips = await concentration(
        datasets,
        [
            awarded("m-1", "S1", 400),
            awarded("m-2", "S2", 300),
            awarded("m-3", "S3", 300),
            awarded("m-4", "S1", 5000, status="cancelled"),
        ],
    )
    assert skips == []
    assert await flags(dataset, "CONCENTRATION") == {}


async def test_concentration_skips_what_it_cannot_count(datasets: list[str]) -> None:
    dataset, skips = await concentration(
        datasets,
        [
            awarded("s-1", "S1", None),
            awarded("s-2", "S1", 100, date=None),
            awarded("s-3", None, 100),
            awarded("s-4", "S1", 100, buyer=None),
            awarded("s-5", "S1", 900, buyer="B3"),
            awarded("s-6", "S2", 100, buyer="B3", currency="USD"),
            awarded("s-7", "S3", 100, buyer="B3"),
            # Left over for B1: three awards (S1 holds 80%), counted without the skipped ones.
            awarded("s-8", "S1", 800),
            awarded("s-9", "S2", 100),
            awarded("s-10", "S3", 100),
        ],
    )
    assert skips == [
        ("s-1", NO_AWARD_VALUE),
        ("s-2", NO_AWARD_DATE),
        ("s-3", NO_SUPPLIER),
        ("s-4", NO_BUYER),
        ("s-5", BUYER_CURRENCIES),
        ("s-6", BUYER_CURRENCIES),
        ("s-7", BUYER_CURRENCIES),
    ]
    found = await flags(dataset, "CONCENTRATION")
    assert set(found) == {"CONCENTRATION B1"}
    assert found["CONCENTRATION B1"]["evidence"]["awards"] == 3


async def test_concentration_dates_an_award_by_its_contract_signature(
    datasets: list[str],
) -> None:
    # Awards without a date, their contracts signed in 2024: counted in 2024.
    values = [awarded(f"d-{i}", "S1" if i < 2 else "S2", 100, date=None) for i in range(3)]
    for value in values:
        value["contracts"] = [
            {"id": "c", "awardID": value["awards"][0]["id"], "dateSigned": "2024-06-01T00:00:00Z"}
        ]
    dataset, skips = await concentration(datasets, values)
    assert skips == []
    (flag,) = (await flags(dataset, "CONCENTRATION")).values()
    assert flag["period"] == "2024"
    assert flag["evidence"]["organizations"][0]["share_percent"] == 66.67


# --- AMENDMENT_CREEP over imported contracts ---------------------------------------------------


def release(
    ocid: str, number: int, amount: float | None, *, currency: str = "CNY", amendments: int = 0
) -> dict[str, Any]:
    """Release ``number`` of a process: its contract "c1" (of award "a1") at ``amount``."""
    contract: dict[str, Any] = {
        "id": "c1",
        "awardID": "a1",
        "dateSigned": "2025-02-01T09:00:00+08:00",
    }
    if amount is not None:
        contract["value"] = {"amount": amount, "currency": currency}
    if amendments:
        contract["amendments"] = [
            {"id": f"am{i}", "date": "2025-06-01T00:00:00Z"} for i in range(amendments)
        ]
    return {
        "ocid": ocid,
        "id": f"{ocid}-{number}",
        "date": f"2025-0{number}-01T00:00:00Z",
        "tag": ["contract"] if number == 1 else ["contractAmendment"],
        "initiationType": "tender",
        "contracts": [contract],
    }


async def creep(datasets: list[str], values: list[dict[str, Any]]) -> tuple[str, Any]:
    dataset = await imported(datasets, "city_m", values)
    skips: list[Skip] = []
    await scan(rules=["AMENDMENT_CREEP"], skipped=skips.append)
    return dataset, sorted((s.ocid, s.reason) for s in skips if s.dataset == dataset)


async def test_amendment_creep_fires_on_an_imported_contract(datasets: list[str]) -> None:
    # 100,000 signed, 112,000 after two amendments (the later release listed first: releases
    # are taken in date order): +12% > 10%.
    dataset, skips = await creep(
        datasets,
        [release("grown", 3, 112_000, amendments=2), release("grown", 1, 100_000)],
    )
    assert skips == []
    (flag,) = (await flags(dataset, "AMENDMENT_CREEP")).values()
    assert (flag["dataset"], flag["subject_type"], flag["subject_id"], flag["ocid"]) == (
        dataset,
        "contract",
        "grown/contracts/0",
        "grown",
    )
    assert flag["severity"] == "high"
    evidence = flag["evidence"]
    assert evidence["contract"] == {"contract_id": "c1", "position": 0}
    assert (evidence["award_id"], evidence["reasons"]) == ("a1", ["over_limit"])
    assert (evidence["original_value"], evidence["current_value"]) == (100_000, 112_000)
    assert (evidence["cumulative_delta"], evidence["cumulative_percent"]) == (12_000, 12)
    assert (evidence["currency"], evidence["max_increase_percent"]) == ("CNY", 10)
    assert (evidence["amendments"], evidence["date_signed"]) == (2, "2025-02-01T01:00:00+00:00")
    assert evidence["not_judged"] == ["scope_outside_tender"]


async def test_amendment_creep_is_silent_on_clean_and_boundary_contracts(
    datasets: list[str],
) -> None:
    dataset, skips = await creep(
        datasets,
        [
            release("clean", 1, 100_000),
            release("clean", 2, 105_000, amendments=1),
            # Exactly 10% (compared strictly), and one cent above it.
            release("boundary", 1, 100_000),
            release("boundary", 2, 110_000, amendments=1),
            release("above", 1, 100_000),
            release("above", 2, 110_000.01, amendments=1),
            # A single release, no amendments: its value is its original.
            release("single", 1, 90_000),
        ],
    )
    assert skips == []
    assert set(await flags(dataset, "AMENDMENT_CREEP")) == {"AMENDMENT_CREEP above/contracts/0"}


async def test_amendment_creep_skips_what_it_cannot_judge(datasets: list[str]) -> None:
    dataset, skips = await creep(
        datasets,
        [
            release("no-value", 1, None),
            # Amended, but only one release shows the contract: the original is unknown.
            release("no-original", 1, 150_000, amendments=1),
            release("currency", 1, 100_000),
            release("currency", 2, 200_000, currency="USD", amendments=1),
            release("zero", 1, 0),
            release("zero", 2, 50_000, amendments=1),
        ],
    )
    assert skips == [
        ("currency", CONTRACT_CURRENCIES),
        ("no-original", NO_ORIGINAL_VALUE),
        ("no-value", NO_CONTRACT_VALUE),
        ("zero", NO_POSITIVE_ORIGINAL),
    ]
    assert await flags(dataset, "AMENDMENT_CREEP") == {}


async def test_the_contracts_are_stored(datasets: list[str]) -> None:
    dataset = await imported(
        datasets,
        "city_m",
        [release("v", 1, 1_000.5), release("v", 2, 1_200.25, amendments=3)],
    )
    (row,) = await OcdsContract.select(
        OcdsContract.contract_id,
        OcdsContract.award_id,
        OcdsContract.amount,
        OcdsContract.currency,
        OcdsContract.original_amount,
        OcdsContract.original_currency,
        OcdsContract.amendments,
    ).where(
        OcdsContract.process.is_in(
            OcdsProcess.select(OcdsProcess.id).where(OcdsProcess.dataset == dataset)
        )
    )
    assert (row["contract_id"], row["award_id"], row["amendments"]) == ("c1", "a1", 3)
    assert (float(row["amount"]), float(row["original_amount"])) == (1_200.25, 1_000.5)
    assert (row["currency"], row["original_currency"]) == ("CNY", "CNY")


async def test_the_fill_migration_stores_the_contracts_of_stored_processes(
    datasets: list[str],
) -> None:
    # Processes stored before ocds_contract existed: the fill reads them as the import does.
    await imported(
        datasets,
        "city_m",
        [release("f", 1, 1_000), release("f", 2, 1_500, amendments=1), release("g", 1, None)],
    )
    columns = (
        OcdsContract.process,
        OcdsContract.position,
        OcdsContract.contract_id,
        OcdsContract.award_id,
        OcdsContract.amount,
        OcdsContract.original_amount,
        OcdsContract.date_signed,
        OcdsContract.amendments,
    )

    async def stored() -> list[dict[str, Any]]:
        rows = await OcdsContract.select(*columns).order_by(
            OcdsContract.process, OcdsContract.position
        )
        return [
            row
            | {"amount": _float(row["amount"]), "original_amount": _float(row["original_amount"])}
            for row in rows
        ]

    before = await stored()
    assert len([row for row in before if row["contract_id"] == "c1"]) >= 2
    migration = importlib.import_module(
        "migrations.procure_2026_12_07t18_10_01_000000_ocds_contract_fill"
    )
    manager = await migration.forwards()
    await OcdsContract.delete(force=True)
    for fill in manager.raw:
        await fill()
    assert await stored() == before


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def test_the_imported_evidence_keys_are_labelled_in_chinese() -> None:
    assert {
        key: key_label(key, "zh-CN")
        for key in ("award_id", "awards", "contract_id", "date_signed", "over_limit")
    } == {
        "award_id": "授标",
        "awards": "授标数",
        "contract_id": "合同编号",
        "date_signed": "签订日期",
        "over_limit": "超出限额",
    }


async def test_the_import_event_judges_the_imported_dataset(datasets: list[str]) -> None:
    # No scan: the import's own event ran both rules over the dataset it wrote.
    dataset = await imported(
        datasets,
        "city_m",
        [
            release("e", 1, 100_000),
            release("e", 2, 120_000, amendments=1),
            *(awarded(f"e-{i}", "S1" if i else "S2", 100) for i in range(3)),
        ],
    )
    assert set(await flags(dataset)) == {"AMENDMENT_CREEP e/contracts/0", "CONCENTRATION B1"}


async def test_the_flag_pages_show_the_imported_evidence_in_chinese(
    client: AsyncTestClient, datasets: list[str]
) -> None:
    dataset = await imported(
        datasets,
        "city_m",
        [
            release("p", 1, 100_000),
            release("p", 2, 120_000, amendments=1),
            *(awarded(f"p-{i}", "S1" if i else "S2", 100) for i in range(3)),
        ],
    )
    found = await flags(dataset)
    await login(client, "auditor")
    texts = {}
    for key in ("AMENDMENT_CREEP p/contracts/0", "CONCENTRATION B1"):
        page = await client.get(f"/risk/flags/{found[key]['id']}")
        assert page.status_code == 200
        texts[key] = html.unescape(page.text)
        parsed = Page()
        parsed.feed(page.text)
        assert english_words(parsed.texts, pattern(f"/risk/flags/{found[key]['id']}")) == set(), key
    creep = texts["AMENDMENT_CREEP p/contracts/0"]
    assert "合同编号" in creep and "签订日期" in creep and "超出限额" in creep
    assert "p/contracts/0" in creep
    assert "授标数" in texts["CONCENTRATION B1"] and "采购人B1" in texts["CONCENTRATION B1"]


def test_a_contract_s_original_value_is_read_before_its_amendments() -> None:
    def contract(amount: float, amendments: int = 0, id: Any = 7) -> dict[str, Any]:
        entry: dict[str, Any] = {"id": id, "value": {"amount": amount, "currency": "CNY"}}
        if amendments:
            entry["amendments"] = [{"id": str(i)} for i in range(amendments)]
        return entry

    compiled = {"ocid": "n", "contracts": [contract(130, 2)]}
    releases = [
        {"ocid": "n", "contracts": [contract(90)]},  # no date: after the dated ones
        {"ocid": "n", "date": "2025-03-01T00:00:00Z", "contracts": [contract(130, 2)]},
        {"ocid": "n", "date": "2025-01-01T00:00:00Z", "contracts": [contract(100, id="7")]},
    ]
    (row,) = normalize("n", compiled, releases).contracts
    assert (row["contract_id"], row["amendments"]) == ("7", 2)
    assert (row["amount"], row["original_amount"], row["original_currency"]) == (130, 100, "CNY")
    # Without releases: an amended contract's original is unknown, an unamended one's is its
    # value now.
    assert normalize("n", compiled).contracts[0]["original_amount"] is None
    plain = normalize("n", {"ocid": "n", "contracts": [contract(80)]}).contracts[0]
    assert (plain["original_amount"], plain["original_currency"]) == (80, "CNY")
    # Only amended releases show it: unknown.
    assert normalize("n", compiled, releases[1:2]).contracts[0]["original_amount"] is None
