"""The public OCDS endpoints: anonymous, paginated with links, one process by ocid."""

from __future__ import annotations

from math import ceil
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from litestar.testing import AsyncTestClient

from procure.ocds import export
from procure.settings import get_settings
from tests.conftest import login
from tests.ocds.conftest import libcove, schema_errors


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


async def test_releases_page_by_page(client: AsyncTestClient) -> None:
    total = await export.process_count()
    pages = ceil(total / 3)
    assert pages >= 3
    seen: list[str] = []
    url: str | None = "/api/v1/ocds/releases?per_page=3"
    visited = 0
    while url is not None:
        response = await client.get(url)  # anonymous: open data needs no account
        assert response.status_code == 200, response.text
        package = response.json()
        visited += 1
        assert package["version"] == "1.1" and package["publisher"]["name"]
        links = package["links"]
        if visited == 1:
            assert "prev" not in links
        else:
            assert query(links["prev"])["page"] == [str(visited - 1)]
        ocids = list(dict.fromkeys(release["ocid"] for release in package["releases"]))
        assert len(ocids) == (3 if visited < pages else total - 3 * (pages - 1))
        seen.extend(ocids)
        url = links.get("next")
        if url is not None:
            assert query(url) == {"page": [str(visited + 1)], "per_page": ["3"]}
    assert visited == pages
    everything = await export.releases()
    assert seen == list(dict.fromkeys(release["ocid"] for release in everything))


async def test_a_page_of_records_validates(client: AsyncTestClient, tmp_path: Path) -> None:
    response = await client.get("/api/v1/ocds/records?page=2&per_page=4")
    assert response.status_code == 200
    package = response.json()
    assert len(package["records"]) == 4
    assert package["uri"].endswith("/api/v1/ocds/records?page=2&per_page=4")
    assert set(package["links"]) <= {"next", "prev"} and "prev" in package["links"]
    assert schema_errors(package, "record-package-schema.json") == []
    releases = await client.get("/api/v1/ocds/releases?page=2&per_page=4")
    assert libcove(releases.json(), tmp_path)["validation_errors"] == []


async def test_bad_pages_are_refused(client: AsyncTestClient) -> None:
    for bad in ("page=0", "per_page=0", "per_page=101", "page=x"):
        response = await client.get(f"/api/v1/ocds/releases?{bad}")
        assert response.status_code == 400, bad
    beyond = (await client.get("/api/v1/ocds/records?page=999")).json()
    assert beyond["records"] == [] and "next" not in beyond["links"]


async def test_one_process_by_ocid(client: AsyncTestClient) -> None:
    ocid = f"{get_settings().ocid_prefix}-ZB-2026-006"
    records = await client.get(f"/api/v1/ocds/records/{ocid}")
    assert records.status_code == 200
    [record] = records.json()["records"]
    assert record["ocid"] == ocid and record["compiledRelease"]["contracts"]
    releases = await client.get(f"/api/v1/ocds/releases/{ocid}")
    assert [r["id"] for r in releases.json()["releases"]] == [r["id"] for r in record["releases"]]


async def test_unknown_and_draft_ocids_answer_404(client: AsyncTestClient) -> None:
    prefix = get_settings().ocid_prefix
    for ocid in (f"{prefix}-ZB-1999-999", f"{prefix}-ZB-2026-042", "ocds-other1-ZB-2026-006"):
        for kind in ("records", "releases"):
            response = await client.get(f"/api/v1/ocds/{kind}/{ocid}")
            assert response.status_code == 404, (kind, ocid)
    await login(client, "buyer")  # signed in, the draft of one's own department stays out too
    response = await client.get(f"/api/v1/ocds/records/{prefix}-ZB-2026-042")
    assert response.status_code == 404
