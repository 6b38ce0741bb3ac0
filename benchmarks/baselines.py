"""What orgchange's figures are compared with: the raw work underneath them.

* `raw_append`: eventsourcing's own event append, through the stock
  eventsourcing-sqlalchemy persistence, of as many events as a change file has
  changes, each carrying that change's entry, saved in one transaction: what an
  import would cost if it did nothing but store its events.
* `raw_read`: the stock recorder reading every event back in pages: the floor
  under a rebuild.
* `RawSql`: the read model's rows for a question, fetched with the database
  driver alone (no SQLAlchemy, no GraphQL, no HTTP): the floor under a query.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import date
from typing import Any

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from orgchange.adapters.eventstore import normalise_database_url
from projections import tables as t
from projections.rows import versions_on


class Journal(Aggregate):
    """An aggregate that only keeps what it is told."""

    @event("Noted")
    def note(self, entry: dict[str, Any]) -> None:
        pass


class RawAppend(Application):
    name = "RawAppend"  # its own table (rawappend_events) beside orgchange's


def _stock_environment(database_url: str) -> dict[str, str]:
    return {
        "PERSISTENCE_MODULE": "eventsourcing_sqlalchemy",
        "SQLALCHEMY_URL": normalise_database_url(database_url),
        "CREATE_TABLE": "y",
    }


def raw_append(database_url: str, entries: Sequence[dict[str, Any]]) -> float:
    """Seconds to save one event per entry, in one transaction, with eventsourcing's stock path."""
    app = RawAppend(env=_stock_environment(database_url))
    try:
        journal = Journal()
        for entry in entries:
            journal.note(entry)
        started = time.perf_counter()
        app.save(journal)
        return time.perf_counter() - started
    finally:
        app.close()


class StockReader(Application):
    name = "OrgChange"  # orgchange's own table, read by the stock recorder


def raw_read(database_url: str, page: int = 2000) -> tuple[int, float]:
    """(events, seconds) to read every event of orgchange's store with the stock recorder."""
    app = StockReader(env=_stock_environment(database_url))
    try:
        recorder = app.recorder
        started = time.perf_counter()
        count, start = 0, 1
        while True:
            batch = recorder.select_notifications(start, limit=page)
            count += len(batch)
            if len(batch) < page:
                return count, time.perf_counter() - started
            start = batch[-1].id + 1
    finally:
        app.close()


class RawSql:
    """Read-model rows fetched with the driver alone, for the questions the benchmark asks."""

    def __init__(self, database_url: str):
        url = make_url(normalise_database_url(database_url))
        self.engine = create_engine(url)
        self.dialect = self.engine.dialect
        if url.get_backend_name() == "sqlite":
            import sqlite3

            self.connection: Any = sqlite3.connect(url.database or "")
        else:
            import psycopg

            self.connection = psycopg.connect(
                host=url.host, port=url.port, user=url.username, password=url.password, dbname=url.database
            )
        self.marker = "?" if url.get_backend_name() == "sqlite" else "%s"

    def close(self) -> None:
        self.connection.close()
        self.engine.dispose()

    def _fetch(self, sql: str, parameters: Sequence[Any] = ()) -> list[Any]:
        cursor = self.connection.cursor()
        cursor.execute(sql.replace("?", self.marker), tuple(parameters))
        rows = cursor.fetchall()
        cursor.close()
        return rows

    def _compiled(self, statement: Any) -> str:
        return str(statement.compile(self.engine, compile_kwargs={"literal_binds": True}))

    def organisation(self, day: date) -> list[Any]:
        v = t.unit_versions
        columns = [v.c[n] for n in ("unit_id", "name", "kind", "parent_id", "owner_id")]
        return self._fetch(self._compiled(versions_on(v, day, None, columns=columns)))

    def unit(self, key: str, day: date) -> list[Any]:
        return self._fetch(
            "SELECT unit_id, name, kind, parent_id, owner_id FROM unit_versions WHERE unit_id = ? "
            "AND recorded_to IS NULL AND valid_from <= ? AND (valid_to IS NULL OR valid_to > ?)",
            (key, day, day),
        )

    def unit_history(self, key: str) -> list[Any]:
        return self._fetch(
            "SELECT valid_from, valid_to, name, kind, parent_id, change_id FROM unit_versions "
            "WHERE unit_id = ? AND recorded_to IS NULL ORDER BY valid_from",
            (key,),
        )

    def changes(self, start: date, end: date, first: int = 100) -> list[Any]:
        self._fetch("SELECT count(*) FROM change_log WHERE effective >= ? AND effective <= ?", (start, end))
        return self._fetch(
            "SELECT change_id, type, effective, summary, decision_body, decision_date, decision_paragraph, "
            "decision_reference FROM change_log WHERE effective >= ? AND effective <= ? "
            "ORDER BY effective, seq LIMIT ?",
            (start, end, first + 1),
        )

    def diff(self, start: date, end: date) -> tuple[list[Any], list[Any]]:
        return self.organisation(start), self.organisation(end)

    def delegations(self, day: date, board: str) -> list[Any]:
        d = t.delegation_versions
        return self._fetch(self._compiled(versions_on(d, day, None, d.c.board_id == board)))


def main(argv: list[str] | None = None) -> None:
    """`python -m benchmarks.baselines append URL FILE`: the raw append of a file's entries, in seconds.

    Run in a process of its own, so that the benchmark's own process stays small and the
    peak memory measured of the processes it starts is theirs.
    """
    import argparse
    import json
    from pathlib import Path

    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["append"])
    parser.add_argument("url")
    parser.add_argument("file", type=Path)
    args = parser.parse_args(argv)
    entries = json.loads(args.file.read_text())["changes"]
    print(json.dumps({"seconds": raw_append(args.url, entries)}))


if __name__ == "__main__":
    main()
