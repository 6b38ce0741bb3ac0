"""Which databases answer a lookup by key quickly enough to be asked on the event loop.

`quick_reads` decides where the API's small reads run (api/graphql/loaders.py `Reads`,
the answers' stamp of api/graphql/cache.py): on SQLite in WAL mode, on the loop; anywhere
else, in a worker thread, since a reader there may wait (on a socket, on a writer's lock).
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from api.graphql.cache import Stamp, StampBusy
from api.graphql.loaders import Reads
from orgchange.adapters.eventstore import normalise_database_url, quick_reads
from orgchange.application import OrgChange
from projections import tables
from projections.batches import BatchReader


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


def _loop_thread_runs(reads: Reads) -> bool:
    """Whether `reads.few` ran its work on the thread of the event loop that awaited it."""

    async def scenario() -> bool:
        here = threading.get_ident()
        ran_on = await reads.few(threading.get_ident)
        return ran_on == here

    return asyncio.run(scenario())


def test_a_few_keys_are_read_on_the_loop_only_while_the_pool_has_a_connection_free(tmp_path: Path) -> None:
    """A read on the loop that had to wait for a connection would hold up every request of the
    process (up to the pool's timeout): it waits in a thread instead."""
    app = OrgChange(f"sqlite:///{tmp_path / 'pool.db'}", pool_size=1, pool_overflow=0, pool_timeout=0.5)
    try:
        reads = Reads(app.engine)
        with app.engine.connect():  # opens the pool's one connection, and returns it after
            pass
        assert _loop_thread_runs(reads) is True
        with app.engine.connect():  # now every connection is in use
            assert _loop_thread_runs(reads) is False
        assert _loop_thread_runs(reads) is True
    finally:
        app.close()
        app.engine.dispose()


def test_a_pool_that_may_still_open_a_connection_lets_the_loop_read(tmp_path: Path) -> None:
    """Opening an SQLite connection does not wait on anyone: the loop reads when the pool's
    open connections are all lent out but it may open more (its size, then its overflow), and
    goes to a thread only when it may not."""
    app = OrgChange(f"sqlite:///{tmp_path / 'grows.db'}", pool_size=1, pool_overflow=1, pool_timeout=0.5)
    try:
        reads = Reads(app.engine)
        assert _loop_thread_runs(reads) is True  # its one connection idle
        with app.engine.connect():  # the pool's one, lent to a worker: the overflow remains
            assert _loop_thread_runs(reads) is True
            with app.engine.connect():  # and the overflow's
                assert _loop_thread_runs(reads) is False
    finally:
        app.close()
        app.engine.dispose()


def test_after_a_read_on_the_loop_the_loops_other_work_goes_first(sqlite_url: str) -> None:
    """A query of many aliases or days is many reads: each lets the rest of the loop run."""
    app = OrgChange(sqlite_url)
    try:
        reads = Reads(app.engine)

        async def scenario() -> list[str]:
            order: list[str] = []

            async def other() -> None:
                order.append("other request")

            waiting = asyncio.create_task(other())
            await reads.few(order.append, "read")
            order.append("the same request goes on")
            await waiting
            return order

        assert asyncio.run(scenario()) == ["read", "other request", "the same request goes on"]
    finally:
        app.close()
        app.engine.dispose()


def test_the_answers_stamp_is_read_at_once_only_when_nothing_would_wait(sqlite_url: str) -> None:
    app = OrgChange(sqlite_url)
    stamp = Stamp(app.engine)
    try:
        with pytest.raises(StampBusy):  # its connection not yet open: opening may wait for the pool
            stamp.now()
        assert stamp() == app.read_model.last_event_id()  # opens it
        assert stamp.now() == stamp()
        assert stamp._lock.acquire(timeout=1)  # as a thread reading it would hold it
        try:
            with pytest.raises(StampBusy):
                stamp.now()
        finally:
            stamp._lock.release()
    finally:
        stamp.close()
        app.close()
        app.engine.dispose()


def test_a_count_of_the_rows_a_read_would_find_stops_just_past_its_cap(demo_app: OrgChange) -> None:
    """What decides whether a unit's changes are few enough for the loop costs no more than the cap."""
    reader = BatchReader(demo_app.engine)
    with demo_app.engine.connect() as connection:
        every = connection.exec_driver_sql("SELECT count(*) FROM change_units WHERE unit_id = 'ks'").scalar()
    assert every > 3
    assert reader.rows_at_most(tables.change_units, "unit_id", ["ks"], 2) == 3
    assert reader.rows_at_most(tables.change_units, "unit_id", ["ks"], every + 10) == every
    assert reader.rows_at_most(tables.change_units, "unit_id", ["no-such-unit"], 2) == 0
    assert reader.rows_at_most(tables.change_units, "unit_id", [], 2) == 0
