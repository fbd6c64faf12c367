"""`procure ocds export`, run as a user runs it, against the test database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_cli import procure


@pytest.fixture
def env(database: None) -> dict[str, str]:
    return {}  # the test database's settings are already in the environment


def test_release_package(env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "releases.json"
    result = procure("ocds", "export", "--out", str(out), env=env)
    assert result.returncode == 0, result.stderr
    package = json.loads(out.read_text(encoding="utf-8"))
    assert package["uri"] == out.resolve().as_uri()
    assert package["version"] == "1.1" and package["releases"]
    processes = len({release["ocid"] for release in package["releases"]})
    assert f"{len(package['releases'])} releases of {processes} contracting processes" in (
        result.stdout
    )
    assert "滨海区" in out.read_text(encoding="utf-8")  # UTF-8, not \\u escapes


def test_record_package_and_jsonl_agree(env: dict[str, str], tmp_path: Path) -> None:
    records, lines = tmp_path / "records.json", tmp_path / "compiled.jsonl"
    first = procure(
        "ocds", "export", "--out", str(records), "--format", "record-package",
        "--uri", "https://example.org/records.json", env=env,
    )  # fmt: skip
    second = procure("ocds", "export", "--out", str(lines), "--format", "jsonl", env=env)
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    package = json.loads(records.read_text(encoding="utf-8"))
    assert package["uri"] == "https://example.org/records.json"
    compiled = [json.loads(line) for line in lines.read_text(encoding="utf-8").splitlines()]
    assert all(release["tag"] == ["compiled"] for release in compiled)
    assert [c["ocid"] for c in compiled] == [r["ocid"] for r in package["records"]]
    assert {c["ocid"]: c["tender"] for c in compiled} == {
        r["ocid"]: r["compiledRelease"]["tender"] for r in package["records"]
    }


def test_bad_paths_and_formats(env: dict[str, str], tmp_path: Path) -> None:
    missing = procure("ocds", "export", "--out", str(tmp_path / "no" / "x.json"), env=env)
    assert missing.returncode == 2
    assert missing.stderr.strip() == f"error: --out: the directory {tmp_path / 'no'} does not exist"
    directory = procure("ocds", "export", "--out", str(tmp_path), env=env)
    assert directory.returncode == 2 and "is a directory" in directory.stderr
    fmt = procure("ocds", "export", "--out", str(tmp_path / "x"), "--format", "xml", env=env)
    assert fmt.returncode == 2 and "'xml' is not one of" in fmt.stderr
    assert not (tmp_path / "x").exists()
