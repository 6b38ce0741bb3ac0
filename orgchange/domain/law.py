"""The law the register cites: one table of references to the Local Government Act, by date.

Kommunallagen (2017:725) has been in force since 2018-01-01. It replaced
kommunallagen (1991:900), whose rules on delegation and on the council's
matters carry other numbers. Every rule, message, finding and document of the
register cites from this table, so a reference written for a day before
2018-01-01 names the law in force on that day, and one for a later day the
law in force since: `DELEGATION_TO_EMPLOYEE.on(day)` is "KL (1991:900) 6 kap.
33 §" in 2016 and "KL (2017:725) 7 kap. 5 §" in 2018.

Each paragraph was checked against the law's text or the government's and
SKR's commentary on it; docs/rules.md names the source for each row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

CURRENT_ACT = "KL (2017:725)"
FORMER_ACT = "KL (1991:900)"
IN_FORCE = date(2018, 1, 1)  # KL (2017:725) in force; KL (1991:900) repealed (SFS 2017:725)

# "1991:900" however it is spaced: a legal basis that names the repealed act.
_FORMER_ACT_PATTERN = re.compile(r"1991\s*:\s*900")


def act_on(day: date | None) -> str:
    """The act in force on `day` (the current act when no day is known)."""
    return FORMER_ACT if day is not None and day < IN_FORCE else CURRENT_ACT


def cites_repealed_act(text: str | None) -> bool:
    """Whether a legal basis as written (e.g. "KL (1991:900) 6 kap. 33 §") names KL (1991:900)."""
    return bool(text) and _FORMER_ACT_PATTERN.search(text or "") is not None


@dataclass(frozen=True)
class Reference:
    """One rule of the act: where KL (2017:725) has it, and where KL (1991:900) had it."""

    key: str
    subject: str  # what the paragraph says, in the register's own words
    current: str  # in KL (2017:725), e.g. "7 kap. 5 §"
    former: str  # the corresponding place in KL (1991:900)

    def on(self, day: date | None) -> str:
        """The reference as cited for a decision or state on `day`: "KL (2017:725) 7 kap. 5 §"."""
        return f"{act_on(day)} {self.place_on(day)}"

    def place_on(self, day: date | None) -> str:
        return self.former if act_on(day) == FORMER_ACT else self.current

    @property
    def now(self) -> str:
        """The reference in the act in force today."""
        return self.on(None)


def cite(day: date | None, *references: Reference) -> str:
    """Several references in one citation: "KL (2017:725) 6 kap. 37 § och 7 kap. 5 §".

    Paragraphs that fall together in the act of the day are named once (delegation to a
    committee and to an employee were both 6 kap. 33 § in KL (1991:900)).
    """
    places = list(dict.fromkeys(r.place_on(day) for r in references))
    joined = places[0] if len(places) == 1 else ", ".join(places[:-1]) + " och " + places[-1]
    return f"{act_on(day)} {joined}"


# --- delegation (6 kap. 37–40 §§ and 7 kap. 5–8 §§; before 2018: 6 kap. 33–38 §§) ----------

DELEGATION_TO_MEMBERS = Reference(
    "delegation-to-members",
    "a board may let a committee of its own, a member or a substitute decide on its behalf",
    "6 kap. 37 §",
    "6 kap. 33 §",
)
RESERVED_MATTERS = Reference(
    "reserved-matters",
    "matters a board may not delegate: the activity's goals, direction, scope and quality, "
    "statements to the council, and matters of principle or of greater importance",
    "6 kap. 38 §",
    "6 kap. 34 §",
)
URGENT_MATTERS = Reference(
    "urgent-matters",
    "the chair, or another member the board has chosen, may decide matters so urgent that the "
    "board's decision cannot be awaited; such decisions are reported at the next meeting",
    "6 kap. 39 §",
    "6 kap. 36 §",
)
REPORTING_TO_BOARD = Reference(
    "reporting-to-board",
    "the board decides to what extent decisions made under delegation are reported to it",
    "6 kap. 40 §",
    "6 kap. 35 §",
)
DELEGATION_TO_EMPLOYEE = Reference(
    "delegation-to-employee",
    "a board may let an employee of the kommun decide on its behalf",
    "7 kap. 5 §",
    "6 kap. 33 §",
)
FURTHER_DELEGATION = Reference(
    "further-delegation",
    "a förvaltningschef given the power to decide may, if the board allows it, pass it on to "
    "another employee (vidaredelegation)",
    "7 kap. 6 §",
    "6 kap. 37 §",
)
FURTHER_DELEGATION_REPORTING = Reference(
    "further-delegation-reporting",
    "decisions under vidaredelegation are reported to the förvaltningschef, and the "
    "förvaltningschef's vidaredelegation itself to the board at its next meeting",
    "7 kap. 8 §",
    "6 kap. 37 §",
)

# --- the council, the boards and the companies ---------------------------------------------

COUNCIL_MATTERS = Reference(
    "council-matters",
    "the council decides matters of principle or of greater importance, among them the "
    "boards' organisation and ways of working",
    "5 kap. 1 §",
    "3 kap. 9 §",
)
COMPANIES = Reference(
    "companies",
    "the council decides to hand a municipal matter over to a company (or another legal person)",
    "10 kap. 1 §",
    "3 kap. 16 §",
)
SUPERVISION = Reference(
    "supervision",
    "the executive board (kommunstyrelsen) has uppsikt over the other boards and over the "
    "activity run in the kommun's companies",
    "6 kap. 1 §",
    "6 kap. 1 §",
)

TABLE: tuple[Reference, ...] = (
    DELEGATION_TO_MEMBERS,
    RESERVED_MATTERS,
    URGENT_MATTERS,
    REPORTING_TO_BOARD,
    DELEGATION_TO_EMPLOYEE,
    FURTHER_DELEGATION,
    FURTHER_DELEGATION_REPORTING,
    COUNCIL_MATTERS,
    COMPANIES,
    SUPERVISION,
)
