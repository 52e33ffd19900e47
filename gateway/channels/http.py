"""What the HTTP-speaking adapters share: one requests session per thread, and
transport errors (timeouts, refused connections) as temporary failures."""

from __future__ import annotations

import threading

import requests

from gateway.channels.base import TemporaryFailure


class ThreadSessions:
    """A requests session for each thread: sessions are not thread-safe.

    The sessions read nothing from the environment: no ``*_PROXY`` variables
    and no ``.netrc``, which requests would otherwise look up on every single
    request (a quarter of a send's CPU time), and which could hand a
    provider's traffic or credentials to a place the operator did not choose.

    Known gap: there is no setting for an outbound proxy, so an installation
    whose traffic must pass one cannot reach its SMS or push providers.
    """

    def __init__(self) -> None:
        self._local = threading.local()

    def get(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            session.trust_env = False
        return session


def transport_failure(error: requests.RequestException, peer: str) -> TemporaryFailure:
    """A timeout or unreachable ``peer`` ("The endpoint", …) as a failure to retry.

    The error's own text is left out: it can hold credentials from the URL.
    """
    if isinstance(error, requests.Timeout):
        return TemporaryFailure(
            f"{peer} did not answer in time; the message will be sent again.",
            code="timeout",
        )
    return TemporaryFailure(
        f"{peer} could not be reached ({type(error).__name__}); the message will "
        "be sent again.",
        code="connection-failed",
    )
