"""The legal references the register cites (orgchange/domain/law.py), where only the read side
writes them: in the findings of the read models and in the delegationsordning, and a refusal as
the round trip, on a real database (SQLite and PostgreSQL) — naming KL (1991:900) for a day
before 2018-01-01 and KL (2017:725) from that day on.

Every row of the table has its own test on the domain alone in tests/unit/test_law.py, which
also holds the scenarios and the expected citations recorded here.
"""

from __future__ import annotations

from datetime import date

import pytest

from orgchange.application.documents.delegationsordning import Delegationsordning
from orgchange.domain.errors import ChangeRejected
from tests.builders import base_organisation
from tests.unit.test_law import (
    AFTER,
    BEFORE,
    RESERVED,
    THE_BOARDS_ORGANISATION,
    URGENT,
    a_reserved_matter_delegated,
    an_urgent_matter_delegated_to_the_chair,
)


@pytest.fixture
def org(app):
    app.record_changes(base_organisation(), "test")
    return app


def refusal(app, *changes) -> str:
    with pytest.raises(ChangeRejected) as caught:
        app.record_changes(list(changes), "test")
    return str(caught.value)


def test_matters_the_board_keeps_are_6_kap_38(org):
    org.record_changes(a_reserved_matter_delegated(), "test")
    findings = org.read_model.findings
    (before,) = findings.delegations(date.fromisoformat(BEFORE))
    (after,) = findings.delegations(date.fromisoformat(AFTER))
    assert before.code == after.code == "RESERVED_MATTER"
    assert RESERVED[0] in before.reason and RESERVED[1] in after.reason


def test_urgent_matters_decided_by_the_chair_are_6_kap_39(org):
    org.record_changes(an_urgent_matter_delegated_to_the_chair(), "test")
    findings = org.read_model.findings
    (before,) = findings.delegations(date.fromisoformat(BEFORE))
    (after,) = findings.delegations(date.fromisoformat(AFTER))
    assert URGENT[0] in before.reason and URGENT[1] in after.reason


def test_the_board_decides_what_is_reported_to_it_6_kap_40(org):
    before = Delegationsordning.load(org.read_model, date.fromisoformat(BEFORE)).as_text()
    after = Delegationsordning.load(org.read_model, date.fromisoformat(AFTER)).as_text()
    assert "i den utsträckning nämnden har bestämt (KL (1991:900) 6 kap. 35 §)" in before
    assert "i den utsträckning nämnden har bestämt (KL (2017:725) 6 kap. 40 §)" in after


def test_reporting_of_vidaredelegation_is_7_kap_8(org):
    before = Delegationsordning.load(org.read_model, date.fromisoformat(BEFORE)).as_html()
    after = Delegationsordning.load(org.read_model, date.fromisoformat(AFTER)).as_html()
    # Under KL (1991:900) decisions under vidaredelegation went to the förvaltningschef; since
    # 2018 the vidaredelegation itself is also reported to the board at its next meeting.
    assert "anmäls till förvaltningschefen (KL (1991:900) 6 kap. 37 §)" in before
    assert "till nämnden vid nästa sammanträde" not in before
    assert "till nämnden vid nästa sammanträde (KL (2017:725) 7 kap. 8 §)" in after


def test_the_council_decides_the_boards_organisation_5_kap_1(org):
    events = org.event_count()
    case = THE_BOARDS_ORGANISATION
    refusals = {day: refusal(org, case.refused_on(day)) for day, _ in case.citations()}
    assert org.event_count() == events
    assert all(case.says(refusals[day], cited) for day, cited in case.citations()), refusals
    assert "aldrenamnden" not in {u.id for u in org.read_model.organisation(date.fromisoformat(AFTER))}
