"""Commands recorded on the register in memory, in place (OrgChange._command), on both databases.

A process keeps one register in memory and records each command on it under the writers'
lock, with an undo journal instead of a copy. What must hold: a refused command, a command
whose save fails in the database and a dry run leave the register in memory exactly as
replaying the stored events gives it; and writers in several threads of several processes'
worth of services lose nothing and agree with the stored events.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from datetime import date

import pytest
from sqlalchemy import text

from orgchange.adapters.eventstore import EVENTS_TABLE
from orgchange.application import OrgChange
from orgchange.application.errors import ConcurrentWriteError, DatabaseUnavailable
from orgchange.domain.errors import ChangeRejected
from orgchange.domain.register import REGISTER_ID
from tests.builders import base_organisation, change
from tests.support import ROOT
from tests.test_snapshots import assert_same_state, replayed


def _unit(key: str, parent: str = "slk", effective: str = "2014-01-01"):
    return change(
        "establish_unit",
        id=key,
        effective=effective,
        unit=key,
        name=f"Enhet {key}",
        kind="unit",
        parent=parent,
    )


def test_a_refused_command_leaves_the_register_in_memory_as_the_stored_events_give_it(app):
    app.record_changes(base_organisation(), "setup")
    app.record_changes([change("rename_unit", id="later", effective="2016-01-01", unit="va", name="VA")], "a")
    version = app.register().version
    refused = [
        [_unit("x", parent="nope")],  # a rule broken, at the head
        [_unit("y"), _unit("z", parent="nope")],  # a file refused half-way (its first change accepted)
        # retroactive, and every later day checked: va is dissolved before its later rename
        [change("dissolve_unit", id="d", effective="2013-01-01", unit="va")],
        [
            change("cancel_change", id="c", change="va", reason="fel")
        ],  # va's establishment cancelled: conflicts
    ]
    for changes in refused:
        with pytest.raises(ChangeRejected):
            app.record_changes(changes, "a")
        assert app.register().version == version
        assert_same_state(app.register(), replayed(app))
    # and the next command is recorded on the register as it was
    app.record_changes([_unit("y")], "a")
    assert_same_state(app.register(), replayed(app))
    assert "y" in {u.id for u in app.read_model.organisation(date(2014, 1, 1))}


def test_a_dry_run_leaves_the_register_in_memory_as_it_was(app):
    app.record_changes(base_organisation(), "setup")
    app.dry_run([_unit("dry"), change("rename_unit", id="r", effective="2013-01-01", unit="va", name="V")])
    assert "dry" not in app.register().log
    assert_same_state(app.register(), replayed(app))


def _refuse_events(app: OrgChange) -> None:
    """Make the database refuse every new event, as a full disk or a lost privilege would."""
    with app.engine.begin() as connection:
        if app.engine.dialect.name == "sqlite":
            connection.execute(
                text(
                    f"CREATE TRIGGER refuse_events BEFORE INSERT ON {EVENTS_TABLE} "
                    "BEGIN SELECT RAISE(ABORT, 'the disk is full'); END"
                )
            )
        else:
            connection.execute(
                text(
                    "CREATE FUNCTION refuse_events() RETURNS trigger AS "
                    "$$ BEGIN RAISE EXCEPTION 'the disk is full'; END $$ LANGUAGE plpgsql"
                )
            )
            connection.execute(
                text(
                    f"CREATE TRIGGER refuse_events BEFORE INSERT ON {EVENTS_TABLE} "
                    "FOR EACH ROW EXECUTE FUNCTION refuse_events()"
                )
            )


def _accept_events(app: OrgChange) -> None:
    with app.engine.begin() as connection:
        if app.engine.dialect.name == "sqlite":
            connection.execute(text("DROP TRIGGER refuse_events"))
        else:
            connection.execute(text(f"DROP TRIGGER refuse_events ON {EVENTS_TABLE}"))
            connection.execute(text("DROP FUNCTION refuse_events()"))


def test_a_command_whose_save_fails_is_rolled_back_in_memory(app):
    app.record_changes(base_organisation(), "setup")
    before = app.register()
    _refuse_events(app)
    try:
        for changes in (
            [_unit("lost")],
            [change("rename_unit", id="lost-r", effective="2013-01-01", unit="va", name="V")],  # retroactive
        ):
            with pytest.raises((DatabaseUnavailable, ConcurrentWriteError)):
                app.record_changes(changes, "a", organisation="Ett nytt namn")
            register = app.register()
            assert register.version == before.version
            assert register.organisation == before.organisation
            assert "lost" not in register.log and "lost-r" not in register.log
            assert_same_state(register, replayed(app))
    finally:
        _accept_events(app)
    app.record_changes([_unit("kept")], "a")
    assert_same_state(app.register(), replayed(app))
    assert "kept" in {u.id for u in app.read_model.organisation(date(2014, 1, 1))}
    assert "lost" not in {u.id for u in app.read_model.organisation(date(2014, 1, 1))}


def test_writers_in_threads_of_two_services_stay_consistent(app, database_url):
    app.record_changes(base_organisation(), "setup")
    other = OrgChange(database_url)
    errors: list[BaseException] = []
    refused: list[str] = []

    def write(name: str, service: OrgChange) -> None:
        try:
            for n in range(4):
                service.record_changes([_unit(f"{name}-{n}")], name)
                # a retroactive rename, checked against every later day
                service.record_changes(
                    [
                        change(
                            "rename_unit",
                            id=f"{name}-r{n}",
                            effective="2013-01-01",
                            unit="va",
                            name=f"VA {name} {n}",
                        )
                    ],
                    name,
                )
                try:  # refused, rolled back in the middle of the others' writes
                    service.record_changes([_unit(f"{name}-bad{n}", parent="nope")], name)
                except ChangeRejected:
                    refused.append(f"{name}-bad{n}")
        except BaseException as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)

    threads = [
        threading.Thread(target=write, args=(f"t{i}", service))
        for i, service in enumerate([app, app, other, other])
    ]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert len(refused) == 16
        expected = replayed(app)
        assert_same_state(app.register(), expected)
        assert_same_state(other.register(), expected)
        units = {u.id for u in app.read_model.organisation(date(2014, 1, 1))}
        assert {f"t{i}-{n}" for i in range(4) for n in range(4)} <= units
        assert not units & set(refused)
        log = [row.id for row in app.read_model.all_changes_in_recording_order()]
        assert len(log) == len(set(log)) == len(base_organisation()) + 32
        assert not app.read_models_behind()
    finally:
        other.close()
        other.engine.dispose()


def test_a_server_leaves_the_register_it_read_in_to_reference_counting(sqlite_url):
    """In a serving process a large register read in at the first command is frozen out of the
    cyclic collector (a full collection would walk all of it); a small one, or a command line's
    process, is left as it is."""
    app = OrgChange(sqlite_url)
    try:
        app.record_changes(base_organisation(), "setup")
    finally:
        app.close()
        app.engine.dispose()
    script = textwrap.dedent(
        f"""
        import gc, sys
        from orgchange.adapters import collection
        from orgchange.adapters.collection import tune_for_serving
        collection.FREEZE_AT = int(sys.argv[2])
        from orgchange.application import OrgChange
        from tests.builders import change
        serving = sys.argv[1] == "serve"
        if serving:
            tune_for_serving()
        app = OrgChange({sqlite_url!r})
        before = gc.get_freeze_count()
        run = sys.argv[1] + sys.argv[2]
        app.record_changes([change("rename_unit", id="r" + run, effective="2015-01-01", unit="va",
                                   name="VA " + run)], "test")
        print(gc.get_freeze_count() - before)
        """
    )
    changes = len(base_organisation())
    for mode, at, frozen in (
        ("serve", changes, True),
        ("serve", changes + 2, False),  # (a small register: left to the collector)
        ("command", changes, False),
    ):
        done = subprocess.run(
            [sys.executable, "-c", script, mode, str(at)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        assert (int(done.stdout.split()[-1]) > 0) is frozen, mode


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_the_first_write_after_a_start_reads_the_snapshot_and_the_events_after_it_never_the_history(
    kind, request, sample_file
):
    """The events the snapshot holds are deleted from the store before the process starts (a
    process that replayed the history could not read the register at all): the first write
    after the start is recorded, on the register the snapshot and the tail give."""
    url = request.getfixturevalue(f"{kind}_url")
    app = OrgChange(url, snapshot_interval=0)
    try:
        app.record_changes(sample_file.changes, "test", sample_file.organisation)
        taken = app.snapshot_now()
        assert taken is not None
        app.record_changes([_unit("tail", parent="kf")], "test")
        table = app.recorder.events_record_cls.__table__
        with app.engine.begin() as connection:
            deleted = connection.execute(
                table.delete().where(
                    table.c.originator_id == REGISTER_ID, table.c.originator_version <= taken.register_version
                )
            ).rowcount
        assert deleted == taken.register_version
    finally:
        app.close()
        app.engine.dispose()
    started = OrgChange(url, snapshot_interval=0)
    try:
        started.record_changes([_unit("after-start", parent="kf")], "test")
        register = started.register()
        assert register.version == taken.register_version + 2
        assert {"tail", "after-start"} <= register.log.keys()
        assert "after-start" in {u.id for u in started.read_model.organisation(date(2014, 1, 1))}
    finally:
        started.close()
        started.engine.dispose()
