"""Who may call each API endpoint, checked against a table written here.

The table is deliberately independent of ``gateway/api/policy.py``: widening
or narrowing access means changing both, on purpose. Every method of every
``api.*`` rule is called by every kind of caller with a placeholder alert id
and no body; a caller outside the table's set must be refused (401 without a
credential, 403 with one), a caller inside must never be.
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from gateway.api.policy import POLICY
from tests.factories import add_partner, add_staff

ANONYMOUS = "anonymous"
AUTHOR, APPROVER, ADMIN = "author", "approver", "admin"
SUBMIT_KEY, PUBLISH_KEY, READ_KEY = "key:submit", "key:publish", "key:read"
CALLERS = (ANONYMOUS, AUTHOR, APPROVER, ADMIN, SUBMIT_KEY, PUBLISH_KEY, READ_KEY)

EVERYONE = frozenset(CALLERS)
STAFF = frozenset({AUTHOR, APPROVER, ADMIN})
APPROVERS = frozenset({APPROVER, ADMIN})
SIGNED_IN = EVERYONE - {ANONYMOUS}

EXPECTED: dict[str, frozenset[str]] = {
    "api.openapi_document": EVERYONE,
    "api.list_alerts": SIGNED_IN,
    "api.get_alert": SIGNED_IN,
    "api.get_alert_cap": SIGNED_IN,
    "api.get_alert_deliveries": STAFF,
    "api.create_alert": STAFF | {SUBMIT_KEY, PUBLISH_KEY},
    "api.edit_alert": STAFF,
    "api.submit_alert": STAFF,
    "api.update_alert": STAFF,
    "api.cancel_alert": STAFF,
    "api.approve_alert": APPROVERS,
    "api.reject_alert": APPROVERS,
    "api.return_alert": APPROVERS,
    "api.list_subscribers": STAFF,
    "api.get_subscriber": STAFF,
    "api.create_subscriber": APPROVERS,
    "api.update_subscriber": APPROVERS,
    "api.delete_subscriber": APPROVERS,
    "api.get_push_key": EVERYONE,
    "api.create_push_subscription": EVERYONE,
}

PLACEHOLDER_ID = "0" * 32
# OPTIONS is answered by whichever rule of a path matches first, so it cannot
# be attributed to one endpoint.
UNATTRIBUTABLE_METHODS = {"OPTIONS"}
REFUSALS = {401, 403}


def _case_id(endpoint: str, caller: str, allowed: frozenset[str]) -> str:
    verdict = "allowed" if caller in allowed else "refused"
    return f"{endpoint.removeprefix('api.')}-{caller.replace(':', '-')}-{verdict}"


CASES = [
    pytest.param(endpoint, caller, id=_case_id(endpoint, caller, allowed))
    for endpoint, allowed in EXPECTED.items()
    for caller in CALLERS
]


def api_endpoints(app: Flask) -> set[str]:
    return {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
    }


def caller_headers(app: Flask, caller: str) -> dict[str, str]:
    if caller == ANONYMOUS:
        return {}
    if caller.startswith("key:"):
        return add_partner(app, caller.removeprefix("key:")).headers
    return add_staff(app, caller).headers


def calls_of(app: Flask, endpoint: str) -> list[tuple[str, str]]:
    """Every (method, path) that reaches ``endpoint``, ids filled with a placeholder."""
    adapter = app.url_map.bind("localhost")
    found = []
    for rule in app.url_map.iter_rules(endpoint):
        values = dict.fromkeys(rule.arguments, PLACEHOLDER_ID)
        for method in sorted((rule.methods or set()) - UNATTRIBUTABLE_METHODS):
            found.append((method, adapter.build(endpoint, values, method=method)))
    return found


def is_expected(status: int, allowed: bool, refusal: int) -> bool:
    """An allowed caller is never refused; any other gets exactly ``refusal``."""
    return status not in REFUSALS if allowed else status == refusal


def test_every_api_endpoint_has_a_reviewed_policy(app: Flask) -> None:
    endpoints = api_endpoints(app)

    assert endpoints - EXPECTED.keys() == set(), "add them to EXPECTED in this test"
    assert endpoints - POLICY.keys() == set(), "add them to gateway.api.policy.POLICY"
    assert EXPECTED.keys() - endpoints == set(), (
        "EXPECTED names endpoints that are gone"
    )


def test_policy_declares_the_same_callers_as_this_table() -> None:
    declared = {
        endpoint: EVERYONE if allowed == {"public"} else frozenset(allowed)
        for endpoint, allowed in POLICY.items()
    }

    assert declared == EXPECTED


@pytest.mark.parametrize(("endpoint", "caller"), CASES)
def test_endpoint_admits_only_its_callers(
    app: Flask, client: FlaskClient, endpoint: str, caller: str
) -> None:
    headers = caller_headers(app, caller)
    allowed = caller in EXPECTED[endpoint]
    refusal = 401 if caller == ANONYMOUS else 403
    calls = calls_of(app, endpoint)

    mismatches = []
    for method, path in calls:
        status = client.open(path, method=method, headers=headers).status_code
        if not is_expected(status, allowed, refusal):
            wanted = "neither 401 nor 403" if allowed else str(refusal)
            mismatches.append(f"{method} {path}: {status}, wanted {wanted}")

    assert calls, f"{endpoint} has no rule in the url map"
    assert mismatches == []
