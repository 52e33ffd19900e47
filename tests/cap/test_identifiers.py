from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest

from gateway.cap import new_identifier

MOMENT = datetime(2026, 12, 3, 2, 5, 9, tzinfo=UTC)


def test_many_identifiers_in_one_second_are_unique() -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        made = list(pool.map(lambda _: new_identifier(now=MOMENT), range(50_000)))

    assert len(set(made)) == len(made)


def test_identifier_is_a_valid_oid_under_the_prefix() -> None:
    identifier = new_identifier("urn:oid:2.49.0.1.360.1", now=MOMENT)

    assert identifier.startswith("urn:oid:2.49.0.1.360.1.2026.12.3.2.5.9.")
    arcs = identifier.removeprefix("urn:oid:").split(".")
    assert all(re.fullmatch(r"0|[1-9][0-9]*", arc) for arc in arcs)


@pytest.mark.parametrize("prefix", ["", "has space", "a,b", "a<b", "a&b"])
def test_prefix_with_forbidden_characters_is_refused(prefix: str) -> None:
    with pytest.raises(ValueError, match="prefix"):
        new_identifier(prefix)
