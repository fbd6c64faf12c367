"""Offline validation of OCDS data, and a contracting process run through the API for one test.

libcoveocds reads the standard from tests/data/ocds/standard-1__1__5.zip instead of downloading
it. It would download every extension a package names, so it gets the package without its
`extensions`; the bids fields are checked with jsonschema against the release schema with the
bids extension merged in (as OCDS applies extensions: a JSON Merge Patch).
"""

from __future__ import annotations

import copy
import json
import zipfile
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft4Validator, FormatChecker
from libcoveocds.api import ocds_json_output
from libcoveocds.config import LibCoveOCDSConfig
from litestar.testing import AsyncTestClient
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from procure import clock
from procure.bids.tables import Award
from procure.ocds.standard import release_schema
from procure.tenders.tables import ScopeLine
from tests.conftest import Clock, bearer
from tests.contracts.helpers import amend, sign_both
from tests.tenders.conftest import award_a_tender

STANDARD_ZIP = Path(__file__).parents[1] / "data" / "ocds" / "standard-1__1__5.zip"
SCHEMA_URL = "https://standard.open-contracting.org/schema/1__1__5/"


def libcove(package: dict[str, Any], output_dir: Path) -> dict[str, Any]:
    """libcoveocds' report on a package, offline."""
    config = LibCoveOCDSConfig({"standard_zip": STANDARD_ZIP.as_uri(), "context": "api"})
    core = {key: value for key, value in package.items() if key != "extensions"}
    result: dict[str, Any] = ocds_json_output(
        str(output_dir), json_data=copy.deepcopy(core), lib_cove_ocds_config=config
    )
    return result


@cache
def _standard_file(name: str) -> dict[str, Any]:
    with zipfile.ZipFile(STANDARD_ZIP) as archive:
        data: dict[str, Any] = json.loads(archive.read(f"standard-1__1__5/schema/{name}"))
        return data


def extended_validator(package_schema: str) -> Draft4Validator:
    """A validator of a release or record package whose releases follow the extended schema."""
    resources = [
        (SCHEMA_URL + "release-schema.json", release_schema()),
        (
            SCHEMA_URL + "versioned-release-validation-schema.json",
            _standard_file("versioned-release-validation-schema.json"),
        ),
    ]
    registry: Registry = Registry().with_resources(
        (url, Resource.from_contents(schema, default_specification=DRAFT4))
        for url, schema in resources
    )
    return Draft4Validator(
        _standard_file(package_schema), registry=registry, format_checker=FormatChecker()
    )


def schema_errors(package: dict[str, Any], package_schema: str) -> list[str]:
    validator = extended_validator(package_schema)
    return [
        f"{'/'.join(str(p) for p in error.absolute_path)}: {error.message}"
        for error in validator.iter_errors(package)
    ]


async def contracted_process(client: AsyncTestClient, clock_: Clock) -> dict[str, Any]:
    """A tender awarded through the API, its contract signed by both parties and amended once
    (drafted, approved, accepted); the tender id, the contract id and reference, the award's
    value, the buyer's headers and the catalog item the amendment added a line of."""
    buyer = await bearer("buyer")
    tender_id = await award_a_tender(
        client, buyer, [await bearer("org"), await bearer("org2")], clock_
    )
    award = (
        await Award.select(Award.bid.total_fen.as_alias("value"))
        .where(Award.tender == tender_id)
        .first()
    )
    assert award is not None
    value = award["value"]
    await clock_.past_standstill(tender_id)
    start = clock.now().date() + timedelta(days=5)
    payload = {
        "starts_on": start.isoformat(),
        "ends_on": (start + timedelta(days=364)).isoformat(),
        "milestones": [{"title": "中期评估", "due_on": (start + timedelta(days=180)).isoformat()}],
        "payments": [
            {"due_on": (start + timedelta(days=10)).isoformat(), "amount_fen": value // 2},
            {
                "due_on": (start + timedelta(days=360)).isoformat(),
                "amount_fen": value - value // 2,
                "performance_linked": True,
            },
        ],
    }
    created = await client.post(
        f"/api/v1/tenders/{tender_id}/contract", json=payload, headers=buyer
    )
    assert created.status_code == 201, created.text
    contract = created.json()
    await sign_both(client, contract["id"])
    clock_.advance(days=30)
    # More of the tender's second item on a new line: a supplementary purchase within the
    # tender's scope and within 政府采购法 第四十九条's 10%.
    second = (
        await ScopeLine.select(ScopeLine.catalog_item.code.as_alias("code"))
        .where((ScopeLine.tender == tender_id) & (ScopeLine.line_no == 2))
        .first()
    )
    assert second is not None
    await amend(
        client,
        contract["id"],
        {
            "reason": "新增服务对象",
            "lines": [
                {"line_no": 1, "quantity_delta": 10, "unit_price_fen": 12_345},
                {"item_code": second["code"], "quantity_delta": 3, "unit_price_fen": 801},
            ],
        },
    )
    return {
        "tender_id": tender_id,
        "contract_id": contract["id"],
        "contract_reference": contract["reference"],
        "value_fen": value,
        "buyer": buyer,
        "added_item_code": second["code"],
    }
