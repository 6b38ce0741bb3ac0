"""Who a change is to be reported to, derived from who decided it (orgchange/domain/reporting.py);
which boards' delegationsordningar it touched; and the rules of reporting changes to a board
and noting the report (rule `reporting`). On the domain alone: the database tests
(tests/test_reporting.py) keep the round trip through the read models and a rebuild."""

from __future__ import annotations

from datetime import date

import pytest

from orgchange.domain.register import Register
from orgchange.domain.reporting import (
    BASIS_TEXT,
    DelegationsTo,
    board_over,
    decider_name,
    ended_by_change,
    left_without_delegate,
    report_to,
)
from tests.builders import base_organisation, change, record, refused, register

SD = {"position": "stadsdirektor", "date": "2013-01-07"}
SOC = {"position": "socialdirektor", "date": "2013-01-07"}
D = "2013-02-01"


def organisation() -> list:
    """base_organisation (KF, KS with its stadsledningskontor, Socialnämnden), plus Socialnämnden's
    own office, a company of the kommun, and delegations: Socialnämnden's SN.1 to a post in KS's
    administration (as in Nacka, where the social units stood under KS), KS's B.1 to the
    stadsdirektör, which may be passed on."""
    d = "2012-01-01"
    return [
        *base_organisation(),
        change(
            "establish_unit",
            id="sof",
            effective=d,
            unit="sof",
            name="Socialförvaltningen",
            kind="office",
            parent="sn",
        ),
        change(
            "establish_unit",
            id="ifo",
            effective=d,
            unit="ifo",
            name="Individ- och familjeomsorgen",
            kind="unit",
            parent="sof",
        ),
        change(
            "establish_position",
            id="p-soc",
            effective=d,
            position="socialdirektor",
            title="Socialdirektör",
            unit="sof",
            director=True,
        ),
        change(
            "establish_position", id="p-ifo", effective=d, position="ifo-chef", title="IFO-chef", unit="ifo"
        ),
        change(
            "establish_unit",
            id="bolag",
            effective=d,
            unit="bolag",
            name="Exempel AB",
            kind="company",
            owner="kf",
        ),
        change(
            "establish_position",
            id="p-vd",
            effective=d,
            position="vd",
            title="Verkställande direktör",
            unit="bolag",
        ),
        change(
            "grant_delegation",
            id="g-sn1",
            effective=d,
            delegation="sn-1",
            from_="sn",
            to="kulturchef",
            code="SN.1",
            matter="Bidrag till föreningar",
            decision={"body": "sn"},
        ),
        change(
            "grant_delegation",
            id="g-b1",
            effective=d,
            delegation="b1",
            from_="ks",
            to="stadsdirektor",
            code="B.1",
            matter="Upphandling",
            further_delegation=True,
            reporting="Anmäls till kommunstyrelsen",
            decision={"body": "ks"},
        ),
    ]


def renamed(id_: str, unit: str, name: str, decision: dict | None, effective: str = D):
    fields = {"decision": decision} if decision is not None else {}
    return change("rename_unit", id=id_, effective=effective, unit=unit, name=name, **fields)


@pytest.fixture
def org() -> Register:
    return register(organisation())


def _reporting(org: Register, change_id: str) -> tuple[str | None, str | None]:
    reporting = report_to(org.log[change_id].change, org.timeline)
    return reporting.board, reporting.basis


def _affected(org: Register, change_id: str) -> list[tuple[str, str, str | None]]:
    """The delegations of other boards the change left without a delegate."""
    tl = org.timeline
    ended = ended_by_change(tl, tl.positions, tl.units, tl.delegations).get(change_id, set())
    found = left_without_delegate(org.log[change_id].change, tl, ended, DelegationsTo(tl))
    return [(a.board, a.delegation, a.code) for a in found]


@pytest.mark.parametrize(
    ("decision", "unit", "expected"),
    [
        (SD, "kfv", ("ks", "OFFICIAL_DECISION")),
        (SOC, "ifo", ("sn", "OFFICIAL_DECISION")),
        ({"body": "stadsdirektor", "date": "2013-01-07"}, "kfv", ("ks", "OFFICIAL_DECISION")),
        (
            {"body": "sn", "position": "stadsdirektor", "date": "2013-01-07"},
            "kfv",
            ("sn", "OFFICIAL_DECISION"),
        ),
        ({"body": "ksau", "date": "2013-01-07"}, "kfv", ("ks", "COMMITTEE_DECISION")),
        ({"body": "kf", "date": "2013-01-07", "paragraph": "§ 3"}, "kfv", (None, None)),
        ({"body": "ks", "date": "2013-01-07", "paragraph": "§ 5"}, "kfv", (None, None)),
        ({"body": "Kommunstyrelsen", "date": "2013-01-07"}, "kfv", (None, None)),
        (None, "kfv", (None, None)),
    ],
    ids=[
        "official-of-ks",
        "official-of-sn",
        "post-as-body",
        "official-for-a-board",
        "committee",
        "council",
        "board",
        "free-text-body",
        "no-decision",
    ],
)
def test_a_change_is_reported_to_the_board_of_whoever_decided_it(org, decision, unit, expected):
    record(org, renamed("r", unit, "Nytt namn", decision))
    assert _reporting(org, "r") == expected


def test_the_reasons_for_reporting_have_a_sentence_each():
    assert set(BASIS_TEXT) == {"OFFICIAL_DECISION", "SUBDELEGATION", "COMMITTEE_DECISION"}
    assert BASIS_TEXT["OFFICIAL_DECISION"] == "beslut av en tjänsteman i nämndens förvaltning"


def test_reports_notings_and_cancellations_are_reported_to_nobody(org):
    record(
        org,
        renamed("r", "kfv", "Kultur", SD),
        change("cancel_change", id="c", change="r", reason="Fel"),
        change("report_changes", id="rep", to="ks", meeting="2013-03-04", changes=["c"]),
    )
    assert _reporting(org, "c") == _reporting(org, "rep") == (None, None)


def test_a_vidaredelegation_and_its_revocation_go_to_the_board_of_the_delegation(org):
    record(
        org,
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
    )
    assert _reporting(org, "s1") == ("ks", "SUBDELEGATION")
    assert _reporting(org, "x1") == ("ks", "SUBDELEGATION")


def test_the_post_is_placed_as_it_stood_on_the_day_of_the_decision(org):
    record(
        org,
        renamed("r1", "kfv", "Kultur", SD, effective="2013-03-01"),
        change(
            "move_position",
            id="mv",
            effective="2013-02-01",
            position="stadsdirektor",
            unit="sof",
            decision={"body": "kf"},
        ),
    )
    assert _reporting(org, "r1") == ("ks", "OFFICIAL_DECISION")
    assert decider_name(org.log["r1"].change, org.timeline) == "Stadsdirektör"


def test_the_board_over_a_unit_is_the_first_board_up_the_line_and_none_above_a_company(org):
    day = date(2013, 1, 1)
    assert [board_over(org.timeline, unit, day) for unit in ("kfv", "ifo", "ks", "ksau", "kf", "bolag")] == [
        "ks",
        "sn",
        "ks",
        "ks",
        None,
        None,
    ]


def test_a_change_that_empties_another_boards_delegation_names_it(org):
    record(org, change("abolish_position", id="ab", effective=D, position="kulturchef", decision=SD))
    assert _reporting(org, "ab") == ("ks", "OFFICIAL_DECISION")
    assert _affected(org, "ab") == [("sn", "sn-1", "SN.1")]


def test_a_boards_own_decision_that_empties_its_own_delegation_is_not_named_for_it(org):
    record(
        org,
        change("abolish_position", id="ab", effective=D, position="stadsdirektor", decision={"body": "ks"}),
    )
    assert _affected(org, "ab") == []


def test_a_retroactive_change_finds_the_delegation_it_emptied_though_it_was_re_pointed_since(org):
    record(
        org,
        change(
            "amend_delegation",
            id="re",
            effective="2014-01-01",
            delegation="sn-1",
            to="ifo-chef",
            decision={"body": "sn"},
        ),
    )
    record(
        org, change("abolish_position", id="late", effective="2013-06-01", position="kulturchef", decision=SD)
    )
    assert _affected(org, "late") == [("sn", "sn-1", "SN.1")]


def test_a_vidaredelegation_reports_to_its_forvaltningschef_unless_it_says_otherwise(org):
    record(
        org,
        change(
            "subdelegate",
            id="s1",
            effective=D,
            delegation="b1-kultur",
            parent_delegation="b1",
            to="kulturchef",
            decision=SD,
        ),
        change(
            "subdelegate",
            id="s2",
            effective=D,
            delegation="b1-va",
            parent_delegation="b1",
            to="va-chef",
            reporting="Anmäls till stadsdirektören varje månad",
            decision=SD,
        ),
        change(
            "amend_delegation",
            id="a1",
            effective="2013-03-01",
            delegation="b1",
            reporting="Anmäls till kommunstyrelsen varje kvartal",
            decision={"body": "ks"},
        ),
    )
    on = date(2013, 3, 1)
    assert org.timeline.delegation_on("b1", on).reporting == "Anmäls till kommunstyrelsen varje kvartal"
    assert org.timeline.delegation_on("b1-kultur", on).reporting == (
        "Anmäls till Stadsdirektör (förvaltningschefen som vidaredelegerade)"
    )
    assert org.timeline.delegation_on("b1-va", on).reporting == "Anmäls till stadsdirektören varje månad"


# --- reporting changes to a board and noting the report (rule `reporting`) --------------------------


def test_changes_reported_to_a_board_are_kept_by_meeting_and_noted_under_a_paragraph(org):
    record(
        org,
        renamed("r1", "kfv", "Kultur", SD),
        renamed("r2", "va", "VA", SD),
        change(
            "report_changes", id="rep1", to="ks", meeting="2013-03-04", changes=["r1"], reference="KS 2013/1"
        ),
        change("report_changes", id="rep2", to="ks", meeting="2013-03-04", changes=["r2"]),
        change("note_report", id="n", to="ks", meeting="2013-03-04", paragraph="§ 27"),
    )
    report = org.reports[("ks", date(2013, 3, 4))]
    assert (report.change_ids, report.reference, report.noted_paragraph) == (
        ("r1", "r2"),
        "KS 2013/1",
        "§ 27",
    )
    assert org.reported_to("ks", "r2") == date(2013, 3, 4) and org.reported_to("sn", "r2") is None


@pytest.mark.parametrize(
    "to, changes, words",
    [
        ("slk", ["r1"], "'slk' is an office, not a board on 2013-03-04"),
        ("nope", ["r1"], "'nope' is not a board in effect on 2013-03-04"),
        ("ks", ["r1", "r1"], "'r1' is listed twice"),
        ("ks", ["nope"], "no change 'nope' was recorded"),
        ("ks", ["rep"], "'rep' is itself a report"),
        ("ks", ["c"], "'c' was cancelled by 'cc'"),
        ("ks", ["r2"], "'r2' was already reported to 'ks' on 2013-02-04"),
    ],
)
def test_what_cannot_be_reported_to_a_board(org, to, changes, words):
    record(
        org,
        renamed("r1", "kfv", "Kultur", SD),
        renamed("r2", "va", "VA", SD),
        renamed("c", "ifo", "IFO", SOC),
        change("cancel_change", id="cc", change="c", reason="Fel"),
        change("report_changes", id="rep", to="ks", meeting="2013-02-04", changes=["r2"]),
    )
    error = refused(org, change("report_changes", id="x", to=to, meeting="2013-03-04", changes=changes))
    assert error.rule == "reporting" and words in str(error)


def test_a_report_is_noted_once_and_only_when_there_is_one(org):
    error = refused(org, change("note_report", to="ks", meeting="2013-03-04", paragraph="§ 1"))
    assert error.rule == "reporting" and "no changes were reported for that meeting" in str(error)
    record(
        org,
        renamed("r1", "kfv", "Kultur", SD),
        change("report_changes", to="ks", meeting="2013-03-04", changes=["r1"]),
        change("note_report", to="ks", meeting="2013-03-04", paragraph="§ 27"),
    )
    error = refused(org, change("note_report", to="ks", meeting="2013-03-04", paragraph="§ 28"))
    assert "already noted under § 27" in str(error)
