"""Tenders (采购项目): scope, criteria, timeline and the lifecycle from draft to contract."""
