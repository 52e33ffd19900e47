"""Who may call which API endpoint: the declared policy, enforced for every
request to the API before its view runs.

A caller is named by a staff role (``author``, ``approver``, ``admin``) or a
partner key's scope (``key:submit``, ``key:publish``, ``key:read``).
Endpoints marked public need no credential: the document itself and the
residents' Web Push key and subscriptions.
"""

from __future__ import annotations

from gateway.accounts.actors import Actor, ActorKind

PUBLIC = frozenset({"public"})
STAFF = frozenset({"author", "approver", "admin"})
APPROVERS = frozenset({"approver", "admin"})
KEYS = frozenset({"key:submit", "key:publish", "key:read"})
POSTING_KEYS = frozenset({"key:submit", "key:publish"})
EVERY_CALLER = STAFF | KEYS

POLICY: dict[str, frozenset[str]] = {
    "api.openapi_document": PUBLIC,
    "api.list_alerts": EVERY_CALLER,
    "api.create_alert": STAFF | POSTING_KEYS,
    "api.get_alert": EVERY_CALLER,
    "api.get_alert_cap": EVERY_CALLER,
    "api.get_alert_deliveries": STAFF,
    "api.edit_alert": STAFF,
    "api.submit_alert": STAFF,
    "api.approve_alert": APPROVERS,
    "api.reject_alert": APPROVERS,
    "api.return_alert": APPROVERS,
    "api.update_alert": STAFF,
    "api.cancel_alert": STAFF,
    # Residents' addresses are personal data: staff read them, approvers and
    # admins (who answer for what the office sends) change them.
    "api.list_subscribers": STAFF,
    "api.get_subscriber": STAFF,
    "api.create_subscriber": APPROVERS,
    "api.update_subscriber": APPROVERS,
    "api.delete_subscriber": APPROVERS,
    # A resident's browser subscribes itself; the subscription is the proof.
    "api.get_push_key": PUBLIC,
    "api.create_push_subscription": PUBLIC,
}


def caller_name(actor: Actor) -> str:
    """The policy's name for a caller: its role, or ``key:`` and its scope."""
    if actor.kind is ActorKind.KEY:
        return f"key:{actor.scope}"
    return str(actor.role)


def is_allowed(endpoint: str, actor: Actor) -> bool:
    return caller_name(actor) in POLICY.get(endpoint, frozenset())
