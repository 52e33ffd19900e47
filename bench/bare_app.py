"""A bare Flask app returning fixed bytes: the yardstick for the feed benchmark.

``KENTONGAN_BENCH_BODY`` names the file whose bytes it serves at ``/feed``.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, Response

app = Flask(__name__)
BODY = Path(os.environ["KENTONGAN_BENCH_BODY"]).read_bytes()


@app.get("/feed")
def feed() -> Response:
    return Response(BODY, content_type="application/atom+xml")
