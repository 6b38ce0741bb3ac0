"""Who may be a delegate (rule `delegation`, docs/rules.md "Delegation"), beyond the cases in
test_rules.py: vidaredelegation only to a post, one step; never a post of a company, nor moved
into one by a reorganisation. On the domain's `Register`, without a database."""

from __future__ import annotations

from datetime import date

import pytest

from orgchange.domain.delegations import delegate_rule, further_rule, subdelegation_reporting
from orgchange.domain.register import Register
from tests.builders import base_organisation, change, organisation_on, record, register
from tests.builders import refused as refusal


def delegations() -> list:
    """base_organisation with KS's K.1 to the kulturchef and B.1 to the stadsdirektör, passed on
    (ks-2-va) to the VA-chef (tests/test_delegations.py records it too)."""
    return [
        *base_organisation(),
        change(
            "grant_delegation",
            id="g1",
            delegation="ks-1",
            effective="2013-01-01",
            from_="ks",
            to="kulturchef",
            matter="Bidrag till föreningar",
            code="K.1",
        ),
        change(
            "grant_delegation",
            id="g2",
            delegation="ks-2",
            effective="2013-01-01",
            from_="ks",
            to="stadsdirektor",
            matter="Avtal",
            code="B.1",
            further_delegation=True,
        ),
        change(
            "subdelegate",
            id="s1",
            delegation="ks-2-va",
            effective="2013-02-01",
            parent_delegation="ks-2",
            to="va-chef",
        ),
    ]


def a_company() -> list:
    """A company with a post of its own and a unit under it with another post, from 2014-01-01."""
    d = "2014-01-01"
    return [
        change(
            "establish_unit", effective=d, unit="bolag", name="Nacka Energi AB", kind="company", owner="kf"
        ),
        change("establish_position", effective=d, position="vd", title="VD", unit="bolag", director=True),
        change("establish_unit", effective=d, unit="drift", name="Drift", kind="unit", parent="bolag"),
        change("establish_position", effective=d, position="driftchef", title="Driftchef", unit="drift"),
    ]


# A vidaredelegation to KS's committee, and ks-2-va re-pointed to it: both refused.
SUBDELEGATED_TO_THE_COMMITTEE = change(
    "subdelegate", delegation="ks-2-au", effective="2013-03-01", parent_delegation="ks-2", to="ksau"
)
REPOINTED_TO_THE_COMMITTEE = change(
    "amend_delegation", effective="2013-03-01", delegation="ks-2-va", to="ksau"
)
ONLY_A_POSITION = "'ksau' is a committee; the delegate must be a position"
NEVER_A_COMMITTEE = "'ksau' is a committee; the delegate must be a position — never a unit"
VIDAREDELEGATION_RULE_IN_2013 = "(KL (1991:900) 6 kap. 37 §)"


def the_board_to_its_committee_and_the_director_to_a_post() -> list:
    """What may be done instead: KS grants ks-3 to its committee, the director passes ks-2 on to a post."""
    return [
        change(
            "grant_delegation",
            delegation="ks-3",
            effective="2013-03-01",
            from_="ks",
            to="ksau",
            matter="Yttranden till fullmäktige",
        ),
        change(
            "subdelegate",
            delegation="ks-2-kc",
            effective="2013-03-01",
            parent_delegation="ks-2",
            to="kulturchef",
        ),
    ]


# KS grants ks-9 (and re-points ks-1, passes ks-2 on) to posts of the company: each refused.
COMPANY_GRANT = dict(effective="2014-02-01", from_="ks", matter="Avtal om fjärrvärme")
TO_THE_COMPANYS_OWN_POST = change("grant_delegation", delegation="ks-9", to="vd", **COMPANY_GRANT)
NOT_THE_KOMMUNS_STAFF = "position 'vd' belongs to company 'bolag'; a company's staff are not the kommun's"
DELEGATE_RULE_IN_2014 = "(KL (1991:900) 6 kap. 33 §)"
TO_A_POST_UNDER_THE_COMPANY = change("grant_delegation", delegation="ks-9", to="driftchef", **COMPANY_GRANT)
UNDER_THE_COMPANY = "position 'driftchef' belongs to 'drift' of company 'bolag'"
WITH_THE_COMPANYS_POST_AS_SUBSTITUTE = change(
    "grant_delegation", delegation="ks-9", to="va-chef", substitute="vd", **COMPANY_GRANT
)
SUBSTITUTE_IN_THE_COMPANY = "substitute: position 'vd' belongs to company 'bolag'"
REPOINTED_INTO_THE_COMPANY = change("amend_delegation", effective="2014-02-01", delegation="ks-1", to="vd")
IN_THE_COMPANY = "position 'vd' belongs to company 'bolag'"
SUBDELEGATED_INTO_THE_COMPANY = change(
    "subdelegate", delegation="ks-2-d", effective="2014-02-01", parent_delegation="ks-2", to="driftchef"
)
TO_POSTS_OF_THE_ADMINISTRATION = change(
    "grant_delegation", delegation="ks-9", to="va-chef", substitute="kulturchef", **COMPANY_GRANT
)


@pytest.fixture
def org() -> Register:
    return register(delegations())


@pytest.fixture
def company(org: Register) -> Register:
    record(org, a_company())
    return org


def refused(org: Register, *changes) -> str:
    error = refusal(org, *changes)
    assert error.rule == "delegation", str(error)
    return str(error)


def delegation_on(org: Register, key: str, day: str):
    return org.timeline.delegation_on(key, date.fromisoformat(day))


def test_the_rules_cite_the_act_of_their_day():
    assert delegate_rule(date(2017, 12, 31)) == "KL (1991:900) 6 kap. 33 §"
    assert delegate_rule(date(2018, 1, 1)) == "KL (2017:725) 6 kap. 37 § och 7 kap. 5 §"
    assert further_rule(date(2017, 12, 31)) == "KL (1991:900) 6 kap. 37 §"
    assert further_rule(date(2018, 1, 1)) == "KL (2017:725) 7 kap. 6 §"
    assert (
        subdelegation_reporting("VA-chef") == "Anmäls till VA-chef (förvaltningschefen som vidaredelegerade)"
    )


def test_vidaredelegation_goes_to_a_position_never_to_a_committee(org):
    message = refused(org, SUBDELEGATED_TO_THE_COMMITTEE)
    assert NEVER_A_COMMITTEE in message and VIDAREDELEGATION_RULE_IN_2013 in message
    assert ONLY_A_POSITION in refused(org, REPOINTED_TO_THE_COMMITTEE)
    record(org, the_board_to_its_committee_and_the_director_to_a_post())
    assert (delegation_on(org, "ks-3", "2013-03-01").to, delegation_on(org, "ks-3", "2013-03-01").parent) == (
        "ksau",
        None,
    )
    assert delegation_on(org, "ks-2-kc", "2013-03-01").parent == "ks-2"


def test_a_post_in_a_company_is_never_a_delegate_of_a_board(company):
    message = refused(company, TO_THE_COMPANYS_OWN_POST)
    assert NOT_THE_KOMMUNS_STAFF in message and DELEGATE_RULE_IN_2014 in message
    assert UNDER_THE_COMPANY in refused(company, TO_A_POST_UNDER_THE_COMPANY)
    assert SUBSTITUTE_IN_THE_COMPANY in refused(company, WITH_THE_COMPANYS_POST_AS_SUBSTITUTE)
    assert IN_THE_COMPANY in refused(company, REPOINTED_INTO_THE_COMPANY)
    assert UNDER_THE_COMPANY in refused(company, SUBDELEGATED_INTO_THE_COMPANY)
    assert delegation_on(company, "ks-9", "2014-02-01") is None
    record(company, TO_POSTS_OF_THE_ADMINISTRATION)
    granted = delegation_on(company, "ks-9", "2014-02-01")
    assert (granted.to, granted.substitute) == ("va-chef", "kulturchef")


@pytest.mark.parametrize(
    "entry, words",
    [
        (
            dict(type_="move_position", position="kulturchef", unit="drift"),
            "position 'kulturchef' would stand in company 'bolag', and it is the delegate of 'ks-1'",
        ),
        (
            dict(type_="move_unit", unit="kfv", parent="drift"),
            "position 'kulturchef' would stand in company 'bolag', and it is the delegate of 'ks-1'",
        ),
        (
            dict(type_="spin_off_unit", unit="slk", company="slk-ab", name="SLK AB", owner="kf"),
            "would stand in company 'slk-ab'",
        ),
    ],
    ids=["post-moved", "unit-moved", "spun-off"],
)
def test_no_reorganisation_moves_a_delegate_into_a_company(company, entry, words):
    fields = dict(entry)
    message = refused(company, change(fields.pop("type_"), effective="2014-03-01", **fields))
    assert words in message and "(KL (1991:900) 6 kap. 33 §)" in message
    assert organisation_on(company, "2014-03-01")["kfv"].parent == "slk"


def test_a_delegate_may_go_into_a_company_once_its_delegation_is_revoked(company):
    record(
        company,
        change("revoke_delegation", effective="2014-02-15", delegation="ks-1"),
        change("move_position", effective="2014-03-01", position="kulturchef", unit="drift"),
    )
    assert company.timeline.position_on("kulturchef", date(2014, 3, 1)).unit == "drift"


def test_a_vidaredelegation_cannot_be_opened_for_a_further_step(org):
    message = refused(
        org, change("amend_delegation", effective="2013-06-01", delegation="ks-2-va", further_delegation=True)
    )
    assert "'ks-2-va' is a vidaredelegation and cannot be passed on again" in message
    assert "one step only (KL (1991:900) 6 kap. 37 §)" in message
    record(
        org,
        change("amend_delegation", effective="2013-06-01", delegation="ks-1", further_delegation=True),
        change("amend_delegation", effective="2013-06-01", delegation="ks-2-va", to="kulturchef"),
    )
    assert delegation_on(org, "ks-1", "2013-06-01").further_delegation is True
    now = delegation_on(org, "ks-2-va", "2013-06-01")
    assert (now.to, now.further_delegation) == ("kulturchef", False)


def test_revoking_a_delegation_ends_its_vidaredelegationer_and_dissolving_a_board_its_delegations(org):
    record(org, change("revoke_delegation", id="rv", effective="2014-01-01", delegation="ks-2"))
    ended = org.timeline.delegations["ks-2-va"][-1]
    assert (ended.valid_to, ended.ended_by) == (date(2014, 1, 1), "rv")
    record(
        org,
        change(
            "grant_delegation",
            delegation="sn-1",
            effective="2014-01-01",
            from_="sn",
            to="va-chef",
            matter="M",
        ),
        change("dissolve_unit", id="d", effective="2015-01-01", unit="sn"),
    )
    assert (
        delegation_on(org, "sn-1", "2014-12-31") is not None
        and delegation_on(org, "sn-1", "2015-01-01") is None
    )
