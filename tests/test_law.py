"""The legal references the register cites (orgchange/domain/law.py), where only the read side
writes them: in the findings of the read models and in the delegationsordning, and a refusal as
the round trip, on a real database (SQLite and PostgreSQL) — naming KL (1991:900) for a day
before 2018-01-01 and KL (2017:725) from that day on.

Every row of the table has its own test on the domain alone in tests/unit/test_law.py.
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
