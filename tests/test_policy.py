"""The policy file: defaults versioned in the repo, overridable per deployment, validated."""

from __future__ import annotations

from pathlib import Path

import pytest

from procure.policy import load_policy
from procure.settings import ConfigurationError
from procure.tenders.states import ProcurementMethod


def test_the_defaults_follow_the_law() -> None:
    policy = load_policy()
    submission = policy.procurement.minimum_submission_days
    assert (submission[ProcurementMethod.open_tender].days, submission["open_tender"].unit) == (
        20,
        "calendar",
    )
    assert submission[ProcurementMethod.competitive_consultation].days == 10
    negotiation = submission[ProcurementMethod.competitive_negotiation]
    assert (negotiation.days, negotiation.unit) == (3, "working")
    assert (policy.periods["challenge"].days, policy.periods["challenge"].unit) == (7, "working")
    low = policy.procurement.abnormally_low
    assert (low.below_mean_of_others, low.lowest_below_second, low.below_ceiling) == (50, 50, 45)


def test_an_override_changes_only_its_keys(tmp_path: Path) -> None:
    override = tmp_path / "policy.toml"
    override.write_text("[procurement.abnormally_low]\nbelow_ceiling = 60\n")
    policy = load_policy(override)
    assert policy.procurement.abnormally_low.below_ceiling == 60
    assert policy.procurement.abnormally_low.below_mean_of_others == 50


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "[procurement.abnormally_low]\nbelow_ceiling = 70\n",
            "procurement.abnormally_low.below_ceiling",
        ),
        ("[procurement.price_weight]\nminimum = 40\n", "minimum exceeds maximum"),
        ("not = [toml", "PROCURE_POLICY_FILE"),
    ],
)
def test_a_bad_override_is_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    override = tmp_path / "policy.toml"
    override.write_text(text)
    with pytest.raises(ConfigurationError, match=message):
        load_policy(override)
