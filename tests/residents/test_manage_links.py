"""Manage links: short, signed, and refused when changed."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.residents.manage_links import (
    MAX_ID,
    make_manage_token,
    manage_url,
    read_manage_token,
)

SECRET = "a-test-secret"


@given(st.integers(min_value=1, max_value=MAX_ID))
def test_a_token_names_its_subscriber(subscriber_id: int) -> None:
    token = make_manage_token(SECRET, subscriber_id)

    assert read_manage_token(SECRET, token) == subscriber_id
    assert len(token) <= 20


def test_another_secret_does_not_read_the_token() -> None:
    token = make_manage_token(SECRET, 42)

    assert read_manage_token("another-secret", token) is None


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda token: "1" + token, id="other-id"),
        pytest.param(lambda token: token[:-1] + "a", id="other-signature"),
        pytest.param(lambda token: token.upper(), id="upper-case"),
        pytest.param(lambda token: token + "=", id="trailing"),
        pytest.param(lambda token: "", id="empty"),
    ],
)
def test_a_changed_token_is_refused(change) -> None:  # type: ignore[no-untyped-def]
    token = make_manage_token(SECRET, 42)

    assert read_manage_token(SECRET, change(token)) is None


@given(st.text(max_size=40))
def test_any_text_is_read_without_error(text: str) -> None:
    assert read_manage_token(SECRET, text) is None


def test_the_url_is_short_enough_for_an_sms() -> None:
    url = manage_url("https://peringatan.example.go.id/", SECRET, MAX_ID)

    assert url.startswith("https://peringatan.example.go.id/s/")
    assert len(url) <= 60


def test_ids_outside_the_column_are_refused() -> None:
    with pytest.raises(ValueError, match="subscriber ids run from 1"):
        make_manage_token(SECRET, 0)
