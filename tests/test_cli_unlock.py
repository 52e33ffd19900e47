"""``kentongan users unlock``: lifting a sign-in lockout shared through Redis."""

from __future__ import annotations

import secrets
from pathlib import Path

from click.testing import CliRunner, Result

from gateway.cli import main
from gateway.runtime import runtime
from gateway.windows import KEY_PREFIX
from tests.conftest import build_app
from tests.redis_keys import REDIS_URL, delete_keys, reachable_redis
from tests.web.console import add_person, sign_in


def unlock(env: dict[str, str], email: str) -> Result:
    return CliRunner().invoke(
        main, ["users", "unlock", email], env=env, prog_name="kentongan"
    )


def test_unlock_clears_a_lockout_kept_in_redis(
    database_url: str, tmp_path: Path
) -> None:
    redis = reachable_redis()
    app = build_app(
        database_url,
        tmp_path,
        REDIS_URL=REDIS_URL,
        RATE_LIMIT_PREFIX=KEY_PREFIX,
        CONSOLE_LOGIN_ACCOUNT_LIMIT="2 per 15 minutes",
    )
    email, _ = add_person(app)
    person = app.test_client()
    address = f"198.51.100.{secrets.randbelow(250) + 1}-{secrets.token_hex(4)}"
    person.environ_base["REMOTE_ADDR"] = address
    env = {
        "KENTONGAN_DATABASE_URL": database_url,
        "KENTONGAN_REDIS_URL": REDIS_URL,
        "KENTONGAN_CONSOLE_LOGIN_ACCOUNT_LIMIT": "2 per 15 minutes",
    }
    try:
        sign_in(person, email, "wrong guess 1")
        sign_in(person, email, "wrong guess 2")
        locked = sign_in(person, email)

        result = unlock(env, email.upper())
        after = sign_in(person, email)
    finally:
        delete_keys(redis, address)
        runtime(app).dispatcher.shutdown()
        runtime(app).engine.dispose()

    assert locked.status_code == 429
    assert result.exit_code == 0, result.output
    assert "may sign in again" in result.stdout
    assert after.status_code == 302


def test_unlock_without_redis_says_where_the_counts_are(
    database_url: str, tmp_path: Path
) -> None:
    app = build_app(database_url, tmp_path)
    email, _ = add_person(app)
    runtime(app).engine.dispose()

    result = unlock({"KENTONGAN_DATABASE_URL": database_url}, email)

    assert result.exit_code == 1
    assert "KENTONGAN_REDIS_URL is not set" in result.stderr
    assert "Unlock button" in result.stderr


def test_unlock_of_an_unknown_address_is_refused(database_url: str) -> None:
    env = {"KENTONGAN_DATABASE_URL": database_url, "KENTONGAN_REDIS_URL": REDIS_URL}

    result = unlock(env, "nobody@padang.go.id")

    assert result.exit_code == 1
    assert "No user has the address nobody@padang.go.id" in result.stderr
