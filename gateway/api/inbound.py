"""Inbound SMS endpoints: residents' replies to alerts, handed on by the SMS
provider, with the same secret as its receipts (``KENTONGAN_SMS_RECEIPT_SECRET``).

- ``GET|POST /receipts/kannel/inbound?secret=…&from=%p&to=%P&text=%a`` —
  Kannel's sms-service ``get-url`` (see ``gateway.channels.sms_inbound``);
  the answer's body, ``text/plain; charset=utf-8``, is the reply Kannel sends.
- ``POST /receipts/http-json/inbound`` with ``Authorization: Bearer <secret>``
  and ``{"from", "to", "text", "id"?}``; the answer is
  ``{"reply": "...", "optedOut": bool}`` and the provider sends the reply.

A stop (STOP, BERHENTI, …) opts out the SMS subscriber with the sender's
number, with a row of the audit log. The reply is the same whether the number
was subscribed or not, in the subscriber's language when known, else
Indonesian; ``optedOut`` says the number gets no more alerts, which is true
of every stop. Anything else gets a short help reply, at most
``KENTONGAN_SMS_HELP_REPLY_LIMIT`` a number, then an empty one (Kannel's
sms-service sends nothing for it with ``omit-empty = true``). Errors are the
receipts' problem answers: 400 unreadable, 403 wrong secret, 404 not enabled.
Logs carry ids, never the number or the text.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import Blueprint, Response, current_app, jsonify, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.alerts import audit
from gateway.api.problems import problem_response
from gateway.api.receipts import bearer_secret, refuse_unless_secret
from gateway.channels.sms_inbound import (
    InboundError,
    InboundSms,
    parse_http_json_inbound,
    parse_kannel_inbound,
)
from gateway.db import transaction
from gateway.dispatch.way_out import WayOut
from gateway.residents.addresses import normalise_phone
from gateway.residents.errors import InvalidSubscription
from gateway.residents.models import Subscriber
from gateway.residents.unsubscribe import opt_out
from gateway.runtime import runtime
from gateway.web.subscribe_guard import subscribe_guard

logger = logging.getLogger(__name__)

blueprint = Blueprint("inbound", __name__, url_prefix="/receipts")
ACTOR = "resident:sms"
PLAIN_TEXT = "text/plain; charset=utf-8"


@dataclass(frozen=True, slots=True)
class Handled:
    """What became of one inbound message."""

    reply: str
    stop: bool
    subscriber_id: int | None


@blueprint.route("/kannel/inbound", methods=["GET", "POST"])
def kannel_inbound() -> Response:
    refused = refuse_unless_secret(request.args.get("secret", ""))
    if refused is not None:
        return refused
    fields = {**request.form.to_dict(), **request.args.to_dict()}
    try:
        message = parse_kannel_inbound(fields)
    except InboundError as exc:
        return problem_response(400, exc.code, exc.reason)
    handled = handle_inbound(message, "kannel")
    return Response(handled.reply, content_type=PLAIN_TEXT)


@blueprint.post("/http-json/inbound")
def http_json_inbound() -> Response:
    refused = refuse_unless_secret(bearer_secret())
    if refused is not None:
        return refused
    try:
        message = parse_http_json_inbound(request.get_data())
    except InboundError as exc:
        return problem_response(400, exc.code, exc.reason)
    handled = handle_inbound(message, "http-json")
    return jsonify({"reply": handled.reply, "optedOut": handled.stop})


def handle_inbound(message: InboundSms, provider: str) -> Handled:
    """Opt the sender out on a stop; the reply either way, except that a
    number past its help replies for the day gets none (an empty reply)."""
    number = sender_number(message.sender, current_app.config["DEFAULT_REGION"])
    with transaction(runtime(current_app).sessions) as session:
        subscriber = _sms_subscriber(session, number) if number else None
        language = subscriber.language if subscriber else None
        subscriber_id = subscriber.id if subscriber else None
        if message.is_stop and subscriber is not None:
            _opt_out(session, subscriber, provider)

    reply = WayOut.from_config(current_app.config).reply(
        language, stopped=message.is_stop
    )
    if not message.is_stop and not _may_help(number or message.sender):
        reply = ""
    logger.info(
        "inbound sms provider=%s stop=%s subscriber_id=%s",
        provider,
        message.is_stop,
        subscriber_id,
    )
    return Handled(reply, message.is_stop, subscriber_id)


def _may_help(number: str) -> bool:
    return subscribe_guard().take_help_reply(number)


def sender_number(raw: str, region: str) -> str | None:
    """The sender in E.164, as subscribers are stored; None when it is no
    phone number (a short code, an operator's name)."""
    candidates = [raw]
    if raw.isdigit() and not raw.startswith("0"):
        candidates.append(f"+{raw}")
    for candidate in candidates:
        try:
            return normalise_phone(candidate, region)
        except InvalidSubscription:
            continue
    return None


def _sms_subscriber(session: Session, number: str) -> Subscriber | None:
    found: Subscriber | None = session.scalars(
        select(Subscriber)
        .where(Subscriber.channel == "sms", Subscriber.address == number)
        .with_for_update()
    ).first()
    return found


def _opt_out(session: Session, subscriber: Subscriber, provider: str) -> None:
    """Stop the subscriber's alerts, with an audit row when that changed."""
    if subscriber.opted_out_at is not None:
        return
    opt_out(session, subscriber.id)
    audit.record(
        session,
        "subscriber.opted_out",
        actor=ACTOR,
        subject=f"subscriber:{subscriber.id}",
        details={"channel": "sms", "via": f"{provider} reply"},
    )
