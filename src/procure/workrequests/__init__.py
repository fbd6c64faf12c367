"""The internalization firewall: a department's filed requests for work outside a contract."""
