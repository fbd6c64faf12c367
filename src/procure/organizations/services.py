"""Writes to the organization registry: registration, an organization's own profile and
qualifications, and oversight (credit rating, debarment) by the finance department — never a
buying department — or an administrator correcting a data error. Each write records its audit
event in its transaction; each oversight decision also its row in the organization's public
decision history, with its reason and the organization's statement."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from litestar.exceptions import PermissionDeniedException

from procure.audit.events import AuditAction
from procure.audit.services import record
from procure.calendar import local_today
from procure.db import transaction
from procure.errors import Conflict, InvalidInput, NotFound
from procure.i18n import N_
from procure.organizations.credit_code import CreditCodeError, validate_credit_code
from procure.organizations.schemas import ProfileIn, QualificationIn, RegistrationIn
from procure.organizations.selectors import ALWAYS_REQUIRED, qualification_row
from procure.organizations.tables import (
    CreditRating,
    Debarment,
    DecisionKind,
    Organization,
    OversightDecision,
    Qualification,
    RegistrationType,
)
from procure.security.actors import Actor
from procure.security.policy import Action, is_allowed, owns
from procure.security.services import user_create
from procure.security.tables import Role

#: GB 32100-2015: the first character is the registration authority; 5 is civil affairs (民政).
CIVIL_AFFAIRS = "5"
#: …and under civil affairs the second character is the kind of social organization.
CIVIL_AFFAIRS_TYPES = {
    "1": RegistrationType.social_group,
    "2": RegistrationType.social_service_agency,
    "3": RegistrationType.foundation,
}
PHONE = re.compile(r"[0-9+\-() ]{7,40}")
PROFILE_FIELDS = (
    "name",
    "short_name",
    "founded_on",
    "certified_social_workers",
    "address",
    "contact_person",
    "phone",
)


def _text(field: str, value: str) -> str:
    text = value.strip()
    if not text:
        raise InvalidInput(field, N_("must not be empty"))
    return text


def checked_credit_code(credit_code: str, registration_type: RegistrationType | str) -> str:
    """The normalised code of a social organization registered with civil affairs, or why not."""
    try:
        code = validate_credit_code(credit_code)
    except CreditCodeError as error:
        raise InvalidInput("credit_code", error.template, **error.variables) from None
    if code[0] != CIVIL_AFFAIRS:
        raise InvalidInput(
            "credit_code",
            N_(
                "registration authority %(authority)r is not civil affairs ('5'): only social "
                "organizations registered with civil affairs (民政) can be contractors here"
            ),
            authority=code[0],
        )
    kind = CIVIL_AFFAIRS_TYPES.get(code[1])
    if kind is None:
        raise InvalidInput(
            "credit_code",
            N_(
                "second character %(character)r is not a social group ('1'), social service "
                "agency ('2') or foundation ('3')"
            ),
            character=code[1],
        )
    if kind != registration_type:
        raise InvalidInput(
            "registration_type",
            N_(
                "is %(given)s but the credit code's second character %(character)r "
                "stands for %(kind)s"
            ),
            given=registration_type,
            character=code[1],
            kind=kind,
        )
    return code


def _profile(data: ProfileIn) -> dict[str, Any]:
    """The profile fields, checked (in the order of the form) and trimmed."""
    name = _text("name", data.name)
    if data.founded_on > local_today():
        raise InvalidInput("founded_on", N_("cannot be in the future"))
    if data.certified_social_workers < 0:
        raise InvalidInput("certified_social_workers", N_("cannot be negative"))
    address = _text("address", data.address)
    contact_person = _text("contact_person", data.contact_person)
    phone = _text("phone", data.phone)
    if not PHONE.fullmatch(phone) or sum(ch.isdigit() for ch in phone) < 7:
        raise InvalidInput(
            "phone", N_("must be a phone number: at least 7 digits, with - + ( ) or spaces")
        )
    return {
        "name": name,
        "short_name": data.short_name.strip(),
        "founded_on": data.founded_on,
        "certified_social_workers": data.certified_social_workers,
        "address": address,
        "contact_person": contact_person,
        "phone": phone,
    }


async def organization_register(*, actor: Actor | None, data: RegistrationIn) -> tuple[int, int]:
    """Register an organization and its first user together; returns (organization id, user id)."""
    code = checked_credit_code(data.credit_code, data.registration_type)
    fields = _profile(data)
    # The user's password is hashed inside the transaction: a registration is rare, and one
    # transaction is what keeps an organization from ever existing without its user.
    async with transaction():
        if await Organization.exists().where(Organization.credit_code == code):
            raise InvalidInput("credit_code", N_("%(code)s is already registered"), code=code)
        rows = await Organization.insert(
            Organization(credit_code=code, registration_type=data.registration_type, **fields)
        )
        organization_id = rows[0]["id"]
        user_id = await user_create(
            actor=actor,
            username=data.username,
            display_name=data.display_name.strip() or fields["contact_person"],
            password=data.password,
            role=Role.organization,
            organization_id=organization_id,
        )
        await record(
            actor=actor,
            action=AuditAction.organization_registered,
            subject_type="organization",
            subject_id=organization_id,
            data={
                "credit_code": code,
                "name": fields["name"],
                "registration_type": str(data.registration_type),
                "user_id": user_id,
            },
        )
    return organization_id, user_id


def _check_own(actor: Actor, organization_id: int) -> None:
    """Only the organization's own users keep its profile; to anyone else it looks absent."""
    if not (
        is_allowed(Action.organization_profile, actor)
        and owns(actor, organization_id=organization_id)
    ):
        raise NotFound(N_("organization %(id)s not found"), id=organization_id)


async def _existing(organization_id: int) -> dict:
    row = await Organization.select().where(Organization.id == organization_id).first()
    if row is None:
        raise NotFound(N_("organization %(id)s not found"), id=organization_id)
    return row


async def organization_profile_update(
    *, actor: Actor, organization_id: int, data: ProfileIn
) -> None:
    """Change the organization's own profile (never its credit code, type or rating)."""
    _check_own(actor, organization_id)
    fields = _profile(data)
    async with transaction():
        current = await _existing(organization_id)
        changes = {
            name: [current[name], fields[name]]
            for name in PROFILE_FIELDS
            if current[name] != fields[name]
        }
        if not changes:
            return
        await Organization.update({getattr(Organization, n): fields[n] for n in changes}).where(
            Organization.id == organization_id
        )
        await record(
            actor=actor,
            action=AuditAction.organization_profile_updated,
            subject_type="organization",
            subject_id=organization_id,
            data=changes,
        )


def _qualification(data: QualificationIn) -> dict[str, Any]:
    if data.issued_on > local_today():
        raise InvalidInput("issued_on", N_("cannot be in the future"))
    if data.expires_on is not None and data.expires_on <= data.issued_on:
        raise InvalidInput(
            "expires_on",
            N_("must be after issued_on (%(issued_on)s)"),
            issued_on=data.issued_on.isoformat(),
        )
    return {
        "kind": data.kind,
        "document_no": _text("document_no", data.document_no),
        "issued_on": data.issued_on,
        "expires_on": data.expires_on,
        "required": data.required or data.kind in ALWAYS_REQUIRED,
    }


async def qualification_add(*, actor: Actor, organization_id: int, data: QualificationIn) -> int:
    _check_own(actor, organization_id)
    fields = _qualification(data)
    async with transaction():
        rows = await Qualification.insert(Qualification(organization=organization_id, **fields))
        await record(
            actor=actor,
            action=AuditAction.qualification_added,
            subject_type="qualification",
            subject_id=rows[0]["id"],
            data={"organization_id": organization_id, **fields},
        )
    return rows[0]["id"]


async def qualification_update(
    *, actor: Actor, organization_id: int, qualification_id: int, data: QualificationIn
) -> None:
    """Correct a qualification. An expired one stays as it was: a renewal is a new qualification,
    so nobody can turn an expired certificate back into a valid one by editing its dates."""
    _check_own(actor, organization_id)
    fields = _qualification(data)
    async with transaction():
        current = await qualification_row(organization_id, qualification_id)
        if current["expires_on"] is not None and current["expires_on"] < local_today():
            raise InvalidInput(
                "expires_on",
                N_(
                    "the qualification expired on %(expired_on)s and cannot be changed; add the "
                    "renewed document as a new qualification"
                ),
                expired_on=current["expires_on"].isoformat(),
            )
        changes = {
            name: [current[name], value] for name, value in fields.items() if current[name] != value
        }
        if not changes:
            return
        await Qualification.update(
            {getattr(Qualification, name): fields[name] for name in changes}
        ).where(Qualification.id == qualification_id)
        await record(
            actor=actor,
            action=AuditAction.qualification_updated,
            subject_type="qualification",
            subject_id=qualification_id,
            data={"organization_id": organization_id, **changes},
        )


async def qualification_remove(
    *, actor: Actor, organization_id: int, qualification_id: int
) -> None:
    _check_own(actor, organization_id)
    async with transaction():
        current = await qualification_row(organization_id, qualification_id)
        await Qualification.delete().where(Qualification.id == qualification_id)
        await record(
            actor=actor,
            action=AuditAction.qualification_removed,
            subject_type="qualification",
            subject_id=qualification_id,
            data={k: v for k, v in current.items() if k != "id"},
        )


def _check_overseer(actor: Actor) -> None:
    """Only the finance department (regulator) decides debarment and credit ratings — it
    supervises procurement (政府采购法 第十三条) and imposes the penalties of 第七十七条 (applied
    to suppliers by 《政府采购法实施条例》第七十二条) — and an administrator corrects data
    errors. A buying department, a party dealing with the organization, is refused."""
    if not is_allowed(Action.organization_oversee, actor):
        raise PermissionDeniedException(
            "debarment and credit ratings are decided by the finance department (regulator, "
            "财政部门; 政府采购法 第七十七条), or corrected by an administrator"
        )


def _appeal_note(value: str, *, required: bool) -> str:
    note = value.strip()
    if required and not note:
        raise InvalidInput(
            "appeal_note",
            N_(
                "must not be empty: record the organization's statement and defence (陈述、申辩) "
                "heard before the debarment, or that it waived it (行政处罚法 第四十五条)"
            ),
        )
    return note


async def _decision(
    *,
    actor: Actor,
    organization_id: int,
    kind: DecisionKind,
    reason: str,
    appeal_note: str,
    before: str = "",
    after: str = "",
    debarment_id: int | None = None,
) -> None:
    await OversightDecision.insert(
        OversightDecision(
            organization=organization_id,
            kind=kind,
            debarment_id=debarment_id,
            before_value=before,
            after_value=after,
            reason=reason,
            appeal_note=appeal_note,
            decided_by=_deciding_department(actor),
            decider_role=str(actor.role),
        )
    )


def _deciding_department(actor: Actor) -> int | None:
    return actor.department_id if actor.role == Role.regulator else None


async def credit_rating_set(
    *,
    actor: Actor,
    organization_id: int,
    rating: CreditRating,
    reason: str,
    appeal_note: str = "",
) -> None:
    _check_overseer(actor)
    reason = _text("reason", reason)
    appeal_note = _appeal_note(appeal_note, required=False)
    async with transaction():
        current = await _existing(organization_id)
        await Organization.update({Organization.credit_rating: rating}).where(
            Organization.id == organization_id
        )
        await _decision(
            actor=actor,
            organization_id=organization_id,
            kind=DecisionKind.credit_rating,
            reason=reason,
            appeal_note=appeal_note,
            before=current["credit_rating"],
            after=str(rating),
        )
        await record(
            actor=actor,
            action=AuditAction.organization_credit_rated,
            subject_type="organization",
            subject_id=organization_id,
            data={
                "from": current["credit_rating"],
                "to": str(rating),
                "reason": reason,
                **({"appeal_note": appeal_note} if appeal_note else {}),
            },
        )


async def debarment_impose(
    *,
    actor: Actor,
    organization_id: int,
    starts_on: date,
    ends_on: date,
    reason: str,
    appeal_note: str,
) -> int:
    """Debar from ``starts_on`` until ``ends_on``, the first day the organization may bid again.
    A penalty: the organization's statement and defence (or its waiver) is recorded with it."""
    _check_overseer(actor)
    if ends_on <= starts_on:
        raise InvalidInput(
            "ends_on",
            N_("must be after starts_on (%(starts_on)s)"),
            starts_on=starts_on.isoformat(),
        )
    reason = _text("reason", reason)
    appeal_note = _appeal_note(appeal_note, required=True)
    decided_by = _deciding_department(actor)
    async with transaction():
        await _existing(organization_id)
        rows = await Debarment.insert(
            Debarment(
                organization=organization_id,
                starts_on=starts_on,
                ends_on=ends_on,
                reason=reason,
                decided_by=decided_by,
            )
        )
        debarment_id = int(rows[0]["id"])
        await _decision(
            actor=actor,
            organization_id=organization_id,
            kind=DecisionKind.debarment_imposed,
            reason=reason,
            appeal_note=appeal_note,
            after=f"{starts_on.isoformat()}/{ends_on.isoformat()}",
            debarment_id=debarment_id,
        )
        await record(
            actor=actor,
            action=AuditAction.debarment_imposed,
            subject_type="debarment",
            subject_id=debarment_id,
            data={
                "organization_id": organization_id,
                "starts_on": starts_on,
                "ends_on": ends_on,
                "reason": reason,
                "appeal_note": appeal_note,
                "decided_by": decided_by,
            },
        )
    return debarment_id


async def debarment_lift(
    *,
    actor: Actor,
    organization_id: int,
    debarment_id: int,
    reason: str,
    appeal_note: str = "",
) -> None:
    """End a debarment today. One that has not begun before today never took effect, and the
    period of a debarment must not be empty, so that one is withdrawn (deleted) instead; the
    audit event and the decision history keep what it said either way."""
    _check_overseer(actor)
    reason = _text("reason", reason)
    appeal_note = _appeal_note(appeal_note, required=False)
    today = local_today()
    async with transaction():
        current = (
            await Debarment.select()
            .where((Debarment.id == debarment_id) & (Debarment.organization == organization_id))
            .first()
        )
        if current is None:
            raise NotFound(N_("debarment %(id)s not found"), id=debarment_id)
        if current["ends_on"] <= today:
            raise InvalidInput(
                "debarment_id",
                N_("the debarment ended on %(ended_on)s; nothing to lift"),
                ended_on=current["ends_on"].isoformat(),
            )
        data = {
            "organization_id": organization_id,
            "starts_on": current["starts_on"],
            "ends_on": current["ends_on"],
            "reason": reason,
        }
        if appeal_note:
            data["appeal_note"] = appeal_note
        period = f"{current['starts_on'].isoformat()}/{current['ends_on'].isoformat()}"
        if current["starts_on"] < today:
            # Conditional on the period read above: two simultaneous lifts end it once.
            lifted = (
                await Debarment.update({Debarment.ends_on: today})
                .where((Debarment.id == debarment_id) & (Debarment.ends_on == current["ends_on"]))
                .returning(Debarment.id)
            )
            if not lifted:
                raise Conflict(N_("debarment %(id)s changed meanwhile: reload it"), id=debarment_id)
            action = AuditAction.debarment_lifted
            kind = DecisionKind.debarment_lifted
            after = f"{current['starts_on'].isoformat()}/{today.isoformat()}"
            data["lifted_on"] = today
        else:
            deleted = (
                await Debarment.delete().where(Debarment.id == debarment_id).returning(Debarment.id)
            )
            if not deleted:
                raise Conflict(N_("debarment %(id)s was withdrawn meanwhile"), id=debarment_id)
            action = AuditAction.debarment_withdrawn
            kind = DecisionKind.debarment_withdrawn
            after = ""
            data["debarment_reason"] = current["reason"]
        await _decision(
            actor=actor,
            organization_id=organization_id,
            kind=kind,
            reason=reason,
            appeal_note=appeal_note,
            before=period,
            after=after,
            debarment_id=debarment_id,
        )
        await record(
            actor=actor,
            action=action,
            subject_type="debarment",
            subject_id=debarment_id,
            data=data,
        )
