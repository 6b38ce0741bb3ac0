"""The event store: eventsourcing + eventsourcing-sqlalchemy on SQLite or PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from eventsourcing.persistence import JSONTranscoder, StoredEvent, Transcoding
from eventsourcing_sqlalchemy.factory import SQLAlchemyFactory
from eventsourcing_sqlalchemy.recorders import SQLAlchemyApplicationRecorder
from sqlalchemy import insert
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session

from orgchange.domain.changes import CHANGE_TYPES, Change, change_from_canonical
from orgchange.domain.errors import OrgChangeError


class DatabaseConfigError(OrgChangeError):
    """The database URL cannot be used."""


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class ChangeAsFileEntry(Transcoding):
    """A change is stored exactly as it would be written in a change file."""

    def __init__(self, change_class: type[Change]):
        self.type = change_class
        self.name = f"change:{change_class.TYPE}"

    def encode(self, obj: Change) -> dict[str, Any]:
        return obj.canonical()

    def decode(self, data: dict[str, Any]) -> Change:
        return change_from_canonical(data)


def register_transcodings(transcoder: JSONTranscoder) -> None:
    transcoder.register(DateAsISO())
    for change_class in CHANGE_TYPES:
        transcoder.register(ChangeAsFileEntry(change_class))


class BulkInsertRecorder(SQLAlchemyApplicationRecorder):
    """eventsourcing-sqlalchemy's recorder, inserting a transaction's events in one statement.

    The stock recorder adds one ORM object per event and flushes the session; for
    a file of 100,000 changes that is most of the time of an import. Here the
    events go in as one executemany of a Core INSERT … RETURNING id (SQLAlchemy's
    "insertmanyvalues": multi-row VALUES in batches), with the ids returned in the
    order of the events. Everything else — the table lock that keeps notification
    ids in commit order on PostgreSQL, NOTIFY, the shared session — is the stock
    recorder's.
    """

    def _insert_stored_events(
        self, session: Session, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int]:
        if not stored_events:
            return []
        table = self.events_record_cls.__table__  # type: ignore[attr-defined]
        if self._has_autoincrementing_ids:
            self._lock_table(session)
        rows = [
            {
                "originator_id": e.originator_id,
                "originator_version": e.originator_version,
                "topic": e.topic,
                "state": e.state,
            }
            for e in stored_events
        ]
        statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        ids = list(session.execute(statement, rows).scalars())
        self._notify_channel(session)
        return ids


class EventStoreFactory(SQLAlchemyFactory):
    """The eventsourcing-sqlalchemy persistence module, with the bulk-inserting recorder."""

    application_recorder_class = BulkInsertRecorder


def normalise_database_url(url: str) -> str:
    """Check the URL and pick the drivers orgchange ships with (sqlite3, psycopg 3)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseConfigError(
            f"cannot read the database URL {url!r}; use sqlite:///FILE or "
            "postgresql+psycopg://USER@HOST/DATABASE"
        ) from None
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    elif backend == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            raise DatabaseConfigError(
                "an in-memory SQLite database would forget the register; give a file: sqlite:///orgchange.db"
            )
        parsed = parsed.set(drivername="sqlite")
        if "timeout" not in parsed.query:
            # Wait for another writer's lock instead of failing at once.
            parsed = parsed.update_query_dict({"timeout": "30"})
    else:
        raise DatabaseConfigError(f"orgchange stores its register in SQLite or PostgreSQL, not {backend!r}")
    return parsed.render_as_string(hide_password=False)


def event_store_environment(database_url: str) -> dict[str, str]:
    """The eventsourcing settings (named explicitly, so stray variables cannot interfere)."""
    return {
        "PERSISTENCE_MODULE": f"{__name__}:{EventStoreFactory.__name__}",
        "SQLALCHEMY_URL": normalise_database_url(database_url),
        "CREATE_TABLE": "y",
        # One register per database: keep it in memory and fast-forward it from
        # the store before each command, so a write costs the same however long
        # the history is.
        "AGGREGATE_CACHE_MAXSIZE": "1",
        "AGGREGATE_CACHE_FASTFORWARD": "y",
        "DEEPCOPY_FROM_AGGREGATE_CACHE": "y",
    }
