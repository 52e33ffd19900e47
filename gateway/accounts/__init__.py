"""Organisations, people and their credentials: who may do what.

Knows nothing of HTTP. Secrets are shown once and stored only as hashes:
passwords with Argon2id, API tokens and keys (long random strings) with
SHA-256.
"""
