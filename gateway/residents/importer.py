"""Importing subscribers from CSV: checked row by row, stored in batches.

The header names the columns ``channel,address,language,lat,lon,areas,groups``
in any order; other columns are ignored, so a rejects file with its ``row`` and
``reason`` columns can be corrected and imported again. Rows are numbered as a
spreadsheet shows them: the header is row 1. Importing the same file twice
changes nothing: rows are upserted on (channel, address), an existing
subscriber's area codes and drill groups are replaced by the file's, and an
opt-out is never undone by an import. Imported subscribers count as verified:
the office vouches for its own list.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO

from sqlalchemy import (
    ColumnElement,
    Table,
    and_,
    delete,
    insert,
    or_,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from gateway.db import is_postgresql, transaction, utc_now
from gateway.residents.addresses import Address, normalise_address, parse_channel
from gateway.residents.errors import InvalidImportFile, InvalidSubscription
from gateway.residents.fields import (
    normalise_language,
    parse_groups,
    parse_point,
    parse_tags,
)
from gateway.residents.models import Subscriber, SubscriberTag, TagKind

logger = logging.getLogger(__name__)

COLUMNS = ("channel", "address", "language", "lat", "lon", "areas", "groups")
BATCH_SIZE = 1000

Key = tuple[str, str]


@dataclass(frozen=True, slots=True)
class SubscriberRow:
    """One accepted row, in canonical form."""

    address: Address
    language: str | None
    lat: float | None
    lon: float | None
    areas: tuple[str, ...]
    groups: tuple[str, ...]

    @property
    def key(self) -> Key:
        return (str(self.address.channel), self.address.address)


@dataclass(frozen=True, slots=True)
class Rejection:
    """A row left out, with its number in the file and the reason."""

    row: int
    code: str
    reason: str
    values: dict[str, str]


@dataclass(slots=True)
class ImportReport:
    """What happened to every row read: ``read == accepted + rejected``."""

    read: int = 0
    added: int = 0
    updated: int = 0
    duplicates: int = 0
    batches: int = 0
    rejections: list[Rejection] = field(default_factory=list)

    @property
    def accepted(self) -> int:
        return self.added + self.updated + self.duplicates

    @property
    def rejected(self) -> int:
        return len(self.rejections)


def read_rows(stream: TextIO) -> Iterator[tuple[int, dict[str, str]]]:
    """Each data row of a subscribers CSV with its row number (the header is 1)."""
    reader = csv.reader(stream)
    header = [name.strip().lower() for name in next(reader, [])]
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        raise InvalidImportFile(
            f"The header lacks the column(s) {', '.join(missing)}; the first line "
            f"must name {','.join(COLUMNS)}.",
            code="missing-columns",
        )

    positions = {name: header.index(name) for name in COLUMNS}
    for number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        yield (
            number,
            {
                name: cells[index] if index < len(cells) else ""
                for name, index in positions.items()
            },
        )


def count_rows(stream: TextIO) -> int:
    """How many data rows ``read_rows`` will yield; the stream is rewound."""
    start = stream.tell()
    rows = sum(1 for cells in csv.reader(stream) if any(c.strip() for c in cells))
    stream.seek(start)
    return max(rows - 1, 0)


def parse_row(
    values: dict[str, str], *, region: str, allow_loopback: bool = False
) -> SubscriberRow:
    """The canonical subscriber a row describes, or ``InvalidSubscription``."""
    channel = parse_channel(values["channel"])
    address = normalise_address(
        channel, values["address"], region=region, allow_loopback=allow_loopback
    )
    lat, lon = parse_point(values["lat"], values["lon"])
    return SubscriberRow(
        address=address,
        language=normalise_language(values["language"]),
        lat=lat,
        lon=lon,
        areas=parse_tags(values["areas"], "area code"),
        groups=parse_groups(values["groups"]),
    )


def import_subscribers(
    sessions: sessionmaker[Session],
    rows: Iterable[tuple[int, dict[str, str]]],
    *,
    region: str,
    allow_loopback: bool = False,
    batch_size: int = BATCH_SIZE,
    on_progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Check and store ``rows``, one transaction per batch; what became of each."""
    report = ImportReport()
    seen: set[Key] = set()
    batch: list[SubscriberRow] = []
    for number, values in rows:
        report.read += 1
        try:
            batch.append(
                parse_row(values, region=region, allow_loopback=allow_loopback)
            )
        except InvalidSubscription as exc:
            report.rejections.append(Rejection(number, exc.code, exc.message, values))
        if len(batch) >= batch_size:
            _store(sessions, batch, seen, report)
            batch = []
        if on_progress is not None and report.read % batch_size == 0:
            on_progress(report.read)

    _store(sessions, batch, seen, report)
    if on_progress is not None:
        on_progress(report.read)
    logger.info(
        "subscribers imported read=%d added=%d updated=%d duplicates=%d rejected=%d",
        report.read,
        report.added,
        report.updated,
        report.duplicates,
        report.rejected,
    )
    return report


def store_batch(session: Session, batch: list[SubscriberRow]) -> set[Key]:
    """Upsert ``batch`` and replace its tags; the keys that existed before."""
    latest = {row.key: row for row in batch}
    existing = _existing_keys(session, list(latest))
    now = utc_now()
    session.execute(_upsert(session), [_columns(row, now) for row in latest.values()])

    ids = _ids_by_key(session, list(latest))
    session.execute(
        delete(SubscriberTag).where(SubscriberTag.subscriber_id.in_(ids.values()))
    )
    tags = [tag for key, row in latest.items() for tag in _tags(ids[key], row)]
    if tags:
        session.execute(insert(_table(SubscriberTag)), tags)
    return existing


def _store(
    sessions: sessionmaker[Session],
    batch: list[SubscriberRow],
    seen: set[Key],
    report: ImportReport,
) -> None:
    if not batch:
        return
    with transaction(sessions) as session:
        existing = store_batch(session, batch)
    report.batches += 1
    if report.batches & (report.batches - 1) == 0:
        _refresh_statistics(sessions)

    first = {row.key for row in batch} - seen
    report.duplicates += len(batch) - len(first)
    report.updated += len(first & existing)
    report.added += len(first - existing)
    seen.update(first)


def _refresh_statistics(sessions: sessionmaker[Session]) -> None:
    """Let PostgreSQL's planner see the grown tables (after batch 1, 2, 4, …).

    On a table it has never analysed, the planner expects a handful of rows and
    matches the (channel, address) index on the channel alone, checking every
    address of the channel against the batch: quadratic in the import's size.
    """
    with transaction(sessions) as session:
        if is_postgresql(session):
            session.execute(text("ANALYZE subscribers, subscriber_tags"))


def _upsert(session: Session) -> Any:
    dialect = session.get_bind().dialect.name
    module: Any = postgresql if dialect == "postgresql" else sqlite
    statement = module.insert(_table(Subscriber))
    kept = ("push_keys", "webhook_secret", "language", "lat", "lon", "updated_at")
    changes = {name: statement.excluded[name] for name in kept}
    changes["verified"] = statement.excluded.verified
    return statement.on_conflict_do_update(
        index_elements=["channel", "address"], set_=changes
    )


def _table(model: type[Subscriber] | type[SubscriberTag]) -> Table:
    """The model's table, so bulk statements skip the ORM's per-row work."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


def _columns(row: SubscriberRow, now: Any) -> dict[str, Any]:
    return {
        "channel": str(row.address.channel),
        "address": row.address.address,
        "push_keys": row.address.push_keys,
        "webhook_secret": row.address.webhook_secret,
        "language": row.language,
        "lat": row.lat,
        "lon": row.lon,
        "verified": True,
        "created_at": now,
        "updated_at": now,
    }


def _tags(subscriber_id: int, row: SubscriberRow) -> Iterator[dict[str, Any]]:
    for kind, values in ((TagKind.AREA, row.areas), (TagKind.GROUP, row.groups)):
        for value in values:
            yield {"subscriber_id": subscriber_id, "kind": str(kind), "value": value}


def _existing_keys(session: Session, keys: list[Key]) -> set[Key]:
    found = session.execute(
        select(Subscriber.channel, Subscriber.address).where(_having_keys(keys))
    )
    return {(channel, address) for channel, address in found}


def _ids_by_key(session: Session, keys: list[Key]) -> dict[Key, int]:
    found = session.execute(
        select(Subscriber.channel, Subscriber.address, Subscriber.id).where(
            _having_keys(keys)
        )
    )
    return {(channel, address): id_ for channel, address, id_ in found}


def _having_keys(keys: list[Key]) -> ColumnElement[bool]:
    """``(channel, address) IN keys`` written so both index columns are used.

    PostgreSQL matches a row-value IN list on the channel alone and filters the
    addresses one by one, which makes a large import quadratic.
    """
    by_channel: dict[str, list[str]] = {}
    for channel, address in keys:
        by_channel.setdefault(channel, []).append(address)
    return or_(
        *(
            and_(Subscriber.channel == channel, Subscriber.address.in_(addresses))
            for channel, addresses in by_channel.items()
        )
    )
