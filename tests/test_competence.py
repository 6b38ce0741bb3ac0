"""Who may decide which change (orgchange/domain/competence.py), a round trip per kind of decider
on both databases: the council, an official, a board's delegations, a decider the register cannot
check (a finding), and events recorded before the rules. Every case is pinned on the domain alone
in tests/unit/test_competence.py, which also holds the scenarios and the refusals recorded here.

Every refusal is rule "competence" and names the decider (key, kind and name), what
the change would do, and the paragraph of the act in force on the decision day.
"""

from __future__ import annotations

from datetime import date

import pytest

from orgchange.domain.errors import ChangeRejected
from orgchange.domain.register import REGISTER_ID, Register
from tests.unit.test_competence import (
    AFTER_THE_RULES,
    AMENDED_BY_THE_BOARD,
    BEFORE_THE_RULES,
    BOARD_BY_AN_OFFICIAL,
    BOARD_BY_KS,
    BY_A_KEY,
    BY_A_NAME,
    DAY,
    GRANTED_BY_AN_OFFICIAL,
    GRANTED_BY_ANOTHER_BOARD,
    GRANTED_BY_THE_COUNCIL,
    MOVED_INTO_ANOTHER_OFFICE,
    NOT_INSIDE_THE_SOCIALKONTOR,
    NOT_ITS_DELEGATION,
    OUTSIDE_THE_OFFICE,
    RECORDED_THEN,
    REVOKED_BY_ANOTHER_BOARD,
    UNCHECKED,
    a_grant_of_sn,
    a_new_board,
    by,
    ifo_renamed_by,
    organisation,
)


@pytest.fixture
def org(app):
    """The base organisation, with a nämnd's own office and a post in it, and a company."""
    app.record_changes(organisation(), "test")
    return app


def refused(app, entry) -> str:
    """The refusal of a change, which stores nothing."""
    events = app.event_count()
    with pytest.raises(ChangeRejected) as caught:
        app.record_changes([entry], "test")
    assert caught.value.rule == "competence", str(caught.value)
    assert app.event_count() == events
    return str(caught.value)


def accepted(app, entry) -> None:
    app.record_changes([entry], "test")


def units_on(app, day: str = DAY) -> dict:
    return {u.id: u for u in app.read_model.organisation(date.fromisoformat(day))}


def test_only_the_council_establishes_a_board(org):
    by_an_official = refused(org, a_new_board(by("stadsdirektor"), id="c1"))
    by_ks = refused(org, a_new_board(by("ks")))
    assert by_an_official == BOARD_BY_AN_OFFICIAL and BOARD_BY_KS in by_ks
    assert "aldrenamnden" not in units_on(org)
    accepted(org, a_new_board(by("kf"), id="c2"))
    history = org.read_model.unit_history("aldrenamnden")
    assert [(v.valid_from, v.kind, v.parent_id) for v in history] == [(date(2018, 3, 1), "board", "kf")]
    assert org.read_model.change("c2").type == "establish_unit"


def test_an_official_cannot_decide_in_another_office(org):
    assert refused(org, ifo_renamed_by("stadsdirektor", id="c1")) == OUTSIDE_THE_OFFICE
    message = refused(org, MOVED_INTO_ANOTHER_OFFICE)
    assert all(words in message for words in NOT_INSIDE_THE_SOCIALKONTOR)
    assert units_on(org)["kfv"].parent_id == "slk"
    # In its own office, the socialdirektör may.
    accepted(org, ifo_renamed_by("socialdirektor"))
    assert units_on(org)["ifo"].name == "Individ och familj"


def test_a_board_grants_amends_and_revokes_its_own_delegations(org):
    by_ks, by_kf, by_an_official = (
        refused(org, a_grant_of_sn(decision))
        for decision in (by("ks"), by("kf"), by(position="socialdirektor"))
    )
    assert by_ks.endswith(GRANTED_BY_ANOTHER_BOARD)
    assert GRANTED_BY_THE_COUNCIL in by_kf and GRANTED_BY_AN_OFFICIAL in by_an_official
    assert org.read_model.delegations.delegations(date(2018, 3, 1), board="sn") == []
    accepted(org, a_grant_of_sn(by("sn"), further_delegation=True))
    assert NOT_ITS_DELEGATION in refused(org, REVOKED_BY_ANOTHER_BOARD)
    accepted(org, AMENDED_BY_THE_BOARD)
    delegations = org.read_model.delegations.delegations(date(2018, 6, 1), board="sn")
    assert [(d.id, d.to_id) for d in delegations] == [("d1", "socialdirektor")]


def test_a_body_that_is_no_key_is_accepted_unchecked_and_a_finding(org):
    impact = org.dry_run([BY_A_NAME])
    (finding,) = impact.findings
    assert (finding.code, finding.subject, finding.since) == ("UNCHECKED_DECIDER", "fritext", None)
    assert finding.reason == UNCHECKED
    accepted(org, BY_A_NAME)
    row = org.read_model.change("fritext")
    assert [f.code for f in org.read_model.findings.of_changes([row])["fritext"]] == ["UNCHECKED_DECIDER"]
    # A key, or an official beside the body, is checked and is no finding.
    accepted(org, BY_A_KEY)
    assert org.read_model.findings.of_changes([org.read_model.change("k")]) == {}


def test_competence_is_judged_when_recorded_and_older_events_still_replay(org):
    # An event recorded before these rules — a board established by KS — written as it was then,
    # straight into the event store: the register replays it, and the read models rebuild.
    register = org.register()
    register.trigger_event(
        Register.ChangeRecorded, change=BEFORE_THE_RULES, recorded_by="v1", timestamp=RECORDED_THEN
    )
    org.save(register)
    org.rebuild()
    assert units_on(org)["aldrenamnden"].kind == "board"
    assert org.repository.get(REGISTER_ID).timeline.unit("aldrenamnden") is not None
    # Later changes are recorded as usual; a retroactive one re-folds the old event without judging it.
    for entry in AFTER_THE_RULES:
        accepted(org, entry)
    assert units_on(org)["aldrenamnden"].name == "Äldre"
    # The same change recorded now is refused.
    again = BEFORE_THE_RULES.model_copy(update={"id": "ny", "unit": "omsorg"})
    assert "may not establish board 'omsorg'" in refused(org, again)
