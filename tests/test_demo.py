"""``kentongan demo seed`` run with click's runner on real migrated databases."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from click.testing import CliRunner, Result
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.accounts.models import User
from gateway.accounts.passwords import password_matches
from gateway.alerts.models import AlertRecord, AlertState
from gateway.cli import main
from gateway.db import make_engine, make_session_factory, transaction
from gateway.demo import ACCOUNTS, DEMO_NOTE, SUBSCRIBERS_PER_DISTRICT, read_accounts
from gateway.dispatch.models import Delivery
from gateway.places.models import Area, EvacuationRoute, Shelter
from gateway.residents.models import Subscriber

DEMO_EMAILS = sorted(email for _, email in ACCOUNTS)
DISTRICTS = 5


def seed(url: str, folder: Path, *args: str, **environment: str) -> Result:
    return CliRunner().invoke(
        main,
        ["demo", "seed", "--accounts-file", str(folder / "accounts.txt"), *args],
        env={
            "KENTONGAN_DATABASE_URL": url,
            "KENTONGAN_OUTBOX_DIR": str(folder / "outbox"),
            "KENTONGAN_FEEDS_DIR": str(folder / "feeds"),
            "KENTONGAN_DISPATCHER": "local",
            **environment,
        },
        catch_exceptions=False,
        prog_name="kentongan",
    )


@contextmanager
def session_on(url: str) -> Iterator[Session]:
    engine = make_engine(url)
    try:
        with transaction(make_session_factory(engine)) as session:
            yield session
    finally:
        engine.dispose()


def count(session: Session, model: type[object]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def demo_alerts(session: Session) -> list[AlertRecord]:
    found = session.scalars(select(AlertRecord))
    return [
        record for record in found if (record.content or {}).get("note") == DEMO_NOTE
    ]


def test_seeding_twice_keeps_the_accounts_and_adds_nothing(
    database_url: str, tmp_path: Path
) -> None:
    first = seed(database_url, tmp_path)
    assert first.exit_code == 0, first.output
    passwords = read_accounts(tmp_path / "accounts.txt")
    second = seed(database_url, tmp_path)

    assert second.exit_code == 0, second.output
    assert read_accounts(tmp_path / "accounts.txt") == passwords
    assert "already on air" in second.output
    with session_on(database_url) as session:
        users = {user.email: user for user in session.scalars(select(User))}
        assert sorted(users) == DEMO_EMAILS
        for account in passwords:
            assert users[account.email].role == account.role
            assert password_matches(
                users[account.email].password_hash, account.password
            )
        alerts = demo_alerts(session)
        assert [alert.state for alert in alerts] == [str(AlertState.PUBLISHED)]
        assert count(session, Subscriber) == DISTRICTS * SUBSCRIBERS_PER_DISTRICT
        assert count(session, Area) == DISTRICTS + 1
        assert count(session, Shelter) > 0
        assert count(session, EvacuationRoute) > 0
        assert count(session, Delivery) > 0


def test_the_output_names_each_account_with_its_password(
    sqlite_url: str, tmp_path: Path
) -> None:
    result = seed(sqlite_url, tmp_path)

    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:8000/console" in result.output
    for account in read_accounts(tmp_path / "accounts.txt"):
        line = next(
            line for line in result.output.splitlines() if account.email in line
        )
        assert account.role in line
        assert account.password in line


def test_the_accounts_file_is_readable_by_its_owner_only(
    sqlite_url: str, tmp_path: Path
) -> None:
    seed(sqlite_url, tmp_path)

    mode = stat.S_IMODE((tmp_path / "accounts.txt").stat().st_mode)
    assert mode == 0o600


def test_the_demo_alert_reached_the_outbox_in_the_district(
    sqlite_url: str, tmp_path: Path
) -> None:
    seed(sqlite_url, tmp_path)

    written = list((tmp_path / "outbox").rglob("*.json"))
    assert len(written) == SUBSCRIBERS_PER_DISTRICT
    with session_on(sqlite_url) as session:
        (alert,) = demo_alerts(session)
        assert alert.created_by != alert.approved_by
        assert b"DEMO" in (alert.cap or b"")


def test_a_lost_accounts_file_gives_new_passwords_that_work(
    sqlite_url: str, tmp_path: Path
) -> None:
    seed(sqlite_url, tmp_path)
    old = read_accounts(tmp_path / "accounts.txt")
    (tmp_path / "accounts.txt").unlink()

    result = seed(sqlite_url, tmp_path)

    assert result.exit_code == 0, result.output
    new = read_accounts(tmp_path / "accounts.txt")
    assert [a.password for a in new] != [a.password for a in old]
    with session_on(sqlite_url) as session:
        for account in new:
            user = session.scalars(
                select(User).where(User.email == account.email)
            ).one()
            assert password_matches(user.password_hash, account.password)


def test_production_is_refused_without_force(sqlite_url: str, tmp_path: Path) -> None:
    result = seed(sqlite_url, tmp_path, KENTONGAN_ENV="production")

    assert result.exit_code == 1
    assert "production" in result.stderr
    assert "--force" in result.stderr
    assert not (tmp_path / "accounts.txt").exists()
    with session_on(sqlite_url) as session:
        assert count(session, User) == 0


def test_production_with_force_seeds(sqlite_url: str, tmp_path: Path) -> None:
    result = seed(
        sqlite_url,
        tmp_path,
        "--force",
        KENTONGAN_ENV="production",
        KENTONGAN_SECRET_KEY="a long random value for this test only",
        KENTONGAN_SENDER="bpbd@padang.go.id",
    )

    assert result.exit_code == 0, result.output
    with session_on(sqlite_url) as session:
        assert count(session, User) == len(ACCOUNTS)
