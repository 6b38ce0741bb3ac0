"""The application service: get the register → record changes → save with the read models.

Events and read models are written in one database transaction (the
eventsourcing-sqlalchemy datastore shares its session with nested
transactions), so the read models never lag behind or run ahead of the events:
a change accepted is visible to the next query.
"""

from __future__ import annotations

import copy
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
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
from sqlalchemy import Connection, Engine, func, inspect, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import IntegrityError as SAIntegrityError
from sqlalchemy.exc import OperationalError as SAOperationalError

from orgchange.adapters import schema
from orgchange.adapters.collection import collection_paused, give_back_memory, keep_for_good
from orgchange.adapters.eventstore import (
    EVENTS_TABLE,
    BulkInsertRecorder,
    VersionedMapper,
    event_store_environment,
    reading_engine,
    register_transcodings,
    tune_connections,
)
from orgchange.adapters.snapshots import (
    ForkedSnapshot,
    SnapshotInfo,
    SnapshotProcess,
    SnapshotStore,
    can_fork,
    separate_process_sees,
)
from orgchange.application import decisions
from orgchange.application.config import get_settings
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
log = logging.getLogger("orgchange.snapshots")


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
    mapper: VersionedMapper  # event_store_environment's MAPPER_TOPIC

    def __init__(
        self,
        database_url: str,
        max_attempts: int = MAX_ATTEMPTS,
        read_only: bool = False,
        migrate: bool = True,
        snapshot_interval: int | None = None,
        pool_size: int | None = None,
        pool_overflow: int | None = None,
        pool_timeout: float | None = None,
        snapshot_in_child: bool = False,
        snapshot_in_process: bool = False,
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

        `snapshot_interval`: events between snapshots of the register (0: none taken; default
        `ORGCHANGE_SNAPSHOT_INTERVAL`). A snapshot is taken in a thread of its own after the
        write that made it due has committed; the register is read from the newest one.

        `snapshot_in_child`: a snapshot made due by a write is encoded by a forked child process
        while the write's events and read models are written (`ForkedSnapshot`; Linux only,
        elsewhere a thread after the commit as by default). For a process of one thread that
        records much at once — the command line — not for the server, whose threads a fork
        would copy mid-step.

        `snapshot_in_process`: a snapshot made due by a write is taken by a process of its own
        (`orgchange snapshot`, `SnapshotProcess`), which reads the register from the database
        and takes it on another core; the server's way (`ORGCHANGE_SNAPSHOT_PROCESS`). Not for
        an in-memory SQLite database, which no other process sees: a thread takes those.

        `pool_size`, `pool_overflow`, `pool_timeout`: connections kept open, how many more may
        be opened for a moment, and the seconds a statement waits for one when all are in use
        (default `ORGCHANGE_DATABASE_POOL_SIZE`, `…_POOL_OVERFLOW`, `…_POOL_TIMEOUT_SECONDS`).
        """
        settings = get_settings()
        pool = (
            settings.database_pool_size if pool_size is None else pool_size,
            settings.database_pool_overflow if pool_overflow is None else pool_overflow,
            settings.database_pool_timeout_seconds if pool_timeout is None else pool_timeout,
        )
        super().__init__(env=event_store_environment(database_url, read_only, *pool))
        self.max_attempts = max_attempts  # of a write that keeps losing the race for the next version
        self.read_only = read_only
        self.datastore = self.recorder.datastore
        engine = self.datastore.engine
        assert isinstance(engine, Engine)  # the datastore is made from the database URL
        self.engine = engine
        tune_connections(self.engine)
        self.writer = ReadModelWriter()
        self.reading_engine = reading_engine(self.engine)
        self.read_model = ReadModel(self.reading_engine)
        # Called (by tests) when a rebuild's new tables are full, before they are swapped in.
        self.before_swap: Callable[[], None] | None = None
        self.status = database_status(self.engine)
        self.register_snapshots = SnapshotStore(self.engine)
        self.snapshot_interval = (
            settings.snapshot_interval if snapshot_interval is None else snapshot_interval
        )
        self._snapshot_version: int | None = None  # the newest snapshot's version (None: not asked yet)
        self._snapshot_thread: threading.Thread | None = None
        self.snapshot_in_child = snapshot_in_child and can_fork()
        self._snapshot_child: ForkedSnapshot | None = None
        self.database_url = database_url
        self.snapshot_in_process = snapshot_in_process and separate_process_sees(database_url)
        self._snapshot_process: SnapshotProcess | None = None
        self._snapshot_lock = threading.Lock()
        self._loading_lock = threading.Lock()
        self._starting_lock = threading.Lock()
        # Held by a command from reading the register in memory to committing (or rolling back):
        # commands of this process are recorded on the one register in place, one at a time.
        self._writers_lock = threading.RLock()
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
                with self._command(keep=True) as register:
                    # (the file's ids recorded before: a set of the whole log would cost the register)
                    known = {c.id for c in changes if c.id is not None and c.id in register.log}
                    recorded_at = self._next_instant(register)
                    ids = register.record(changes, recorded_by, recorded_at, progress)
                    before = register.organisation
                    renamed = (
                        Renaming(before, organisation)
                        if organisation and register.name(organisation, recorded_by, recorded_at)
                        else None
                    )
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

    @contextmanager
    def _command(self, keep: bool) -> Iterator[Register]:
        """The register in memory, for one command recorded on it in place under the writers' lock.

        Nothing of the register is copied: the command's writes are journalled (`Register.begin`)
        and undone exactly if it is refused, fails, or is not to be kept (`keep=False`: a dry run,
        a draft's check); a command that is kept ends the journal once its transaction has
        committed (`_save_with_read_models`), and is then never undone. Other processes' commands
        reach this register as the events they stored (fast-forwarded on the next command).
        """
        with self._writers_lock:
            register = self._current_register()
            point = register.begin()
            try:
                yield register
            except BaseException:
                if register._journal is not None:  # (not committed)
                    register.rollback_to(point)
                raise
            else:
                if register._journal is not None and not keep:
                    register.rollback_to(point)
            finally:
                register.end()

    def _current_register(self) -> Register:
        """The register in memory (no copy), brought up to date with the event store; the caller
        holds the writers' lock.

        The process keeps the register in memory between commands (the aggregate cache),
        fast-forwarded by the events other processes recorded. The first command reads it
        from the newest usable snapshot and the events after it, or from every event if
        there is no snapshot it can use (`SnapshotStore.latest`).
        """
        try:
            with collection_paused():
                starting = self._seed_from_snapshot()
                current: Register = self.repository.get(REGISTER_ID, deepcopy_from_cache=False)
        except AggregateNotFoundError:
            return Register.start()
        except (PersistenceError, DBAPIError) as error:
            raise _unavailable(error) from error
        # What the fast-forwarded events (or every event, read in) owe is folded in now, not in the
        # next command's journal; their read models were written with them, in their transaction:
        # nothing is dirty for this process's writer.
        current.timeline.take_dirty()
        if starting:  # read from many events, perhaps: the next start should not have to
            keep_for_good(len(current.log))
            self._snapshot_if_due(current)
        return current

    def register(self) -> Register:
        """A working copy of the register, brought up to date with the event store (for reading;
        commands record on the register in memory itself, `_command`)."""
        with self._writers_lock:
            return copy.deepcopy(self._current_register())

    def load_register(self) -> None:
        """Read the register into memory now (from its newest snapshot and the events after it),
        so that the first command after a start does not wait for it (a server does this as it
        starts: `api.main`). Does nothing more than the first command would have done."""
        with self._writers_lock:
            self._current_register()

    def organisation(self) -> str | None:
        """The organisation's name, as the register in memory has it (no copy)."""
        with self._writers_lock:
            return self._current_register().organisation

    def _seed_from_snapshot(self) -> bool:
        """Put the newest usable snapshot's register in the cache if there is no register there;
        True if there was none (the register is read in now)."""
        cache = self.repository.cache
        if cache is None:  # (turned off: the register is read from its events every time)
            return False
        with self._loading_lock:
            try:
                cache.get(REGISTER_ID)
                return False  # in memory already
            except KeyError:
                pass
            try:
                found = self.register_snapshots.latest(at_most=self.register_event_count())
            except (PersistenceError, DBAPIError) as error:
                log.warning("no snapshot of the register read: %s", error)
                return True
            if self._snapshot_version is None:
                self._snapshot_version = found.version if found is not None else 0
            if found is not None:
                self._snapshot_version = max(self._snapshot_version or 0, found.version)
                cache.put(REGISTER_ID, found)
                log.info("the register read from its snapshot at version %d", found.version)
            return True

    # --- snapshots -------------------------------------------------------------------

    def snapshot_now(self, *, alone: bool = False) -> SnapshotInfo | None:
        """Take a snapshot of the register as it stands now, in this thread (None: nothing to take).

        `alone`: no other thread of this process records meanwhile (`orgchange snapshot`), so the
        register in memory is pickled itself rather than a working copy of it, with the cyclic
        collector paused: it would walk the register's millions of objects again and again as
        the pickling makes and frees its own (a server has them frozen: `keep_for_good`)."""
        self._writing()
        if not alone:
            register = self.register()
            if register.version is None or register.version == 0 or not register.log:
                return None
            return self._take_snapshot(register)
        with self._writers_lock, collection_paused():
            register = self._current_register()
            if register.version is None or register.version == 0 or not register.log:
                return None
            return self._take_snapshot(register)

    def _take_snapshot(self, register: Register) -> SnapshotInfo | None:
        with self._snapshot_lock:
            if register.version <= (self._snapshot_version or 0):
                return None  # this process (or a snapshot it read) has one as new already
            info = self.register_snapshots.take(register)
            if info is not None:
                self._snapshot_version = info.register_version
                log.info(
                    "snapshot of the register at version %d taken: %d bytes in %.2f s",
                    info.register_version,
                    info.size,
                    info.seconds,
                )
            return info

    def _snapshot_if_due(self, register: Register) -> None:
        """Start a snapshot of `register` in a thread of its own (or a process: `snapshot_in_process`)
        if enough events were recorded since the last one. Called after the write committed: it
        never holds up a writer, and a writer that commits meanwhile only makes the snapshot older
        than the register."""
        if self.snapshot_in_process:
            self._snapshot_process_if_due(register)
            return
        if not self._snapshot_due(register):
            return
        with self._starting_lock:  # (the server's threads write at once)
            running = self._snapshot_thread
            if running is not None and running.is_alive():
                return  # one at a time; the next write that finds one due starts the next
            working = copy.deepcopy(register)  # the cached register is fast-forwarded in place later
            # Not a daemon: a command line that ends (`orgchange import`) waits for it to be written.
            thread = threading.Thread(
                target=self._snapshot_in_background,
                args=([working],),
                name="orgchange-snapshot",
                daemon=False,
            )
            self._snapshot_thread = thread
            thread.start()

    def _snapshot_process_if_due(self, register: Register) -> None:
        """Start `orgchange snapshot` if a snapshot is due and none is being taken (one at a time:
        the next write that finds one due starts the next). The process reads the register from
        the database, so it takes it at least at this write's version."""
        with self._starting_lock:
            self._reap_snapshot_process()
            if self._snapshot_process is not None or not self._snapshot_due(register):
                return
            try:
                self._snapshot_process = SnapshotProcess(self.database_url, register.version)
            except OSError as error:  # an optimisation: the write is saved
                log.warning("no process started to take a snapshot: %s", error)

    def _reap_snapshot_process(self) -> None:
        """Forget the snapshot's process once it has ended, and ask the database for the newest
        snapshot's version when it next matters (the caller holds the starting lock)."""
        running = self._snapshot_process
        if running is None:
            return
        status = running.ended()
        if status is None:
            return
        self._snapshot_process = None
        self._snapshot_version = None  # (how it ended is logged by `SnapshotProcess` itself)

    def _snapshot_due(self, register: Register) -> bool:
        """Whether `register` is `snapshot_interval` events or more past the newest snapshot (never
        when snapshots are off or the process only reads)."""
        if self.snapshot_interval <= 0 or self.read_only:
            return False
        if self._snapshot_version is None:
            self._snapshot_version = self._newest_snapshot_version()
        return register.version - self._snapshot_version >= self.snapshot_interval

    def _newest_snapshot_version(self) -> int:
        try:
            return self.register_snapshots.newest_version()
        except DBAPIError:
            return 0

    def _snapshot_in_background(self, held: list[Register]) -> None:
        register = held.pop()  # (the thread's own arguments would keep the copy until it ends)
        try:
            self._take_snapshot(register)
        except Exception as error:  # a snapshot is an optimisation: the events are saved
            log.warning("snapshot of the register at version %d not taken: %s", register.version, error)
        del register
        give_back_memory()

    def wait_for_snapshot(self, timeout: float | None = None, process: bool = True) -> None:
        """Wait until the snapshot being taken in the background (if any) is written (a child's
        is waited for whole, as is a process's unless `process` is false)."""
        self._wait_for_child()
        running_process = self._snapshot_process
        if running_process is not None and not process:
            log.info("snapshot process %d left to finish on its own", running_process.pid)
        elif running_process is not None:
            running_process.wait(timeout)  # (not holding the lock a writer starts the next one under)
            with self._starting_lock:
                self._reap_snapshot_process()
        running = self._snapshot_thread
        if running is not None and running is not threading.current_thread():
            running.join(timeout)  # (the application may be let go by the snapshot's own thread)

    def snapshot_age(self) -> float | None:
        """Seconds since the newest finished snapshot was taken (None: there is none)."""
        try:
            found = self.register_snapshots.finished()
        except DBAPIError:
            return None
        if not found:
            return None
        return (datetime.now(UTC) - found[0].taken_at).total_seconds()

    def close(self) -> None:
        """Closes the application once its snapshot is written — but for a snapshot's process of
        its own, which needs nothing of this one to finish: a server that stops does not wait the
        seconds it takes (a container's grace period may be shorter)."""
        self.wait_for_snapshot(process=False)
        super().close()

    def _next_instant(self, register: Register) -> datetime:
        # Recorded instants strictly increase, so each transaction is one instant.
        now = datetime.now(UTC)
        last = register.modified_on
        return now if last is None or now > last else last + timedelta(microseconds=1)

    def _save_with_read_models(self, register: Register, recorded_at: datetime) -> None:
        if not register._pending_events:
            return
        child = self._fork_snapshot_if_due(register)
        try:
            with self.datastore.transaction(commit=True) as session:
                recordings = self._save_and_write(session, register, recorded_at)
        except BaseException:
            if child is not None:
                child.abort()  # the events are not kept: neither is a snapshot of them
            raise
        register.end()  # committed: from here on the command is never undone
        # The register as it now stands; kept for the next command.
        cache = self.repository.cache
        assert cache is not None  # event_store_environment turns the aggregate cache on
        if child is not None:
            child.commit()
        else:
            self._snapshot_if_due(register)  # (before the cache has it: the copy is of this version)
        cache.put(REGISTER_ID, register)
        if len(recordings) >= ANALYZE_AFTER:
            self._refresh_statistics()

    def _fork_snapshot_if_due(self, register: Register) -> ForkedSnapshot | None:
        """A child that snapshots `register` as it will stand once its pending events are saved,
        if that makes a snapshot due and this process takes them in a child (`snapshot_in_child`)."""
        if not self.snapshot_in_child:
            return None
        self._wait_for_child()  # one at a time (and the last one's version is known)
        if not self._snapshot_due(register) or not self.register_snapshots.available():
            return None
        self._snapshot_child = ForkedSnapshot(self.register_snapshots, register)
        return self._snapshot_child

    def _wait_for_child(self) -> None:
        child, self._snapshot_child = self._snapshot_child, None
        if child is not None and child.wait():
            self._snapshot_version = max(self._snapshot_version or 0, child.version)

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
        changed = self.writer.write(
            DatabaseRows(session),
            register,
            [r.domain_event for r in recordings],
            recorded_at,
            recordings[-1].notification.id,
        )
        # Delegated decisions under what the transaction changed are checked again (docs/decisions.md).
        decisions.recheck_after(session.connection(), recorded_at, changed)
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
        try:
            with self._command(keep=False) as register:  # (undone when the answer is in)
                recorded_at = self._next_instant(register)
                with self.datastore.transaction(commit=True) as session:
                    model = ReadModel(session.connection())
                    before = look_before(model)
                    ids = register.record(changes, recorded_by, recorded_at)
                    if register._pending_events:
                        self._save_and_write(session, register, recorded_at)
                    raise _DryRunFinished(look_after(model, register, ids, before))
        except _DryRunFinished as finished:
            return finished.answer
        raise AssertionError("a dry run ends with its answer")  # pragma: no cover

    def impact_of(self, change_id: str) -> Impact:
        """The gaps a recorded change opened (it ended their delegate) or closed (it
        re-pointed or revoked their delegation), on its effective date."""
        row = self.read_model.change(change_id)
        if row is None or row.effective is None or row.type in ("cancel_change", "correct_change"):
            raise NotFound(messages.text("NOT_FOUND:change", id=change_id))
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
            for notification, event in zip(batch, self.mapper.decode_many(batch), strict=True):
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
        # The decisions' own streams, checked against the new read models in the transaction
        # that swaps them in: a failure of either leaves both as they were.
        self._swap_in(store, lambda connection: decisions.rebuild_decisions(connection, others, total))
        if register is not None:  # folded from every event: a snapshot of it costs no reading
            self._snapshot_if_due(register)
        return count

    def _swap_in(self, store: MemoryRows, then: Callable[[Connection], None] | None = None) -> None:
        """The rows into new tables, which then replace the read models in one transaction;
        until it commits the old ones answer every query (blue/green). `then`: more work on
        the swapped-in read models in the same transaction (the decisions' read model)."""
        try:
            made = tables.new_tables(self.engine, indexed=False)  # indexed once full
        except DBAPIError as error:
            raise _unavailable(error) from error
        try:
            with self.datastore.transaction(commit=True) as session:
                store.flush(session, into=made)
                tables.index_new_tables(session.connection(), made)
                if self.before_swap is not None:
                    self.before_swap()
                tables.swap_in(session.connection(), made)
                if then is not None:
                    then(session.connection())
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
