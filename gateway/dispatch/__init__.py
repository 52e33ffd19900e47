"""Fan-out: which residents an alert reaches, one delivery row each, batches of
rows worked with leases, retries, and a sweeper that rebuilds lost work from
SQL. Knows nothing of provider wire formats (those are ``gateway.channels``).
"""
