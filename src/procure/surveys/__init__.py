"""Resident satisfaction surveys (居民满意度调查) with single-use, unlinkable tokens."""
