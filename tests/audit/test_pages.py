"""The checkpoints are public: a disclosure page in both languages, a JSON list, a file per day
and the public keys, for anyone, signed in or not. The events themselves stay with auditors."""

from __future__ import annotations

from datetime import UTC, date, datetime

from litestar.testing import AsyncTestClient

from procure.audit.chain import Checkpoint, signature_problem
from procure.audit.checkpoint_selectors import checkpoint_of_day, public_keys
from procure.audit.services import checkpoint_make
from procure.keyring import get_keyring
from tests.conftest import every_page

DAY = date(2001, 1, 2)  # this module's own checkpoint: no other test signs one for that day


async def own_checkpoint() -> Checkpoint:
    """The day's checkpoint: made by whichever of this module's tests runs first."""
    made = await checkpoint_make(DAY, at=datetime(2001, 1, 2, 4, tzinfo=UTC))
    kept = made or await checkpoint_of_day(DAY)
    assert kept is not None
    return kept


async def test_the_checkpoints_page_in_both_languages(client: AsyncTestClient) -> None:
    checkpoint = await own_checkpoint()
    key = public_keys()[get_keyring().current_version]
    chinese = await every_page(client, "/disclosure/audit")
    assert "审计日志检查点" in chinese and key in chinese
    assert f'data-seq="{checkpoint.seq}"' in chinese
    assert f'href="/api/v1/audit/checkpoints/{DAY.isoformat()}"' in chinese
    client.cookies.set("lang", "en")
    english = (await client.get("/disclosure/audit")).text
    assert "Audit log checkpoints" in english and "Signing keys" in english and key in english
    assert "审计日志检查点" not in english
    refused = await client.get("/disclosure/audit", params={"page": "0"})
    assert refused.status_code == 400 and "page" in refused.text


async def test_a_checkpoint_downloads_as_a_file_that_verifies(client: AsyncTestClient) -> None:
    await own_checkpoint()
    answer = await client.get(f"/api/v1/audit/checkpoints/{DAY.isoformat()}")
    assert answer.status_code == 200
    assert "attachment" in answer.headers["content-disposition"]
    kept = Checkpoint.parse(answer.json())
    assert signature_problem(get_keyring(), kept) is None
    assert answer.json()["signed_note"] == kept.note()
    listed = await client.get("/api/v1/audit/checkpoints", params={"per_page": "100"})
    assert listed.status_code == 200 and int(listed.headers["x-total-count"]) >= 1
    assert kept.export() in listed.json()
    keys = await client.get("/api/v1/audit/public-keys")
    assert keys.json() == {str(v): k for v, k in public_keys().items()}
    missing = await client.get("/api/v1/audit/checkpoints/2000-01-01")
    assert missing.status_code == 404


async def test_the_events_stay_with_auditors(client: AsyncTestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    assert (await client.get("/api/v1/audit/events")).status_code in (401, 403)
    buyer = await client.get("/api/v1/audit/events", headers=await as_user("buyer"))
    assert buyer.status_code == 403
    auditor = await client.get("/api/v1/audit/events", headers=await as_user("auditor"))
    assert auditor.status_code == 200
