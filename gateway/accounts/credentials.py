"""API tokens of staff and API keys of partner organisations.

A secret looks like ``ktn_k_<16 hex>_<43 url-safe characters>``: the kind
(``t`` token, ``k`` key), a public lookup part that finds the row, and the
random rest. Only the SHA-256 of the whole secret is stored; it is printed
once, at creation. A revoked credential fails on the very next request.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.accounts.actors import Actor, actor_for_key, actor_for_user
from gateway.accounts.errors import InvalidAccountData, UnknownAccount
from gateway.accounts.models import (
    Credential,
    CredentialKind,
    KeyScope,
    Organisation,
    User,
)
from gateway.alerts import audit
from gateway.cap.references import restricted_characters_in
from gateway.db import utc_now

logger = logging.getLogger(__name__)

SECRET_SHAPE = re.compile(r"ktn_([tk])_([0-9a-f]{16})_([A-Za-z0-9_-]{43})")
MAX_LABEL_LENGTH = 200
KIND_LETTERS = {CredentialKind.TOKEN: "t", CredentialKind.KEY: "k"}


@dataclass(frozen=True, slots=True)
class IssuedCredential:
    """A new credential and its secret, which is never shown again."""

    credential: Credential
    secret: str


def create_token(
    session: Session, user: User, *, actor: str, label: str | None = None
) -> IssuedCredential:
    """A personal API token acting as ``user``."""
    issued = _issue(
        session,
        CredentialKind.TOKEN,
        organisation_id=user.organisation_id,
        user_id=user.id,
        label=label,
    )
    audit.record(
        session,
        "token.created",
        actor=actor,
        subject=f"credential:{issued.credential.id}",
        details={"user_id": user.id},
    )
    return issued


def create_key(
    session: Session,
    organisation: Organisation,
    scope: str,
    *,
    actor: str,
    senders: tuple[str, ...] = (),
    label: str | None = None,
) -> IssuedCredential:
    """An API key of a partner organisation, limited to ``scope``."""
    scope = _require_scope(scope)
    for sender in senders:
        if not sender or restricted_characters_in(sender):
            raise InvalidAccountData(
                f"Sender '{sender}' is not a CAP sender: it must not be empty or "
                "contain spaces, commas, '<' or '&'"
            )
    issued = _issue(
        session,
        CredentialKind.KEY,
        organisation_id=organisation.id,
        scope=scope,
        allowed_senders=" ".join(senders) or None,
        label=label,
    )
    audit.record(
        session,
        "key.created",
        actor=actor,
        subject=f"credential:{issued.credential.id}",
        details={"organisation_id": organisation.id, "scope": scope},
    )
    return issued


def revoke(session: Session, credential_id: int, *, actor: str) -> Credential:
    """Revoke a token or key at once; revoking twice changes nothing."""
    credential = session.get(Credential, credential_id)
    if credential is None:
        raise UnknownAccount(f"No token or key has the id {credential_id}")
    if credential.revoked_at is None:
        credential.revoked_at = utc_now()
        audit.record(
            session,
            f"{credential.kind}.revoked",
            actor=actor,
            subject=f"credential:{credential.id}",
        )
    return credential


def authenticate_secret(session: Session, secret: str) -> Actor | None:
    """The actor a presented secret stands for, or None (the failure is audited)."""
    credential = _find_live(session, secret)
    if credential is None:
        match = SECRET_SHAPE.fullmatch(secret)
        audit.record(
            session,
            "login.failed",
            actor="anonymous",
            subject=f"credential-lookup:{match.group(2) if match else 'malformed'}",
            details={"method": "bearer"},
        )
        return None
    if credential.kind == CredentialKind.KEY:
        return actor_for_key(credential)
    assert credential.user is not None
    return actor_for_user(credential.user, credential.id)


def list_credentials(session: Session) -> list[Credential]:
    return list(session.scalars(select(Credential).order_by(Credential.id)))


def _find_live(session: Session, secret: str) -> Credential | None:
    match = SECRET_SHAPE.fullmatch(secret)
    if match is None:
        return None
    credential = session.scalars(
        select(Credential).where(Credential.lookup == match.group(2))
    ).first()
    if credential is None or credential.revoked_at is not None:
        return None
    if KIND_LETTERS[CredentialKind(credential.kind)] != match.group(1):
        return None
    if not hmac.compare_digest(credential.secret_hash, _digest(secret)):
        return None
    if credential.user is not None and credential.user.disabled_at is not None:
        return None
    return credential


def _issue(
    session: Session, kind: CredentialKind, **columns: object
) -> IssuedCredential:
    label = columns.get("label")
    if isinstance(label, str) and len(label) > MAX_LABEL_LENGTH:
        raise InvalidAccountData(
            f"The label has {len(label)} characters; keep it to {MAX_LABEL_LENGTH}"
        )
    lookup = secrets.token_hex(8)
    secret = f"ktn_{KIND_LETTERS[kind]}_{lookup}_{secrets.token_urlsafe(32)}"
    credential = Credential(
        kind=str(kind), lookup=lookup, secret_hash=_digest(secret), **columns
    )
    session.add(credential)
    session.flush()
    logger.info("credential issued credential_id=%s kind=%s", credential.id, kind)
    return IssuedCredential(credential, secret)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _require_scope(scope: str) -> str:
    allowed = [str(known) for known in KeyScope]
    if scope not in allowed:
        raise InvalidAccountData(
            f"Scope '{scope}' is unknown; choose one of {', '.join(allowed)}"
        )
    return scope
