"""Who is doing something: a staff member, a partner key, or the system."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from gateway.accounts.models import Credential, KeyScope, Role, User


class ActorKind(StrEnum):
    USER = "user"
    KEY = "key"
    SYSTEM = "system"


@dataclass(frozen=True, slots=True)
class Actor:
    """The caller of an operation, reduced to what permission checks need."""

    kind: ActorKind
    id: int
    organisation_id: int | None = None
    organisation_name: str = ""
    is_office: bool = False
    role: Role | None = None
    scope: KeyScope | None = None
    senders: tuple[str, ...] = ()
    require_signature: bool = False
    credential_id: int | None = None

    @property
    def label(self) -> str:
        """How the audit log names the actor: ``user:3``, ``key:7``, ``system``."""
        if self.kind is ActorKind.SYSTEM:
            return "system"
        return f"{self.kind}:{self.id}"

    @property
    def is_staff(self) -> bool:
        return self.kind is ActorKind.USER

    def may_use_sender(self, sender: str) -> bool:
        return not self.senders or sender in self.senders


SYSTEM = Actor(ActorKind.SYSTEM, 0)


def actor_for_user(user: User, credential_id: int | None = None) -> Actor:
    return Actor(
        kind=ActorKind.USER,
        id=user.id,
        organisation_id=user.organisation_id,
        organisation_name=user.organisation.name,
        is_office=user.organisation.is_office,
        role=Role(user.role),
        credential_id=credential_id,
    )


def actor_for_key(key: Credential) -> Actor:
    return Actor(
        kind=ActorKind.KEY,
        id=key.id,
        organisation_id=key.organisation_id,
        organisation_name=key.organisation.name,
        is_office=key.organisation.is_office,
        scope=KeyScope(key.scope) if key.scope else None,
        senders=key.senders,
        require_signature=key.organisation.require_signature,
        credential_id=key.id,
    )
