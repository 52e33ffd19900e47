"""Inbound SMS: reading Kannel's get-url query and the http-json provider's
JSON, deciding what is a stop, and fuzz tests that only ``InboundError``
ever escapes and that a stop is decided by the first word alone."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.channels.sms_inbound import (
    STOP_WORDS,
    InboundError,
    InboundSms,
    first_word,
    is_stop,
    parse_http_json_inbound,
    parse_kannel_inbound,
)

REFUSALS = {
    "inbound-not-json",
    "inbound-bad-text",
    "inbound-without-sender",
    "inbound-bad-sender",
}


@pytest.mark.parametrize(
    "text",
    [
        "STOP",
        "stop",
        "Stop.",
        "  stop  ",
        "STOP ALL",
        "stopall",
        "BERHENTI",
        "berhenti!",
        "*Berhenti*",
        "UNSUBSCRIBE",
        "unreg",
        "UNREG PERINGATAN",
        '"stop"',
        "\nStop\n",
        "ＳＴＯＰ",
        "stop, please",
        "¡stop!",
    ],
    ids=lambda text: repr(text),
)
def test_stop_words_are_found_whatever_their_case_and_punctuation(text: str) -> None:
    assert is_stop(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "halo",
        "please stop",
        "jangan berhenti",
        "stopwatch",
        "STOPP",
        "berhentilah",
        "s t o p",
        "123 stop",
        "INFO",
        "?",
    ],
    ids=lambda text: repr(text),
)
def test_anything_else_is_not_a_stop(text: str) -> None:
    assert not is_stop(text)


def test_kannel_query_is_read() -> None:
    message = parse_kannel_inbound(
        {"from": "+6281234567890", "to": "1234", "text": "STOP", "id": "77"}
    )

    assert message == InboundSms("+6281234567890", "1234", "STOP", "77")
    assert message.is_stop


def test_kannel_query_without_text_is_no_stop() -> None:
    message = parse_kannel_inbound({"from": "6281234567890"})

    assert (message.text, message.recipient, message.is_stop) == ("", None, False)


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({"text": "STOP"}, "inbound-without-sender"),
        ({"from": "  ", "text": "STOP"}, "inbound-without-sender"),
        ({"from": "1" * 40, "text": "STOP"}, "inbound-bad-sender"),
    ],
    ids=["no-sender", "blank-sender", "sender-too-long"],
)
def test_kannel_query_without_a_usable_sender_is_refused(
    query: dict[str, str], code: str
) -> None:
    with pytest.raises(InboundError) as refused:
        parse_kannel_inbound(query)

    assert refused.value.code == code
    assert "sender" in refused.value.reason


def test_http_json_message_is_read() -> None:
    body = json.dumps(
        {"from": "+6281234567890", "to": "+62811000", "text": "berhenti", "id": 42}
    )

    message = parse_http_json_inbound(body.encode())

    assert message == InboundSms("+6281234567890", "+62811000", "berhenti", "42")
    assert message.is_stop


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"not json", "inbound-not-json"),
        (b"[1, 2]", "inbound-not-json"),
        (b'{"from": "+6281234567890", "text": 7}', "inbound-bad-text"),
        (b'{"text": "STOP"}', "inbound-without-sender"),
        (b'{"from": 6281234567890, "text": "STOP"}', "inbound-without-sender"),
        (b"\xff\xfe", "inbound-not-json"),
    ],
    ids=[
        "not-json",
        "array",
        "text-not-string",
        "no-sender",
        "number-sender",
        "binary",
    ],
)
def test_unreadable_http_json_is_refused_with_its_reason(
    body: bytes, code: str
) -> None:
    with pytest.raises(InboundError) as refused:
        parse_http_json_inbound(body)

    assert refused.value.code == code


def test_a_long_text_is_cut_and_still_judged_by_its_first_word() -> None:
    message = parse_kannel_inbound({"from": "+6281234567890", "text": "Stop " * 5000})

    assert len(message.text) == 2000
    assert message.is_stop


def outcome_of(read: Callable[[], InboundSms]) -> InboundSms | str:
    """The message, or the code of the parser's own refusal."""
    try:
        return read()
    except InboundError as error:
        return error.code


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2048))
def test_arbitrary_bytes_only_ever_raise_inbound_error(data: bytes) -> None:
    outcome = outcome_of(lambda: parse_http_json_inbound(data))

    if isinstance(outcome, str):
        assert outcome in REFUSALS
    else:
        assert outcome.sender


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=400, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["from", "to", "text", "id", "other"]), json_values, max_size=5
    )
)
def test_arbitrary_json_objects_only_ever_raise_inbound_error(
    document: dict[str, object],
) -> None:
    outcome = outcome_of(lambda: parse_http_json_inbound(json.dumps(document)))

    if isinstance(outcome, str):
        assert outcome in REFUSALS
    else:
        assert outcome.sender == str(document["from"]).strip()
        assert isinstance(outcome.text, str)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.sampled_from(["from", "to", "text", "id"]), st.text()))
def test_arbitrary_kannel_queries_only_ever_raise_inbound_error(
    query: dict[str, str],
) -> None:
    outcome = outcome_of(lambda: parse_kannel_inbound(query))

    if isinstance(outcome, str):
        assert outcome in REFUSALS
    else:
        assert outcome.is_stop == is_stop(query.get("text", ""))


spacing = st.text(alphabet=" \t\n*.!?\"'¡¿-", max_size=4)


@settings(max_examples=300, deadline=None)
@given(
    spacing,
    st.sampled_from(sorted(STOP_WORDS)),
    st.sampled_from([str.upper, str.lower, str.title, str.capitalize]),
    st.text(alphabet=" .!?,;", min_size=1, max_size=3),
    st.text(max_size=30),
)
def test_a_stop_word_first_is_a_stop_whatever_surrounds_it(
    before: str, word: str, case: object, gap: str, rest: str
) -> None:
    assert callable(case)
    text = f"{before}{case(word)}{gap}{rest}"

    assert is_stop(text)


letters = st.text(
    alphabet=st.characters(categories=["Lu", "Ll", "Nd"]), min_size=1, max_size=12
)


@settings(max_examples=300, deadline=None)
@given(letters, st.sampled_from(sorted(STOP_WORDS)))
def test_a_stop_word_after_another_word_is_no_stop(word: str, stop: str) -> None:
    if first_word(word) in STOP_WORDS:
        return

    assert not is_stop(f"{word} {stop}")
    assert not is_stop(f"{word}{stop}")
