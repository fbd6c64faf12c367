"""Run in a subprocess on a generated database (its settings in the environment): prints one
JSON object with the counts, a fingerprint of the data and the outcome of the app's own checks,
for tests/demo/test_generate.py to assert on."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from datetime import timedelta
from typing import Any

from litestar.testing import AsyncTestClient

from procure import clock
from procure.app import create_app
from procure.audit.verify import verify_log
from procure.bids.sealing import unseal
from procure.bids.services import open_due_bids
from procure.bids.tables import Award, Bid, BidLine, BidStatus
from procure.contracts.tables import Contract, ContractScopeLine
from procure.demo_generate import GENERATED_PASSWORD
from procure.geography.tables import Community, District
from procure.keyring import get_keyring
from procure.organizations.tables import Organization
from procure.reports.tables import ActivityLine, ServiceReport
from procure.risk.engine import scan
from procure.security.tables import User
from procure.surveys.tables import SurveyAnswer, SurveyResponse, SurveyRound
from procure.tenders.states import TenderStatus
from procure.tenders.tables import Tender

TABLES = (
    District,
    Community,
    Tender,
    Bid,
    BidLine,
    Award,
    Contract,
    ContractScopeLine,
    ServiceReport,
    ActivityLine,
    SurveyRound,
    SurveyResponse,
    SurveyAnswer,
    User,
)


def _digest(rows: list[dict[str, Any]]) -> str:
    return hashlib.sha256(json.dumps(rows, default=str, sort_keys=True).encode()).hexdigest()


async def main() -> dict[str, Any]:
    logging.disable(logging.INFO)
    out: dict[str, Any] = {"counts": {t._meta.tablename: await t.count() for t in TABLES}}
    tenders = await Tender.select().order_by(Tender.id)
    bids = await Bid.select(
        Bid.id,
        Bid.tender,
        Bid.organization,
        Bid.status,
        Bid.content_sha256,
        Bid.submitted_at,
        Bid.opened_at,
        Bid.total_fen,
    ).order_by(Bid.id)
    contracts = await Contract.select(
        Contract.reference,
        Contract.status,
        Contract.value_fen,
        Contract.starts_on,
        Contract.organization,
        Contract.award.bid.total_fen.as_alias("bid_total"),
        Contract.award.bid.organization.as_alias("bid_organization"),
        Contract.award.bid.tender.as_alias("bid_tender"),
        Contract.tender,
    ).order_by(Contract.id)
    answers = await SurveyAnswer.select(SurveyAnswer.score, SurveyAnswer.text).order_by(
        SurveyAnswer.id
    )
    out["fingerprint"] = _digest(
        [
            [{k: v for k, v in t.items() if k != "wrapped_bid_key"} for t in tenders],
            bids,
            contracts,
            answers,
        ]
    )
    out["statuses"] = sorted({t["status"] for t in tenders})
    by_id = {t["id"]: t for t in tenders}
    problems = []
    for bid in bids:
        tender = by_id[bid["tender"]]
        if not tender["published_at"] < bid["submitted_at"] < tender["submission_deadline"]:
            problems.append(f"bid {bid['id']} submitted outside the tender's window")
        opened = tender["status"] not in {"published", "tendering", "cancelled"}
        if opened != (bid["total_fen"] is not None):
            problems.append(
                f"bid {bid['id']}: price revealed {bid['total_fen']} for {tender['status']}"
            )
    for contract in contracts:
        if (contract["value_fen"], contract["organization"], contract["tender"]) != (
            contract["bid_total"],
            contract["bid_organization"],
            contract["bid_tender"],
        ):
            problems.append(f"contract {contract['reference']} does not match its awarded bid")
    # Sealed bids open with the tender's key the way bids/ opens them.
    keyring = get_keyring()
    unsealed = 0
    credit_codes = {
        o["id"]: o["credit_code"]
        for o in await Organization.select(Organization.id, Organization.credit_code)
    }
    for bid in await Bid.select(
        Bid.id,
        Bid.tender,
        Bid.organization,
        Bid.nonce,
        Bid.sealed_content,
        Bid.total_fen,
        Bid.status,
    ).order_by(Bid.id):
        tender = by_id[bid["tender"]]
        key = keyring.unwrap(tender["wrapped_bid_key"], tender["bid_key_version"])
        content = unseal(
            key,
            tender_id=bid["tender"],
            organization_id=bid["organization"],
            nonce=bid["nonce"],
            ciphertext=bid["sealed_content"],
        )
        if content["organization"] != credit_codes[bid["organization"]]:
            problems.append(f"bid {bid['id']}: sealed for another organization")
        if bid["total_fen"] is not None and content["total_fen"] != bid["total_fen"]:
            problems.append(f"bid {bid['id']}: sealed total differs from the opened one")
        unsealed += 1
    out["unsealed"] = unsealed
    # The app's own opening opens a generated tender's sealed bids once its deadline passes.
    tendering = next(t for t in tenders if t["status"] == "tendering")
    real_now = clock.now
    clock.now = lambda: tendering["submission_deadline"] + timedelta(minutes=1)  # type: ignore[assignment]
    try:
        out["opened_by_the_app"] = await open_due_bids(tendering["id"])
    finally:
        clock.now = real_now  # type: ignore[assignment]
    opened = await Bid.select(Bid.status, Bid.total_fen, Bid.content_sha256).where(
        Bid.tender == tendering["id"]
    )
    out["opened_bids"] = sorted({b["status"] for b in opened})
    out["opened_totals"] = all(b["total_fen"] for b in opened)
    out["opened_lines"] = await BidLine.count().where(BidLine.bid.tender == tendering["id"])
    out["problems"] = problems
    verdict = await verify_log()
    out["audit_ok"] = verdict.ok
    out["audit_events"] = verdict.events
    out["flags"] = len(await scan())
    contract = await Contract.select(Contract.id, Contract.department).first()
    buyer = (
        await User.select(User.username).where(User.department == contract["department"]).first()
    )
    pages = {}
    async with AsyncTestClient(app=create_app()) as client:
        token = await client.post(
            "/api/v1/auth/tokens",
            json={"username": buyer["username"], "password": GENERATED_PASSWORD, "name": "t"},
        )
        headers = {"authorization": f"Bearer {token.json()['token']}"}
        for path in (
            "/tenders",
            f"/contracts/{contract['id']}",
            "/disclosure/tenders",
            f"/disclosure/contracts/{contract['id']}",
        ):
            pages[path.replace(str(contract["id"]), "ID")] = (
                await client.get(path, headers=headers)
            ).status_code
    out["pages"] = pages
    out["tender_statuses_valid"] = all(t["status"] in set(TenderStatus) for t in tenders)
    out["bid_statuses"] = sorted({b["status"] for b in bids})
    out["bid_statuses_valid"] = all(b["status"] in set(BidStatus) for b in bids)
    return out


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main())))
