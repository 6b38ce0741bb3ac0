"""Backup while the register is being written, and restore into an empty database (docs/operations.md#backup-and-restore).

The backup is taken while four writers record changes. What it holds is one moment
of the register: the restored register's last event (position N, recorded at instant T)
tells which one, and the source, which kept being written after the backup, is asked
as it stood then — its events up to N, its answers *known at* T (every transaction is
one instant, and instants grow with the events' positions), its audit trail before
T. The restored register must give exactly those answers as it stands now, and its
tokens must still authenticate.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from orgchange.application import OrgChange
from orgchange.application.backup import EVENTS_TABLE, backup, restore
from orgchange.application.changefile import parse_change_file
from orgchange.application.documents.charts import OrgChart, chart_json
from orgchange.application.documents.delegationsordning import Delegationsordning
from orgchange.application.errors import ConcurrentWriteError
from orgchange.application.tokens import authenticate, create_token
from projections.audit import AuditReader
from tests.conftest import _fresh_postgres_database
from tests.support import opened

WRITERS = 4
DAYS = [date(2012, 6, 1), date(2014, 3, 1), date(2016, 1, 1), date(2017, 3, 1), date(2019, 1, 1)]


@pytest.fixture
def empty_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A second, empty database of the same kind as `database_url`."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    with _fresh_postgres_database() as url:
        yield url


def _writer_file(writer: int, n: int) -> bytes:
    """A unit of the writer's own under the office, renamed later: no two writers' files conflict."""
    key = f"w{writer}-{n}"
    day = date(2012, 6, 1) + timedelta(days=writer * 40 + n)
    changes = [
        {"id": key, "type": "establish_unit", "effective": day.isoformat(), "unit": key}
        | {"name": f"Enhet {writer}.{n}", "kind": "unit", "parent": "slk"},
        {"id": f"{key}-namn", "type": "rename_unit", "effective": (day + timedelta(days=400)).isoformat()}
        | {"unit": key, "name": f"Enhet {writer}.{n}, nytt namn"},
    ]
    return yaml.safe_dump({"format": "orgchange/v1", "changes": changes}).encode()


class Writers:
    """Four threads, each with its own application on the database, recording until stopped."""

    def __init__(self, database_url: str):
        self.database_url = database_url
        self.stop = threading.Event()
        self.recorded = [0] * WRITERS
        self.errors: list[BaseException] = []
        self.threads = [threading.Thread(target=self._run, args=(w,)) for w in range(WRITERS)]
        self.ready = threading.Barrier(WRITERS)  # all start writing together, none gets ahead

    def _run(self, writer: int) -> None:
        app = OrgChange(self.database_url)
        try:
            self.ready.wait(timeout=120)
            n = 0
            while not self.stop.is_set():
                changes = parse_change_file(_writer_file(writer, n)).changes
                try:
                    app.record_changes(changes, f"skrivare-{writer}")
                except ConcurrentWriteError:  # the others kept it busy: nothing recorded, try again
                    continue
                self.recorded[writer] += 1
                n += 1
                # A registrar does not send the next file the instant the last is in: without
                # a pause, whoever just won would win again and again, and one writer could
                # wait for minutes.
                self.stop.wait(random.uniform(0.01, 0.05))
        except BaseException as error:  # reported by the test
            self.errors.append(error)
        finally:
            app.close()
            app.engine.dispose()

    def wait_for(self, files: int, each: int = 0) -> None:
        """Until the writers together have recorded `files` more files than now, and each
        at least `each` in all (a writer may lose the race for a while), at most minutes."""
        goal = sum(self.recorded) + files
        deadline = time.monotonic() + 120
        while sum(self.recorded) < goal or min(self.recorded) < each:
            assert not self.errors, self.errors
            assert time.monotonic() < deadline, f"the writers recorded only {self.recorded}"
            self.stop.wait(0.01)

    def __enter__(self) -> Writers:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join()


def _rows(app: OrgChange, up_to: int) -> list[tuple]:
    table = app.recorder.events_record_cls.__table__
    with app.engine.connect() as connection:
        query = select(table).where(table.c.id <= up_to).order_by(table.c.id)
        return [
            tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)
            for row in connection.execute(query)
        ]


def _charts(app: OrgChange, known_at: datetime | None) -> list:
    return [chart_json(OrgChart.load(app.read_model, day, known_at, None, None)) for day in DAYS]


def _delegations(app: OrgChange, known_at: datetime | None) -> list:
    return [Delegationsordning.load(app.read_model, day, None, known_at).as_json() for day in DAYS]


def _change_log(app: OrgChange, known_at: datetime | None) -> list:
    page = app.read_model.changes(known_at=known_at, first=100_000)
    return page.rows


def _audit(app: OrgChange, before: datetime | None) -> list:
    page = AuditReader(app.engine).trail(None, None, before, 100_000)
    return page.entries


def _reports(app: OrgChange) -> list:
    return [repr(report) for board in ("ks", "kf") for report in app.read_model.reports.reports(board)]


def test_a_backup_taken_while_four_writers_record_restores_the_register_as_it_stood(
    database_url: str, empty_url: str, sample_file, tmp_path: Path
) -> None:
    with opened(database_url, sample_file) as source:
        sample_recorded = source.register().modified_on
        admin = create_token(source, "förvaltare", "admin")
        registrar = create_token(source, "registrator", "registrar")
        before_writers = source.last_event_id()
        with Writers(database_url) as writers:
            writers.wait_for(WRITERS * 2, each=1)
            taken = backup(database_url, tmp_path / "register.backup")
            writers.wait_for(WRITERS)  # the source goes on past the backup
        assert not writers.errors, writers.errors
        restored_info = restore(empty_url, taken.path)
        assert restored_info.last_event_id == taken.last_event_id

        with opened(empty_url) as restored:
            position = restored.last_event_id()
            assert position == taken.last_event_id
            assert before_writers < position < source.last_event_id(), "the backup was not taken mid-writing"
            moment = restored.register().modified_on
            assert moment is not None and sample_recorded is not None

            assert _rows(restored, position) == _rows(source, position)
            assert _charts(restored, None) == _charts(source, moment)
            assert _charts(restored, sample_recorded) == _charts(source, sample_recorded)
            assert _delegations(restored, None) == _delegations(source, moment)
            assert _change_log(restored, None) == _change_log(source, moment)
            assert _audit(restored, None) == _audit(source, moment + timedelta(microseconds=1))
            assert _reports(restored) == _reports(source)  # the reports are the sample's, before the writers

            writers_in_backup = {e.recorded_by for e in _audit(restored, None)} - {"test"}
            assert writers_in_backup == {f"skrivare-{w}" for w in range(WRITERS)}
            for token, name in ((admin, "förvaltare"), (registrar, "registrator")):
                caller = authenticate(restored.engine, token)
                assert caller is not None and caller.name == name
            assert not restored.read_models_behind()

            # The restored register goes on: its next event follows its last.
            restored.record_changes(parse_change_file(_writer_file(9, 0)).changes, "efter-återställning")
            assert restored.last_event_id() > position


def _cli(database_url: str, *args: str, language: str = "en") -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "ORGCHANGE_DATABASE_URL": database_url,
        "ORGCHANGE_USER": "drift",
        "ORGCHANGE_LANGUAGE": language,
    }
    return subprocess.run(
        [sys.executable, "-m", "orgchange", *args], capture_output=True, text=True, env=env, timeout=120
    )


def _event_rows(database_url: str) -> list[tuple]:
    with opened(database_url) as app:
        return _rows(app, app.last_event_id())


def test_restore_refuses_a_database_that_holds_a_register_and_changes_nothing(
    database_url: str, empty_url: str, sample_file, tmp_path: Path
) -> None:
    with opened(empty_url, sample_file):
        pass
    with opened(database_url, sample_file):
        pass
    file = tmp_path / "register.backup"
    assert _cli(database_url, "backup", str(file)).returncode == 0
    before = _event_rows(empty_url)

    refused = _cli(empty_url, "restore", str(file), language="sv")
    in_english = _cli(empty_url, "restore", str(file))

    assert refused.returncode == 1 and in_english.returncode == 1
    assert "RESTORE_TARGET_NOT_EMPTY" in refused.stderr and "inte tom" in refused.stderr
    assert "RESTORE_TARGET_NOT_EMPTY" in in_english.stderr and "is not empty" in in_english.stderr
    assert "Traceback" not in refused.stderr
    assert _event_rows(empty_url) == before


def test_the_command_line_backs_up_and_restores_into_a_database_the_service_has_already_opened(
    database_url: str, empty_url: str, sample_file, tmp_path: Path
) -> None:
    """A database the service created tables in, but recorded nothing into, is empty."""
    with opened(database_url, sample_file):
        pass
    with opened(empty_url):
        pass
    file = tmp_path / "register.backup"
    taken = _cli(database_url, "backup", str(file))
    assert taken.returncode == 0, taken.stderr

    restored = _cli(empty_url, "restore", str(file))

    assert restored.returncode == 0, restored.stderr
    assert _event_rows(empty_url) == _event_rows(database_url)
    again = _cli(database_url, "backup", str(file))
    assert again.returncode == 2 and "BACKUP_FILE_EXISTS" in again.stderr


def test_restore_refuses_what_is_not_a_backup_with_a_code_and_changes_nothing(
    database_url: str, tmp_path: Path
) -> None:
    not_a_backup = tmp_path / "anteckningar.txt"
    not_a_backup.write_text("inte en säkerhetskopia\n")
    other_kind = tmp_path / "other.backup"
    if database_url.startswith("sqlite"):
        other_kind.write_bytes(b"PGDMP\x01\x0e\x00" + b"\x00" * 100)
    else:
        import sqlite3

        sqlite3.connect(other_kind).execute("CREATE TABLE orgchange_events (id INTEGER)").connection.close()
    cases = {
        str(tmp_path / "saknas.backup"): "BACKUP_NOT_FOUND",
        str(not_a_backup): "NOT_A_BACKUP",
        str(other_kind): "BACKUP_WRONG_KIND",
    }
    for path, code in cases.items():
        result = _cli(database_url, "restore", path)
        assert result.returncode == 2, (path, result.stderr)
        assert code in result.stderr and "Traceback" not in result.stderr
    with opened(database_url) as app:
        assert app.last_event_id() == 0


def test_a_sqlite_file_that_holds_no_register_is_not_a_backup(sqlite_url: str, tmp_path: Path) -> None:
    import sqlite3

    stranger = tmp_path / "annan.db"
    sqlite3.connect(stranger).execute("CREATE TABLE t (x)").connection.close()

    with pytest.raises(Exception) as refused:
        restore(sqlite_url, stranger)

    assert getattr(refused.value, "code", None) == "NOT_A_BACKUP"
    assert not Path(sqlite_url.removeprefix("sqlite:///")).exists()


def test_the_events_table_is_the_one_the_application_writes() -> None:
    """The backup finds the register by this name; a renamed application would leave it looking elsewhere."""
    assert f"{OrgChange.name.lower()}_events" == EVENTS_TABLE


def test_a_backup_of_postgresql_without_its_client_programs_says_what_to_install(
    postgres_url: str, sample_file, tmp_path: Path
) -> None:
    """The image and the systemd install bring pg_dump; a host without it gets told, not a traceback."""
    with opened(postgres_url, sample_file):
        pass
    bare = tmp_path / "bin"
    bare.mkdir()
    env = {**os.environ, "ORGCHANGE_DATABASE_URL": postgres_url, "PATH": str(bare)}
    file = tmp_path / "register.backup"

    result = subprocess.run(
        [sys.executable, "-m", "orgchange", "backup", str(file)], capture_output=True, text=True, env=env
    )

    assert (
        result.returncode == 1
        and "PG_TOOLS_MISSING" in result.stderr
        and "postgresql-client" in result.stderr
    )
    assert not file.exists() and not list(tmp_path.glob(".*.partial"))


def test_a_backup_of_a_sqlite_database_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    missing = tmp_path / "saknas.db"

    result = _cli(f"sqlite:///{missing}", "backup", str(tmp_path / "register.backup"))

    assert result.returncode == 1 and "DATABASE_NOT_FOUND" in result.stderr
    assert not missing.exists() and not (tmp_path / "register.backup").exists()


def test_restore_refuses_a_sqlite_target_that_is_some_other_file_and_leaves_it_as_it_was(
    sqlite_url: str, sample_file, tmp_path: Path
) -> None:
    with opened(sqlite_url, sample_file):
        pass
    file = tmp_path / "register.backup"
    backup(sqlite_url, file)
    notes = tmp_path / "anteckningar.db"
    notes.write_text("inte en databas, men någons anteckningar\n" * 100)
    before = notes.read_bytes()

    result = _cli(f"sqlite:///{notes}", "restore", str(file))

    assert result.returncode == 1 and "RESTORE_TARGET_NOT_A_DATABASE" in result.stderr
    assert notes.read_bytes() == before
