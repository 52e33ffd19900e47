"""Residents who receive alerts: their subscriptions, the CSV import, the
changes staff make one subscriber at a time, and the targeting that picks who
an alert reaches.

Knows nothing of channels or deliveries; only ``ResidentError`` subclasses
leave this package.
"""
