"""Decisions taken under delegation (delegationsbeslut), and their check against the day's
delegationsordning (docs/decisions.md).

A delegated decision is no change of the organisation: it never alters an org chart, and it
is recorded as an event of its own stream (a batch of decisions per recording), never of the
register's. Its check is made on the decision date against the delegationsordning of that
day as the register knows it; whatever fails is a *finding* in plain Swedish. A finding
never blocks recording: the decision was taken, and saying that it lacked support is the
point (docs/decisions.md#findings).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar

from eventsourcing.domain import DomainEvent
from eventsourcing.utils import register_topic
from pydantic import BaseModel, ConfigDict, Field

from .changes import ChangeId, Day, Key, Name, Text
from .law import FURTHER_DELEGATION_REPORTING, REPORTING_TO_BOARD, RESERVED_MATTERS

FORMAT = "orgchange-decisions/v1"
MAX_DECISIONS = 100_000  # in one body or file


class DelegatedDecisionEntry(BaseModel):
    """One decision as a file or a request gives it (`orgchange-decisions/v1`)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: ChangeId
    delegation: Name  # the delegation's key, or its code as of `date`
    decided_by: Key  # the post (or the committee) that decided
    date: Day
    matter: Text
    reference: Name | None = None
    amount: float | None = Field(default=None, ge=0, le=1e15, allow_inf_nan=False)
    acting_as_substitute: bool = False

    def canonical(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True, exclude_defaults=False)


# --- events --------------------------------------------------------------------------------


class DecisionsRecorded(DomainEvent):
    """A batch of delegated decisions, recorded atomically (one request, one file)."""

    TOPIC: ClassVar[str] = "orgchange:Decisions.Recorded"

    decisions: list[dict[str, Any]]  # each as `DelegatedDecisionEntry.canonical()`
    recorded_by: str


class DecisionsReported(DomainEvent):
    """Decisions reported (anmälda) to a board, or a förvaltningschef's post, for a meeting."""

    TOPIC: ClassVar[str] = "orgchange:Decisions.Reported"

    to: str
    meeting: date
    decision_ids: list[str]
    recorded_by: str


class DecisionReportNoted(DomainEvent):
    """The board noted the report of decisions to its minutes, with the §."""

    TOPIC: ClassVar[str] = "orgchange:Decisions.ReportNoted"

    to: str
    meeting: date
    paragraph: str
    recorded_by: str


DECISION_EVENTS: tuple[type[DecisionsRecorded] | type[DecisionsReported] | type[DecisionReportNoted], ...] = (
    DecisionsRecorded,
    DecisionsReported,
    DecisionReportNoted,
)
for _event_class in DECISION_EVENTS:
    register_topic(_event_class.TOPIC, _event_class)


# --- the check -------------------------------------------------------------------------------

NOT_REPORTED = frozenset({"none", "ingen", "ingen anmälan", "anmäls inte", "nej", "no", "false"})


def reporting_waived(reporting: str | None) -> bool:
    """The board decided that decisions under the delegation are not reported to it
    (KL (2017:725) 6 kap. 40 §: the board decides the extent). Written in the delegation's
    `reporting` as `none` (or `anmäls inte`, `ingen anmälan`)."""
    return reporting is not None and reporting.strip().lower().rstrip(".") in NOT_REPORTED


@dataclass(frozen=True)
class Terms:
    """A delegation as it stood on the decision date (from the read model), or its life."""

    id: str
    code: str | None
    board: str
    to: str
    limit: str | None
    substitute: str | None
    parent: str | None
    reporting: str | None
    reserved_matter: bool
    valid_from: date
    valid_to: date | None


@dataclass(frozen=True)
class Holder:
    """A post or committee on the decision date: its name, and whether (and until when) it exists."""

    key: str
    title: str
    in_effect: bool
    ended: date | None
    is_committee: bool


@dataclass(frozen=True)
class Situation:
    """What the check needs to know of the decision date.

    `delegation`: the delegation the decision names, in force that day (None: none in force);
    `life`: the delegation's whole life if it exists at all (to say when it ended or began);
    `parent`: for a vidaredelegation, its parent on the day; `subdelegations`: the
    vidaredelegations of the named delegation (those in force that day and those that were
    not), keyed by their delegate; `holders`: every post or committee named.
    """

    delegation: Terms | None
    life: Terms | None
    parent: Terms | None
    subdelegations: dict[str, list[Terms]]
    holders: dict[str, Holder]


@dataclass(frozen=True)
class Checked:
    delegation_id: str | None  # the delegation the decision was taken under (or names)
    report_to: str | None  # the board, or the förvaltningschef's post; None: not reported
    not_reported: bool  # the board decided not to have these reported
    findings: tuple[str, ...]


def label(terms: Terms) -> str:
    return terms.code or terms.id


def _holder_text(holder: Holder) -> str:
    noun = "utskottet" if holder.is_committee else "befattningen"
    return f"{noun} {holder.title}"


def _ended(holder: Holder) -> str:
    if holder.ended is not None and not holder.in_effect:
        noun = "utskottet" if holder.is_committee else "befattningen"
        return f" ({noun} upphörde {holder.ended.isoformat()})"
    return ""


_AMOUNT = re.compile(
    r"(?P<number>[0-9][0-9  .,]*)\s*(?P<unit>mnkr|miljoner kronor|mkr|tkr|tusen kronor|kronor|kr|sek)\b",
    re.IGNORECASE,
)
_MULTIPLIERS = {
    "mnkr": 1_000_000,
    "miljoner kronor": 1_000_000,
    "mkr": 1_000_000,
    "tkr": 1_000,
    "tusen kronor": 1_000,
}


def sum_limit(limit: str | None) -> float | None:
    """The limit in kronor where the delegation's limit is a sum ("högst 500 000 kr", "2 mnkr",
    "300 tkr"); None where it is not (e.g. "5 prisbasbelopp" or a condition in words)."""
    if not limit:
        return None
    match = _AMOUNT.search(limit)
    if match is None:
        return None
    number = match.group("number").strip().replace(" ", "").replace("\u00a0", "").replace(" ", "")
    if "," in number and "." not in number:
        number = number.replace(",", ".")
    elif "." in number and number.count(".") >= 1 and len(number.split(".")[-1]) == 3:
        number = number.replace(".", "")  # 1.500.000
    try:
        value = float(number)
    except ValueError:
        return None
    return value * _MULTIPLIERS.get(match.group("unit").lower(), 1)


def kronor(amount: float) -> str:
    whole = (
        f"{amount:,.0f}".replace(",", " ") if amount == int(amount) else f"{amount:,.2f}".replace(",", " ")
    )
    return f"{whole} kr"


def check(decision: DelegatedDecisionEntry, situation: Situation) -> Checked:
    """The decision against the delegationsordning of its day (docs/decisions.md#findings)."""
    day = decision.date.isoformat()
    lacks = f"Beslutet {day} saknar stöd i delegationsordningen: "
    d = situation.delegation
    holders = situation.holders
    decider = holders.get(decision.decided_by) or Holder(
        decision.decided_by, decision.decided_by, False, None, False
    )
    if d is None:
        life = situation.life
        if life is None:
            why = f"det fanns ingen delegation {decision.delegation} den dagen"
        elif life.valid_from > decision.date:
            why = (
                f"delegation {label(life)} gällde inte den dagen "
                f"(den gäller från och med {life.valid_from.isoformat()})"
            )
        else:
            ended = f" (den upphörde {life.valid_to.isoformat()})" if life.valid_to else ""
            why = f"delegation {label(life)} gällde inte den dagen{ended}"
        return Checked(life.id if life else None, None, False, (lacks + why + ".",))
    findings: list[str] = []
    name = label(d)
    # Who held it that day: the delegate, its substitute, or the delegate of a vidaredelegation.
    via: Terms | None = None
    held = False
    if decision.acting_as_substitute:
        held = d.substitute == decision.decided_by
        if not held:
            findings.append(
                lacks + f"{_holder_text(decider)} var inte ersättare för delegation {name} den dagen"
                f"{_ended(decider)}."
            )
    elif d.to == decision.decided_by:
        held = True
    else:
        subs = situation.subdelegations.get(decision.decided_by, [])
        in_force = [
            s
            for s in subs
            if s.valid_from <= decision.date and (s.valid_to is None or decision.date < s.valid_to)
        ]
        if in_force:
            via, held = in_force[0], True
        elif subs:
            lapsed = subs[-1]
            when = (
                f"den upphörde {lapsed.valid_to.isoformat()}"
                if lapsed.valid_to and lapsed.valid_to <= decision.date
                else f"den gäller från och med {lapsed.valid_from.isoformat()}"
            )
            findings.append(
                lacks + f"vidaredelegationen {lapsed.id} av delegation {name} till "
                f"{_holder_text(decider)} gällde inte den dagen ({when})."
            )
        else:
            findings.append(
                lacks + f"{_holder_text(decider)} innehade inte delegation {name} den dagen{_ended(decider)}."
            )
    if held and not decider.in_effect:
        findings.append(
            lacks + f"{_holder_text(decider)} innehade inte delegation {name} den dagen{_ended(decider)}."
        )
    if held and via is None and situation.parent is not None:
        parent_holder = holders.get(situation.parent.to)
        if parent_holder is not None and not parent_holder.in_effect:
            findings.append(
                lacks + f"vidaredelegationen {d.id} vilar på delegation {label(situation.parent)}, vars "
                f"delegat {_holder_text(parent_holder)} inte fanns den dagen{_ended(parent_holder)}."
            )
    limit = sum_limit(d.limit)
    if decision.amount is not None and limit is not None and decision.amount > limit:
        findings.append(
            f"Beslutet {day} går utöver delegation {name}: beloppet {kronor(decision.amount)} "
            f"är större än gränsen ({d.limit}) för {_holder_text(decider)}."
        )
    if d.reserved_matter:
        findings.append(
            f"Beslutet {day} gäller ett ärende som nämnden inte får delegera "
            f"({RESERVED_MATTERS.on(decision.date)}): delegation {name}, {_holder_text(decider)}."
        )
    # Who is told (KL 6 kap. 40 § and 7 kap. 8 §).
    under = via or d
    if reporting_waived(under.reporting):
        report_to, not_reported = None, True
    elif under.parent is not None:
        parent = situation.parent if under is d else d
        report_to, not_reported = (parent.to if parent is not None else None), False
    else:
        report_to, not_reported = d.board, False
    return Checked(under.id, report_to, not_reported, tuple(findings))


REPORTING_REFERENCES = (REPORTING_TO_BOARD, FURTHER_DELEGATION_REPORTING)
