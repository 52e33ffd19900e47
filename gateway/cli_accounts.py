"""``kentongan orgs``, ``users``, ``tokens`` and ``keys``: who may use the gateway.

A new token's or key's secret goes alone to standard output, so a script can
capture it; the sentence around it goes to standard error. It is shown once
and never again: only its hash is stored.
"""

from __future__ import annotations

import sys
from datetime import datetime

import click
from sqlalchemy import select

from gateway.accounts import credentials, people
from gateway.accounts.credentials import IssuedCredential
from gateway.accounts.errors import InvalidAccountData
from gateway.accounts.models import (
    Credential,
    CredentialKind,
    KeyScope,
    Organisation,
    Role,
    User,
)
from gateway.accounts.passwords import MIN_PASSWORD_LENGTH
from gateway.alerts import audit
from gateway.cli_admin import (
    CLI_ACTOR,
    AdminGroup,
    echo_table,
    fail,
    in_transaction,
    opened_app,
)
from gateway.db import transaction
from gateway.runtime import runtime
from gateway.web.lockout import EXTENSION as LOCKOUT

ROLES = [str(role) for role in Role]
SCOPES = [str(scope) for scope in KeyScope]


@click.group(cls=AdminGroup)
def orgs() -> None:
    """Partner organisations, whose API keys send alerts to the gateway."""


@orgs.command("add")
@click.option(
    "--require-signature",
    is_flag=True,
    help="Accept this partner's CAP messages only when they are signed.",
)
@click.argument("name")
def orgs_add(name: str, require_signature: bool) -> None:
    """Add a partner organisation called NAME."""
    with in_transaction() as session:
        organisation = people.add_organisation(
            session, name, actor=CLI_ACTOR, require_signature=require_signature
        )

    signed = ", signed messages only" if require_signature else ""
    click.echo(f"Added organisation {organisation.id}: {organisation.name}{signed}.")


@orgs.command("list")
def orgs_list() -> None:
    """List the office and the partner organisations."""
    with in_transaction() as session:
        found = session.scalars(select(Organisation).order_by(Organisation.id))
        rows = [
            (
                organisation.id,
                organisation.name,
                "office" if organisation.is_office else "partner",
                "required" if organisation.require_signature else "optional",
            )
            for organisation in found
        ]
    echo_table(
        ("ID", "NAME", "KIND", "SIGNATURE"),
        rows,
        empty="No organisations yet; add one with 'kentongan orgs add NAME'.",
    )


@click.group(cls=AdminGroup)
def users() -> None:
    """Staff members, who sign in to the console with a password."""


@users.command("add")
@click.argument("email")
@click.option(
    "--role",
    required=True,
    type=click.Choice(ROLES),
    help="author writes alerts; approver also approves them; admin also administers.",
)
@click.option(
    "--org",
    "org_name",
    metavar="NAME",
    help="The user's organisation (default: the office).",
)
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from one line of standard input instead of a prompt.",
)
def users_add(
    email: str, role: str, org_name: str | None, password_stdin: bool
) -> None:
    """Add a staff member who signs in as EMAIL.

    The password is asked for twice without being shown, unless
    --password-stdin is given.
    """
    password = read_password(password_stdin)

    with opened_app() as app, transaction(runtime(app).sessions) as session:
        if org_name is None:
            organisation = people.office(session, app.config["OFFICE_NAME"])
        else:
            organisation = people.require_organisation(session, org_name)
        user = people.add_user(
            session, email, password, role, actor=CLI_ACTOR, organisation=organisation
        )

    click.echo(
        f"Added user {user.id}: {user.email}, {user.role} of {organisation.name}."
    )


@users.command("list")
def users_list() -> None:
    """List staff members with their ids, addresses and roles."""
    with in_transaction() as session:
        rows = [
            (
                user.id,
                user.email,
                user.role,
                user.organisation.name,
                "disabled" if user.disabled_at else "active",
            )
            for user in session.scalars(select(User).order_by(User.id))
        ]
    echo_table(
        ("ID", "EMAIL", "ROLE", "ORGANISATION", "STATUS"),
        rows,
        empty="No users yet; add one with 'kentongan users add EMAIL --role admin'.",
    )


@users.command("unlock")
@click.argument("email")
def users_unlock(email: str) -> None:
    """Forget the failed sign-ins of EMAIL, so they may sign in again at once.

    Needs the serving processes' KENTONGAN_REDIS_URL, where they count
    failures, and their KENTONGAN_CONSOLE_LOGIN_ACCOUNT_LIMIT. Without Redis
    each process counts in its own memory, which only the Unlock button of
    /console/admin/users (or a restart) reaches.
    """
    with opened_app() as app, transaction(runtime(app).sessions) as session:
        if not app.config.get("REDIS_URL"):
            fail(
                "KENTONGAN_REDIS_URL is not set, so failed sign-ins are counted in "
                "the memory of each serving process, out of this command's reach; "
                "use the Unlock button of /console/admin/users, or restart the "
                "gateway"
            )
        user = people.require_user(session, email)
        app.extensions[LOCKOUT].forget_account(user.email)
        audit.record(
            session, "user.unlocked", actor=CLI_ACTOR, subject=f"user:{user.id}"
        )

    click.echo(
        f"User {user.id} may sign in again: their failed sign-ins are forgotten."
    )


def read_password(from_stdin: bool) -> str:
    """The new password: one line of standard input, or typed twice at a prompt."""
    if not from_stdin:
        typed: str = click.prompt(
            f"Password (at least {MIN_PASSWORD_LENGTH} characters)",
            hide_input=True,
            confirmation_prompt=True,
        )
        return typed

    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        fail("--password-stdin found no password; give it as one line on stdin")
    return line


@click.group(cls=AdminGroup)
def tokens() -> None:
    """Personal API tokens, acting as a staff member."""


@tokens.command("create")
@click.argument("email")
@click.option("--label", help="What the token is for, e.g. the script using it.")
def tokens_create(email: str, label: str | None) -> None:
    """Create an API token acting as the user EMAIL, and print its secret once."""
    with in_transaction() as session:
        user = people.require_user(session, email)
        issued = credentials.create_token(session, user, actor=CLI_ACTOR, label=label)

    echo_secret(issued, f"token {issued.credential.id} for user {user.id}")


@tokens.command("revoke")
@click.argument("credential_id", metavar="ID", type=int)
def tokens_revoke(credential_id: int) -> None:
    """Revoke the token ID; it is refused from its very next use."""
    revoke_credential(credential_id, CredentialKind.TOKEN)


@click.group(cls=AdminGroup)
def keys() -> None:
    """API keys of partner organisations, and every credential's state."""


@keys.command("create")
@click.option(
    "--org",
    "org_name",
    required=True,
    metavar="NAME",
    help="The partner organisation that uses the key.",
)
@click.option(
    "--scope",
    required=True,
    type=click.Choice(SCOPES),
    help="submit: alerts wait for approval; publish: published at once; "
    "read: reading only.",
)
@click.option(
    "--sender",
    "senders",
    multiple=True,
    metavar="SENDER",
    help="A CAP <sender> the key may use; repeat for several (default: any).",
)
@click.option("--label", help="What the key is for, e.g. the partner's system.")
def keys_create(
    org_name: str, scope: str, senders: tuple[str, ...], label: str | None
) -> None:
    """Create an API key for a partner organisation, and print its secret once."""
    with in_transaction() as session:
        organisation = people.require_organisation(session, org_name)
        issued = credentials.create_key(
            session,
            organisation,
            scope,
            actor=CLI_ACTOR,
            senders=senders,
            label=label,
        )

    allowed = ", ".join(senders) or "any sender"
    echo_secret(
        issued,
        f"key {issued.credential.id} for {organisation.name} "
        f"(scope {scope}; {allowed})",
    )


@keys.command("revoke")
@click.argument("credential_id", metavar="ID", type=int)
def keys_revoke(credential_id: int) -> None:
    """Revoke the key ID; it is refused from its very next use."""
    revoke_credential(credential_id, CredentialKind.KEY)


@keys.command("list")
def keys_list() -> None:
    """List every token and key with its state; secrets are never shown."""
    with in_transaction() as session:
        rows = [
            (
                credential.id,
                credential.kind,
                credential.organisation.name,
                credential.scope,
                credential.user_id,
                " ".join(credential.senders) or None,
                describe_state(credential.revoked_at),
                credential.label,
            )
            for credential in credentials.list_credentials(session)
        ]
    echo_table(
        ("ID", "KIND", "ORGANISATION", "SCOPE", "USER", "SENDERS", "STATE", "LABEL"),
        rows,
        empty="No tokens or keys yet; see 'kentongan keys create --help'.",
    )


def echo_secret(issued: IssuedCredential, what: str) -> None:
    click.echo(
        f"Created {what}. Its secret follows and is shown only once; store it now.",
        err=True,
    )
    click.echo(issued.secret)


def revoke_credential(credential_id: int, kind: CredentialKind) -> None:
    """Revoke a credential after checking it is of the kind the command names."""
    with in_transaction() as session:
        found = session.get(Credential, credential_id)
        if found is not None and found.kind != kind:
            raise InvalidAccountData(
                f"Credential {credential_id} is a {found.kind}, not a {kind}; "
                f"use 'kentongan {found.kind}s revoke {credential_id}'"
            )
        revoked = credentials.revoke(session, credential_id, actor=CLI_ACTOR)

    click.echo(
        f"{kind.capitalize()} {revoked.id} is {describe_state(revoked.revoked_at)}."
    )


def describe_state(revoked_at: datetime | None) -> str:
    if revoked_at is None:
        return "active"
    return f"revoked {revoked_at:%Y-%m-%d %H:%M} UTC"


ACCOUNT_GROUPS = (orgs, users, tokens, keys)
