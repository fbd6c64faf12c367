"""Imported ids are as long as their publisher made them: a flag keeps an ocid and a subject id
(``ocid/bids/details/<n>``) far past the old VARCHAR(64)/(200), through the import's own event
and the full scan, on both engines; one too long for the flags' unique index is skipped, saying
why, instead of failing the rule's run."""

from __future__ import annotations

from procure.risk.engine import SUBJECT_ID_MAX_BYTES, scan
from procure.risk.registry import Skip
from tests.risk.test_every_dataset import datasets, flags, imported, process

__all__ = ["datasets"]  # the fixture, used by name

#: A publisher's prefix and an id with lots and a revision, 300 characters in all.
LONG_OCID = "ocds-9t57fa-" + "/".join(f"MXCG-2026-LOT{n:03d}-标段{n}" for n in range(1, 40))
LONG_OCID = LONG_OCID[:300]


async def test_a_long_ocid_is_flagged_whole(datasets: list[str]) -> None:
    assert len(LONG_OCID) == 300
    # T0's bid at 40% of the others' mean: UNDERPRICED_BID over /bids/details.
    dataset = await imported(
        datasets, "city_long", [process(LONG_OCID, [40_000, 100_000, 101_000], value=120_000)]
    )
    subject = f"{LONG_OCID}/bids/details/0"
    found = await flags(dataset, "UNDERPRICED_BID")
    assert set(found) == {f"UNDERPRICED_BID {subject}"}
    flag = found[f"UNDERPRICED_BID {subject}"]
    assert flag["subject_id"] == subject and flag["ocid"] == LONG_OCID
    # The full scan finds the same flag again (one row: the unique key matched it whole).
    again = [f for f in await scan(rules=["UNDERPRICED_BID"]) if f["dataset"] == dataset]
    assert [(f["subject_id"], f["ocid"]) for f in again] == [(subject, LONG_OCID)]
    assert set(await flags(dataset, "UNDERPRICED_BID")) == set(found)


async def test_a_subject_id_past_the_cap_is_skipped_not_stored(datasets: list[str]) -> None:
    ocid = "ocds-9t57fa-" + "x" * (SUBJECT_ID_MAX_BYTES - 12)
    dataset = await imported(
        datasets, "city_huge", [process(ocid, [40_000, 100_000, 101_000], value=120_000)]
    )
    skipped: list[Skip] = []
    await scan(rules=["UNDERPRICED_BID"], skipped=skipped.append)
    assert not await flags(dataset, "UNDERPRICED_BID")
    (skip,) = [s for s in skipped if s.dataset == dataset]
    assert skip.rule == "UNDERPRICED_BID" and skip.ocid == ocid
    assert f"longer than {SUBJECT_ID_MAX_BYTES} bytes" in skip.reason
