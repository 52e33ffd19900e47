"""Exceptions of the residents package; each carries a stable ``code``."""

from __future__ import annotations

from gateway.refusals import Refusal


class ResidentError(Refusal):
    """A subscription was refused; ``code`` is stable, the message for people.

    ``location`` is a JSON pointer to the field at fault (``/`` for the whole
    subscription); ``problems`` lists every fault when there is more than one.
    """


class InvalidSubscription(ResidentError):
    """A field of a subscription (address, language, place, group) is unusable."""


class InvalidImportFile(ResidentError):
    """A subscribers file cannot be read at all (missing columns, not CSV)."""


class SubscriberNotFound(ResidentError):
    """No subscriber has that id (or the subscriber was removed)."""


class DuplicateSubscriber(ResidentError):
    """Another subscriber already has this channel and address."""

    def __init__(self, message: str, *, existing_id: int) -> None:
        super().__init__(message, code="duplicate-subscriber")
        self.existing_id = existing_id
