"""Bounces as real mail servers write them, for the bounce tests to feed in.

Written from RFC 3464 and the shape of Postfix's and Exim's notifications;
each builder takes what the loopback SMTP server received (the envelope
sender, the original message) so a test bounces exactly what was sent.
"""

from __future__ import annotations

RESIDENT = "warga@example.org"
POSTFIX_BOUNDARY = "4F2A81C0123.1764812462/mail.padang.go.id"
EXIM_BOUNDARY = "1764812462-eximdsn-1804289383"


def original_headers(raw: bytes) -> str:
    """The header section of a message as a bouncing server returns it."""
    head = raw.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0]
    return head.decode("ascii") + "\n"


def original_message(
    *, envelope_sender: str, message_id: str, reference: str | None = None
) -> bytes:
    """An alert email as the gateway writes it, for tests that send none."""
    lines = [
        f"Return-Path: <{envelope_sender}>",
        f"Message-ID: <{message_id}@padang.go.id>",
        "Date: Fri, 04 Dec 2026 01:41:00 +0000",
        "From: peringatan@padang.go.id",
        f"To: {RESIDENT}",
        "Subject: Gempa M6,8 - segera menjauh dari pantai",
        "MIME-Version: 1.0",
    ]
    if reference is not None:
        lines.append(f"X-Kentongan-Delivery: {reference}")
    lines += [
        'Content-Type: text/plain; charset="utf-8"',
        "",
        "Air naik cepat. Segera mengungsi.",
        "",
    ]
    return "\n".join(lines).encode("ascii")


def recipient_fields(
    action: str | None, status: str | None, diagnostic: str | None
) -> str:
    lines = [f"Final-Recipient: rfc822; {RESIDENT}"]
    if action is not None:
        lines.append(f"Action: {action}")
    if status is not None:
        lines.append(f"Status: {status}")
    lines.append("Remote-MTA: dns; mx.example.org")
    if diagnostic is not None:
        lines.append(f"Diagnostic-Code: {diagnostic}")
    return "\n".join(lines) + "\n"


def postfix_dsn(
    *,
    to: str,
    original: bytes | None,
    action: str | None = "failed",
    status: str | None = "5.1.1",
    diagnostic: str | None = (
        "smtp; 550 5.1.1 <warga@example.org>: Recipient address\n"
        "    rejected: User unknown in virtual mailbox table"
    ),
) -> bytes:
    """Postfix's notification: text, delivery-status, the original's headers."""
    returned = ""
    if original is not None:
        returned = (
            f"--{POSTFIX_BOUNDARY}\n"
            "Content-Description: Undelivered Message Headers\n"
            "Content-Type: text/rfc822-headers\n"
            "Content-Transfer-Encoding: 8bit\n\n"
            f"{original_headers(original)}\n"
        )
    text = (
        f"Return-Path: <>\n"
        f"Delivered-To: {to}\n"
        "Received: by mail.padang.go.id (Postfix)\n"
        "\tid 4F2A81C0123; Fri,  4 Dec 2026 08:41:02 +0700 (WIB)\n"
        "Date: Fri,  4 Dec 2026 08:41:02 +0700 (WIB)\n"
        "From: MAILER-DAEMON@mail.padang.go.id (Mail Delivery System)\n"
        "Subject: Undelivered Mail Returned to Sender\n"
        f"To: {to}\n"
        "Auto-Submitted: auto-replied\n"
        "MIME-Version: 1.0\n"
        "Content-Type: multipart/report; report-type=delivery-status;\n"
        f'\tboundary="{POSTFIX_BOUNDARY}"\n'
        "Content-Transfer-Encoding: 8bit\n"
        "Message-Id: <20261204014102.4F2A81C0124@mail.padang.go.id>\n\n"
        "This is a MIME-encapsulated message.\n\n"
        f"--{POSTFIX_BOUNDARY}\n"
        "Content-Description: Notification\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "Content-Transfer-Encoding: 8bit\n\n"
        "This is the mail system at host mail.padang.go.id.\n\n"
        "I'm sorry to have to inform you that your message could not\n"
        "be delivered to one or more recipients. It's attached below.\n\n"
        "                   The mail system\n\n"
        f"<{RESIDENT}>: host mx.example.org[203.0.113.5] said: 550 5.1.1\n"
        f"    <{RESIDENT}>: Recipient address rejected: User unknown (in reply\n"
        "    to RCPT TO command)\n\n"
        f"--{POSTFIX_BOUNDARY}\n"
        "Content-Description: Delivery report\n"
        "Content-Type: message/delivery-status\n\n"
        "Reporting-MTA: dns; mail.padang.go.id\n"
        "X-Postfix-Queue-ID: 4F2A81C0123\n"
        f"X-Postfix-Sender: rfc822; {to}\n"
        "Arrival-Date: Fri,  4 Dec 2026 08:41:01 +0700 (WIB)\n\n"
        f"{recipient_fields(action, status, diagnostic)}\n"
        f"{returned}"
        f"--{POSTFIX_BOUNDARY}--\n"
    )
    return text.encode("utf-8")


def exim_dsn(
    *,
    to: str,
    original: bytes | None,
    action: str | None = "failed",
    status: str | None = "5.0.0",
    diagnostic: str | None = "smtp; 550 5.1.1 No such user here",
) -> bytes:
    """Exim's notification: text, delivery-status, the whole original message."""
    returned = ""
    if original is not None:
        body = original.replace(b"\r\n", b"\n").decode("utf-8")
        returned = f"--{EXIM_BOUNDARY}\nContent-type: message/rfc822\n\n{body}\n"
    text = (
        "Return-path: <>\n"
        f"Envelope-to: {to}\n"
        "Received: from Debian-exim by mx.example.net with local (Exim 4.96)\n"
        "\tid 1tQ2aB-000Abc-2x\n"
        f"\tfor {to}; Fri, 04 Dec 2026 01:41:05 +0000\n"
        f"X-Failed-Recipients: {RESIDENT}\n"
        "Auto-Submitted: auto-replied\n"
        "From: Mail Delivery System <Mailer-Daemon@mx.example.net>\n"
        f"To: {to}\n"
        "Content-Type: multipart/report; report-type=delivery-status; "
        f"boundary={EXIM_BOUNDARY}\n"
        "MIME-Version: 1.0\n"
        "Subject: Mail delivery failed: returning message to sender\n"
        "Message-Id: <E1tQ2aB-000Abc-2x@mx.example.net>\n"
        "Date: Fri, 04 Dec 2026 01:41:05 +0000\n\n"
        f"--{EXIM_BOUNDARY}\n"
        "Content-type: text/plain; charset=us-ascii\n\n"
        "This message was created automatically by mail delivery software.\n\n"
        "A message that you sent could not be delivered to one or more of its\n"
        "recipients. This is a permanent error. The following address(es) "
        "failed:\n\n"
        f"  {RESIDENT}\n"
        "    host mx.example.org [203.0.113.5]\n"
        "    SMTP error from remote mail server after RCPT TO:<"
        f"{RESIDENT}>:\n"
        "    550 5.1.1 No such user here\n\n"
        f"--{EXIM_BOUNDARY}\n"
        "Content-type: message/delivery-status\n\n"
        "Reporting-MTA: dns; mx.example.net\n\n"
        f"{recipient_fields(action, status, diagnostic)}\n"
        f"{returned}"
        f"--{EXIM_BOUNDARY}--\n"
    )
    return text.encode("utf-8")


def qmail_bounce(*, to: str, original: bytes) -> bytes:
    """qmail's plain-text bounce: no report part, the original quoted below."""
    body = original.replace(b"\r\n", b"\n").decode("utf-8")
    text = (
        "Return-Path: <>\n"
        f"To: {to}\n"
        "From: MAILER-DAEMON@mx.example.com\n"
        "Subject: failure notice\n"
        "Date: 4 Dec 2026 01:41:07 -0000\n\n"
        "Hi. This is the qmail-send program at mx.example.com.\n"
        "I'm afraid I wasn't able to deliver your message to the following "
        "addresses.\n"
        "This is a permanent error; I've given up. Sorry it didn't work out.\n\n"
        f"<{RESIDENT}>:\n"
        "Sorry, no mailbox here by that name. (#5.1.1)\n\n"
        "--- Below this line is a copy of the message.\n\n"
        f"{body}"
    )
    return text.encode("utf-8")


def with_crlf(data: bytes) -> bytes:
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
