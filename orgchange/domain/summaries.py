"""Plain Swedish sentences for changes, in the style of GOV.UK's change notes.

"Kultur- och fritidsenheten bildades genom sammanslagning av Kulturenheten och
Fritidsenheten." Names are taken from the timeline on the change's effective
date (and the day before, for what a unit was called before the change).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import timedelta

from .changes import (
    AbolishPosition,
    AmendDelegation,
    CancelChange,
    Change,
    CorrectChange,
    DissolveUnit,
    EstablishPosition,
    EstablishUnit,
    GrantDelegation,
    MergeUnits,
    MovePosition,
    MoveUnit,
    NoteReport,
    ReclassifyUnit,
    RenameUnit,
    ReportChanges,
    RevokeDelegation,
    SpinOffUnit,
    SplitUnit,
    Subdelegate,
)
from .kinds import CHANGE_TYPE_NAMES, kind_name, the_kind
from .records import DelegationVersion, version_on
from .timeline import Timeline

# Words that show a unit's name says what it is (no kind need go before it).
_SELF_DESCRIBING = (
    "enhet",
    "nämnd",
    "styrelse",
    "förvaltning",
    "kontor",
    "område",
    "utskott",
    "fullmäktige",
    "grupp",
    "avdelning",
    " ab",
    "bolag",
    "beredning",
    "sekretariat",
    "sektion",
    "stab",
)


# The words for each amended term: (label for a new value, words for a cleared one).
_TERM_WORDS = {
    "matter": ("nytt ärende", None),
    "code": ("nytt nummer", "numret togs bort"),
    "legal_basis": ("nytt lagrum", "lagrummet togs bort"),
    "limit": ("ny begränsning", "begränsningen togs bort"),
    "reporting": ("ny anmälan", "anmälan togs bort"),
}


def _amended_terms(terms: dict, n: _Namer) -> list[str]:
    """'ny delegat: Stadsjurist', 'nytt lagrum: KL (2017:725) 6 kap. 37 §', … in the order of the terms."""
    out = []
    for term, value in terms.items():
        if term == "to":
            out.append(f"ny delegat: {n.position(value)}")
        elif term == "substitute":
            out.append(f"ny ersättare: {n.position(value)}" if value else "ersättaren togs bort")
        elif term == "further_delegation":
            out.append("får vidaredelegeras" if value else "får inte längre vidaredelegeras")
        elif term == "reserved_matter":
            out.append(
                "markerad som ett ärende som nämnden enligt lag ska behålla"
                if value
                else "inte längre markerad som ett ärende som nämnden ska behålla"
            )
        else:
            label, cleared = _TERM_WORDS[term]
            out.append(f"{label}: {value}" if value is not None else str(cleared))
    return out


def _subdelegations_ended(delegates: list[str]) -> str:
    if not delegates:
        return ""
    noun = "vidaredelegationen" if len(delegates) == 1 else "vidaredelegationerna"
    return f", och med den {noun} till {_join(delegates)}"


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " och " + names[-1]


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


class _Namer:
    def __init__(self, timeline: Timeline, change: Change, ended: Collection[str] | None = None):
        self.tl = timeline
        self.day = getattr(change, "effective", None)
        self.ended = ended

    def unit(self, key: str | None, *, before: bool = False, kind: str | None = None) -> str:
        if key is None:
            return "–"
        day = self.day - timedelta(days=1) if (before and self.day) else self.day
        version = self.tl.unit_on(key, day) if day else None
        if version is None:
            versions = self.tl.units.get(key)
            version = versions[-1] if versions else None
        if version is None:
            return key
        name = version.name
        if any(word in name.lower() for word in _SELF_DESCRIBING):
            return name
        return f"{the_kind(kind or version.kind)} {name}"

    def position(self, key: str | None) -> str:
        if key is None:
            return "–"
        versions = self.tl.positions.get(key)
        if versions:
            return versions[-1].title
        if key in self.tl.units:
            return self.unit(key)
        return key

    def owner(self, key: str | None, *, before: bool = False) -> str:
        """A company's owner: the kommun itself when the council owns it."""
        versions = self.tl.units.get(key) if key else None
        if versions and versions[-1].kind == "council":
            return "kommunen"
        return self.unit(key, before=before)

    def version(self, key: str, *, before: bool = False) -> DelegationVersion | None:
        """The delegation as it stood on the change's day (or the day before it)."""
        versions = self.tl.delegations.get(key)
        if not versions:
            return None
        day = self.day - timedelta(days=1) if (before and self.day) else self.day
        return (version_on(versions, day) if day else None) or versions[-1]

    def delegation(self, key: str, *, before: bool = False) -> str:
        """'delegationen B.1 (Beslut om …)', or for a vidaredelegation
        'vidaredelegationen av delegationen B.1 (Beslut om …) till Välfärdsdirektör'."""
        v = self.version(key, before=before)
        if v is None:
            return f"delegationen {key}"
        code = f" {v.code}" if v.code else ""
        if v.parent is not None:
            return f"vidaredelegationen av delegationen{code} ({v.matter}) till {self.position(v.to)}"
        return f"delegationen{code} ({v.matter})"

    def ended_subdelegations(self, key: str, change_id: str | None) -> list[str]:
        """The delegates of the vidaredelegationer of `key` that ended with this change.

        `ended` (what the change ended, when the caller knows it) spares a look at every delegation.
        """
        candidates = self.ended if self.ended is not None else self.tl.delegations.keys()
        found = []
        for sub in sorted(candidates):
            versions = self.tl.delegations.get(sub)
            last = versions[-1] if versions else None
            if last is None or last.ended_by is None or last.ended_by != change_id:
                continue
            if last.parent == key:
                found.append(self.position(last.to))
        return found


def summarise(change: Change, timeline: Timeline, ended: Collection[str] | None = None) -> str:
    """One sentence, ending with a full stop, describing the change.

    `ended`: the keys (posts, units, delegations) the change ended, if the caller knows them.
    """
    n = _Namer(timeline, change, ended)
    match change:
        case EstablishUnit():
            where = (
                f", ägt av {n.owner(change.owner)}"
                if change.owner
                else (f" under {n.unit(change.parent)}" if change.parent else "")
            )
            text = f"{_cap(n.unit(change.unit))} bildades{where}"
        case RenameUnit():
            text = f"{_cap(n.unit(change.unit, before=True))} bytte namn till {change.name}"
        case ReclassifyUnit():
            old = timeline.unit_on(change.unit, change.effective - timedelta(days=1))
            was = kind_name(old.kind) if old else "?"
            text = (
                f"{_cap(n.unit(change.unit, before=True))} ombildades från {was} "
                f"till {kind_name(change.kind)}"
            )
        case MoveUnit():
            old = timeline.unit_on(change.unit, change.effective - timedelta(days=1))
            if change.owner:
                text = (
                    f"Ägandet av {n.unit(change.unit)} gick över från "
                    f"{n.owner(old.owner if old else None, before=True)} till {n.owner(change.owner)}"
                )
            elif change.moves_supervision:  # a company's supervision (uppsikt) only
                text = (
                    f"Uppsikten över {n.unit(change.unit)} gick över till {n.unit(change.supervisor)}"
                    if change.supervisor
                    else f"{_cap(n.unit(change.unit))} står inte längre under en nämnds uppsikt"
                )
            else:
                text = (
                    f"{_cap(n.unit(change.unit))} flyttades från "
                    f"{n.unit(old.parent if old else None, before=True)} till {n.unit(change.parent)}"
                )
        case MergeUnits():
            ended = [u for u in change.units if u != change.into]
            if change.into in change.units:
                ended_names = _join([n.unit(u, before=True) for u in ended])
                text = f"{_cap(ended_names)} uppgick i {n.unit(change.into)}"
            else:
                parts = _join([n.unit(u, before=True) for u in change.units])
                text = f"{_cap(n.unit(change.into))} bildades genom sammanslagning av {parts}"
        case SplitUnit():
            parts = _join([n.unit(s.unit) for s in change.into])
            text = f"{_cap(n.unit(change.unit, before=True))} delades upp i {parts}"
        case DissolveUnit():
            text = f"{_cap(n.unit(change.unit, before=True))} lades ned"
        case SpinOffUnit():
            text = f"{_cap(n.unit(change.unit, before=True))} ombildades till bolaget {change.name}"
        case EstablishPosition():
            role = " (förvaltningschef/direktör)" if change.director else ""
            text = f"Befattningen {change.title}{role} inrättades vid {n.unit(change.unit)}"
        case MovePosition():
            post = timeline.position_on(change.position, change.effective - timedelta(days=1))
            text = (
                f"Befattningen {post.title if post else change.position} flyttades från "
                f"{n.unit(post.unit if post else None, before=True)} till {n.unit(change.unit)}"
            )
        case AbolishPosition():
            post = timeline.position_on(change.position, change.effective - timedelta(days=1))
            where = f" vid {n.unit(post.unit, before=True)}" if post else ""
            text = f"Befattningen {post.title if post else change.position}{where} drogs in"
        case GrantDelegation():
            code = f" ({change.code})" if change.code else ""
            text = (
                f"{_cap(n.unit(change.from_))} delegerade beslut i ärendet "
                f"”{change.matter}”{code} till {n.position(change.to)}"
            )
        case AmendDelegation():
            details = _amended_terms(change.amended_terms(), n)
            detail = f"; {'; '.join(details)}" if details else ""
            text = f"{_cap(n.delegation(change.delegation, before=True))} ändrades{detail}"
            lapsed = n.ended_subdelegations(change.delegation, change.id)
            if lapsed:
                noun = "vidaredelegationen" if len(lapsed) == 1 else "vidaredelegationerna"
                text += f"; {noun} till {_join(lapsed)} upphörde"
        case RevokeDelegation():
            old_version = n.version(change.delegation, before=True)
            text = f"{_cap(n.delegation(change.delegation, before=True))} upphävdes"
            if old_version is not None and old_version.parent is not None:
                parent = n.version(old_version.parent)
                code = parent.code if parent is not None and parent.code else old_version.parent
                text += f"; delegationen {code} står kvar"
            else:
                text += _subdelegations_ended(n.ended_subdelegations(change.delegation, change.id))
        case Subdelegate():
            parent = timeline.delegation_on(change.parent_delegation, change.effective)
            holder = n.position(parent.to) if parent else change.parent_delegation
            text = (
                f"{_cap(holder)} vidaredelegerade {n.delegation(change.parent_delegation)} "
                f"till {n.position(change.to)}"
            )
        case CancelChange():
            text = f"Ändringen {change.change} makulerades: {change.reason}"
        case CorrectChange():
            replacement = change.replacement
            text = (
                f"Ändringen {change.change} rättades och ersattes av ändringen {replacement.id} "
                f"({CHANGE_TYPE_NAMES[replacement.TYPE].lower()}, från {replacement.effective})"
            )
        case ReportChanges():
            count = len(change.changes)
            noun = "ändring" if count == 1 else "ändringar"
            text = f"{count} {noun} anmäldes till {n.unit(change.to)} för sammanträdet {change.meeting}"
        case NoteReport():
            text = (
                f"{_cap(n.unit(change.to))} noterade anmälan {change.meeting} "
                f"till protokollet ({change.paragraph})"
            )
        case _:
            text = change.TYPE
    return text.rstrip(".") + "."


def units_touched(change: Change, timeline: Timeline) -> list[str]:
    """The units a change is about: for a merge, split or spin-off the old and the new."""
    match change:
        case EstablishUnit() | RenameUnit() | ReclassifyUnit() | MoveUnit() | DissolveUnit():
            keys = [change.unit]
        case MergeUnits():
            keys = [*change.units, change.into]
        case SplitUnit():
            keys = [change.unit, *(s.unit for s in change.into)]
        case SpinOffUnit():
            keys = [change.unit, change.company]
        case EstablishPosition():
            keys = [change.unit]
        case MovePosition() | AbolishPosition():
            old = timeline.position_on(change.position, change.effective - timedelta(days=1))
            keys = [old.unit] if old else []
            if isinstance(change, MovePosition):
                keys.append(change.unit)
        case GrantDelegation():
            keys = [change.from_]
        case AmendDelegation() | RevokeDelegation():
            versions = timeline.delegations.get(change.delegation)
            keys = [versions[-1].board] if versions else []
        case Subdelegate():
            parent = timeline.delegations.get(change.parent_delegation)
            keys = [parent[-1].board] if parent else []
        case _:
            keys = []
    return list(dict.fromkeys(keys))
