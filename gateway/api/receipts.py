"""Receipt endpoints for SMS providers, outside the bearer-token API: each
provider proves itself with its own secret (``KENTONGAN_SMS_RECEIPT_SECRET``).

- ``GET|POST /receipts/kannel?secret=…&delivery_id=…&type=%d&reply=%A`` —
  Kannel fetches the ``dlr-url`` it was given, so the secret rides in it.
- ``POST /receipts/http-json`` with ``Authorization: Bearer <secret>`` and
  ``{"reference", "status": "delivered"|"failed", "error"?}``.

Answers: 200 applied or already final, 400 unreadable, 403 wrong secret,
404 unknown delivery or receipts not enabled.
"""

from __future__ import annotations

import hmac

from flask import Blueprint, Response, current_app, jsonify, request

from gateway.api.problems import problem_response
from gateway.channels.sms import (
    ReceiptError,
    SmsReceipt,
    parse_http_json_receipt,
    parse_kannel_receipt,
)
from gateway.db import transaction
from gateway.dispatch.models import Delivery
from gateway.dispatch.receipts import apply_receipt
from gateway.runtime import runtime

blueprint = Blueprint("receipts", __name__, url_prefix="/receipts")


@blueprint.route("/kannel", methods=["GET", "POST"])
def kannel_receipt() -> Response:
    refused = _refuse_unless(request.args.get("secret", ""))
    if refused is not None:
        return refused
    try:
        receipt = parse_kannel_receipt(request.args.to_dict())
    except ReceiptError as exc:
        return problem_response(400, exc.code, exc.reason)
    return _apply(receipt)


@blueprint.post("/http-json")
def http_json_receipt() -> Response:
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    refused = _refuse_unless(secret if scheme.lower() == "bearer" else "")
    if refused is not None:
        return refused
    try:
        receipt = parse_http_json_receipt(request.get_data())
    except ReceiptError as exc:
        return problem_response(400, exc.code, exc.reason)
    return _apply(receipt)


def _refuse_unless(presented: str) -> Response | None:
    expected = current_app.config.get("SMS_RECEIPT_SECRET")
    if not expected:
        return problem_response(
            404,
            "receipts-disabled",
            "Receipts are not enabled; the operator sets KENTONGAN_SMS_RECEIPT_SECRET",
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
