"""The tenders' bid keys as a whole: which secret versions wrap them, whether the configured
secrets open them, and re-wrapping them all under the current secret (`procure keys rotate`).

Re-wrapping changes only the wrapping: each tender keeps its data key, so a bid sealed before,
during or after a rotation opens the same way; nobody reads a bid any earlier for it."""

from __future__ import annotations

from dataclasses import dataclass, field

from procure.audit.events import AuditAction
from procure.audit.services import record
from procure.db import transaction
from procure.errors import Conflict
from procure.i18n import N_
from procure.keyring import Keyring, KeyUnavailable, get_keyring
from procure.security.actors import Actor
from procure.tenders.tables import Tender


@dataclass(frozen=True)
class Rotation:
    version: int
    rewrapped: dict[int, int]  # from version -> tenders re-wrapped
    already_current: int

    @property
    def total_rewrapped(self) -> int:
        return sum(self.rewrapped.values())


@dataclass
class KeyCheck:
    """How many tender keys each version wraps, and which of them the configured secrets open."""

    in_use: dict[int, int] = field(default_factory=dict)
    unavailable: dict[str, str] = field(default_factory=dict)  # tender reference -> why

    @property
    def ok(self) -> bool:
        return not self.unavailable


async def key_versions_in_use() -> dict[int, int]:
    """Tenders per secret version of their wrapped bid key."""
    rows = await Tender.raw(
        "SELECT bid_key_version AS version, COUNT(*) AS tenders FROM tender "
        "GROUP BY bid_key_version ORDER BY bid_key_version"
    )
    return {int(row["version"]): int(row["tenders"]) for row in rows}


async def tender_keys_check(keyring: Keyring | None = None) -> KeyCheck:
    """Unwrap every tender key with the configured secrets (a read: nothing is decrypted but the
    keys themselves, and nothing is kept)."""
    keyring = keyring or get_keyring()
    check = KeyCheck(in_use=await key_versions_in_use())
    rows = await Tender.select(
        Tender.reference, Tender.wrapped_bid_key, Tender.bid_key_version
    ).order_by(Tender.id)
    for row in rows:
        try:
            keyring.unwrap(row["wrapped_bid_key"], row["bid_key_version"])
        except KeyUnavailable as error:
            check.unavailable[row["reference"]] = str(error)
    return check


async def keyring_mismatch(keyring: Keyring | None = None) -> str | None:
    """Why the configured secrets do not fit the database, judged on the first tender of each
    version in use (None when they fit). `procure serve` refuses to start on a mismatch: a new
    secret under an old version number would otherwise wrap new tenders' keys beside keys it
    cannot open, under one version."""
    keyring = keyring or get_keyring()
    if not await Tender.table_exists().run():  # not migrated yet: no key to fit
        return None
    for version in await key_versions_in_use():
        row = (
            await Tender.select(Tender.reference, Tender.wrapped_bid_key)
            .where(Tender.bid_key_version == version)
            .order_by(Tender.id)
            .first()
        )
        if row is None:  # pragma: no cover - the version was just counted
            continue
        try:
            keyring.unwrap(row["wrapped_bid_key"], version)
        except KeyUnavailable as error:
            return f"tender {row['reference']}: {error}"
    return None


async def tender_keys_rotate(*, actor: Actor | None, keyring: Keyring | None = None) -> Rotation:
    """Re-wrap every tender key not yet under the current secret, in one transaction with its
    audit event. Idempotent: a second run finds nothing to do. A key that no configured secret
    opens stops the whole rotation (Conflict naming the tender); nothing is changed then."""
    keyring = keyring or get_keyring()
    current = keyring.current_version
    rewrapped: dict[int, int] = {}
    async with transaction():
        rows = await Tender.select(
            Tender.id, Tender.reference, Tender.wrapped_bid_key, Tender.bid_key_version
        ).order_by(Tender.id)
        already_current = 0
        for row in rows:
            version = row["bid_key_version"]
            if version == current:
                already_current += 1
                continue
            try:
                fresh = keyring.rewrap(row["wrapped_bid_key"], version)
            except KeyUnavailable as error:
                reference = row["reference"]
                raise Conflict(
                    N_("tender %(reference)s: %(reason)s; nothing was re-wrapped"),
                    reference=reference,
                    reason=str(error),
                ) from None
            # Compare-and-set on the old wrapping: a concurrent rotation wins or loses as a whole.
            changed = (
                await Tender.update(
                    {Tender.wrapped_bid_key: fresh.wrapped, Tender.bid_key_version: fresh.version}
                )
                .where(
                    (Tender.id == row["id"])
                    & (Tender.bid_key_version == version)
                    & (Tender.wrapped_bid_key == row["wrapped_bid_key"])
                )
                .returning(Tender.id)
            )
            if not changed:
                raise Conflict(
                    N_("tender %(reference)s: its key changed during the rotation"),
                    reference=row["reference"],
                )
            rewrapped[version] = rewrapped.get(version, 0) + 1
        rotation = Rotation(version=current, rewrapped=rewrapped, already_current=already_current)
        if rotation.total_rewrapped:
            await record(
                actor=actor,
                action=AuditAction.tender_keys_rotated,
                subject_type="keyring",
                subject_id=current,
                data={
                    "version": current,
                    "fingerprint": keyring.fingerprints()[current],
                    "rewrapped": {str(v): n for v, n in sorted(rewrapped.items())},
                    "already_current": already_current,
                },
            )
    return rotation
