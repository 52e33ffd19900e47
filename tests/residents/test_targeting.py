"""Targeting on stored subscribers (SQLite and PostgreSQL through ``app``): by
polygon, circle and geocode, in the reader's language, drills to their group."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from flask import Flask
from sqlalchemy import select, update

from gateway.cap import model
from gateway.db import transaction
from gateway.residents.models import Subscriber
from gateway.residents.targeting import (
    KM_PER_DEGREE,
    choose_info,
    points_in_circle,
    target_alert,
)
from gateway.runtime import runtime
from tests.cap.factories import make_alert, make_area, make_info
from tests.residents.factories import add_subscribers, csv_row, opt_out

# Kelurahan Kuranji, Padang: a square of about 4.4 km a side.
KURANJI = model.Polygon(
    (
        model.Point(-0.90, 100.38),
        model.Point(-0.90, 100.42),
        model.Point(-0.94, 100.42),
        model.Point(-0.94, 100.38),
        model.Point(-0.90, 100.38),
    )
)
INSIDE = {"lat": "-0.92", "lon": "100.40"}
OUTSIDE = {"lat": "-0.80", "lon": "100.40"}
NOWHERE = {"lat": "", "lon": ""}


def area(**overrides: object) -> model.Area:
    fields: dict[str, object] = {"polygons": (), "circles": (), "geocodes": ()}
    fields.update(overrides)
    return make_area(**fields)


def alert_for(*areas: model.Area, **overrides: object) -> model.Alert:
    return make_alert(infos=(make_info(areas=areas),), **overrides)


def number(serial: int) -> str:
    return f"+62812000{serial:05d}"


def reached(app: Flask, alert: model.Alert) -> dict[str, str | None]:
    """Address → language of the info each reached subscriber gets."""
    with transaction(runtime(app).sessions) as session:
        selection = target_alert(session, alert, default_language="id-ID")
        chosen = selection.as_dict()
        rows = session.execute(
            select(Subscriber.id, Subscriber.address).where(Subscriber.id.in_(chosen))
        )
        return {
            address: alert.infos[chosen[subscriber_id]].language
            for subscriber_id, address in rows
        }


def test_subscribers_inside_a_polygon_are_reached(app: Flask) -> None:
    add_subscribers(
        app,
        [
            csv_row(address=number(1), **INSIDE),
            csv_row(address=number(2), **OUTSIDE),
            csv_row(address=number(3), **NOWHERE),
            csv_row(address=number(4), lat="-0.90", lon="100.40"),
        ],
    )

    found = reached(app, alert_for(area(polygons=(KURANJI,))))

    assert sorted(found) == [number(1), number(4)]


def test_subscribers_within_a_circle_radius_are_reached(app: Flask) -> None:
    centre = model.Point(-0.95, 100.35)
    north = 1 / KM_PER_DEGREE
    add_subscribers(
        app,
        [
            csv_row(address=number(1), lat=-0.95 + 9.9 * north, lon=100.35),
            csv_row(address=number(2), lat=-0.95 + 10.1 * north, lon=100.35),
            csv_row(address=number(3), lat=-0.95, lon=100.35),
        ],
    )

    found = reached(app, alert_for(area(circles=(model.Circle(centre, 10.0),))))

    assert sorted(found) == [number(1), number(3)]


def test_subscribers_whose_area_code_matches_a_geocode_are_reached(
    app: Flask,
) -> None:
    add_subscribers(
        app,
        [
            csv_row(address=number(1), areas="1371030", **NOWHERE),
            csv_row(address=number(2), areas="1371031 1372", **NOWHERE),
            csv_row(address=number(3), areas="1371", **OUTSIDE),
        ],
    )
    geocodes = (model.NamedValue("BPS", "1371030"), model.NamedValue("BPS", "1371"))

    found = reached(app, alert_for(area(geocodes=geocodes)))

    assert sorted(found) == [number(1), number(3)]


def test_each_subscriber_gets_the_info_in_their_language(app: Flask) -> None:
    add_subscribers(
        app,
        [
            csv_row(address=number(1), language="en-US", **INSIDE),
            csv_row(address=number(2), language="en", **INSIDE),
            csv_row(address=number(3), language="min", **INSIDE),
            csv_row(address=number(4), language="", **INSIDE),
        ],
    )
    areas = (area(polygons=(KURANJI,)),)
    english = make_info(language="en-US", headline="Flood warning", areas=areas)
    alert = make_alert(infos=(english, make_info(language="id-ID", areas=areas)))

    found = reached(app, alert)

    assert found == {
        number(1): "en-US",
        number(2): "en-US",
        number(3): "id-ID",
        number(4): "id-ID",
    }


def test_language_is_chosen_among_the_infos_that_reach_the_subscriber(
    app: Flask,
) -> None:
    add_subscribers(app, [csv_row(address=number(1), language="en-US", **INSIDE)])
    indonesian = make_info(language="id-ID", areas=(area(polygons=(KURANJI,)),))
    english = make_info(language="en-US", areas=(area(geocodes=()),))

    found = reached(app, make_alert(infos=(indonesian, english)))

    assert found == {number(1): "id-ID"}


def test_without_their_or_the_default_language_the_first_info_is_chosen() -> None:
    infos = (make_info(language="fr-FR"), make_info(language="ja-JP"))

    assert choose_info(infos, 0b11, "de", "id-ID") == 0
    assert choose_info(infos, 0b10, "de", "id-ID") == 1
    assert choose_info(infos, 0b11, "de", "ja") == 1


@pytest.mark.parametrize(
    "status", [model.Status.EXERCISE, model.Status.TEST], ids=["exercise", "test"]
)
def test_drills_reach_only_the_named_groups(app: Flask, status: model.Status) -> None:
    add_subscribers(
        app,
        [
            csv_row(address=number(1), groups="rt05", **INSIDE),
            csv_row(address=number(2), groups="rt06 rt07", **INSIDE),
            csv_row(address=number(3), groups="", **INSIDE),
            csv_row(address=number(4), groups="rt05", **OUTSIDE),
            csv_row(address=number(5), groups="rt99", **INSIDE),
        ],
    )
    drill = make_info(
        areas=(area(polygons=(KURANJI,)),),
        parameters=(model.NamedValue("drillGroup", "rt05 rt07"),),
    )

    found = reached(app, make_alert(status=status, infos=(drill,)))

    assert sorted(found) == [number(1), number(2)]


def test_drill_naming_no_group_reaches_nobody(app: Flask) -> None:
    add_subscribers(app, [csv_row(address=number(1), groups="rt05", **INSIDE)])

    found = reached(
        app, alert_for(area(polygons=(KURANJI,)), status=model.Status.EXERCISE)
    )

    assert found == {}


def test_opted_out_and_unverified_subscribers_are_never_reached(app: Flask) -> None:
    add_subscribers(
        app,
        [
            csv_row(address=number(1), areas="1371", **INSIDE),
            csv_row(address=number(2), areas="1371", **INSIDE),
            csv_row(address=number(3), areas="1371", **INSIDE),
        ],
    )
    opt_out(app, number(2))
    with transaction(runtime(app).sessions) as session:
        session.execute(
            update(Subscriber)
            .where(Subscriber.address == number(3))
            .values(verified=False)
        )
    codes = (model.NamedValue("BPS", "1371"),)

    found = reached(app, alert_for(area(polygons=(KURANJI,), geocodes=codes)))

    assert sorted(found) == [number(1)]


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"status": model.Status.SYSTEM}, id="system"),
        pytest.param({"status": model.Status.DRAFT}, id="draft"),
        pytest.param({"scope": model.Scope.PRIVATE}, id="private"),
        pytest.param({"msg_type": model.MsgType.ACK}, id="ack"),
    ],
)
def test_messages_not_meant_for_residents_reach_nobody(
    app: Flask, overrides: dict[str, object]
) -> None:
    add_subscribers(app, [csv_row(address=number(1), **INSIDE)])
    alert = alert_for(area(polygons=(KURANJI,)))

    found = reached(app, replace(alert, **overrides))

    assert found == {}


def test_circle_distance_shrinks_east_west_with_latitude() -> None:
    east = 1 / (KM_PER_DEGREE * np.cos(np.radians(60.0)))
    lats = np.array([60.0, 60.0, 60.0])
    lons = np.array([10.0 + 9.9 * east, 10.0 + 10.1 * east, 10.0 - 9.9 * east])

    inside = points_in_circle(model.Circle(model.Point(60.0, 10.0), 10.0), lats, lons)

    assert inside.tolist() == [True, False, True]


def test_circle_reaches_across_the_antimeridian() -> None:
    lats = np.array([0.0, 0.0])
    lons = np.array([-179.95, 179.0])

    inside = points_in_circle(model.Circle(model.Point(0.0, 179.99), 10.0), lats, lons)

    assert inside.tolist() == [True, False]
