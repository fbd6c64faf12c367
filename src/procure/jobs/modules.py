"""The modules that declare event handlers and periodic jobs (``<area>/jobs.py``).

The one list of them, as Django's INSTALLED_APPS: the kernel imports them by name when a worker
or the eager runner needs their handlers, so it never imports an area statically.
"""

from __future__ import annotations

import importlib
from functools import cache

JOB_MODULES = (
    "procure.audit.jobs",
    "procure.bids.jobs",
    "procure.reports.jobs",
    "procure.spotchecks.jobs",
    "procure.surveys.jobs",
    "procure.risk.jobs",
    "procure.security.jobs",
    "procure.notifications.jobs",
)


@cache
def load() -> tuple[str, ...]:
    for name in JOB_MODULES:
        importlib.import_module(name)
    return JOB_MODULES
