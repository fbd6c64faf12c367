"""Normalizing compiled releases: RFC 3339 as cardinal parses it, unusable values kept aside."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from procure.ocds.normalize import normalize, parse_rfc3339


@pytest.mark.parametrize(
    ("text", "instant"),
    [
        ("2000-01-01T18:00:00Z", datetime(2000, 1, 1, 18, tzinfo=UTC)),
        ("2000-01-01t18:00:00z", datetime(2000, 1, 1, 18, tzinfo=UTC)),
        ("2000-01-01 18:00:00Z", datetime(2000, 1, 1, 18, tzinfo=UTC)),
        ("2000-03-15T00:00:00-05:00", datetime(2000, 3, 15, 5, tzinfo=UTC)),
        ("2000-03-15T00:00:00\u221205:00", datetime(2000, 3, 15, 5, tzinfo=UTC)),
        ("2000-03-15T08:00:00+08:00", datetime(2000, 3, 15, tzinfo=UTC)),
        ("2000-01-01T00:00:00.123456789Z", datetime(2000, 1, 1, 0, 0, 0, 123456, tzinfo=UTC)),
        ("1998-12-31T23:59:60Z", datetime(1999, 1, 1, tzinfo=UTC)),
    ],
)
def test_rfc3339_date_times(text: str, instant: datetime) -> None:
    assert parse_rfc3339(text) == instant


@pytest.mark.parametrize(
    "text",
    [
        "invalid",
        "2000-01-01",  # a date only
        "2000-01-01T00:00:00",  # no time zone
        "2000-01-01T00:00Z",  # no seconds
        "2000-02-30T00:00:00Z",
        "2000-01-01T24:00:00Z",
        "2000-01-01T00:00:00+24:00",
        "2000-01-01T00:00:00+0800",  # the offset needs its colon
        "2000-01-01T00:00:00.Z",
        "２０００-01-01T00:00:00Z",  # digits are ASCII
        " 2000-01-01T00:00:00Z",
    ],
)
def test_not_rfc3339(text: str) -> None:
    assert parse_rfc3339(text) is None


def test_unusable_values_are_null_and_listed() -> None:
    release = {
        "ocid": "ocds-1",
        "buyer": {"id": 17},
        "tender": {
            "status": "active",
            "procurementMethod": "open",
            "numberOfTenderers": 1.0,
            "tenderPeriod": {"startDate": "2024-01-01", "endDate": "2024-01-20T00:00:00Z"},
        },
        "bids": {
            "details": [
                {
                    "id": 1,
                    "status": "valid",
                    "value": {"amount": "100", "currency": "CNY"},
                    "date": "2024-01-19T00:00:00+08:00",
                    "tenderers": [{"id": "A"}, {"id": 2}, "B"],
                },
                "not a bid",
            ]
        },
        "awards": [
            {
                "status": "active",
                "suppliers": {"id": "A"},
                "items": [{"classification": {"id": 42}}],
            }
        ],
    }
    rows = normalize("ocds-1", release)
    assert rows.process["buyer_id"] is None
    assert rows.process["number_of_tenderers"] is None
    assert rows.process["tender_period_start"] is None
    assert rows.process["tender_period_end"] == datetime(2024, 1, 20, tzinfo=UTC)
    assert rows.process["tender_period_end_text"] == "2024-01-20T00:00:00Z"
    assert rows.bids == [
        {
            "position": 0,
            "bid_id": "1",
            "status": "valid",
            "amount": None,
            "currency": "CNY",
            "date": datetime(2024, 1, 18, 16, tzinfo=UTC),
            "date_text": "2024-01-19T00:00:00+08:00",
        }
    ]
    assert [t["party_id"] for t in rows.bid_tenderers] == ["A", None, None]
    assert rows.award_suppliers == []
    assert rows.award_items[0]["classification_id"] is None
    assert sorted(str(skipped) for skipped in rows.skipped) == sorted(
        [
            "ocds-1: $.buyer.id: not a string",
            "ocds-1: $.tender.numberOfTenderers: not an integer: 1.0",
            "ocds-1: $.tender.tenderPeriod.startDate: not an RFC 3339 date-time with a time zone:"
            " '2024-01-01'",
            "ocds-1: $.bids.details[0].value.amount: not a number: '100'",
            "ocds-1: $.bids.details[0].tenderers[1].id: not a string",
            "ocds-1: $.bids.details[0].tenderers[2]: not an object",
            "ocds-1: $.bids.details[1]: not an object",
            "ocds-1: $.awards[0].suppliers: not an array",
            "ocds-1: $.awards[0].items[0].classification.id: not a string",
        ]
    )


def test_amounts_keep_the_double_cardinal_reads() -> None:
    release = {
        "bids": {
            "details": [
                {"value": {"amount": 0.1}},
                {"value": {"amount": 12345678901234567890}},
                {"value": {"amount": True}},
            ]
        }
    }
    rows = normalize("x", release)
    amounts = [bid["amount"] for bid in rows.bids]
    assert amounts[:2] == [Decimal("0.1"), Decimal(12345678901234567890)]
    assert float(amounts[0]) == 0.1
    assert amounts[2] is None


def test_parties_for_r044() -> None:
    release = {
        "parties": [
            {
                "id": "P1",
                "roles": ["tenderer", 3],
                "address": {"streetAddress": "  Street ABC ", "locality": "Atlantis", "region": 5},
                "contactPoint": {"name": "Person", "email": ""},
            },
            {"id": "P2", "address": {"countryName": "Atlantis"}, "contactPoint": "nobody"},
        ]
    }
    first, second = normalize("x", release).parties
    assert first["roles"] == ["tenderer"]
    assert first["full_address"] == "street abc atlantis "
    assert (first["contact_name"], first["contact_email"], first["contact_url"]) == (
        "Person",
        "",
        None,
    )
    assert second["full_address"] is None  # no streetAddress
    assert second["contact_name"] is None
