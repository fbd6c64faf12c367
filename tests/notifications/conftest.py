"""A real SMTP server (aiosmtpd) on 127.0.0.1 and a free port, which the notifications' jobs
send their e-mails to; it can refuse (4xx) until told otherwise."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from procure.settings import get_settings


class SMTPInbox:
    """What the server received; while ``refusing``, it answers every message 451."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.messages: list[EmailMessage] = []
        self.refusing = False
        self.refused = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refusing:
            self.refused += 1
            return "451 4.3.0 mailbox busy, try again later"
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[SMTPInbox]:
    port = free_port()
    inbox = SMTPInbox(port)
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    monkeypatch.setattr(get_settings(), "smtp_url", f"smtp://127.0.0.1:{port}")
    try:
        yield inbox
    finally:
        server.stop()


# The risk flags tests/notifications/test_flags.py raises (tests/risk/flag_helpers.py).
from tests.risk.flag_helpers import flags  # noqa: E402, F401
