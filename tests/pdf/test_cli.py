"""`procure pdf KIND ID --out FILE`, run as a user runs it: a subprocess on the test database."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from procure.i18n import local_time
from procure.pdf.documents import SEALED_UNTIL
from procure.settings import get_settings
from tests.pdf.conftest import demo_tender, read_pdf
from tests.test_cli import PROCURE, procure


def test_help_lists_the_four_documents() -> None:
    result = procure("pdf", "--help", env={})
    assert result.returncode == 0
    for kind in ("tender-notice", "opening-record", "evaluation-report", "award-notice"):
        assert f"  {kind} " in result.stdout


async def test_the_command_writes_the_document(database: None, tmp_path: Path) -> None:
    tender = await demo_tender("evaluation")
    out = tmp_path / "x.pdf"
    result = procure("pdf", "tender-notice", str(tender["id"]), "--out", str(out), env={})
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"wrote {out} (")
    rendered = read_pdf(out.name, out.read_bytes(), tmp_path)
    assert rendered.pdf.startswith(b"%PDF-") and "招标公告" in rendered.text


def procure_in(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PROCURE, *args],
        env=os.environ,
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_without_out_the_file_takes_the_document_name(database: None, tmp_path: Path) -> None:
    tender = await demo_tender("evaluation")
    result = procure_in(tmp_path, "pdf", "opening-record", str(tender["id"]))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / f"{tender['reference']}-开标记录.pdf").read_bytes().startswith(b"%PDF-")


async def test_an_unknown_tender_is_one_line_and_exit_2(database: None, tmp_path: Path) -> None:
    result = procure("pdf", "tender-notice", "987654", "--out", str(tmp_path / "x.pdf"), env={})
    assert result.returncode == 2
    assert result.stderr.splitlines() == ["error: tender 987654 not found"]
    assert not (tmp_path / "x.pdf").exists()


async def test_sealed_bids_are_one_line_and_exit_2(database: None, tmp_path: Path) -> None:
    tender = await demo_tender("tendering")
    result = procure(
        "pdf", "opening-record", str(tender["id"]), "--out", str(tmp_path / "x.pdf"), env={}
    )
    assert result.returncode == 2
    deadline = local_time(tender["submission_deadline"], get_settings().timezone)
    assert result.stderr.splitlines() == [f"error: {SEALED_UNTIL % {'deadline': deadline}}"]
    assert not (tmp_path / "x.pdf").exists()
