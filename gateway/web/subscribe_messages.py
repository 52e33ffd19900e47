"""The confirmation messages of self-subscription, in the resident's language:
the SMS with its 6-digit code and the email with its confirmation link.

Both say what the message is for, how long it holds, and that whoever did
not ask can ignore it: without confirmation nothing is stored for good and
nothing more is sent. The SMS keeps to the GSM alphabet so it fits one part.
"""

from __future__ import annotations

from flask import Flask, current_app
from flask_babel import force_locale, gettext

from gateway.dispatch.notices import Notice, NoticeSender, build_notice_sender
from gateway.residents.pending import CODE_LIFETIME, LINK_LIFETIME, Opened, Wanted

EXTENSION = "kentongan.notices"


def notice_sender(app: Flask | None = None) -> NoticeSender:
    """The app's notice sender, built from its settings on first use."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    found: NoticeSender | None = app.extensions.get(EXTENSION)
    if found is None:
        found = app.extensions[EXTENSION] = build_notice_sender(
            app.config, app.instance_path
        )
    return found


def confirmation_notice(wanted: Wanted, opened: Opened, link: str) -> Notice:
    """The code by SMS, or ``link`` by email, in the language asked for."""
    office = str(current_app.config["OFFICE_NAME"])
    with force_locale(wanted.language.split("-")[0]):
        if wanted.channel == "sms":
            minutes = int(CODE_LIFETIME.total_seconds() // 60)
            text = gettext(
                "Kentongan code: %(code)s (valid %(minutes)d minutes) to confirm "
                "alerts from %(office)s. Did not ask? Ignore this SMS; nothing "
                "more will be sent.",
                code=opened.secret,
                minutes=minutes,
                office=office,
            )
            return Notice("sms", wanted.address, text)
        return Notice(
            "email",
            wanted.address,
            _email_text(office, link),
            subject=gettext("Confirm your alerts from %(office)s", office=office),
        )


def _email_text(office: str, link: str) -> str:
    hours = int(LINK_LIFETIME.total_seconds() // 3600)
    parts = [
        gettext(
            "Someone, hopefully you, asked for %(office)s's disaster alerts at "
            "this email address.",
            office=office,
        ),
        gettext(
            "To confirm, open this link within %(hours)d hours and press the "
            "Confirm button:",
            hours=hours,
        )
        + f"\n{link}",
        gettext(
            "If it was not you, ignore this email: without confirmation your "
            "address is deleted and nothing more is sent."
        ),
        gettext(
            "Once confirmed, every alert email carries a link to stop the alerts "
            "and delete your data."
        ),
    ]
    return "\n\n".join(parts) + "\n"
