"""Password hashing with Argon2id (argon2-cffi's recommended parameters)."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_PASSWORD_LENGTH = 12
_hasher = PasswordHasher()


class WeakPassword(ValueError):
    """A new password is too short to protect an alerting account."""


def hash_password(password: str) -> str:
    """An Argon2id hash of ``password``, refusing passwords that are too short."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(
            f"The password has {len(password)} characters; use at least "
            f"{MIN_PASSWORD_LENGTH}, for example a few random words"
        )
    return _hasher.hash(password)


def password_matches(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def dummy_check(password: str) -> None:
    """Spend the time of one check, so unknown accounts answer no faster."""
    password_matches(_dummy_hash(), password)


@cache
def _dummy_hash() -> str:
    return _hasher.hash("a password that belongs to no account")
