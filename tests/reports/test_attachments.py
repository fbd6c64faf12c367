"""Evidence files: the policy's size limit and types, the SHA-256 stored and served back,
files per report or per line, and what corrections and line changes do to them."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from procure.reports.files import MIB
from procure.reports.tables import ReportAttachment
from tests.reports.conftest import MakeContract, in_scope, report

pytestmark = pytest.mark.usefixtures("report_clock")

TYPES = "only these types can be attached: PDF, JPEG, PNG, Word (.docx), Excel (.xlsx)"
PDF = b"%PDF-1.7\n" + b"signed attendance sheet " * 40
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
XLSX = b"PK\x03\x04" + b"\x00" * 64


@pytest.fixture
async def draft(
    client: AsyncTestClient, as_user: Any, make_contract: MakeContract
) -> dict[str, Any]:
    contract = await make_contract()
    url = f"/api/v1/contracts/{contract['id']}/reports/2026-04"
    org = await as_user("org")
    lines = [in_scope(contract["scope_line_ids"][0]), in_scope(contract["scope_line_ids"][1])]
    assert (await client.put(f"{url}/draft", json=report(*lines), headers=org)).status_code == 200
    return {**contract, "url": url, "org": org, "lines": lines}


async def upload(
    client: AsyncTestClient, draft: dict[str, Any], name: str, content: bytes, **form: Any
) -> Any:
    return await client.post(
        f"{draft['url']}/attachments",
        files={"file": (name, content)},
        data={key: str(value) for key, value in form.items()},
        headers=draft["org"],
    )


async def test_a_file_is_stored_with_its_sha256_and_served_back(
    client: AsyncTestClient, draft: dict[str, Any]
) -> None:
    uploaded = await upload(client, draft, "C:\\Users\\社工\\签到表.pdf", PDF)
    assert uploaded.status_code == 201, uploaded.text
    out = uploaded.json()
    digest = hashlib.sha256(PDF).hexdigest()
    assert out | {"id": 0, "uploaded_at": ""} == {
        "id": 0,
        "filename": "签到表.pdf",  # the browser's folder is not kept
        "content_type": "application/pdf",
        "size_bytes": len(PDF),
        "sha256": digest,
        "line_no": None,
        "uploaded_at": "",
    }
    stored = await ReportAttachment.select().where(ReportAttachment.id == out["id"]).first()
    assert stored is not None
    assert stored["sha256"] == digest and bytes(stored["content"]) == PDF

    served = await client.get(f"/api/v1/reports/attachments/{out['id']}", headers=draft["org"])
    assert served.status_code == 200
    assert served.content == PDF
    assert served.headers["content-type"] == "application/pdf"
    assert served.headers["x-content-sha256"] == digest
    assert served.headers["x-content-type-options"] == "nosniff"
    assert (
        "filename*=UTF-8''%E7%AD%BE%E5%88%B0%E8%A1%A8.pdf" in served.headers["content-disposition"]
    )


async def test_files_attach_to_a_line(client: AsyncTestClient, draft: dict[str, Any]) -> None:
    photo = await upload(client, draft, "现场.png", PNG, line_no=2)
    assert photo.status_code == 201 and photo.json()["line_no"] == 2
    sheet = await upload(client, draft, "台账.xlsx", XLSX, line_no=1)
    assert sheet.json()["content_type"].endswith("spreadsheetml.sheet")
    missing = await upload(client, draft, "a.pdf", PDF, line_no=3)
    assert (missing.status_code, missing.json()["field"], missing.json()["detail"]) == (
        400,
        "line_no",
        "the draft has no line 3",
    )
    # Saving with fewer lines keeps the evidence of a removed line on the report.
    org = draft["org"]
    assert (
        await client.put(f"{draft['url']}/draft", json=report(draft["lines"][0]), headers=org)
    ).status_code == 200
    files = (await client.get(draft["url"], headers=org)).json()["report"]["attachments"]
    assert [(f["filename"], f["line_no"]) for f in files] == [("现场.png", None), ("台账.xlsx", 1)]


@pytest.mark.parametrize(
    ("name", "content", "detail"),
    [
        ("big.pdf", b"%PDF-" + b"0" * (10 * MIB - 4), "big.pdf is larger than 10 MB"),
        ("notes.exe", b"MZ\x90\x00", f"notes.exe: {TYPES}"),
        ("report.doc", b"\xd0\xcf\x11\xe0", f"report.doc: {TYPES}"),
        ("noextension", b"%PDF-1.7", f"noextension: {TYPES}"),
        ("fake.pdf", b"MZ\x90\x00 not a pdf",
         "fake.pdf is not a PDF file: its content does not match its name"),
        ("photo.jpg", PNG, "photo.jpg is not a JPEG file: its content does not match its name"),
        ("empty.pdf", b"", "empty.pdf is empty"),
    ],
)  # fmt: skip
async def test_files_the_policy_refuses(
    client: AsyncTestClient, draft: dict[str, Any], name: str, content: bytes, detail: str
) -> None:
    refused = await upload(client, draft, name, content)
    assert refused.status_code == 400
    assert (refused.json()["field"], refused.json()["detail"]) == ("file", detail)
    assert (
        await ReportAttachment.count().where(ReportAttachment.report.contract == draft["id"]) == 0
    )


async def test_a_file_of_exactly_the_limit_is_accepted(
    client: AsyncTestClient, draft: dict[str, Any]
) -> None:
    content = b"%PDF-" + b"0" * (10 * MIB - 5)
    accepted = await upload(client, draft, "limit.pdf", content)
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["size_bytes"] == 10 * MIB


async def test_a_file_in_another_field_is_not_taken(
    client: AsyncTestClient, draft: dict[str, Any]
) -> None:
    refused = await client.post(
        f"{draft['url']}/attachments", files={"evidence": ("a.pdf", PDF)}, headers=draft["org"]
    )
    assert (refused.status_code, refused.json()["field"]) == (400, "file")
    assert refused.json()["detail"] == "no file was uploaded: send it in the form field file"


async def test_files_need_a_draft_and_a_submitted_report_takes_none(
    client: AsyncTestClient, as_user: Any, make_contract: MakeContract
) -> None:
    contract = await make_contract()
    url = f"/api/v1/contracts/{contract['id']}/reports/2026-03"
    org = await as_user("org")
    early = await client.post(f"{url}/attachments", files={"file": ("a.pdf", PDF)}, headers=org)
    assert (early.status_code, early.json()["detail"]) == (
        409,
        "save a draft of period 2026-03 before attaching files",
    )
    assert (await client.put(f"{url}/draft", json=report(), headers=org)).status_code == 200
    assert (await client.post(f"{url}/submit", headers=org)).status_code == 200
    late = await client.post(f"{url}/attachments", files={"file": ("a.pdf", PDF)}, headers=org)
    assert late.status_code == 409
    assert late.json()["detail"].startswith("version 1 of period 2026-03 is submitted and locked")


async def test_a_correction_starts_with_the_evidence_of_the_version_it_corrects(
    client: AsyncTestClient, draft: dict[str, Any]
) -> None:
    org = draft["org"]
    await upload(client, draft, "总结.pdf", PDF)
    await upload(client, draft, "现场.png", PNG, line_no=2)
    assert (await client.post(f"{draft['url']}/submit", headers=org)).status_code == 200
    version1 = (await client.get(draft["url"], headers=org)).json()["report"]

    correction = report(*draft["lines"], corrects_version=1)
    version2 = (await client.put(f"{draft['url']}/draft", json=correction, headers=org)).json()[
        "report"
    ]
    assert version2["version"] == 2
    kept = [(a["filename"], a["sha256"], a["line_no"]) for a in version2["attachments"]]
    assert kept == [(a["filename"], a["sha256"], a["line_no"]) for a in version1["attachments"]]
    assert {a["id"] for a in version2["attachments"]}.isdisjoint(
        a["id"] for a in version1["attachments"]
    )
    # New evidence goes to the correction only.
    assert (await upload(client, draft, "补充.pdf", PDF)).status_code == 201
    again = (await client.get(f"{draft['url']}?version=1", headers=org)).json()["report"]
    assert len(again["attachments"]) == 2
