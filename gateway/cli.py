"""The ``kentongan`` command.

Errors go to stderr; exit status 1 means bad input, 2 a usage error.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from gateway.cap.problems import Problem
from gateway.cap.validation import validate
from gateway.config import ConfigError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Kentongan, a public alert gateway for CAP 1.2 alerts."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=8000, show_default=True, help="Port to listen on.")
@click.option("--threads", default=8, show_default=True, help="Request threads.")
def serve(host: str, port: int, threads: int) -> None:
    """Serve the gateway with gunicorn (one process, several threads)."""
    from gateway.server import run_server

    try:
        run_server(host, port, threads)
    except ConfigError as exc:
        _fail(str(exc))


@main.group()
def cap() -> None:
    """Check, sign and verify CAP messages."""


@cap.command("validate")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per file.")
@click.argument("files", nargs=-1, required=True, type=click.Path(allow_dash=True))
def cap_validate(as_json: bool, files: tuple[str, ...]) -> None:
    """Validate CAP messages; FILE may be - for standard input.

    Exit status 0 when every file is valid (warnings allowed), 1 otherwise.
    """
    all_valid = True
    for name in files:
        problems = _validate_file(name)
        valid = not any(problem.is_error for problem in problems)
        all_valid = all_valid and valid
        if as_json:
            _print_json(name, valid, problems)
        else:
            _print_text(name, valid, problems)
    sys.exit(0 if all_valid else 1)


def _validate_file(name: str) -> list[Problem]:
    try:
        data = _read_input(name)
    except OSError as exc:
        return [Problem("unreadable-file", "/", f"Cannot read {name}: {exc.strerror}")]
    return validate(data)


def _read_input(name: str) -> bytes:
    if name == "-":
        return sys.stdin.buffer.read()
    return Path(name).read_bytes()


def _print_json(name: str, valid: bool, problems: list[Problem]) -> None:
    record: dict[str, Any] = {
        "file": name,
        "valid": valid,
        "problems": [problem.as_dict() for problem in problems],
    }
    click.echo(json.dumps(record, ensure_ascii=False))


def _print_text(name: str, valid: bool, problems: list[Problem]) -> None:
    verdict = "valid" if valid else "INVALID"
    click.echo(f"{name}: {verdict}")
    for problem in problems:
        line = f" line {problem.line}" if problem.line else ""
        click.echo(
            f"  {problem.severity}: {problem.location}{line}: {problem.message} "
            f"[{problem.code}]"
        )


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


if __name__ == "__main__":
    main()
