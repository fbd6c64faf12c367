"""The transition tables of the contract, its supplementary agreements and its instalments.

Every change of Contract.status, Amendment.status and Payment.status goes through one of these
tables with ``lifecycle.advance`` (a compare-and-set with its audit event), so parallel
identical requests give one success, and a contract can never end both completed and
terminated.
"""

from __future__ import annotations

from enum import StrEnum

from procure.audit.events import AuditAction
from procure.contracts.tables import (
    Amendment,
    AmendmentStatus,
    Contract,
    ContractStatus,
    Payment,
    PaymentStatus,
    Rectification,
    RectificationStatus,
)
from procure.lifecycle import Lifecycle, step


class ContractStep(StrEnum):
    # Each party's signature keeps the draft a draft; the second one also activates it.
    sign_for_buyer = "sign_for_buyer"
    sign_for_organization = "sign_for_organization"
    activate = "activate"
    complete = "complete"
    terminate = "terminate"


c = ContractStatus
CONTRACT = Lifecycle(
    "contract",
    Contract,
    {
        ContractStep.sign_for_buyer: step(c.draft, c.draft, AuditAction.contract_buyer_signed),
        ContractStep.sign_for_organization: step(
            c.draft, c.draft, AuditAction.contract_organization_signed
        ),
        ContractStep.activate: step(c.draft, c.active, AuditAction.contract_signed),
        ContractStep.complete: step(c.active, c.completed, AuditAction.contract_completed),
        ContractStep.terminate: step(c.active, c.terminated, AuditAction.contract_terminated),
    },
)


class AmendmentStep(StrEnum):
    approve = "approve"
    accept = "accept"
    decline = "decline"
    withdraw = "withdraw"


a = AmendmentStatus
AMENDMENT = Lifecycle(
    "amendment",
    Amendment,
    {
        # The buyer's approver approves the handler's draft: it goes to the organization.
        AmendmentStep.approve: step(a.draft, a.pending_acceptance, AuditAction.amendment_approved),
        # The organization's acceptance is the supplementary agreement's signature.
        AmendmentStep.accept: step(a.pending_acceptance, a.accepted, AuditAction.amendment_signed),
        AmendmentStep.decline: step(
            a.pending_acceptance, a.declined, AuditAction.amendment_declined
        ),
        AmendmentStep.withdraw: step(
            {a.draft, a.pending_acceptance}, a.withdrawn, AuditAction.amendment_withdrawn
        ),
    },
)


class PaymentStep(StrEnum):
    withhold = "withhold"
    release = "release"
    record = "record"


p = PaymentStatus
PAYMENT = Lifecycle(
    "payment",
    Payment,
    {
        # A failing settled period, or an approver's decision with a reason, holds an instalment.
        PaymentStep.withhold: step(p.scheduled, p.held, AuditAction.payment_held),
        PaymentStep.release: step(p.held, p.released, AuditAction.payment_released),
        # A held instalment is paid only after it is released.
        PaymentStep.record: step({p.scheduled, p.released}, p.paid, AuditAction.payment_paid),
    },
)


class RectificationStep(StrEnum):
    accept = "accept"
    return_ = "return"
    apply = "apply"


r = RectificationStatus
RECTIFICATION = Lifecycle(
    "rectification",
    Rectification,
    {
        # The buyer's handler accepts the rectification or returns it with a note.
        RectificationStep.accept: step(r.submitted, r.accepted, AuditAction.rectification_accepted),
        RectificationStep.return_: step(
            r.submitted, r.returned, AuditAction.rectification_returned
        ),
        # The approved release of the held instalment uses the accepted rectification up.
        RectificationStep.apply: step(r.accepted, r.applied, AuditAction.rectification_applied),
    },
)
