"""Bearer authentication and the policy check, run before every API view.

``Authorization: Bearer <token or key>``. A missing or unknown credential
answers 401 (and is audited as a failed login); a known caller outside the
endpoint's policy answers 403.
"""

from __future__ import annotations

import logging

from flask import Response, current_app, g, request

from gateway.accounts.actors import Actor
from gateway.accounts.credentials import SECRET_SHAPE, authenticate_secret
from gateway.api.policy import POLICY, PUBLIC, caller_name, is_allowed
from gateway.api.problems import problem_response
from gateway.db import transaction
from gateway.runtime import runtime

logger = logging.getLogger(__name__)

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="kentongan"'}


def check_caller() -> Response | None:
    """Authenticate the caller and apply the policy; a response stops the request."""
    endpoint = request.endpoint
    if endpoint is None:
        return None
    allowed = POLICY.get(endpoint)
    if allowed is None:
        logger.error("endpoint without policy endpoint=%s", endpoint)
        return problem_response(
            403, "no-policy", "This endpoint has no access policy, so it is closed"
        )
    if allowed is PUBLIC:
        return None

    secret = presented_secret()
    if secret is None:
        return problem_response(
            401,
            "credential-required",
            "Send a staff token or partner key as 'Authorization: Bearer <secret>'",
            headers=CHALLENGE,
        )
    actor = _authenticate(secret)
    if actor is None:
        return problem_response(
            401,
            "credential-refused",
            "The token or key is unknown, revoked or mistyped; ask an admin for "
            "a new one",
            headers=CHALLENGE,
        )
    g.actor = actor
    if not is_allowed(endpoint, actor):
        return problem_response(
            403,
            "forbidden",
            f"A caller with {caller_name(actor)} may not do this; "
            f"allowed: {', '.join(sorted(allowed))}",
        )
    return None


def current_actor() -> Actor:
    actor: Actor = g.actor
    return actor


def presented_secret() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return secret.strip()


def caller_key() -> str:
    """What rate limits count by: the credential's public part, else the address."""
    secret = presented_secret()
    match = SECRET_SHAPE.fullmatch(secret) if secret else None
    if match is not None:
        return f"credential:{match.group(2)}"
    return f"address:{request.remote_addr}"


def _authenticate(secret: str) -> Actor | None:
    with transaction(runtime(current_app).sessions) as session:
        return authenticate_secret(session, secret)
