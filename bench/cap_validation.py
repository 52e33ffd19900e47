"""Full CAP validation against raw lxml parse + schema on the same messages.

Full = hardened load, version check, schema, CAP rules and the model, as
``gateway.cap.inspect`` does. Raw = ``lxml.etree.fromstring`` plus
``XMLSchema.validate`` with our schema. The goal is a ratio of at least 0.6.

Known gap: the ratio is far below the goal (about 0.1 on a 2-core machine).
Parsing and the schema run in libxml2's C; the CAP rules and the model are
Python, costing roughly 0.5-1 microseconds per element touched and per object
built, against about 0.2 for libxml2. Reaching 0.6 would need the rules and the
model builder compiled (mypyc or C), not more tuning of the Python.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from lxml import etree

from gateway.cap import Area, Circle, Point, Polygon, inspect, write
from gateway.cap.schema import schema_path
from tests.cap.factories import make_alert, make_area, make_info

ROUNDS = 7
SAMPLES = Path(__file__).parent.parent / "tests" / "data" / "cap" / "valid"


def build_messages() -> list[bytes]:
    """Project samples plus generated alerts of realistic size."""
    messages = [path.read_bytes() for path in sorted(SAMPLES.glob("*.xml"))]
    base = make_alert()
    for number in range(200):
        english = make_info(language="en-US", event="Earthquake", headline="Quake")
        count = 1 + number % 4
        areas = tuple(make_area_number(number * 4 + n) for n in range(count))
        infos = (make_info(areas=areas), replace(english, areas=areas))
        alert = replace(
            base,
            identifier=f"{base.identifier}{number}",
            sent=base.sent + timedelta(seconds=number),
            infos=infos,
        )
        messages.append(write(alert))
    return messages


def make_area_number(number: int) -> Area:
    """A distinct area, so no two messages share a polygon or circle."""
    shift = number / 1000
    ring = [(-0.80, 100.30), (-0.80, 100.40), (-0.90, 100.40), (-0.85, 100.32)]
    points = [Point(lat - shift, lon + shift) for lat, lon in ring]
    return make_area(
        area_desc=f"Kelurahan {number}",
        polygons=(Polygon((*points, points[0])),),
        circles=(Circle(Point(-0.95 - shift, 100.35), 5 + shift),),
    )


def rate(messages: list[bytes], check: Callable[[bytes], object]) -> float:
    """Median messages per second over several rounds."""
    rates = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for data in messages:
            check(data)
        rates.append(len(messages) / (time.perf_counter() - start))
    return statistics.median(rates)


def main() -> None:
    messages = build_messages()
    schema = etree.XMLSchema(etree.parse(str(schema_path())))
    parser = etree.XMLParser(resolve_entities=False, no_network=True)

    def raw(data: bytes) -> None:
        if not schema.validate(etree.fromstring(data, parser)):
            raise SystemExit("raw: a benchmark message is invalid")

    def full(data: bytes) -> None:
        if inspect(data).alert is None:
            raise SystemExit("full: a benchmark message is invalid")

    raw_rate = rate(messages, raw)
    full_rate = rate(messages, full)
    size = statistics.mean(len(m) for m in messages)
    print(f"CAP validation on {len(messages)} messages (mean {size:,.0f} bytes)")
    print(f"  raw lxml parse + schema:              {raw_rate:10,.0f} msg/s")
    print(f"  full (parse+schema+rules+model):      {full_rate:10,.0f} msg/s")
    print(
        f"  ratio full/raw:                       {full_rate / raw_rate:10.2f}"
        "  (goal >= 0.60)"
    )


if __name__ == "__main__":
    main()
