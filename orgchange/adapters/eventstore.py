"""The event store: eventsourcing + eventsourcing-sqlalchemy on SQLite or PostgreSQL."""

from __future__ import annotations

import time
import weakref
from collections.abc import Hashable, Sequence
from datetime import date
from typing import Any, cast
from uuid import UUID

from eventsourcing.persistence import (
    JSONTranscoder,
    Mapper,
    MapperDeserialisationError,
    Notification,
    StoredEvent,
    Transcoding,
    find_id_convertor,
)
from eventsourcing.utils import get_topic, resolve_topic
from eventsourcing_sqlalchemy.datastore import SQLAlchemyDatastore
from eventsourcing_sqlalchemy.factory import SQLAlchemyFactory
from eventsourcing_sqlalchemy.recorders import SQLAlchemyApplicationRecorder
from sqlalchemy import Engine, LargeBinary, event, func, select, type_coerce
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.orm import Session

from orgchange.adapters.bulk import bulk_insert
from orgchange.adapters.decoding import BulkDecoder
from orgchange.domain.changes import CHANGE_TYPES, Change, change_from_canonical
from orgchange.domain.errors import OrgChangeError
from orgchange.domain.messages import text
from orgchange.domain.versions import CHANGE_SCHEMA_VERSION, StoredByNewerVersion, upcast_change_entry


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
    """A change is stored exactly as it would be written in a change file, with its version.

    Stored: `{"schema": N, "entry": {…the change-file entry…}}`. Versions up to 0.1.0 stored
    the entry alone (it has a `type`; the envelope has none): version 1. An entry of an
    older version goes through the upcasters (`orgchange.domain.versions`) before it is read.
    """

    def __init__(self, change_class: type[Change]):
        self.type = change_class
        self.name = f"change:{change_class.TYPE}"

    def encode(self, obj: Change) -> dict[str, Any]:
        return {"schema": CHANGE_SCHEMA_VERSION, "entry": obj.canonical()}

    def decode(self, data: dict[str, Any]) -> Change:
        if "type" in data:  # as 0.1.0 and earlier stored it
            return change_from_canonical(upcast_change_entry(data, 1))
        return change_from_canonical(upcast_change_entry(data["entry"], data["schema"]))


class VersionedMapper(Mapper):
    """eventsourcing's mapper, writing every event's class version (the library leaves out 1).

    Reading is the library's: a missing version is 1, and `upcast_vN_vN+1` bring it up.
    """

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        # The library's own steps (eventsourcing.persistence.Mapper), with the version always in.
        event_state = dict(vars(domain_event))
        originator_id = event_state.pop("originator_id")
        originator_version = event_state.pop("originator_version")
        event_state["class_version"] = getattr(type(domain_event), "class_version", 1)
        stored_state = self.transcoder.encode(event_state)
        if self.compressor:
            stored_state = self.compressor.compress(stored_state)
        if self.cipher:
            stored_state = self.cipher.encrypt(stored_state)
        return StoredEvent(
            originator_id=originator_id,
            originator_version=originator_version,
            topic=get_topic(type(domain_event)),
            state=stored_state,
        )

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        # The library's own steps, refusing an event of a class version this code does not know
        # (the library would skip the upcasters and misread it).
        cls = resolve_topic(stored_event.topic)
        stored_state = stored_event.state
        try:
            if self.cipher:
                stored_state = self.cipher.decrypt(stored_state)
            if self.compressor:
                stored_state = self.compressor.decompress(stored_state)
            event_state: dict[str, Any] = self.transcoder.decode(stored_state)
        except StoredByNewerVersion:
            raise
        except Exception as error:
            raise MapperDeserialisationError(
                f"Failed to deserialise state of stored event with topic '{stored_event.topic}', "
                f"originator_id '{stored_event.originator_id}' and "
                f"originator_version {stored_event.originator_version}: {error}"
            ) from error
        convert = find_id_convertor(cls, cast(Hashable, type(stored_event.originator_id)))
        event_state["originator_id"] = convert(stored_event.originator_id)
        event_state["originator_version"] = stored_event.originator_version
        class_version = getattr(cls, "class_version", 1)
        from_version = event_state.pop("class_version", 1)
        if from_version > class_version:
            raise StoredByNewerVersion(
                text("DATABASE_TOO_NEW:event", name=cls.__qualname__), from_version, class_version
            )
        while from_version < class_version:
            getattr(cls, f"upcast_v{from_version}_v{from_version + 1}")(event_state)
            from_version += 1
        domain_event = object.__new__(cls)
        object.__setattr__(domain_event, "__dict__", event_state)
        return domain_event

    def decode_many(self, stored_events: Sequence[StoredEvent]) -> list[Any]:
        """The events of `stored_events`, as `to_domain_event` gives them, decoded together:
        what they share converted once (`decoding.BulkDecoder`), for a read of the whole register."""
        if self.cipher or self.compressor or not isinstance(self.transcoder, JSONTranscoder):
            return [self.to_domain_event(stored) for stored in stored_events]
        decoder = self._bulk_decoder
        if decoder is None:
            decoder = self._bulk_decoder = BulkDecoder(self.transcoder, self.to_domain_event)
        return decoder.decode(stored_events)

    _bulk_decoder: BulkDecoder | None = None


def register_transcodings(transcoder: JSONTranscoder) -> None:
    transcoder.register(DateAsISO())
    for change_class in CHANGE_TYPES:
        transcoder.register(ChangeAsFileEntry(change_class))


class BulkInsertRecorder(SQLAlchemyApplicationRecorder):
    """eventsourcing-sqlalchemy's recorder, inserting a transaction's events in bulk.

    The stock recorder adds one ORM object per event and flushes the session; for
    a file of 100,000 changes that is most of the time of an import. Here the
    events go to the driver's own bulk path (`bulk_insert`: COPY on PostgreSQL,
    executemany on SQLite) while the recorder holds the table's write lock — the
    stock recorder's EXCLUSIVE lock on PostgreSQL, which also keeps notification
    ids in commit order, and SQLite's one writer — so the rows above the highest
    id before the insert are exactly these events, and their ids are read back
    in one query. NOTIFY and the shared session are the stock recorder's.
    """

    def create_table(self) -> None:
        # Processes started together on an empty PostgreSQL database: both see no table, one
        # makes it, the other's CREATE TABLE fails; a look again then finds it made.
        for attempt in range(5):
            try:
                super().create_table()
                return
            except DBAPIError:
                if attempt == 4:
                    raise
                time.sleep(0.1 * (attempt + 1))

    def _insert_stored_events(
        self, session: Session, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int]:
        if not stored_events:
            return []
        table = self.events_record_cls.__table__
        if self._has_autoincrementing_ids:
            self._lock_table(session)
        connection = session.connection()
        before = connection.execute(select(func.max(table.c.id))).scalar() or 0
        # The column's own conversion of a UUID costs more than inserting the row: once per aggregate.
        as_stored = {e.originator_id: _stored_uuid(e.originator_id, connection) for e in stored_events}
        rows = [
            {
                "originator_id": as_stored[e.originator_id],
                "originator_version": e.originator_version,
                "topic": e.topic,
                "state": e.state,
            }
            for e in stored_events
        ]
        bulk_insert(connection, table, rows, ready={"originator_id"})
        # By (aggregate, version), which is unique: rows another writer added since `before`
        # (if the lock did not keep them out) cannot be taken for these. The search is a range
        # of the unique index of (aggregate, version) from the lowest version inserted: with
        # `id > before` alone it walked every event of the aggregate (the register is one
        # aggregate: at 200,000 changes, 16 ms of a 22 ms write).
        ids: dict[tuple[UUID | str, int], int] = {}
        marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"
        lowest: dict[UUID | str, int] = {}
        for e in stored_events:
            version = e.originator_version
            lowest[e.originator_id] = min(version, lowest.get(e.originator_id, version))
        for originator, stored in as_stored.items():
            found = connection.exec_driver_sql(
                f"SELECT originator_version, id FROM {table.name} "
                f"WHERE originator_id = {marker} AND originator_version >= {marker} AND id > {marker}",
                (stored, lowest[originator], before),
            ).fetchall()
            ids.update({(originator, version): id_ for version, id_ in found})
        self._notify_channel(session)
        return [ids[(e.originator_id, e.originator_version)] for e in stored_events]

    # Reading: Core queries instead of ORM objects (a register is read whole at start-up and
    # by every rebuild, and an ORM object per event costs more than decoding the event).

    def select_events(
        self,
        originator_id: UUID | str,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> list[StoredEvent]:
        table = self.events_record_cls.__table__
        query = select(*self._stored_columns(table)).where(table.c.originator_id == originator_id)
        if gt is not None:
            query = query.where(table.c.originator_version > gt)
        if lte is not None:
            query = query.where(table.c.originator_version <= lte)
        version = table.c.originator_version
        query = query.order_by(version.desc() if desc else version).limit(limit)
        uuids = _Uuids()
        with self.transaction(commit=False) as session:
            return [
                StoredEvent(originator_id=uuids(o), originator_version=v, topic=t, state=bytes(s))
                for _, o, v, t, s in session.execute(query)
            ]

    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> list[Notification]:
        table = self.events_record_cls.__table__
        query = select(*self._stored_columns(table))
        if start is not None:
            query = query.where(table.c.id >= start if inclusive_of_start else table.c.id > start)
        if stop is not None:
            query = query.where(table.c.id <= stop)
        if topics:
            query = query.where(table.c.topic.in_(topics))
        query = query.order_by(table.c.id).limit(limit)
        uuids = _Uuids()
        with self.transaction(commit=False) as session:
            return [
                Notification(id=i, originator_id=uuids(o), originator_version=v, topic=t, state=bytes(s))
                for i, o, v, t, s in session.execute(query)
            ]

    def _stored_columns(self, table: Any) -> list[Any]:
        """id, originator id (as the driver gives it), version, topic, state."""
        engine = self.datastore.engine
        assert engine is not None  # the datastore is made from the database URL
        raw = PG_UUID(as_uuid=True) if engine.dialect.name == "postgresql" else LargeBinary()
        return [
            table.c.id,
            type_coerce(table.c.originator_id, raw),
            table.c.originator_version,
            table.c.topic,
            table.c.state,
        ]


class _Uuids:
    """Originator ids as UUIDs, each made once (a stream's events share one)."""

    def __init__(self) -> None:
        self._made: dict[Any, UUID] = {}

    def __call__(self, raw: Any) -> UUID:
        made = self._made.get(raw)
        if made is None:
            made = self._made[raw] = raw if isinstance(raw, UUID) else UUID(bytes=bytes(raw))
        return made


def _stored_uuid(value: UUID | str, connection: Any) -> Any:
    """A UUID as the events table's column holds it: native on PostgreSQL, 16 bytes elsewhere."""
    uuid = value if isinstance(value, UUID) else UUID(value)
    return uuid if connection.dialect.name == "postgresql" else uuid.bytes


EVENTS_TABLE = "orgchange_events"  # eventsourcing-sqlalchemy's name for the application's events


# Connections a process keeps open, and how many more it may open for a moment (the defaults
# of the settings `database_pool_size` and `database_pool_overflow`). One click on a unit in
# the web page asks up to ten things of the database at once (the DataLoaders of
# api/graphql/loaders.py, each in a thread); with SQLAlchemy's default of five kept open, the
# rest were opened and closed on every request: a new PostgreSQL backend each time, or a new
# SQLite connection whose page cache starts empty and that reads the schema again.
POOL_SIZE = 10
POOL_OVERFLOW = 20
POOL_TIMEOUT = 30.0  # seconds a read waits for a connection when every one is in use
CONNECT_TIMEOUT = 10  # seconds PostgreSQL may take to accept a new connection
# The environment's keys for them (eventsourcing's persistence settings are named in `env`).
POOL_SIZE_KEY = "SQLALCHEMY_POOL_SIZE"
POOL_OVERFLOW_KEY = "SQLALCHEMY_MAX_OVERFLOW"
POOL_TIMEOUT_KEY = "SQLALCHEMY_POOL_TIMEOUT"


class PooledDatastore(SQLAlchemyDatastore):
    """eventsourcing-sqlalchemy's datastore, with a pool sized for the API's concurrent reads."""

    pool_size = POOL_SIZE
    max_overflow = POOL_OVERFLOW
    pool_timeout = POOL_TIMEOUT

    def __init__(self, *, url: str | None = None, **kwargs: Any):
        if url and not (":memory:" in url or "mode=memory" in url):
            kwargs.setdefault("pool_size", self.pool_size)
            kwargs.setdefault("max_overflow", self.max_overflow)
            kwargs.setdefault("pool_timeout", self.pool_timeout)
        if url and url.startswith("postgresql"):
            # A server that does not answer a new connection: given up after this, not never.
            kwargs.setdefault("connect_args", {}).setdefault("connect_timeout", CONNECT_TIMEOUT)
        super().__init__(url=url, **kwargs)


class EventStoreFactory(SQLAlchemyFactory):
    """The eventsourcing-sqlalchemy persistence module, with the bulk-inserting recorder and
    a connection pool sized for the API (`PooledDatastore`, sizes from the environment)."""

    application_recorder_class = BulkInsertRecorder

    def __init__(self, env: Any):
        sizes = {
            "pool_size": int(env.get(POOL_SIZE_KEY) or POOL_SIZE),
            "max_overflow": int(env.get(POOL_OVERFLOW_KEY) or POOL_OVERFLOW),
            "pool_timeout": float(env.get(POOL_TIMEOUT_KEY) or POOL_TIMEOUT),
        }
        self.datastore_class = cast(
            "type[PooledDatastore]", type("SizedDatastore", (PooledDatastore,), sizes)
        )
        super().__init__(env)


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


def event_store_environment(
    database_url: str,
    read_only: bool = False,
    pool_size: int = POOL_SIZE,
    pool_overflow: int = POOL_OVERFLOW,
    pool_timeout: float = POOL_TIMEOUT,
) -> dict[str, str]:
    """The eventsourcing settings (named explicitly, so stray variables cannot interfere)."""
    return {
        POOL_SIZE_KEY: str(pool_size),
        POOL_OVERFLOW_KEY: str(pool_overflow),
        POOL_TIMEOUT_KEY: repr(float(pool_timeout)),
        "PERSISTENCE_MODULE": f"{__name__}:{EventStoreFactory.__name__}",
        "MAPPER_TOPIC": f"{__name__}:{VersionedMapper.__name__}",
        "SQLALCHEMY_URL": normalise_database_url(database_url),
        "CREATE_TABLE": "n" if read_only else "y",  # a replica's tables are the primary's
        # One register per database: keep it in memory and fast-forward it from
        # the store before each command, so a write costs the same however long
        # the history is.
        "AGGREGATE_CACHE_MAXSIZE": "1",
        "AGGREGATE_CACHE_FASTFORWARD": "y",
        "DEEPCOPY_FROM_AGGREGATE_CACHE": "y",
    }


SQLITE_CACHE_KIB = 65536


def reading_engine(engine: Engine) -> Engine:
    """The engine for reads of the read models: on PostgreSQL, each statement on its own.

    A series of read-model queries sees no more of one snapshot inside a transaction than
    outside it: PostgreSQL's READ COMMITTED takes a snapshot per statement. But inside one,
    psycopg sends BEGIN before the query and the pool a ROLLBACK after it, three round trips
    where one does (about 1.3 ms of the unit page's 12 on the benchmark's register). SQLite's
    driver begins no transaction for a SELECT anyway, and switching its mode on each checkout
    cost more than it saved there. The same pool and connections as `engine`.
    """
    if engine.dialect.name != "postgresql":
        return engine
    return engine.execution_options(isolation_level="AUTOCOMMIT")


_quick_reads: weakref.WeakKeyDictionary[Engine, bool] = weakref.WeakKeyDictionary()


def quick_reads(engine: Engine) -> bool:
    """Whether a read of a few rows by an index may run on the caller's thread, even an event loop's.

    True on a SQLite file in WAL mode (as eventsourcing-sqlalchemy sets it): such a read takes
    tens of microseconds in the driver, with no network between, and a reader never waits
    for a writer's lock. Not on PostgreSQL, where every statement waits on a socket, nor on
    SQLite in another journal mode, where a reader waits out a writer's commit. Asked once
    per engine (the API asks when it starts, before any request): a database that cannot
    be asked then is taken not to be quick.
    """
    known = _quick_reads.get(engine)
    if known is None:
        known = False
        if engine.dialect.name == "sqlite":
            try:
                with engine.connect() as connection:
                    mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
                known = str(mode).lower() == "wal"
            except DBAPIError:
                known = False
        _quick_reads[engine] = known
    return known


def tune_connections(engine: Engine) -> None:
    """SQLite: a page cache for registers of hundreds of thousands of changes.

    SQLite's default cache is 2 MiB; an import or a rebuild of a large register
    then rereads the pages of its indexes from the file for every few rows. Each
    connection gets 64 MiB (allocated as it is used). The connections opened
    before this (to create the tables) are let go, so that every one has it.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")

    engine.dispose()
