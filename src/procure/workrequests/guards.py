"""Who may do what with a work request: the contract's buying department files, the contract's
organization answers and cites. Anyone else is told the contract or request does not exist."""

from __future__ import annotations

from typing import Any

from procure.errors import NotFound
from procure.i18n import N_
from procure.security.actors import Actor
from procure.security.tables import Role

CONTRACT_NOT_FOUND = N_("contract %(id)s not found")
REQUEST_NOT_FOUND = N_("work request %(id)s not found")


def require_buying_department(
    actor: Actor, contract: dict[str, Any] | None, contract_id: int
) -> None:
    """Only an official of the department that bought the contract asks its contractor."""
    if (
        contract is None
        or actor.role != Role.buyer
        or actor.department_id is None
        or actor.department_id != contract["department"]
    ):
        raise NotFound(CONTRACT_NOT_FOUND, id=contract_id)


def require_contract_organization(
    actor: Actor, request: dict[str, Any] | None, request_id: int
) -> None:
    """Only the organization holding the request's contract answers it."""
    if (
        request is None
        or actor.role != Role.organization
        or actor.organization_id is None
        or actor.organization_id != request["organization_id"]
    ):
        raise NotFound(REQUEST_NOT_FOUND, id=request_id)
