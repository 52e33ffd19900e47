"""Unsubscribe links: a signed token naming one subscriber, and opting out.

The token is signed with the app's secret key (itsdangerous), so a link
cannot be forged for someone else; it carries no email address.
"""

from __future__ import annotations

import logging

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import update
from sqlalchemy.orm import Session

from gateway.db import utc_now
from gateway.residents.models import Subscriber

logger = logging.getLogger(__name__)

SALT = "kentongan-unsubscribe"


def make_token(secret_key: str, subscriber_id: int) -> str:
    return URLSafeSerializer(secret_key, salt=SALT).dumps(subscriber_id)


def read_token(secret_key: str, token: str) -> int | None:
    """The subscriber a token names, or None when it is not one of ours."""
    try:
        found = URLSafeSerializer(secret_key, salt=SALT).loads(token)
    except BadSignature:
        return None
    return found if isinstance(found, int) else None


def opt_out(session: Session, subscriber_id: int) -> bool:
    """Stop every alert to this subscriber; False when there is no such one."""
    result = session.execute(
        update(Subscriber)
        .where(Subscriber.id == subscriber_id)
        .where(Subscriber.opted_out_at.is_(None))
        .values(opted_out_at=utc_now(), updated_at=utc_now())
    )
    if getattr(result, "rowcount", 0):
        logger.info("subscriber opted out subscriber_id=%s", subscriber_id)
    return session.get(Subscriber, subscriber_id) is not None
