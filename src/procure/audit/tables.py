"""Tables of the audit log: events and the head of their hash chain."""

from piccolo.columns import JSON, BigInt, Integer, Serial, Varchar
from piccolo.constraints import Check
from piccolo.table import Table

from procure.db.columns import created_at


class AuditEvent(Table, tablename="audit_event"):
    """One recorded change. Rows are never updated or deleted (triggers refuse it)."""

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
    hash = Varchar(length=64, unique=True, null=False)

    audit_event_seq_positive = Check("seq > 0")


class AuditHead(Table, tablename="audit_head"):
    """A single row naming the chain's last event; updating it serialises writers."""

    id: Serial  # the primary key Piccolo adds

    seq = BigInt(null=False, default=0)
    hash = Varchar(length=64, null=False)

    audit_head_single_row = Check("id = 1")
