"""Who may decide which change (orgchange/domain/competence.py), a round trip per kind of decider
on both databases: the council, an official, a board's delegations, a decider the register cannot
check (a finding), and events recorded before the rules. Every case is pinned on the domain alone
in tests/unit/test_competence.py.

Every refusal is rule "competence" and names the decider (key, kind and name), what
the change would do, and the paragraph of the act in force on the decision day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from orgchange.domain.errors import ChangeRejected
from orgchange.domain.register import REGISTER_ID, Register
from tests.builders import base_organisation, change

DAY = "2018-03-01"
DECIDED = "2018-02-12"


def by(body: str | None = None, position: str | None = None, day: str = DECIDED) -> dict:
    decision = {"date": day, "paragraph": "§ 12"}
    if body is not None:
        decision["body"] = body
    if position is not None:
        decision["position"] = position
    return decision


@pytest.fixture
def org(app):
    """The base organisation, with a nämnd's own office and a post in it, and a company."""
    app.record_changes(
        [
            *base_organisation(),
            change(
                "establish_unit",
                effective="2012-01-01",
                unit="soc",
                name="Socialkontoret",
                kind="office",
                parent="sn",
            ),
            change(
                "establish_unit", effective="2012-01-01", unit="ifo", name="IFO", kind="unit", parent="soc"
            ),
            change(
                "establish_position",
                effective="2012-01-01",
                position="socialdirektor",
                title="Socialdirektör",
                unit="soc",
                director=True,
            ),
            change(
                "establish_position",
                effective="2012-01-01",
                position="ifo-chef",
                title="IFO-chef",
                unit="ifo",
            ),
            change(
                "establish_unit",
                effective="2012-01-01",
                unit="bolaget",
                name="Nacka Energi AB",
                kind="company",
                owner="kf",
            ),
        ],
        "test",
    )
    return app


def refused(app, entry) -> str:
    with pytest.raises(ChangeRejected) as caught:
        app.record_changes([entry], "test")
    assert caught.value.rule == "competence", str(caught.value)
    return str(caught.value)


def accepted(app, entry) -> None:
    app.record_changes([entry], "test")


def units_on(app, day: str = DAY) -> dict:
    return {u.id: u for u in app.read_model.organisation(date.fromisoformat(day))}


# --- boards: only the council ------------------------------------------------------------------


def test_only_the_council_establishes_a_board(org):
    board = dict(effective=DAY, unit="aldrenamnden", name="Äldrenämnden", kind="board", parent="kf")
    message = refused(org, change("establish_unit", id="c1", decision=by("stadsdirektor"), **board))
    assert message == (
        "change #1 (c1) establish_unit: decided by 'stadsdirektor' (a position: Stadsdirektör), which may "
        "not establish board 'aldrenamnden': only the council establishes, dissolves, merges, splits, "
        "renames, reclassifies or moves a board (KL (2017:725) 5 kap. 1 §)"
    )
    message = refused(org, change("establish_unit", decision=by("ks"), **board))
    assert (
        "decided by 'ks' (a board: Kommunstyrelsen), which may not establish board 'aldrenamnden'" in message
    )
    assert "aldrenamnden" not in units_on(org)
    accepted(org, change("establish_unit", decision=by("kf"), **board))
    assert units_on(org)["aldrenamnden"].kind == "board"


# --- an official decides inside the office or area of the post ---------------------------------


def test_an_official_cannot_decide_in_another_office(org):
    message = refused(
        org,
        change(
            "rename_unit",
            id="c1",
            effective=DAY,
            decision=by(position="stadsdirektor"),
            unit="ifo",
            name="Individ och familj",
        ),
    )
    assert message == (
        "change #1 (c1) rename_unit: decided by 'stadsdirektor' (a position: Stadsdirektör), which may not "
        "rename unit 'ifo': an official decides only inside the office or area the post belongs to, 'slk', "
        "and 'ifo' is not inside it (KL (2017:725) 7 kap. 5 §)"
    )
    message = refused(
        org,
        change("move_unit", effective=DAY, decision=by(position="socialdirektor"), unit="kfv", parent="soc"),
    )
    assert "which may not move unit 'kfv' under 'soc'" in message and "'kfv' is not inside it" in message
    # In its own office, the socialdirektör may.
    accepted(
        org,
        change(
            "rename_unit",
            effective=DAY,
            decision=by(position="socialdirektor"),
            unit="ifo",
            name="Individ och familj",
        ),
    )


# --- delegations -----------------------------------------------------------------------------


def test_a_board_grants_amends_and_revokes_its_own_delegations(org):
    grant = dict(effective=DAY, delegation="d1", from_="sn", to="socialdirektor", matter="Bistånd")
    message = refused(org, change("grant_delegation", decision=by("ks"), **grant))
    assert message.endswith(
        "decided by 'ks' (a board: Kommunstyrelsen), which may not grant a delegation of board 'sn': a "
        "board's delegations are granted, amended and revoked by the board itself "
        "(KL (2017:725) 6 kap. 37 § och 7 kap. 5 §)"
    )
    message = refused(org, change("grant_delegation", decision=by("kf"), **grant))
    assert "decided by 'kf' (a council: Kommunfullmäktige)" in message
    message = refused(org, change("grant_delegation", decision=by(position="socialdirektor"), **grant))
    assert "a board's delegationsordning is decided by the board itself" in message
    accepted(org, change("grant_delegation", decision=by("sn"), further_delegation=True, **grant))
    message = refused(
        org, change("revoke_delegation", effective="2018-06-01", decision=by("ks"), delegation="d1")
    )
    assert "which may not revoke a delegation of board 'sn'" in message
    accepted(
        org,
        change(
            "amend_delegation",
            effective="2018-06-01",
            decision=by("sn"),
            delegation="d1",
            limit="Högst 5 prisbasbelopp",
        ),
    )


# --- who can be a decider at all ---------------------------------------------------------------


def test_a_body_that_is_no_key_is_accepted_unchecked_and_a_finding(org):
    entry = change(
        "establish_unit",
        id="fritext",
        effective=DAY,
        decision=by("Kommunstyrelsen"),
        unit="aldrenamnden",
        name="Äldrenämnden",
        kind="board",
        parent="kf",
    )
    impact = org.dry_run([entry])
    (finding,) = impact.findings
    assert (finding.code, finding.subject, finding.since) == ("UNCHECKED_DECIDER", "fritext", None)
    assert finding.reason == (
        "Beslutsorganet ”Kommunstyrelsen” är ingen nyckel i registret; beslutsorganet kan inte kontrolleras."
    )
    accepted(org, entry)
    row = org.read_model.change("fritext")
    assert [f.code for f in org.read_model.findings.of_changes([row])["fritext"]] == ["UNCHECKED_DECIDER"]
    # A key, or an official beside the body, is checked and is no finding.
    accepted(org, change("rename_unit", id="k", effective=DAY, decision=by("ks"), unit="kfv", name="Kultur"))
    assert org.read_model.findings.of_changes([org.read_model.change("k")]) == {}


# --- judged when recorded; what was recorded before stays readable -------------------------------


def test_competence_is_judged_when_recorded_and_older_events_still_replay(org):
    # An event recorded before these rules — a board established by KS — written as it was then,
    # straight into the event store: the register replays it, and the read models rebuild.
    register = org.register()
    old = change(
        "establish_unit",
        id="gammal",
        effective="2015-01-01",
        decision=by("ks", day="2014-12-01"),
        unit="aldrenamnden",
        name="Äldrenämnden",
        kind="board",
        parent="kf",
    )
    register.trigger_event(
        Register.ChangeRecorded, change=old, recorded_by="v1", timestamp=datetime(2015, 1, 2, tzinfo=UTC)
    )
    org.save(register)
    org.rebuild()
    assert units_on(org)["aldrenamnden"].kind == "board"
    assert org.repository.get(REGISTER_ID).timeline.unit("aldrenamnden") is not None
    # Later changes are recorded as usual; a retroactive one re-folds the old event without judging it.
    accepted(org, change("rename_unit", effective="2014-06-01", decision=by("ks"), unit="kfv", name="Kultur"))
    accepted(org, change("rename_unit", effective=DAY, decision=by("kf"), unit="aldrenamnden", name="Äldre"))
    assert units_on(org)["aldrenamnden"].name == "Äldre"
    # The same change recorded now is refused.
    again = old.model_copy(update={"id": "ny", "unit": "omsorg"})
    assert "may not establish board 'omsorg'" in refused(org, again)
