"""Snapshots of the register (orgchange/adapters/snapshots.py, docs/operations.md#snapshots).

A process that starts reads the newest usable snapshot and the events after it. These
tests hold that to what matters: the state it gets is the state replaying every event
gives, on both databases; a snapshot that cannot be trusted (corrupt, of an older format,
of other classes, naming a class it must not) is skipped with a line in the log and the
answers stay right; and a process killed while it writes one loses nothing.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, select, text, update
from sqlalchemy.engine import make_url

from orgchange.adapters import snapshots
from orgchange.adapters.snapshots import parts_table, snapshots_table
from orgchange.application import OrgChange
from orgchange.domain.changes import Change, EstablishUnit, GrantDelegation, RenameUnit
from orgchange.domain.errors import ChangeRejected
from orgchange.domain.register import REGISTER_ID, Register
from tests.strategies import cut_points, split, valid_changes
from tests.support import POSTGRES_ADMIN_URL, ROOT

SHRINK = os.environ.get("ORGCHANGE_HYPOTHESIS_SHRINK", "") == "1"
PHASES = tuple(p for p in Phase if SHRINK or p not in (Phase.shrink, Phase.explain))
SCALE = float(os.environ.get("ORGCHANGE_HYPOTHESIS_SCALE", "1"))
PROPERTY_SETTINGS = settings(
    max_examples=max(1, round(15 * SCALE)),
    deadline=None,
    phases=PHASES,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


# --- helpers -------------------------------------------------------------------------------


def replayed(app: OrgChange) -> Register:
    """The register from every stored event, one after another: no cache, no snapshot."""
    register: Any = None
    for event in app.repository.event_store.get(REGISTER_ID):
        register = event.mutate(register)
    assert isinstance(register, Register)
    return register


def assert_same_state(found: Register, expected: Register) -> None:
    """Every part of the two registers' states equal, part by part (so a failure names the part)."""
    a, b = found.snapshot_state(), expected.snapshot_state()
    assert a.keys() == b.keys()
    for name in a:
        if name == "timeline":
            for part in a[name]:
                assert a[name][part] == b[name][part], f"timeline.{part}"
        else:
            assert a[name] == b[name], name
    assert found.timeline.last_days == expected.timeline.last_days  # derived, not in the snapshot


@contextmanager
def opened_app(url: str, interval: int = 0) -> Iterator[OrgChange]:
    """The application as a process that starts would open it (nothing in memory yet)."""
    app = OrgChange(url, snapshot_interval=interval)
    try:
        yield app
    finally:
        app.close()
        app.engine.dispose()


@contextmanager
def empty_database(kind: str) -> Iterator[str]:
    """A new, empty database of the kind: a SQLite file, or a PostgreSQL database dropped afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as directory:
            yield f"sqlite:///{Path(directory) / 'orgchange.db'}"
        return
    import uuid

    name = f"orgchange_snap_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def sample_with_snapshot(url: str, sample_file) -> tuple[int, list[Change]]:
    """The sample recorded, a snapshot of it taken, and two changes recorded after it (the tail).

    Returns the snapshot's version and the tail's changes."""
    with opened_app(url) as app:
        app.record_changes(sample_file.changes, "test", sample_file.organisation)
        info = app.snapshot_now()
        assert info is not None
        tail: list[Change] = [
            EstablishUnit.model_validate(
                {
                    "type": "establish_unit",
                    "id": "tail-1",
                    "effective": "2019-01-01",
                    "unit": "snap-x",
                    "name": "Enheten efter ögonblicksbilden",
                    "kind": "unit",
                    "parent": "kf",
                }
            ),
            RenameUnit.model_validate(
                {
                    "type": "rename_unit",
                    "id": "tail-2",
                    "effective": "2019-02-01",
                    "unit": "snap-x",
                    "name": "Enheten, omdöpt",
                }
            ),
        ]
        app.record_changes(tail, "test")
        return info.register_version, tail


def assert_answers_right(app: OrgChange) -> None:
    """The register the process works with equals replay, and it still judges changes by the rules:
    a unit under a parent that does not exist is refused, a new unit and its rename are recorded."""
    assert_same_state(app.register(), replayed(app))
    with pytest.raises(ChangeRejected) as refused:
        app.record_changes(
            [
                EstablishUnit.model_validate(
                    {
                        "type": "establish_unit",
                        "id": "bad-1",
                        "effective": "2019-03-01",
                        "unit": "snap-y",
                        "name": "Utan förälder",
                        "kind": "unit",
                        "parent": "no-such-unit",
                    }
                )
            ],
            "test",
        )
    assert refused.value.rule == "in-effect"
    result = app.record_changes(
        [
            EstablishUnit.model_validate(
                {
                    "type": "establish_unit",
                    "id": "after-1",
                    "effective": "2019-03-01",
                    "unit": "snap-z",
                    "name": "Enheten efter starten",
                    "kind": "unit",
                    "parent": "kf",
                }
            ),
            RenameUnit.model_validate(
                {
                    "type": "rename_unit",
                    "id": "after-2",
                    "effective": "2019-04-01",
                    "unit": "snap-z",
                    "name": "Enheten efter starten, omdöpt",
                }
            ),
        ],
        "test",
    )
    assert result.recorded == ["after-1", "after-2"]
    assert_same_state(app.register(), replayed(app))


def skipped_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "orgchange.snapshots" and "skipped" in r.getMessage()
    ]


# --- snapshot + tail equals every event ------------------------------------------------------------


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
@PROPERTY_SETTINGS
@given(data=st.data(), changes=valid_changes(max_changes=30))
def test_the_register_from_a_snapshot_and_the_events_after_it_equals_the_register_from_every_event(
    kind: str, data: st.DataObject, changes: list[Change], caplog: pytest.LogCaptureFixture
) -> None:
    """The snapshot is a cache of what the events say: whichever file of a random register it was
    taken after, and however many files were recorded after it, a process that starts from it
    must hold what replaying every event gives — retroactive changes, cancellations and
    corrections in the tail included."""
    files = split(changes, data.draw(cut_points(len(changes))))
    at = data.draw(st.integers(1, len(files)), label="files before the snapshot")
    with empty_database(kind) as url:
        with opened_app(url) as app:
            for part in files[:at]:
                app.record_changes(part, "hypothesis")
            taken = app.snapshot_now()
            for part in files[at:]:
                app.record_changes(part, "hypothesis")
        assert taken is not None
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="orgchange.snapshots"), opened_app(url) as app:
            register = app.register()
            assert f"the register read from its snapshot at version {taken.register_version}" in caplog.text
            assert not skipped_lines(caplog)
            assert_same_state(register, replayed(app))
            assert register.version == app.register_event_count()


@contextmanager
def child_snapshots(url: str, interval: int) -> Iterator[OrgChange]:
    """The application as the command line opens it: snapshots taken by a forked child while the
    write is written. The parent's own way of taking them fails the test if it is used."""
    app = OrgChange(url, snapshot_interval=interval, snapshot_in_child=True)

    def not_here(register: Register) -> None:
        raise AssertionError("the snapshot was taken in the parent, not by a child")

    app.register_snapshots.take = not_here  # type: ignore[method-assign]
    try:
        yield app
    finally:
        app.close()
        app.engine.dispose()


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
@PROPERTY_SETTINGS
@given(data=st.data(), changes=valid_changes(max_changes=30))
def test_a_snapshot_a_child_process_took_while_the_write_was_written_equals_every_event(
    kind: str, data: st.DataObject, changes: list[Change]
) -> None:
    """`orgchange import` forks a child that snapshots the register while the parent writes the
    events and read models (`ForkedSnapshot`): the child's copy is the register as the
    committed events leave it, and a process that starts from it holds what replay gives."""
    files = split(changes, data.draw(cut_points(len(changes))))
    interval = data.draw(st.integers(1, max(1, len(changes))), label="interval")
    with empty_database(kind) as url:
        with child_snapshots(url, interval) as app:
            for part in files:
                app.record_changes(part, "hypothesis")
            app.wait_for_snapshot()
            version = app.register_event_count()
            kept = app.register_snapshots.finished()
        if version < interval:
            assert kept == []
            return
        assert kept and kept[0].register_version <= version
        assert kept[0].register_version > version - interval - len(max(files, key=len))
        with opened_app(url) as app:
            assert app.register_snapshots.latest(version) is not None
            assert_same_state(app.register(), replayed(app))


def test_a_write_that_is_rolled_back_leaves_no_snapshot_from_its_child(
    database_url: str, sample_file
) -> None:
    """The child is forked before the write's transaction: when that fails, it is told so and
    writes nothing — a snapshot of events that were never kept would be a lie."""
    with child_snapshots(database_url, interval=1) as app:

        def failing(*args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("the read models cannot be written")

        app.writer.write = failing  # type: ignore[method-assign]
        with pytest.raises(RuntimeError):
            app.record_changes(sample_file.changes, "test", sample_file.organisation)
        app.wait_for_snapshot()
        assert app.register_event_count() == 0
    engine = create_engine(database_url)
    with engine.connect() as connection:
        assert connection.execute(select(snapshots_table.c.id)).all() == []
    engine.dispose()


def test_a_child_killed_while_it_writes_its_snapshot_loses_nothing_and_the_next_start_is_right(
    database_url: str, sample_file
) -> None:
    """SIGKILL to the child after its first part: the parent's write is kept whole, the snapshot is
    left unfinished and never read, and the next process starts from the events."""
    with child_snapshots(database_url, interval=1) as app:
        app.register_snapshots.part_bytes = 2048  # several parts
        app.register_snapshots.after_part = lambda number: os.kill(os.getpid(), signal.SIGKILL)
        app.record_changes(sample_file.changes, "test", sample_file.organisation)
        child = app._snapshot_child
        assert child is not None and child.pid != os.getpid()
        assert child.wait() is False  # it died
        recorded = app.register_event_count()
    engine = create_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(select(snapshots_table.c.digest)).scalars().all()
        written = connection.execute(select(parts_table.c.part)).scalars().all()
    engine.dispose()
    assert rows == [None] and written == [0]  # killed after its first part
    with opened_app(database_url) as app:
        assert app.register_event_count() == recorded > 0
        assert app.register_snapshots.finished() == []
        assert_answers_right(app)


@contextmanager
def process_snapshots(url: str, interval: int) -> Iterator[OrgChange]:
    """The application as a server opens it: snapshots taken by a process of their own
    (`orgchange snapshot`). This process's own way of taking them fails the test if it is used."""
    app = OrgChange(url, snapshot_interval=interval, snapshot_in_process=True)
    assert app.snapshot_in_process

    def not_here(register: Register) -> None:
        raise AssertionError("the snapshot was taken in the server's process, not by one of its own")

    app.register_snapshots.take = not_here  # type: ignore[method-assign]
    try:
        yield app
    finally:
        app.close()
        app.engine.dispose()


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
@settings(PROPERTY_SETTINGS, max_examples=max(1, round(4 * SCALE)))
@given(data=st.data(), changes=valid_changes(max_changes=30))
def test_a_snapshot_a_process_of_its_own_took_for_the_server_equals_every_event(
    kind: str, data: st.DataObject, changes: list[Change]
) -> None:
    """A server starts `orgchange snapshot` when a write makes a snapshot due (`SnapshotProcess`):
    that process reads the register from the database and snapshots it; whatever the writes
    meanwhile, a process that starts from it holds what replay gives."""
    files = split(changes, data.draw(cut_points(len(changes))))
    interval = data.draw(st.integers(1, max(1, len(changes))), label="interval")
    with empty_database(kind) as url:
        with process_snapshots(url, interval) as app:
            for part in files:
                app.record_changes(part, "hypothesis")
            app.wait_for_snapshot()
            assert app._snapshot_process is None  # ended, and forgotten
            version = app.register_event_count()
            kept = app.register_snapshots.finished()
        if version < interval:
            assert kept == []
            return
        assert kept and kept[0].register_version <= version
        with opened_app(url) as app:
            assert app.register_snapshots.latest(version) is not None
            assert_same_state(app.register(), replayed(app))


def test_a_server_records_while_its_snapshot_process_runs_and_starts_one_at_a_time(
    sqlite_url: str, sample_file
) -> None:
    """The process is started after the write that made the snapshot due and the server does not
    wait for it: the next writes are recorded while it runs, and start no second one."""
    with process_snapshots(sqlite_url, interval=50) as app:
        app.record_changes(sample_file.changes[:60], "test", sample_file.organisation)
        running = app._snapshot_process
        assert running is not None and running.pid != os.getpid()
        for start in range(60, len(sample_file.changes), 10):
            app.record_changes(sample_file.changes[start : start + 10], "test")
            assert app._snapshot_process in (running, None)  # the same one, or none once it ended
        app.wait_for_snapshot()
        assert running.ended() == 0
        (taken,) = app.register_snapshots.finished()
        assert running.version <= taken.register_version <= app.register_event_count()
    with opened_app(sqlite_url) as app:
        assert_same_state(app.register(), replayed(app))


def test_a_snapshot_process_that_is_killed_loses_nothing_and_the_next_due_write_starts_another(
    database_url: str, sample_file, caplog: pytest.LogCaptureFixture
) -> None:
    """SIGKILL to the snapshot's process: the server's writes are all kept, it says in its log that
    no snapshot was taken, and the next write that finds one due starts a new process, whose
    snapshot a process that starts then reads."""
    with process_snapshots(database_url, interval=50) as app:
        app.record_changes(sample_file.changes[:60], "test", sample_file.organisation)
        running = app._snapshot_process
        assert running is not None
        os.kill(running.pid, signal.SIGKILL)
        with caplog.at_level(logging.WARNING, logger="orgchange.snapshots"):
            app.wait_for_snapshot()
        assert f"snapshot process {running.pid} ended with status -9: no snapshot taken" in caplog.text
        assert app.register_snapshots.finished() == []
        app.record_changes(sample_file.changes[60:], "test")
        again = app._snapshot_process
        assert again is not None and again.pid != running.pid
        app.wait_for_snapshot()
        assert again.ended() == 0
        (taken,) = app.register_snapshots.finished()
        assert taken.register_version == app.register_event_count()
    with opened_app(database_url) as app:
        assert app.register_snapshots.latest(app.register_event_count()) is not None
        assert_answers_right(app)


def test_a_snapshot_process_runs_nothing_from_the_servers_working_directory_and_opens_its_database(
    tmp_path: Path, sample_file, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server's working directory is often its SQLite database's (systemd's, the container's):
    a file there named like a module the process imports (`click.py`) is not run by it, while a
    relative database address still means the server's database."""
    marker = tmp_path / "ran"
    (tmp_path / "click.py").write_text(f"open({str(marker)!r}, 'w').write('ran')\nraise SystemExit(5)\n")
    monkeypatch.chdir(tmp_path)
    with process_snapshots("sqlite:///orgchange.db", interval=50) as app:
        app.record_changes(sample_file.changes, "test", sample_file.organisation)
        running = app._snapshot_process
        assert running is not None
        app.wait_for_snapshot()
        assert running.ended() == 0 and not marker.exists()
        (taken,) = app.register_snapshots.finished()
        assert taken.register_version == app.register_event_count()


def test_a_server_that_stops_leaves_its_snapshot_process_to_finish_on_its_own(
    sqlite_url: str, sample_file
) -> None:
    """Closing the application does not wait for the snapshot's process (a container's grace
    period may be shorter than a snapshot): held stopped, it is left, and once let go it writes
    a snapshot that a process that starts then reads."""
    app = OrgChange(sqlite_url, snapshot_interval=50, snapshot_in_process=True)
    app.record_changes(sample_file.changes, "test", sample_file.organisation)
    running = app._snapshot_process
    assert running is not None
    os.kill(running.pid, signal.SIGSTOP)
    try:
        closing = threading.Thread(target=app.close)
        closing.start()
        closing.join(30)
        assert not closing.is_alive()  # closed while the process is held
        assert running.ended() is None
    finally:
        os.kill(running.pid, signal.SIGCONT)
    assert running.wait(120) == 0
    app.engine.dispose()
    with opened_app(sqlite_url) as again:
        (taken,) = again.register_snapshots.finished()
        assert taken.register_version == again.register_event_count()
        assert_same_state(again.register(), replayed(again))


def test_a_snapshot_process_that_cannot_take_one_says_why_in_one_line_of_the_servers_log(
    tmp_path: Path,
) -> None:
    """Whatever goes wrong, the process a server starts writes lines of the server's log format
    (JSON by default) and no traceback, and ends with status 1."""
    env = {
        **os.environ,
        "ORGCHANGE_DATABASE_URL": f"sqlite:///{tmp_path / 'no-such-directory' / 'orgchange.db'}",
        "ORGCHANGE_LOG_FORMAT": "json",
    }
    ended = subprocess.run(
        [sys.executable, "-P", "-m", "orgchange", "snapshot", "--logged"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ended.returncode == 1
    lines = [json.loads(line) for line in ended.stderr.splitlines()]  # every line JSON
    (said,) = [line for line in lines if line["message"].startswith("snapshot not taken by process")]
    assert said["level"] == "WARNING" and "unable to open database file" in said["message"]
    assert "Traceback" not in ended.stderr


@pytest.mark.parametrize("setting", [None, "false"])
def test_a_server_takes_its_snapshots_in_a_process_of_their_own_unless_told_otherwise(
    sqlite_url: str, setting: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`ORGCHANGE_SNAPSHOT_PROCESS` (default true) is what the service opens the register with."""
    from api.main import create_app
    from orgchange.application.config import Settings

    if setting is not None:
        monkeypatch.setenv("ORGCHANGE_SNAPSHOT_PROCESS", setting)
    app = create_app(Settings(database_url=sqlite_url))
    try:
        assert app.state.orgchange.snapshot_in_process is (setting is None)
    finally:
        app.state.orgchange.close()
        app.state.orgchange.engine.dispose()


@pytest.mark.parametrize(
    ("url", "seen"),
    [
        ("sqlite://", False),
        ("sqlite:///:memory:", False),
        ("sqlite:///orgchange.db", True),
        ("sqlite:////var/lib/orgchange/orgchange.db", True),
        ("postgresql+psycopg://orgchange@127.0.0.1/orgchange", True),
    ],
)
def test_a_database_only_this_process_sees_has_its_snapshots_taken_by_a_thread(url: str, seen: bool) -> None:
    """An in-memory SQLite database is this process's alone: a process of its own would find it empty."""
    assert snapshots.separate_process_sees(url) is seen


def test_snapshots_are_taken_by_event_count_after_the_write_and_the_newest_is_read(
    sqlite_url: str, sample_file
) -> None:
    """`ORGCHANGE_SNAPSHOT_INTERVAL` events after the last snapshot, a write starts the next in the
    background; a process that starts reads the newest, and only the newest two are kept."""
    changes = sample_file.changes
    with opened_app(sqlite_url, interval=40) as app:
        for start in range(0, len(changes), 20):
            app.record_changes(changes[start : start + 20], "test", sample_file.organisation)
            app.wait_for_snapshot()
        kept = app.register_snapshots.finished()
        version = app.register_event_count()
    assert len(kept) == snapshots.KEEP
    newest = kept[0].register_version
    assert version - newest < 40 + 20  # (a file may carry it past the interval)
    assert kept[1].register_version <= newest - 40
    with opened_app(sqlite_url) as app:
        assert app.register_snapshots.latest(app.register_event_count()) is not None
        assert_same_state(app.register(), replayed(app))


def test_a_snapshot_is_pickled_with_pythons_lock_handed_between_threads_often_and_the_interval_put_back(
    sqlite_url: str, sample_file, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write beside a snapshot waits for Python's lock after each statement it sends: while the
    snapshot is pickled, the interpreter hands the lock on every `SWITCH_SECONDS`, not every 5 ms;
    the interval is the process's own again once it is taken."""
    seen: list[float] = []
    encode = snapshots.encode

    def watched(*args: Any, **kwargs: Any) -> Iterator[bytes]:
        for part in encode(*args, **kwargs):
            seen.append(sys.getswitchinterval())
            yield part

    monkeypatch.setattr(snapshots, "encode", watched)
    before = sys.getswitchinterval()
    assert before > snapshots.SWITCH_SECONDS
    with opened_app(sqlite_url, interval=40) as app:
        app.record_changes(sample_file.changes, "test", sample_file.organisation)
        app.wait_for_snapshot()  # taken in the background, by a thread of its own
        assert app.register_snapshots.finished()
    assert seen and all(interval == snapshots.SWITCH_SECONDS for interval in seen)
    assert sys.getswitchinterval() == before


def test_a_snapshot_in_the_background_lets_its_copy_go_before_memory_is_given_back(
    sqlite_url: str, sample_file, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a snapshot the thread hands freed memory back to the system (`give_back_memory`):
    by then the register's working copy must be freed, or it would be kept to the next one."""
    import gc
    import weakref

    from orgchange.application import service

    copies: list[weakref.ref[Register]] = []  # the registers snapshots were taken of
    alive: list[bool] = []  # whether the copy was still alive when memory was given back
    take = service.OrgChange._take_snapshot

    def taking(self: OrgChange, register: Register) -> Any:
        copies.append(weakref.ref(register))
        return take(self, register)

    def give_back() -> None:
        gc.collect()
        alive.append(copies[-1]() is not None)

    monkeypatch.setattr(service.OrgChange, "_take_snapshot", taking)
    monkeypatch.setattr(service, "give_back_memory", give_back)
    with opened_app(sqlite_url, interval=40) as app:
        app.record_changes(sample_file.changes, "test", sample_file.organisation)
        app.wait_for_snapshot()
        assert app.register_snapshots.finished()
        assert len(copies) == 1 and copies[0]() is None  # (a copy: not the process's register)
        assert alive == [False]


def test_no_snapshot_is_taken_when_the_interval_is_zero(sqlite_url: str, sample_file) -> None:
    """0 turns them off: a database where nobody wants them holds none."""
    with opened_app(sqlite_url, interval=0) as app:
        app.record_changes(sample_file.changes, "test", sample_file.organisation)
        app.wait_for_snapshot()
        assert app.register_snapshots.finished() == []


# --- a snapshot that cannot be trusted ------------------------------------------------------------


def test_a_corrupt_snapshot_is_skipped_with_a_log_line_and_the_answers_stay_right(
    database_url: str, sample_file, caplog: pytest.LogCaptureFixture
) -> None:
    """Stored bytes that changed (a disk, a restore gone wrong) must not become the register's
    state: the digest finds it, and the register comes from the events."""
    sample_with_snapshot(database_url, sample_file)
    engine = create_engine(database_url)
    with engine.begin() as connection:
        data = connection.execute(select(parts_table.c.data)).scalar_one()
        flipped = bytes(data[:100]) + bytes([data[100] ^ 0xFF]) + bytes(data[101:])
        connection.execute(update(parts_table).values(data=flipped))
    engine.dispose()
    with caplog.at_level(logging.INFO, logger="orgchange.snapshots"), opened_app(database_url) as app:
        assert_answers_right(app)
    lines = skipped_lines(caplog)
    assert len(lines) == 1 and "skipped" in lines[0]
    assert "read from its snapshot" not in caplog.text


def test_a_snapshot_of_an_older_format_is_skipped_with_a_log_line_and_the_answers_stay_right(
    database_url: str, sample_file, caplog: pytest.LogCaptureFixture
) -> None:
    """A snapshot written when the fold gave other results is not what replay gives now: its
    format names that, and it is not read."""
    sample_with_snapshot(database_url, sample_file)
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(update(snapshots_table).values(format=snapshots.SNAPSHOT_FORMAT - 1))
    engine.dispose()
    with caplog.at_level(logging.INFO, logger="orgchange.snapshots"), opened_app(database_url) as app:
        assert_answers_right(app)
    lines = skipped_lines(caplog)
    assert len(lines) == 1
    assert f"format {snapshots.SNAPSHOT_FORMAT - 1}" in lines[0]


def test_a_snapshot_of_classes_with_other_fields_is_skipped(
    sqlite_url: str, sample_file, caplog: pytest.LogCaptureFixture
) -> None:
    """A version whose value classes gained or lost a field would read an older pickle into objects
    without it; the shape recorded with the snapshot tells, and it is skipped."""
    sample_with_snapshot(sqlite_url, sample_file)
    engine = create_engine(sqlite_url)
    with engine.begin() as connection:
        connection.execute(update(snapshots_table).values(shape="0" * 64))
    engine.dispose()
    with caplog.at_level(logging.INFO, logger="orgchange.snapshots"), opened_app(sqlite_url) as app:
        assert_answers_right(app)
    assert "fields changed" in skipped_lines(caplog)[0]


def test_a_snapshot_that_names_a_class_it_never_holds_is_skipped_and_runs_nothing(
    sqlite_url: str, sample_file, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Whoever can write to the database could store a pickle that calls a function as it is read;
    the unpickler makes the register's value classes only, so it is refused before anything runs,
    even with a digest that matches."""
    sample_with_snapshot(sqlite_url, sample_file)
    marker = tmp_path / "ran"

    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    import hashlib
    import zlib

    data = zlib.compress(pickle.dumps(Payload()))
    engine = create_engine(sqlite_url)
    with engine.begin() as connection:
        connection.execute(update(parts_table).values(data=data))
        connection.execute(
            update(snapshots_table).values(size=len(data), digest=hashlib.sha256(data).hexdigest())
        )
    engine.dispose()
    with caplog.at_level(logging.INFO, logger="orgchange.snapshots"), opened_app(sqlite_url) as app:
        assert_answers_right(app)
    assert not marker.exists()
    assert "which a snapshot never holds" in skipped_lines(caplog)[0]


def test_when_the_newest_snapshot_is_corrupt_the_one_before_it_is_read(
    sqlite_url: str, sample_file, caplog: pytest.LogCaptureFixture
) -> None:
    """Two are kept so that one bad snapshot costs the events since the one before, not all of them."""
    older, tail = sample_with_snapshot(sqlite_url, sample_file)
    with opened_app(sqlite_url) as app:
        newer = app.snapshot_now()
    assert newer is not None and newer.register_version > older
    engine = create_engine(sqlite_url)
    with engine.begin() as connection:
        connection.execute(
            update(parts_table).where(parts_table.c.snapshot_id == newer.id).values(data=b"not a snapshot")
        )
    engine.dispose()
    with caplog.at_level(logging.INFO, logger="orgchange.snapshots"), opened_app(sqlite_url) as app:
        register = app.register()
        assert f"read from its snapshot at version {older}" in caplog.text
        assert_same_state(register, replayed(app))
    assert len(skipped_lines(caplog)) == 1


def test_the_rebuild_of_the_read_models_needs_no_snapshot(sqlite_url: str, sample_file) -> None:
    """Snapshots are a cache of the write side: with every one of them corrupt, a rebuild still gives
    the read models the events give."""
    sample_with_snapshot(sqlite_url, sample_file)
    engine = create_engine(sqlite_url)
    with engine.begin() as connection:
        connection.execute(update(parts_table).values(data=b"garbage"))
    engine.dispose()
    with opened_app(sqlite_url) as app:
        before = app.read_model.last_event_id()
        count = app.rebuild()
        assert count == app.event_count()
        assert app.read_model.last_event_id() == before
        history = app.read_model.unit_history("snap-x")
        assert [row.name for row in history] == ["Enheten efter ögonblicksbilden", "Enheten, omdöpt"]


# --- writers and snapshots at once ------------------------------------------------------------


def test_a_writer_is_not_held_up_by_a_snapshot_and_records_while_one_is_written(
    sqlite_url: str, sample_file
) -> None:
    """The snapshot is written in a thread of its own after the write that made it due: with that
    thread held between two parts, the writer's next file is recorded; the snapshot then finishes,
    of the version it was started at, and a process that starts reads it and the later events."""
    with opened_app(sqlite_url, interval=50) as app:
        app.register_snapshots.part_bytes = 2_000
        part_written, go_on = threading.Event(), threading.Event()

        def hold(number: int) -> None:
            part_written.set()
            assert go_on.wait(30)

        app.register_snapshots.after_part = hold
        app.record_changes(sample_file.changes[:100], "test", sample_file.organisation)
        assert part_written.wait(30)
        started_at = app.register_event_count()
        app.record_changes(sample_file.changes[100:], "test")  # while the snapshot is held
        assert app.register_snapshots.finished() == []  # unfinished: never read
        go_on.set()
        app.wait_for_snapshot()
        (taken,) = app.register_snapshots.finished()
        assert taken.register_version == started_at < app.register_event_count()
    with opened_app(sqlite_url) as app:
        assert_same_state(app.register(), replayed(app))


KILLED_WRITER = textwrap.dedent(
    """
    import os, sys, time
    from orgchange.application import OrgChange
    from orgchange.application.changefile import parse_change_file
    from tests.support import SAMPLE

    sample = parse_change_file(SAMPLE.read_bytes(), str(SAMPLE))
    app = OrgChange(sys.argv[1], snapshot_interval=50)
    app.register_snapshots.part_bytes = 1_000

    def hold(number):
        if number == 2:
            print("part written", flush=True)
            time.sleep(600)  # killed here, mid-snapshot

    app.register_snapshots.after_part = hold
    app.record_changes(sample.changes, "test", sample.organisation)
    print("recorded", app.register_event_count(), flush=True)
    time.sleep(600)
    """
)


def test_a_process_killed_while_it_writes_a_snapshot_loses_nothing_and_the_next_start_is_right(
    database_url: str, sample_file
) -> None:
    """SIGKILL in the middle of a snapshot (some parts written, the row not finished): every event
    recorded is there, the unfinished snapshot is never read, the next process starts from the
    events and records, and its own snapshot is then read by the one after it."""
    process = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, database_url],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines: list[str] = []
        assert process.stdout is not None
        while not (any(line.startswith("recorded") for line in lines) and "part written\n" in lines):
            line = process.stdout.readline()
            assert line, f"the writer ended early: {process.stderr.read() if process.stderr else ''}"
            lines.append(line)
        recorded = int(next(line for line in lines if line.startswith("recorded")).split()[1])
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(30)
    assert process.returncode == -signal.SIGKILL
    engine = create_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(select(snapshots_table.c.digest, snapshots_table.c.parts)).all()
        written = connection.execute(select(parts_table.c.part)).scalars().all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [(None, None)] and len(written) == 3  # killed mid-way
    with opened_app(database_url) as app:
        assert app.register_event_count() == recorded
        assert app.register_snapshots.finished() == []
        assert_answers_right(app)
        assert app.snapshot_now() is not None
    with opened_app(database_url) as app:
        assert app.register_snapshots.latest(app.register_event_count()) is not None
        assert_same_state(app.register(), replayed(app))


def test_the_shape_of_the_state_is_the_same_in_every_process() -> None:
    """The shape is compared across processes (the one that wrote a snapshot, the one that starts);
    were it to name something of one process only (a function's address), no snapshot would ever
    be read."""
    script = "from orgchange.adapters.snapshots import state_shape; print(state_shape())"
    other = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert other.stdout.strip() == snapshots.state_shape()


def test_a_version_whose_change_entries_differ_reads_none_of_the_snapshots_before(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A snapshot holds each change packed, as its change-file entry: a version whose entries
    are of another schema, or whose change fields go by other names in a file, finds the older
    snapshots of another shape and reads the events instead of making changes of entries it
    would misread."""
    shape = snapshots.state_shape()
    monkeypatch.setattr(snapshots, "CHANGE_SCHEMA_VERSION", snapshots.CHANGE_SCHEMA_VERSION + 1)
    assert snapshots.state_shape() != shape
    monkeypatch.undo()
    assert snapshots.state_shape() == shape
    monkeypatch.setattr(GrantDelegation.model_fields["from_"], "alias", "source")
    assert snapshots.state_shape() != shape


def test_the_interval_is_the_setting_orgchange_snapshot_interval(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The operator sets it in the environment like every other setting (docs/operations.md)."""
    from orgchange.application.config import get_settings

    monkeypatch.setenv("ORGCHANGE_SNAPSHOT_INTERVAL", "7")
    get_settings.cache_clear()
    try:
        app = OrgChange(sqlite_url)
        try:
            assert app.snapshot_interval == 7
        finally:
            app.close()
            app.engine.dispose()
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


def test_a_generated_register_read_from_its_snapshot_judges_a_write_as_the_whole_history_would(
    sqlite_url: str,
) -> None:
    """The benchmark's generator makes a register of many units, moves, merges and delegations in
    files of 500; snapshots are taken as they are recorded. A process that starts from the newest
    snapshot holds what replay holds, refuses a change that breaks a rule and records one that
    keeps them — the same answers the register gave before snapshots existed."""
    import json

    from benchmarks.generate import Sizes, generate
    from orgchange.application.changefile import parse_change_file

    document, _ = generate(Sizes(units=200, changes=3_000, seed=3))
    parsed = parse_change_file(json.dumps(document).encode(), "generated.json")
    with opened_app(sqlite_url, interval=1_000) as app:
        for start in range(0, len(parsed.changes), 500):
            app.record_changes(parsed.changes[start : start + 500], "test", parsed.organisation)
            app.wait_for_snapshot()
        assert app.register_snapshots.finished()
    with opened_app(sqlite_url) as app:
        register = app.register()
        assert_same_state(register, replayed(app))
        alive = sorted(k for k, v in register.timeline.units.items() if v[-1].valid_to is None)
        head = register.timeline.head
        assert head is not None
        with pytest.raises(ChangeRejected) as refused:
            app.record_changes(
                [
                    EstablishUnit.model_validate(
                        {
                            "type": "establish_unit",
                            "id": "big-1",
                            "effective": head.isoformat(),
                            "unit": alive[0],
                            "name": "Samma nyckel",
                            "kind": "unit",
                            "parent": alive[1],
                        }
                    )
                ],
                "test",
            )
        assert refused.value.rule == "unique-key"
        renamed = app.record_changes(
            [
                RenameUnit.model_validate(
                    {
                        "type": "rename_unit",
                        "id": "big-2",
                        "effective": head.isoformat(),
                        "unit": alive[0],
                        "name": "Ett nytt namn",
                    }
                )
            ],
            "test",
        )
        assert renamed.recorded == ["big-2"]
        assert_same_state(app.register(), replayed(app))


def test_orgchange_import_ends_only_once_its_snapshot_is_written(sqlite_url: str) -> None:
    """The command line's process ends right after the import; the snapshot it made due is written
    before it does, so the server started next reads it instead of every event."""
    from tests.support import SAMPLE

    env = {**os.environ, "ORGCHANGE_SNAPSHOT_INTERVAL": "50"}
    subprocess.run(
        [sys.executable, "-m", "orgchange", "--db", sqlite_url, "import", str(SAMPLE)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        check=True,
        timeout=300,
    )
    with opened_app(sqlite_url) as app:
        (taken,) = app.register_snapshots.finished()
        assert taken.register_version == app.register_event_count()
