"""The structural rules of the register (docs/domain.md#rules-the-register-enforces, numbered as
there; docs/rules.md), each accepted
and refused, on the domain's `Register` alone: no database, so each runs in milliseconds.

The database tests (tests/test_rules.py) keep a round trip per rule family on SQLite and
PostgreSQL; here every rule is pinned where it is decided.
"""

from __future__ import annotations

from datetime import date

import pytest

from orgchange.domain.changes import Change
from orgchange.domain.register import Register
from tests.builders import base_organisation, change, organisation_on, record, refused, register


@pytest.fixture
def org() -> Register:
    return register(base_organisation())


def day(text: str) -> date:
    return date.fromisoformat(text)


def positions_on(of: Register, when: str) -> dict[str, str]:
    """The posts in effect on a day: key -> unit."""
    found = {}
    for key in of.timeline.positions:
        version = of.timeline.position_on(key, day(when))
        if version is not None:
            found[key] = version.unit
    return found


def predecessors_of(of: Register, unit: str) -> list[str]:
    return [link.predecessor for link in of.timeline.predecessors.get(unit, ())]


def history_of(of: Register, unit: str) -> list[tuple[date, str, str, str | None]]:
    return [(v.valid_from, v.name, v.kind, v.parent) for v in of.timeline.units[unit]]


# --- rule 1: a key exists once, forever ---------------------------------------------


def test_a_new_key_is_in_effect_from_its_date(org):
    record(
        org, change("establish_unit", effective="2013-01-01", unit="ny", name="Ny", kind="unit", parent="slk")
    )
    assert "ny" in organisation_on(org, "2013-01-01")
    assert "ny" not in organisation_on(org, "2012-12-31")


# The scenarios and refusals below, in capitals or as functions, tests/test_rules.py records too.

VA_DISSOLVED = change("dissolve_unit", id="d", effective="2014-01-01", unit="va")
VA_AGAIN = change(
    "establish_unit", id="again", effective="2015-01-01", unit="va", name="VA", kind="unit", parent="slk"
)
KEY_REUSED = ("change #1 (again) establish_unit: unit 'va' cannot be established", "never reused")


def test_a_key_is_never_reused_even_after_its_unit_ended(org):
    record(org, VA_DISSOLVED)
    error = refused(org, VA_AGAIN)
    assert error.rule == "unique-key"
    assert str(error).startswith(KEY_REUSED[0]) and KEY_REUSED[1] in str(error)


def test_units_and_positions_share_one_key_space(org):
    error = refused(
        org, change("establish_position", effective="2013-01-01", position="kfv", title="X", unit="slk")
    )
    assert error.rule == "unique-key" and "already names a unit" in str(error)


# --- rule 2: exactly one parent (a company: one owner) ---------------------------------


def test_a_unit_needs_a_parent(org):
    error = refused(org, change("establish_unit", effective="2013-01-01", unit="x", name="X", kind="unit"))
    assert error.rule == "one-parent"


def test_a_council_has_no_parent(org):
    error = refused(
        org, change("establish_unit", effective="2013-01-01", unit="x", name="X", kind="council", parent="kf")
    )
    assert error.rule == "one-parent"


def a_company_owned_by(owner: str) -> Change:
    return change("establish_unit", effective="2013-01-01", unit="ab", name="AB", kind="company", owner=owner)


def test_a_company_is_owned_by_a_board_or_the_council_never_an_office(org):
    error = refused(org, a_company_owned_by("slk"))
    assert error.rule == "one-parent" and "'slk' is an office" in str(error)
    record(org, a_company_owned_by("kf"))
    company = organisation_on(org, "2013-01-01")["ab"]
    assert (company.owner, company.parent) == ("kf", None)


# --- rule 3: in effect only while the parent is; no cycles --------------------------------


# The example of the contract: kfv merged into va, then slk moved under kfv.
KFV_MERGED_INTO_VA = change("merge_units", id="m", effective="2017-01-01", units=["kfv", "va"], into="va")
UNDER_THE_MERGED_UNIT = change(
    "move_unit", id="ks-2017-004", effective="2017-03-01", unit="slk", parent="kfv"
)
NOT_IN_EFFECT = (
    "change #1 (ks-2017-004) move_unit: unit 'slk' cannot move under 'kfv': "
    "'kfv' is not in effect on 2017-03-01 (it ends 2016-12-31)"
)
A_CYCLE = change("move_unit", effective="2013-01-01", unit="slk", parent="kfv")


def test_a_unit_cannot_move_under_a_unit_that_has_ended(org):
    record(org, KFV_MERGED_INTO_VA)
    error = refused(org, UNDER_THE_MERGED_UNIT)
    assert (error.rule, str(error)) == ("in-effect", NOT_IN_EFFECT)


def test_a_move_that_would_make_a_cycle_is_refused(org):
    error = refused(org, A_CYCLE)
    assert error.rule == "hierarchy" and "cycle" in str(error)


def test_a_committee_belongs_to_a_board(org):
    error = refused(
        org,
        change("establish_unit", effective="2013-01-01", unit="u", name="U", kind="committee", parent="slk"),
    )
    assert error.rule == "hierarchy"


def test_a_unit_cannot_start_before_its_parent(org):
    error = refused(
        org,
        change("establish_unit", effective="2011-06-01", unit="old", name="Old", kind="unit", parent="slk"),
    )
    assert "(it starts 2012-01-01)" in str(error)


# --- rule 4: active children, split mappings, cardinalities -----------------------------


def test_a_unit_with_active_children_cannot_be_dissolved_and_a_leaf_takes_its_posts_along(org):
    error = refused(org, change("dissolve_unit", id="d1", effective="2013-01-01", unit="slk"))
    assert error.rule == "active-children" and "'kfv', 'va'" in str(error)
    record(org, change("dissolve_unit", effective="2013-01-01", unit="va"))
    assert "va" not in organisation_on(org, "2013-01-01")
    assert "va-chef" in positions_on(org, "2012-12-31") and "va-chef" not in positions_on(org, "2013-01-01")


TWO_SUCCESSORS = [{"unit": "a", "name": "A"}, {"unit": "b", "name": "B"}]
SLK_SPLIT_UNMAPPED = change("split_unit", effective="2013-01-01", unit="slk", into=TWO_SUCCESSORS)
UNMAPPED = "not mapped: 'kfv', 'va'"
SLK_SPLIT = change(
    "split_unit",
    id="s",
    effective="2013-01-01",
    unit="slk",
    into=TWO_SUCCESSORS,
    children={"kfv": "a", "va": "b"},
    positions={"stadsdirektor": "a"},
)


def test_a_split_must_map_every_active_child_and_post(org):
    error = refused(org, SLK_SPLIT_UNMAPPED)
    assert error.rule == "active-children" and UNMAPPED in str(error)
    record(org, SLK_SPLIT)
    after = organisation_on(org, "2013-01-01")
    assert "slk" not in after and after["kfv"].parent == "a" and after["va"].parent == "b"
    assert positions_on(org, "2013-01-01")["stadsdirektor"] == "a"
    assert predecessors_of(org, "a") == predecessors_of(org, "b") == ["slk"]


TOO_FEW = [
    (
        dict(type_="merge_units", units=["kfv"], into="kfv"),
        "change #1 (c) merge_units: units cannot be merged into 'kfv': "
        "a merge needs at least two units in 'units', and it names only 'kfv'",
    ),
    (
        dict(type_="merge_units", units=["kfv"], into="ny", name="Ny", kind="unit"),
        "change #1 (c) merge_units: units cannot be merged into 'ny': "
        "a merge needs at least two units in 'units', and it names only 'kfv'",
    ),
    (
        dict(type_="merge_units", units=[], into="kfv"),
        "change #1 (c) merge_units: units cannot be merged into 'kfv': "
        "a merge needs at least two units in 'units', and it names none",
    ),
    (
        dict(type_="split_unit", unit="va", into=TWO_SUCCESSORS[:1], positions={"va-chef": "a"}),
        "change #1 (c) split_unit: unit 'va' cannot be split: "
        "a split needs at least two successors in 'into', and it names only 'a'",
    ),
    (
        dict(type_="split_unit", unit="va", into=[]),
        "change #1 (c) split_unit: unit 'va' cannot be split: "
        "a split needs at least two successors in 'into', and it names none",
    ),
]


def too_few(fields: dict) -> Change:
    """The merge or split of a case of TOO_FEW, as change 'c'."""
    fields = dict(fields)
    return change(fields.pop("type_"), id="c", effective="2013-01-01", **fields)


@pytest.mark.parametrize("fields, message", TOO_FEW)
def test_a_merge_needs_two_units_and_a_split_two_successors(org, fields, message):
    events, before = org.version, organisation_on(org, "2013-01-01")
    error = refused(org, too_few(fields))
    assert (error.rule, str(error)) == ("cardinality", message)
    assert org.version == events and organisation_on(org, "2013-01-01") == before


def merged_then_split() -> list:
    """kfv merged into va in 2013; va split into a and b in 2014."""
    return [
        change("merge_units", id="m", effective="2013-01-01", units=["kfv", "va"], into="va"),
        change(
            "split_unit",
            id="s",
            effective="2014-01-01",
            unit="va",
            into=TWO_SUCCESSORS,
            positions={"kulturchef": "a", "va-chef": "b"},
        ),
    ]


def test_two_units_merge_and_two_successors_split_and_the_links_say_which_came_from_which(org):
    record(org, merged_then_split())
    assert {"kfv", "va"} <= set(organisation_on(org, "2012-12-31"))
    assert "kfv" not in organisation_on(org, "2013-01-01") and "va" in organisation_on(org, "2013-01-01")
    after = organisation_on(org, "2014-01-01")
    assert "va" not in after and after["a"].parent == after["b"].parent == "slk"
    assert predecessors_of(org, "va") == ["kfv"]
    assert predecessors_of(org, "a") == predecessors_of(org, "b") == ["va"]


MERGED_INTO_A_NEW_UNIT = change(
    "merge_units",
    id="m",
    effective="2014-01-01",
    units=["kfv", "va"],
    into="kfva",
    name="Kultur och VA",
    kind="unit",
)


def test_a_merge_into_a_new_unit_moves_the_children_and_posts(org):
    record(org, MERGED_INTO_A_NEW_UNIT)
    after = organisation_on(org, "2014-01-01")
    assert "kfv" not in after and after["kfva"].parent == "slk"
    posts = positions_on(org, "2014-01-01")
    assert (posts["kulturchef"], posts["va-chef"]) == ("kfva", "kfva")


VA_SPUN_OFF = change(
    "spin_off_unit",
    id="so",
    effective="2017-01-01",
    unit="va",
    company="nva",
    name="Nacka vatten och avfall AB",
    owner="kf",
)


def test_a_spin_off_makes_a_company_and_ends_the_units_posts(org):
    record(org, VA_SPUN_OFF)
    assert "va-chef" not in positions_on(org, "2017-01-01")
    company = organisation_on(org, "2017-01-01")["nva"]
    assert (company.kind, company.owner) == ("company", "kf")
    assert "va" not in organisation_on(org, "2017-01-01")


# --- reclassify_unit: what a unit may become -----------------------------------------------


KFV_BECOMES_AN_AREA = change("reclassify_unit", id="rk", effective="2014-01-01", unit="kfv", kind="area")


def test_a_unit_is_reclassified_from_its_date_keeping_its_place_name_and_posts(org):
    record(org, KFV_BECOMES_AN_AREA)
    assert history_of(org, "kfv") == [
        (day("2012-01-01"), "Kultur och fritid", "unit", "slk"),
        (day("2014-01-01"), "Kultur och fritid", "area", "slk"),
    ]
    assert positions_on(org, "2014-01-01")["kulturchef"] == "kfv"


def test_a_unit_under_a_board_can_become_its_committee_and_then_a_delegate(org):
    record(
        org,
        change(
            "establish_unit",
            effective="2013-01-01",
            unit="ber",
            name="Beredningen",
            kind="group",
            parent="ks",
        ),
        change("reclassify_unit", effective="2014-01-01", unit="ber", kind="committee"),
        change("grant_delegation", effective="2014-02-01", delegation="d1", from_="ks", to="ber", matter="M"),
    )
    assert organisation_on(org, "2014-01-01")["ber"].kind == "committee"
    assert org.timeline.delegation_on("d1", day("2014-02-01")).to == "ber"


@pytest.mark.parametrize(
    "unit, kind, rule, words",
    [
        ("kf", "board", "one-parent", "a council or a company cannot be reclassified"),
        ("va", "company", "one-parent", "(a unit becomes a company with spin_off_unit)"),
        ("va", "council", "one-parent", "a council or a company cannot be reclassified"),
        ("kfv", "committee", "hierarchy", "a committee (utskott) belongs to a board, and 'slk' is an office"),
        ("sn", "committee", "hierarchy", "a committee (utskott) belongs to a board, and 'kf' is a council"),
        (
            "ks",
            "office",
            "hierarchy",
            "committee 'ksau' would belong to 'ks', an office; a committee belongs to a board",
        ),
        ("ks", "board", "no-change", "it already is one"),
        ("gone", "area", "in-effect", "'gone' is not in effect on 2014-01-01 (it ends 2012-12-31)"),
    ],
)
def test_what_a_unit_cannot_become(org, unit, kind, rule, words):
    record(
        org,
        change("establish_unit", effective="2012-01-01", unit="gone", name="G", kind="unit", parent="slk"),
        change("dissolve_unit", effective="2013-01-01", unit="gone"),
    )
    error = refused(org, change("reclassify_unit", id="r", effective="2014-01-01", unit=unit, kind=kind))
    assert error.rule == rule
    article = "an" if kind in ("office", "area") else "a"
    assert str(error).startswith(
        f"change #1 (r) reclassify_unit: unit '{unit}' cannot become {article} {kind}: "
    )
    assert words in str(error)
    assert organisation_on(org, "2014-01-01").get(unit) == organisation_on(org, "2013-12-31").get(unit)


def test_a_company_cannot_be_reclassified_and_its_owner_must_stay_an_owner(org):
    record(
        org,
        change("establish_unit", effective="2013-01-01", unit="ab", name="AB", kind="company", owner="sn"),
    )
    error = refused(org, change("reclassify_unit", effective="2014-01-01", unit="ab", kind="unit"))
    assert error.rule == "one-parent" and "a council or a company cannot be reclassified" in str(error)
    error = refused(org, change("reclassify_unit", effective="2014-01-01", unit="sn", kind="office"))
    assert error.rule == "one-parent" and "company 'ab' would be owned by 'sn', an office" in str(error)
    record(org, change("move_unit", effective="2014-01-01", unit="ab", owner="kf"))
    record(org, change("reclassify_unit", effective="2014-01-01", unit="sn", kind="office"))
    after = organisation_on(org, "2014-01-01")
    assert (after["sn"].kind, after["ab"].owner) == ("office", "kf")


def test_a_board_that_grants_delegations_keeps_its_kind_until_they_are_revoked(org):
    grant = dict(effective="2013-01-01", from_="sn", to="stadsdirektor", matter="Beslut om bistånd")
    record(org, change("grant_delegation", delegation="d1", **grant))
    error = refused(org, change("reclassify_unit", id="r", effective="2014-01-01", unit="sn", kind="office"))
    assert error.rule == "delegation"
    assert str(error) == (
        "change #1 (r) reclassify_unit: unit 'sn' cannot become an office: it still grants delegations "
        "'d1', and only a board delegates (KL (1991:900) 6 kap. 33 §); revoke them first"
    )
    record(
        org,
        change("revoke_delegation", effective="2014-01-01", delegation="d1"),
        change("reclassify_unit", effective="2014-01-01", unit="sn", kind="office"),
    )
    assert organisation_on(org, "2014-01-01")["sn"].kind == "office"
    assert org.timeline.delegation_on("d1", day("2014-01-01")) is None


def test_a_committee_that_holds_delegations_stays_a_committee_of_its_board(org):
    record(
        org,
        change(
            "grant_delegation",
            id="g",
            delegation="d1",
            effective="2013-01-01",
            from_="ks",
            to="ksau",
            matter="M",
        ),
    )
    error = refused(org, change("reclassify_unit", id="r", effective="2014-01-01", unit="ksau", kind="group"))
    assert error.rule == "delegation"
    assert str(error) == (
        "change #1 (r) reclassify_unit: unit 'ksau' cannot become a group: it is the delegate of 'd1', "
        "and a board delegates only to a position or to a committee of its own (KL (1991:900) 6 kap. 33 §); "
        "amend or revoke it first"
    )
    error = refused(org, change("move_unit", id="mv", effective="2014-01-01", unit="ksau", parent="sn"))
    assert error.rule == "delegation"
    assert str(error).startswith(
        "change #1 (mv) move_unit: unit 'ksau' cannot move under 'sn': it is the delegate of 'd1'"
    )
    error = refused(
        org, change("reclassify_unit", id="early", effective="2012-06-01", unit="ksau", kind="group")
    )
    assert error.rule == "retroactive-consistency" and [c.change_id for c in error.conflicts] == ["g"]
    assert "'ksau' is a group; the delegate must be a position or a committee" in str(error)
    record(
        org,
        change("amend_delegation", effective="2014-01-01", delegation="d1", to="stadsdirektor"),
        change("move_unit", effective="2014-01-01", unit="ksau", parent="sn"),
        change("reclassify_unit", effective="2015-01-01", unit="ksau", kind="group"),
    )
    assert organisation_on(org, "2014-01-01")["ksau"].parent == "sn"
    assert organisation_on(org, "2015-01-01")["ksau"].kind == "group"
    assert org.timeline.delegation_on("d1", day("2015-01-01")).to == "stadsdirektor"


# --- rule 5: references must be in effect ---------------------------------------------------


KULTURCHEF_ABOLISHED = change("abolish_position", effective="2014-01-01", position="kulturchef")
KULTURCHEF_MOVED = change("move_position", effective="2014-02-01", position="kulturchef", unit="va")
ENDED = "(it ends 2013-12-31)"


def test_an_abolished_position_cannot_be_moved(org):
    record(org, KULTURCHEF_ABOLISHED)
    error = refused(org, KULTURCHEF_MOVED)
    assert error.rule == "in-effect" and ENDED in str(error)


def test_an_unknown_unit_is_named_as_unknown(org):
    error = refused(org, change("rename_unit", id="r", effective="2014-01-01", unit="nope", name="X"))
    assert "there is no unit with that key" in str(error)


# --- rule 6: delegations ---------------------------------------------------------------------


def a_grant(from_: str, to: str, effective: str = "2013-01-01") -> Change:
    return change(
        "grant_delegation", delegation="d1", effective=effective, from_=from_, to=to, matter="Beslut om x"
    )


# Grants that are refused, and the words of each refusal: from an office (in 2013, and from
# 2018, when the rule stands in KL (2017:725)), to a unit, to another board's committee.
NOT_A_DELEGATION = [
    (a_grant("slk", "stadsdirektor"), "(KL (1991:900) 6 kap. 33 §)"),
    (a_grant("slk", "stadsdirektor", "2018-01-01"), "(KL (2017:725) 6 kap. 37 § och 7 kap. 5 §)"),
    (a_grant("ks", "kfv"), "never a unit"),
    (a_grant("sn", "ksau"), "belongs to 'ks', not to 'sn'"),
]


def test_only_a_board_delegates_and_only_to_a_post_or_a_committee_of_its_own(org):
    for entry, words in NOT_A_DELEGATION:
        error = refused(org, entry)
        assert error.rule == "delegation" and words in str(error)
    record(org, a_grant("ks", "ksau"))
    assert org.timeline.delegation_on("d1", day("2013-01-01")).board == "ks"


def test_vidaredelegation_only_by_a_director_one_step_and_ending_with_its_parent(org):
    record(
        org,
        change(
            "grant_delegation",
            delegation="d1",
            effective="2013-01-01",
            from_="ks",
            to="stadsdirektor",
            matter="M",
            further_delegation=True,
        ),
        change(
            "grant_delegation",
            delegation="d2",
            effective="2013-01-01",
            from_="ks",
            to="kulturchef",
            matter="N",
            further_delegation=True,
        ),
        change(
            "grant_delegation",
            delegation="d3",
            effective="2013-01-01",
            from_="ks",
            to="stadsdirektor",
            matter="O",
        ),
    )

    def sub(key, parent, to, effective="2013-02-01"):
        return change("subdelegate", delegation=key, effective=effective, parent_delegation=parent, to=to)

    assert "förvaltningschef" in str(refused(org, sub("s", "d2", "va-chef")))
    assert "did not allow" in str(refused(org, sub("s", "d3", "va-chef")))
    record(org, sub("s", "d1", "kulturchef"))
    assert "one step" in str(refused(org, sub("s2", "s", "va-chef", "2013-03-01")))
    record(org, change("revoke_delegation", effective="2014-01-01", delegation="d1"))
    assert org.timeline.delegation_on("s", day("2013-12-31")) is not None
    assert org.timeline.delegation_on("s", day("2014-01-01")) is None


# --- rule 7 and the time axes ------------------------------------------------------------------


VA_MOVED_LATER = change("move_unit", id="later", effective="2015-01-01", unit="va", parent="kfv")
KFV_DISSOLVED_BEFORE = change("dissolve_unit", id="retro", effective="2014-01-01", unit="kfv")
NAMES_THE_LATER_CHANGE = "later (move_unit, effective 2015-01-01)"


def test_a_retroactive_change_that_breaks_a_later_one_names_it(org):
    record(org, VA_MOVED_LATER)
    error = refused(org, KFV_DISSOLVED_BEFORE)
    assert error.rule == "retroactive-consistency"
    assert NAMES_THE_LATER_CHANGE in str(error)
    assert [c.change_id for c in error.conflicts] == ["later"]


def test_a_consistent_retroactive_change_is_accepted_and_refolded(org):
    record(org, change("rename_unit", effective="2016-01-01", unit="va", name="VA 2016"))
    record(org, change("rename_unit", effective="2014-01-01", unit="va", name="VA 2014"))
    assert [(v.valid_from, v.name) for v in org.timeline.units["va"]] == [
        (day("2012-01-01"), "Vatten och avfall"),
        (day("2014-01-01"), "VA 2014"),
        (day("2016-01-01"), "VA 2016"),
    ]


def renamed_back_in_time() -> list:
    """Two renames of va, each effective before the last change of va."""
    return [
        change("rename_unit", id="r1", effective="2014-01-01", unit="va", name="VA 2014"),
        change("rename_unit", id="r2", effective="2013-01-01", unit="va", name="VA 2013"),
    ]


KFV_DISSOLVED_AFTER_THE_RENAMES = change("dissolve_unit", id="retro", effective="2014-06-01", unit="kfv")
# va's history once the renames are refolded under the later move: (from, name, parent).
REFOLDED = [
    (date(2012, 1, 1), "Vatten och avfall", "slk"),
    (date(2013, 1, 1), "VA 2013", "slk"),
    (date(2014, 1, 1), "VA 2014", "slk"),
    (date(2015, 1, 1), "VA 2014", "kfv"),
]


def test_a_file_of_retroactive_changes_refuses_like_one_change_at_a_time_and_records_nothing(org):
    record(org, VA_MOVED_LATER)
    error = refused(org, *renamed_back_in_time(), KFV_DISSOLVED_AFTER_THE_RENAMES)
    assert (error.index, error.change_id, error.rule) == (3, "retro", "retroactive-consistency")
    assert [c.change_id for c in error.conflicts] == ["later"]
    assert "r1" not in org.log
    record(org, renamed_back_in_time())
    assert [(v.valid_from, v.name, v.parent) for v in org.timeline.units["va"]] == REFOLDED


def test_changes_of_the_same_day_apply_in_recording_order(org):
    record(
        org,
        change("rename_unit", effective="2014-01-01", unit="va", name="Först"),
        change("rename_unit", effective="2014-01-01", unit="va", name="Sedan"),
    )
    assert organisation_on(org, "2014-01-01")["va"].name == "Sedan"
    assert organisation_on(org, "2013-12-31")["va"].name == "Vatten och avfall"


def test_a_future_dated_change_shows_from_its_date(org):
    record(org, change("rename_unit", effective="2031-01-01", unit="va", name="Framtid"))
    assert organisation_on(org, "2030-12-31")["va"].name == "Vatten och avfall"
    assert organisation_on(org, "2031-01-01")["va"].name == "Framtid"


def test_a_cancelled_change_no_longer_applies_and_the_log_says_what_cancelled_it(org):
    record(org, change("rename_unit", id="oops", effective="2014-01-01", unit="va", name="Fel"))
    assert organisation_on(org, "2014-06-01")["va"].name == "Fel"
    record(org, change("cancel_change", id="fix", change="oops", reason="fel namn"))
    assert organisation_on(org, "2014-06-01")["va"].name == "Vatten och avfall"
    assert org.log["oops"].cancelled_by == "fix"


@pytest.mark.parametrize(
    "target, words",
    [
        ("nope", "no change with that id was recorded"),
        ("fix", "it is a cancel_change; only organisational and delegation changes can be cancelled"),
        ("oops", "it was already cancelled by 'fix'"),
    ],
)
def test_only_a_recorded_standing_change_of_the_organisation_can_be_cancelled(org, target, words):
    record(
        org,
        change("rename_unit", id="oops", effective="2014-01-01", unit="va", name="Fel"),
        change("cancel_change", id="fix", change="oops", reason="fel namn"),
    )
    error = refused(org, change("cancel_change", id="again", change=target, reason="x"))
    assert error.rule == "cancellation" and words in str(error)


def test_a_cancellation_that_would_break_a_later_change_is_refused(org):
    record(
        org,
        change(
            "establish_unit",
            id="new",
            effective="2014-01-01",
            unit="new",
            name="Ny",
            kind="unit",
            parent="slk",
        ),
        change("move_unit", id="uses-new", effective="2015-01-01", unit="va", parent="new"),
    )
    error = refused(org, change("cancel_change", id="c", change="new", reason="x"))
    assert [c.change_id for c in error.conflicts] == ["uses-new"]


def test_cancelling_an_establishment_says_that_the_unit_would_not_exist(org):
    for file in (
        [change("cancel_change", id="c", change="kf", reason="fel")],
        [
            change("rename_unit", id="r", effective="2013-01-01", unit="va", name="VA"),
            change("cancel_change", id="c", change="kf", reason="fel"),
        ],
    ):
        error = refused(org, *file)
        assert (error.index, error.change_id, error.rule) == (len(file), "c", "retroactive-consistency")
        messages = {c.change_id: c.message for c in error.conflicts}
        assert messages["ks"] == (
            "unit 'ks' cannot be established: there is no unit 'kf' once change 'kf', "
            "which established it, is cancelled"
        )
        assert messages["ksau"] == (
            "unit 'ksau' cannot be established: 'ks' is not in effect on 2012-01-01 "
            "(change 'ks', which established it, would no longer apply)"
        )
        assert "(it starts" not in str(error)
    assert organisation_on(org, "2012-01-01")["ks"].parent == "kf"


def test_cancelling_a_post_names_the_delegations_that_rest_on_it(org):
    record(
        org,
        change(
            "grant_delegation",
            id="g",
            delegation="d1",
            effective="2013-01-01",
            from_="ks",
            to="kulturchef",
            matter="M",
        ),
        change("revoke_delegation", id="rv", delegation="d1", effective="2014-01-01"),
    )
    error = refused(org, change("cancel_change", id="c", change="p-kc", reason="fel"))
    assert [(c.change_id, c.message) for c in error.conflicts] == [
        (
            "g",
            "delegation 'd1' from 'ks' to 'kulturchef' cannot be granted: there is no position "
            "'kulturchef' once change 'p-kc', which established it, is cancelled",
        ),
        (
            "rv",
            "delegation 'd1' cannot be revoked: 'd1' is not in effect on 2014-01-01 "
            "(change 'g', which granted it, would no longer apply)",
        ),
    ]


def test_a_retroactive_change_names_the_establishment_that_would_no_longer_apply(org):
    record(
        org,
        change(
            "establish_unit", id="ny", effective="2015-01-01", unit="ny", name="Ny", kind="unit", parent="va"
        ),
        change("move_unit", id="mv", effective="2016-01-01", unit="kfv", parent="ny"),
    )
    error = refused(org, change("dissolve_unit", id="d", effective="2014-01-01", unit="va"))
    assert [(c.change_id, c.message) for c in error.conflicts] == [
        ("ny", "unit 'ny' cannot be established: 'va' is not in effect on 2015-01-01 (it ends 2013-12-31)"),
        (
            "mv",
            "unit 'kfv' cannot move under 'ny': 'ny' is not in effect on 2016-01-01 "
            "(change 'ny', which established it, would no longer apply)",
        ),
    ]


VA_RENAMED = change("rename_unit", id="r1", effective="2014-01-01", unit="va", name="VA")
OTHER_UNDER_THE_SAME_ID = change("rename_unit", id="r1", effective="2014-01-01", unit="va", name="Annat")


def test_the_same_id_is_skipped_with_the_same_content_and_refused_with_other(org):
    record(org, VA_RENAMED)
    events = org.version
    assert record(org, VA_RENAMED) == ["r1"] and org.version == events
    error = refused(org, OTHER_UNDER_THE_SAME_ID)
    assert error.rule == "idempotency"


# A file whose second change is refused: the first, though it would be accepted, is not kept.
HALF_GOOD = [
    change("rename_unit", effective="2014-01-01", unit="va", name="Nytt namn"),
    change("move_unit", effective="2014-01-01", unit="va", parent="finns-inte"),
]


def test_a_refused_file_records_nothing(org):
    events, before = org.version, organisation_on(org, "2014-01-01")
    refused(org, *HALF_GOOD)
    assert org.version == events
    assert organisation_on(org, "2014-01-01") == before
    assert organisation_on(org, "2014-01-01")["va"].name == "Vatten och avfall"


def test_a_stored_register_replays_to_the_same_timeline():
    """The aggregate rebuilt from its events (what a repository does) folds to the same organisation."""
    original = register(
        base_organisation(), change("rename_unit", effective="2014-01-01", unit="va", name="VA")
    )
    events = original.collect_events()
    replayed = None
    for event in events:
        replayed = event.mutate(replayed)
    assert replayed.timeline.organisation_on(day("2014-01-01")) == original.timeline.organisation_on(
        day("2014-01-01")
    )
