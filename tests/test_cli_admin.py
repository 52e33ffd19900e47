"""``kentongan db|orgs|users|tokens|keys|audit`` run with click's runner against
real migrated databases (SQLite and PostgreSQL through ``database_url``)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import func, inspect, select, text
from sqlalchemy.orm import Session

from gateway.accounts import credentials, people
from gateway.accounts.actors import ActorKind
from gateway.accounts.models import Credential, KeyScope, User
from gateway.alerts.audit import AuditEntry
from gateway.cli import main
from gateway.db import make_engine, make_session_factory, transaction

PASSWORD = "correct horse battery staple"
EMAIL = "admin@padang.go.id"


def kentongan(url: str, *args: str, stdin: str | None = None) -> Result:
    runner = CliRunner()
    return runner.invoke(
        main,
        list(args),
        input=stdin,
        env={"KENTONGAN_DATABASE_URL": url},
        catch_exceptions=False,
        prog_name="kentongan",
    )


def add_admin(url: str, email: str = EMAIL) -> Result:
    result = kentongan(
        url,
        "users",
        "add",
        email,
        "--role",
        "admin",
        "--password-stdin",
        stdin=PASSWORD,
    )
    assert result.exit_code == 0, result.stderr
    return result


@contextmanager
def session_on(url: str) -> Iterator[Session]:
    engine = make_engine(url)
    try:
        with transaction(make_session_factory(engine)) as session:
            yield session
    finally:
        engine.dispose()


def tamper_with_audit_row(url: str, seq: int) -> None:
    """Rewrite one audit row's details, switching off the guard triggers first."""
    engine = make_engine(url)
    with engine.begin() as connection:
        postgresql = connection.dialect.name == "postgresql"
        if postgresql:
            connection.execute(
                text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
            )
        else:
            connection.execute(text("DROP TRIGGER audit_log_no_update"))
        connection.execute(
            text("UPDATE audit_log SET details = :details WHERE seq = :seq"),
            {"details": '{"require_signature": false}', "seq": seq},
        )
        if postgresql:
            connection.execute(
                text("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only")
            )
    engine.dispose()


def test_db_upgrade_creates_a_fresh_database_and_can_run_again(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"

    first = kentongan(url, "db", "upgrade")
    second = kentongan(url, "db", "upgrade")

    assert first.exit_code == 0, first.stderr
    assert second.exit_code == 0, second.stderr
    assert second.stdout == f"Database {url} is up to date.\n"
    engine = make_engine(url)
    assert {"users", "credentials", "audit_log"} <= set(
        inspect(engine).get_table_names()
    )
    engine.dispose()


def test_db_upgrade_on_a_migrated_database_changes_nothing(database_url: str) -> None:
    add_admin(database_url)

    result = kentongan(database_url, "db", "upgrade")

    assert result.exit_code == 0, result.stderr
    assert "is up to date" in result.stdout
    with session_on(database_url) as session:
        assert people.find_user(session, EMAIL) is not None


def test_db_upgrade_failure_names_the_database_without_its_password() -> None:
    url = "postgresql+psycopg://ops:s3cret-pw@127.0.0.1:1/kentongan"

    result = kentongan(url, "db", "upgrade")

    assert result.exit_code == 1
    assert "error: cannot upgrade the database" in result.stderr
    assert "ops:***@127.0.0.1:1/kentongan" in result.stderr
    assert "s3cret-pw" not in result.stderr


def test_commands_on_an_unmigrated_database_say_to_upgrade(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"

    result = kentongan(url, "users", "list")

    assert result.exit_code == 1
    assert "kentongan db upgrade" in result.stderr


def test_orgs_add_then_list_shows_signature_rule(database_url: str) -> None:
    kentongan(database_url, "orgs", "add", "BMKG", "--require-signature")
    kentongan(database_url, "orgs", "add", "PMI Padang")

    result = kentongan(database_url, "orgs", "list")

    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["ID", "NAME", "KIND", "SIGNATURE"]
    assert lines[1].split() == ["1", "BMKG", "partner", "required"]
    assert lines[2].split() == ["2", "PMI", "Padang", "partner", "optional"]


def test_duplicate_organisation_is_refused(sqlite_url: str) -> None:
    kentongan(sqlite_url, "orgs", "add", "BMKG")

    result = kentongan(sqlite_url, "orgs", "add", "BMKG")

    assert result.exit_code == 1
    assert result.stderr == "error: An organisation named 'BMKG' already exists\n"


def test_users_add_reads_the_password_from_stdin(database_url: str) -> None:
    result = add_admin(database_url, "Admin@Padang.go.id")

    assert result.stdout == f"Added user 1: {EMAIL}, admin of Emergency office.\n"
    with session_on(database_url) as session:
        user = people.authenticate_password(session, EMAIL, PASSWORD)
        assert user is not None
        assert user.role == "admin"


def test_users_add_prompts_twice_for_a_hidden_password(sqlite_url: str) -> None:
    result = kentongan(
        sqlite_url,
        "users",
        "add",
        "author@padang.go.id",
        "--role",
        "author",
        stdin=f"{PASSWORD}\n{PASSWORD}\n",
    )

    assert result.exit_code == 0, result.stderr
    assert "Repeat for confirmation" in result.output
    assert PASSWORD not in result.output
    with session_on(sqlite_url) as session:
        found = people.authenticate_password(session, "author@padang.go.id", PASSWORD)
        assert found is not None


def test_users_add_into_a_partner_organisation(database_url: str) -> None:
    kentongan(database_url, "orgs", "add", "BMKG")

    result = kentongan(
        database_url,
        *("users", "add", "duty@bmkg.go.id", "--role", "author", "--org", "BMKG"),
        "--password-stdin",
        stdin=PASSWORD,
    )

    assert result.exit_code == 0, result.stderr
    with session_on(database_url) as session:
        assert people.require_user(session, "duty@bmkg.go.id").organisation.name == (
            "BMKG"
        )


def test_duplicate_user_is_refused_with_a_clear_message(database_url: str) -> None:
    add_admin(database_url)

    result = kentongan(
        database_url,
        *("users", "add", "ADMIN@padang.go.id", "--role", "author"),
        "--password-stdin",
        stdin=PASSWORD,
    )

    assert result.exit_code == 1
    assert result.stderr == f"error: A user with the address {EMAIL} already exists\n"


def test_weak_password_is_refused_and_no_user_is_added(sqlite_url: str) -> None:
    result = kentongan(
        sqlite_url,
        *("users", "add", EMAIL, "--role", "admin", "--password-stdin"),
        stdin="short\n",
    )

    assert result.exit_code == 1
    assert "use at least 12" in result.stderr
    with session_on(sqlite_url) as session:
        assert session.scalar(select(func.count()).select_from(User)) == 0


def test_empty_password_stdin_is_refused(sqlite_url: str) -> None:
    result = kentongan(
        sqlite_url,
        *("users", "add", EMAIL, "--role", "admin", "--password-stdin"),
        stdin="",
    )

    assert result.exit_code == 1
    assert "found no password" in result.stderr


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        pytest.param(
            ("users", "add", EMAIL, "--role", "boss"),
            "'boss' is not one of 'author', 'approver', 'admin'",
            id="unknown-role",
        ),
        pytest.param(
            ("users", "add", EMAIL), "Missing option '--role'", id="missing-role"
        ),
        pytest.param(
            ("keys", "create", "--org", "BMKG", "--scope", "all"),
            "'all' is not one of 'submit', 'publish', 'read'",
            id="unknown-scope",
        ),
        pytest.param(
            ("tokens", "revoke", "first"),
            "'first' is not a valid integer",
            id="id-not-a-number",
        ),
    ],
)
def test_malformed_commands_are_usage_errors(
    sqlite_url: str, args: tuple[str, ...], complaint: str
) -> None:
    result = kentongan(sqlite_url, *args, stdin=PASSWORD)

    assert result.exit_code == 2
    assert f"Usage: kentongan {args[0]} {args[1]}" in result.stderr
    assert complaint in result.stderr


def test_users_list_shows_ids_emails_and_roles(sqlite_url: str) -> None:
    add_admin(sqlite_url)

    result = kentongan(sqlite_url, "users", "list")

    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[1].split() == [
        *("1", EMAIL, "admin", "Emergency", "office", "active")
    ]


def test_token_secret_authenticates_until_revoked(database_url: str) -> None:
    add_admin(database_url)

    created = kentongan(database_url, "tokens", "create", EMAIL, "--label", "ci")

    assert created.exit_code == 0, created.stderr
    assert "shown only once" in created.stderr
    secret = created.stdout.strip()
    with session_on(database_url) as session:
        actor = credentials.authenticate_secret(session, secret)
        assert actor is not None
        assert (actor.kind, actor.id) == (ActorKind.USER, 1)
        token_id = actor.credential_id

    revoked = kentongan(database_url, "tokens", "revoke", str(token_id))

    assert revoked.exit_code == 0, revoked.stderr
    assert revoked.stdout.startswith(f"Token {token_id} is revoked")
    with session_on(database_url) as session:
        assert credentials.authenticate_secret(session, secret) is None


def test_tokens_create_for_unknown_user_says_how_to_add_one(sqlite_url: str) -> None:
    result = kentongan(sqlite_url, "tokens", "create", "nobody@padang.go.id")

    assert result.exit_code == 1
    assert "No user has the address nobody@padang.go.id" in result.stderr
    assert "kentongan users add" in result.stderr
    assert result.stdout == ""


def test_tokens_revoke_refuses_the_id_of_a_key(sqlite_url: str) -> None:
    kentongan(sqlite_url, "orgs", "add", "BMKG")
    kentongan(sqlite_url, "keys", "create", "--org", "BMKG", "--scope", "read")

    result = kentongan(sqlite_url, "tokens", "revoke", "1")

    assert result.exit_code == 1
    assert "is a key, not a token; use 'kentongan keys revoke 1'" in result.stderr
    with session_on(sqlite_url) as session:
        credential = session.get(Credential, 1)
        assert credential is not None
        assert credential.revoked_at is None


def test_revoking_an_unknown_id_is_refused(sqlite_url: str) -> None:
    result = kentongan(sqlite_url, "keys", "revoke", "42")

    assert result.exit_code == 1
    assert result.stderr == "error: No token or key has the id 42\n"


def test_keys_create_limits_the_key_to_scope_and_senders(database_url: str) -> None:
    kentongan(database_url, "orgs", "add", "BMKG")

    result = kentongan(
        database_url,
        *("keys", "create", "--org", "BMKG", "--scope", "publish"),
        *("--sender", "bmkg@bmkg.go.id", "--sender", "stamet@bmkg.go.id"),
    )

    assert result.exit_code == 0, result.stderr
    assert "shown only once" in result.stderr
    with session_on(database_url) as session:
        actor = credentials.authenticate_secret(session, result.stdout.strip())
        assert actor is not None
        assert actor.kind is ActorKind.KEY
        assert actor.organisation_name == "BMKG"
        assert actor.scope is KeyScope.PUBLISH
        assert actor.senders == ("bmkg@bmkg.go.id", "stamet@bmkg.go.id")


def test_keys_create_for_unknown_org_says_how_to_add_it(database_url: str) -> None:
    result = kentongan(
        database_url, "keys", "create", "--org", "BMKG", "--scope", "read"
    )

    assert result.exit_code == 1
    assert "No organisation is named 'BMKG'" in result.stderr
    assert "kentongan orgs add" in result.stderr
    with session_on(database_url) as session:
        assert credentials.list_credentials(session) == []


def test_keys_create_refuses_a_sender_cap_cannot_carry(sqlite_url: str) -> None:
    kentongan(sqlite_url, "orgs", "add", "BMKG")

    result = kentongan(
        sqlite_url,
        *("keys", "create", "--org", "BMKG", "--scope", "submit"),
        *("--sender", "bmkg, stamet"),
    )

    assert result.exit_code == 1
    assert "Sender 'bmkg, stamet' is not a CAP sender" in result.stderr


def test_keys_revoke_stops_the_key_at_once(database_url: str) -> None:
    kentongan(database_url, "orgs", "add", "BMKG")
    created = kentongan(
        database_url, "keys", "create", "--org", "BMKG", "--scope", "read"
    )

    revoked = kentongan(database_url, "keys", "revoke", "1")

    assert revoked.exit_code == 0, revoked.stderr
    with session_on(database_url) as session:
        assert credentials.authenticate_secret(session, created.stdout.strip()) is None


def test_keys_list_shows_every_credential_state_but_no_secret(
    database_url: str,
) -> None:
    add_admin(database_url)
    kentongan(database_url, "orgs", "add", "BMKG")
    token = kentongan(database_url, "tokens", "create", EMAIL, "--label", "ci")
    key = kentongan(
        database_url,
        *("keys", "create", "--org", "BMKG", "--scope", "submit"),
        *("--sender", "bmkg@bmkg.go.id"),
    )
    kentongan(database_url, "keys", "revoke", "2")

    result = kentongan(database_url, "keys", "list")

    assert result.exit_code == 0, result.stderr
    header, token_row, key_row = result.stdout.splitlines()
    assert header.split()[:5] == ["ID", "KIND", "ORGANISATION", "SCOPE", "USER"]
    token_cells = ["1", "token", "Emergency", "office", "-", "1", "-", "active", "ci"]
    assert token_row.split() == token_cells
    assert key_row.split()[:6] == ["2", "key", "BMKG", "submit", "-", "bmkg@bmkg.go.id"]
    assert "revoked" in key_row
    for secret in (token.stdout.strip(), key.stdout.strip()):
        assert secret.rsplit("_", 1)[1] not in result.stdout


def test_every_change_is_audited_with_the_cli_as_actor(database_url: str) -> None:
    kentongan(database_url, "orgs", "add", "BMKG")
    add_admin(database_url)
    kentongan(database_url, "tokens", "create", EMAIL)
    kentongan(database_url, "keys", "create", "--org", "BMKG", "--scope", "read")
    kentongan(database_url, "keys", "revoke", "2")

    with session_on(database_url) as session:
        rows = session.execute(
            select(AuditEntry.action, AuditEntry.actor).order_by(AuditEntry.seq)
        ).all()

    assert [tuple(row) for row in rows] == [
        ("organisation.added", "cli"),
        # The office is created on first use by people.office, as the system.
        ("organisation.added", "system"),
        ("user.added", "cli"),
        ("token.created", "cli"),
        ("key.created", "cli"),
        ("key.revoked", "cli"),
    ]


def test_audit_verify_counts_an_intact_chain(database_url: str) -> None:
    kentongan(database_url, "orgs", "add", "BMKG")
    kentongan(database_url, "orgs", "add", "PMI")
    add_admin(database_url)

    result = kentongan(database_url, "audit", "verify")

    first, second = result.stdout.splitlines()
    assert result.exit_code == 0, result.stderr
    assert first == "4 rows, chain intact"
    assert re.fullmatch(r"newest hash [0-9a-f]{64}; keep it elsewhere.*", second)


def test_audit_verify_names_the_first_tampered_row(database_url: str) -> None:
    for name in ("BMKG", "PMI", "Basarnas"):
        kentongan(database_url, "orgs", "add", name, "--require-signature")
    tamper_with_audit_row(database_url, seq=2)

    result = kentongan(database_url, "audit", "verify")

    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith(
        "error: the audit log is broken at seq 2: its content does not match its hash"
    )
