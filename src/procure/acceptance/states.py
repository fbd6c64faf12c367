"""The transition table of an acceptance: recorded as a draft, then confirmed passed or failed by
an approver other than who prepared it (``acceptance.conclude``). A confirmed result is final; a
failed acceptance is followed by a new attempt after rectification (整改)."""

from __future__ import annotations

from enum import StrEnum

from procure.acceptance.tables import Acceptance, AcceptanceStatus
from procure.audit.events import AuditAction
from procure.lifecycle import Lifecycle, step


class AcceptanceStep(StrEnum):
    pass_ = "pass"
    fail = "fail"


s = AcceptanceStatus
ACCEPTANCE = Lifecycle(
    "acceptance",
    Acceptance,
    {
        AcceptanceStep.pass_: step(s.draft, s.passed, AuditAction.acceptance_passed),
        AcceptanceStep.fail: step(s.draft, s.failed, AuditAction.acceptance_failed),
    },
)
