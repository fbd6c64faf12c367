"""Tables of the sealed spot-checks: one committed seed per contract period, and the
verification tasks its reveal draws from the period's report."""

from enum import StrEnum

from piccolo.columns import Bytea, Integer, Serial, Text, Varchar
from piccolo.constraints import Check, Unique
from piccolo.table import Table

from procure.contracts.tables import Contract
from procure.db.columns import created_at, enum_check, enum_column, optional_time, parent
from procure.reports.tables import ServiceReport, UnitKind
from procure.security.tables import User


class SpotCheckSeed(Table, tablename="spot_check_seed"):
    """The platform's commitment for one reporting period: the seed's SHA-256 is public from
    the start; the seed itself is kept wrapped under the deployment's secret (procure.keyring)
    and stored in clear only once revealed by the period's submitted report."""

    id: Serial  # the primary key Piccolo adds
    contract = parent(Contract)
    period = Varchar(length=7, null=False)  # the report period's label, YYYY-MM
    commitment = Varchar(length=64, null=False)  # sha256(seed), hex
    sealed_seed = Bytea(null=False, secret=True)  # nonce ‖ AES-GCM(seed)
    key_version = Integer(null=False, default=1)
    committed_at = created_at()
    revealed_seed = Varchar(length=64, null=True, default=None)  # hex, once revealed
    revealed_at = optional_time()
    report = parent(ServiceReport, null=True)  # the submitted version that revealed it

    spot_check_seed_once = Unique(["contract", "period"])
    spot_check_seed_revealed = Check(
        "(revealed_seed IS NULL AND revealed_at IS NULL AND report IS NULL)"
        " OR (revealed_seed IS NOT NULL AND revealed_at IS NOT NULL AND report IS NOT NULL)"
    )


class TaskStatus(StrEnum):
    open = "open"
    confirmed = "confirmed"
    not_delivered = "not_delivered"
    unreachable = "unreachable"  # could not reach the household or group


class VerificationTask(Table, tablename="verification_task"):
    """One drawn unit the contract's neighborhood committee verifies."""

    id: Serial  # the primary key Piccolo adds
    seed = parent(SpotCheckSeed, cascade=True)
    draw_no = Integer(null=False)  # 1 for the unit of lowest rank
    line_no = Integer(null=False)
    kind = enum_column(UnitKind)
    code = Varchar(length=32, null=False)
    rank = Varchar(length=64, null=False)  # HMAC-SHA256(seed, "line_no:code"), hex
    status = enum_column(TaskStatus)
    note = Text(null=False, default="")
    decided_by = parent(User, null=True)
    decided_at = optional_time()

    verification_task_once = Unique(["seed", "draw_no"])
    verification_task_status_valid = enum_check("status", TaskStatus)
    verification_task_kind_valid = enum_check("kind", UnitKind)
