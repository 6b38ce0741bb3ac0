"""Findings: what is wrong with a recorded decision, reported and never refused.

The register records decisions as they were taken, lawful or not, and says what
is wrong with them. A finding never blocks recording; it is shown wherever the
thing it concerns is shown (the dry run, the delegationsordning, the review pack
of the meeting a change is reported to, GraphQL). Four kinds, each with a stable
code for programs and a Swedish sentence for people that cites the law of its day:

* RESERVED_MATTER — a delegated matter the law keeps with the board (6 kap. 38 §);
  for a delegate who is the board's own chair or member, the sentence adds that
  only urgent matters may be left to them (6 kap. 39 §);
* REPEALED_ACT — a delegation in force on or after 2018-01-01 whose legal basis
  cites KL (1991:900), repealed that day;
* BOARD_OWNS_COMPANY — a company owned by a board: the kommun owns its companies,
  through the council (10 kap. 1 §);
* UNCHECKED_DECIDER — a decision whose body is no key of the register (free text),
  so the register cannot check its competence (competence.py).

The functions here take plain values, so that the read models (projections) and
the domain word a finding the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .law import (
    COMPANIES,
    CURRENT_ACT,
    FORMER_ACT,
    IN_FORCE,
    RESERVED_MATTERS,
    URGENT_MATTERS,
    cites_repealed_act,
)

RESERVED_MATTER = "RESERVED_MATTER"
REPEALED_ACT = "REPEALED_ACT"
BOARD_OWNS_COMPANY = "BOARD_OWNS_COMPANY"
UNCHECKED_DECIDER = "UNCHECKED_DECIDER"

CODES = (RESERVED_MATTER, REPEALED_ACT, BOARD_OWNS_COMPANY, UNCHECKED_DECIDER)


@dataclass(frozen=True)
class Finding:
    code: str  # one of CODES
    subject: str  # a delegation key, a company's key, or a change id
    subject_kind: str  # "delegation", "unit" or "change"
    since: date | None  # the first day it holds (None for a change's decider)
    reason: str

    @property
    def delegation_id(self) -> str | None:
        return self.subject if self.subject_kind == "delegation" else None

    def holds_on(self, day: date) -> bool:
        return self.since is None or self.since <= day


def delegation_findings(
    key: str,
    *,
    matter: str,
    reserved_matter: bool,
    legal_basis: str | None,
    valid_from: date,
    valid_to: date | None,
    delegate_is_member: bool = False,
    cited_on: date | None = None,
) -> list[Finding]:
    """The findings of a delegation's terms while they hold (`valid_from` up to `valid_to`).

    The sentences cite the law in force on `cited_on` (the day asked about; by default the
    first day of the terms).
    """
    day = cited_on or valid_from
    found: list[Finding] = []
    if reserved_matter:
        reason = (
            f"Ärendet ”{matter}” hör till dem som nämnden enligt {RESERVED_MATTERS.on(day)} "
            "själv ska besluta om, men är delegerat."
        )
        if delegate_is_member:
            reason += (
                " Endast ärenden så brådskande att nämndens avgörande inte kan avvaktas får lämnas "
                f"till ordföranden eller en annan ledamot ({URGENT_MATTERS.on(day)})."
            )
        found.append(Finding(RESERVED_MATTER, key, "delegation", valid_from, reason))
    if cites_repealed_act(legal_basis) and (valid_to is None or valid_to > IN_FORCE):
        found.append(
            Finding(
                REPEALED_ACT,
                key,
                "delegation",
                max(valid_from, IN_FORCE),
                f"Lagrummet ”{legal_basis}” hänvisar till upphävd lag: {FORMER_ACT} upphävdes "
                f"{IN_FORCE.isoformat()} och ersattes av {CURRENT_ACT}.",
            )
        )
    return found


def board_owns_company(
    company: str,
    company_name: str,
    owner: str,
    owner_name: str,
    since: date,
    cited_on: date | None = None,
) -> Finding:
    return Finding(
        BOARD_OWNS_COMPANY,
        company,
        "unit",
        since,
        f"Bolaget {company_name} ({company}) ägs av nämnden {owner_name} ({owner}): en nämnd äger inte "
        f"bolag; kommunen äger genom fullmäktige ({COMPANIES.on(cited_on or since)}).",
    )


def unchecked_decider(change_id: str, body: str) -> Finding:
    return Finding(
        UNCHECKED_DECIDER,
        change_id,
        "change",
        None,
        f"Beslutsorganet ”{body}” är ingen nyckel i registret; beslutsorganet kan inte kontrolleras.",
    )
