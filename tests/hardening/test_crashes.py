"""Crashes and failing storage: a killed import or rebuild, a full disk, a database that is gone.

`orgchange import` and `orgchange rebuild` run as real subprocesses on a large
generated file and are killed with SIGKILL — at the moment they are seen writing
(SQLite's write-ahead log growing; a PostgreSQL backend with a transaction id),
a little later, and at fixed delays — and the register must then hold either the
whole file or nothing of it, and its read models must catch up to exactly the
events (`check_register` compares them with a fresh rebuild). Importing the file
again afterwards records what is missing and nothing twice.

A full disk is a real one for the process: the import runs with a file-size
limit (RLIMIT_FSIZE, what `ulimit -f` sets) just above the database's size, so
SQLite's writes fail as on a full file system; in-process, SQLite's own
`PRAGMA max_page_count` makes the database full. A database that is unavailable
is a PostgreSQL URL to a closed port, and a database dropped under a running service.
"""

from __future__ import annotations

import os
import resource
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, delete, event, text, update
from sqlalchemy.engine import make_url

from api.main import create_app
from orgchange.application import OrgChange
from orgchange.application.changefile import parse_change_file
from orgchange.application.config import Settings
from orgchange.application.errors import DatabaseUnavailable
from orgchange.application.tokens import create_token
from projections import tables
from tests.support import POSTGRES_ADMIN_URL, ROOT

from .conftest import (
    check_register,
    cli_env,
    close,
    large_file_entries,
    logged_ids,
    orgchange_command,
    report,
    run_cli,
    write_file,
)

UNITS = 1500  # 3,003 changes in the file: about half a second inside the write transaction


def _writing(database_url: str, path: Path | None) -> bool:
    """Whether the subprocess has begun writing its transaction."""
    if path is not None:
        # SQLite: a writer holds the database's one write lock from its first write to its
        # commit (the pages it writes may stay in its cache until then), so another
        # connection that asks for the lock, without waiting, is refused while it writes.
        probe = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError as error:
            return "locked" in str(error)
        finally:
            probe.close()
    name = make_url(database_url).database
    engine = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            found = connection.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = :name AND backend_xid IS NOT NULL"
                ),
                {"name": name},
            ).scalar_one()
        return found > 0
    finally:
        engine.dispose()


def _sqlite_path(database_url: str) -> Path | None:
    url = make_url(database_url)
    return Path(url.database) if url.get_backend_name() == "sqlite" else None


def _kill_when(database_url: str, command: list[str], when: str) -> tuple[int | None, bool]:
    """Run `command`; SIGKILL it at `when` ('writing', 'writing+0.3', or a delay in seconds).

    Returns its exit status (None if it was killed) and whether writing had been seen.
    """
    path = _sqlite_path(database_url)
    process = subprocess.Popen(
        command, cwd=ROOT, env=cli_env(ORGCHANGE_USER="crash"), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    seen_writing = False
    started = time.monotonic()
    try:
        while process.poll() is None and time.monotonic() - started < 120:
            if when.startswith("writing"):
                if _writing(database_url, path):
                    seen_writing = True
                    time.sleep(float(when.partition("+")[2] or 0))
                    break
                time.sleep(0.005)
            else:
                time.sleep(float(when))
                break
        else:
            return process.returncode, seen_writing
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        return (None if process.returncode == -signal.SIGKILL else process.returncode), seen_writing
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()


@pytest.mark.parametrize("when", ["writing", "writing+0.2", "1.0"])
def test_a_killed_import_leaves_the_whole_file_or_nothing(
    database_url: str, tmp_path: Path, when: str
) -> None:
    entries = large_file_entries(UNITS, "k")
    big = write_file(tmp_path / "reorganisation.yaml", entries)
    setup = run_cli(
        database_url, "import", str(write_file(tmp_path / "first.yaml", large_file_entries(3, "s")))
    )
    assert setup.returncode == 0, setup.stderr

    status, seen_writing = _kill_when(database_url, orgchange_command(database_url, "import", str(big)), when)

    app = check_register(database_url)
    try:
        file_ids = {entry["id"] for entry in entries}
        recorded = set(logged_ids(app)) & file_ids
        assert recorded in (set(), file_ids), (
            f"{len(recorded)} of {len(file_ids)} changes of the file recorded"
        )
        if status is None and when.startswith("writing") and seen_writing and when == "writing":
            # Killed as soon as it was seen writing: long before its commit.
            assert recorded == set()
        if status == 0:
            assert recorded == file_ids
    finally:
        close(app)

    again = run_cli(database_url, "import", str(big))
    assert again.returncode == 0, again.stderr
    app = check_register(database_url)
    try:
        ids = logged_ids(app)
        assert set(ids) >= file_ids and len(ids) == len(set(ids)) == len(entries) + 9
    finally:
        close(app)
    report(
        "killed_import",
        database=database_url.split(":")[0],
        when=when,
        killed=status is None,
        seen_writing=seen_writing,
        file_changes=len(file_ids),
        recorded_at_kill=len(recorded),
        logged_after_reimport=len(ids),
    )


@pytest.mark.parametrize("when", ["writing", "0.4"])
def test_a_killed_rebuild_leaves_the_old_read_models_or_the_new(
    database_url: str, tmp_path: Path, when: str
) -> None:
    imported = run_cli(
        database_url, "import", str(write_file(tmp_path / "f.yaml", large_file_entries(UNITS, "r")))
    )
    assert imported.returncode == 0, imported.stderr
    # Read models behind the events, as after an upgrade: the change log is gone and the
    # tracking says nothing was projected. A rebuild must bring everything back.
    app = OrgChange(database_url)
    with app.engine.begin() as connection:
        connection.execute(delete(tables.change_log))
        connection.execute(update(tables.projection_state).values(last_event_id=0))
    assert app.read_models_behind()
    close(app)

    status, seen_writing = _kill_when(database_url, orgchange_command(database_url, "rebuild"), when)

    app = OrgChange(database_url)
    try:
        # Either the rebuild committed (up to date) or nothing of it did (still behind).
        behind = app.read_models_behind()
        assert behind == (logged_ids(app) == [])
        events = app.event_count()
    finally:
        close(app)
    close(check_register(database_url))
    report(
        "killed_rebuild",
        database=database_url.split(":")[0],
        when=when,
        killed=status is None,
        seen_writing=seen_writing,
        events=events,
        left="old read models" if behind else "new read models",
    )


def _file_size_limit(limit: int):
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_a_full_disk_is_a_clear_error_and_records_nothing(sqlite_url: str, tmp_path: Path) -> None:
    first = run_cli(sqlite_url, "import", str(write_file(tmp_path / "a.yaml", large_file_entries(5, "a"))))
    assert first.returncode == 0, first.stderr
    database = _sqlite_path(sqlite_url)
    assert database is not None
    limit = database.stat().st_size + 64 * 1024
    big = write_file(tmp_path / "big.yaml", large_file_entries(UNITS, "b"))

    full = run_cli(sqlite_url, "import", str(big), preexec_fn=_file_size_limit(limit))

    assert full.returncode == 1
    assert "Traceback" not in full.stderr
    assert full.stderr.startswith("error: the database cannot be used right now; nothing was recorded")
    app = check_register(sqlite_url)
    try:
        assert not any(key.startswith("b") for key in logged_ids(app))
    finally:
        close(app)
    # With room again, the same file goes in whole.
    assert run_cli(sqlite_url, "import", str(big)).returncode == 0
    close(check_register(sqlite_url))
    report(
        "full_disk_import",
        file_size_limit=limit,
        file_changes=len(large_file_entries(UNITS, "b")),
        exit_status=full.returncode,
    )


def _fill_up(app: OrgChange, pages: int) -> None:
    """Every new connection of the app may grow the SQLite file to `pages` pages, no more."""
    app.engine.dispose()

    @event.listens_for(app.engine, "connect")
    def limit(dbapi_connection, _record) -> None:  # noqa: ANN001 - DB-API connection
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")


def test_a_full_database_refuses_an_upload_with_503(sqlite_url: str, tmp_path: Path) -> None:
    app = OrgChange(sqlite_url)
    try:
        first = parse_change_file(write_file(tmp_path / "a.yaml", large_file_entries(5, "a")).read_text())
        app.record_changes(first.changes, "setup")
        token = create_token(app, "registratorn", "registrar")
        with app.engine.connect() as connection:
            pages = connection.execute(text("PRAGMA page_count")).scalar_one()
        before = logged_ids(app)
        _fill_up(app, pages + 8)
        body = write_file(tmp_path / "big.yaml", large_file_entries(500, "b")).read_bytes()
        auth = {"Authorization": f"Bearer {token}"}
        with TestClient(
            create_app(Settings(database_url=sqlite_url), app), headers={"Accept-Language": "en"}
        ) as client:
            response = client.post(
                "/changes", content=body, headers={"content-type": "application/yaml", **auth}
            )
            assert response.status_code == 503, response.text
            assert response.json() == {"detail": DatabaseUnavailable.MESSAGE, "code": "DATABASE_UNAVAILABLE"}
            assert response.headers["retry-after"] == "5"  # space may be freed: asking again may succeed
            mutation = "mutation ($f: JSON!) { recordChanges(file: $f) }"
            graphql = client.post(
                "/graphql", json={"query": mutation, "variables": {"f": body.decode()}}, headers=auth
            ).json()
            assert graphql["errors"][0]["extensions"]["code"] == "DATABASE_UNAVAILABLE"
            assert graphql["errors"][0]["message"] == DatabaseUnavailable.MESSAGE
        assert logged_ids(app) == before
    finally:
        close(app)
    close(check_register(sqlite_url))
    report("full_database_upload", max_page_count=pages + 8, http_status=response.status_code)


def test_a_rebuild_on_a_full_disk_fails_whole(sqlite_url: str, tmp_path: Path) -> None:
    imported = run_cli(
        sqlite_url, "import", str(write_file(tmp_path / "f.yaml", large_file_entries(UNITS, "r")))
    )
    assert imported.returncode == 0, imported.stderr
    app = OrgChange(sqlite_url)
    with app.engine.begin() as connection:
        connection.execute(delete(tables.change_log))
        connection.execute(update(tables.projection_state).values(last_event_id=0))
    close(app)

    full = run_cli(sqlite_url, "rebuild", preexec_fn=_file_size_limit(256 * 1024))

    assert full.returncode == 1
    assert full.stderr.startswith("error: the database cannot be used right now"), full.stderr
    assert "Traceback" not in full.stderr
    app = OrgChange(sqlite_url)
    try:
        assert app.read_models_behind() and logged_ids(app) == []  # nothing of the rebuild stayed
    finally:
        close(app)
    close(check_register(sqlite_url))
    report("full_disk_rebuild", file_size_limit=256 * 1024, exit_status=full.returncode)


def test_a_closed_port_is_a_clear_error(tmp_path: Path) -> None:
    url = make_url(POSTGRES_ADMIN_URL).set(port=1, database="orgchange").render_as_string(hide_password=False)
    for args in (["import", str(write_file(tmp_path / "a.yaml", large_file_entries(1, "a")))], ["rebuild"]):
        result = run_cli(url, *args)
        assert result.returncode == 1
        assert result.stderr.startswith("error: the database cannot be used"), result.stderr
        assert "Traceback" not in result.stderr
        report("closed_port", command=args[0], exit_status=result.returncode)


@pytest.mark.postgres
def test_a_dropped_database_under_a_running_service(postgres_url: str, tmp_path: Path) -> None:
    app = OrgChange(postgres_url)
    try:
        token = create_token(app, "registratorn", "registrar")
        with TestClient(
            create_app(Settings(database_url=postgres_url), app), headers={"Accept-Language": "en"}
        ) as client:
            admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                name = make_url(postgres_url).database
                connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            admin.dispose()
            body = write_file(tmp_path / "a.yaml", large_file_entries(3, "a")).read_bytes()
            auth = {"Authorization": f"Bearer {token}"}
            posted = client.post(
                "/changes", content=body, headers={"content-type": "application/yaml", **auth}
            )
            assert posted.status_code == 503, posted.text
            assert posted.json() == {"detail": DatabaseUnavailable.MESSAGE, "code": "DATABASE_UNAVAILABLE"}
            query = client.post("/graphql", json={"query": '{ organisation(asOf: "2013-01-01") { asOf } }'})
            error = query.json()["errors"][0]
            assert error["message"] == DatabaseUnavailable.MESSAGE
            assert error["extensions"]["code"] == "DATABASE_UNAVAILABLE"
            health = client.get("/health")
            assert health.status_code == 503
            for response in (posted, query, health):
                assert "Traceback" not in response.text and "psycopg" not in response.text
    finally:
        close(app)
    result = run_cli(postgres_url, "import", str(tmp_path / "a.yaml"))
    assert result.returncode == 1 and "does not exist" in result.stderr and "Traceback" not in result.stderr
    report(
        "dropped_database",
        upload_status=posted.status_code,
        graphql_code=error["extensions"]["code"],
        health_status=health.status_code,
        cli_exit_status=result.returncode,
    )
