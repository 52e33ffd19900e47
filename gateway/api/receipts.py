"""Receipt endpoints for providers, outside the bearer-token API: each
provider proves itself with its own secret (``KENTONGAN_SMS_RECEIPT_SECRET``,
``KENTONGAN_EMAIL_RECEIPT_SECRET``).

- ``GET|POST /receipts/kannel?secret=…&delivery_id=…&type=%d&reply=%A`` —
  Kannel fetches the ``dlr-url`` it was given, so the secret rides in it.
- ``POST /receipts/http-json`` with ``Authorization: Bearer <secret>`` and
  ``{"reference", "status": "delivered"|"failed", "error"?}``.
- ``POST /receipts/email-bounce`` with ``Authorization: Bearer <secret>`` and
  the raw bounce as ``message/rfc822`` or ``application/octet-stream``, piped
  from the MTA.

Answers: 200 applied or already final, 400 unreadable, 403 wrong secret,
404 unknown delivery or receipts not enabled, 413 too large, 415 wrong type.
A bounce that can be read but names no delivery of ours is answered 200 with
``"outcome": "ignored"`` (or ``"unknown"`` when it is no RFC 3464 report) and
the reason, so the MTA does not send it again.
"""

from __future__ import annotations

import hmac
import logging

from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from gateway.api.problems import problem_response, unsupported_type
from gateway.channels.bounces import (
    MAX_BOUNCE_BYTES,
    Bounce,
    BounceError,
    parse_bounce,
)
from gateway.channels.sms import (
    ReceiptError,
    SmsReceipt,
    parse_http_json_receipt,
    parse_kannel_receipt,
)
from gateway.db import transaction
from gateway.dispatch.models import Delivery
from gateway.dispatch.receipts import apply_receipt, record_bounce
from gateway.runtime import runtime

logger = logging.getLogger(__name__)

blueprint = Blueprint("receipts", __name__, url_prefix="/receipts")
BOUNCE_TYPES = ("message/rfc822", "application/octet-stream")


@blueprint.route("/kannel", methods=["GET", "POST"])
def kannel_receipt() -> Response:
    refused = refuse_unless_secret(request.args.get("secret", ""))
    if refused is not None:
        return refused
    try:
        receipt = parse_kannel_receipt(request.args.to_dict())
    except ReceiptError as exc:
        return problem_response(400, exc.code, exc.reason)
    return _apply(receipt)


@blueprint.post("/http-json")
def http_json_receipt() -> Response:
    refused = refuse_unless_secret(bearer_secret())
    if refused is not None:
        return refused
    try:
        receipt = parse_http_json_receipt(request.get_data())
    except ReceiptError as exc:
        return problem_response(400, exc.code, exc.reason)
    return _apply(receipt)


@blueprint.post("/email-bounce")
def email_bounce() -> Response:
    refused = refuse_unless_secret(bearer_secret(), setting="EMAIL_RECEIPT_SECRET")
    if refused is not None:
        return refused
    if request.mimetype not in BOUNCE_TYPES:
        return unsupported_type(request.mimetype, BOUNCE_TYPES)
    data = _bounce_body()
    if data is None:
        return problem_response(
            413,
            "too-large",
            f"The bounce is larger than {MAX_BOUNCE_BYTES:,} bytes; have the mail "
            "server return only the headers of the original message",
        )
    try:
        bounce = parse_bounce(data, str(current_app.config["SECRET_KEY"]))
    except BounceError as exc:
        return problem_response(400, exc.code, exc.reason)
    return _apply_bounce(bounce)


def bearer_secret() -> str:
    """The secret of an ``Authorization: Bearer`` header, else empty."""
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    return secret if scheme.lower() == "bearer" else ""


def refuse_unless_secret(
    presented: str, *, setting: str = "SMS_RECEIPT_SECRET"
) -> Response | None:
    """A problem answer unless ``presented`` is the provider's secret."""
    expected = current_app.config.get(setting)
    if not expected:
        return problem_response(
            404,
            "receipts-disabled",
            f"Receipts are not enabled; the operator sets KENTONGAN_{setting}",
        )
    if not hmac.compare_digest(presented.encode(), str(expected).encode()):
        return problem_response(
            403, "bad-receipt-secret", "The receipt secret does not match"
        )
    return None


def _apply(receipt: SmsReceipt) -> Response:
    if not receipt.delivery_id.isdigit() or len(receipt.delivery_id) > 18:
        return problem_response(
            404,
            "unknown-delivery",
            f"No delivery has the id {receipt.delivery_id[:40]}",
        )
    delivery_id = int(receipt.delivery_id)
    with transaction(runtime(current_app).sessions) as session:
        if session.get(Delivery, delivery_id) is None:
            return problem_response(
                404, "unknown-delivery", f"No delivery has the id {delivery_id}"
            )
        applied = receipt.state is not None and apply_receipt(
            session, delivery_id, str(receipt.state), receipt.reason
        )
    return jsonify({"deliveryId": delivery_id, "applied": applied})


def _bounce_body() -> bytes | None:
    """The request body, or None when it is larger than a bounce may be."""
    if (request.content_length or 0) > MAX_BOUNCE_BYTES:
        return None
    try:
        data = request.get_data(cache=False)
    except RequestEntityTooLarge:
        return None
    return data if len(data) <= MAX_BOUNCE_BYTES else None


def _apply_bounce(bounce: Bounce) -> Response:
    if bounce.delivery_id is None:
        return _ignored(bounce.reason)
    delivery_id = _numeric_id(bounce.delivery_id)
    outcome = None
    if delivery_id is not None:
        with transaction(runtime(current_app).sessions) as session:
            outcome = record_bounce(session, delivery_id, bounce)
    if delivery_id is None or outcome is None:
        return _ignored(
            f"No email delivery has the id {bounce.delivery_id}; nothing was changed."
        )

    return jsonify(
        {
            "deliveryId": delivery_id,
            "outcome": str(bounce.kind),
            "status": bounce.status,
            "applied": outcome.applied,
            "optedOut": outcome.opted_out,
            "reason": bounce.reason,
        }
    )


def _ignored(reason: str) -> Response:
    """200 for a bounce read but of no use, so the MTA does not send it again."""
    logger.info("bounce ignored reason=%s", reason)
    return jsonify(
        {
            "deliveryId": None,
            "outcome": "ignored",
            "applied": False,
            "optedOut": False,
            "reason": reason,
        }
    )


def _numeric_id(reference: str | None) -> int | None:
    if reference is None or not reference.isdigit() or len(reference) > 18:
        return None
    return int(reference)
