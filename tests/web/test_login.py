"""Signing in and out of the console: passwords, lockout, session rotation,
idle and total session limits, and where a person is sent afterwards."""

from __future__ import annotations

import time

import pytest
from flask import Flask
from sqlalchemy import select, update
from werkzeug.test import TestResponse

from gateway.accounts.models import User
from gateway.accounts.passwords import hash_password
from gateway.alerts.audit import AuditEntry
from gateway.db import transaction, utc_now
from gateway.runtime import runtime
from gateway.web.login import SEEN_AT, SIGNED_IN_AT
from tests.factories import PASSWORD
from tests.redis_keys import REDIS_URL, delete_keys, reachable_redis
from tests.web.console import (
    AppBuilder,
    add_person,
    csrf_token,
    page_text,
    sample_url,
    sign_in,
    signed_in_client,
)


def test_signed_out_visitor_is_sent_to_login(app: Flask) -> None:
    answer = app.test_client().get("/console/alerts?state=draft")

    assert answer.status_code == 302
    assert answer.headers["Location"] == "/login?next=/console/alerts?state%3Ddraft"


def test_every_console_page_needs_a_signed_in_user(app: Flask) -> None:
    client = app.test_client()
    pages = [
        rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/console") and "GET" in (rule.methods or ())
    ]

    assert pages, "the console has no pages"
    for rule in pages:
        answer = client.get(sample_url(app, rule))
        assert answer.status_code == 302, rule.rule
        assert answer.headers["Location"].startswith("/login?next="), rule.rule


def test_right_password_opens_the_dashboard(app: Flask) -> None:
    email, _ = add_person(app, "approver")
    client = app.test_client()

    answer = sign_in(client, email)
    dashboard = client.get(answer.headers["Location"])

    assert answer.status_code == 302
    assert answer.headers["Location"] == "/console"
    assert dashboard.status_code == 200
    assert email in page_text(dashboard)


def test_wrong_password_is_refused_with_a_message(app: Flask) -> None:
    email, _ = add_person(app)
    client = app.test_client()
    client.set_cookie("kentongan_language", "en")

    answer = sign_in(client, email, "not the password at all")

    assert answer.status_code == 401
    assert "The email address or the password is wrong" in page_text(answer)
    assert client.get("/console").status_code == 302


def test_unknown_address_gets_the_same_answer_as_a_wrong_password(
    app: Flask,
) -> None:
    client = app.test_client()
    client.set_cookie("kentongan_language", "en")

    answer = sign_in(client, "nobody@padang.go.id", "whatever it might be")

    assert answer.status_code == 401
    assert "The email address or the password is wrong" in page_text(answer)


def test_disabled_user_is_refused(app: Flask) -> None:
    email, _ = add_person(app)
    disable(app, email)

    answer = sign_in(app.test_client(), email)

    assert answer.status_code == 401


def test_disabling_a_user_ends_their_session(app: Flask) -> None:
    email, _ = add_person(app)
    client = app.test_client()
    assert sign_in(client, email).status_code == 302

    disable(app, email)

    assert client.get("/console").status_code == 302


def test_changing_the_password_ends_existing_sessions(app: Flask) -> None:
    email, _ = add_person(app)
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    assert client.get("/console").status_code == 200

    with transaction(runtime(app).sessions) as session:
        session.execute(
            update(User)
            .where(User.email == email)
            .values(password_hash=hash_password("a brand new long password"))
        )

    assert client.get("/console").status_code == 302


def test_account_is_locked_after_five_failures_and_says_how_long(
    app: Flask,
) -> None:
    email, _ = add_person(app)
    client = app.test_client()
    client.set_cookie("kentongan_language", "en")

    failures = [
        sign_in(client, email, f"wrong guess {n}").status_code for n in range(4)
    ]
    fifth = sign_in(client, email, "wrong guess 5")
    with_right_password = sign_in(client, email)

    assert failures == [401, 401, 401, 401]
    assert fifth.status_code == 429
    assert with_right_password.status_code == 429
    assert "Wait 15 minutes, then try again." in page_text(with_right_password)
    assert 800 < int(with_right_password.headers["Retry-After"]) <= 900
    assert client.get("/console").status_code == 302


def test_lockout_message_is_in_indonesian_by_default(make_app: AppBuilder) -> None:
    app = make_app(CONSOLE_LOGIN_ACCOUNT_LIMIT="1 per 2 minutes")
    email, _ = add_person(app)

    answer = sign_in(app.test_client(), email, "wrong guess")

    assert answer.status_code == 429
    assert "Tunggu 2 menit, lalu coba lagi." in page_text(answer)


def test_a_good_sign_in_clears_the_account_failures(make_app: AppBuilder) -> None:
    app = make_app(CONSOLE_LOGIN_ACCOUNT_LIMIT="3 per 15 minutes")
    email, _ = add_person(app)
    client = app.test_client()

    sign_in(client, email, "wrong guess 1")
    sign_in(client, email, "wrong guess 2")
    assert sign_in(client, email).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/console"))})

    statuses = [sign_in(client, email, f"again {n}").status_code for n in range(2)]

    assert statuses == [401, 401]


def test_one_address_guessing_many_accounts_is_locked(make_app: AppBuilder) -> None:
    app = make_app(CONSOLE_LOGIN_ADDRESS_LIMIT="3 per 10 minutes")
    emails = [add_person(app, name=f"spray{n}")[0] for n in range(4)]
    client = app.test_client()
    client.set_cookie("kentongan_language", "en")

    statuses = [sign_in(client, email, "Password123!").status_code for email in emails]
    locked = sign_in(client, emails[3])
    other_address = app.test_client()
    other_address.environ_base["REMOTE_ADDR"] = "192.0.2.7"

    assert statuses == [401, 401, 429, 429]
    assert locked.status_code == 429
    assert "Wait 10 minutes" in page_text(locked)
    assert sign_in(other_address, emails[3]).status_code == 302


def test_lockout_is_shared_by_processes_through_redis(make_app: AppBuilder) -> None:
    client = reachable_redis()
    prefix = f"kentongan-test-console:{time.time_ns()}"
    settings = {
        "REDIS_URL": REDIS_URL,
        "RATE_LIMIT_PREFIX": prefix,
        "CONSOLE_LOGIN_ACCOUNT_LIMIT": "2 per 5 minutes",
    }
    first, second = make_app(**settings), make_app(**settings)
    email, _ = add_person(first)

    try:
        sign_in(first.test_client(), email, "wrong guess 1")
        sign_in(first.test_client(), email, "wrong guess 2")
        answer = sign_in(second.test_client(), email)
    finally:
        delete_keys(client, prefix)

    assert answer.status_code == 429


def test_sign_in_issues_a_new_session(app: Flask) -> None:
    email, _ = add_person(app)
    client = app.test_client()
    login_page = client.get("/login")
    old_token = csrf_token(login_page)
    with client.session_transaction() as session:
        session["planted"] = "by someone before sign-in"
    before = client.get_cookie("session")
    assert before is not None

    sign_in(client, email)

    after = client.get_cookie("session")
    assert after is not None
    assert after.value != before.value
    with client.session_transaction() as session:
        assert "planted" not in session
    refused = client.post("/logout", data={"csrf_token": old_token})
    assert refused.status_code == 400


def test_session_cookie_is_httponly_and_samesite(app: Flask) -> None:
    email, _ = add_person(app)

    answer = sign_in(app.test_client(), email)

    cookie = session_cookie(answer)
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_session_cookie_is_secure_over_https(app: Flask) -> None:
    email, _ = add_person(app)
    client = app.test_client()
    page = client.get("/login", base_url="https://localhost")

    answer = client.post(
        "/login",
        base_url="https://localhost",
        headers={"Referer": "https://localhost/login"},
        data={"csrf_token": csrf_token(page), "email": email, "password": PASSWORD},
    )

    assert answer.status_code == 302
    assert "Secure" in session_cookie(answer)


def test_idle_session_goes_back_to_login(app: Flask) -> None:
    client = signed_in_client(app)
    client.set_cookie("kentongan_language", "en")
    assert client.get("/console").status_code == 200

    with client.session_transaction() as session:
        session[SEEN_AT] = int(time.time()) - 31 * 60
    answer = client.get("/console")
    login_page = client.get(answer.headers["Location"])

    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/login")
    assert "signed out after 30 minutes without activity" in page_text(login_page)


def test_recent_activity_keeps_the_session(make_app: AppBuilder) -> None:
    app = make_app(CONSOLE_IDLE_MINUTES=5)
    client = signed_in_client(app)

    with client.session_transaction() as session:
        session[SEEN_AT] = int(time.time()) - 4 * 60
    first = client.get("/console")
    with client.session_transaction() as session:
        refreshed = session[SEEN_AT]

    assert first.status_code == 200
    assert refreshed >= int(time.time()) - 5


def test_session_ends_after_its_total_lifetime(make_app: AppBuilder) -> None:
    app = make_app(CONSOLE_SESSION_HOURS=2)
    client = signed_in_client(app)

    with client.session_transaction() as session:
        session[SIGNED_IN_AT] = int(time.time()) - 2 * 3600 - 10

    assert client.get("/console").status_code == 302


def test_sign_out_ends_the_session(app: Flask) -> None:
    client = signed_in_client(app)
    token = csrf_token(client.get("/console"))

    answer = client.post("/logout", data={"csrf_token": token})

    assert answer.status_code == 302
    assert answer.headers["Location"] == "/login"
    assert client.get("/console").status_code == 302


def test_sign_out_needs_a_post(app: Flask) -> None:
    client = signed_in_client(app)

    assert client.get("/logout").status_code == 405
    assert client.get("/console").status_code == 200


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/console",
        "//evil.example/console",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        " https://evil.example",
        "/console\x00",
        "/console\r\nSet-Cookie: x=1",
    ],
    ids=[
        "absolute-url",
        "scheme-relative",
        "backslash-after-slash",
        "backslashes",
        "javascript-scheme",
        "leading-space",
        "nul-character",
        "header-injection",
    ],
)
def test_next_never_leaves_the_site(app: Flask, next_url: str) -> None:
    email, _ = add_person(app)

    answer = sign_in(app.test_client(), email, next_url=next_url)

    assert answer.status_code == 302
    assert answer.headers["Location"] == "/console"


def test_next_on_the_site_is_followed(app: Flask) -> None:
    email, _ = add_person(app)

    answer = sign_in(app.test_client(), email, next_url="/console/alerts?state=draft")

    assert answer.headers["Location"] == "/console/alerts?state=draft"


def test_signed_in_visitor_of_login_goes_on(app: Flask) -> None:
    client = signed_in_client(app)

    answer = client.get("/login")

    assert answer.status_code == 302
    assert answer.headers["Location"] == "/console"


def disable(app: Flask, email: str) -> None:
    with transaction(runtime(app).sessions) as session:
        session.execute(
            update(User).where(User.email == email).values(disabled_at=utc_now())
        )


def session_cookie(answer: TestResponse) -> str:
    cookies = [
        value
        for value in answer.headers.getlist("Set-Cookie")
        if value.startswith("session=")
    ]
    assert cookies, "no session cookie was set"
    return cookies[-1]


def test_empty_form_says_what_is_missing(app: Flask) -> None:
    client = app.test_client()
    page = client.get("/login")

    answer = client.post(
        "/login", data={"csrf_token": csrf_token(page), "email": "", "password": ""}
    )

    assert answer.status_code == 400
    assert "Isi alamat email Anda." in page_text(answer)
    assert "Isi kata sandi Anda." in page_text(answer)


def test_sign_in_and_out_are_audited(app: Flask) -> None:
    client = signed_in_client(app)
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/console"))})

    with transaction(runtime(app).sessions) as session:
        actions = list(
            session.scalars(
                select(AuditEntry.action).where(
                    AuditEntry.action.in_(["login.succeeded", "logout"])
                )
            )
        )

    assert sorted(actions) == ["login.succeeded", "logout"]
