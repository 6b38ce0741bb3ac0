"""Who may decide which change (orgchange/domain/competence.py, docs/rules.md "Competence"):
each rule accepted and refused on the domain's `Register`, without a database.

Every refusal is rule "competence" and names the decider (key, kind and name), what
the change would do, and the paragraph of the act in force on the decision day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from orgchange.domain.changes import Change
from orgchange.domain.competence import decider
from orgchange.domain.findings import unchecked_decider
from orgchange.domain.register import Register
from tests.builders import base_organisation, change, organisation_on, record, register
from tests.builders import refused as refusal

DAY = "2018-03-01"
DECIDED = "2018-02-12"


def by(body: str | None = None, position: str | None = None, day: str = DECIDED) -> dict:
    decision = {"date": day, "paragraph": "§ 12"}
    if body is not None:
        decision["body"] = body
    if position is not None:
        decision["position"] = position
    return decision


def organisation() -> list:
    """The base organisation, with a nämnd's own office and a post in it, and a company
    (tests/test_competence.py records it too)."""
    return [
        *base_organisation(),
        change(
            "establish_unit",
            effective="2012-01-01",
            unit="soc",
            name="Socialkontoret",
            kind="office",
            parent="sn",
        ),
        change("establish_unit", effective="2012-01-01", unit="ifo", name="IFO", kind="unit", parent="soc"),
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
    ]


@pytest.fixture
def org() -> Register:
    return register(organisation())


# --- the scenarios the database tests (tests/test_competence.py) record too ---------------------


def a_new_board(decision: dict, effective: str = DAY, **fields) -> Change:
    """Äldrenämnden, a new board under the council."""
    return change(
        "establish_unit",
        effective=effective,
        decision=decision,
        unit="aldrenamnden",
        name="Äldrenämnden",
        kind="board",
        parent="kf",
        **fields,
    )


BOARD_BY_AN_OFFICIAL = (
    "change #1 (c1) establish_unit: decided by 'stadsdirektor' (a position: Stadsdirektör), which may "
    "not establish board 'aldrenamnden': only the council establishes, dissolves, merges, splits, "
    "renames, reclassifies or moves a board (KL (2017:725) 5 kap. 1 §)"
)
BOARD_BY_KS = "decided by 'ks' (a board: Kommunstyrelsen), which may not establish board 'aldrenamnden'"


def ifo_renamed_by(position: str, **fields) -> Change:
    """IFO, a unit in the socialkontor, renamed by an official."""
    return change(
        "rename_unit",
        effective=DAY,
        decision=by(position=position),
        unit="ifo",
        name="Individ och familj",
        **fields,
    )


OUTSIDE_THE_OFFICE = (
    "change #1 (c1) rename_unit: decided by 'stadsdirektor' (a position: Stadsdirektör), which may not "
    "rename unit 'ifo': an official decides only inside the office or area the post belongs to, 'slk', "
    "and 'ifo' is not inside it (KL (2017:725) 7 kap. 5 §)"
)
# The socialdirektör moves kfv, of the stadsledningskontor, into the socialkontor.
MOVED_INTO_ANOTHER_OFFICE = change(
    "move_unit", effective=DAY, decision=by(position="socialdirektor"), unit="kfv", parent="soc"
)
NOT_INSIDE_THE_SOCIALKONTOR = ("which may not move unit 'kfv' under 'soc'", "'kfv' is not inside it")


def a_grant_of_sn(decision: dict, **fields) -> Change:
    """Socialnämnden's d1 to the socialdirektör, from DAY."""
    return change(
        "grant_delegation",
        effective=DAY,
        decision=decision,
        delegation="d1",
        from_="sn",
        to="socialdirektor",
        matter="Bistånd",
        **fields,
    )


GRANTED_BY_ANOTHER_BOARD = (
    "decided by 'ks' (a board: Kommunstyrelsen), which may not grant a delegation of board 'sn': a "
    "board's delegations are granted, amended and revoked by the board itself "
    "(KL (2017:725) 6 kap. 37 § och 7 kap. 5 §)"
)
GRANTED_BY_THE_COUNCIL = "decided by 'kf' (a council: Kommunfullmäktige)"
GRANTED_BY_AN_OFFICIAL = "a board's delegationsordning is decided by the board itself"
REVOKED_BY_ANOTHER_BOARD = change(
    "revoke_delegation", effective="2018-06-01", decision=by("ks"), delegation="d1"
)
NOT_ITS_DELEGATION = "which may not revoke a delegation of board 'sn'"
AMENDED_BY_THE_BOARD = change(
    "amend_delegation",
    effective="2018-06-01",
    decision=by("sn"),
    delegation="d1",
    limit="Högst 5 prisbasbelopp",
)

# A body written as a name, not a key: recorded unchecked, and a finding.
BY_A_NAME = a_new_board(by("Kommunstyrelsen"), id="fritext")
UNCHECKED = (
    "Beslutsorganet ”Kommunstyrelsen” är ingen nyckel i registret; beslutsorganet kan inte kontrolleras."
)
BY_A_KEY = change("rename_unit", id="k", effective=DAY, decision=by("ks"), unit="kfv", name="Kultur")

# Recorded before the rules of competence: a board established by KS, in 2015.
BEFORE_THE_RULES = a_new_board(by("ks", day="2014-12-01"), "2015-01-01", id="gammal")
RECORDED_THEN = datetime(2015, 1, 2, tzinfo=UTC)
# Later changes, one of them retroactive, are recorded as usual.
AFTER_THE_RULES = (
    change("rename_unit", effective="2014-06-01", decision=by("ks"), unit="kfv", name="Kultur"),
    change("rename_unit", effective=DAY, decision=by("kf"), unit="aldrenamnden", name="Äldre"),
)


def refused(org: Register, entry) -> str:
    error = refusal(org, entry)
    assert error.rule == "competence", str(error)
    return str(error)


def accepted(org: Register, entry) -> None:
    record(org, entry)


def units_on(org: Register, day: str = DAY) -> dict:
    return organisation_on(org, day)


# --- boards: only the council ------------------------------------------------------------------


def test_only_the_council_establishes_a_board(org):
    assert refused(org, a_new_board(by("stadsdirektor"), id="c1")) == BOARD_BY_AN_OFFICIAL
    assert BOARD_BY_KS in refused(org, a_new_board(by("ks")))
    assert "aldrenamnden" not in units_on(org)
    accepted(org, a_new_board(by("kf")))
    assert units_on(org)["aldrenamnden"].kind == "board"


@pytest.mark.parametrize(
    "entry, doing",
    [
        (dict(type_="rename_unit", unit="sn", name="Social- och äldrenämnden"), "rename board 'sn'"),
        (dict(type_="reclassify_unit", unit="sn", kind="office"), "make board 'sn' an office"),
        (dict(type_="reclassify_unit", unit="kfv", kind="board"), "make 'kfv' a board"),
        (dict(type_="merge_units", units=["sn", "ks"], into="ks"), "merge 'sn', 'ks' into board 'ks'"),
        (
            dict(
                type_="split_unit",
                unit="sn",
                into=[{"unit": "sn-a", "name": "A"}, {"unit": "sn-b", "name": "B"}],
                children={"soc": "sn-a"},
            ),
            "split 'sn' into boards 'sn-a', 'sn-b'",
        ),
    ],
)
def test_only_the_council_renames_reclassifies_merges_or_splits_a_board(org, entry, doing):
    fields = dict(entry)  # the parameter is shared by both databases' runs
    type_ = fields.pop("type_")
    message = refused(org, change(type_, effective=DAY, decision=by("ks"), **fields))
    assert f"decided by 'ks' (a board: Kommunstyrelsen), which may not {doing}: only the council" in message
    assert message.endswith("(KL (2017:725) 5 kap. 1 §)")


def test_the_council_renames_and_dissolves_a_board(org):
    accepted(org, change("rename_unit", effective=DAY, decision=by("kf"), unit="sn", name="Omsorgsnämnden"))
    message = refused(org, change("dissolve_unit", effective="2018-06-01", decision=by("sn"), unit="sn"))
    # The board is named as it was on the day it decided, before the rename took effect.
    assert "decided by 'sn' (a board: Socialnämnden), which may not dissolve board 'sn'" in message


# --- companies: only the council ------------------------------------------------------------


def test_only_the_council_forms_a_company(org):
    company = dict(effective=DAY, unit="va-ab", name="Nacka vatten och avfall AB", kind="company", owner="kf")
    message = refused(org, change("establish_unit", id="c1", decision=by(position="va-chef"), **company))
    assert message == (
        "change #1 (c1) establish_unit: decided by 'va-chef' (a position: VA-chef), which may not form "
        "company 'va-ab': only the council forms, dissolves or merges a company, or changes its owner or "
        "supervisor (KL (2017:725) 10 kap. 1 §)"
    )
    message = refused(org, change("establish_unit", decision=by("ks"), **company))
    assert "decided by 'ks' (a board: Kommunstyrelsen), which may not form company 'va-ab'" in message
    accepted(org, change("establish_unit", decision=by("kf"), **company))
    assert units_on(org)["va-ab"].owner == "kf"


def test_only_the_council_spins_a_unit_off_into_a_company(org):
    spin = dict(effective=DAY, unit="va", company="va-ab", name="VA AB", owner="bolaget")
    message = refused(org, change("spin_off_unit", decision=by("ks", day="2017-11-13"), **spin))
    # Decided in 2017, under KL (1991:900): the paragraph of that act is cited.
    assert "which may not form company 'va-ab' out of 'va'" in message
    assert message.endswith("(KL (1991:900) 3 kap. 16 §)")
    accepted(org, change("spin_off_unit", decision=by("kf", day="2017-11-13"), **spin))
    assert units_on(org)["va-ab"].owner == "bolaget"


def test_only_the_council_dissolves_a_company_or_changes_its_owner_or_supervisor(org):
    message = refused(org, change("dissolve_unit", effective=DAY, decision=by("ks"), unit="bolaget"))
    assert "which may not dissolve company 'bolaget'" in message
    message = refused(
        org, change("move_unit", effective=DAY, decision=by("ks"), unit="bolaget", supervisor="ks")
    )
    assert "which may not change the owner or supervisor of company 'bolaget'" in message
    accepted(org, change("move_unit", effective=DAY, decision=by("kf"), unit="bolaget", supervisor="ks"))
    assert units_on(org)["bolaget"].supervisor == "ks"


# --- committees: the council or their own board ------------------------------------------------


def test_a_committee_is_established_by_the_council_or_its_own_board(org):
    committee = dict(effective=DAY, kind="committee", parent="sn")
    message = refused(
        org, change("establish_unit", decision=by("ks"), unit="sn-au", name="Arbetsutskottet", **committee)
    )
    assert message.endswith(
        "decided by 'ks' (a board: Kommunstyrelsen), which may not establish committee 'sn-au': a committee "
        "is established, changed or ended by the council or by the board it belongs to (KL (2017:725) 5 kap. 1 §)"
    )
    message = refused(
        org,
        change(
            "establish_unit", decision=by(position="socialdirektor"), unit="sn-au", name="AU", **committee
        ),
    )
    assert (
        "decided by 'socialdirektor' (a position: Socialdirektör), which may not establish committee"
        in message
    )
    accepted(
        org, change("establish_unit", decision=by("sn"), unit="sn-au", name="Arbetsutskottet", **committee)
    )
    accepted(
        org, change("establish_unit", decision=by("kf"), unit="sn-iu", name="Individutskottet", **committee)
    )
    assert {units_on(org)[k].parent for k in ("sn-au", "sn-iu")} == {"sn"}


def test_another_board_cannot_rename_a_committee_but_its_own_can(org):
    message = refused(org, change("rename_unit", effective=DAY, decision=by("sn"), unit="ksau", name="KSAU"))
    assert "decided by 'sn' (a board: Socialnämnden), which may not rename committee 'ksau'" in message
    accepted(org, change("rename_unit", effective=DAY, decision=by("ks"), unit="ksau", name="KSAU"))


# --- an official decides inside the office or area of the post ---------------------------------


def test_an_official_decides_inside_the_office_of_the_post(org):
    accepted(
        org,
        change(
            "establish_unit",
            effective=DAY,
            decision=by(position="stadsdirektor"),
            unit="juridik",
            name="Juridik",
            kind="unit",
            parent="slk",
        ),
    )
    accepted(
        org,
        change(
            "rename_unit", effective=DAY, decision=by(position="stadsdirektor"), unit="kfv", name="Kultur"
        ),
    )
    accepted(
        org,
        change(
            "establish_position",
            effective=DAY,
            decision=by(position="stadsdirektor"),
            position="jurist",
            title="Stadsjurist",
            unit="slk",
        ),
    )
    # The body may name the official too, as older files do.
    accepted(
        org,
        change(
            "move_position", effective=DAY, decision=by("stadsdirektor"), position="jurist", unit="juridik"
        ),
    )
    assert units_on(org)["kfv"].name == "Kultur"


def test_an_official_cannot_decide_in_another_office(org):
    assert refused(org, ifo_renamed_by("stadsdirektor", id="c1")) == OUTSIDE_THE_OFFICE
    message = refused(org, MOVED_INTO_ANOTHER_OFFICE)
    assert all(words in message for words in NOT_INSIDE_THE_SOCIALKONTOR)
    # In its own office, the socialdirektör may.
    accepted(org, ifo_renamed_by("socialdirektor"))
    assert units_on(org)["ifo"].name == "Individ och familj"


def test_an_official_cannot_change_the_office_itself(org):
    # The office's name and place are decided above it, by the board.
    message = refused(
        org,
        change(
            "rename_unit",
            effective=DAY,
            decision=by(position="stadsdirektor"),
            unit="slk",
            name="Kommunledningskontoret",
        ),
    )
    assert "and 'slk' is not inside it" in message
    accepted(
        org,
        change("rename_unit", effective=DAY, decision=by("ks"), unit="slk", name="Kommunledningskontoret"),
    )


def test_a_post_in_no_office_or_area_decides_no_reorganisation(org):
    record(
        org,
        change(
            "establish_position",
            effective="2012-01-01",
            position="ks-ordf",
            title="Ordförande",
            unit="ks",
        ),
    )
    message = refused(
        org, change("rename_unit", effective=DAY, decision=by(position="ks-ordf"), unit="kfv", name="K")
    )
    assert "the post belongs to 'ks', which stands in no office or area" in message


def test_an_official_forms_no_company_and_establishes_no_board(org):
    # The issue seen in the sample: a trafikchef forming a company, a stadsdirektör a nämnd.
    message = refused(
        org,
        change(
            "spin_off_unit",
            effective=DAY,
            decision=by(position="va-chef"),
            unit="va",
            company="va-ab",
            name="VA AB",
            owner="kf",
        ),
    )
    assert "decided by 'va-chef' (a position: VA-chef), which may not form company 'va-ab'" in message


# --- delegations -----------------------------------------------------------------------------


def test_a_board_grants_amends_and_revokes_its_own_delegations(org):
    assert refused(org, a_grant_of_sn(by("ks"))).endswith(GRANTED_BY_ANOTHER_BOARD)
    assert GRANTED_BY_THE_COUNCIL in refused(org, a_grant_of_sn(by("kf")))
    assert GRANTED_BY_AN_OFFICIAL in refused(org, a_grant_of_sn(by(position="socialdirektor")))
    accepted(org, a_grant_of_sn(by("sn"), further_delegation=True))
    assert NOT_ITS_DELEGATION in refused(org, REVOKED_BY_ANOTHER_BOARD)
    accepted(org, AMENDED_BY_THE_BOARD)
    assert org.timeline.delegation_on("d1", date(2018, 6, 1)).limit == "Högst 5 prisbasbelopp"


def test_a_vidaredelegation_is_decided_by_the_forvaltningschef_who_holds_the_delegation(org):
    record(
        org,
        change(
            "grant_delegation",
            effective=DAY,
            delegation="d1",
            from_="sn",
            to="socialdirektor",
            matter="Bistånd",
            further_delegation=True,
        ),
    )
    sub = dict(effective="2018-04-01", delegation="d1-ifo", parent_delegation="d1", to="ifo-chef")
    message = refused(org, change("subdelegate", decision=by(position="stadsdirektor"), **sub))
    assert message.endswith(
        "decided by 'stadsdirektor' (a position: Stadsdirektör), which may not decide a vidaredelegation of "
        "'d1': a vidaredelegation is decided by the förvaltningschef who holds the delegation it rests on "
        "('socialdirektor'), or by board 'sn' (KL (2017:725) 7 kap. 6 §)"
    )
    accepted(org, change("subdelegate", decision=by(position="socialdirektor"), **sub))
    accepted(
        org,
        change(
            "revoke_delegation",
            effective="2018-06-01",
            decision=by(position="socialdirektor"),
            delegation="d1-ifo",
        ),
    )


# --- who can be a decider at all ---------------------------------------------------------------


def test_an_office_decides_nothing_itself(org):
    message = refused(org, change("rename_unit", effective=DAY, decision=by("slk"), unit="kfv", name="K"))
    assert "decided by 'slk' (an office: Stadsledningskontoret): an office decides nothing itself" in message


def test_a_decision_position_must_be_a_post_in_effect_when_it_decided(org):
    message = refused(
        org, change("rename_unit", effective=DAY, decision=by(position="nobody"), unit="kfv", name="K")
    )
    assert "names an official who cannot be found: there is no post 'nobody'" in message
    message = refused(
        org, change("rename_unit", effective=DAY, decision=by(position="kfv"), unit="kfv", name="K")
    )
    assert "'kfv' is a unit, not a post" in message
    record(org, change("abolish_position", effective="2017-01-01", position="kulturchef"))
    message = refused(
        org, change("rename_unit", effective=DAY, decision=by(position="kulturchef"), unit="kfv", name="K")
    )
    assert (
        "the deciding official's post 'kulturchef' is not in effect on 2018-02-12 (it ends 2016-12-31)"
        in message
    )


def test_a_body_that_has_ended_decides_nothing(org):
    record(org, change("dissolve_unit", effective="2017-01-01", decision=by("kf"), unit="ksau"))
    message = refused(org, change("rename_unit", effective=DAY, decision=by("ksau"), unit="kfv", name="K"))
    assert "the deciding body 'ksau' is not in effect on 2018-02-12 (it ends 2016-12-31)" in message


def test_a_body_whose_record_begins_after_its_decision_is_read_on_the_effective_date():
    # The first changes of any register: the council decided before the register begins.
    early = register(
        change(
            "establish_unit",
            effective="2012-01-01",
            decision=by("kf", day="2011-12-12"),
            unit="kf",
            name="Kommunfullmäktige",
            kind="council",
        ),
        change(
            "establish_unit",
            effective="2012-01-01",
            decision=by("kf", day="2011-12-12"),
            unit="ks",
            name="Kommunstyrelsen",
            kind="board",
            parent="kf",
        ),
    )
    message = refused(
        early,
        change(
            "establish_unit",
            effective="2012-01-01",
            decision=by("ks", day="2011-12-05"),
            unit="sn",
            name="Socialnämnden",
            kind="board",
            parent="kf",
        ),
    )
    assert "decided by 'ks' (a board: Kommunstyrelsen), which may not establish board 'sn'" in message
    assert message.endswith("(KL (1991:900) 3 kap. 9 §)")


def test_a_decision_without_a_date_is_judged_on_the_effective_date(org):
    message = refused(
        org,
        change(
            "establish_unit",
            effective="2017-03-01",
            decision={"body": "ks"},
            unit="nn",
            name="N",
            kind="board",
            parent="kf",
        ),
    )
    assert message.endswith("(KL (1991:900) 3 kap. 9 §)")


def test_a_body_that_is_no_key_is_accepted_unchecked_and_a_finding(org):
    assert decider(org.timeline, BY_A_NAME) is None  # no key: nothing to check it against
    accepted(org, BY_A_NAME)
    assert organisation_on(org, DAY)["aldrenamnden"].kind == "board"
    finding = unchecked_decider("fritext", BY_A_NAME.decision.body)
    assert (finding.code, finding.subject, finding.since) == ("UNCHECKED_DECIDER", "fritext", None)
    assert finding.reason == UNCHECKED
    # A key, or an official beside the body, is checked.
    assert decider(org.timeline, BY_A_KEY).key == "ks"
    accepted(org, BY_A_KEY)


# --- judged when recorded; what was recorded before stays readable -------------------------------


def test_competence_is_judged_when_recorded_and_older_events_still_replay(org):
    # An event recorded before these rules — a board established by KS — written as it was then,
    # straight into the event store: the register replays it, and the read models rebuild.
    org.trigger_event(
        Register.ChangeRecorded, change=BEFORE_THE_RULES, recorded_by="v1", timestamp=RECORDED_THEN
    )
    replayed = None
    for event in org.collect_events():
        replayed = event.mutate(replayed)
    org = replayed
    assert units_on(org)["aldrenamnden"].kind == "board"
    # Later changes are recorded as usual; a retroactive one re-folds the old event without judging it.
    for entry in AFTER_THE_RULES:
        accepted(org, entry)
    assert units_on(org)["aldrenamnden"].name == "Äldre"
    # The same change recorded now is refused.
    again = BEFORE_THE_RULES.model_copy(update={"id": "ny", "unit": "omsorg"})
    assert "may not establish board 'omsorg'" in refused(org, again)
