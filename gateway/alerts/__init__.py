"""Alert records and their lifecycle: drafts, approval, publication, Update and
Cancel chains, expiry, and the append-only audit log.

Knows nothing of HTTP or channel protocols; callers pass a SQLAlchemy session
and the actor doing the work.
"""
