"""Demo data for trying the gateway on a laptop: three staff accounts, the demo
city's places, a few hundred made-up subscribers and one published alert.

Every step can run again without changing anything. The accounts' passwords
are generated once and kept in a file (mode 0600, beside the database by
default) so each run can print them again. Phone numbers are +62 812 0000 xxxx
and email addresses are @example.org: nobody real is ever messaged, and with no
provider configured the messages land in the outbox folder.
"""

from __future__ import annotations

import json
import logging
import os
import random
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.accounts import people
from gateway.accounts.actors import Actor, actor_for_user
from gateway.accounts.models import User
from gateway.accounts.passwords import hash_password, password_matches
from gateway.alerts import audit, lifecycle
from gateway.alerts.models import AlertRecord, AlertState
from gateway.alerts.publishing import record_hash
from gateway.cap import MsgType
from gateway.db import transaction, utc_now
from gateway.places import demo as demo_places
from gateway.places.importer import ImportReport as PlacesReport
from gateway.residents.importer import ImportReport as SubscribersReport
from gateway.residents.importer import import_subscribers
from gateway.runtime import runtime

logger = logging.getLogger(__name__)

ACTOR = "demo"
ACCOUNTS_FILE = "demo-accounts.txt"
ACCOUNTS = (
    ("author", "penulis@demo.kentongan.id"),
    ("approver", "penyetuju@demo.kentongan.id"),
    ("admin", "admin@demo.kentongan.id"),
)
SUBSCRIBERS_PER_DISTRICT = 60
ENGLISH_EVERY = 3
ALERT_DISTRICT = "1371030"
ALERT_HOURS = 24
DEMO_NOTE = (
    "DEMO DATA made up by 'kentongan demo seed' to show the gateway; "
    "not a real warning."
)
FAN_OUT_WAIT_SECONDS = 60
# The demo alert's words, one info block per language the console speaks.
ALERT_TEXTS = (
    {
        "language": "id-ID",
        "event": "Cuaca ekstrem",
        "headline": "[DEMO] Hujan lebat dan angin kencang di Lembah Tengah",
        "description": (
            "DATA DEMO, bukan peringatan nyata. Hujan lebat disertai angin kencang "
            "diperkirakan terjadi sore hingga malam ini."
        ),
        "instruction": (
            "Jauhi pohon besar dan papan reklame; siapkan tas siaga dan ikuti "
            "informasi resmi."
        ),
    },
    {
        "language": "en",
        "event": "Extreme weather",
        "headline": "[DEMO] Heavy rain and strong wind in Lembah Tengah",
        "description": (
            "DEMO DATA, not a real warning. Heavy rain with strong wind is expected "
            "from this afternoon into the night."
        ),
        "instruction": (
            "Keep away from large trees and billboards; pack an emergency bag and "
            "follow official information."
        ),
    },
)


class DemoError(Exception):
    """The demo data cannot be seeded."""


class DemoRefused(DemoError):
    """Seeding was refused, for example in production without ``--force``."""


@dataclass(frozen=True, slots=True)
class DemoAccount:
    """A demo staff member and their password."""

    role: str
    email: str
    password: str


@dataclass(frozen=True, slots=True)
class AccountsOutcome:
    """The demo accounts, which were added, and whose password no longer works."""

    accounts: list[DemoAccount]
    file: Path
    added: list[str]
    changed_elsewhere: list[str]


@dataclass(frozen=True, slots=True)
class AlertOutcome:
    """The live demo alert, and whether this run published it."""

    alert_id: str
    headline: str
    published_now: bool
    fan_out_finished: bool


def refuse_production(app: Flask, *, force: bool) -> None:
    """Raise ``DemoRefused`` in production unless ``force``."""
    if app.config["ENV"] == "production" and not force:
        raise DemoRefused(
            "KENTONGAN_ENV is production: demo accounts, subscribers and a demo "
            "alert do not belong there. Use --force only on a throwaway copy"
        )


def default_accounts_file(app: Flask) -> Path:
    return Path(app.instance_path) / ACCOUNTS_FILE


def seed_accounts(app: Flask, file: Path) -> AccountsOutcome:
    """The three demo staff members, with the passwords kept in ``file``."""
    fresh = not file.exists()
    accounts = generate_accounts() if fresh else read_accounts(file)
    if fresh:
        write_accounts(file, accounts)
    file.chmod(0o600)

    added, changed = [], []
    with transaction(runtime(app).sessions) as session:
        organisation = people.office(session, app.config["OFFICE_NAME"], actor=ACTOR)
        for account in accounts:
            user = people.find_user(session, account.email)
            if user is None:
                people.add_user(
                    session,
                    account.email,
                    account.password,
                    account.role,
                    actor=ACTOR,
                    organisation=organisation,
                )
                added.append(account.email)
            elif fresh:
                _reset_password(session, user, account.password)
            elif not password_matches(user.password_hash, account.password):
                changed.append(account.email)
    return AccountsOutcome(accounts, file, added, changed)


def generate_accounts() -> list[DemoAccount]:
    return [
        DemoAccount(role, email, secrets.token_urlsafe(15)) for role, email in ACCOUNTS
    ]


def write_accounts(file: Path, accounts: list[DemoAccount]) -> None:
    """Write ``file`` readable by its owner only, never over an existing one."""
    file.parent.mkdir(parents=True, exist_ok=True)
    lines = [
        "# Kentongan demo accounts, made up by 'kentongan demo seed'.",
        "# Not for production. Columns: role, email address, password.",
        *(f"{a.role} {a.email} {a.password}" for a in accounts),
    ]
    descriptor = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
        stream.write("\n".join(lines) + "\n")


def read_accounts(file: Path) -> list[DemoAccount]:
    """The accounts kept in ``file``; ``DemoError`` if one is missing."""
    found = {}
    for line in file.read_text(encoding="utf-8").splitlines():
        fields = line.split()
        if len(fields) == 3 and not line.startswith("#"):
            found[fields[0]] = DemoAccount(*fields)
    missing = [role for role, _ in ACCOUNTS if role not in found]
    if missing:
        raise DemoError(
            f"{file} lacks the demo {', '.join(missing)} account(s); remove the "
            "file and run 'kentongan demo seed' again for new passwords"
        )
    return [found[role] for role, _ in ACCOUNTS]


def seed_places(app: Flask) -> list[PlacesReport]:
    """The demo city's areas, shelters and evacuation routes."""
    return demo_places.seed_demo_places(runtime(app).sessions)


def seed_subscribers(app: Flask) -> SubscribersReport:
    """A few hundred made-up residents, the same ones on every run."""
    return import_subscribers(
        runtime(app).sessions,
        enumerate(demo_subscribers(), start=2),
        region=app.config["DEFAULT_REGION"],
    )


def demo_subscribers() -> Iterator[dict[str, str]]:
    """Subscriber rows as the CSV import reads them: SMS and email alternately,
    one in three in English, each at a point inside its district."""
    chance = random.Random(1371)
    serial = 0
    for code, district in sorted(_districts().items()):
        for _ in range(SUBSCRIBERS_PER_DISTRICT):
            serial += 1
            lat, lon = _point_inside(district, chance)
            yield {
                "channel": "sms" if serial % 2 else "email",
                "address": _address(serial),
                "language": "en" if serial % ENGLISH_EVERY == 0 else "id-ID",
                "lat": f"{lat:.5f}",
                "lon": f"{lon:.5f}",
                "areas": code,
                "groups": "",
            }


def seed_alert(app: Flask, accounts: list[DemoAccount]) -> AlertOutcome:
    """Keep the live demo alert, or have the demo author write one and the
    demo approver publish it, and wait for its fan-out."""
    by_role = {account.role: account for account in accounts}
    author, approver = _actor(app, by_role["author"]), _actor(app, by_role["approver"])
    sessions = runtime(app).sessions
    with transaction(sessions) as session:
        live = _live_demo_alert(session, author)
        if live is not None:
            return AlertOutcome(live.id, live.headline or "", False, True)
        record = lifecycle.create_draft(session, author, demo_alert_content(app))
        alert_id = record.id
    with transaction(sessions) as session:
        lifecycle.submit(session, author, alert_id)
    with transaction(sessions) as session:
        reviewed = record_hash(lifecycle.lock_alert(session, alert_id))
        published = lifecycle.approve(
            session, approver, alert_id, reviewed, runtime(app).publishing
        )
        headline = published.headline or ""

    finished = runtime(app).dispatcher.wait_idle(FAN_OUT_WAIT_SECONDS)
    logger.info("demo alert published alert_id=%s", alert_id)
    return AlertOutcome(alert_id, headline, True, finished)


def demo_alert_content(app: Flask) -> dict[str, Any]:
    """An extreme-weather warning for one demo district, in both languages."""
    zone = runtime(app).publishing.timezone
    expires = (utc_now() + timedelta(hours=ALERT_HOURS)).astimezone(zone)
    district = _districts()[ALERT_DISTRICT]
    area = {
        "areaDesc": "Kecamatan Lembah Tengah",
        "polygons": [_polygon(district)],
        "geocodes": [{"valueName": "BPS", "value": ALERT_DISTRICT}],
    }
    common = {
        "categories": ["Met"],
        "responseTypes": ["Prepare"],
        "urgency": "Expected",
        "severity": "Severe",
        "certainty": "Likely",
        "expires": expires.replace(microsecond=0).isoformat(),
        "senderName": "Kentongan (demo)",
        "areas": [area],
    }
    return {
        "status": "Actual",
        "scope": "Public",
        "note": DEMO_NOTE,
        "infos": [{**common, **info} for info in ALERT_TEXTS],
    }


def _reset_password(session: Session, user: User, password: str) -> None:
    """Give a demo user the new password of a regenerated accounts file."""
    user.password_hash = hash_password(password)
    audit.record(
        session,
        "user.password_changed",
        actor=ACTOR,
        subject=f"user:{user.id}",
        details={"reason": "demo accounts file regenerated"},
    )


def _actor(app: Flask, account: DemoAccount) -> Actor:
    with transaction(runtime(app).sessions) as session:
        return actor_for_user(people.require_user(session, account.email))


def _live_demo_alert(session: Session, author: Actor) -> AlertRecord | None:
    """The demo author's published, unexpired demo alert, if any."""
    found = session.scalars(
        select(AlertRecord).where(
            AlertRecord.created_by == author.label,
            AlertRecord.state == str(AlertState.PUBLISHED),
            AlertRecord.msg_type != str(MsgType.CANCEL),
            AlertRecord.expires > utc_now(),
        )
    )
    return next(
        (record for record in found if (record.content or {}).get("note") == DEMO_NOTE),
        None,
    )


def _districts() -> dict[str, BaseGeometry]:
    """The demo districts' shapes by area code."""
    collection = json.loads(demo_places.AREAS_FILE.read_text(encoding="utf-8"))
    return {
        feature["properties"]["code"]: shape(feature["geometry"])
        for feature in collection["features"]
        if feature["properties"].get("level") == "district"
    }


def _point_inside(district: BaseGeometry, chance: random.Random) -> tuple[float, float]:
    """A random (lat, lon) inside ``district``."""
    west, south, east, north = district.bounds
    while True:
        lon, lat = chance.uniform(west, east), chance.uniform(south, north)
        if district.contains(Point(lon, lat)):
            return lat, lon


def _polygon(district: BaseGeometry) -> list[list[float]]:
    """The largest ring of ``district`` as CAP (lat, lon) pairs."""
    parts = getattr(district, "geoms", [district])
    largest = max(parts, key=lambda part: part.area)
    return [[lat, lon] for lon, lat in largest.exterior.coords]


def _address(serial: int) -> str:
    """A made-up phone number or email address; odd serials get a phone."""
    if serial % 2:
        return f"+62 812 0000 {serial:04d}"
    return f"warga{serial:04d}@example.org"
