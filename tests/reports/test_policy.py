"""The [reports] section of the policy file: its defaults and what an override may not do."""

from __future__ import annotations

from pathlib import Path

import pytest

from procure.policy import load_policy
from procure.reports.files import AttachmentType
from procure.settings import ConfigurationError


def test_the_defaults() -> None:
    reports = load_policy().reports
    assert reports.due_days_after_period == 10
    assert reports.max_attachment_mb == 10
    assert reports.allowed_attachment_types == list(AttachmentType)


def test_an_override_narrows_the_types(tmp_path: Path) -> None:
    override = tmp_path / "policy.toml"
    override.write_text(
        '[reports]\nallowed_attachment_types = ["pdf"]\ndue_days_after_period = 15\n'
    )
    reports = load_policy(override).reports
    assert reports.allowed_attachment_types == [AttachmentType.pdf]
    assert (reports.due_days_after_period, reports.max_attachment_mb) == (15, 10)


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("due_days_after_period = 0", "reports.due_days_after_period"),
        ("max_attachment_mb = 51", "reports.max_attachment_mb"),
        ('allowed_attachment_types = ["exe"]', "reports.allowed_attachment_types.0"),
        ("allowed_attachment_types = []", "reports.allowed_attachment_types"),
    ],
)
def test_a_bad_override_is_a_clear_error(tmp_path: Path, text: str, where: str) -> None:
    override = tmp_path / "policy.toml"
    override.write_text(f"[reports]\n{text}\n")
    with pytest.raises(ConfigurationError, match=f"PROCURE_POLICY_FILE: {where}"):
        load_policy(override)
