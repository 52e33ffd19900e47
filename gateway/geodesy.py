"""Distances between points on the Earth, vectorised with numpy: the haversine
formula on a sphere of the WGS 84 mean radius (within about 0.5 % of the
ellipsoid), shared by targeting and the shelter search."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE = np.pi * EARTH_RADIUS_KM / 180

Floats = NDArray[np.float64]


def haversine_km(lat: float, lon: float, lats: Floats, lons: Floats) -> Floats:
    """The great-circle distance from (lat, lon) to each of the points."""
    phi, phis = np.radians(lat), np.radians(lats)
    half_dphi = (phis - phi) / 2
    half_dlambda = np.radians(wrap_degrees(lons - lon)) / 2
    chord = (
        np.sin(half_dphi) ** 2 + np.cos(phi) * np.cos(phis) * np.sin(half_dlambda) ** 2
    )
    distance: Floats = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(chord, 0, 1)))
    return distance


def wrap_degrees(degrees: Floats) -> Floats:
    """Longitude differences brought into [-180, 180)."""
    wrapped: Floats = (degrees + 180.0) % 360.0 - 180.0
    return wrapped
