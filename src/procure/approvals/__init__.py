"""Maker–checker approvals inside a buying department (经办 prepares, 审批负责人 approves)."""
