"""Upgrades: a database of an earlier version is migrated, one of a newer version is left alone.

On SQLite and PostgreSQL: an older process meeting a newer database refuses to write and
drops nothing; read models of an earlier version are rebuilt into new tables while the old
ones answer; `orgchange serve` refuses a database that needs migrating, `serve --migrate`
and `orgchange migrate` migrate it (docs/upgrading.md).
"""

from __future__ import annotations

import importlib
import os
import socket
import subprocess
import sys
import threading
from datetime import date
from pathlib import Path

import httpx
import pytest
from alembic import command
from sqlalchemy import create_engine, func, inspect, select, text

from orgchange.adapters import schema
from orgchange.application import OrgChange
from orgchange.application.errors import DatabaseNeedsMigration, DatabaseTooNew
from orgchange.domain.messages import ENGLISH, SWEDISH
from orgchange.domain.register import REGISTER_ID
from projections import tables
from tests.builders import base_organisation, change
from tests.support import opened

OLDER_WORDING = "äldre lydelse"


def _execute(url: str, *statements: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))
    engine.dispose()


def _as_an_earlier_version_left_it(url: str) -> None:
    """Read models of an earlier version (another fingerprint, other words), no migrations applied."""
    _execute(
        url,
        "UPDATE read_model_schema SET fingerprint = 'earlier'",
        "DELETE FROM schema_versions",
        "DROP TABLE alembic_version",
        f"UPDATE change_log SET summary = '{OLDER_WORDING}'",
    )


def _snapshot(url: str) -> dict[str, int]:
    """Every table and its number of rows."""
    engine = create_engine(url)
    with engine.connect() as connection:
        names = inspect(connection).get_table_names()
        counts = {
            name: connection.execute(text(f'SELECT COUNT(*) FROM "{name}"')).scalar_one() for name in names
        }
    engine.dispose()
    return counts


@pytest.mark.parametrize(
    "newer",
    [
        f"UPDATE schema_versions SET version = {tables.READ_MODEL_VERSION + 1}, fingerprint = 'newer'",
        "UPDATE alembic_version SET version_num = '0099_later'",
    ],
    ids=["read-models", "migrations"],
)
def test_an_older_process_meeting_a_newer_database_refuses_to_write_and_drops_nothing(database_url, newer):
    with opened(database_url) as app:
        app.record_changes(base_organisation(), "test")
    # As a newer version leaves it: read models of another shape, and its version marker.
    _execute(database_url, newer, "UPDATE read_model_schema SET fingerprint = 'newer'")
    before = _snapshot(database_url)

    with opened(database_url) as older:
        assert older.status.too_new is not None
        with pytest.raises(DatabaseTooNew) as refused:
            older.record_changes(base_organisation(), "test")
        with pytest.raises(DatabaseTooNew):
            older.rebuild()
        with pytest.raises(DatabaseTooNew):
            older.migrate()

    assert refused.value.code == "DATABASE_TOO_NEW"
    assert refused.value.text is not None
    assert "nyare version av orgchange" in refused.value.text.render(SWEDISH)
    assert "newer version of orgchange" in refused.value.text.render(ENGLISH)
    assert _snapshot(database_url) == before
    engine = create_engine(database_url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT fingerprint FROM read_model_schema")).scalar() == "newer"
    engine.dispose()


def test_a_writer_already_open_stops_writing_once_a_newer_version_has_taken_the_database(database_url):
    """A rolling upgrade: the old process still serving sees the marker in its write transaction."""
    with opened(database_url) as older:
        older.record_changes(base_organisation(), "test")
        events = older.event_count()
        _execute(database_url, f"UPDATE schema_versions SET version = {tables.READ_MODEL_VERSION + 1}")

        with pytest.raises(DatabaseTooNew):
            older.record_changes(base_organisation()[:1], "test", organisation="Ett nytt namn")

        assert older.event_count() == events


def test_read_models_of_an_earlier_version_are_rebuilt_beside_the_old_ones_which_answer_meanwhile(
    database_url,
):
    with opened(database_url) as app:
        app.record_changes(base_organisation(), "test")
        expected = [c.summary for c in app.read_model.changes().rows]
        organisation = app.read_model.organisation(date(2013, 1, 1))
    _as_an_earlier_version_left_it(database_url)

    app = OrgChange(database_url, migrate=False)
    full, go = threading.Event(), threading.Event()
    during: dict[str, object] = {}

    def hold() -> None:
        full.set()
        assert go.wait(60)

    app.before_swap = hold
    try:
        assert app.status.needs_migration
        with pytest.raises(DatabaseNeedsMigration):
            app.record_changes(base_organisation(), "test")
        migrating = threading.Thread(target=lambda: during.setdefault("done", app.migrate()))
        migrating.start()
        assert full.wait(60)
        try:
            # The new tables are full, not yet swapped in: the old ones answer.
            during["summaries"] = {c.summary for c in app.read_model.changes().rows}
            during["organisation"] = app.read_model.organisation(date(2013, 1, 1))
        finally:
            go.set()
            migrating.join(60)

        assert during["summaries"] == {OLDER_WORDING}
        assert during["organisation"] == organisation
        assert during["done"] == [
            f"tabellerna uppgraderade till {schema.head()}",
            f"läsmodellerna återuppbyggda i version {tables.READ_MODEL_VERSION}",
        ]
        assert [c.summary for c in app.read_model.changes().rows] == expected
        assert not app.status.needs_migration
        leftovers = [n for n in inspect(app.engine).get_table_names() if "__" in n]
        assert leftovers == []
    finally:
        app.close()
        app.engine.dispose()


def _as_version_0_3_left_its_access_paths(url: str) -> None:
    """Read models of the shape before 0004_access_paths: its four indexes as they were then."""
    revision = importlib.import_module("orgchange.adapters.migrations.versions.0004_access_paths")
    statements = ["UPDATE alembic_version SET version_num = '0003_web_sessions'"]
    for table, name, _, replaced in revision.ACCESS_PATHS:
        statements.append(f"DROP INDEX {name}")
        if replaced is not None:
            statements.append(f"CREATE INDEX {name} ON {table} ({', '.join(replaced)})")
    statements += [
        f"UPDATE read_model_schema SET fingerprint = '{revision.BEFORE}'",
        f"UPDATE schema_versions SET fingerprint = '{revision.BEFORE}'",
    ]
    _execute(url, *statements)


def test_read_models_of_the_shape_before_the_access_paths_get_their_indexes_in_place_not_rebuilt(
    database_url,
):
    """A large register's upgrade past 0004_access_paths costs four indexes, not a rebuild of
    every read model: the revision makes them in place and marks the read models as of the
    shape after it, leaving every row as it was (the older wording left in them shows that
    nothing was rebuilt). Whether a later revision's read models then need a rebuild is
    that revision's business (the search names of this version do)."""
    with opened(database_url) as app:
        app.record_changes(base_organisation(), "test")
        organisation = app.read_model.organisation(date(2013, 1, 1))
    _as_version_0_3_left_its_access_paths(database_url)
    _execute(database_url, f"UPDATE change_log SET summary = '{OLDER_WORDING}'")
    revision = importlib.import_module("orgchange.adapters.migrations.versions.0004_access_paths")

    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            config = schema._config(connection)
            command.upgrade(config, "0004_access_paths")
        with engine.connect() as connection:
            fingerprint = connection.execute(text("SELECT fingerprint FROM read_model_schema")).scalar()
            summaries = {row[0] for row in connection.execute(text("SELECT summary FROM change_log"))}
        assert fingerprint == revision.AFTER
        assert summaries == {OLDER_WORDING}
        found = inspect(engine)
        for table, _, columns, replaced in revision.ACCESS_PATHS:
            made = {tuple(index["column_names"]) for index in found.get_indexes(table)}
            assert columns in made
            assert replaced is None or replaced not in made
    finally:
        engine.dispose()

    app = OrgChange(database_url, migrate=False)
    try:
        app.migrate()
        assert not app.status.needs_migration
        assert app.read_model.organisation(date(2013, 1, 1)) == organisation
    finally:
        app.close()
        app.engine.dispose()


UNIT_CHANGE_ORDER = "orgchange.adapters.migrations.versions.0009_unit_change_order"


def _before_the_unit_change_order() -> list[str]:
    """Statements that leave read models of this version as the version before 0009 had them:
    `change_units` without the log's order, its index of `unit_id` alone, version 3."""
    revision = importlib.import_module(UNIT_CHANGE_ORDER)
    return [
        "UPDATE alembic_version SET version_num = '0008_recheck_paths'",
        f"DROP INDEX {revision.INDEX}",
        "ALTER TABLE change_units DROP COLUMN effective",
        "ALTER TABLE change_units DROP COLUMN seq",
        f"CREATE INDEX {revision.INDEX} ON change_units (unit_id)",
        f"UPDATE read_model_schema SET fingerprint = '{revision.BEFORE}'",
        f"UPDATE schema_versions SET fingerprint = '{revision.BEFORE}', version = {revision.VERSION_BEFORE}",
    ]


def test_read_models_before_the_unit_change_order_get_it_in_place_not_rebuilt(database_url):
    """0009_unit_change_order: `change_units` of the shape before it gets each change's place in
    the log, filled from the log's rows, and the index of the unit and that place, in place —
    every other row as it was (the older wording shows nothing was rebuilt) — and a unit's
    changes are then listed as before, a page at a time."""
    revision = importlib.import_module(UNIT_CHANGE_ORDER)
    with opened(database_url) as app:
        app.record_changes(base_organisation(), "test")
        app.record_changes(
            [
                change("rename_unit", effective=f"{2013 + year}-01-01", unit="va", name=f"VA {year}")
                for year in range(5)
            ]
            + [change("rename_unit", effective="2012-06-01", unit="va", name="VA tidigt")],  # retroactive
            "test",
        )
        expected = app.read_model.changes(unit_id="va", first=3)
        assert len(expected.rows) == 3 and expected.has_next
        places = _rows(database_url, "SELECT change_id, unit_id, effective, seq FROM change_units")
    _execute(
        database_url, *_before_the_unit_change_order(), f"UPDATE change_log SET summary = '{OLDER_WORDING}'"
    )

    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            command.upgrade(schema._config(connection), "0009_unit_change_order")
        with engine.connect() as connection:
            fingerprint = connection.execute(text("SELECT fingerprint FROM read_model_schema")).scalar()
            summaries = {row[0] for row in connection.execute(text("SELECT summary FROM change_log"))}
            assert tables.stored_read_model_version(connection) == revision.VERSION_AFTER
        indexes = {tuple(index["column_names"]) for index in inspect(engine).get_indexes("change_units")}
    finally:
        engine.dispose()
    assert fingerprint == revision.AFTER == tables.schema_fingerprint()
    assert summaries == {OLDER_WORDING}
    assert revision.COLUMNS_AFTER in indexes and revision.COLUMNS_BEFORE not in indexes
    assert _rows(database_url, "SELECT change_id, unit_id, effective, seq FROM change_units") == places

    app = OrgChange(database_url, migrate=False)
    try:
        assert not app.status.needs_migration
        again = app.read_model.changes(unit_id="va", first=3)
        assert [c.id for c in again.rows] == [c.id for c in expected.rows]
        rest = app.read_model.changes(unit_id="va", first=100, after=again.end_cursor)
        assert [c.effective for c in again.rows + rest.rows] == sorted(
            c.effective for c in again.rows + rest.rows
        )
    finally:
        app.close()
        app.engine.dispose()


def _rows(url: str, statement: str) -> list[tuple]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return sorted(tuple(row) for row in connection.execute(text(statement)))
    finally:
        engine.dispose()


def test_read_models_before_the_recheck_paths_get_their_three_indexes_in_place_not_rebuilt(database_url):
    """0008_recheck_paths: read models of the shape before it (and a decisions' table without
    the index of a delegation's code) get the three indexes the re-check after a write reads
    through, in place — every row as it was (the older wording shows nothing was rebuilt) —
    and the read models are then of this version's shape."""
    revision = importlib.import_module("orgchange.adapters.migrations.versions.0008_recheck_paths")
    with opened(database_url) as app:
        app.record_changes(base_organisation(), "test")
        organisation = app.read_model.organisation(date(2013, 1, 1))
    statements = _before_the_unit_change_order()
    statements += ["UPDATE alembic_version SET version_num = '0007_decision_pages'"]
    statements += [
        f"DROP INDEX {name}" for _, name, _ in (*revision.READ_MODEL_PATHS, revision.DECISION_PATH)
    ]
    statements += [
        f"UPDATE read_model_schema SET fingerprint = '{revision.BEFORE}'",
        f"UPDATE schema_versions SET fingerprint = '{revision.BEFORE}'",
        f"UPDATE change_log SET summary = '{OLDER_WORDING}'",
    ]
    _execute(database_url, *statements)

    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            command.upgrade(schema._config(connection), "0008_recheck_paths")
        with engine.connect() as connection:
            fingerprint = connection.execute(text("SELECT fingerprint FROM read_model_schema")).scalar()
            summaries = {row[0] for row in connection.execute(text("SELECT summary FROM change_log"))}
        found = inspect(engine)
        for table, _, columns in (*revision.READ_MODEL_PATHS, revision.DECISION_PATH):
            assert columns in {tuple(index["column_names"]) for index in found.get_indexes(table)}
    finally:
        engine.dispose()
    assert fingerprint == revision.AFTER
    assert summaries == {OLDER_WORDING}

    # and on to this version's shape, in place again (0009_unit_change_order)
    app = OrgChange(database_url, migrate=False)
    try:
        assert app.status.needs_migration
        app.migrate()
        assert not app.status.needs_migration
        assert app.read_model.organisation(date(2013, 1, 1)) == organisation
        assert {row.summary for row in app.read_model.changes(first=100).rows} == {OLDER_WORDING}
    finally:
        app.close()
        app.engine.dispose()


def test_a_rebuild_that_fails_leaves_the_old_read_models_and_no_new_tables(database_url):
    with opened(database_url) as app:
        app.record_changes(base_organisation(), "test")
        before = app.read_model.organisation(date(2013, 1, 1))

        def fail() -> None:
            raise RuntimeError("the disk filled up")

        app.before_swap = fail
        with pytest.raises(RuntimeError):
            app.rebuild()

        assert app.read_model.organisation(date(2013, 1, 1)) == before
        assert [n for n in inspect(app.engine).get_table_names() if "__" in n] == []


def test_an_empty_database_is_made_at_this_version_at_once(database_url):
    with opened(database_url) as app:
        assert not app.status.needs_migration
        engine = app.engine
        with engine.connect() as connection:
            assert schema.migration_state(connection).current == (schema.head(),)
            assert tables.stored_read_model_version(connection) == tables.READ_MODEL_VERSION
            assert {"api_tokens", "generated_outputs"} <= set(inspect(connection).get_table_names())


def test_a_stored_change_of_a_newer_schema_is_refused_not_misread(database_url):
    from eventsourcing.persistence import StoredEvent
    from eventsourcing.utils import get_topic

    from orgchange.domain.register import Register

    with opened(database_url) as app:
        app.record_changes(base_organisation(), "test")
        version = app.register().version + 1
        state = (
            b'{"timestamp":{"_type_":"datetime_iso","_data_":"2030-01-01T00:00:00+00:00"},'
            b'"change":{"_type_":"change:rename_unit","_data_":{"schema":99,"entry":{}}},'
            b'"recorded_by":"x","class_version":1}'
        )
        app.recorder.insert_events(
            [StoredEvent(REGISTER_ID, version, get_topic(Register.ChangeRecorded), state)]
        )
        app.repository.cache = None  # read the register afresh from its events
        with pytest.raises(Exception, match="DATABASE_TOO_NEW"):
            app.register()
        with pytest.raises(Exception, match="DATABASE_TOO_NEW"):
            app.record_changes(base_organisation(), "test")


# --- the command line ------------------------------------------------------------------------


def run(
    database_url: str, *args: str, timeout: float = 120, language: str = "en"
) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "ORGCHANGE_DATABASE_URL": database_url,
        "ORGCHANGE_USER": "registrator",
        "ORGCHANGE_LANGUAGE": language,
    }
    return subprocess.run(
        [sys.executable, "-m", "orgchange", *args], capture_output=True, text=True, env=env, timeout=timeout
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _recorded_by_an_earlier_version(database_url: str) -> None:
    assert run(database_url, "demo").returncode == 0
    _as_an_earlier_version_left_it(database_url)


def test_serve_refuses_a_database_that_needs_migrating_and_names_the_command(database_url):
    _recorded_by_an_earlier_version(database_url)

    served = run(database_url, "serve", "--port", str(_free_port()), timeout=60, language="sv")

    assert served.returncode == 1
    assert "DATABASE_NEEDS_MIGRATION" in served.stderr
    assert "orgchange migrate" in served.stderr and "behöver uppgraderas" in served.stderr
    assert "Traceback" not in served.stderr
    chart = run(database_url, "chart", "--as-of", "2017-03-01")
    assert chart.returncode == 1 and "DATABASE_NEEDS_MIGRATION" in chart.stderr
    assert "orgchange migrate" in chart.stderr and "needs to be upgraded" in chart.stderr


def test_migrate_upgrades_the_database_and_then_has_nothing_left_to_do(database_url):
    _recorded_by_an_earlier_version(database_url)

    migrated = run(database_url, "migrate")
    again = run(database_url, "migrate")

    assert migrated.returncode == 0, migrated.stderr
    assert f"Klart: tabellerna uppgraderade till {schema.head()}." in migrated.stdout
    assert "Klart: läsmodellerna återuppbyggda" in migrated.stdout
    assert again.returncode == 0 and "nothing needed doing" in again.stdout
    chart = run(database_url, "chart", "--as-of", "2017-03-01", "--format", "json")
    assert chart.returncode == 0, chart.stderr
    engine = create_engine(database_url)
    with engine.connect() as connection:
        summaries = connection.execute(
            select(func.count()).where(tables.change_log.c.summary == OLDER_WORDING)
        )
        assert summaries.scalar_one() == 0
    engine.dispose()


def test_migrate_refuses_a_database_of_a_newer_version(sqlite_url):
    assert run(sqlite_url, "demo").returncode == 0
    _execute(sqlite_url, "UPDATE alembic_version SET version_num = '0099_later'")

    refused = run(sqlite_url, "migrate")

    assert refused.returncode == 1
    assert "DATABASE_TOO_NEW" in refused.stderr and "0099_later" in refused.stderr


def test_serve_with_migrate_upgrades_the_database_and_serves_it(database_url, tmp_path: Path):
    _recorded_by_an_earlier_version(database_url)
    port = _free_port()
    env = {**os.environ, "ORGCHANGE_DATABASE_URL": database_url}
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "orgchange", "serve", "--migrate", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        answer = None
        for _ in range(300):
            try:
                answer = httpx.post(
                    f"http://127.0.0.1:{port}/graphql",
                    json={"query": "{ changes(first: 1) { edges { node { summary } } } }"},
                    timeout=2,
                )
                break
            except httpx.HTTPError:
                if process.poll() is not None:
                    break
                threading.Event().wait(0.1)
        assert answer is not None, (tmp_path / "serve.log").read_text()
        assert answer.status_code == 200
        summary = answer.json()["data"]["changes"]["edges"][0]["node"]["summary"]
        assert summary != OLDER_WORDING
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()
    assert "Klart: läsmodellerna återuppbyggda" in (tmp_path / "serve.log").read_text()


def test_the_service_over_a_newer_database_answers_queries_and_refuses_writes_with_the_code(database_url):
    from fastapi.testclient import TestClient

    from api.main import create_app
    from orgchange.application.config import Settings
    from orgchange.application.tokens import create_token

    with opened(database_url) as app:
        app.record_changes(base_organisation(), "test")
        token = create_token(app, "registrator", "registrar")
    _execute(database_url, f"UPDATE schema_versions SET version = {tables.READ_MODEL_VERSION + 1}")
    before = _snapshot(database_url)

    settings = Settings(database_url=database_url, public_read=True)
    with TestClient(create_app(settings)) as client:
        query = client.post(
            "/graphql", json={"query": '{ organisation(asOf: "2013-01-01") { units { id } } }'}
        )
        write = client.post(
            "/changes",
            content='{"format": "orgchange/v1", "changes": []}',
            headers={"content-type": "application/json", "Authorization": f"Bearer {token}"},
        )
        named = client.post(
            "/changes",
            content='{"format": "orgchange/v1", "organisation": "Ett annat namn", "changes": []}',
            headers={"content-type": "application/json", "Authorization": f"Bearer {token}"},
        )

    assert query.status_code == 200 and query.json()["data"]["organisation"]["units"]
    assert write.status_code == 503 and "DATABASE_TOO_NEW" in write.json()["detail"]
    assert named.status_code == 503
    assert _snapshot(database_url) == before


def test_processes_starting_together_on_an_empty_database_all_start_and_make_it_once(database_url):
    """Servers of a new install started at the same moment: each may find the tables half made."""
    env = {**os.environ, "ORGCHANGE_DATABASE_URL": database_url, "ORGCHANGE_USER": "registrator"}
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "orgchange", "audit", "--format", "json"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    results = [(p.wait(timeout=120), p.communicate()) for p in processes]

    assert [code for code, _ in results] == [0, 0, 0], [err for _, (_, err) in results]
    engine = create_engine(database_url)
    with engine.connect() as connection:
        assert schema.migration_state(connection).current == (schema.head(),)
        assert connection.execute(text("SELECT COUNT(*) FROM schema_versions")).scalar_one() == 1
    engine.dispose()


def test_the_migrations_are_one_line_that_starts_at_the_base_revision():
    """A later revision names the one before it as `down_revision`: one head, one base, 0001_base."""
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory(str(schema.MIGRATIONS))

    assert scripts.get_bases() == ["0001_base"]
    assert scripts.get_heads() == [schema.head()]
    assert (schema.MIGRATIONS / "versions" / "0001_base.py").is_file()


def test_read_models_rebuilt_in_bulk_have_every_index_of_the_schema(database_url):
    """A rebuild loads the new tables first and indexes them afterwards: once swapped in, each
    read model has each index the schema declares (by its columns), as a fresh database has."""
    with opened(database_url) as app:
        app.record_changes(base_organisation(), "test")
        app.rebuild()
        found = inspect(app.engine)
        for table in tables.READ_MODEL_TABLES:
            made = {tuple(index["column_names"]) for index in found.get_indexes(table.name)}
            declared = {tuple(column.name for column in index.columns) for index in table.indexes}
            assert declared <= made, table.name


def test_the_unit_change_order_is_taken_back_by_its_downgrade_and_made_again(database_url):
    """0009's downgrade leaves read models of the shape before it (their fingerprint, version 3,
    `change_units` without the two columns, the index of `unit_id`); upgrading fills them again."""
    revision = importlib.import_module(UNIT_CHANGE_ORDER)
    with opened(database_url) as app:
        app.record_changes(base_organisation(), "test")
    places = _rows(database_url, "SELECT change_id, unit_id, effective, seq FROM change_units")
    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            command.downgrade(schema._config(connection), "0008_recheck_paths")
        with engine.connect() as connection:
            assert (
                connection.execute(text("SELECT fingerprint FROM read_model_schema")).scalar()
                == revision.BEFORE
            )
            assert tables.stored_read_model_version(connection) == revision.VERSION_BEFORE
        found = inspect(engine)
        assert {c["name"] for c in found.get_columns("change_units")} == {"change_id", "unit_id"}
        assert revision.COLUMNS_BEFORE in {
            tuple(i["column_names"]) for i in found.get_indexes("change_units")
        }
        with engine.begin() as connection:
            command.upgrade(schema._config(connection), "head")
    finally:
        engine.dispose()
    assert _rows(database_url, "SELECT change_id, unit_id, effective, seq FROM change_units") == places
    app = OrgChange(database_url, migrate=False)
    try:
        assert not app.status.needs_migration
    finally:
        app.close()
        app.engine.dispose()
