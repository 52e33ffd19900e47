"""Reading a GeoJSON FeatureCollection file, whole, before any feature is used.

The file is capped in size (50 MB), must be UTF-8 JSON (a byte order mark is
allowed), and must be a FeatureCollection whose ``features`` is a list. Any
failure is one ``InvalidPlacesFile`` naming what is wrong with the file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gateway.places.errors import InvalidPlacesFile

MAX_FILE_BYTES = 50 * 1024 * 1024


def read_features_file(path: Path, *, limit: int = MAX_FILE_BYTES) -> list[Any]:
    """The features of the FeatureCollection in ``path``."""
    try:
        with path.open("rb") as stream:
            data = stream.read(limit + 1)
    except OSError as exc:
        raise InvalidPlacesFile(
            f"The file cannot be read: {exc.strerror or exc}.",
            code="unreadable-file",
        ) from exc
    return parse_features(data, limit=limit)


def parse_features(data: bytes, *, limit: int = MAX_FILE_BYTES) -> list[Any]:
    """The features of a FeatureCollection given as bytes."""
    if len(data) > limit:
        raise InvalidPlacesFile(
            f"The file is larger than {limit // (1024 * 1024)} MB; split it (one "
            "file per district, say) or simplify its geometries.",
            code="file-too-large",
        )
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise InvalidPlacesFile(
            f"The file is not UTF-8 text (byte {exc.start}); save it as UTF-8 GeoJSON.",
            code="not-utf8",
        ) from exc
    except json.JSONDecodeError as exc:
        raise InvalidPlacesFile(
            f"The file is not JSON: {exc.msg} at line {exc.lineno}, column "
            f"{exc.colno}.",
            code="not-json",
        ) from exc
    except (ValueError, RecursionError) as exc:
        raise InvalidPlacesFile(
            "The file is not usable JSON: it nests too deeply or holds a number "
            "too long to read.",
            code="not-json",
        ) from exc
    return _features_of(document)


def _features_of(document: Any) -> list[Any]:
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise InvalidPlacesFile(
            "The file is JSON but not a GeoJSON FeatureCollection; it must be an "
            'object with "type": "FeatureCollection" and a "features" list.',
            code="not-a-feature-collection",
        )
    features = document.get("features")
    if not isinstance(features, list):
        raise InvalidPlacesFile(
            'The FeatureCollection has no "features" list; put the features in one.',
            code="not-a-feature-collection",
        )
    return features
