"""Which databases answer a lookup by key quickly enough to be asked on the event loop.

`quick_reads` decides where the API's small reads run (api/graphql/loaders.py `Reads`,
the answers' stamp of api/graphql/cache.py): on SQLite in WAL mode, on the loop; anywhere
else, in a worker thread, since a reader there may wait (on a socket, on a writer's lock).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import create_engine

from orgchange.adapters.eventstore import normalise_database_url, quick_reads
from orgchange.application import OrgChange


def test_the_registers_reads_are_quick_on_sqlite_in_wal_mode_and_never_on_postgresql(
    database_url: str,
) -> None:
    app = OrgChange(database_url)
    try:
        on_sqlite = app.engine.dialect.name == "sqlite"
        if on_sqlite:  # as eventsourcing-sqlalchemy leaves it
            with app.engine.connect() as connection:
                assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert quick_reads(app.engine) is on_sqlite
    finally:
        app.close()


def test_a_sqlite_file_in_another_journal_mode_is_not_read_on_the_loop(tmp_path: Path) -> None:
    path = tmp_path / "delete-journal.db"
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA journal_mode=DELETE").fetchone()[0] == "delete"
    engine = create_engine(normalise_database_url(f"sqlite:///{path}"))
    try:
        assert quick_reads(engine) is False
    finally:
        engine.dispose()
