"""The platform's own contracting processes as the OCDS dataset "platform".

cardinal's bid-stage rules read OCDS rows; to judge the platform's tenders exactly as they judge
imported data, the engine refreshes this dataset from the export (the same releases the public
endpoints publish, so never a sealed bid) before those rules run. It is a projection: nobody
edits it. A refresh rewrites, in one transaction, only the processes whose facts changed (the
rows their releases are built from, ``content_hash``): an unchanged process is told by its rows,
without building its releases; after an event, only the processes of the tenders the event
touched are read.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from copy import copy
from dataclasses import replace
from datetime import date, datetime, time
from functools import cache, partial
from pathlib import Path
from typing import Any

from procure.bids.tables import Bid
from procure.contracts.tables import Contract
from procure.db import driver_rows, transaction
from procure.departments.tables import Department
from procure.ocds import compile as compile_module
from procure.ocds import export, selectors
from procure.ocds import normalize as normalize_module
from procure.ocds.dataset import shared_value
from procure.ocds.export import DEPARTMENT_SCHEME, ORGANIZATION_SCHEME, ocid_of, reference_of
from procure.ocds.imports import (
    PLATFORM_DATASET,
    delete_processes,
    releases_json,
    write_processes,
)
from procure.ocds.normalize import normalize
from procure.ocds.selectors import Process
from procure.ocds.tables import OcdsProcess
from procure.organizations.tables import Organization
from procure.risk.registry import Finding, SubjectType
from procure.settings import get_settings
from procure.surveys.tables import SurveyRound
from procure.tenders.tables import Tender

#: How each subject of the platform leads to the tender whose ocid it carries.
_TENDER_REFERENCE: dict[SubjectType, tuple[Any, Any]] = {
    SubjectType.tender: (Tender.id, Tender.reference),
    SubjectType.bid: (Bid.id, Bid.tender.reference),
    SubjectType.contract: (Contract.id, Contract.tender._.reference),
    SubjectType.survey_round: (SurveyRound.id, SurveyRound.contract._.tender._.reference),
}


#: Part of every content hash: bump it when what a process's rows are made of changes (the
#: normalization, the tables), so that the next refresh rewrites every process. The source of
#: the modules that turn facts into rows is part of the hash too (``_code_digest``).
PROJECTION_VERSION = "3"


@cache
def _code_digest() -> str:
    """A digest of the code that builds a process's releases, compiles and normalizes them:
    a deployment that changes it rewrites every process once (the facts alone would not show
    it)."""
    digest = hashlib.sha256()
    for module in (export, selectors, compile_module, normalize_module):
        try:
            digest.update(Path(module.__file__ or "").read_bytes())
        except OSError:
            digest.update(module.__name__.encode())
    return digest.hexdigest()


def _fact(value: Any) -> Any:
    """A fact JSON cannot encode, as text that names its type (so no two differ only in type)."""
    if isinstance(value, (datetime, date, time)):
        return f"{type(value).__name__}:{value.isoformat()}"
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    return f"{type(value).__name__}:{value!r}"


def process_hash(process: Process) -> str:
    """The hash of the facts a process's releases are built from (selectors.processes: its rows,
    with the status the clock gives), with the settings and code that build them: equal facts,
    equal releases, compiled release and rows. Taken from the facts, it tells an unchanged
    process without building its releases."""
    settings = get_settings()
    facts = json.dumps(
        [
            process.tender,
            process.lines,
            process.criteria,
            process.needs,
            process.clarifications,
            process.corrections,
            process.bids,
            process.award,
            process.contracts,
        ],
        ensure_ascii=False,
        separators=(",", ":"),
        default=_fact,
    )
    head = f"{PROJECTION_VERSION}\n{_code_digest()}\n{settings.ocid_prefix}\n{settings.timezone}\n"
    return hashlib.sha256((head + facts).encode()).hexdigest()


async def _stored_hashes(ocids: Sequence[str] | None) -> dict[str, str]:
    query = OcdsProcess.select(OcdsProcess.ocid, OcdsProcess.content_hash).where(
        OcdsProcess.dataset == PLATFORM_DATASET
    )
    if ocids is not None:
        query = query.where(OcdsProcess.ocid.is_in(list(ocids) or [""]))
    return {row["ocid"]: row["content_hash"] for row in await query}


async def _rewrite(processes: list[Process], stored: dict[str, str]) -> tuple[int, set[str]]:
    """Write the processes whose facts differ from those the stored ones were built from
    (inside the caller's transaction); how many were written, and the ocids of all given."""
    prepared = []
    build = export.builder()
    ocids = set()
    for process in processes:
        ocid = export.ocid_of(process.tender["reference"])
        ocids.add(ocid)
        digest = process_hash(process)
        if stored.get(ocid) == digest:
            continue
        releases = build(process)
        compiled = export.compile_release(releases)
        prepared.append(
            (normalize(ocid, compiled, releases), compiled, releases_json(releases), digest)
        )
    if prepared:
        await delete_processes(PLATFORM_DATASET, [rows.ocid for rows, _, _, _ in prepared])
        await write_processes(
            PLATFORM_DATASET,
            "export",
            [(rows, compiled, releases) for rows, compiled, releases, _ in prepared],
            hashes={rows.ocid: digest for rows, _, _, digest in prepared},
        )
    return len(prepared), ocids


async def platform_dataset_refresh(
    *, tender_ids: Sequence[int] | None = None, batch_size: int = export.BATCH_SIZE
) -> int:
    """Bring the "platform" dataset up to date with the export: the processes of these tenders
    (all of them by default); the number of processes rewritten.

    Only a process whose facts changed (by their hash) is rebuilt and rewritten, and a full
    refresh reads the tenders in batches. A read opens nothing here: the engine runs after events
    and under any clock, never as somebody's look."""
    rewritten = 0
    async with transaction():
        if tender_ids is not None:
            references = [
                row["reference"]
                for row in await Tender.select(Tender.reference).where(
                    Tender.id.is_in(list(tender_ids) or [-1])
                )
            ]
            ocids = [export.ocid_of(reference) for reference in references]
            rewritten, present = await _rewrite(
                await export.grouped_facts(ocids), await _stored_hashes(ocids)
            )
            gone = [ocid for ocid in ocids if ocid not in present]
        else:
            stored = await _stored_hashes(None)
            present = set()
            async for processes in export.fact_batches(batch_size=batch_size):
                count, ocids_seen = await _rewrite(processes, stored)
                rewritten += count
                present |= ocids_seen
            gone = [ocid for ocid in stored if ocid not in present]
        if gone:
            await delete_processes(PLATFORM_DATASET, gone)
    return rewritten


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
        if len(ids) > _FEW:
            # Many (a full scan's): every subject's ocid of this kind, read once per run of
            # rules, rather than thousands of ids in one statement.
            known = await shared_value(("ocids", kind), partial(_ocids, kind, None))
        else:
            known = await _ocids(kind, sorted(ids))
        ocids |= {(kind, str(i)): known[i] for i in ids if i in known}
    mapped = []
    for finding in findings:
        ocid = ocids.get((finding.subject_type, finding.subject_id))
        mapped.append(finding if ocid is None else _with_ocid(finding, ocid))
    return mapped


def _with_ocid(finding: Finding, ocid: str) -> Finding:
    """The finding with this ocid: dataclasses.replace's result, made the cheap way (a scan
    names tens of thousands)."""
    named = copy(finding)
    object.__setattr__(named, "ocid", ocid)
    return named


#: Up to this many subjects of a kind, with_ocids reads their ocids by id.
_FEW = 200


async def _ocids(kind: SubjectType, ids: list[int] | None) -> dict[int, str]:
    """The ocids of these subjects of a kind (all of them: None), by id."""
    key, reference = _TENDER_REFERENCE[kind]
    query = key._meta.table.select(key.as_alias("id"), reference.as_alias("reference"))
    if ids is not None:
        query = query.where(key.is_in(ids))
    return {
        row["id"]: ocid_of(row["reference"]) for row in await driver_rows(query) if row["reference"]
    }
