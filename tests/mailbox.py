"""A real SMTP server on 127.0.0.1 for tests (aiosmtpd), keeping every message
it takes, parsed."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

LOOPBACK = "127.0.0.1"


class Mailbox:
    """An aiosmtpd handler keeping every message it takes."""

    def __init__(self) -> None:
        self.received: list[EmailMessage] = []

    async def handle_DATA(
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        raw = envelope.original_content or b""
        parsed = message_from_bytes(raw, policy=default_policy)
        assert isinstance(parsed, EmailMessage)
        self.received.append(parsed)
        return "250 2.0.0 Queued"


@contextmanager
def running_mailbox() -> Iterator[tuple[Mailbox, int]]:
    """A mailbox listening on a free loopback port, and that port."""
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        port = int(probe.getsockname()[1])
    box = Mailbox()
    controller = Controller(box, hostname=LOOPBACK, port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()
