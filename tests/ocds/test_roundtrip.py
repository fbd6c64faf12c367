"""Export → import → export: the platform's OCDS (the demo district), imported into a fresh
dataset and exported again from it, is the same OCDS; the re-export validates; the imported
rows agree with what was exported."""

from __future__ import annotations

import json
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from procure.bids.tables import Award, Bid
from procure.ocds import export
from procure.ocds.dataset import dataset_processes
from procure.ocds.imports import ocds_dataset_delete, ocds_import
from procure.ocds.normalize import parse_rfc3339
from procure.ocds.tables import OcdsProcess
from procure.tenders.tables import Tender
from tests.ocds.conftest import libcove, schema_errors
from tests.test_cli import procure

URI = "https://example.org/ocds/package.json"


def canonical(value: Any) -> str:
    """JSON as text with sorted keys: equal text is equal JSON, 1 and 1.0 told apart."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def as_set(values: list[Any]) -> list[str]:
    """A list compared without its order (where the format defines none): sorted texts."""
    return sorted(canonical(value) for value in values)


def by_ocid(values: list[dict[str, Any]]) -> dict[str, str]:
    texts = {value["ocid"]: canonical(value) for value in values}
    assert len(texts) == len(values), "one entry per ocid"
    return texts


def dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()


@pytest.fixture
async def dataset(database: None) -> AsyncIterator[str]:
    name = f"roundtrip-{secrets.token_hex(4)}"
    yield name
    await ocds_dataset_delete(actor=None, dataset=name)
    assert not await OcdsProcess.count().where(OcdsProcess.dataset == name)


async def test_a_release_package_comes_back_as_it_went(dataset: str, tmp_path: Path) -> None:
    original = await export.release_package(uri=URI)
    ocids = {release["ocid"] for release in original["releases"]}
    assert len(ocids) >= 3

    summary = await ocds_import(actor=None, source=dumps(original), dataset=dataset)
    assert (summary.processes, summary.releases) == (len(ocids), len(original["releases"]))
    assert summary.skipped_values == []  # everything we publish is usable by the rules

    again = await export.release_package(uri=URI, dataset=dataset)
    assert as_set(again["releases"]) == as_set(original["releases"])
    # Import order is the order read: each process's releases stay in date order.
    assert [r["id"] for r in again["releases"]] == [r["id"] for r in original["releases"]]
    # Compiling on import gives the compiled releases the platform publishes; a process of one
    # release is not compiled (procure.ocds.reader keeps a lone release as published, as
    # cardinal reads it), so its release stands for its compiled release: only id and tag differ.
    imported = by_ocid(await export.compiled_releases(dataset=dataset))
    published = {c["ocid"]: c for c in await export.compiled_releases()}
    counts: dict[str, int] = {}
    for release in original["releases"]:
        counts[release["ocid"]] = counts.get(release["ocid"], 0) + 1
    lone = {ocid for ocid, count in counts.items() if count == 1}
    assert lone and len(lone) < len(ocids)  # both cases are in the demo district
    assert {ocid: imported[ocid] for ocid in ocids - lone} == {
        ocid: canonical(published[ocid]) for ocid in ocids - lone
    }
    ignored = ("id", "tag")
    for ocid in lone:
        [release] = [r for r in original["releases"] if r["ocid"] == ocid]
        assert imported[ocid] == canonical(release)
        assert {k: v for k, v in release.items() if k not in ignored} == {
            k: v for k, v in published[ocid].items() if k not in ignored
        }

    report = libcove(again, tmp_path)
    assert report["validation_errors"] == []
    assert schema_errors(again, "release-package-schema.json") == []


async def test_a_record_package_comes_back_as_it_went(dataset: str, tmp_path: Path) -> None:
    original = await export.record_package(uri=URI)
    await ocds_import(actor=None, source=dumps(original), dataset=dataset)

    again = await export.record_package(uri=URI, dataset=dataset)
    assert again["records"]
    # A record's releases are in date order (the schema says so): compared as lists.
    assert by_ocid(again["records"]) == by_ocid(original["records"])
    assert schema_errors(again, "record-package-schema.json") == []
    # libcoveocds would fetch the versioned release schema for a record package, so offline it
    # checks the records' releases and compiled releases as a release package.
    releases = [
        r for record in again["records"] for r in (*record["releases"], record["compiledRelease"])
    ]
    package = {**export.package_metadata(URI), "releases": releases}
    assert libcove(package, tmp_path)["validation_errors"] == []


async def test_json_lines_of_compiled_releases_come_back_as_they_went(
    dataset: str, tmp_path: Path
) -> None:
    original = await export.compiled_releases()
    lines = "".join(json.dumps(release, ensure_ascii=False) + "\n" for release in original)
    summary = await ocds_import(actor=None, source=lines.encode(), dataset=dataset)
    assert summary.processes == len(original)

    again = await export.compiled_releases(dataset=dataset)
    assert by_ocid(again) == by_ocid(original)
    package = {**export.package_metadata(URI), "releases": again}
    assert libcove(package, tmp_path)["validation_errors"] == []
    assert schema_errors(package, "release-package-schema.json") == []


async def test_the_rows_of_an_imported_tender_agree_with_the_export(dataset: str) -> None:
    compiled = await export.compiled_releases()
    opened = [
        release
        for release in compiled
        if release.get("bids", {}).get("details") and release.get("awards")
    ]
    assert opened, "the demo district has an awarded tender with opened bids"
    await ocds_import(
        actor=None,
        source=dumps(await export.release_package()),
        dataset=dataset,
    )
    for release in opened:
        [process] = await dataset_processes(
            dataset, ocids=[release["ocid"]], bids=True, awards=True, parties=True
        )
        tender, details = release["tender"], release["bids"]["details"]
        assert process.buyer_id == release["buyer"]["id"]
        assert process.procuring_entity_id == tender["procuringEntity"]["id"]
        assert process.tender_status == tender["status"]
        assert process.procurement_method == tender["procurementMethod"]
        period = tender["tenderPeriod"]
        assert process.tender_period_start == parse_rfc3339(period["startDate"])
        assert process.tender_period_end == parse_rfc3339(period["endDate"])
        assert process.tender_period_end_text == period["endDate"]
        assert process.number_of_tenderers == tender["numberOfTenderers"]
        assert [(b.bid_id, b.status, b.amount, b.date_text) for b in process.bids] == [
            (d["id"], d["status"], d.get("value", {}).get("amount"), d["date"]) for d in details
        ]
        assert [b.tenderers for b in process.bids] == [
            [t["id"] for t in d["tenderers"]] for d in details
        ]
        [award] = release["awards"]
        assert [(a.status, a.suppliers) for a in process.awards] == [
            (award["status"], [s["id"] for s in award["suppliers"]])
        ]
        parties = {party.party_id: list(party.roles) for party in process.parties}
        assert parties == {party["id"]: party["roles"] for party in release["parties"]}

        # And the export agrees with the platform's own tables.
        reference = tender["id"]
        tender_row = await Tender.select(Tender.id).where(Tender.reference == reference).first()
        assert tender_row is not None
        assert len(process.bids) == await Bid.count().where(Bid.tender == tender_row["id"])
        winner = (
            await Award.select(Award.bid.organization.credit_code.as_alias("code"))
            .where(Award.tender == tender_row["id"])
            .first()
        )
        assert winner is not None
        assert process.awards[0].suppliers == [f"CN-USCC-{winner['code']}"]


async def test_a_record_with_linked_releases_is_published_by_its_compiled_release(
    dataset: str,
) -> None:
    compiled = {"ocid": "ocds-x-1", "id": "c", "date": "2024-01-01T00:00:00Z", "tag": ["compiled"]}
    links = [{"url": "https://example.com/r/1", "date": "2024-01-01T00:00:00Z", "tag": ["tender"]}]
    record = {"ocid": "ocds-x-1", "releases": links, "compiledRelease": compiled}
    await ocds_import(actor=None, source=dumps({"records": [record]}), dataset=dataset)

    assert await export.record_package(dataset=dataset) == {
        **export.package_metadata(kind="record-package"),
        "records": [record],
    }
    assert (await export.release_package(dataset=dataset))["releases"] == [compiled]
    assert await export.process_count(dataset) == 1


async def test_selection_and_unknown_datasets(dataset: str) -> None:
    original = await export.release_package()
    await ocds_import(actor=None, source=dumps(original), dataset=dataset)
    ocids = list(dict.fromkeys(release["ocid"] for release in original["releases"]))

    chosen = await export.releases(ocids=[ocids[1], "ocds-elsewhere-1"], dataset=dataset)
    assert {release["ocid"] for release in chosen} == {ocids[1]}
    page = await export.records(offset=1, limit=2, dataset=dataset)
    assert [record["ocid"] for record in page] == ocids[1:3]
    assert await export.process_count(dataset) == len(ocids)
    # "platform" is the platform's own processes, rebuilt from its tables.
    assert await export.process_count("platform") == await export.process_count()
    assert by_ocid(await export.compiled_releases(dataset="platform")) == by_ocid(
        await export.compiled_releases()
    )

    unknown = await export.release_package(dataset=f"{dataset}-unknown")
    assert unknown["releases"] == []


async def test_the_public_api_publishes_only_the_platform(
    dataset: str, client: AsyncTestClient
) -> None:
    foreign = {"ocid": "ocds-elsewhere-9", "id": "1", "date": "2024-01-01T00:00:00Z", "tag": []}
    await ocds_import(actor=None, source=dumps(foreign), dataset=dataset)
    assert await export.process_count(dataset) == 1
    response = await client.get("/api/v1/ocds/releases/ocds-elsewhere-9")
    assert response.status_code == 404
    listed = (await client.get("/api/v1/ocds/releases?per_page=100")).json()
    assert "ocds-elsewhere-9" not in {release["ocid"] for release in listed["releases"]}


def test_the_command_line_round_trip(dataset: str, tmp_path: Path) -> None:
    first, second = tmp_path / "platform.json", tmp_path / "dataset.json"
    exported = procure("ocds", "export", "--out", str(first), "--uri", URI, env={})
    assert exported.returncode == 0, exported.stderr
    imported = procure("ocds", "import", str(first), "--dataset", dataset, env={})
    assert imported.returncode == 0, imported.stderr
    again = procure(
        "ocds", "export", "--out", str(second), "--uri", URI, "--dataset", dataset, env={}
    )
    assert again.returncode == 0, again.stderr
    original = json.loads(first.read_text(encoding="utf-8"))
    package = json.loads(second.read_text(encoding="utf-8"))
    assert as_set(package["releases"]) == as_set(original["releases"])
    assert f"{len(original['releases'])} releases of" in again.stdout

    lines = tmp_path / "compiled.jsonl"
    jsonl = procure(
        "ocds", "export", "--out", str(lines), "--format", "jsonl", "--dataset", dataset, env={}
    )
    assert jsonl.returncode == 0, jsonl.stderr
    compiled = [json.loads(line) for line in lines.read_text(encoding="utf-8").splitlines()]
    assert [release["ocid"] for release in compiled] == list(
        dict.fromkeys(release["ocid"] for release in original["releases"])
    )


def test_exporting_an_unknown_dataset_fails(database: None, tmp_path: Path) -> None:
    out = tmp_path / "x.json"
    result = procure("ocds", "export", "--out", str(out), "--dataset", "no-such-set", env={})
    assert result.returncode == 2
    assert result.stderr.startswith("error: --dataset: no dataset 'no-such-set'")
    assert not out.exists()
