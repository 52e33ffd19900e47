"""The office's library of places: administrative areas with their CAP
geocodes, shelters and evacuation routes, imported from GeoJSON and queried
for alerts.

Knows nothing of Flask or channels; only ``PlacesError`` subclasses leave it.
"""
