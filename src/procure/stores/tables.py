"""The table behind the shared key-value store (rate-limit counters and the like)."""

from __future__ import annotations

from piccolo.columns import Bytea, Serial, Varchar
from piccolo.constraints import Unique
from piccolo.table import Table

from procure.db.columns import optional_time


class SharedEntry(Table, tablename="shared_store"):
    """One key of one namespace of the shared store; a row past ``expires_at`` counts as absent."""

    id: Serial  # the primary key Piccolo adds

    namespace = Varchar(length=64, null=False)
    key = Varchar(length=255, null=False)
    value = Bytea(null=False)
    expires_at = optional_time()

    shared_store_one_key = Unique(["namespace", "key"])
