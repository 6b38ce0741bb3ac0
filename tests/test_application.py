"""The application service: several processes' worth of writers on one database, read-your-writes."""

from __future__ import annotations

import threading
from datetime import date

from orgchange.application import OrgChange
from tests.builders import base_organisation, change


def test_two_services_on_one_database_see_each_others_writes(app, database_url):
    app.record_changes(base_organisation(), "a")
    other = OrgChange(database_url)
    try:
        other.record_changes(
            [change("rename_unit", id="by-other", effective="2014-01-01", unit="va", name="VA")], "b"
        )
        # The first service's cached register is behind; it must catch up, not overwrite.
        app.record_changes(
            [change("rename_unit", id="by-first", effective="2015-01-01", unit="va", name="VA 2")], "a"
        )
        names = [v.name for v in other.read_model.unit_history("va")]
        assert names == ["Vatten och avfall", "VA", "VA 2"]
        assert app.register().version == other.register().version
    finally:
        other.close()
        other.engine.dispose()


def test_concurrent_writers_lose_nothing(app, database_url):
    app.record_changes(base_organisation(), "setup")
    services = [OrgChange(database_url) for _ in range(3)]
    errors: list[BaseException] = []

    def write(index: int, service: OrgChange) -> None:
        try:
            for n in range(5):
                service.record_changes(
                    [
                        change(
                            "establish_unit",
                            id=f"w{index}-{n}",
                            effective="2014-01-01",
                            unit=f"w{index}-{n}",
                            name=f"W {index} {n}",
                            kind="unit",
                            parent="slk",
                        )
                    ],
                    f"writer-{index}",
                )
        except BaseException as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(i, s)) for i, s in enumerate(services)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert errors == []
        units = {u.id for u in app.read_model.organisation(date(2014, 1, 1))}
        assert {f"w{i}-{n}" for i in range(3) for n in range(5)} <= units
        log = [row.id for row in app.read_model.all_changes_in_recording_order()]
        assert len(log) == len(set(log)) == len(base_organisation()) + 15
        assert not app.read_models_behind()
    finally:
        for service in services:
            service.close()
            service.engine.dispose()


def test_read_models_catch_up_when_behind(app):
    app.record_changes(base_organisation(), "a")
    from sqlalchemy import delete

    from projections import tables

    with app.engine.begin() as connection:
        connection.execute(delete(tables.unit_versions))
        connection.execute(delete(tables.projection_state))
    assert app.read_models_behind()
    assert app.catch_up() is True
    assert {u.id for u in app.read_model.organisation(date(2012, 1, 1))} >= {"kf", "ks", "va"}
    assert app.catch_up() is False
