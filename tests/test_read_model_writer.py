"""The read models' writer writes a change's own days, not its unit's history (`Dirty.since`).

The writer compares, for each key a command changed, the versions the register now holds with
the rows the read models believe, from the first day the command changed on. These tests hold
that to what comparing the whole history gave: the same rows, closed at the same instants, after
every command of random registers; and they show what it saves at the head of a long history.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from sqlalchemy import event

from orgchange.domain.changes import Change
from orgchange.domain.register import Register
from orgchange.domain.timeline import DATED
from projections import tables as t
from projections.writer import EVERY_DAY, MANY_DAYS, MemoryRows, ReadModelWriter, Values
from tests.builders import base_organisation, change, record, register
from tests.strategies import valid_changes
from tests.test_properties import snapshot, wipe_read_models

SCALE = float(os.environ.get("ORGCHANGE_HYPOTHESIS_SCALE", "1"))
SHRINK = os.environ.get("ORGCHANGE_HYPOTHESIS_SHRINK", "") == "1"
START = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def forget_days(reg: Register) -> None:
    """Make the writer compare every version of every key the command changed (as it did
    before it knew from which day a command changed a key)."""
    for name in DATED:
        reg.timeline.dirty.before[name].clear()


def every_row(store: MemoryRows) -> dict[str, list[Any]]:
    """Every row a store wrote, closed ones included, and the names, comparable across stores."""
    found = {
        name: sorted((tuple(sorted(row.items(), key=repr)) for row in rows), key=repr)
        for name, rows in store.rows.items()
        if name not in (t.change_log.name, t.audit_log.name)  # (rows keyed by the events' own ids)
    }
    found["search_names"] = sorted(
        (tuple(sorted(row.items(), key=repr)) for rows in store.names.values() for row in rows), key=repr
    )
    return found


class Counting(MemoryRows):
    """A store that counts the believed rows the writer reads and the name rows it writes."""

    def __init__(self) -> None:
        super().__init__()
        self.read = 0
        self.named = 0

    def believed(
        self, table: Any, key: str, keys: Any, since: Mapping[str, date] = EVERY_DAY
    ) -> dict[str, dict[Values, Any]]:
        found = super().believed(table, key, keys, since)
        self.read += sum(len(rows) for rows in found.values())
        return found

    def replace_names(
        self, kind: str, keys: Any, rows: list[dict[str, Any]], since: Mapping[str, date] = EVERY_DAY
    ) -> None:
        self.named += len(rows)
        super().replace_names(kind, keys, rows, since)


def write(writer: ReadModelWriter, store: MemoryRows, reg: Register, at: datetime, last: int) -> None:
    writer.write(store, reg, reg.collect_events(), at, last)


@settings(
    max_examples=max(1, round(60 * SCALE)),
    deadline=None,
    phases=None if SHRINK else [Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow],
)
@given(changes=valid_changes(max_changes=30))
def test_writing_a_commands_own_days_gives_the_rows_of_comparing_every_version(changes: list[Change]) -> None:
    writer = ReadModelWriter()
    by_day, whole = Register.start(), Register.start()
    by_day_rows, whole_rows = MemoryRows(), MemoryRows()
    at = START
    for number, one in enumerate(changes, start=1):
        at += timedelta(seconds=1)
        for reg in (by_day, whole):
            working = copy.deepcopy(reg)
            working.record([one], "hypothesis", at)
            reg.__dict__.update(working.__dict__)
        forget_days(whole)
        write(writer, by_day_rows, by_day, at, number)
        write(writer, whole_rows, whole, at, number)
        assert every_row(by_day_rows) == every_row(whole_rows), f"after change {number}: {one.TYPE}"


def long_history(renames: int) -> tuple[Register, Counting, ReadModelWriter]:
    """A register whose unit `va` was renamed every year, written to a store command by command
    (each command's changed days are the last command's only)."""
    reg = register(base_organisation())
    writer, store = ReadModelWriter(), Counting()
    write(writer, store, reg, START, 1)
    for year in range(renames):
        record(reg, change("rename_unit", effective=f"{2013 + year}-01-01", unit="va", name=f"VA år {year}"))
        write(writer, store, reg, START + timedelta(seconds=year + 1), year + 2)
    return reg, store, writer


def test_a_rename_at_the_head_of_a_long_history_reads_and_writes_the_head_only() -> None:
    reg, store, writer = long_history(300)
    assert len(store.current[t.unit_versions.name]["va"]) == 301
    store.read = store.named = 0
    record(reg, change("rename_unit", effective="2400-01-01", unit="va", name="VA sist"))
    write(writer, store, reg, START + timedelta(days=1), 10_000)
    # the version that the rename closes; the rows of the name it ends, of the new one, and of
    # the name that ended where the changed version began (a name joins the next if they match)
    assert store.read == 1
    words = [["va ar 298", "ar 298", "298"], ["va ar 299", "ar 299", "299"], ["va sist", "sist"]]
    assert store.named == sum(map(len, words))
    assert len(store.current[t.unit_versions.name]["va"]) == 302
    names = {row["name"] for row in store.names[("unit", "va")]}
    assert {"Vatten och avfall", "VA år 0", "VA år 299", "VA sist"} <= names


def test_a_retroactive_rename_rewrites_the_days_from_it_on() -> None:
    reg, store, writer = long_history(40)
    store.read = 0
    record(reg, change("rename_unit", effective="2050-06-01", unit="va", name="VA mitt i"))
    write(writer, store, reg, START + timedelta(days=1), 10_000)
    # the versions from 2050-01-01 (the one it splits) to the head
    assert store.read == 2052 - 2050 + 1
    assert [v.valid_from for v in reg.timeline.units["va"]].index(date(2050, 6, 1)) == 39


def test_a_dissolution_writes_the_unit_s_end_into_every_name() -> None:
    reg, store, writer = long_history(10)
    record(reg, change("dissolve_unit", effective="2030-01-01", unit="va"))
    write(writer, store, reg, START + timedelta(days=1), 10_000)
    assert {row["life_last"] for row in store.names[("unit", "va")]} == {date(2029, 12, 31)}


def test_changes_recorded_one_by_one_on_a_database_equal_a_rebuild(app) -> None:
    """Through the application on SQLite and PostgreSQL: each change its own command, the
    read models written from its days on (DatabaseRows), then rebuilt from the events alone."""
    app.record_changes(base_organisation(), "test")
    steps = [
        *(
            change("rename_unit", effective=f"{2013 + y}-01-01", unit="va", name=f"VA år {y}")
            for y in range(6)
        ),
        change("rename_unit", effective="2015-06-01", unit="va", name="VA mitt i"),  # retroactive
        change("rename_unit", effective="2016-01-01", unit="va", name="VA år 2"),  # the name before: joined
        change("rename_unit", id="fel", effective="2030-01-01", unit="va", name="VA fel"),
        change(
            "correct_change",
            change="fel",
            replacement={
                "type": "rename_unit",
                "id": "ratt",
                "effective": "2017-06-01",
                "unit": "va",
                "name": "VA rätt",
            },
        ),
        change("rename_unit", id="bort", effective="2031-01-01", unit="va", name="VA bort"),
        change("cancel_change", change="bort", reason="Beslutet upphävt"),
        change("move_position", effective="2014-01-01", position="va-chef", unit="kfv"),
        change("move_position", effective="2013-06-01", position="va-chef", unit="slk"),  # retroactive
        change("abolish_position", effective="2020-01-01", position="va-chef"),
        change("dissolve_unit", effective="2021-01-01", unit="va"),
    ]
    for step in steps:
        app.record_changes([step], "test")
    incremental = snapshot(app)
    names = [row for row in incremental["search_names"] if row[1] == "va"]
    assert {"VA år 5", "VA mitt i", "VA rätt", "Vatten och avfall"} <= {row[5] for row in names}
    assert not {"VA fel", "VA bort"} & {row[5] for row in names}
    wipe_read_models(app)
    assert app.rebuild() == app.event_count()
    assert snapshot(app) == incremental


def test_a_file_of_changes_on_many_days_reads_believed_rows_a_chunk_of_keys_at_a_time(app) -> None:
    """One command whose keys changed from more than `MANY_DAYS` different days (a file): the
    believed rows are read a statement per chunk of keys, not per day, and a key changed late
    in a long history keeps its earlier rows (read from the chunk's earliest day, left out by
    its own), as a rebuild writes them; on SQLite and PostgreSQL."""
    app.record_changes(base_organisation(), "test")
    app.record_changes(
        [
            change("rename_unit", effective=f"{2013 + y}-01-01", unit="va", name=f"VA år {y}")
            for y in range(6)
        ],
        "test",
    )
    units = [f"e{n}" for n in range(MANY_DAYS + 4)]
    file = [
        *(
            change(
                "establish_unit",
                effective=f"{2013 + n}-03-01",
                unit=key,
                name=f"Enhet {n}",
                kind="unit",
                parent="slk",
            )
            for n, key in enumerate(units)
        ),
        # early: the first day of the keys' chunk
        change("rename_unit", effective="2013-02-01", unit="kfv", name="Kultur"),
        # late, at the head of its history: its earlier rows are read and left out
        change("rename_unit", effective="2030-01-01", unit="va", name="VA sist"),
    ]
    believed: list[str] = []

    def catch(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        if statement.lstrip().startswith("SELECT") and "recorded_to IS NULL" in statement:
            believed.append(statement)

    event.listen(app.engine, "before_cursor_execute", catch)
    try:
        app.record_changes(file, "test")
    finally:
        event.remove(app.engine, "before_cursor_execute", catch)
    assert len({c.effective for c in file}) > MANY_DAYS
    assert 1 <= len([s for s in believed if "FROM unit_versions" in s]) <= 2  # a day at a time: 14
    incremental = snapshot(app)
    columns = [c.name for c in t.unit_versions.columns if c.name != "row_id"]
    unit, recorded_to = columns.index("unit_id"), columns.index("recorded_to")
    # va's names as believed now: the first, the six years' and the last (none closed by the file)
    assert len([r for r in incremental["unit_versions"] if r[unit] == "va" and r[recorded_to] is None]) == 8
    wipe_read_models(app)
    assert app.rebuild() == app.event_count()
    assert snapshot(app) == incremental
