"""Sealed spot-checks (核查抽样): a seed committed before each reporting period, revealed when the
period's report is submitted, draws the report's units the neighborhood committee verifies."""
