"""The base of the errors that refuse what a person or a partner asked for."""

from __future__ import annotations

from gateway.cap.problems import Problem


class Refusal(Exception):
    """A request was refused: ``code`` is stable, ``message`` is for people,
    ``location`` a JSON pointer to the field at fault (``/`` for the whole),
    and ``problems`` lists every fault when there is more than one."""

    def __init__(
        self,
        message: str,
        *,
        code: str,
        location: str = "/",
        problems: list[Problem] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.location = location
        self.problems = problems or []
