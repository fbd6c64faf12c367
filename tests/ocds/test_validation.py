"""The export of the demo district validates: libcoveocds finds zero errors, and jsonschema finds
none against the release schema with the bids extension merged in."""

from __future__ import annotations

import copy
import json
import socket
from pathlib import Path
from typing import Any

import pytest

from procure.ocds import compile as ocds_compile
from procure.ocds import export
from procure.ocds.standard import BIDS_EXTENSION_URL
from procure.settings import get_settings
from tests.ocds.conftest import libcove, schema_errors


@pytest.fixture
async def release_package(database: None) -> dict[str, Any]:
    return await export.release_package(uri="https://example.org/ocds/releases.json")


async def test_the_release_package_has_no_libcoveocds_errors(
    release_package: dict[str, Any], tmp_path: Path
) -> None:
    tags = {tag for release in release_package["releases"] for tag in release["tag"]}
    # Every kind of event of the demo district is in what is validated.
    assert {
        "planning",
        "tender",
        "tenderUpdate",
        "award",
        "contract",
        "contractAmendment",
        "implementation",
    } <= tags
    report = libcove(release_package, tmp_path)
    assert report["validation_errors"] == []
    assert report["additional_closed_codelist_values"] == {}
    # Only the bids extension's fields are unknown to the core schema.
    assert {field["field"] for field in report["additional_fields"]} <= {"bids", "relatedBids"}

    # The check has teeth: an amount written as a string is an error.
    broken = copy.deepcopy(release_package)
    broken["releases"][0]["tender"]["value"]["amount"] = "600000"
    errors = libcove(broken, tmp_path / "broken")["validation_errors"]
    assert len(errors) == 1 and "is not a number" in str(errors[0]), errors


async def test_compiled_releases_have_no_libcoveocds_errors(database: None, tmp_path: Path) -> None:
    compiled = await export.compiled_releases()
    assert compiled and all(release["tag"] == ["compiled"] for release in compiled)
    package = export.package_metadata("https://example.org/ocds/compiled.json")
    report = libcove({**package, "releases": compiled}, tmp_path)
    assert report["validation_errors"] == []


async def test_bids_validate_against_the_extension(release_package: dict[str, Any]) -> None:
    assert release_package["extensions"] == [BIDS_EXTENSION_URL]
    details = [
        bid
        for release in release_package["releases"]
        for bid in release.get("bids", {}).get("details", [])
    ]
    assert {"valid", "pending"} <= {bid["status"] for bid in details}
    assert all(bid["tenderers"] and bid["date"] for bid in details)
    assert schema_errors(release_package, "release-package-schema.json") == []

    # The check has teeth: a status outside the extension's closed codelist is an error.
    broken = copy.deepcopy(release_package)
    next(r for r in broken["releases"] if "bids" in r)["bids"]["details"][0]["status"] = "won"
    errors = schema_errors(broken, "release-package-schema.json")
    assert len(errors) == 1 and "'won' is not one of" in errors[0]


async def test_the_record_package_validates(database: None) -> None:
    package = await export.record_package(uri="https://example.org/ocds/records.json")
    assert package["records"]
    assert schema_errors(package, "record-package-schema.json") == []
    for record in package["records"]:
        dates = [release["date"] for release in record["releases"]]
        assert dates == sorted(dates)  # "sorted into date order", as the schema requires
        assert record["compiledRelease"]["ocid"] == record["ocid"]


async def test_compiling_never_reaches_for_the_network(
    database: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    releases = await export.releases()  # the database first: it may well be over the network

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("compiling tried to reach the network")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    ocds_compile.merger.cache_clear()  # build the merge rules again, under the ban
    try:
        groups: dict[str, list[dict[str, Any]]] = {}
        for release in releases:
            groups.setdefault(release["ocid"], []).append(release)
        compiled = [export.compile_release(group) for group in groups.values()]
    finally:
        ocds_compile.merger.cache_clear()
    assert len(compiled) == len(groups) > 0
    assert any("bids" in release for release in compiled)


async def test_a_package_without_a_uri_is_named_by_a_urn(database: None, tmp_path: Path) -> None:
    package = await export.release_package(ocids=[f"{get_settings().ocid_prefix}-ZB-2026-006"])
    assert package["uri"] == f"urn:{get_settings().ocid_prefix}:release-package"
    assert len({release["ocid"] for release in package["releases"]}) == 1
    assert libcove(package, tmp_path)["validation_errors"] == []


async def test_the_demo_s_external_data_validates(database: None, tmp_path: Path) -> None:
    path = get_settings().fixtures_dir / "ocds-external.jsonl"
    releases = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(releases) == 83 and all(r["ocid"].startswith("ocds-ext001-") for r in releases)
    package = {
        **export.package_metadata("https://example.org/ocds/external.json"),
        "releases": releases,
    }
    assert schema_errors(package, "release-package-schema.json") == []
    report = libcove(package, tmp_path)
    assert report["validation_errors"] == []
    assert report["additional_closed_codelist_values"] == {}
