"""Tables of the audit log: events, the head of their chain, and its signed checkpoints."""

from piccolo.columns import JSON, BigInt, Date, Integer, Serial, Timestamptz, Varchar
from piccolo.constraints import Check
from piccolo.table import Table

from procure.db.columns import created_at


class AuditEvent(Table, tablename="audit_event"):
    """One recorded change. Rows are never updated or deleted (triggers refuse it). ``hash`` is
    the HMAC of every other column (``id`` equals ``seq``) under the key of ``key_version``."""

    id: Serial  # the primary key Piccolo adds

    seq = BigInt(unique=True, null=False)
    occurred_at = created_at()
    actor_id = Integer(null=True, default=None)
    actor_label = Varchar(length=120, null=False, default="system")
    action = Varchar(length=64, null=False, index=True)
    subject_type = Varchar(length=32, null=False)
    subject_id = Varchar(length=64, null=False)
    data = JSON(null=False, default="{}")
    prev_hash = Varchar(length=64, null=False)
    #: The version of the deployment's secret whose audit key chained this event.
    key_version = Integer(null=False, default=1)
    hash = Varchar(length=64, unique=True, null=False)

    audit_event_seq_positive = Check("seq > 0")


class AuditHead(Table, tablename="audit_head"):
    """A single row naming the chain's last event; updating it serialises writers."""

    id: Serial  # the primary key Piccolo adds

    seq = BigInt(null=False, default=0)
    hash = Varchar(length=64, null=False)

    audit_head_single_row = Check("id = 1")


class AuditCheckpoint(Table, tablename="audit_checkpoint"):
    """The chain's head as of one day, signed (Ed25519) as a transparency log signs its tree
    head: anyone who keeps a copy can later prove the log still extends it. Made only by the
    daily job; never updated or deleted (triggers refuse it)."""

    id: Serial  # the primary key Piccolo adds

    log_id = Varchar(length=100, null=False)
    seq = BigInt(null=False)
    head_hash = Varchar(length=64, null=False)
    signed_at = Timestamptz(null=False)
    #: The local day it was made for: one checkpoint a day.
    day = Date(null=False, unique=True)
    key_version = Integer(null=False)
    public_key = Varchar(length=64, null=False)
    signature = Varchar(length=128, null=False)

    audit_checkpoint_seq_not_negative = Check("seq >= 0")
