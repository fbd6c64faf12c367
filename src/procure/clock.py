"""The server's clock. Deadlines are decided by it alone; tests move it with monkeypatch."""

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)
