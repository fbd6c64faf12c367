"""Open Contracting Data Standard 1.1: export of the platform's contracting processes, import of
external OCDS data (read-only processes the risk engine scans)."""
