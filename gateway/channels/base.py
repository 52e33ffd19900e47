"""What every channel adapter shares: the outcome of a send and its failures.

An adapter's ``send`` returns a ``Sent`` (the provider accepted the message)
or raises ``TemporaryFailure`` (worth retrying, perhaps after
``retry_after`` seconds) or ``PermanentFailure`` (never retried; the reason
is recorded). Nothing else escapes an adapter.
"""

from __future__ import annotations

from dataclasses import dataclass


class ChannelError(Exception):
    """A message could not be handed to a provider."""

    def __init__(self, reason: str, *, code: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


class TemporaryFailure(ChannelError):
    """The provider may take the message later: retry with backoff."""

    def __init__(
        self, reason: str, *, code: str, retry_after: float | None = None
    ) -> None:
        super().__init__(reason, code=code)
        self.retry_after = retry_after


class PermanentFailure(ChannelError):
    """The message can never be delivered this way: do not retry."""


@dataclass(frozen=True, slots=True)
class Sent:
    """The provider took the message; its reference, when it gives one."""

    provider_reference: str | None = None
