"""Any alert the model can hold survives write → validate → parse unchanged."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from gateway.cap import Alert, parse, validate, write
from tests.cap.strategies import alerts


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(alerts())
def test_written_alert_validates_and_parses_back_equal(alert: Alert) -> None:
    data = write(alert)

    problems = validate(data)
    parsed = parse(data)

    assert [p for p in problems if p.is_error] == []
    assert parsed == alert


@settings(max_examples=50, deadline=None)
@given(alerts())
def test_writing_is_deterministic(alert: Alert) -> None:
    assert write(alert) == write(parse(write(alert)))
