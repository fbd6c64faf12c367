"""A check that a change to the risk engine or the OCDS projection changes no result: run a full
scan on the configured database and write every flag (identity, severity, status, evidence,
ocid, parties) and every process of the platform's projection (its compiled release and
releases), sorted, as one JSON file. Run it on two copies of the same generated data, one with
the code before the change and one after, and compare the files byte for byte:

    export PROCURE_DATABASE_URL=sqlite:////tmp/before/db.sqlite3 PROCURE_VAR_DIR=/tmp/before
    procure db upgrade && procure demo generate --scale 2 --seed 1
    python benchmarks/flags_snapshot.py /tmp/before/out.json      # (the code before)
    # the same into /tmp/after with the code after, then:
    cmp /tmp/before/out.json /tmp/after/out.json
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from typing import Any


def _loaded(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


async def snapshot() -> dict[str, Any]:
    from procure.ocds.tables import OcdsProcess
    from procure.risk.engine import scan
    from procure.risk.tables import RiskFlag

    logging.disable(logging.INFO)
    await scan()
    flags = sorted(
        (
            [
                row["rule"],
                row["dataset"],
                row["subject_type"],
                row["subject_id"],
                row["period"],
                row["severity"],
                row["status"],
                row["evidence"],
                row["ocid"],
                row["department"],
                row["organization"],
            ]
            for row in await RiskFlag.select().output(load_json=True)
        ),
        key=lambda flag: json.dumps(flag, sort_keys=True, default=str),
    )
    processes = sorted(
        [row["ocid"], _loaded(row["compiled_release"]), _loaded(row["releases"])]
        for row in await OcdsProcess.select(
            OcdsProcess.ocid, OcdsProcess.compiled_release, OcdsProcess.releases
        ).where(OcdsProcess.dataset == "platform")
    )
    return {"flags": flags, "processes": processes}


if __name__ == "__main__":
    data = asyncio.run(snapshot())
    with open(sys.argv[1], "w", encoding="utf-8") as file:
        json.dump(data, file, sort_keys=True, default=str, ensure_ascii=False)
    print(f"{len(data['flags'])} flags, {len(data['processes'])} processes → {sys.argv[1]}")
