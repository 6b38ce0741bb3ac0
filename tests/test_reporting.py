"""Who a change is to be reported to, derived from who decided it; and which boards'
delegationsordningar it touched. On both databases, through the read models: a round trip for
each kind of reporting (every case of the derivation is in tests/unit/test_reporting.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from projections import tables as t
from tests.builders import change
from tests.unit.test_reporting import SD, D, organisation, renamed


@pytest.fixture
def org(app):
    app.record_changes(organisation(), "t")
    return app


def _reporting(app, change_id: str) -> tuple[str | None, str | None]:
    row = app.read_model.change(change_id)
    return row.report_to, row.report_basis


@pytest.mark.parametrize(
    ("decision", "unit", "expected"),
    [
        (SD, "kfv", ("ks", "OFFICIAL_DECISION")),
        ({"body": "ksau", "date": "2013-01-07"}, "kfv", ("ks", "COMMITTEE_DECISION")),
        ({"body": "kf", "date": "2013-01-07", "paragraph": "§ 3"}, "kfv", (None, None)),
    ],
    ids=["official-of-ks", "committee", "council"],
)
def test_a_change_is_reported_to_the_board_of_whoever_decided_it(org, decision, unit, expected):
    org.record_changes([renamed("r", unit, "Nytt namn", decision)], "t")

    assert _reporting(org, "r") == expected


def test_a_vidaredelegation_and_its_revocation_go_to_the_board_of_the_delegation(org):
    org.record_changes(
        [
            change(
                "subdelegate",
                id="s1",
                effective=D,
                delegation="b1-kultur",
                parent_delegation="b1",
                to="kulturchef",
                decision=SD,
            ),
            change("revoke_delegation", id="x1", effective="2013-03-01", delegation="b1-kultur", decision=SD),
        ],
        "t",
    )

    assert _reporting(org, "s1") == ("ks", "SUBDELEGATION")
    assert _reporting(org, "x1") == ("ks", "SUBDELEGATION")
    assert [u.change.id for u in org.read_model.reports.unreported("ks")] == ["s1", "x1"]


def test_a_change_that_empties_another_boards_delegation_is_listed_for_that_board(org):
    org.record_changes(
        [change("abolish_position", id="ab", effective=D, position="kulturchef", decision=SD)], "t"
    )

    [for_sn] = org.read_model.reports.unreported("sn")
    [for_ks] = org.read_model.reports.unreported("ks")

    assert for_sn.change.id == for_ks.change.id == "ab"
    assert for_sn.change.report_to == "ks" and not for_sn.due
    assert for_sn.reason == "Påverkar er delegationsordning: SN.1 saknar delegat"
    assert for_ks.due and for_ks.affected == ()
    assert for_ks.reason == "Ska anmälas: beslut av en tjänsteman i nämndens förvaltning"
    assert [(e.board, e.delegation_id, e.code) for e in for_sn.change.affects] == [("sn", "sn-1", "SN.1")]


def test_a_retroactive_change_finds_the_delegation_it_emptied_though_it_was_re_pointed_since(org):
    org.record_changes(
        [
            change(
                "amend_delegation",
                id="re",
                effective="2014-01-01",
                delegation="sn-1",
                to="ifo-chef",
                decision={"body": "sn"},
            )
        ],
        "t",
    )
    # Recorded later, effective before the delegation was re-pointed: SN.1 had no delegate
    # from 2013-06-01 until 2014-01-01.
    org.record_changes(
        [change("abolish_position", id="late", effective="2013-06-01", position="kulturchef", decision=SD)],
        "t",
    )

    [listed] = org.read_model.reports.unreported("sn")
    assert listed.change.id == "late" and [e.label for e in listed.affected] == ["SN.1"]


def test_a_rebuild_derives_the_same_reporting(org):
    org.record_changes(
        [
            renamed("r1", "kfv", "Kultur", SD),
            change("abolish_position", id="ab", effective="2013-03-01", position="kulturchef", decision=SD),
            change(
                "subdelegate",
                id="s1",
                effective="2013-03-01",
                delegation="b1-va",
                parent_delegation="b1",
                to="va-chef",
                decision=SD,
            ),
        ],
        "t",
    )
    org.record_changes([change("cancel_change", id="c1", change="r1", reason="Fel")], "t")

    def derived():
        with org.engine.connect() as connection:
            log = t.change_log
            rows = connection.execute(
                select(log.c.change_id, log.c.report_to, log.c.report_basis, log.c.decision_name).order_by(
                    log.c.change_id
                )
            ).all()
            effects = connection.execute(
                select(t.change_effects).order_by(t.change_effects.c.change_id)
            ).all()
        return [tuple(r) for r in rows], [tuple(r) for r in effects]

    before = derived()
    org.rebuild()

    assert derived() == before
    assert ("ab", "sn", "sn-1", "SN.1") in before[1]
    assert ("r1", "ks", "OFFICIAL_DECISION", "Stadsdirektör") in before[0]
