"""The contract text and the performance report: Chinese text, embedded CJK fonts, the numbers."""

from __future__ import annotations

from pathlib import Path

from litestar.testing import AsyncTestClient

from procure.contracts.tables import Contract, ContractScopeLine
from procure.i18n import yuan
from procure.pdf.documents import contract_pdf, performance_report_pdf
from procure.security.tables import User
from tests.conftest import every_item, login
from tests.pdf.conftest import read_pdf


async def active_contract() -> dict:
    contract = (
        await Contract.select().where(Contract.status == "active").order_by(Contract.id).first()
    )
    assert contract is not None
    return contract


async def test_the_contract_text_carries_every_line_and_the_receipt(
    database: None, pdf_folder: Path
) -> None:
    contract = await active_contract()
    filename, pdf = await contract_pdf(contract["id"])
    document = read_pdf(filename, pdf, pdf_folder)
    assert filename == f"{contract['reference']}-合同文本.pdf"
    assert "政府购买服务合同" in document.text and contract["reference"] in document.text
    assert contract["bid_receipt_sha256"] in document.text.replace("\n", "")
    for line in await ContractScopeLine.select().where(
        ContractScopeLine.contract == contract["id"]
    ):
        assert yuan(line["amount_fen"]).replace(" 元", "") in document.layout
    assert "甲方（盖章）" in document.text and "乙方（盖章）" in document.text
    # Both parties' signatures: who signed for each (demo: the department's approver).
    signatories = await User.select(User.display_name).where(
        User.id.is_in([contract["buyer_signed_by"] or -1, contract["organization_signed_by"] or -1])
    )
    for row in signatories:
        assert row["display_name"].split("(")[0] in document.text
    assert document.fonts and all("CJK" in f["name"] and f["emb"] == "yes" for f in document.fonts)


async def test_the_performance_report_has_its_charts_and_grade(
    database: None, pdf_folder: Path
) -> None:
    contract = await active_contract()
    period = contract["starts_on"].strftime("%Y-%m")
    filename, pdf = await performance_report_pdf(contract["id"], period)
    document = read_pdf(filename, pdf, pdf_folder)
    assert "绩效评价报告" in document.text and period in document.text
    assert "服务完成情况" in document.text and "绩效等级" in document.text
    assert all(f["emb"] == "yes" for f in document.fonts)


async def test_a_stranger_cannot_download_a_contract(client: AsyncTestClient) -> None:
    contract = await active_contract()
    await login(client, "committee2")
    mine = {c["id"] for c in await every_item(client, "/api/v1/contracts")}
    response = await client.get(f"/api/v1/contracts/{contract['id']}/document")
    assert response.status_code == (200 if contract["id"] in mine else 404)
    await login(client, "auditor")
    allowed = await client.get(f"/api/v1/contracts/{contract['id']}/document")
    assert allowed.status_code == 200 and allowed.content.startswith(b"%PDF")
    assert "filename*=UTF-8''" in allowed.headers["content-disposition"]
