"""Versions of a day found through the relational interval tree (projections/intervals.py).

a. the tree finds exactly the versions in effect on a day (hypothesis, against the definition);
b. the organisation of a day costs the same with ten times the history before it: SQLite's
   virtual machine steps are counted (deterministic, unlike a stopwatch), and the plain
   range condition is counted beside it to show that the count sees history when it is read;
c. read models written by another version of orgchange (another shape of table) are
   rebuilt from the events when the register is opened.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, select, text

from orgchange.application import OrgChange
from projections import intervals, queries
from projections import tables as t
from projections.rows import believed, in_effect, versions_on
from tests.builders import base_organisation, change

days = st.dates(min_value=date(1, 1, 2), max_value=date(9999, 12, 30))


@given(start=days, length=st.one_of(st.none(), st.integers(0, 20_000)), day=days)
def test_the_tree_finds_a_version_exactly_on_the_days_it_holds(start: date, length: int | None, day: date):
    # By ordinal: `start + timedelta(...)` past 9999-12-31 would overflow before `min` could cap it.
    last = date(9999, 12, 31).toordinal()
    end = None if length is None else date.fromordinal(min(start.toordinal() + length, last))
    node, last_day = intervals.place(start, end)
    on_or_after, before = intervals.path(day)

    found = (node in on_or_after and start <= day) or (node in before and last_day >= day)

    assert found == (start <= day and (end is None or day < end))
    assert node == intervals.NOWHERE or start <= date.fromordinal(node) <= last_day


def test_the_path_to_any_day_is_at_most_the_height_of_the_tree():
    for day in (date.min, date(1990, 1, 1), date(2017, 3, 1), date.max):
        on_or_after, before = intervals.path(day)
        assert len(on_or_after) + len(before) <= intervals.HEIGHT
        assert on_or_after[-1] == day.toordinal()


def _register(url: str, renames_each: int) -> OrgChange:
    """The base organisation and 100 units under its office, each renamed `renames_each` times
    before 2019: the same organisation on 2020-01-01, with a history of any length before it."""
    app = OrgChange(url)
    changes = list(base_organisation())
    for n in range(100):
        changes.append(
            change(
                "establish_unit",
                effective="2012-06-01",
                unit=f"u{n}",
                name=f"Enhet {n}",
                kind="unit",
                parent="slk",
            )
        )
    for r in range(renames_each):
        day = (date(2013, 1, 1) + timedelta(days=30 * r)).isoformat()
        changes.extend(
            change("rename_unit", effective=day, unit=f"u{n}", name=f"Enhet {n} v{r}") for n in range(100)
        )
    app.record_changes(changes, "test")
    return app


def _steps(app: OrgChange, query) -> tuple[int, int]:
    """(rows, SQLite virtual-machine steps / 100) of one query."""
    counted = [0]

    def count() -> int:
        counted[0] += 1
        return 0

    with app.engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        raw.set_progress_handler(count, 100)
        try:
            rows = len(connection.execute(query).fetchall())
        finally:
            raw.set_progress_handler(None, 100)
    return rows, counted[0]


def test_the_organisation_of_a_day_costs_the_same_with_ten_times_the_history(tmp_path: Path):
    short = _register(f"sqlite:///{tmp_path / 'short.db'}", renames_each=4)
    long = _register(f"sqlite:///{tmp_path / 'long.db'}", renames_each=40)
    day = date(2020, 1, 1)
    v = t.unit_versions
    plain = select(v).where(believed(v, None), in_effect(v, day))
    try:
        tree = [_steps(app, versions_on(v, day, None)) for app in (short, long)]
        ranges = [_steps(app, plain) for app in (short, long)]
        history = [app.event_count() for app in (short, long)]
    finally:
        short.close()
        long.close()

    assert tree[0][0] == tree[1][0] == ranges[0][0] == 107  # the same answer: every unit on the day
    assert history[1] > 8 * history[0]
    assert ranges[1][1] > 5 * ranges[0][1]  # a range over valid_from reads the history …
    assert tree[1][1] <= 1.2 * tree[0][1]  # … the interval tree only the answer


def test_read_models_of_another_shape_are_rebuilt_from_the_events(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'orgchange.db'}"
    app = OrgChange(url)
    app.record_changes(base_organisation(), "test")
    expected = app.read_model.organisation(date(2013, 1, 1))
    app.close()
    # As an older orgchange left it: an older unit_versions table, and no fingerprint.
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE unit_versions"))
        connection.execute(text("DROP TABLE read_model_schema"))
        old = Table(
            "unit_versions", MetaData(), Column("row_id", Integer, primary_key=True), Column("x", String)
        )
        old.create(connection)
    engine.dispose()

    reopened = OrgChange(url)
    try:
        assert reopened.read_model.organisation(date(2013, 1, 1)) == expected
        assert not reopened.read_models_behind()
    finally:
        reopened.close()


def test_read_models_written_with_other_words_are_rebuilt_when_the_content_version_moves(
    tmp_path: Path, monkeypatch
):
    """Same tables, other content: a summary worded by an earlier version is not left standing."""
    url = f"sqlite:///{tmp_path / 'orgchange.db'}"
    app = OrgChange(url)
    app.record_changes(base_organisation(), "test")
    expected = [change.summary for change in app.read_model.changes().rows]
    app.close()
    # As the previous content version left it: the same shape, an older wording, its fingerprint.
    with monkeypatch.context() as patch:
        patch.setattr(t, "CONTENT_VERSION", t.CONTENT_VERSION - 1)
        earlier = t.schema_fingerprint()
    assert earlier != t.schema_fingerprint()
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE change_log SET summary = 'äldre lydelse'"))
        connection.execute(text("UPDATE read_model_schema SET fingerprint = :f"), {"f": earlier})
    engine.dispose()

    reopened = OrgChange(url)
    try:
        assert [change.summary for change in reopened.read_model.changes().rows] == expected
        assert "äldre lydelse" not in expected
    finally:
        reopened.close()


def _a_unit_renamed(url: str, times: int) -> OrgChange:
    """The base organisation, its unit `va` renamed `times` times, once a month from 2013."""
    app = OrgChange(url)
    renames = [
        change(
            "rename_unit",
            effective=(date(2013, 1, 1) + timedelta(days=31 * r)).isoformat(),
            unit="va",
            name=f"VA {r}",
        )
        for r in range(times)
    ]
    app.record_changes([*base_organisation(), *renames], "test")
    return app


def test_a_page_of_a_units_changes_costs_the_page_not_the_units_history(tmp_path: Path):
    """The unit page lists a unit's changes a page at a time, in the log's order: the rows of
    `change_units` in the index of (unit, effective, seq), each joined to its row of the log,
    whatever the unit's history. Through `change_log`'s order the page sorted them all."""
    short = _a_unit_renamed(f"sqlite:///{tmp_path / 'short.db'}", 20)
    long = _a_unit_renamed(f"sqlite:///{tmp_path / 'long.db'}", 200)
    shape, params = queries._change_filter(None, None, "va", None, None, None)
    params["limit"] = 6
    log = t.change_log
    sorted_whole = select(log).where(*queries._change_conditions(shape)).order_by(log.c.effective, log.c.seq)
    try:
        page = [_steps(app, queries._change_page(shape, False).params(params)) for app in (short, long)]
        whole = [_steps(app, sorted_whole.limit(6).params(params)) for app in (short, long)]
    finally:
        short.close()
        long.close()

    assert page[0][0] == page[1][0] == whole[0][0] == whole[1][0] == 6  # the same first page
    assert whole[1][1] > 4 * whole[0][1]  # sorting the unit's changes reads all of them …
    assert page[1][1] <= 1.2 * page[0][1] + 1  # … the index of its changes a page
