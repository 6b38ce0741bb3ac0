"""Findings (orgchange/domain/findings.py, docs/rules.md "Findings" and "Companies") on the
domain alone: what each finding says and from which day, and the rules of companies the
register refuses — a finding never blocks recording.

Where a finding is shown (dry run, delegationsordning, review pack, chart) is tested with
the documents in tests/test_findings.py.
"""

from __future__ import annotations

from datetime import date

import pytest

from orgchange.domain.findings import (
    BOARD_OWNS_COMPANY,
    CODES,
    REPEALED_ACT,
    RESERVED_MATTER,
    board_owns_company,
    delegation_findings,
)
from orgchange.domain.register import Register
from orgchange.domain.summaries import summarise
from tests.builders import base_organisation, change, organisation_on, record, refused, register

REPEALED = "KL (1991:900) 6 kap. 33 §"


@pytest.fixture
def org() -> Register:
    return register(base_organisation())


def terms(key: str = "d", **fields) -> dict:
    return (
        dict(
            matter="Avtal om VA",
            reserved_matter=False,
            legal_basis=None,
            valid_from=date(2016, 3, 1),
            valid_to=None,
        )
        | fields
    )


# --- a repealed act cited --------------------------------------------------------------------


def test_a_delegation_citing_kl_1991_900_is_a_finding_from_2018_01_01_and_not_before():
    (finding,) = delegation_findings("b2", **terms(legal_basis=REPEALED))
    assert (finding.code, finding.subject, finding.subject_kind) == (REPEALED_ACT, "b2", "delegation")
    assert finding.since == date(2018, 1, 1)
    assert not finding.holds_on(date(2017, 12, 31)) and finding.holds_on(date(2018, 1, 1))
    assert finding.reason == (
        "Lagrummet ”KL (1991:900) 6 kap. 33 §” hänvisar till upphävd lag: KL (1991:900) upphävdes "
        "2018-01-01 och ersattes av KL (2017:725)."
    )


def test_a_delegation_that_ended_before_2018_brings_no_finding_for_the_repealed_act():
    assert delegation_findings("b3", **terms(legal_basis=REPEALED, valid_to=date(2018, 1, 1))) == []
    assert [
        f.code for f in delegation_findings("b3", **terms(legal_basis=REPEALED, valid_to=date(2018, 1, 2)))
    ] == [REPEALED_ACT]


def test_a_delegation_granted_in_2018_citing_the_repealed_act_is_a_finding_from_its_grant():
    (finding,) = delegation_findings("x", **terms(legal_basis=REPEALED, valid_from=date(2018, 3, 1)))
    assert finding.since == date(2018, 3, 1)


def test_a_legal_basis_in_the_act_in_force_is_no_finding():
    assert delegation_findings("b4", **terms(legal_basis="KL (2017:725) 7 kap. 5 §")) == []


# --- a reserved matter --------------------------------------------------------------------------


def test_a_reserved_matter_is_a_finding_from_its_first_day_citing_the_act_of_the_day_asked_about():
    reserved = terms(matter="Fastställa mål och budget", reserved_matter=True, valid_from=date(2016, 2, 1))
    (before,) = delegation_findings("mal", **reserved, cited_on=date(2017, 6, 1))
    (after,) = delegation_findings("mal", **reserved, cited_on=date(2018, 6, 1))
    assert before.code == after.code == RESERVED_MATTER and before.since == date(2016, 2, 1)
    assert after.reason == (
        "Ärendet ”Fastställa mål och budget” hör till dem som nämnden enligt KL (2017:725) 6 kap. 38 § "
        "själv ska besluta om, men är delegerat."
    )
    assert "enligt KL (1991:900) 6 kap. 34 §" in before.reason


def test_a_reserved_matter_left_to_a_member_adds_that_only_urgent_matters_may_be():
    (finding,) = delegation_findings("mal", **terms(reserved_matter=True), delegate_is_member=True)
    assert finding.reason.endswith(
        "Endast ärenden så brådskande att nämndens avgörande inte kan avvaktas får lämnas "
        "till ordföranden eller en annan ledamot (KL (1991:900) 6 kap. 36 §)."
    )


def test_a_reserved_matter_citing_the_repealed_act_is_two_findings():
    found = delegation_findings(
        "mal", **terms(reserved_matter=True, legal_basis=REPEALED), cited_on=date(2018, 6, 1)
    )
    assert [f.code for f in found] == [RESERVED_MATTER, REPEALED_ACT]
    assert {f.code for f in found} <= set(CODES)


def test_a_reserved_matter_is_recorded_all_the_same(org):
    record(
        org,
        change(
            "grant_delegation",
            delegation="mal",
            effective="2018-02-01",
            from_="ks",
            to="stadsdirektor",
            matter="Fastställa mål och budget",
            reserved_matter=True,
        ),
    )
    assert org.timeline.delegation_on("mal", date(2018, 2, 1)).reserved_matter is True


# --- companies: owned by the kommun, supervised by a board ---------------------------------------


def company(unit: str, owner: str, effective: str = "2016-11-01", **fields):
    return change(
        "establish_unit",
        effective=effective,
        unit=unit,
        name=f"{unit} AB",
        kind="company",
        owner=owner,
        **fields,
    )


def test_the_council_may_own_a_company_and_a_company_another(org):
    record(
        org,
        company("stadshus", "kf"),
        change(
            "spin_off_unit",
            effective="2017-01-01",
            unit="va",
            company="va-ab",
            name="VA AB",
            owner="stadshus",
        ),
    )
    units = organisation_on(org, "2017-01-01")
    assert (units["stadshus"].owner, units["va-ab"].owner) == ("kf", "stadshus")
    error = refused(org, change("move_unit", effective="2017-06-01", unit="va-ab", owner="slk"))
    assert (
        "a company is owned by the kommun, through the council, or by another company, and 'slk' is "
        "an office" in str(error)
    )


def test_a_board_as_owner_is_accepted_and_its_finding_cites_the_act_of_the_day(org):
    record(org, company("stadshus", "ks"))
    assert organisation_on(org, "2016-11-01")["stadshus"].owner == "ks"
    finding = board_owns_company("stadshus", "Nacka stadshus AB", "ks", "Kommunstyrelsen", date(2016, 11, 1))
    assert (finding.code, finding.subject, finding.subject_kind) == (BOARD_OWNS_COMPANY, "stadshus", "unit")
    assert finding.reason == (
        "Bolaget Nacka stadshus AB (stadshus) ägs av nämnden Kommunstyrelsen (ks): en nämnd äger inte "
        "bolag; kommunen äger genom fullmäktige (KL (1991:900) 3 kap. 16 §)."
    )
    later = board_owns_company("stadshus", "N", "ks", "K", date(2016, 11, 1), cited_on=date(2018, 6, 1))
    assert later.since == date(2016, 11, 1) and later.reason.endswith("(KL (2017:725) 10 kap. 1 §).")


def test_a_companys_supervision_passes_and_ends_with_move_unit(org):
    record(
        org,
        company("stadshus", "kf", supervisor="ks"),
        change("move_unit", id="m1", effective="2018-01-01", unit="stadshus", supervisor="sn"),
        change("move_unit", id="m2", effective="2019-01-01", unit="stadshus", supervisor=None),
    )
    assert [(v.valid_from, v.supervisor, v.owner) for v in org.timeline.units["stadshus"]] == [
        (date(2016, 11, 1), "ks", "kf"),
        (date(2018, 1, 1), "sn", "kf"),
        (date(2019, 1, 1), None, "kf"),
    ]
    assert (
        summarise(org.log["m1"].change, org.timeline)
        == "Uppsikten över stadshus AB gick över till Socialnämnden."
    )
    assert (
        summarise(org.log["m2"].change, org.timeline)
        == "Stadshus AB står inte längre under en nämnds uppsikt."
    )


def test_a_supervisor_is_a_board_and_only_a_company_has_one(org):
    error = refused(org, company("b", "kf", supervisor="ksau"))
    assert "the board with uppsikt over it (KL (1991:900) 6 kap. 1 §), and 'ksau' is a committee" in str(
        error
    )
    error = refused(
        org,
        change(
            "establish_unit",
            effective="2016-11-01",
            unit="b",
            name="B",
            kind="unit",
            parent="slk",
            supervisor="ks",
        ),
    )
    assert "only a company has a supervisor" in str(error)


@pytest.mark.parametrize(
    "ending",
    [
        dict(type_="dissolve_unit", unit="sn"),
        dict(type_="merge_units", units=["sn", "ks"], into="ks"),
        dict(type_="reclassify_unit", unit="sn", kind="office"),
    ],
)
def test_a_board_with_uppsikt_does_not_end_leaving_its_company_alone(org, ending):
    record(org, company("b", "kf", supervisor="sn"))
    fields = dict(ending)
    error = refused(org, change(fields.pop("type_"), effective="2017-01-01", **fields))
    assert "'sn' has uppsikt over 'b'; give it another supervisor first" in str(error)
    record(
        org,
        change("move_unit", effective="2017-01-01", unit="b", supervisor="ks"),
        change(ending["type_"], effective="2017-01-01", **fields),
    )
    assert organisation_on(org, "2017-01-01")["b"].supervisor == "ks"
