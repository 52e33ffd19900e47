"""Exceptions of account management."""

from __future__ import annotations


class AccountError(Exception):
    """An account, organisation or credential operation could not be done."""


class UnknownAccount(AccountError):
    """No user, organisation or credential has that name or id."""


class DuplicateAccount(AccountError):
    """A user or organisation with that name already exists."""


class InvalidAccountData(AccountError):
    """A value given for an account is malformed or not allowed."""
