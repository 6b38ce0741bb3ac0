"""The application service: get the register → record changes → save with the read models.

Events and read models are written in one database transaction (the
eventsourcing-sqlalchemy datastore shares its session with nested
transactions), so the read models never lag behind or run ahead of the events:
a change accepted is visible to the next query.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import (
    IntegrityError,
    JSONTranscoder,
    OperationalError,
    PersistenceError,
    Recording,
)
from sqlalchemy import Engine, func, inspect, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import IntegrityError as SAIntegrityError
from sqlalchemy.exc import OperationalError as SAOperationalError

from orgchange.adapters import schema
from orgchange.adapters.collection import collection_paused
from orgchange.adapters.eventstore import (
    EVENTS_TABLE,
    BulkInsertRecorder,
    event_store_environment,
    register_transcodings,
    tune_connections,
)
from orgchange.application import decisions
from orgchange.application.errors import (
    ConcurrentWriteError,
    DatabaseNeedsMigration,
    DatabaseTooNew,
    DatabaseUnavailable,
    NotFound,
    ReadOnlyRegister,
)
from orgchange.domain import messages
from orgchange.domain.changes import Change, DatedChange
from orgchange.domain.findings import Finding
from orgchange.domain.register import REGISTER_ID, Register
from orgchange.domain.versions import StoredByNewerVersion
from projections import tables
from projections.delegations import Gap
from projections.read_model import ReadModel
from projections.writer import DatabaseRows, MemoryRows, ReadModelWriter

MAX_ATTEMPTS = 8
ANALYZE_AFTER = 1000  # events in one transaction: enough to change the read models' statistics
Progress = Callable[[int, int], None]
T = TypeVar("T")


@dataclass(frozen=True)
class Impact:
    """What changes did (or would do) to the delegationsordning: gaps opened and closed,
    and (for a dry run) the findings the changes bring, which never block recording."""

    opened: list[Gap]
    closed: list[Gap]
    findings: list[Finding] = field(default_factory=list)


class _DryRunFinished(Exception):
    """Ends a dry run's transaction by rolling it back."""

    def __init__(self, answer: Any):
        self.answer = answer


@dataclass(frozen=True)
class Renaming:
    """The organisation's name as a file changed it."""

    before: str | None  # None: it had no name
    after: str


@dataclass(frozen=True)
class RecordResult:
    ids: list[str]  # every change of the file, in file order
    recorded: list[str]  # those recorded now
    skipped: list[str]  # those recorded before with the same content
    renamed: Renaming | None = None  # the organisation's name, if the file changed it

    @property
    def count(self) -> int:
        return len(self.recorded)


class OrgChange(Application):
    """orgchange's application: the register's commands, and its read models."""

    name = "OrgChange"
    recorder: BulkInsertRecorder  # what event_store_environment's persistence module makes

    def __init__(
        self,
        database_url: str,
        max_attempts: int = MAX_ATTEMPTS,
        read_only: bool = False,
        migrate: bool = True,
    ):
        """The register in the database at `database_url`.

        `read_only`: the database is a read replica (or read-only for this process): the
        tables are the primary's, made and brought up to date there; this process answers
        queries and refuses every write with `ReadOnlyRegister`.

        `migrate`: bring a database of an earlier version up to this one now (`migrate()`);
        without it such a database is left as it is, `status` says so, and the caller
        decides (`orgchange serve` refuses to start). A database without a recorded event
        is made at this version either way; one of a newer version is never changed, and
        every write to it is refused (`DATABASE_TOO_NEW`).
        """
        super().__init__(env=event_store_environment(database_url, read_only))
        self.max_attempts = max_attempts  # of a write that keeps losing the race for the next version
        self.read_only = read_only
        self.datastore = self.recorder.datastore
        engine = self.datastore.engine
        assert isinstance(engine, Engine)  # the datastore is made from the database URL
        self.engine = engine
        tune_connections(self.engine)
        self.writer = ReadModelWriter()
        self.read_model = ReadModel(self.engine)
        # Called (by tests) when a rebuild's new tables are full, before they are swapped in.
        self.before_swap: Callable[[], None] | None = None
        self.status = database_status(self.engine)
        if not read_only and self.status.too_new is None and (migrate or not self.status.has_events):
            self.migrate()

    def _writing(self) -> None:
        if self.read_only:
            raise ReadOnlyRegister()
        if self.status.too_new is not None:
            raise DatabaseTooNew(self.status.too_new)
        if self.status.needs_migration:
            raise DatabaseNeedsMigration()

    # --- upgrades ------------------------------------------------------------------

    def migrate(self, progress: Progress | None = None) -> list[str]:
        """Bring the database up to this version; returns what was done, in Swedish words.

        The kept tables by their migrations (Alembic), then the read models: of an earlier
        version they are rebuilt into new tables and swapped in when complete, the old
        ones answering meanwhile. A database of a newer version is left as it is.
        """
        if self.read_only:
            raise ReadOnlyRegister()
        status = self.status = database_status(self.engine)
        if status.too_new is not None:
            raise DatabaseTooNew(status.too_new)
        done: list[str] = []
        if status.migrations_pending:
            _retrying(lambda: schema.upgrade(self.engine))
            done.append(f"tabellerna uppgraderade till {schema.head()}")
        found = tables.prepare(self.engine)
        if found.state is tables.ReadModelState.STALE or (
            found.state is tables.ReadModelState.MISSING and self.read_models_behind()
        ):
            with collection_paused():
                self._rebuild(progress)
            if found.state is tables.ReadModelState.STALE:
                done.append(f"läsmodellerna återuppbyggda i version {tables.READ_MODEL_VERSION}")
        self.status = database_status(self.engine)
        return done

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_transcodings(transcoder)

    # --- commands ----------------------------------------------------------------

    def record_changes(
        self,
        changes: Sequence[Change],
        recorded_by: str,
        organisation: str | None = None,
        progress: Progress | None = None,
    ) -> RecordResult:
        """Record a file's changes atomically; retried when another writer got in first."""
        self._writing()
        with collection_paused():
            return self._record_changes(changes, recorded_by, organisation, progress)

    def _record_changes(
        self,
        changes: Sequence[Change],
        recorded_by: str,
        organisation: str | None,
        progress: Progress | None,
    ) -> RecordResult:
        for attempt in range(self.max_attempts):
            try:
                register = self.register()
            except (PersistenceError, DBAPIError) as error:
                raise _unavailable(error) from error
            known = set(register.log)
            recorded_at = self._next_instant(register)
            ids = register.record(changes, recorded_by, recorded_at, progress)
            before = register.organisation
            renamed = (
                Renaming(before, organisation)
                if organisation and register.name(organisation, recorded_by, recorded_at)
                else None
            )
            try:
                self._save_with_read_models(register, recorded_at)
            except (IntegrityError, SAIntegrityError, OperationalError, SAOperationalError) as error:
                if not _is_write_conflict(error):
                    raise _unavailable(error) from error
                time.sleep(random.uniform(0, 0.02 * 2**attempt))
                continue
            except (PersistenceError, DBAPIError) as error:  # refused (read-only, no privilege), not lost
                raise _unavailable(error) from error
            recorded = [i for i in dict.fromkeys(ids) if i not in known]
            return RecordResult(ids, recorded, [i for i in dict.fromkeys(ids) if i in known], renamed)
        raise ConcurrentWriteError(messages.text("CONCURRENT_WRITE"))

    def register(self) -> Register:
        """A working copy of the register, brought up to date with the event store."""
        try:
            with collection_paused():
                return self.repository.get(REGISTER_ID)
        except AggregateNotFoundError:
            return Register.start()

    def _next_instant(self, register: Register) -> datetime:
        # Recorded instants strictly increase, so each transaction is one instant.
        now = datetime.now(UTC)
        last = register.modified_on
        return now if last is None or now > last else last + timedelta(microseconds=1)

    def _save_with_read_models(self, register: Register, recorded_at: datetime) -> None:
        if not register._pending_events:
            return
        with self.datastore.transaction(commit=True) as session:
            recordings = self._save_and_write(session, register, recorded_at)
        # The saved copy is the register as it now stands; keep it for the next command.
        cache = self.repository.cache
        assert cache is not None  # event_store_environment turns the aggregate cache on
        cache.put(REGISTER_ID, register)
        if len(recordings) >= ANALYZE_AFTER:
            self._refresh_statistics()

    def _save_and_write(self, session: Any, register: Register, recorded_at: datetime) -> list[Recording]:
        """Save the register's new events and write them into the read models, in `session`'s
        transaction: both are kept, or neither (recording and dry run alike)."""
        newer = tables.stored_read_model_version(session.connection())
        if newer is not None and newer > tables.READ_MODEL_VERSION:  # a newer version took over
            raise DatabaseTooNew(
                StoredByNewerVersion(
                    messages.text("DATABASE_TOO_NEW:read-models"), newer, tables.READ_MODEL_VERSION
                )
            )
        recordings = self.save(register)
        self.writer.write(
            DatabaseRows(session),
            register,
            [r.domain_event for r in recordings],
            recorded_at,
            recordings[-1].notification.id,
        )
        # Delegated decisions under what the transaction changed are checked again (docs/decisions.md).
        decisions.recheck_after(session.connection(), recorded_at)
        return recordings

    def _refresh_statistics(self) -> None:
        """Let PostgreSQL's planner see the read models as they now are, after a bulk write.

        Without fresh statistics it plans the interval-tree queries as for empty
        tables, and a query of a millisecond takes ten; autovacuum would come round
        to it, but not before the next question.
        """
        if self.engine.dialect.name != "postgresql":
            return
        names = ", ".join(table.name for table in tables.READ_MODEL_TABLES)
        try:
            with self.engine.begin() as connection:
                connection.execute(text(f"ANALYZE {names}"))
        except DBAPIError:  # statistics are an optimisation: the write has been made
            pass

    def dry_run(self, changes: Sequence[Change], recorded_by: str = "dry-run") -> Impact:
        """Check changes and tell their effect on delegations and their findings, recording nothing.

        The changes are recorded and projected exactly as by `record_changes`, and
        the transaction is then rolled back: the answer comes from the same code.
        """
        days = sorted({c.effective for c in changes if isinstance(c, DatedChange)})

        def look_before(model: ReadModel) -> dict:
            return {day: model.delegations.gaps(day) for day in days}

        def look_after(model: ReadModel, register: Register, ids: list[str], before: dict) -> Impact:
            after = {day: model.delegations.gaps(day) for day in days}
            rows = model.changes_by_id(list(dict.fromkeys(ids)))
            by_change = model.findings.of_changes(rows)
            findings = [f for row in rows for f in by_change.get(row.id, [])]
            impact = _compare_gaps(days, before, after)
            return Impact(impact.opened, impact.closed, findings)

        return self.try_out(changes, look_before, look_after, recorded_by)

    def try_out(
        self,
        changes: Sequence[Change],
        look_before: Callable[[ReadModel], Any],
        look_after: Callable[[ReadModel, Register, list[str], Any], T],
        recorded_by: str = "dry-run",
    ) -> T:
        """Record changes in a transaction that is rolled back, and answer what `look_after` saw.

        `look_before` reads the read models as the register stands; the changes are then
        recorded and projected exactly as by `record_changes` (refused in the same words),
        and `look_after` reads the read models and the register with them, before the
        transaction is rolled back: a dry run, a draft's check and its preview all come
        from the code that records.
        """
        self._writing()
        register = self.register()
        recorded_at = self._next_instant(register)
        try:
            with self.datastore.transaction(commit=True) as session:
                model = ReadModel(session.connection())
                before = look_before(model)
                ids = register.record(changes, recorded_by, recorded_at)
                if register._pending_events:
                    self._save_and_write(session, register, recorded_at)
                raise _DryRunFinished(look_after(model, register, ids, before))
        except _DryRunFinished as finished:
            return finished.answer

    def impact_of(self, change_id: str) -> Impact:
        """The gaps a recorded change opened (it ended their delegate) or closed (it
        re-pointed or revoked their delegation), on its effective date."""
        row = self.read_model.change(change_id)
        if row is None or row.effective is None or row.type in ("cancel_change", "correct_change"):
            raise NotFound(f"no organisational change '{change_id}' was recorded")
        reader = self.read_model.delegations
        day = row.effective
        on_day = {g.delegation_id: g for g in reader.gaps(day)}
        day_before = {g.delegation_id: g for g in reader.gaps(day - timedelta(days=1))}
        touched = row.as_change_file_entry().get("delegation")
        opened = [g for g in on_day.values() if g.since == day and g.caused_by == change_id]
        closed = [g for key, g in day_before.items() if key not in on_day and key == touched]
        return Impact(opened=sorted(opened, key=_gap_order), closed=sorted(closed, key=_gap_order))

    # --- read models ---------------------------------------------------------------

    def last_event_id(self) -> int:
        return self.recorder.max_notification_id() or 0

    def read_models_behind(self) -> bool:
        return self.read_model.last_event_id() < self.last_event_id()

    def rebuild(self, progress: Progress | None = None) -> int:
        """Replay every event into fresh read models, replacing the old ones atomically."""
        self._writing()
        with collection_paused():
            return self._rebuild(progress)

    def _rebuild(self, progress: Progress | None) -> int:
        # Events recorded while the rows were made are not in them: once more, then.
        for _ in range(3):
            count = self._rebuild_once(progress)
            if not self.read_models_behind():
                break
        return count

    def _rebuild_once(self, progress: Progress | None) -> int:
        store = MemoryRows()
        total = self.last_event_id()
        register: Register | None = None
        group: list = []
        others: list = []
        last_id = 0
        count = 0
        start: int | None = 1
        while True:
            batch = self.recorder.select_notifications(start, limit=2000, stop=total)
            for notification in batch:
                event = self.mapper.to_domain_event(notification)
                if event.originator_id != REGISTER_ID:
                    others.append(event)  # delegated decisions: their own streams
                    continue
                assert isinstance(event, Register.Event)  # the register's own events
                if group and event.timestamp != group[-1].timestamp:
                    assert register is not None  # folded from the events in `group`
                    self.writer.write(store, register, group, group[-1].timestamp, last_id)
                    group = []
                register = event.mutate(register)
                group.append(event)
                last_id = notification.id
                count += 1
            if progress:
                progress(last_id, total)
            if len(batch) < 2000:
                break
            start = batch[-1].id + 1
        if group and register is not None:
            self.writer.write(store, register, group, group[-1].timestamp, last_id)
        self._swap_in(store)
        with self.datastore.transaction(commit=True) as session:  # the decisions' own streams
            decisions.rebuild_decisions(session.connection(), others, total)
        return count

    def _swap_in(self, store: MemoryRows) -> None:
        """The rows into new tables, which then replace the read models in one transaction;
        until it commits the old ones answer every query (blue/green)."""
        try:
            made = tables.new_tables(self.engine)
        except DBAPIError as error:
            raise _unavailable(error) from error
        try:
            with self.datastore.transaction(commit=True) as session:
                store.flush(session, into=made)
                if self.before_swap is not None:
                    self.before_swap()
                tables.swap_in(session.connection(), made)
        except (PersistenceError, DBAPIError) as error:
            tables.drop_new_tables(self.engine, made)
            raise _unavailable(error) from error  # the old read models are left as they were
        except BaseException:
            tables.drop_new_tables(self.engine, made)
            raise
        self._refresh_statistics()

    def catch_up(self) -> bool:
        """Rebuild the read models if they do not reflect every event (e.g. after an upgrade).

        A read-only process leaves them to the primary, whose rebuild reaches it by replication;
        a database of another version is left to `migrate`.
        """
        current = self.status.too_new is None and not self.status.needs_migration
        if not self.read_only and current and self.read_models_behind():
            self.rebuild()
            return True
        return False

    def register_event_count(self) -> int:
        """The register's events: its version, read from the events' unique index (no scan).

        The same as `event_count` while the store holds only the register's events;
        `event_count` counts every row, which takes longer the more there are.
        """
        table = self.recorder.events_record_cls.__table__
        query = select(func.max(table.c.originator_version)).where(table.c.originator_id == REGISTER_ID)
        with self.engine.connect() as connection:
            return connection.execute(query).scalar() or 0

    def event_count(self) -> int:
        table = self.recorder.events_record_cls.__table__
        with self.engine.connect() as connection:
            return connection.execute(select(func.count()).select_from(table)).scalar_one()


def _compare_gaps(days: list, before: dict, after: dict) -> Impact:
    opened: dict[str, Gap] = {}
    closed: dict[str, Gap] = {}
    for day in days:
        old = {g.delegation_id: g for g in before[day]}
        new = {g.delegation_id: g for g in after[day]}
        for key in new.keys() - old.keys():
            opened.setdefault(key, new[key])
        for key in old.keys() - new.keys():
            closed.setdefault(key, old[key])
    return Impact(
        opened=sorted(opened.values(), key=_gap_order), closed=sorted(closed.values(), key=_gap_order)
    )


def _gap_order(gap: Gap) -> tuple:
    return gap.since, gap.delegation_id


def _unavailable(error: Exception) -> DatabaseUnavailable:
    """A database failure that is no lost race (disk full, I/O error, server gone), in plain words."""
    cause: BaseException = error
    while isinstance(cause, PersistenceError) and cause.__cause__ is not None:
        cause = cause.__cause__
    if isinstance(cause, DBAPIError) and cause.orig is not None:
        cause = cause.orig
    lines = str(cause).strip().splitlines()
    return DatabaseUnavailable(lines[0] if lines else type(cause).__name__)


def _is_write_conflict(error: Exception) -> bool:
    """A lost race for the next version of the register, or SQLite's writer lock."""
    if isinstance(error, IntegrityError | SAIntegrityError):
        return True
    text = str(error).lower()
    return "locked" in text or "busy" in text or "could not serialize" in text


@dataclass(frozen=True)
class DatabaseStatus:
    """Where a database stands against this version of orgchange (docs/upgrading.md)."""

    too_new: StoredByNewerVersion | None  # written by a newer version: left alone
    read_models: tables.ReadModelState
    migrations_pending: bool
    has_events: bool

    @property
    def needs_migration(self) -> bool:
        """A register of an earlier version, to be brought up to this one (`orgchange migrate`)."""
        stale = self.read_models is tables.ReadModelState.STALE
        return self.too_new is None and self.has_events and (self.migrations_pending or stale)


def database_status(engine: Engine) -> DatabaseStatus:
    with engine.connect() as connection:
        found = tables.read_model_state(connection)
        migrations = schema.migration_state(connection)
        has_events = inspect(connection).has_table(EVENTS_TABLE) and (
            connection.exec_driver_sql(f"SELECT 1 FROM {EVENTS_TABLE} LIMIT 1").first() is not None
        )
    too_new = None
    if found.state is tables.ReadModelState.TOO_NEW:
        too_new = StoredByNewerVersion(
            messages.text("DATABASE_TOO_NEW:read-models"), found.version, tables.READ_MODEL_VERSION
        )
    elif migrations.unknown:
        too_new = StoredByNewerVersion(
            messages.text("DATABASE_TOO_NEW:schema"), migrations.unknown[0], schema.head()
        )
    return DatabaseStatus(too_new, found.state, migrations.pending, has_events)


def _retrying(step: Callable[[], None]) -> None:
    """A step another process may be taking at the same moment (making the same tables)."""
    for attempt in range(5):
        try:
            step()
            return
        except DBAPIError:
            if attempt == 4:
                raise
            time.sleep(0.1 * (attempt + 1))
