"""The legal references the register cites (orgchange/domain/law.py): one test per row.

Each row is pinned to its paragraph in KL (2017:725) and to the corresponding one in
KL (1991:900), and each test records changes on a real database (SQLite and
PostgreSQL) and finds the reference where the register writes it — in a refusal, a
finding or the delegationsordning — naming KL (1991:900) for a day before 2018-01-01
and KL (2017:725) from that day on.
"""

from __future__ import annotations

from datetime import date

import pytest

from orgchange.application.documents.delegationsordning import Delegationsordning
from orgchange.domain import law
from orgchange.domain.errors import ChangeRejected
from tests.builders import base_organisation, change

BEFORE, AFTER = "2017-06-01", "2018-06-01"  # a day under each act


@pytest.fixture
def org(app):
    app.record_changes(base_organisation(), "test")
    return app


def refusal(app, *changes) -> str:
    with pytest.raises(ChangeRejected) as caught:
        app.record_changes(list(changes), "test")
    return str(caught.value)


def test_every_row_of_the_table_has_its_own_test_here():
    tested = {
        "delegation-to-members",
        "reserved-matters",
        "urgent-matters",
        "reporting-to-board",
        "delegation-to-employee",
        "further-delegation",
        "further-delegation-reporting",
        "council-matters",
        "companies",
        "supervision",
    }
    assert {row.key for row in law.TABLE} == tested
    assert len({row.key for row in law.TABLE}) == len(law.TABLE)


def test_the_act_of_a_day_changes_on_2018_01_01():
    assert law.act_on(date(2017, 12, 31)) == "KL (1991:900)"
    assert law.act_on(date(2018, 1, 1)) == "KL (2017:725)"
    assert law.act_on(None) == "KL (2017:725)"
    # Two rules that stood in one paragraph of KL (1991:900) are cited once for that act.
    both = (law.DELEGATION_TO_MEMBERS, law.DELEGATION_TO_EMPLOYEE)
    assert law.cite(date(2017, 12, 31), *both) == "KL (1991:900) 6 kap. 33 §"
    assert law.cite(date(2018, 1, 1), *both) == "KL (2017:725) 6 kap. 37 § och 7 kap. 5 §"


@pytest.mark.parametrize(
    "legal_basis, repealed",
    [
        ("KL (1991:900) 6 kap. 33 §", True),
        ("LVU 4 §; KL (1991:900) 6 kap. 33 §", True),
        ("Kommunallagen (1991 : 900) 6:33", True),
        ("KL (2017:725) 7 kap. 5 §", False),
        ("SoL 4 kap. 1 §", False),
        (None, False),
    ],
)
def test_a_legal_basis_that_names_the_repealed_act_is_recognised(legal_basis, repealed):
    assert law.cites_repealed_act(legal_basis) is repealed


def test_delegation_to_a_committee_member_or_substitute_is_6_kap_37(org):
    row = law.DELEGATION_TO_MEMBERS
    assert (row.current, row.former) == ("6 kap. 37 §", "6 kap. 33 §")
    for day, cited in ((BEFORE, "KL (1991:900) 6 kap. 33 §"), (AFTER, "KL (2017:725) 6 kap. 37 §")):
        message = refusal(
            org,
            change(
                "grant_delegation", delegation="d", effective=day, from_="sn", to="ksau", matter="Yttranden"
            ),
        )
        assert f"a board delegates only to its own committees ({cited})" in message


def test_matters_the_board_keeps_are_6_kap_38(org):
    row = law.RESERVED_MATTERS
    assert (row.current, row.former) == ("6 kap. 38 §", "6 kap. 34 §")
    org.record_changes(
        [
            change(
                "grant_delegation",
                delegation="mal",
                effective="2016-01-01",
                from_="ks",
                to="stadsdirektor",
                matter="Verksamhetens mål",
                reserved_matter=True,
            )
        ],
        "test",
    )
    findings = org.read_model.findings
    (before,) = findings.delegations(date.fromisoformat(BEFORE))
    (after,) = findings.delegations(date.fromisoformat(AFTER))
    assert before.code == after.code == "RESERVED_MATTER"
    assert "enligt KL (1991:900) 6 kap. 34 § själv ska besluta om" in before.reason
    assert "enligt KL (2017:725) 6 kap. 38 § själv ska besluta om" in after.reason


def test_urgent_matters_decided_by_the_chair_are_6_kap_39(org):
    row = law.URGENT_MATTERS
    assert (row.current, row.former) == ("6 kap. 39 §", "6 kap. 36 §")
    org.record_changes(
        [
            change(
                "establish_position",
                effective="2016-01-01",
                position="ks-ordf",
                title="Ordförande",
                unit="ks",
            ),
            change(
                "grant_delegation",
                delegation="mal",
                effective="2016-01-01",
                from_="ks",
                to="ks-ordf",
                matter="Yttranden till fullmäktige",
                reserved_matter=True,
            ),
        ],
        "test",
    )
    findings = org.read_model.findings
    (before,) = findings.delegations(date.fromisoformat(BEFORE))
    (after,) = findings.delegations(date.fromisoformat(AFTER))
    assert "till ordföranden eller en annan ledamot (KL (1991:900) 6 kap. 36 §)" in before.reason
    assert "till ordföranden eller en annan ledamot (KL (2017:725) 6 kap. 39 §)" in after.reason


def test_the_board_decides_what_is_reported_to_it_6_kap_40(org):
    row = law.REPORTING_TO_BOARD
    assert (row.current, row.former) == ("6 kap. 40 §", "6 kap. 35 §")
    before = Delegationsordning.load(org.read_model, date.fromisoformat(BEFORE)).as_text()
    after = Delegationsordning.load(org.read_model, date.fromisoformat(AFTER)).as_text()
    assert "i den utsträckning nämnden har bestämt (KL (1991:900) 6 kap. 35 §)" in before
    assert "i den utsträckning nämnden har bestämt (KL (2017:725) 6 kap. 40 §)" in after


def test_delegation_to_an_employee_is_7_kap_5(org):
    row = law.DELEGATION_TO_EMPLOYEE
    assert (row.current, row.former) == ("7 kap. 5 §", "6 kap. 33 §")
    org.record_changes(
        [
            change(
                "establish_unit",
                effective="2016-01-01",
                unit="bolag",
                name="Nacka Energi AB",
                kind="company",
                owner="kf",
            ),
            change("establish_position", effective="2016-01-01", position="vd", title="VD", unit="bolag"),
        ],
        "test",
    )
    for day, cited in ((BEFORE, "KL (1991:900) 6 kap. 33 §"), (AFTER, "KL (2017:725) 7 kap. 5 §")):
        message = refusal(
            org,
            change("grant_delegation", delegation="d", effective=day, from_="ks", to="vd", matter="Avtal"),
        )
        assert f"cannot decide on a board's behalf ({cited})" in message


def test_vidaredelegation_by_a_forvaltningschef_is_7_kap_6(org):
    row = law.FURTHER_DELEGATION
    assert (row.current, row.former) == ("7 kap. 6 §", "6 kap. 37 §")
    org.record_changes(
        [
            change(
                "grant_delegation",
                delegation="avtal",
                effective="2016-01-01",
                from_="ks",
                to="stadsdirektor",
                matter="Avtal",
            )
        ],
        "test",
    )
    for day, cited in ((BEFORE, "KL (1991:900) 6 kap. 37 §"), (AFTER, "KL (2017:725) 7 kap. 6 §")):
        message = refusal(
            org,
            change(
                "subdelegate", delegation="avtal-va", effective=day, parent_delegation="avtal", to="va-chef"
            ),
        )
        assert (
            f"the board did not allow vidaredelegation of 'avtal' (further_delegation is not set; {cited})"
            in (message)
        )


def test_reporting_of_vidaredelegation_is_7_kap_8(org):
    row = law.FURTHER_DELEGATION_REPORTING
    assert (row.current, row.former) == ("7 kap. 8 §", "6 kap. 37 §")
    before = Delegationsordning.load(org.read_model, date.fromisoformat(BEFORE)).as_html()
    after = Delegationsordning.load(org.read_model, date.fromisoformat(AFTER)).as_html()
    # Under KL (1991:900) decisions under vidaredelegation went to the förvaltningschef; since
    # 2018 the vidaredelegation itself is also reported to the board at its next meeting.
    assert "anmäls till förvaltningschefen (KL (1991:900) 6 kap. 37 §)" in before
    assert "till nämnden vid nästa sammanträde" not in before
    assert "till nämnden vid nästa sammanträde (KL (2017:725) 7 kap. 8 §)" in after


def test_the_council_decides_the_boards_organisation_5_kap_1(org):
    row = law.COUNCIL_MATTERS
    assert (row.current, row.former) == ("5 kap. 1 §", "3 kap. 9 §")
    for day, cited in ((BEFORE, "KL (1991:900) 3 kap. 9 §"), (AFTER, "KL (2017:725) 5 kap. 1 §")):
        message = refusal(
            org,
            change(
                "establish_unit",
                effective=day,
                decision={"body": "ks", "date": day},
                unit="aldrenamnden",
                name="Äldrenämnden",
                kind="board",
                parent="kf",
            ),
        )
        assert message.endswith(
            f"only the council establishes, dissolves, merges, splits, renames, "
            f"reclassifies or moves a board ({cited})"
        )


def test_the_council_hands_a_matter_to_a_company_10_kap_1(org):
    row = law.COMPANIES
    assert (row.current, row.former) == ("10 kap. 1 §", "3 kap. 16 §")
    for day, cited in ((BEFORE, "KL (1991:900) 3 kap. 16 §"), (AFTER, "KL (2017:725) 10 kap. 1 §")):
        message = refusal(
            org,
            change(
                "spin_off_unit",
                effective=day,
                decision={"body": "ks", "date": day},
                unit="va",
                company="va-ab",
                name="VA AB",
                owner="kf",
            ),
        )
        assert message.endswith(f"or changes its owner or supervisor ({cited})")


def test_the_executive_board_has_uppsikt_over_companies_6_kap_1(org):
    row = law.SUPERVISION
    assert (row.current, row.former) == ("6 kap. 1 §", "6 kap. 1 §")
    for day, act in ((BEFORE, "KL (1991:900)"), (AFTER, "KL (2017:725)")):
        message = refusal(
            org,
            change(
                "establish_unit",
                effective=day,
                unit=f"ab-{day[:4]}",
                name="Bolaget AB",
                kind="company",
                owner="kf",
                supervisor="slk",
            ),
        )
        assert f"the board with uppsikt over it ({act} 6 kap. 1 §), and 'slk' is an office" in message
