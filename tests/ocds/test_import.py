"""`ocds_import` and `procure ocds import`: every shape into the database, kept as published,
replaced on re-import, all or nothing with one audit event, refused with line and path."""

from __future__ import annotations

import asyncio
import json
import secrets
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from litestar.exceptions import PermissionDeniedException

from procure.audit.tables import AuditEvent
from procure.cli import main
from procure.errors import InvalidInput
from procure.ocds import compile as ocds_compile
from procure.ocds.imports import ocds_dataset_delete, ocds_import
from procure.ocds.reader import OcdsInputError
from procure.ocds.tables import (
    OcdsAward,
    OcdsAwardItem,
    OcdsAwardSupplier,
    OcdsBid,
    OcdsBidTenderer,
    OcdsParty,
    OcdsProcess,
)
from procure.security.actors import Actor
from procure.security.selectors import user_by_username
from procure.web import labels

RELEASE_1 = {
    "ocid": "ocds-t-1",
    "id": "1",
    "date": "2024-03-01T00:00:00Z",
    "tag": ["tender"],
    "buyer": {"id": "B1", "name": "民政局"},
    "parties": [
        {"id": "B1", "roles": ["buyer"]},
        {"id": "T1", "roles": ["tenderer", "supplier"], "address": {"streetAddress": "1 Road"}},
    ],
    "tender": {
        "id": "t1",
        "status": "active",
        "procurementMethod": "open",
        "procurementMethodDetails": "公开招标",
        "procuringEntity": {"id": "P1"},
        "numberOfTenderers": 2,
        "tenderPeriod": {"startDate": "2024-03-01T09:00:00+08:00", "endDate": "2024-03-10"},
    },
}
RELEASE_2 = {
    "ocid": "ocds-t-1",
    "id": "2",
    "date": "2024-04-01T00:00:00Z",
    "tag": ["award"],
    "bids": {
        "details": [
            {
                "id": "b1",
                "status": "valid",
                "tenderers": [{"id": "T1"}],
                "value": {"amount": 1000.5, "currency": "CNY"},
                "date": "2024-03-09T10:00:00Z",
            },
            {
                "id": "b2",
                "status": "disqualified",
                "tenderers": [{"id": "T2"}],
                "value": {"amount": "about 900", "currency": "CNY"},
            },
        ]
    },
    "awards": [
        {
            "id": "a1",
            "status": "active",
            "suppliers": [{"id": "T1"}],
            "value": {"amount": 1000.5, "currency": "CNY"},
            "date": "2024-04-01T00:00:00Z",
            "items": [{"id": "i1", "classification": {"scheme": "CPV", "id": "85310000"}}],
        },
    ],
}
COMPILED = {"ocid": "ocds-t-2", "tag": ["compiled"], "tender": {"status": "planned"}}


def unique_dataset() -> str:
    return f"test-{secrets.token_hex(4)}"


def package(*releases: dict[str, Any]) -> bytes:
    return json.dumps({"uri": "https://example.com", "releases": list(releases)}).encode()


def json_lines(*values: Any) -> bytes:
    return "".join(json.dumps(value, ensure_ascii=False) + "\n" for value in values).encode()


async def processes(dataset: str) -> list[dict[str, Any]]:
    rows = await OcdsProcess.select().where(OcdsProcess.dataset == dataset).order_by(OcdsProcess.id)
    return list(rows)


async def last_event() -> dict[str, Any]:
    row = await AuditEvent.select().order_by(AuditEvent.seq, ascending=False).first()
    assert row is not None
    return row


async def test_release_package_compiled_and_normalized(database: None) -> None:
    dataset = unique_dataset()
    summary = await ocds_import(
        actor=None,
        source=package(RELEASE_1, COMPILED, RELEASE_2),
        dataset=dataset,
        source_name="feed.json",
    )
    assert (summary.processes, summary.releases, summary.replaced) == (2, 3, 0)
    first, second = await processes(dataset)
    assert first["ocid"] == "ocds-t-1" and first["source"] == "feed.json"
    compiled = json.loads(first["compiled_release"])
    assert compiled["tag"] == ["compiled"] and compiled["awards"][0]["id"] == "a1"
    assert json.loads(first["releases"]) == [RELEASE_1, RELEASE_2]
    assert (first["buyer_id"], first["procuring_entity_id"]) == ("B1", "P1")
    assert (first["procurement_method"], first["procurement_method_details"]) == (
        "open",
        "公开招标",
    )
    assert first["tender_period_start"] == datetime(2024, 3, 1, 1, tzinfo=UTC)
    assert first["number_of_tenderers"] == 2
    # One compiled release, published as such: kept exactly, not re-compiled.
    assert json.loads(second["compiled_release"]) == COMPILED

    bids = await OcdsBid.select().where(OcdsBid.process == first["id"]).order_by(OcdsBid.position)
    assert [(b["bid_id"], b["status"], b["amount"], b["currency"]) for b in bids] == [
        ("b1", "valid", Decimal("1000.5"), "CNY"),
        ("b2", "disqualified", None, "CNY"),
    ]
    assert bids[0]["date"] == datetime(2024, 3, 9, 10, tzinfo=UTC)
    tenderers = await OcdsBidTenderer.select(OcdsBidTenderer.party_id).where(
        OcdsBidTenderer.process == first["id"]
    )
    assert sorted(t["party_id"] for t in tenderers) == ["T1", "T2"]
    award = await OcdsAward.select().where(OcdsAward.process == first["id"]).first()
    assert award is not None and (award["status"], award["amount"]) == ("active", Decimal("1000.5"))
    supplier = (
        await OcdsAwardSupplier.select().where(OcdsAwardSupplier.process == first["id"]).first()
    )
    item = await OcdsAwardItem.select().where(OcdsAwardItem.process == first["id"]).first()
    assert supplier is not None and supplier["party_id"] == "T1"
    assert item is not None and (item["classification_scheme"], item["classification_id"]) == (
        "CPV",
        "85310000",
    )
    parties = (
        await OcdsParty.select()
        .where(OcdsParty.process == first["id"])
        .order_by(OcdsParty.position)
    )
    assert [p["party_id"] for p in parties] == ["B1", "T1"]
    assert parties[1]["full_address"] == "1 road "


async def test_unusable_values_are_kept_as_published(database: None) -> None:
    dataset = unique_dataset()
    summary = await ocds_import(
        actor=None, source=json_lines(RELEASE_1, RELEASE_2), dataset=dataset
    )
    assert [str(value) for value in summary.skipped_values] == [
        "ocds-t-1: $.tender.tenderPeriod.endDate: not an RFC 3339 date-time with a time zone:"
        " '2024-03-10'",
        "ocds-t-1: $.bids.details[1].value.amount: not a number: 'about 900'",
    ]
    (process,) = await processes(dataset)
    assert process["tender_period_end"] is None
    assert process["tender_period_end_text"] == "2024-03-10"
    compiled = json.loads(process["compiled_release"])
    assert compiled["tender"]["tenderPeriod"]["endDate"] == "2024-03-10"
    assert compiled["bids"]["details"][1]["value"]["amount"] == "about 900"


async def test_every_input_shape(database: None) -> None:
    record = {
        "ocid": "ocds-r-1",
        "releases": [RELEASE_1 | {"ocid": "ocds-r-1"}],
        "compiledRelease": {"ocid": "ocds-r-1", "tag": ["compiled"]},
    }
    shapes = {
        "release package": package(RELEASE_1, RELEASE_2),
        "record package": json.dumps({"records": [record]}).encode(),
        "release": json.dumps(RELEASE_1).encode(),
        "compiled release": json.dumps(COMPILED).encode(),
        "record": json.dumps(record).encode(),
        "array": json.dumps([RELEASE_1, COMPILED]).encode(),
        "json lines of packages": json_lines({"releases": [RELEASE_1]}, {"releases": [COMPILED]}),
    }
    expected = {
        "release package": ["ocds-t-1"],
        "record package": ["ocds-r-1"],
        "release": ["ocds-t-1"],
        "compiled release": ["ocds-t-2"],
        "record": ["ocds-r-1"],
        "array": ["ocds-t-1", "ocds-t-2"],
        "json lines of packages": ["ocds-t-1", "ocds-t-2"],
    }
    for shape, data in shapes.items():
        dataset = unique_dataset()
        await ocds_import(actor=None, source=data, dataset=dataset)
        assert [p["ocid"] for p in await processes(dataset)] == expected[shape], shape


async def test_reimport_replaces_the_process(database: None) -> None:
    dataset, neighbour = unique_dataset(), unique_dataset()
    await ocds_import(actor=None, source=package(RELEASE_1, RELEASE_2, COMPILED), dataset=dataset)
    await ocds_import(actor=None, source=package(RELEASE_1, RELEASE_2), dataset=neighbour)
    later = {key: value for key, value in RELEASE_2.items() if key != "awards"}
    later["bids"] = {"details": [{"id": "b9", "status": "valid"}]}
    summary = await ocds_import(actor=None, source=json.dumps(later).encode(), dataset=dataset)
    assert (summary.processes, summary.replaced) == (1, 1)
    rows = await processes(dataset)
    assert [p["ocid"] for p in rows] == ["ocds-t-2", "ocds-t-1"]
    replaced = rows[1]
    assert json.loads(replaced["releases"]) == [later]
    bids = await OcdsBid.select(OcdsBid.bid_id).where(OcdsBid.process.dataset == dataset)
    assert [b["bid_id"] for b in bids] == ["b9"]
    # The old process's rows went with it; the other dataset is untouched.
    assert await OcdsAward.count().where(OcdsAward.process.dataset == dataset) == 0
    assert await OcdsBid.count().where(OcdsBid.process.dataset == neighbour) == 2


async def test_one_audit_event(database: None) -> None:
    dataset = unique_dataset()
    before = await AuditEvent.count()
    data = package(RELEASE_1, RELEASE_2)
    summary = await ocds_import(actor=None, source=data, dataset=dataset, source_name="x.json")
    assert await AuditEvent.count() == before + 1
    event = await last_event()
    assert (event["action"], event["subject_type"], event["subject_id"]) == (
        "ocds.imported",
        "ocds_dataset",
        dataset,
    )
    assert json.loads(event["data"]) == {
        "source": "x.json",
        "sha256": summary.sha256,
        "processes": 1,
        "releases": 2,
        "replaced": 0,
        "skipped_values": 2,
        "skipped_input": 0,
    }
    assert await ocds_dataset_delete(actor=None, dataset=dataset) == 1
    event = await last_event()
    assert (event["action"], json.loads(event["data"])) == (
        "ocds.dataset_deleted",
        {"processes": 1},
    )
    assert await processes(dataset) == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            json_lines(RELEASE_1, COMPILED) + b'{"ocid": "x", oops}\n',
            "line 3 column 15: not JSON: ",
        ),
        (b"<html>not json</html>", "line 1 column 1: not JSON: Expecting value"),
        (
            json_lines(COMPILED, {"releases": [RELEASE_1, {"id": "no ocid"}]}),
            'line 2: $.releases[1]: not a release: no "ocid"',
        ),
        (json.dumps({"version": "1.1"}).encode(), 'line 1: $: not a release: no "ocid"'),
    ],
)
async def test_bad_input_imports_nothing(database: None, data: bytes, message: str) -> None:
    dataset = unique_dataset()
    before = await AuditEvent.count()
    with pytest.raises(OcdsInputError) as caught:
        await ocds_import(actor=None, source=data, dataset=dataset)
    assert caught.value.message.startswith(message)
    assert caught.value.field == "file"
    assert await processes(dataset) == []
    assert await AuditEvent.count() == before


async def test_datasets_and_permission(database: None) -> None:
    with pytest.raises(InvalidInput, match="the platform's own processes"):
        await ocds_import(actor=None, source=package(RELEASE_1), dataset="platform")
    with pytest.raises(InvalidInput, match="1–40 characters") as refused:
        await ocds_import(actor=None, source=package(RELEASE_1), dataset="no spaces")
    # The refusal is a catalog message: a page reads it in the reader's language.
    said = labels.message("zh-CN", refused.value.template, refused.value.variables)
    assert said == "须为 1–40 个字符，仅可使用字母、数字及 _ . : -，并以字母或数字开头"
    buyer = await user_by_username("buyer")
    admin = await user_by_username("admin")
    assert buyer is not None and admin is not None
    with pytest.raises(PermissionDeniedException):
        await ocds_import(actor=Actor.from_row(buyer), source=package(RELEASE_1))
    dataset = unique_dataset()
    await ocds_import(actor=Actor.from_row(admin), source=package(RELEASE_1), dataset=dataset)
    event = await last_event()
    assert event["actor_label"] == "admin (admin)"


async def test_compiling_never_reaches_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    import requests

    def offline(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("ocdsmerge tried to download a schema")

    monkeypatch.setattr(requests, "get", offline)
    ocds_compile.merger.cache_clear()
    compiled, warnings = ocds_compile.compile_releases([RELEASE_1, RELEASE_2])
    assert compiled["bids"]["details"][0]["id"] == "b1" and warnings == []
    assert ocds_compile.release_schema()["properties"]["bids"]["type"] == "object"


def test_command(database: None, tmp_path: Path) -> None:
    dataset = unique_dataset()
    feed = tmp_path / "feed.jsonl"
    feed.write_bytes(json_lines(RELEASE_1, RELEASE_2, COMPILED))
    result = CliRunner().invoke(main, ["ocds", "import", str(feed), "--dataset", dataset])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"imported 2 contracting processes (3 releases or records read) into dataset {dataset}",
        "2 values kept as published but unusable by the rules:",
        "  ocds-t-1: $.tender.tenderPeriod.endDate: not an RFC 3339 date-time with a time zone:"
        " '2024-03-10'",
        "  ocds-t-1: $.bids.details[1].value.amount: not a number: 'about 900'",
    ]
    result = CliRunner().invoke(main, ["ocds", "import", str(feed), "--dataset", dataset])
    assert "(3 releases or records read, 2 replaced)" in result.stdout

    broken = tmp_path / "broken.json"
    broken.write_text('{"releases": [{"ocid": "a"}, {"tag": ["tender"]}]}')
    result = CliRunner().invoke(main, ["ocds", "import", str(broken), "--dataset", dataset])
    assert result.exit_code == 2
    assert result.stderr == f'error: {broken}: line 1: $.releases[1]: not a release: no "ocid"\n'
    result = CliRunner().invoke(main, ["ocds", "import", str(tmp_path / "missing.json")])
    assert result.exit_code == 2 and "cannot read" in result.stderr

    count = asyncio.run(OcdsProcess.count().where(OcdsProcess.dataset == dataset).run())
    assert count == 2


async def test_rules_read_amounts_as_the_doubles_published(database: None) -> None:
    from procure.ocds.dataset import dataset_processes

    amounts = [0.30000000000000004, 1.2345678901234567, 12345678901234567890, 2**70, 5]
    details = [{"status": "valid", "value": {"amount": amount}} for amount in amounts]
    dataset = unique_dataset()
    await ocds_import(
        actor=None,
        source=json.dumps({"ocid": "p", "bids": {"details": details}}).encode(),
        dataset=dataset,
    )
    (process,) = await dataset_processes(dataset, bids=True)
    assert [bid.amount for bid in process.bids] == [float(amount) for amount in amounts]
    assert all(type(bid.amount) is float for bid in process.bids)
