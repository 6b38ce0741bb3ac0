"""Delegated decisions (docs/decisions.md): recorded as events of their own, checked against the
delegationsordning of their day, re-checked after a retroactive change, reported to the right
board or förvaltningschef, and refused when they carry a personnummer. On both databases."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from orgchange.application import OrgChange
from orgchange.application.changefile import parse_change_file
from orgchange.application.decisions import (
    DecisionsRefused,
    listing,
    load_decisions,
    note_decision_report,
    parse_decisions,
    record_decisions,
    report_decisions,
)
from orgchange.domain.decisions import sum_limit
from orgchange.domain.personal_data import find_identity_number
from orgchange.domain.register import REGISTER_ID

ORGANISATION = """
format: orgchange/v1
changes:
  - {id: kf, type: establish_unit, effective: 2016-01-01, unit: kf, name: Kommunfullmäktige, kind: council}
  - {id: ntn, type: establish_unit, effective: 2016-01-01, unit: ntn, name: Natur- och trafiknämnden, kind: board, parent: kf}
  - {id: kontor, type: establish_unit, effective: 2016-01-01, unit: kontor, name: Miljö- och stadsbyggnad, kind: office, parent: ntn}
  - {id: p-chef, type: establish_position, effective: 2016-01-01, position: forvaltningschef, title: Förvaltningschef, unit: kontor, director: true}
  - {id: p-enh, type: establish_position, effective: 2016-01-01, position: enhetschef, title: Enhetschef VA, unit: kontor}
  - {id: p-bitr, type: establish_position, effective: 2016-01-01, position: bitradande, title: Biträdande förvaltningschef, unit: kontor}
  - {id: p-hand, type: establish_position, effective: 2016-01-01, position: handlaggare, title: Handläggare, unit: kontor}
  - id: n1
    type: grant_delegation
    effective: 2016-01-01
    delegation: n1
    from: ntn
    to: forvaltningschef
    code: "N.1"
    matter: Avtal inom budget
    limit: Högst 100 000 kr per avtal
    substitute: bitradande
    further_delegation: true
  - {id: n1-sub, type: subdelegate, effective: 2016-02-01, delegation: n1-enh, parent_delegation: n1, to: enhetschef}
  - {id: n2, type: grant_delegation, effective: 2016-01-01, delegation: n2, from: ntn, to: enhetschef, code: "N.2", matter: Anslutning till VA}
  - {id: n3, type: grant_delegation, effective: 2016-01-01, delegation: n3, from: ntn, to: handlaggare, code: "N.3", matter: Mål och inriktning för verksamheten, reserved_matter: true}
  - {id: n4, type: grant_delegation, effective: 2016-01-01, delegation: n4, from: ntn, to: handlaggare, code: "N.4", matter: Yttranden i enkla ärenden, reporting: none}
  - {id: abolish-enh, type: abolish_position, effective: 2017-01-01, position: enhetschef}
"""


def decisions_file(*items: dict) -> str:
    return json.dumps({"format": "orgchange-decisions/v1", "decisions": list(items)})


def decision(id_: str, delegation: str, by: str, day: str, **more) -> dict:
    return {"id": id_, "delegation": delegation, "decided_by": by, "date": day, "matter": "Ärende", **more}


@pytest.fixture
def org(app: OrgChange) -> OrgChange:
    app.record_changes(parse_change_file(ORGANISATION).changes, "test")
    return app


def record(app: OrgChange, *items: dict) -> list[str]:
    return record_decisions(app, parse_decisions(decisions_file(*items)), "test").recorded


def findings_of(app: OrgChange, known_at: datetime | None = None) -> dict[str, tuple[str, ...]]:
    return {row.id: row.findings for row in listing(app, known_at=known_at)}


def test_a_decision_by_the_delegate_within_its_terms_has_no_finding(org: OrgChange) -> None:
    """The clean case: the delegate, in force, under the limit, a matter the board may delegate."""
    record(org, decision("d1", "N.1", "forvaltningschef", "2016-06-01", amount=50000))
    assert findings_of(org) == {"d1": ()}


def test_a_decision_under_no_delegation_in_force_that_day_lacks_support(org: OrgChange) -> None:
    """Before the delegation began, and a code no delegation has: both named, with the day."""
    record(
        org,
        decision("early", "N.1", "forvaltningschef", "2015-06-01"),
        decision("unknown", "X.9", "forvaltningschef", "2016-06-01"),
    )
    found = findings_of(org)
    assert found["early"] == (
        "Beslutet 2015-06-01 saknar stöd i delegationsordningen: delegation N.1 gällde inte den dagen "
        "(den gäller från och med 2016-01-01).",
    )
    assert "det fanns ingen delegation X.9 den dagen" in found["unknown"][0]


def test_a_decision_by_a_post_that_did_not_hold_the_delegation_names_post_delegation_and_day(
    org: OrgChange,
) -> None:
    """The wrong post, and the delegate's post after it was abolished (the issue's own example)."""
    record(
        org,
        decision("wrong", "N.2", "handlaggare", "2016-06-01"),
        decision("gone", "N.2", "enhetschef", "2017-03-05"),
    )
    found = findings_of(org)
    assert found["wrong"] == (
        "Beslutet 2016-06-01 saknar stöd i delegationsordningen: befattningen Handläggare innehade inte "
        "delegation N.2 den dagen.",
    )
    assert found["gone"] == (
        "Beslutet 2017-03-05 saknar stöd i delegationsordningen: befattningen Enhetschef VA innehade inte "
        "delegation N.2 den dagen (befattningen upphörde 2017-01-01).",
    )


def test_a_substitute_holds_the_delegation_only_when_named_as_its_substitute(org: OrgChange) -> None:
    """Acting as ersättare is support only for the delegation's own substitute."""
    record(
        org,
        decision("sub-ok", "N.1", "bitradande", "2016-06-01", acting_as_substitute=True),
        decision("sub-not", "N.1", "handlaggare", "2016-06-01", acting_as_substitute=True),
    )
    found = findings_of(org)
    assert found["sub-ok"] == ()
    assert found["sub-not"] == (
        "Beslutet 2016-06-01 saknar stöd i delegationsordningen: befattningen Handläggare var inte ersättare "
        "för delegation N.1 den dagen.",
    )


def test_a_vidaredelegation_in_force_gives_support_and_a_lapsed_one_is_a_finding(org: OrgChange) -> None:
    """Through n1-enh the enhetschef holds N.1 from 2016-02-01; before that day it did not exist,
    and after the post ended the vidaredelegation ended with it."""
    record(
        org,
        decision("via", "N.1", "enhetschef", "2016-06-01", amount=1000),
        decision("before", "N.1", "enhetschef", "2016-01-15"),
    )
    found = findings_of(org)
    assert found["via"] == ()
    assert found["before"] == (
        "Beslutet 2016-01-15 saknar stöd i delegationsordningen: vidaredelegationen n1-enh av delegation N.1 "
        "till befattningen Enhetschef VA gällde inte den dagen (den gäller från och med 2016-02-01).",
    )


def test_an_amount_over_the_sum_limit_is_a_finding(org: OrgChange) -> None:
    """The limit "Högst 100 000 kr per avtal" is a sum; 150 000 goes beyond it, 100 000 does not."""
    record(
        org,
        decision("over", "N.1", "forvaltningschef", "2016-06-01", amount=150000),
        decision("at", "N.1", "forvaltningschef", "2016-06-01", amount=100000),
    )
    found = findings_of(org)
    assert found["at"] == ()
    assert found["over"] == (
        "Beslutet 2016-06-01 går utöver delegation N.1: beloppet 150 000 kr är större än gränsen "
        "(Högst 100 000 kr per avtal) för befattningen Förvaltningschef.",
    )


def test_a_sum_limit_is_read_in_kronor_and_a_limit_in_other_terms_is_no_sum() -> None:
    """Only a sum can be compared with an amount; a number of prisbasbelopp cannot."""
    assert sum_limit("Högst 10 miljoner kronor per avtal") == 10_000_000
    assert sum_limit("300 tkr") == 300_000
    assert sum_limit("Upp till 1,5 prisbasbelopp per månad") is None


def test_a_decision_in_a_matter_the_board_keeps_is_a_finding(org: OrgChange) -> None:
    """KL (2017:725) 6 kap. 38 §: the board may not delegate it, so the decision lacks support."""
    record(org, decision("reserved", "N.3", "handlaggare", "2018-02-01"))
    assert findings_of(org)["reserved"] == (
        "Beslutet 2018-02-01 gäller ett ärende som nämnden inte får delegera (KL (2017:725) 6 kap. 38 §): "
        "delegation N.3, befattningen Handläggare.",
    )


def test_decisions_under_a_vidaredelegation_go_to_the_forvaltningschef_not_the_board(org: OrgChange) -> None:
    """KL (2017:725) 7 kap. 8 §: the förvaltningschef who passed the delegation on is told."""
    record(
        org,
        decision("board", "N.1", "forvaltningschef", "2016-06-01"),
        decision("chief", "N.1", "enhetschef", "2016-06-01"),
        decision("chief-direct", "n1-enh", "enhetschef", "2016-06-02"),
    )
    assert [r.id for r in listing(org, board="ntn")] == ["board"]
    assert [r.id for r in listing(org, board="forvaltningschef")] == ["chief", "chief-direct"]
    assert {r.id: r.delegation_id for r in listing(org)} == {
        "board": "n1",
        "chief": "n1-enh",
        "chief-direct": "n1-enh",
    }


def test_a_delegation_marked_not_to_be_reported_keeps_its_decisions_off_the_boards_list(
    org: OrgChange,
) -> None:
    """6 kap. 40 §: the board decides the extent; such decisions are listed as not to be reported."""
    record(org, decision("quiet", "N.4", "handlaggare", "2016-06-01"))
    assert listing(org, board="ntn", unreported=True) == []
    (row,) = listing(org, board="ntn")
    assert row.report_to is None and row.not_reported


def test_a_retroactive_amendment_changes_the_findings_and_known_at_shows_the_old_ones(org: OrgChange) -> None:
    """The delegation re-pointed, retroactively, to the handläggare: the decision the handläggare
    took now has support; as the register knew it before, it had none."""
    record(org, decision("later-ok", "N.2", "handlaggare", "2016-06-01"))
    before = datetime.now(UTC)
    assert findings_of(org)["later-ok"] != ()
    amend = """
format: orgchange/v1
changes:
  - {id: n2-amend, type: amend_delegation, effective: 2016-05-01, delegation: n2, to: handlaggare}
"""
    org.record_changes(parse_change_file(amend).changes, "test")
    assert findings_of(org)["later-ok"] == ()
    assert findings_of(org, known_at=before)["later-ok"] != ()


def test_a_retroactive_change_rechecks_only_the_decisions_under_what_it_changed(org: OrgChange) -> None:
    """A decision under another delegation keeps its one check row: it was not touched."""
    record(
        org,
        decision("n2", "N.2", "handlaggare", "2016-06-01"),
        decision("n1", "N.1", "forvaltningschef", "2016-06-01"),
    )
    amend = """
format: orgchange/v1
changes:
  - {id: n2-amend, type: amend_delegation, effective: 2016-05-01, delegation: n2, to: handlaggare}
"""
    org.record_changes(parse_change_file(amend).changes, "test")
    from projections.decisions import decision_checks

    with org.engine.connect() as connection:
        rows = dict(
            connection.execute(
                select(decision_checks.c.decision_id, func.count()).group_by(decision_checks.c.decision_id)
            ).all()
        )
    assert rows == {"n1": 1, "n2": 2}


def test_recording_the_same_decisions_twice_records_them_once_and_other_content_is_refused(
    org: OrgChange,
) -> None:
    """Idempotent by id, as the case system's decision number: a second import skips them."""
    item = decision("d1", "N.1", "forvaltningschef", "2016-06-01")
    assert record(org, item) == ["d1"]
    assert record(org, item) == []
    with pytest.raises(DecisionsRefused) as refused:
        record(org, {**item, "matter": "Ett annat ärende"})
    assert refused.value.code == "DECISION_CONFLICT"
    assert "d1" in str(refused.value)


def test_a_body_with_one_bad_decision_records_none_of_them(org: OrgChange) -> None:
    """Atomic per body; the error names the item by position and id."""
    with pytest.raises(DecisionsRefused) as refused:
        record(
            org,
            decision("ok", "N.1", "forvaltningschef", "2016-06-01"),
            decision("bad", "N.1", "forvaltningschef", "2016-13-01"),
        )
    assert refused.value.code == "DECISIONS_MALFORMED"
    assert "#2 (bad)" in str(refused.value)
    assert listing(org) == []


def test_decisions_are_events_of_their_own_streams_not_of_the_register(org: OrgChange) -> None:
    """Recording decisions leaves the register's stream as it was."""
    version = org.register_event_count()
    record(org, decision("d1", "N.1", "forvaltningschef", "2016-06-01"))
    assert org.register_event_count() == version
    assert org.event_count() == version + 1
    assert org.repository.get(REGISTER_ID).version == version
    assert not org.read_models_behind()


def test_a_rebuild_gives_the_decisions_the_same_checks_as_recording_them_did(org: OrgChange) -> None:
    """Read models are rebuildable and equal to the incremental ones, the checks as known over time too."""
    record(
        org,
        decision("a", "N.2", "handlaggare", "2016-06-01"),
        decision("b", "N.1", "enhetschef", "2016-06-01"),
    )
    before = datetime.now(UTC)
    amend = """
format: orgchange/v1
changes:
  - {id: n2-amend, type: amend_delegation, effective: 2016-05-01, delegation: n2, to: handlaggare}
"""
    org.record_changes(parse_change_file(amend).changes, "test")
    report_decisions(org, "forvaltningschef", __import__("datetime").date(2016, 9, 1), ["b"], "test")
    incremental = (findings_of(org), findings_of(org, known_at=before), listing(org))
    org.rebuild()
    assert (findings_of(org), findings_of(org, known_at=before), listing(org)) == incremental


def test_a_rebuild_whose_decisions_fail_leaves_the_register_and_the_decisions_as_they_were(
    org: OrgChange, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The decisions' read model is made in the transaction that swaps in the register's: a
    failure while making it leaves both old (here marked by hand, to tell old from new)."""
    from sqlalchemy import delete, inspect, update

    from projections import decisions as dm
    from projections import tables as t

    record(
        org,
        decision("a", "N.2", "enhetschef", "2016-06-01"),
        decision("b", "N.1", "forvaltningschef", "2016-06-01"),
    )
    report_decisions(org, "ntn", __import__("datetime").date(2016, 9, 1), ["b"], "test")
    with org.engine.begin() as connection:
        connection.execute(
            update(t.unit_versions).where(t.unit_versions.c.unit_id == "ntn").values(name="Gammal")
        )
        connection.execute(delete(dm.delegated_decisions).where(dm.delegated_decisions.c.decision_id == "a"))

    def names() -> tuple[set[str], set[str]]:
        with org.engine.connect() as connection:
            units = {
                r[0]
                for r in connection.execute(
                    select(t.unit_versions.c.name).where(t.unit_versions.c.unit_id == "ntn")
                )
            }
            ids = {r[0] for r in connection.execute(select(dm.delegated_decisions.c.decision_id))}
        return units, ids

    def fail(*args: object) -> None:
        raise RuntimeError("the disk filled up")

    monkeypatch.setattr(dm, "write_report", fail)
    with pytest.raises(RuntimeError):
        org.rebuild()
    assert names() == ({"Gammal"}, {"b"})
    assert [n for n in inspect(org.engine).get_table_names() if "__" in n] == []

    monkeypatch.undo()
    org.rebuild()
    assert names() == ({"Natur- och trafiknämnden"}, {"a", "b"})


RETROACTIVE = """
format: orgchange/v1
changes:
  - {id: n2-handlaggare, type: amend_delegation, effective: 2016-01-01, delegation: n2, to: handlaggare}
"""


def _concurrently(first, then, inside_first) -> None:  # noqa: ANN001
    """`first` in a thread, held (sleeping) inside its transaction by `inside_first` once it has
    written; `then` in this thread meanwhile. Both must end without error."""
    import threading

    errors: list[BaseException] = []

    def run() -> None:
        try:
            first()
        except BaseException as error:  # noqa: BLE001 - handed to the test
            errors.append(error)
            inside_first.set()

    thread = threading.Thread(target=run)
    thread.start()
    assert inside_first.wait(30)
    then()
    thread.join(60)
    assert errors == []


def test_a_decision_recorded_while_the_delegation_is_changed_is_checked_against_the_change(
    org: OrgChange, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The change holds the writers' lock (its events saved, its re-check made, not yet
    committed) when a decision under the delegation is recorded: the decision waits for the
    lock and is checked against the delegationsordning as changed, not as it was before."""
    import threading
    import time

    from orgchange.application import decisions as deciding

    inside = threading.Event()
    original = deciding.recheck_after

    def held(connection, at, changed):  # noqa: ANN001, ANN202
        found = original(connection, at, changed)
        inside.set()
        time.sleep(0.8)
        return found

    monkeypatch.setattr(deciding, "recheck_after", held)
    _concurrently(
        lambda: org.record_changes(parse_change_file(RETROACTIVE).changes, "test"),
        lambda: record(org, decision("d", "N.2", "enhetschef", "2016-06-01")),
        inside,
    )
    (finding,) = findings_of(org)["d"]
    assert "Enhetschef VA innehade inte delegation N.2" in finding


def test_a_change_of_the_delegation_made_while_a_decision_is_recorded_rechecks_that_decision(
    org: OrgChange, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The other way round: the decisions hold the lock (written with their first check, not
    yet committed) when the change is recorded; the change waits and then re-checks them."""
    import threading
    import time

    from projections import decisions as dm

    inside = threading.Event()
    original = dm.write_decisions

    def held(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        original(*args, **kwargs)
        inside.set()
        time.sleep(0.8)

    monkeypatch.setattr(dm, "write_decisions", held)
    _concurrently(
        lambda: record(org, decision("d", "N.2", "enhetschef", "2016-06-01")),
        lambda: org.record_changes(parse_change_file(RETROACTIVE).changes, "test"),
        inside,
    )
    (finding,) = findings_of(org)["d"]
    assert "Enhetschef VA innehade inte delegation N.2" in finding


def test_reporting_decisions_to_a_meeting_and_noting_it(org: OrgChange) -> None:
    """Reported once, to the board they belong to; the § noted once."""
    from datetime import date

    record(
        org,
        decision("d1", "N.1", "forvaltningschef", "2016-06-01"),
        decision("d2", "N.1", "enhetschef", "2016-06-01"),
    )
    meeting = date(2016, 9, 1)
    with pytest.raises(DecisionsRefused) as refused:
        report_decisions(org, "ntn", meeting, ["d1", "d2"], "test")
    assert refused.value.code == "DECISION_REPORT_REFUSED" and "d2" in str(refused.value)
    report_decisions(org, "ntn", meeting, ["d1"], "test")
    assert listing(org, board="ntn", unreported=True) == []
    with pytest.raises(DecisionsRefused):
        report_decisions(org, "ntn", meeting, ["d1"], "test")
    note_decision_report(org, "ntn", meeting, "§ 42", "test")
    (row,) = listing(org, board="ntn")
    assert (row.reported_at, row.noted_paragraph) == (meeting, "§ 42")
    with pytest.raises(DecisionsRefused):
        note_decision_report(org, "ntn", meeting, "§ 43", "test")


def test_decisions_cannot_be_reported_to_a_meeting_before_they_were_taken(org: OrgChange) -> None:
    """A report is made after the decision: a meeting before it is a mistake that could not be
    undone (a decision is reported once), so it is refused and nothing is reported."""
    from datetime import date

    record(org, decision("d1", "N.1", "forvaltningschef", "2016-06-01"))
    with pytest.raises(DecisionsRefused) as refused:
        report_decisions(org, "ntn", date(1000, 1, 1), ["d1"], "test")
    assert refused.value.code == "DECISION_REPORT_REFUSED" and "1000-01-01" in str(refused.value)
    assert [row.reported_at for row in listing(org, board="ntn")] == [None]
    report_decisions(org, "ntn", date(2016, 6, 1), ["d1"], "test")
    assert [row.reported_at for row in listing(org, board="ntn")] == [date(2016, 6, 1)]


@pytest.mark.parametrize(
    "number",
    ["811218-9876", "19811218-9876", "8112189876", "198112189876", "811278-9873", "811218+9876"],
)
def test_a_personnummer_or_samordningsnummer_with_a_valid_check_digit_is_refused(
    org: OrgChange, number: str
) -> None:
    """The register is a public record: no personal identity numbers in any field."""
    with pytest.raises(DecisionsRefused) as refused:
        record(org, decision("d1", "N.1", "forvaltningschef", "2016-06-01", matter=f"Bistånd till {number}"))
    assert refused.value.code == "PERSONAL_DATA"
    assert "#1 (d1)" in str(refused.value) and "matter" in str(refused.value)
    assert number[-4:] not in str(refused.value)  # the refusal does not repeat the number
    assert listing(org) == []


def test_decisions_of_one_body_sharing_post_delegation_and_day_are_each_checked_on_their_own(
    org: OrgChange,
) -> None:
    """The check is made once per delegation, post and day of a body; the amount and the
    substitute's part still count per decision."""
    day = "2016-06-01"
    record(
        org,
        decision("a", "N.1", "forvaltningschef", day, amount=50_000),
        decision("b", "N.1", "forvaltningschef", day, amount=250_000),
        decision("c", "N.1", "forvaltningschef", day, amount=50_000),
        decision("d", "N.1", "forvaltningschef", day, acting_as_substitute=True),
        decision("e", "N.1", "bitradande", day, acting_as_substitute=True),
    )
    found = findings_of(org)
    assert found["a"] == found["c"] == found["e"] == ()
    assert len(found["b"]) == 1 and "250 000 kr" in found["b"][0]
    assert len(found["d"]) == 1 and "var inte ersättare" in found["d"][0]


def test_a_personnummer_deep_in_a_large_body_is_found_and_named(org: OrgChange) -> None:
    items = [
        decision(f"d{n}", "N.1", "forvaltningschef", "2016-06-01", reference=f"NTN 2016/{n}")
        for n in range(1, 2001)
    ]
    items[1499] = {**items[1499], "reference": "Dnr 19811218-9876"}
    with pytest.raises(DecisionsRefused) as refused:
        record(org, *items)
    assert refused.value.code == "PERSONAL_DATA"
    assert "#1500 (d1500)" in str(refused.value) and "reference" in str(refused.value)
    assert listing(org) == []


def test_after_a_large_recording_the_planner_knows_the_decisions_tables(org: OrgChange) -> None:
    """A file's ids are looked up among the decisions recorded before it; planned with the
    statistics of an empty table, PostgreSQL read the whole table per thousand ids and the
    import of a year grew with its square. After 1,000 or more decisions its statistics are
    made anew; SQLite finds the ids through the primary key whatever it knows."""
    from sqlalchemy import text

    items = [decision(f"s{n}", "N.1", "forvaltningschef", "2016-06-01") for n in range(1_200)]
    record(org, *items)
    with org.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            tuples = connection.execute(
                text("SELECT reltuples FROM pg_class WHERE relname = 'delegated_decisions'")
            ).scalar_one()
            assert tuples >= 1_000
        else:
            plan = connection.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT content FROM delegated_decisions WHERE decision_id IN (?, ?)",
                ("s1", "s2"),
            ).fetchall()
            assert any("SEARCH" in row[-1] for row in plan), plan


def test_a_number_with_an_invalid_check_digit_is_no_personnummer(org: OrgChange) -> None:
    """A diarienummer-like number that fails the Luhn check is recorded."""
    assert find_identity_number("811218-9875") is None
    assert record(org, decision("d1", "N.1", "forvaltningschef", "2016-06-01", reference="811218-9875")) == [
        "d1"
    ]


def test_the_review_pack_of_a_meeting_shows_the_reported_decisions_findings_first(
    demo_app: OrgChange, tmp_path
) -> None:
    """The board's pack has "Anmälda delegationsbeslut": the decision without support (N.2 after
    the VA-chef's post ended) before the clean ones, as Chromium shows the page."""
    from datetime import date

    from orgchange.application.documents.review import ReviewPack
    from tests.browser import browser_page, save_screenshot

    sample = Path(__file__).resolve().parents[1] / "orgchange" / "sample" / "nacka-decisions-2016-2018.yaml"
    record_decisions(demo_app, load_decisions(sample), "test")
    ids = [row.id for row in listing(demo_app, board="ntn", unreported=True)]
    report_decisions(demo_app, "ntn", date(2017, 4, 20), ids, "test")
    path = tmp_path / "review.html"
    path.write_text(ReviewPack.for_meeting(demo_app, "ntn", date(2017, 4, 20)).as_html(), encoding="utf-8")
    with browser_page(width=794, height=1123) as page:
        page.goto(path.as_uri())
        heading = page.locator("#decisions h2").inner_text()
        shown = page.locator("ol.decisions > li").evaluate_all(
            "items => items.map(i => [i.dataset.decision, i.classList.contains('finding')])"
        )
        save_screenshot(page, "review-pack-decisions-ntn-2017-04-20")
    assert heading == "Anmälda delegationsbeslut (3)"
    assert shown == [["NTN-2017-0031", True], ["NTN-2016-0210", False], ["NTN-2017-0032", False]]


MAPPING = Path(__file__).resolve().parents[1] / "examples" / "decisions" / "arendesystem-mapping.yaml"
HEADER = (
    "Beslutsnummer;Beslutsdatum;Delegationspunkt;Befattning;Ärendemening;Diarienummer;Belopp (kr);Ersättare"
)


def export_file(tmp_path: Path, rows: list[str], name: str = "export.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def good_rows(n: int) -> list[str]:
    return [
        f"B-{i};2016-06-0{1 + i % 8};N.1;forvaltningschef;Avtal {i};NTN 2016/{i};1 000;nej" for i in range(n)
    ]


def test_a_case_system_export_with_a_bad_date_on_line_7_is_refused_naming_line_and_column(
    org: OrgChange, tmp_path: Path
) -> None:
    """Each file atomically: the bad row is named by its line and column, and nothing is recorded."""
    rows = good_rows(5)
    rows.insert(5, "B-bad;2016-02-30;N.1;forvaltningschef;Avtal;NTN 2016/9;;nej")  # line 7 of the file
    with pytest.raises(DecisionsRefused) as refused:
        load_decisions(export_file(tmp_path, rows), MAPPING)
    assert refused.value.code == "DECISIONS_MALFORMED"
    (problem,) = refused.value.problems
    assert "line 7" in problem and "'Beslutsdatum'" in problem
    assert listing(org) == []


def test_the_same_export_imported_twice_records_its_decisions_once(org: OrgChange, tmp_path: Path) -> None:
    """Idempotent by decision id, as the case system numbers them; amounts with spaces are read."""
    path = export_file(tmp_path, good_rows(6))
    assert len(record_decisions(org, load_decisions(path, MAPPING), "test").recorded) == 6
    assert record_decisions(org, load_decisions(path, MAPPING), "test").recorded == []
    assert {row.amount for row in listing(org)} == {1000.0}


def test_an_export_with_a_valid_personnummer_is_refused_and_an_invalid_one_is_not(
    org: OrgChange, tmp_path: Path
) -> None:
    """Named by line and column; the number with an invalid check digit is no personnummer."""
    bad = export_file(
        tmp_path, ["B-1;2016-06-01;N.1;forvaltningschef;Bistånd 811218-9876;NTN 1;;nej"], "bad.csv"
    )
    with pytest.raises(DecisionsRefused) as refused:
        load_decisions(bad, MAPPING)
    assert refused.value.code == "PERSONAL_DATA"
    assert "line 2" in str(refused.value) and "'Ärendemening'" in str(refused.value)
    fine = export_file(
        tmp_path, ["B-1;2016-06-01;N.1;forvaltningschef;Ärende 811218-9875;NTN 1;;nej"], "ok.csv"
    )
    assert record_decisions(org, load_decisions(fine, MAPPING), "test").recorded == ["B-1"]


def test_an_xlsx_export_is_read_with_the_same_mapping(org: OrgChange, tmp_path: Path) -> None:
    """The case system's export as a workbook gives the same decisions as the CSV."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(HEADER.split(";"))
    for row in good_rows(3):
        sheet.append(row.split(";"))
    path = tmp_path / "export.xlsx"
    workbook.save(path)
    csv_entries = load_decisions(export_file(tmp_path, good_rows(3)), MAPPING)
    assert load_decisions(path, MAPPING) == csv_entries


def test_the_shipped_example_export_imports_over_the_sample(demo_app: OrgChange) -> None:
    """examples/decisions works as shipped: its mapping reads its export, and F.1's grant of
    85 000 kronor is within the limit while N.2 after 2017-01-01 lacks support."""
    export = MAPPING.parent / "arendesystem-export.csv"
    assert len(record_decisions(demo_app, load_decisions(export, MAPPING), "test").recorded) == 3
    found = findings_of(demo_app)
    assert found["FRN-2017-0102"] == () and found["NTN-2016-0301"] == ()
    assert "innehade inte delegation N.2" in found["NTN-2017-0101"][0]


def test_the_export_gives_every_decision_as_recorded_in_recording_order_read_a_chunk_at_a_time(
    org: OrgChange, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Read EXPORT_CHUNK rows at a time (here 2, so the five decisions take three reads): none
    left out or given twice, each with the fields it was recorded with, in their file order."""
    from orgchange.application import decisions as deciding

    monkeypatch.setattr(deciding, "EXPORT_CHUNK", 2)
    record(org, decision("b", "N.1", "forvaltningschef", "2016-06-01", amount=50000, reference="NTN 2016/1"))
    record(
        org,
        decision("a", "n2", "enhetschef", "2016-05-01"),
        decision("e", "N.1", "bitradande", "2016-07-01", acting_as_substitute=True),
    )
    record(
        org,
        decision("d", "N.3", "handlaggare", "2016-04-01"),
        decision("c", "X.9", "handlaggare", "2016-04-02"),
    )

    (exported_json,) = deciding.export_decisions(org, "json")
    exported = parse_decisions(exported_json)

    assert [entry.id for entry in exported] == ["b", "a", "e", "d", "c"]
    assert exported[0].canonical() == {
        "id": "b",
        "delegation": "N.1",
        "decided_by": "forvaltningschef",
        "date": "2016-06-01",
        "matter": "Ärende",
        "reference": "NTN 2016/1",
        "amount": 50000.0,
        "acting_as_substitute": False,
    }
    assert exported[2].acting_as_substitute is True
    (exported_yaml,) = deciding.export_decisions(org, "yaml")
    assert parse_decisions(exported_yaml) == exported


def _five_recorded(org: OrgChange) -> None:
    record(org, decision("b", "N.1", "forvaltningschef", "2016-06-01"))
    record(
        org,
        decision("a", "n2", "enhetschef", "2016-05-01"),
        decision("e", "N.1", "forvaltningschef", "2016-07-01"),
    )
    record(
        org,
        decision("d", "N.3", "handlaggare", "2016-04-01"),
        decision("c", "X.9", "handlaggare", "2016-04-02"),
    )


def test_two_decisions_of_the_same_recording_number_are_both_exported_across_a_chunks_end(
    org: OrgChange, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two writers may give two decisions the same `seq`: the export reads by `seq` and then id,
    so a chunk that ends between them (here after b and a) does not skip the second."""
    from orgchange.application import decisions as deciding
    from projections.decisions import delegated_decisions as d

    monkeypatch.setattr(deciding, "EXPORT_CHUNK", 2)
    _five_recorded(org)
    with org.engine.begin() as connection:
        seq_of_a = connection.execute(select(d.c.seq).where(d.c.decision_id == "a")).scalar_one()
        connection.execute(d.update().where(d.c.decision_id == "e").values(seq=seq_of_a))

    (exported,) = deciding.export_decisions(org, "json")

    assert [entry.id for entry in parse_decisions(exported)] == ["b", "a", "e", "d", "c"]


def test_a_register_of_more_decisions_than_a_file_takes_is_exported_as_files_each_importable(
    org: OrgChange, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At most EXPORT_PART decisions in a file (here 2: five come as 2 + 2 + 1), and a file
    larger than an import takes in bytes is halved; read in order, the files give every decision
    once, in recording order. An empty register gives one file with no decisions."""
    from orgchange.application import decisions as deciding

    (empty,) = deciding.export_decisions(org, "yaml")
    assert parse_decisions(empty) == []
    _five_recorded(org)
    monkeypatch.setattr(deciding, "EXPORT_PART", 2)

    parts = list(deciding.export_decisions(org, "yaml"))

    assert [[e.id for e in parse_decisions(part)] for part in parts] == [["b", "a"], ["e", "d"], ["c"]]
    (whole,) = deciding.export_decisions(org, "yaml", part_size=10)
    one_decision = max(len(p.encode()) for p in deciding.export_decisions(org, "yaml", part_size=1))
    monkeypatch.setattr(deciding, "MAX_DOCUMENT_BYTES", one_decision)
    halved = list(deciding.export_decisions(org, "yaml", part_size=10))
    assert [[e.id for e in parse_decisions(part)] for part in halved] == [["b"], ["a"], ["e"], ["d"], ["c"]]
    assert all(len(part.encode()) <= one_decision for part in halved)
    assert [e for part in halved for e in parse_decisions(part)] == parse_decisions(whole)


def test_a_list_longer_than_a_page_is_listed_whole_in_order(
    org: OrgChange, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`decisions list` reads LISTING_PAGE decisions at a time (here 2): a list of five, two of
    them on the same day, comes whole, by date and recording order, none given twice."""
    from orgchange.application import decisions as deciding

    monkeypatch.setattr(deciding, "LISTING_PAGE", 2)
    record(
        org,
        decision("late", "N.1", "forvaltningschef", "2016-09-01"),
        decision("same-2", "N.1", "forvaltningschef", "2016-06-01"),
        decision("same-1", "N.1", "forvaltningschef", "2016-06-01"),
    )
    record(
        org,
        decision("early", "N.2", "enhetschef", "2016-03-01"),
        decision("mid", "N.2", "enhetschef", "2016-07-01"),
    )

    assert [row.id for row in listing(org)] == ["early", "same-2", "same-1", "mid", "late"]
    assert [row.id for row in listing(org, start=date(2016, 6, 1), end=date(2016, 7, 1))] == [
        "same-2",
        "same-1",
        "mid",
    ]
