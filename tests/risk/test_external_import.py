"""Importing into any dataset runs the rules over OCDS data over it at once."""

from __future__ import annotations

import json
from uuid import uuid4

from procure.ocds.imports import ocds_dataset_delete, ocds_import
from procure.ocds.tables import OcdsProcess
from procure.risk.engine import load_rules, scan
from procure.risk.registry import Stage
from procure.risk.tables import RiskFlag


async def test_an_import_is_judged_without_waiting_for_a_scan(database: None) -> None:
    ocid = f"ocds-test01-{uuid4().hex[:8]}"
    single_bid = {"ocid": ocid, "tender": {"numberOfTenderers": 1, "procurementMethod": "open"}}
    other = f"city_b-{uuid4().hex[:8]}"
    try:
        # Into the external dataset and into any other, the import itself raises the flag, in
        # the dataset it wrote.
        await ocds_import(actor=None, source=json.dumps(single_bid).encode())
        await ocds_import(actor=None, source=json.dumps(single_bid).encode(), dataset=other)
        flags = await RiskFlag.select().where(RiskFlag.subject_id == ocid)
        assert sorted(
            (flag["rule"], flag["dataset"], flag["subject_type"], flag["ocid"]) for flag in flags
        ) == [("R018", other, "tender", ocid), ("R018", "external", "tender", ocid)]
    finally:
        await OcdsProcess.delete().where(OcdsProcess.ocid == ocid)
        await RiskFlag.delete().where(RiskFlag.subject_id == ocid)
        await ocds_dataset_delete(actor=None, dataset=other)
        # The external population is as it was: its flags too.
        bid_stage = [code for code, rule in load_rules().items() if rule.stage == Stage.bid]
        await scan(rules=bid_stage)
