"""Language, point, area codes and drill groups come out in one canonical
form, the same from a CSV cell and from a JSON value, or are refused with a
stable code and the field's location."""

from __future__ import annotations

import pytest

from gateway.residents.errors import InvalidSubscription
from gateway.residents.fields import (
    check_groups,
    check_point,
    check_tags,
    normalise_language,
    parse_groups,
    parse_point,
    parse_tags,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("id-id", "id-ID", id="region-upper-cased"),
        pytest.param("EN_us", "en-US", id="underscore"),
        pytest.param("zh-hant-tw", "zh-Hant-TW", id="script-title-cased"),
        pytest.param("  ", None, id="blank-is-none"),
    ],
)
def test_language_tag_gets_its_usual_case(raw: str, expected: str | None) -> None:
    assert normalise_language(raw) == expected


def test_text_and_numbers_give_the_same_point() -> None:
    assert parse_point(" -0.92 ", "100.4") == check_point(-0.92, 100.4)
    assert parse_point("", "") == check_point(None, None) == (None, None)


@pytest.mark.parametrize(
    ("lat", "lon", "code", "location"),
    [
        pytest.param(-0.9, None, "incomplete-location", "/lon", id="lat-alone"),
        pytest.param(None, 100.0, "incomplete-location", "/lat", id="lon-alone"),
        pytest.param(90.5, 100.0, "invalid-location", "/lat", id="past-the-pole"),
        pytest.param(0.0, -181.0, "invalid-location", "/lon", id="past-the-dateline"),
        pytest.param(float("nan"), 0.0, "invalid-location", "/lat", id="nan"),
        pytest.param(0.0, float("inf"), "invalid-location", "/lon", id="infinite"),
    ],
)
def test_unusable_point_is_refused_at_its_field(
    lat: float | None, lon: float | None, code: str, location: str
) -> None:
    with pytest.raises(InvalidSubscription) as refused:
        check_point(lat, lon)

    assert (refused.value.code, refused.value.location) == (code, location)


def test_cell_and_list_give_the_same_tags() -> None:
    assert parse_tags("1371 1371030 1371", "area code") == check_tags(
        ["1371", "1371030", "1371"], "area code"
    )
    assert parse_groups("rt05 a.b:c") == check_groups(["rt05", "a.b:c"])


@pytest.mark.parametrize(
    ("values", "code"),
    [
        pytest.param(["13 71"], "invalid-tag", id="space"),
        pytest.param(["1371\x00"], "invalid-tag", id="nul"),
        pytest.param(["a\x85b"], "invalid-tag", id="c1-control"),
        pytest.param([""], "invalid-tag", id="empty"),
        pytest.param(["9" * 201], "tag-too-long", id="too-long"),
    ],
)
def test_unusable_area_code_is_refused(values: list[str], code: str) -> None:
    with pytest.raises(InvalidSubscription) as refused:
        check_tags(values, "area code")

    assert (refused.value.code, refused.value.location) == (code, "/areas")


def test_drill_group_with_other_characters_is_refused() -> None:
    with pytest.raises(InvalidSubscription) as refused:
        check_groups(["rt05", "sekolah!"])

    assert (refused.value.code, refused.value.location) == ("invalid-group", "/groups")
