"""Rows inserted in bulk are stored exactly as SQLAlchemy's own INSERT stores them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from sqlalchemy import create_engine, insert, select

from orgchange.adapters.bulk import bulk_insert
from projections import tables as t

INSTANT = datetime(2024, 3, 1, 12, 30, 15, 123456, tzinfo=UTC)


def _row(n: int, **overrides) -> dict:
    row = {
        "position_id": f"p-{n}",
        "valid_from": date(1990, 1, 1) + timedelta(days=n % 7),
        "valid_to": None if n % 3 else date(2030, 1, 1),
        "recorded_from": INSTANT,
        "recorded_to": None,
        "title": "Enhetschef",
        "unit_id": "u-1",
        "director": n % 2 == 0,
        "change_id": f"c-{n}",
        "ended_by": None,
        "fork_node": 4,
        "last_day": date(9999, 12, 31),
    }
    return row | overrides


def _stored(connection, table) -> list[tuple]:
    """The rows as the driver gives them back (the stored text on SQLite), without row_id."""
    columns = ", ".join(c.name for c in table.columns if c.name != "row_id")
    return list(connection.exec_driver_sql(f"SELECT {columns} FROM {table.name} ORDER BY change_id"))


def test_bulk_inserted_rows_are_stored_as_sqlalchemy_stores_them(database_url: str) -> None:
    # The same instant in another time zone, days repeated (converted once each) and a null.
    rows = [_row(n) for n in range(10)] + [
        _row(10, recorded_from=INSTANT.astimezone(timezone(timedelta(hours=2))), recorded_to=INSTANT)
    ]
    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            t.metadata.create_all(connection, tables=[t.position_versions])
            bulk_insert(connection, t.position_versions, rows)
            by_bulk = _stored(connection, t.position_versions)
            read = [dict(r._mapping) for r in connection.execute(select(t.position_versions))]
            connection.execute(t.position_versions.delete())
            connection.execute(insert(t.position_versions), rows)
            by_sqlalchemy = _stored(connection, t.position_versions)
    finally:
        engine.dispose()
    assert by_bulk == by_sqlalchemy
    assert len(by_bulk) == 11
    assert read[10]["recorded_from"] == INSTANT  # read back as the same instant, in UTC
