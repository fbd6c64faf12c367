"""The OCDS projection's catch-up: the platform's processes brought up to date without an event.

The events keep the "platform" dataset current for the tenders they touch (the risk engine
refreshes those before the bid-stage rules judge them). What changes without an event — a bulk
load (``procure demo generate``, a restore), a correction notice, a deployment that changes how
releases are built — is caught up by this job, which rewrites only the processes whose facts
changed. It runs before the nightly scan, so the scan judges today's projection.
"""

from __future__ import annotations

from procure.jobs.schedule import periodic


@periodic(
    "ocds.platform_refresh",
    cron="15 * * * *",
    description="brings the platform's OCDS projection up to date every hour at :15 (before the "
    "nightly risk scan at 02:30)",
)
async def platform_refresh() -> int:
    """Returns how many processes were rewritten."""
    from procure.ocds.platform import platform_dataset_refresh

    return await platform_dataset_refresh()
