"""Rate limits on the API, counted in Redis when ``KENTONGAN_REDIS_URL`` is set
(so every process shares them) and in memory otherwise, with the ``limits``
library's moving window.

Two limits: requests per caller (``KENTONGAN_API_RATE_LIMIT``), and refused
credentials per address (``KENTONGAN_AUTH_FAILURE_LIMIT``), which slows the
guessing of tokens and keys. Only API requests pay for them.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request
from limits import RateLimitItem

from gateway.api.auth import caller_key
from gateway.api.problems import problem_response
from gateway.windows import open_windows, read_limit

EXTENSION = "kentongan.limits"


class ApiLimits:
    """The two limits of one app and the storage that counts them."""

    def __init__(self, app: Flask) -> None:
        self.windows = open_windows(app.config)
        self.per_caller = read_limit(app.config, "API_RATE_LIMIT")
        self.refusals = read_limit(app.config, "AUTH_FAILURE_LIMIT")

    def check(self) -> Response | None:
        """Before a view: a 429 when either limit is used up."""
        address = _address()
        if not self.windows.test(self.refusals, "refused", address):
            return self._too_many(self.refusals, "refused", address)
        caller = caller_key()
        if not self.windows.hit(self.per_caller, "api", caller):
            return self._too_many(self.per_caller, "api", caller)
        return None

    def count_refusal(self, response: Response) -> Response:
        """After a view: a 401 counts against the caller's address."""
        if response.status_code == 401:
            self.windows.hit(self.refusals, "refused", _address())
        return response

    def _too_many(self, limit: RateLimitItem, scope: str, key: str) -> Response:
        wait = self.windows.seconds_left(limit, scope, key)
        return problem_response(
            429,
            "rate-limited",
            f"Too many requests ({limit}); try again in {wait} seconds",
            headers={"Retry-After": str(wait)},
        )


def install_limits(app: Flask) -> None:
    app.extensions[EXTENSION] = ApiLimits(app)


def check_limits() -> Response | None:
    """Run before the API's caller check (see ``gateway.api``)."""
    limits: ApiLimits = current_app.extensions[EXTENSION]
    return limits.check()


def count_refusal(response: Response) -> Response:
    limits: ApiLimits = current_app.extensions[EXTENSION]
    return limits.count_refusal(response)


def _address() -> str:
    return f"address:{request.remote_addr}"
