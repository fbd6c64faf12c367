"""Sealed bids (投标): encrypted until the deadline, opened, scored and awarded."""
