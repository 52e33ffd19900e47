"""Open feeds of active alerts: Atom and RSS built with feedgen, each CAP
message at a stable URL, conditional GET, and a static export for a CDN.

Feeds are rendered once per change and kept in memory; every URL in them is
absolute under ``KENTONGAN_PUBLIC_URL``, so what the app serves and what it
exports are the same bytes.
"""
