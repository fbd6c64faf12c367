"""A district's own setup: its divisions, departments, neighborhood committees and users from one
workbook (``procure setup import``, the administrators' pages and the API)."""
