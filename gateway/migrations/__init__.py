"""Alembic migrations of the gateway's database; run with ``kentongan db upgrade``."""
