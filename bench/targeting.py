"""Targeting 1,000,000 subscriber points against a realistic alert.

The alert is a tsunami warning for Padang's coast in Indonesian and English:
four coastal kecamatan, each an irregular polygon of 400 vertices, and a
circle of 5 km around the harbour. Points are spread uniformly over the city
and its sea; a tenth have no point and are matched by area code only. The
figure is the time of ``select_targets`` on arrays already in memory (the
once-per-alert conversion of database rows to arrays is shown beside it).
Run: ``python -m bench.targeting``.
"""

from __future__ import annotations

import math
import statistics
import time

import numpy as np

from gateway.cap import model
from gateway.residents.targeting import Population, select_targets
from tests.cap.factories import make_alert, make_info

POINTS = 1_000_000
VERTICES = 400
REPEATS = 5
SOUTH, NORTH, WEST, EAST = -1.10, -0.60, 100.20, 100.60
LANGUAGES = ("id-ID", "en-US", "min", "")
COASTAL_KECAMATAN = [
    ("Koto Tangah", -0.78, 100.33, 0.060),
    ("Padang Utara", -0.89, 100.35, 0.035),
    ("Padang Barat", -0.95, 100.36, 0.030),
    ("Padang Selatan", -1.00, 100.38, 0.040),
]
HARBOUR = model.Circle(model.Point(-1.00, 100.37), 5.0)


def irregular_polygon(
    lat: float, lon: float, radius: float, seed: int
) -> model.Polygon:
    """A closed ring of VERTICES points around a centre, its edge wobbling."""
    rng = np.random.default_rng(seed)
    angles = np.linspace(0.0, 2 * math.pi, VERTICES, endpoint=False)
    wobble = 1 + 0.25 * np.sin(5 * angles) + 0.05 * rng.standard_normal(VERTICES)
    ring = [
        model.Point(
            float(lat + radius * w * math.sin(a)), float(lon + radius * w * math.cos(a))
        )
        for a, w in zip(angles, wobble, strict=True)
    ]
    return model.Polygon((*ring, ring[0]))


def tsunami_warning() -> model.Alert:
    areas = tuple(
        model.Area(
            area_desc=f"Kecamatan {name}",
            polygons=(irregular_polygon(lat, lon, radius, seed),),
            geocodes=(model.NamedValue("BPS", f"13710{seed}"),),
        )
        for seed, (name, lat, lon, radius) in enumerate(COASTAL_KECAMATAN, start=10)
    )
    areas += (model.Area(area_desc="Pelabuhan Teluk Bayur", circles=(HARBOUR,)),)
    infos = (
        make_info(language="id-ID", areas=areas),
        make_info(language="en-US", headline="Tsunami warning", areas=areas),
    )
    return make_alert(infos=infos)


def random_rows(count: int) -> list[tuple[int, float | None, float | None, str]]:
    rng = np.random.default_rng(2026)
    lats = rng.uniform(SOUTH, NORTH, count)
    lons = rng.uniform(WEST, EAST, count)
    without = rng.random(count) < 0.1
    languages = rng.integers(0, len(LANGUAGES), count)
    return [
        (
            index + 1,
            None if without[index] else float(lats[index]),
            None if without[index] else float(lons[index]),
            LANGUAGES[languages[index]],
        )
        for index in range(count)
    ]


def main() -> None:
    alert = tsunami_warning()
    rows = random_rows(POINTS)

    started = time.perf_counter()
    population = Population.from_rows(rows)
    loading = time.perf_counter() - started
    coded = [np.arange(1, POINTS + 1, 1000, dtype=np.int64) for _ in alert.infos]

    timings = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        selection = select_targets(population, alert, coded, "id-ID")
        timings.append(time.perf_counter() - started)

    polygons = sum(len(area.polygons) for area in alert.infos[0].areas)
    print(
        f"targeting: {POINTS:,} subscribers, {len(alert.infos)} infos, {polygons} "
        f"polygons of {VERTICES} vertices + 1 circle: {len(selection):,} reached; "
        f"median {statistics.median(timings) * 1000:.0f} ms, best "
        f"{min(timings) * 1000:.0f} ms of {REPEATS} "
        f"(rows to arrays once per alert: {loading * 1000:.0f} ms)"
    )


if __name__ == "__main__":
    main()
