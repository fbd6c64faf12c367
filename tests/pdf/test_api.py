"""GET /api/v1/tenders/{id}/documents/{kind}: a PDF download for what the document may show."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest
from litestar.testing import AsyncTestClient

from procure.bids import services as bid_services
from procure.i18n import gettext, local_time
from procure.pdf import render
from procure.pdf.documents import (
    NO_AWARD_YET,
    NO_EVALUATION_YET,
    NO_OPENING_CANCELLED,
    SEALED_UNTIL,
)
from procure.security.selectors import user_by_username
from procure.settings import get_settings
from tests.conftest import login
from tests.pdf.conftest import demo_tender, read_pdf


async def test_a_document_downloads_as_a_pdf_with_its_chinese_name(
    client: AsyncTestClient, pdf_folder: Path
) -> None:
    tender = await demo_tender("evaluation")
    response = await client.get(f"/api/v1/tenders/{tender['id']}/documents/opening-record")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    name = f"{tender['reference']}-开标记录.pdf"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="tender-{tender["id"]}-opening-record.pdf"; '
        f"filename*=UTF-8''{quote(name)}"
    )
    assert response.content.startswith(b"%PDF-")
    assert "开标记录" in read_pdf(name, response.content, pdf_folder).text


@pytest.mark.parametrize("username", [None, "buyer2", "org"])
async def test_a_draft_notice_is_404_outside_its_department(
    client: AsyncTestClient, username: str | None
) -> None:
    draft = await demo_tender("draft")  # ZB-2026-042 of 滨海区民政局, whose buyer is "buyer"
    owner = await user_by_username("buyer")
    assert owner is not None and owner["department"] == draft["department"]
    if username:
        await login(client, username)
    response = await client.get(f"/api/v1/tenders/{draft['id']}/documents/tender-notice")
    assert response.status_code == 404
    assert response.json()["detail"] == f"tender {draft['id']} not found"


async def test_its_department_sees_its_draft_notice_marked_as_a_draft(
    client: AsyncTestClient, pdf_folder: Path
) -> None:
    draft = await demo_tender("draft")
    await login(client, "buyer")
    response = await client.get(f"/api/v1/tenders/{draft['id']}/documents/tender-notice")
    assert response.status_code == 200
    text = read_pdf("draft.pdf", response.content, pdf_folder).text
    assert "草稿：本项目尚未发布" in text and draft["title"] in text


async def test_the_opening_record_is_409_while_bids_are_sealed(
    client: AsyncTestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    tender = await demo_tender("tendering")  # ZB-2026-038: two sealed bids, deadline ahead

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("nothing may be unsealed or rendered before the deadline")

    monkeypatch.setattr(bid_services, "unseal", never)
    monkeypatch.setattr(render, "render_pdf_async", never)
    for username in (None, "buyer"):  # not even the tender's own department
        if username:
            await login(client, username)
        response = await client.get(f"/api/v1/tenders/{tender['id']}/documents/opening-record")
        assert response.status_code == 409
        assert response.headers["content-type"].startswith("application/json")
        deadline = local_time(tender["submission_deadline"], get_settings().timezone)
        # Said in the reader's language (Chinese by default).
        assert response.json()["detail"] == gettext("zh-CN", SEALED_UNTIL, deadline=deadline)
        assert "投标截止时间" in response.json()["detail"]


@pytest.mark.parametrize(
    ("status", "kind", "detail"),
    [
        ("published", "evaluation-report", NO_EVALUATION_YET),
        ("opened", "evaluation-report", NO_EVALUATION_YET),
        ("evaluation", "award-notice", NO_AWARD_YET),
        ("cancelled", "opening-record", NO_OPENING_CANCELLED),
    ],
)
async def test_a_document_before_its_time_is_409(
    client: AsyncTestClient, status: str, kind: str, detail: str
) -> None:
    tender = await demo_tender(status)
    response = await client.get(f"/api/v1/tenders/{tender['id']}/documents/{kind}")
    assert response.status_code == 409
    assert response.json()["detail"] == gettext("zh-CN", detail)
    english = await client.get(
        f"/api/v1/tenders/{tender['id']}/documents/{kind}", cookies={"lang": "en"}
    )
    assert english.json()["detail"] == detail


async def test_an_unknown_document_or_tender_is_404(client: AsyncTestClient) -> None:
    tender = await demo_tender("evaluation")
    unknown_kind = await client.get(f"/api/v1/tenders/{tender['id']}/documents/contract")
    assert unknown_kind.status_code == 404
    assert unknown_kind.json()["detail"] == (
        "no document 'contract'; the documents are "
        "tender-notice, opening-record, evaluation-report, award-notice"
    )
    unknown_tender = await client.get("/api/v1/tenders/987654/documents/tender-notice")
    assert unknown_tender.status_code == 404
    assert unknown_tender.json()["detail"] == "tender 987654 not found"
