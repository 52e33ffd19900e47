"""Bounce parsing: signed delivery references, Postfix and Exim delivery status
notifications, delays, forged references, bounces of other shapes, and a fuzz
test that only ``BounceError`` ever escapes."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.channels.bounces import (
    MAX_BOUNCE_BYTES,
    Bounce,
    BounceError,
    BounceKind,
    make_reference,
    parse_bounce,
    read_reference,
    verp_address,
)
from tests.channels.dsn import (
    exim_dsn,
    original_message,
    postfix_dsn,
    qmail_bounce,
    with_crlf,
)

SECRET = "a-secret-key-for-bounce-tests"
DELIVERY_ID = "4711"
BOUNCE_ADDRESS = "bounces@padang.go.id"
REFERENCE = make_reference(SECRET, DELIVERY_ID)
VERP = verp_address(BOUNCE_ADDRESS, REFERENCE)
PLAIN_SENDER = "peringatan@padang.go.id"


def forged(reference: str) -> str:
    """The reference with the last digit of its HMAC changed."""
    last = reference[-1]
    return reference[:-1] + ("0" if last != "0" else "1")


FORGED_VERP = verp_address(BOUNCE_ADDRESS, forged(REFERENCE))


def sent_original(reference: str | None = REFERENCE, sender: str = VERP) -> bytes:
    return original_message(
        envelope_sender=sender, message_id=DELIVERY_ID, reference=reference
    )


def test_reference_names_its_delivery_and_only_with_the_right_secret() -> None:
    reference = make_reference(SECRET, "12")

    assert read_reference(SECRET, reference) == "12"
    assert read_reference("another-secret", reference) is None
    assert make_reference(SECRET, "13") != reference
    assert reference.startswith("12-")


@pytest.mark.parametrize(
    "reference",
    [
        pytest.param(forged(make_reference(SECRET, "12")), id="hmac-changed"),
        pytest.param("13" + make_reference(SECRET, "12")[2:], id="delivery-id-changed"),
        pytest.param("12", id="no-hmac"),
        pytest.param("12-abc", id="hmac-cut-short"),
        pytest.param("-" + make_reference(SECRET, "12")[3:], id="no-delivery-id"),
        pytest.param("", id="empty"),
    ],
)
def test_tampered_reference_names_no_delivery(reference: str) -> None:
    assert read_reference(SECRET, reference) is None


@pytest.mark.parametrize(
    "delivery_id",
    [
        pytest.param("1+2", id="plus-sign"),
        pytest.param("1@2", id="at-sign"),
        pytest.param("1 2", id="space"),
        pytest.param("1" * 21, id="longer-than-20"),
        pytest.param("", id="empty"),
    ],
)
def test_delivery_id_that_cannot_travel_in_an_address_is_refused(
    delivery_id: str,
) -> None:
    with pytest.raises(ValueError, match="bounce reference"):
        make_reference(SECRET, delivery_id)


def test_verp_address_puts_the_reference_after_a_plus() -> None:
    assert f"bounces+{REFERENCE}@padang.go.id" == VERP


def test_postfix_user_unknown_is_a_hard_failure_of_its_delivery() -> None:
    bounce = parse_bounce(postfix_dsn(to=VERP, original=sent_original()), SECRET)

    assert bounce.kind is BounceKind.FAILED
    assert bounce.delivery_id == DELIVERY_ID
    assert bounce.status == "5.1.1"
    assert bounce.is_hard
    assert "Recipient address rejected: User unknown" in bounce.reason
    assert "smtp;" not in bounce.reason
    assert "\n" not in bounce.reason


@pytest.mark.parametrize(
    ("builder", "action", "status", "diagnostic", "kind", "code", "hard"),
    [
        pytest.param(
            postfix_dsn,
            "failed",
            "5.2.2",
            "smtp; 552 5.2.2 Mailbox full",
            BounceKind.FAILED,
            "5.2.2",
            False,
            id="postfix-mailbox-full-is-not-hard",
        ),
        pytest.param(
            postfix_dsn,
            "delayed",
            "4.4.1",
            "X-Postfix; connect to mx.example.org[203.0.113.5]:25: "
            "Connection timed out",
            BounceKind.DELAYED,
            "4.4.1",
            False,
            id="postfix-delayed",
        ),
        pytest.param(
            postfix_dsn,
            "failed",
            "4.4.7",
            "X-Postfix; delivery temporarily suspended",
            BounceKind.FAILED,
            "4.4.7",
            False,
            id="postfix-gave-up-after-retrying-is-failed-not-hard",
        ),
        pytest.param(
            postfix_dsn,
            "failed",
            "5.1.8",
            "smtp; 553 5.1.8 Sender address rejected: Domain not found",
            BounceKind.FAILED,
            "5.1.8",
            False,
            id="sender-address-refused-is-not-the-residents-fault",
        ),
        pytest.param(
            exim_dsn,
            "failed",
            "5.0.0",
            "smtp; 550 5.1.1 No such user here",
            BounceKind.FAILED,
            "5.1.1",
            True,
            id="exim-5.0.0-takes-the-finer-code-of-its-diagnostic",
        ),
        pytest.param(
            exim_dsn,
            "failed",
            "5.0.0",
            "smtp; 550 Unrouteable address",
            BounceKind.FAILED,
            "5.0.0",
            False,
            id="exim-5.0.0-without-finer-code",
        ),
        pytest.param(
            exim_dsn,
            None,
            "5.1.1",
            None,
            BounceKind.FAILED,
            "5.1.1",
            True,
            id="no-action-the-status-class-decides",
        ),
        pytest.param(
            exim_dsn,
            "delivered",
            "2.0.0",
            "smtp; 250 2.0.0 OK",
            BounceKind.DELIVERED,
            "2.0.0",
            False,
            id="success-notification",
        ),
        pytest.param(
            exim_dsn,
            "relayed",
            "2.0.0",
            None,
            BounceKind.RELAYED,
            "2.0.0",
            False,
            id="relayed-to-a-system-without-reports",
        ),
        pytest.param(
            exim_dsn,
            "Failed (comment)",
            "5.1.1 (user unknown)",
            None,
            BounceKind.FAILED,
            "5.1.1",
            True,
            id="comments-after-action-and-status",
        ),
    ],
)
def test_report_says_what_happened(
    builder: object,
    action: str | None,
    status: str | None,
    diagnostic: str | None,
    kind: BounceKind,
    code: str,
    hard: bool,
) -> None:
    assert callable(builder)
    data = builder(
        to=VERP,
        original=sent_original(),
        action=action,
        status=status,
        diagnostic=diagnostic,
    )

    bounce = parse_bounce(data, SECRET)

    assert bounce.kind is kind
    assert bounce.status == code
    assert bounce.is_hard is hard
    assert bounce.delivery_id == DELIVERY_ID


def test_delay_reason_says_the_server_is_still_trying() -> None:
    data = postfix_dsn(
        to=VERP,
        original=sent_original(),
        action="delayed",
        status="4.4.1",
        diagnostic="X-Postfix; connect to mx.example.org: Connection timed out",
    )

    bounce = parse_bounce(data, SECRET)

    assert bounce.reason.startswith("The mail server is still trying")
    assert "Connection timed out" in bounce.reason


@pytest.mark.parametrize(
    ("data", "how"),
    [
        pytest.param(
            postfix_dsn(to=VERP, original=None), "verp", id="envelope-only-postfix"
        ),
        pytest.param(exim_dsn(to=VERP, original=None), "verp", id="envelope-only-exim"),
        pytest.param(
            postfix_dsn(to=PLAIN_SENDER, original=sent_original(sender=PLAIN_SENDER)),
            "header",
            id="returned-headers-only",
        ),
        pytest.param(
            exim_dsn(to=PLAIN_SENDER, original=sent_original(sender=PLAIN_SENDER)),
            "header",
            id="returned-message-only",
        ),
        pytest.param(
            with_crlf(postfix_dsn(to=VERP, original=sent_original())),
            "both",
            id="crlf-line-endings",
        ),
    ],
)
def test_delivery_is_found_wherever_the_reference_comes_back(
    data: bytes, how: str
) -> None:
    bounce = parse_bounce(data, SECRET)

    assert bounce.delivery_id == DELIVERY_ID, how
    assert bounce.kind is BounceKind.FAILED


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(
            postfix_dsn(
                to=FORGED_VERP,
                original=sent_original(forged(REFERENCE), sender=FORGED_VERP),
            ),
            id="forged-everywhere",
        ),
        pytest.param(
            postfix_dsn(to=FORGED_VERP, original=None),
            id="forged-envelope",
        ),
        pytest.param(
            exim_dsn(
                to=PLAIN_SENDER,
                original=sent_original(forged(REFERENCE), sender=PLAIN_SENDER),
            ),
            id="forged-header",
        ),
        pytest.param(
            postfix_dsn(
                to=verp_address(BOUNCE_ADDRESS, make_reference("not-ours", "4711")),
                original=None,
            ),
            id="signed-with-another-secret",
        ),
    ],
)
def test_forged_reference_is_ignored(data: bytes) -> None:
    bounce = parse_bounce(data, SECRET)

    assert bounce.delivery_id is None
    assert bounce.kind is BounceKind.FAILED
    assert "does not verify" in bounce.reason
    assert "Nothing was changed" in bounce.reason


def test_forged_reference_beside_the_genuine_one_changes_nothing() -> None:
    data = postfix_dsn(to=VERP, original=sent_original(forged(REFERENCE)))

    assert parse_bounce(data, SECRET).delivery_id == DELIVERY_ID


def test_bounce_naming_two_deliveries_trusts_neither() -> None:
    other = make_reference(SECRET, "4712")
    data = postfix_dsn(to=VERP, original=sent_original(other))

    bounce = parse_bounce(data, SECRET)

    assert bounce.delivery_id is None
    assert "several deliveries" in bounce.reason


def test_report_without_any_reference_names_no_delivery() -> None:
    data = postfix_dsn(to=PLAIN_SENDER, original=sent_original(None, PLAIN_SENDER))

    bounce = parse_bounce(data, SECRET)

    assert bounce.delivery_id is None
    assert bounce.kind is BounceKind.FAILED
    assert "names no delivery" in bounce.reason


def test_plain_text_bounce_is_unknown_but_finds_its_delivery() -> None:
    data = qmail_bounce(to=VERP, original=sent_original())

    bounce = parse_bounce(data, SECRET)

    assert bounce == Bounce(BounceKind.UNKNOWN, DELIVERY_ID, None, bounce.reason)
    assert "not a delivery status notification" in bounce.reason
    assert not bounce.is_hard


def test_ordinary_reply_is_unknown_with_the_reason() -> None:
    data = (
        b"From: warga@example.org\nTo: peringatan@padang.go.id\n"
        b"Subject: Re: Gempa\n\nTerima kasih atas peringatannya.\n"
    )

    bounce = parse_bounce(data, SECRET)

    assert bounce.kind is BounceKind.UNKNOWN
    assert bounce.delivery_id is None
    assert "not a delivery status notification" in bounce.reason


def test_report_naming_no_recipient_is_unknown() -> None:
    data = postfix_dsn(to=VERP, original=None).replace(
        b"Final-Recipient: rfc822; warga@example.org\nAction: failed\nStatus: 5.1.1\n",
        b"",
    )

    bounce = parse_bounce(data, SECRET)

    assert bounce.kind is BounceKind.UNKNOWN
    assert bounce.delivery_id == DELIVERY_ID
    assert "names no recipient" in bounce.reason


def test_report_of_several_recipients_takes_the_failure() -> None:
    data = exim_dsn(to=VERP, original=None).replace(
        b"Reporting-MTA: dns; mx.example.net\n\n",
        b"Reporting-MTA: dns; mx.example.net\n\n"
        b"Final-Recipient: rfc822; lain@example.org\nAction: delayed\n"
        b"Status: 4.2.0\n\n",
    )

    bounce = parse_bounce(data, SECRET)

    assert bounce.kind is BounceKind.FAILED
    assert bounce.status == "5.1.1"


def test_utf8_delivery_status_report_is_read() -> None:
    data = postfix_dsn(to=VERP, original=None).replace(
        b"Content-Type: message/delivery-status",
        b"Content-Type: message/global-delivery-status",
    )

    bounce = parse_bounce(data, SECRET)

    assert bounce.kind is BounceKind.FAILED
    assert bounce.status == "5.1.1"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        pytest.param(b"", "not-a-message", id="empty"),
        pytest.param(b"\x00\xff\x10 binary junk", "not-a-message", id="binary"),
        pytest.param(b"\n\nonly a body", "not-a-message", id="no-headers"),
        pytest.param(
            b"From: x@example.org\n\n" + b"a" * MAX_BOUNCE_BYTES,
            "bounce-too-large",
            id="too-large",
        ),
    ],
)
def test_what_is_no_mail_message_raises_bounce_error(data: bytes, code: str) -> None:
    with pytest.raises(BounceError) as caught:
        parse_bounce(data, SECRET)

    assert caught.value.code == code
    assert caught.value.reason


def test_deeply_nested_message_raises_bounce_error() -> None:
    depth = 5000
    heads = b"".join(
        b'Content-Type: multipart/mixed; boundary="b%d"\n\n--b%d\n' % (n, n)
        for n in range(depth)
    )
    data = b"From: x@example.org\n" + heads + b"Content-Type: text/plain\n\nhi\n"

    with pytest.raises(BounceError) as caught:
        parse_bounce(data, SECRET)

    assert caught.value.code == "too-deep"


SAMPLES = [
    postfix_dsn(to=VERP, original=sent_original()),
    exim_dsn(to=VERP, original=sent_original()),
    postfix_dsn(to=VERP, original=None, action="delayed", status="4.4.1"),
    qmail_bounce(to=VERP, original=sent_original()),
]


@st.composite
def mutated_bounces(draw: st.DrawFn) -> bytes:
    """A real bounce with bytes cut out, put in or overwritten."""
    data = bytearray(draw(st.sampled_from(SAMPLES)))
    for _ in range(draw(st.integers(min_value=1, max_value=8))):
        at = draw(st.integers(min_value=0, max_value=len(data)))
        size = draw(st.integers(min_value=0, max_value=64))
        junk = draw(st.binary(max_size=64))
        operation = draw(st.sampled_from(["cut", "insert", "overwrite"]))
        if operation == "cut":
            del data[at : at + size]
        elif operation == "insert":
            data[at:at] = junk
        else:
            data[at : at + len(junk)] = junk
    return bytes(data)


REFUSALS = {"not-a-message", "bounce-too-large", "too-deep"}


def outcome_of(data: bytes) -> Bounce | str:
    """The bounce, or the code of the parser's own refusal."""
    try:
        return parse_bounce(data, SECRET)
    except BounceError as error:
        return error.code


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=4096))
def test_arbitrary_bytes_only_ever_raise_bounce_error(data: bytes) -> None:
    outcome = outcome_of(data)

    if isinstance(outcome, str):
        assert outcome in REFUSALS
    else:
        assert outcome.delivery_id is None


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_bounces())
def test_mutated_bounces_only_raise_bounce_error_and_name_no_other_delivery(
    data: bytes,
) -> None:
    outcome = outcome_of(data)

    if isinstance(outcome, str):
        assert outcome in REFUSALS
    else:
        assert outcome.delivery_id in {None, DELIVERY_ID}
        assert outcome.reason
