"""Which databases answer a lookup by key quickly enough to be asked on the event loop.

`quick_reads` decides where the API's small reads run (api/graphql/loaders.py `Reads`,
the answers' stamp of api/graphql/cache.py): on SQLite in WAL mode, on the loop; anywhere
else, in a worker thread, since a reader there may wait (on a socket, on a writer's lock).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from orgchange.adapters.eventstore import normalise_database_url, quick_reads
from orgchange.application import OrgChange


def test_the_register_on_sqlite_is_in_wal_mode_and_its_reads_are_quick(sqlite_url: str) -> None:
    app = OrgChange(sqlite_url)
    try:
        assert quick_reads(app.engine) is True
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


@pytest.mark.postgres
def test_postgresql_is_never_read_on_the_loop(postgres_url: str) -> None:
    app = OrgChange(postgres_url)
    try:
        assert quick_reads(app.engine) is False
    finally:
        app.close()
