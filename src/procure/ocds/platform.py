"""The platform's own contracting processes as the OCDS dataset "platform".

cardinal's bid-stage rules read OCDS rows; to judge the platform's tenders exactly as they judge
imported data, the engine refreshes this dataset from the export (the same releases the public
endpoints publish, so never a sealed bid) before those rules run. It is a projection: nobody
edits it, and it is rewritten whole in one transaction.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from procure.audit.events import AuditAction
from procure.audit.services import record
from procure.bids.tables import Bid
from procure.contracts.tables import Contract
from procure.db import transaction
from procure.departments.tables import Department
from procure.ocds import export
from procure.ocds.export import DEPARTMENT_SCHEME, ORGANIZATION_SCHEME, ocid_of, reference_of
from procure.ocds.imports import PLATFORM_DATASET, write_processes
from procure.ocds.normalize import normalize
from procure.ocds.tables import OcdsProcess
from procure.organizations.tables import Organization
from procure.risk.registry import Finding, SubjectType
from procure.surveys.tables import SurveyRound
from procure.tenders.tables import Tender

#: How each subject of the platform leads to the tender whose ocid it carries.
_TENDER_REFERENCE: dict[SubjectType, tuple[Any, Any]] = {
    SubjectType.tender: (Tender.id, Tender.reference),
    SubjectType.bid: (Bid.id, Bid.tender.reference),
    SubjectType.contract: (Contract.id, Contract.tender._.reference),
    SubjectType.survey_round: (SurveyRound.id, SurveyRound.contract._.tender._.reference),
}


async def platform_dataset_refresh() -> int:
    """Rewrite the "platform" dataset from the export; the number of processes. A read opens
    nothing here: the engine runs after events and under any clock, never as somebody's look."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for release in await export.releases():
        groups.setdefault(release["ocid"], []).append(release)
    prepared = []
    for ocid, releases in groups.items():
        compiled = export.compile_release(releases)
        prepared.append((normalize(ocid, compiled), compiled, releases))
    async with transaction():
        await OcdsProcess.delete().where(OcdsProcess.dataset == PLATFORM_DATASET)
        await write_processes(PLATFORM_DATASET, "export", prepared)
        await record(
            actor=None,
            action=AuditAction.ocds_platform_refreshed,
            subject_type="ocds_dataset",
            subject_id=PLATFORM_DATASET,
            data={"processes": len(prepared)},
        )
    return len(prepared)


def _code(party_id: str, scheme: str) -> str | None:
    prefix = f"{scheme}-"
    return party_id[len(prefix) :] if party_id.startswith(prefix) else None


async def platform_subjects(findings: list[Finding]) -> list[Finding]:
    """Findings on the platform dataset, named by the platform's own subjects: a tender by its
    id (the ocid kept), an organization or a department by its id; with the parties involved."""
    references = {reference_of(f.subject_id) for f in findings if f.subject_type == "tender"}
    credit_codes = {
        _code(f.subject_id, ORGANIZATION_SCHEME)
        for f in findings
        if f.subject_type == SubjectType.organization
    }
    department_codes = {
        _code(f.subject_id, DEPARTMENT_SCHEME)
        for f in findings
        if f.subject_type in (SubjectType.buyer, SubjectType.procuring_entity)
    }
    tenders = {
        row["reference"]: row
        for row in await Tender.select(Tender.id, Tender.reference, Tender.department).where(
            Tender.reference.is_in(sorted(r for r in references if r) or [""])
        )
    }
    organizations = {
        row["credit_code"]: row["id"]
        for row in await Organization.select(Organization.id, Organization.credit_code).where(
            Organization.credit_code.is_in(sorted(c for c in credit_codes if c) or [""])
        )
    }
    departments = {
        row["code"]: row["id"]
        for row in await Department.select(Department.id, Department.code).where(
            Department.code.is_in(sorted(c for c in department_codes if c) or [""])
        )
    }
    mapped = []
    for finding in findings:
        if finding.subject_type == SubjectType.tender:
            tender = tenders.get(reference_of(finding.subject_id) or "")
            if tender is not None:
                finding = replace(
                    finding,
                    subject_id=str(tender["id"]),
                    ocid=finding.ocid or finding.subject_id,
                    department_id=tender["department"],
                )
        elif finding.subject_type == SubjectType.organization:
            organization = organizations.get(_code(finding.subject_id, ORGANIZATION_SCHEME) or "")
            if organization is not None:
                finding = replace(
                    finding, subject_id=str(organization), organization_id=organization
                )
        else:
            department = departments.get(_code(finding.subject_id, DEPARTMENT_SCHEME) or "")
            if department is not None:
                finding = replace(finding, subject_id=str(department), department_id=department)
        mapped.append(finding)
    return mapped


async def with_ocids(findings: list[Finding]) -> list[Finding]:
    """The platform's findings with the ocid of their contracting process, where the subject
    has one (a tender, its bids, its contract and the contract's survey rounds)."""
    wanted: dict[SubjectType, set[int]] = {}
    for finding in findings:
        if not finding.ocid and finding.subject_type in _TENDER_REFERENCE:
            wanted.setdefault(SubjectType(finding.subject_type), set()).add(int(finding.subject_id))
    ocids: dict[tuple[str, str], str] = {}
    for kind, ids in wanted.items():
        key, reference = _TENDER_REFERENCE[kind]
        table = key._meta.table
        rows = await table.select(key.as_alias("id"), reference.as_alias("reference")).where(
            key.is_in(sorted(ids))
        )
        ocids |= {
            (kind, str(row["id"])): ocid_of(row["reference"]) for row in rows if row["reference"]
        }
    return [
        replace(f, ocid=ocids[(f.subject_type, f.subject_id)])
        if (f.subject_type, f.subject_id) in ocids
        else f
        for f in findings
    ]
