"""Run as `python -m tests.backup.probe` against the database the environment names: unseal every
bid with the configured secrets and check it against its receipt, then try to open the tenders
still accepting bids at the real time (nothing may open), move the clock a minute past their
latest deadline and open them. Prints one JSON object; exits 1 if any bid fails to open."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import timedelta
from typing import Any

from procure import clock
from procure.bids.sealing import receipt_hash, unseal
from procure.bids.services import open_due_bids
from procure.bids.tables import Bid
from procure.keyring import KeyUnavailable, get_keyring
from procure.tenders.states import ACCEPTING_BIDS
from procure.tenders.tables import Tender


async def probe() -> dict[str, Any]:
    keyring = get_keyring()
    tenders = {
        row["id"]: row
        for row in await Tender.select(
            Tender.id,
            Tender.reference,
            Tender.status,
            Tender.submission_deadline,
            Tender.wrapped_bid_key,
            Tender.bid_key_version,
        )
    }
    unsealed: dict[str, list[int]] = {}
    failures = []
    for bid in await Bid.select(
        Bid.id, Bid.tender, Bid.organization, Bid.nonce, Bid.sealed_content, Bid.content_sha256
    ).order_by(Bid.id):
        tender = tenders[bid["tender"]]
        try:
            key = keyring.unwrap(tender["wrapped_bid_key"], tender["bid_key_version"])
            content = unseal(
                key,
                tender_id=tender["id"],
                organization_id=bid["organization"],
                nonce=bid["nonce"],
                ciphertext=bid["sealed_content"],
            )
        except (KeyUnavailable, ValueError) as error:
            failures.append(f"{tender['reference']}: {error}")
            continue
        assert receipt_hash(content) == bid["content_sha256"]
        unsealed.setdefault(tender["reference"], []).append(content["total_fen"])
    due = [
        t for t in tenders.values() if t["status"] in ACCEPTING_BIDS and t["reference"] in unsealed
    ]
    opened_before_deadline = [t["reference"] for t in due if await open_due_bids(t["id"])]
    latest = max(t["submission_deadline"] for t in due)
    clock.now = lambda: latest + timedelta(minutes=1)
    opened = [t["reference"] for t in due if await open_due_bids(t["id"])]
    totals: dict[str, list[int]] = {}
    for row in await Bid.select(Bid.tender, Bid.total_fen).where(
        Bid.tender.is_in([t["id"] for t in due]) & Bid.total_fen.is_not_null()
    ):
        totals.setdefault(tenders[row["tender"]]["reference"], []).append(row["total_fen"])
    return {
        "unsealed": {ref: sorted(values) for ref, values in sorted(unsealed.items())},
        "failures": failures,
        "opened_before_deadline": opened_before_deadline,
        "opened": sorted(opened),
        "opened_totals": {ref: sorted(values) for ref, values in sorted(totals.items())},
    }


if __name__ == "__main__":
    result = asyncio.run(probe())
    print(json.dumps(result, sort_keys=True))
    sys.exit(1 if result["failures"] else 0)
