"""The legal references the register cites (orgchange/domain/law.py, docs/rules.md): one test
per row, on the domain alone (the rows cited alike, in a refusal or a finding, as the cases of one
parametrised test; tests/test_law.py records some of the same cases on a database).

Each row is pinned to its paragraph in KL (2017:725) and to the corresponding one in
KL (1991:900), and found where the domain writes it — in a refusal of the `Register` or
in a finding — naming KL (1991:900) for a day before 2018-01-01 and KL (2017:725) from
that day on. (How the delegationsordning words the two reporting rows is tested with the
document, in tests/test_law.py.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pytest

from orgchange.domain import law
from orgchange.domain.changes import Change
from orgchange.domain.findings import delegation_findings
from orgchange.domain.register import Register
from tests.builders import base_organisation, change, record, refused, register

BEFORE, AFTER = "2017-06-01", "2018-06-01"  # a day under each act


@pytest.fixture
def org() -> Register:
    return register(base_organisation())


def refusal(org: Register, *changes) -> str:
    return str(refused(org, *changes))


def findings_of(org: Register, key: str, day: str):
    """The findings of a delegation's terms on a day, as the domain words them."""
    on = date.fromisoformat(day)
    terms = org.timeline.delegation_on(key, on)
    delegate = org.timeline.position_on(terms.to, on)
    return delegation_findings(
        key,
        matter=terms.matter,
        reserved_matter=terms.reserved_matter,
        legal_basis=terms.legal_basis,
        valid_from=terms.valid_from,
        valid_to=terms.valid_to,
        delegate_is_member=delegate is not None and delegate.unit == terms.board,
        cited_on=on,
    )


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
    assert all(case.row.key == key for key, case in REFUSALS.items())


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


def a_reserved_matter_delegated() -> list:
    """KS delegates 'mal', a matter it must keep, to the stadsdirektör (tests/test_law.py too)."""
    return [
        change(
            "grant_delegation",
            delegation="mal",
            effective="2016-01-01",
            from_="ks",
            to="stadsdirektor",
            matter="Verksamhetens mål",
            reserved_matter=True,
        )
    ]


RESERVED = (
    "enligt KL (1991:900) 6 kap. 34 § själv ska besluta om",
    "enligt KL (2017:725) 6 kap. 38 § själv ska besluta om",
)


def an_urgent_matter_delegated_to_the_chair() -> list:
    """KS delegates 'mal', a matter it must keep, to its chair (tests/test_law.py too)."""
    return [
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
    ]


URGENT = (
    "till ordföranden eller en annan ledamot (KL (1991:900) 6 kap. 36 §)",
    "till ordföranden eller en annan ledamot (KL (2017:725) 6 kap. 39 §)",
)


@pytest.mark.parametrize(
    "row, paragraphs, delegated, cited",
    [
        (law.RESERVED_MATTERS, ("6 kap. 38 §", "6 kap. 34 §"), a_reserved_matter_delegated, RESERVED),
        (law.URGENT_MATTERS, ("6 kap. 39 §", "6 kap. 36 §"), an_urgent_matter_delegated_to_the_chair, URGENT),
    ],
    ids=["reserved-matters-6-kap-38", "urgent-matters-by-the-chair-6-kap-39"],
)
def test_a_matter_the_board_keeps_is_a_finding_citing_the_act_of_its_day(
    org, row, paragraphs, delegated, cited
):
    assert (row.current, row.former) == paragraphs
    record(org, delegated())
    (before,) = findings_of(org, "mal", BEFORE)
    (after,) = findings_of(org, "mal", AFTER)
    assert before.code == after.code == "RESERVED_MATTER"
    assert (cited[0] in before.reason, cited[1] in after.reason) == (True, True)


def test_the_board_decides_what_is_reported_to_it_6_kap_40(org):
    row = law.REPORTING_TO_BOARD
    assert (row.current, row.former) == ("6 kap. 40 §", "6 kap. 35 §")
    assert row.on(date.fromisoformat(BEFORE)) == "KL (1991:900) 6 kap. 35 §"
    assert row.on(date.fromisoformat(AFTER)) == "KL (2017:725) 6 kap. 40 §"
    assert row.now == "KL (2017:725) 6 kap. 40 §"


def test_reporting_of_vidaredelegation_is_7_kap_8(org):
    row = law.FURTHER_DELEGATION_REPORTING
    assert (row.current, row.former) == ("7 kap. 8 §", "6 kap. 37 §")
    assert row.on(date.fromisoformat(BEFORE)) == "KL (1991:900) 6 kap. 37 §"
    assert row.on(date.fromisoformat(AFTER)) == "KL (2017:725) 7 kap. 8 §"
    # Decisions under a vidaredelegation are reported to the förvaltningschef who passed it on.
    record(
        org,
        change(
            "grant_delegation",
            delegation="avtal",
            effective="2018-01-01",
            from_="ks",
            to="stadsdirektor",
            matter="Avtal",
            further_delegation=True,
        ),
        change(
            "subdelegate", delegation="avtal-va", effective=AFTER, parent_delegation="avtal", to="va-chef"
        ),
    )
    assert org.timeline.delegation_on("avtal-va", date.fromisoformat(AFTER)).reporting == (
        "Anmäls till Stadsdirektör (förvaltningschefen som vidaredelegerade)"
    )


# --- the rows the domain cites in a refusal: one case each -----------------------------------------


@dataclass(frozen=True)
class Refusal:
    """A row of the table that a refusal cites: the paragraphs it is pinned to (KL (2017:725),
    KL (1991:900)), what is recorded first, the change refused on a day, and the words that
    hold the citation of that day ({cited})."""

    row: law.Reference
    paragraphs: tuple[str, str]
    refused_on: Callable[[str], Change]
    words: str
    given: tuple[Change, ...] = ()
    at_the_end: bool = False

    def citations(self) -> list[tuple[str, str]]:
        """(day, what the refusal cites on it) for a day under each act."""
        current, former = self.paragraphs
        return [(BEFORE, f"KL (1991:900) {former}"), (AFTER, f"KL (2017:725) {current}")]

    def says(self, message: str, cited: str) -> bool:
        words = self.words.format(cited=cited)
        return message.endswith(words) if self.at_the_end else words in message


def decided_by_ks(type_: str, **fields) -> Callable[[str], Change]:
    """The change on a day, decided by Kommunstyrelsen that day."""
    return lambda day: change(type_, effective=day, decision={"body": "ks", "date": day}, **fields)


THE_BOARDS_ORGANISATION = Refusal(
    law.COUNCIL_MATTERS,
    ("5 kap. 1 §", "3 kap. 9 §"),
    decided_by_ks("establish_unit", unit="aldrenamnden", name="Äldrenämnden", kind="board", parent="kf"),
    "only the council establishes, dissolves, merges, splits, renames, reclassifies or moves a board ({cited})",
    at_the_end=True,
)

REFUSALS = {
    "delegation-to-members": Refusal(
        law.DELEGATION_TO_MEMBERS,
        ("6 kap. 37 §", "6 kap. 33 §"),
        lambda day: change(
            "grant_delegation", delegation="d", effective=day, from_="sn", to="ksau", matter="Yttranden"
        ),
        "a board delegates only to its own committees ({cited})",
    ),
    "delegation-to-employee": Refusal(
        law.DELEGATION_TO_EMPLOYEE,
        ("7 kap. 5 §", "6 kap. 33 §"),
        lambda day: change(
            "grant_delegation", delegation="d", effective=day, from_="ks", to="vd", matter="Avtal"
        ),
        "cannot decide on a board's behalf ({cited})",
        given=(
            change(
                "establish_unit",
                effective="2016-01-01",
                unit="bolag",
                name="Nacka Energi AB",
                kind="company",
                owner="kf",
            ),
            change("establish_position", effective="2016-01-01", position="vd", title="VD", unit="bolag"),
        ),
    ),
    "further-delegation": Refusal(
        law.FURTHER_DELEGATION,
        ("7 kap. 6 §", "6 kap. 37 §"),
        lambda day: change(
            "subdelegate", delegation="avtal-va", effective=day, parent_delegation="avtal", to="va-chef"
        ),
        "the board did not allow vidaredelegation of 'avtal' (further_delegation is not set; {cited})",
        given=(
            change(
                "grant_delegation",
                delegation="avtal",
                effective="2016-01-01",
                from_="ks",
                to="stadsdirektor",
                matter="Avtal",
            ),
        ),
    ),
    "council-matters": THE_BOARDS_ORGANISATION,
    "companies": Refusal(
        law.COMPANIES,
        ("10 kap. 1 §", "3 kap. 16 §"),
        decided_by_ks("spin_off_unit", unit="va", company="va-ab", name="VA AB", owner="kf"),
        "or changes its owner or supervisor ({cited})",
        at_the_end=True,
    ),
    "supervision": Refusal(
        law.SUPERVISION,
        ("6 kap. 1 §", "6 kap. 1 §"),
        lambda day: change(
            "establish_unit",
            effective=day,
            unit=f"ab-{day[:4]}",
            name="Bolaget AB",
            kind="company",
            owner="kf",
            supervisor="slk",
        ),
        "the board with uppsikt over it ({cited}), and 'slk' is an office",
    ),
}


@pytest.mark.parametrize("case", REFUSALS.values(), ids=REFUSALS.keys())
def test_a_refusal_cites_the_row_under_the_act_of_its_day(org, case):
    assert (case.row.current, case.row.former) == case.paragraphs
    record(org, *case.given)
    for day, cited in case.citations():
        message = refusal(org, case.refused_on(day))
        assert case.says(message, cited), message
