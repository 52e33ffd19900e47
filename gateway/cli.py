"""The ``kentongan`` command.

Errors go to stderr; exit status 1 means bad input, 2 a usage error.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from gateway.cap.errors import CapError
from gateway.cap.problems import Problem
from gateway.cap.signing import sign_message, verify_message
from gateway.cap.truststore import TrustStore
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


@main.command()
def scheduler() -> None:
    """Run the periodic jobs (expiry, feeds, delivery sweep) until interrupted.

    For a scaled-out gateway whose web processes do not run them; with
    KENTONGAN_REDIS_URL set, a second scheduler waits until the first stops.
    """
    from gateway import create_app
    from gateway.scheduler import run_scheduler

    try:
        run_scheduler(create_app())
    except ConfigError as exc:
        _fail(str(exc))


@main.command()
@click.option("--threads", default=8, show_default=True, help="Sending threads.")
def worker(threads: int) -> None:
    """Send alert deliveries from the Redis queue until stopped.

    Needs KENTONGAN_DISPATCHER=redis and KENTONGAN_REDIS_URL; run as many as
    the providers can take, on any machines sharing the database and Redis.
    """
    from gateway import create_app
    from gateway.workers import run_worker

    try:
        run_worker(create_app(), threads)
    except ConfigError as exc:
        _fail(str(exc))


@main.group()
def feeds() -> None:
    """Publish the feeds as static files."""


@feeds.command("export")
@click.argument("directory", required=False, type=click.Path(file_okay=False))
def feeds_export(directory: str | None) -> None:
    """Write the feeds and CAP files to DIRECTORY (default KENTONGAN_FEEDS_DIR).

    Files are replaced atomically, so a web server can serve the folder
    while this runs.
    """
    from gateway import create_app
    from gateway.feeds.export import export_feeds
    from gateway.runtime import runtime

    try:
        app = create_app()
        target = directory or app.config["FEEDS_DIR"]
        written = export_feeds(runtime(app).feeds, target)
    except (ConfigError, OSError) as exc:
        _fail(str(exc))
    click.echo(f"Wrote {len(written)} files to {target}.")


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


@cap.command("sign")
@click.option(
    "--key",
    "key_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="PEM private key (RSA of 2048+ bits, or EC).",
)
@click.option(
    "--cert",
    "cert_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="PEM certificate of that key (chain certificates may follow).",
)
@click.argument("file", type=click.Path(allow_dash=True))
def cap_sign(key_path: str, cert_path: str, file: str) -> None:
    """Sign a CAP 1.2 message; the signed message goes to standard output.

    The key's password, if any, is read from KENTONGAN_KEY_PASSWORD.
    """
    password = os.environ.get("KENTONGAN_KEY_PASSWORD")
    try:
        signed = sign_message(
            _read_input(file),
            Path(key_path).read_bytes(),
            Path(cert_path).read_bytes(),
            password.encode() if password else None,
        )
    except OSError as exc:
        _fail(f"cannot read {exc.filename}: {exc.strerror}")
    except CapError as exc:
        _fail(str(exc))
    sys.stdout.buffer.write(signed)


@cap.command("verify")
@click.option(
    "--trust",
    required=True,
    type=click.Path(),
    help="Trusted PEM certificate(s): a file, or a folder of .pem/.crt.",
)
@click.argument("file", type=click.Path(allow_dash=True))
def cap_verify(trust: str, file: str) -> None:
    """Verify a signed CAP message against the operator's trusted certificates.

    Exit status 0 when the signature is valid and trusted, 1 otherwise.
    """
    try:
        verified = verify_message(_read_input(file), TrustStore.load(trust))
    except OSError as exc:
        _fail(f"cannot read {exc.filename}: {exc.strerror}")
    except CapError as exc:
        _fail(f"{file}: signature NOT accepted: {exc}")
    click.echo(
        f"{file}: signature valid, signed by {verified.signer_subject} "
        f"(SHA-256 fingerprint {verified.signer_fingerprint})"
    )


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


def _fail(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


# The administration commands live in their own modules.
from gateway.cli_accounts import ACCOUNT_GROUPS  # noqa: E402
from gateway.cli_admin import ADMIN_GROUPS  # noqa: E402

for _group in (*ADMIN_GROUPS, *ACCOUNT_GROUPS):
    main.add_command(_group)

from gateway.cli_residents import RESIDENT_GROUPS  # noqa: E402

for _group in RESIDENT_GROUPS:
    main.add_command(_group)

from gateway.cli_deliveries import DELIVERY_GROUPS  # noqa: E402

for _group in DELIVERY_GROUPS:
    main.add_command(_group)

from gateway.cli_places import PLACE_GROUPS  # noqa: E402

for _group in PLACE_GROUPS:
    main.add_command(_group)

from gateway.cli_demo import DEMO_GROUPS  # noqa: E402

for _group in DEMO_GROUPS:
    main.add_command(_group)


if __name__ == "__main__":
    main()
