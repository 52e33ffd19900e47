"""Draft content: the round trip to the CAP model, and checks that never raise."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.alerts.drafts import alert_from_draft, check_draft, draft_from_alert
from gateway.cap import parse, write
from tests.cap.factories import make_alert
from tests.factories import draft_content

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=30,
)


def test_valid_draft_has_no_problems() -> None:
    assert check_draft(draft_content()) == []


def test_alert_content_round_trips_through_a_draft() -> None:
    alert = make_alert()

    content = draft_from_alert(alert)
    rebuilt = alert_from_draft(
        content, identifier=alert.identifier, sender=alert.sender, sent=alert.sent
    )

    assert rebuilt == alert
    assert parse(write(rebuilt)) == alert


@pytest.mark.parametrize(
    ("change", "location"),
    [
        (lambda c: c.pop("infos"), "/"),
        (lambda c: c["infos"][0].update(expires="tomorrow"), "/infos/0/expires"),
        (lambda c: c["infos"][0].update(colour="red"), "/infos/0"),
        (lambda c: c["infos"][0]["areas"][0].update(polygons=[[[1, 2]]]), "/infos/0"),
        (lambda c: c.update(msgType="Cancel"), "/msgType"),
    ],
    ids=["no-infos", "expires-not-a-time", "unknown-field", "short-polygon", "cancel"],
)
def test_each_problem_names_where_it_is(change: Any, location: str) -> None:
    content = draft_content()
    change(content)

    problems = check_draft(content)

    assert problems
    assert any(problem.location.startswith(location) for problem in problems)


def test_text_that_xml_cannot_hold_is_a_problem_not_a_crash() -> None:
    content = draft_content(info={"headline": "banjir\x00\x07"})

    problems = check_draft(content)

    assert [problem.code for problem in problems] == ["draft-value"]


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(JSON_VALUES)
def test_any_json_value_gives_problems_never_an_exception(value: Any) -> None:
    problems = check_draft(value)

    assert problems
    assert all(problem.message and problem.location for problem in problems)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(st.data())
def test_mutated_drafts_give_problems_never_an_exception(data: st.DataObject) -> None:
    content = copy.deepcopy(draft_content())
    info = content["infos"][0]
    name = data.draw(st.sampled_from(sorted(info)))
    info[name] = data.draw(JSON_VALUES)

    problems = check_draft(content)

    assert all(problem.message and problem.location for problem in problems)
