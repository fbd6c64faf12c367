"""Reading the audit log's signed checkpoints and their public keys: public, for anyone to keep."""

from __future__ import annotations

from datetime import date

from procure.audit.chain import Checkpoint, public_key
from procure.audit.tables import AuditCheckpoint
from procure.db.pagination import Page, PageRequest, paginate
from procure.keyring import get_keyring


async def checkpoint_page(paging: PageRequest) -> Page[Checkpoint]:
    """One page of the signed checkpoints, newest first."""
    query = AuditCheckpoint.select().order_by(AuditCheckpoint.day, ascending=False)
    page = await paginate(query, AuditCheckpoint.count(), paging)
    return page.map(Checkpoint.from_row)


async def latest_checkpoint() -> Checkpoint | None:
    return next(iter((await checkpoint_page(PageRequest(1, 1))).items), None)


async def checkpoint_of_day(day: date) -> Checkpoint | None:
    row = await AuditCheckpoint.select().where(AuditCheckpoint.day == day).first()
    return Checkpoint.from_row(row) if row else None


def public_keys() -> dict[int, str]:
    """The checkpoints' public keys of every configured secret version (base64, raw Ed25519)."""
    keyring = get_keyring()
    return {version: public_key(keyring, version) for version in sorted(keyring.secrets)}
