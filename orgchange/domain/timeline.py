"""The organisation over effective time: a fold of dated changes.

A `Timeline` applies the active changes in effective-date order (same-day
changes in recording order). Because they are applied in that order, every rule
is checked against the state "at the head of the fold", which is the state on
the change's effective date. A change dated at or after the head is applied
directly; an earlier one (retroactive) or a cancellation re-folds the whole
sequence, and any later change that no longer applies is a conflict (rule 7).

The change types are handled in `units.py`, `positions.py` and
`delegations.py`; this module holds the state, its indexes and the fold.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from functools import partial
from typing import Any, TypeVar

from .changes import DatedChange, Packed, unpacked
from .errors import Conflict, RetroactiveConflict, RuleViolation
from .messages import Text, text
from .records import (
    DelegationVersion,
    Link,
    PositionVersion,
    UnitVersion,
    Version,
    last_day,
    life,
    version_on,
)

# Rule names, as reported with every rejection (docs/domain.md#rules-the-register-enforces).
UNIQUE_KEY = "unique-key"  # rule 1
ONE_PARENT = "one-parent"  # rule 2
HIERARCHY = "hierarchy"  # rule 3
ACTIVE_CHILDREN = "active-children"  # rule 4
CARDINALITY = "cardinality"  # rule 4: a merge of two or more units, a split into two or more
IN_EFFECT = "in-effect"  # rule 5
DELEGATION = "delegation"  # rule 6
COMPETENCE = "competence"  # who may decide which change (competence.py)
NO_CHANGE = "no-change"

# (day, seq, change): the change as recorded, or packed in a register read from a snapshot.
Entry = tuple[date, int, "DatedChange | Packed"]
C = TypeVar("C", bound=DatedChange)
Handler = Callable[["Timeline", Any], None]
HANDLERS: dict[str, Handler] = {}
# Checks of a change as it is recorded, before its handler (competence.py registers one).
AT_RECORDING: list[Handler] = []


def at_recording(check: Handler) -> Handler:
    """Register a check that applies to a change when it is recorded, not when it is replayed.

    Such a check judges the decision behind a change (who decided it) against the
    organisation on its effective date, as the register knows it when the change comes
    in. Changes already recorded are not judged again when they are replayed or re-folded:
    their events were accepted under the rules of their day and stay readable.
    """
    AT_RECORDING.append(check)
    return check


def handles(change_class: type[C]) -> Callable[[Callable[[Timeline, C], None]], Callable]:
    """Register the function that checks and applies one change type."""

    def register(func: Callable[[Timeline, C], None]) -> Callable[[Timeline, C], None]:
        HANDLERS[change_class.TYPE] = func
        return func

    return register


def _dated(change: DatedChange | Packed) -> DatedChange:
    """An entry's change, made again if the entry holds it packed (the entry keeps it packed)."""
    found = unpacked(change)
    assert isinstance(found, DatedChange)  # (an entry holds a dated change)
    return found


def _entry_order(entry: Entry) -> tuple[date, int]:
    return entry[0], entry[1]


def _entry_day(entry: Entry) -> date:
    return entry[0]


_ABSENT: Any = object()  # (a key the dict did not hold, in the undo journal)


def _put_back(store: dict, key: Any, value: Any) -> None:
    """Undo one write to a dict: the value it held before, or no value."""
    if value is _ABSENT:
        store.pop(key, None)
    else:
        store[key] = value


def _last_day(versions: tuple) -> date:
    """The last day on which one of the versions begins or ends (they are in order of days)."""
    last = versions[-1]
    return last.valid_to or last.valid_from


def _put_versions(store: dict, last_days: dict, key: str, versions: Any) -> None:
    """A key's versions (`_ABSENT`: none) and their last day, written together: a write, or its
    undo from the journal."""
    _put_back(store, key, versions)
    if versions is _ABSENT or not versions:
        last_days.pop(key, None)
    else:
        last_days[key] = _last_day(versions)


Journal = list[Callable[[], object]]


def _cut(versions: tuple, day: date) -> tuple:
    """The versions as they stood before any change effective on or after `day`."""
    kept = tuple(v for v in versions if v.valid_from < day)
    if kept and kept[-1].valid_to is not None and kept[-1].valid_to >= day:
        kept = kept[:-1] + (replace(kept[-1], valid_to=None, ended_by=None),)
    return kept


def _since(last_days: Mapping[str, date], day: date) -> list[str]:
    """The keys whose versions begin or end on or after `day`, from each key's last such day."""
    return [key for key, last in last_days.items() if last >= day]


def _current(versions: tuple | None) -> Any:
    if versions and versions[-1].valid_to is None:
        return versions[-1]
    return None


# The kinds of versions whose changed days `Dirty` keeps (its fields of the same names).
DATED = ("units", "positions", "delegations")


def _by_kind(make: Callable[[], Any]) -> Callable[[], dict[str, Any]]:
    return lambda: {name: make() for name in DATED}


def first_difference(before: tuple, after: tuple) -> date | None:
    """The first day from which two tuples of a key's versions may differ (None: they do not).

    The versions before the first that differs are the same in both, and every version from
    it on (in either) begins on or after the day returned: what the read models hold for the
    days before it stands."""
    if before is after:
        return None
    common = min(len(before), len(after))
    i = 0
    while i < common and (before[i] is after[i] or before[i] == after[i]):
        i += 1
    rest = before[i:] + after[i:]
    return min(v.valid_from for v in rest) if rest else None


def _life_of(versions: tuple) -> tuple[date, date | None] | None:
    return life(versions) if versions else None


@dataclass
class Dirty:
    """Keys whose versions changed since the read models were last written, and from which day.

    `before[kind][key]` holds the key's versions as the read models were last written from
    them (noted when the key is first written after that; `()`: it had none). The writer
    compares them with the versions now held (`since`): from the first day they differ on,
    it reads and writes the rows, and before it nothing, so a change costs the days it
    touches, not the whole history of its unit (`projections/writer.py`). Noting costs a
    dictionary entry per key, so a fold or a rebuild pays nearly nothing for it. A key
    without versions noted is written whole.
    """

    units: set[str] = field(default_factory=set)
    positions: set[str] = field(default_factory=set)
    delegations: set[str] = field(default_factory=set)
    links: set[str] = field(default_factory=set)
    before: dict[str, dict[str, tuple]] = field(default_factory=_by_kind(dict))

    def __bool__(self) -> bool:
        return bool(self.units or self.positions or self.delegations or self.links)

    def copy(self) -> Dirty:
        return Dirty(
            set(self.units),
            set(self.positions),
            set(self.delegations),
            set(self.links),
            {name: dict(held) for name, held in self.before.items()},
        )

    def note(self, kind: str, key: str, held: tuple) -> None:
        """`key`'s versions (of `kind`, one of `DATED`) are about to change from `held`."""
        getattr(self, kind).add(key)
        self.before[kind].setdefault(key, held)

    def since(self, kind: str, versions: Mapping[str, tuple]) -> dict[str, date]:
        """For each key of `kind` noted: the first day from which `versions` (the timeline's,
        now) may differ from those the read models hold; `date.max` if they do not."""
        return {
            key: first_difference(held, versions.get(key, ())) or date.max
            for key, held in self.before[kind].items()
        }

    def lives(self, kind: str, versions: Mapping[str, tuple]) -> set[str]:
        """The keys of `kind` noted whose life (first day, or end) changed: each row of their
        names carries it (`projections/search.py`)."""
        return {
            key
            for key, held in self.before[kind].items()
            if _life_of(held) != _life_of(versions.get(key, ()))
        }


class Timeline:
    # Indexes of what is in effect at the head of the fold: group key -> member keys.
    _INDEXES = ("children", "companies", "supervised", "staff", "granted", "received", "subdelegations")

    def __init__(self) -> None:
        self.units: dict[str, tuple[UnitVersion, ...]] = {}
        self.positions: dict[str, tuple[PositionVersion, ...]] = {}
        self.delegations: dict[str, tuple[DelegationVersion, ...]] = {}
        self.predecessors: dict[str, tuple[Link, ...]] = {}  # by successor
        self.entries: list[Entry] = []
        self.children: dict[str, frozenset[str]] = {}  # line hierarchy, by parent
        self.companies: dict[str, frozenset[str]] = {}  # companies, by owner
        self.supervised: dict[str, frozenset[str]] = {}  # companies, by the board with uppsikt
        self.staff: dict[str, frozenset[str]] = {}  # positions, by unit
        self.granted: dict[str, frozenset[str]] = {}  # delegations, by board
        self.received: dict[str, frozenset[str]] = {}  # delegations, by delegate
        self.subdelegations: dict[str, frozenset[str]] = {}  # by parent delegation
        # Of each kind of versions, each key's last day on which a version begins or ends: what
        # `rewound` reads to find the keys a re-fold from a day touches (derived from the versions,
        # so not in a snapshot: `with_last_days`).
        self.last_days: dict[str, dict[str, date]] = {name: {} for name in DATED}
        self.dirty = Dirty()
        self.hindsight: Timeline | None = None  # the timeline before a re-fold, for messages
        self.replaying: list[Entry] = []  # the changes a re-fold applies, for messages
        self._replaying_ids: set[str] | None = None
        # Deferred re-folding (see `settle`): while `owed` is a day, the versions and
        # indexes are those before that day's changes, and only `apply`, `withdraw`
        # and `settle` may be called.
        self.deferring = False
        self.owed: date | None = None
        # Ids of the changes being recorded now and not yet folded in: only these meet the
        # `AT_RECORDING` checks (empty while stored events replay).
        self.checking: set[str] = set()
        # The undo journal of the command being recorded (None: none is), newest last: each
        # entry puts back one write to this timeline's state (`Register.savepoint`).
        self.journal: Journal | None = None

    # --- copying ------------------------------------------------------------

    def copy(self, entries: list[Entry] | None = None) -> Timeline:
        """A working copy; cheap, because every value in the dicts is immutable.

        `entries`: the copy's entries, if not a copy of these (`rewound` keeps only the first)."""
        new = Timeline.__new__(Timeline)
        for name in ("units", "positions", "delegations", "predecessors", *self._INDEXES):
            setattr(new, name, dict(getattr(self, name)))
        new.entries = list(self.entries) if entries is None else entries
        new.last_days = {name: dict(days) for name, days in self.last_days.items()}
        new.dirty = Dirty()
        new.hindsight = None
        new.replaying, new._replaying_ids = [], None
        new.deferring = self.deferring
        new.owed = self.owed
        new.checking = self.checking
        new.journal = None  # a copy is nobody's working state: nothing to undo in it
        return new

    def __deepcopy__(self, memo: dict) -> Timeline:
        return self.copy()

    def take_dirty(self) -> Dirty:
        dirty, self.dirty = self.dirty, Dirty()
        return dirty

    # --- the undo journal (a command recorded in place, `Register.savepoint`) ------------

    def savepoint(self) -> tuple[int, Dirty, date | None, bool]:
        """Where `undo_to` puts this timeline back to: the journal's length and the few scalars.

        Costs the keys dirty since the read models were last written, not the register."""
        assert self.journal is not None, "a savepoint needs a journal (Register.begin)"
        return len(self.journal), self.dirty.copy(), self.owed, self.deferring

    def undo_to(self, point: tuple[int, Dirty, date | None, bool]) -> None:
        """Undo every write since `point`, newest first: the state is as it was then, exactly."""
        length, dirty, owed, deferring = point
        journal = self.journal
        assert journal is not None
        while len(journal) > length:
            journal.pop()()
        self.dirty, self.owed, self.deferring = dirty.copy(), owed, deferring

    def _append(self, entry: Entry) -> None:
        entries = self.entries
        entries.append(entry)
        if self.journal is not None:
            self.journal.append(entries.pop)

    def _insort(self, entry: Entry) -> None:
        entries = self.entries
        index = bisect_right(entries, _entry_order(entry), key=_entry_order)
        entries.insert(index, entry)
        if self.journal is not None:
            self.journal.append(partial(entries.__delitem__, index))

    def _remove(self, index: int) -> None:
        entries = self.entries
        entry = entries.pop(index)
        if self.journal is not None:
            self.journal.append(partial(entries.insert, index, entry))

    def _put(self, store: dict, key: Any, value: Any) -> None:
        if self.journal is not None:
            self.journal.append(partial(_put_back, store, key, store.get(key, _ABSENT)))
        store[key] = value

    def _drop(self, store: dict, key: Any) -> None:
        if self.journal is not None:
            self.journal.append(partial(_put_back, store, key, store.get(key, _ABSENT)))
        del store[key]

    # --- the fold -------------------------------------------------------------

    @property
    def head(self) -> date | None:
        return self.entries[-1][0] if self.entries else None

    def apply(self, change: DatedChange, seq: int) -> None:
        """Check and apply a newly recorded change (`seq`: its recording order)."""
        entry: Entry = (change.effective, seq, change)
        if self.owed is None and (not self.entries or change.effective >= self.entries[-1][0]):
            self._handle(change)
            self._append(entry)
        elif self.deferring:
            if change.effective >= self.entries[-1][0]:
                self._append(entry)  # in order: owed only if an earlier change is
            else:
                self._insort(entry)
            self._owe(change.effective)
        else:
            self.settle()
            self._refold(change.effective, insert=entry)

    def withdraw(self, change_id: str, effective: date | None = None) -> DatedChange | Packed:
        """Remove a recorded change (it was cancelled) and re-fold the rest.

        `effective`: the change's day, if the caller knows it; its entry is then found among
        that day's entries, not by reading every entry of the register."""
        if not self.deferring:
            self.settle()
        index = self._index_of(change_id, effective)
        removed = self.entries[index][2]
        day = self.entries[index][0]  # (the change's day: a packed change is not made again for it)
        if self.deferring:
            self._remove(index)
            self._owe(day)
        else:
            self._refold(day, remove=index)
        return removed

    def replace(
        self, change_id: str, replacement: DatedChange, seq: int, effective: date | None = None
    ) -> DatedChange | Packed:
        """Remove a recorded change and apply `replacement` in its place, checked as one re-fold.

        The state in between (without either) is never judged: a correction of the day a
        unit was established would otherwise conflict with every later change of the unit.
        """
        if not self.deferring:
            self.settle()
        index = self._index_of(change_id, effective)
        removed = self.entries[index][2]
        entry: Entry = (replacement.effective, seq, replacement)
        day = min(self.entries[index][0], replacement.effective)
        if self.deferring:
            self._remove(index)
            self._insort(entry)
            self._owe(day)
        else:
            self._refold(day, insert=entry, remove=index)
        return removed

    def _index_of(self, change_id: str, effective: date | None) -> int:
        """The place of a change's entry: among its day's entries when its day is given
        (entries are in day order, and a change's entry is on its effective day)."""
        entries = self.entries
        if effective is not None:
            index = bisect_left(entries, effective, key=_entry_day)
            while index < len(entries) and entries[index][0] == effective:
                if entries[index][2].id == change_id:
                    return index
                index += 1
        return next(i for i, e in enumerate(entries) if e[2].id == change_id)

    def settle(self) -> None:
        """Do the re-fold that deferred changes owe: one re-fold from the earliest of them.

        With `deferring` set, a retroactive change or a cancellation is not re-folded
        at once; it and every change after it wait in `entries`, and `settle` folds
        them together. The result is the same timeline (a fold depends only on the
        changes and their order), and a re-fold that fails leaves the timeline as it
        was, still owing. Used for whole change files and for replaying stored events,
        where the many retroactive changes of a long history would otherwise each
        re-fold everything after them.
        """
        if self.owed is not None:
            self._refold(self.owed)

    def _owe(self, day: date) -> None:
        if self.journal is not None:
            self.journal.append(partial(setattr, self, "owed", self.owed))
        self.owed = day if self.owed is None else min(self.owed, day)

    def _handle(self, change: DatedChange) -> None:
        if change.id in self.checking:
            # Once, where the change is first folded in: a later re-fold (a retroactive change
            # recorded after it, in the same file or not) does not judge it again.
            for check in AT_RECORDING:
                check(self, change)
            self.checking.discard(change.id)
        HANDLERS[change.TYPE](self, change)

    def _refold(self, day: date, insert: Entry | None = None, remove: int | None = None) -> None:
        """Re-fold every change effective on or after `day`, with `insert` added or entry `remove` taken out.

        Changes effective before `day` are not re-applied: the state they left is the
        timeline rewound to the start of `day` (`rewound`), so a retroactive change
        costs the changes after its date, not the whole history.
        """
        cut = bisect_left(self.entries, day, key=_entry_day)
        replay = self.entries[cut:]  # with what is owed, if anything: all of it is on or after `day`
        if remove is not None:
            del replay[remove - cut]
        if insert is not None:
            insort(replay, insert, key=_entry_order)
        fresh = self.rewound(day, cut)
        fresh.hindsight, fresh.replaying = self, replay
        fresh.deferring, fresh.owed = False, None
        conflicts: list[Conflict] = []
        new = insert[2] if insert is not None else None
        for entry in replay:
            change = _dated(entry[2])
            try:
                fresh._handle(change)
            except RuleViolation as violation:
                if change is new:
                    raise
                conflicts.append(
                    Conflict(
                        change_id=change.id or "?",
                        change_type=change.TYPE,
                        effective=change.effective.isoformat(),
                        reason=violation.reason,
                    )
                )
                continue
            fresh.entries.append(entry)
        if conflicts:
            raise RetroactiveConflict(conflicts)
        # Only what the re-fold changed needs writing to the read models.
        touched = fresh.dirty
        for name in DATED:
            before, after = getattr(self, name), getattr(fresh, name)
            for key in getattr(touched, name):
                old = before.get(key, ())
                if old != after.get(key, ()):
                    self.dirty.note(name, key, old)
        before_links, after_links = self.predecessors, fresh.predecessors
        self.dirty.links.update(key for key in touched.links if before_links.get(key) != after_links.get(key))
        for name in (
            "units",
            "positions",
            "delegations",
            "predecessors",
            "entries",
            "last_days",
            *self._INDEXES,
        ):
            if self.journal is not None:  # (the dicts before the re-fold are left as they were)
                self.journal.append(partial(setattr, self, name, getattr(self, name)))
            setattr(self, name, getattr(fresh, name))
        if self.journal is not None:
            self.journal.append(partial(setattr, self, "owed", self.owed))
        self.owed = None

    def rewound(self, day: date, cut: int | None = None) -> Timeline:
        """The timeline as the changes effective before `day` left it (a new timeline).

        Every change writes versions from its effective day on (a new version, or
        the end of the current one), so the state before `day` is each version
        tuple cut at `day`: versions from `day` on dropped, and the one holding on
        the eve of `day` open again. Keys whose versions all ended, or still hold
        unchanged, before `day` keep their tuples; the keys rewound are left in
        the new timeline's `dirty`.
        """
        if cut is None:
            cut = bisect_left(self.entries, day, key=_entry_day)
        new = self.copy(self.entries[:cut])
        rewinding = (
            ("units", new.dirty.units, new.set_unit),
            ("positions", new.dirty.positions, new.set_position),
            ("delegations", new.dirty.delegations, new.set_delegation),
        )
        for name, dirty, setter in rewinding:
            store, held = getattr(new, name), getattr(self, name)
            # (the keys whose versions begin or end on or after `day`: the others hold as they are)
            for key in _since(self.last_days[name], day):
                kept = _cut(held[key], day)
                if kept:
                    setter(key, kept)
                else:  # it began on or after `day`
                    setter(key, ())
                    del store[key]
                dirty.add(key)
        for key, links in self.predecessors.items():
            if links[-1].date >= day:
                kept_links = tuple(link for link in links if link.date < day)
                if kept_links:
                    new.predecessors[key] = kept_links
                else:
                    del new.predecessors[key]
                new.dirty.links.add(key)
        return new

    # --- writing versions (keeps the indexes in step) -------------------------------

    def set_unit(self, key: str, versions: tuple[UnitVersion, ...]) -> None:
        held = self.units.get(key, ())
        before = _current(held)
        self._set_versions("units", key, versions)
        self.dirty.note("units", key, held)
        after = _current(versions)
        self._reindex(self.children, key, before and before.parent, after and after.parent)
        self._reindex(self.companies, key, before and before.owner, after and after.owner)
        self._reindex(self.supervised, key, before and before.supervisor, after and after.supervisor)

    def set_position(self, key: str, versions: tuple[PositionVersion, ...]) -> None:
        held = self.positions.get(key, ())
        before = _current(held)
        self._set_versions("positions", key, versions)
        self.dirty.note("positions", key, held)
        after = _current(versions)
        self._reindex(self.staff, key, before and before.unit, after and after.unit)

    def set_delegation(self, key: str, versions: tuple[DelegationVersion, ...]) -> None:
        held = self.delegations.get(key, ())
        before = _current(held)
        self._set_versions("delegations", key, versions)
        self.dirty.note("delegations", key, held)
        after = _current(versions)
        self._reindex(self.granted, key, before and before.board, after and after.board)
        self._reindex(self.received, key, before and before.to, after and after.to)
        self._reindex(self.subdelegations, key, before and before.parent, after and after.parent)

    def _set_versions(self, name: str, key: str, versions: tuple) -> None:
        store, last_days = getattr(self, name), self.last_days[name]
        if self.journal is not None:
            self.journal.append(partial(_put_versions, store, last_days, key, store.get(key, _ABSENT)))
        _put_versions(store, last_days, key, versions)

    def with_last_days(self) -> Timeline:
        """This timeline with each key's last day (`last_days`) found from its versions, as a
        timeline read from a snapshot needs them."""
        self.last_days = {
            name: {key: _last_day(versions) for key, versions in getattr(self, name).items()}
            for name in DATED
        }
        return self

    def add_link(self, link: Link) -> None:
        self._put(self.predecessors, link.successor, self.predecessors.get(link.successor, ()) + (link,))
        self.dirty.links.add(link.successor)

    def _reindex(self, index: dict[str, frozenset[str]], key: str, old: str | None, new: str | None) -> None:
        if old == new:
            return
        if old is not None:
            remaining = index[old] - {key}
            if remaining:
                self._put(index, old, remaining)
            else:
                self._drop(index, old)
        if new is not None:
            self._put(index, new, index.get(new, frozenset()) | {key})

    # --- reading the head of the fold ---------------------------------------------

    def unit(self, key: str) -> UnitVersion | None:
        return _current(self.units.get(key))

    def position(self, key: str) -> PositionVersion | None:
        return _current(self.positions.get(key))

    def delegation(self, key: str) -> DelegationVersion | None:
        return _current(self.delegations.get(key))

    def key_in_use(self, key: str) -> str | None:
        """What the key names, if anything, at any time (rule 1: keys are never reused)."""
        if key in self.units:
            return "unit"
        if key in self.positions:
            return "position"
        if key in self.delegations:
            return "delegation"
        return None

    def ancestors(self, key: str) -> Iterable[str]:
        """Parents and owners above `key` at the head, nearest first."""
        seen: set[str] = set()
        current = self.unit(key)
        while current is not None:
            above = current.parent or current.owner
            if above is None or above in seen:
                return
            seen.add(above)
            yield above
            current = self.unit(above)

    def dependants(self, key: str) -> list[str]:
        """Units that stand under `key` at the head: children and owned companies."""
        return sorted(self.children.get(key, frozenset()) | self.companies.get(key, frozenset()))

    # --- checks shared by the handlers -----------------------------------------------

    def require_new_key(self, noun: str, key: str) -> None:
        used = self.key_in_use(key)
        if used is not None:
            raise RuleViolation(
                UNIQUE_KEY,
                text("unique-key", noun=text(f"unique-key:{noun}"), key=key, used=text(f"in-effect:{used}")),
            )

    def require_unit(self, key: str, day: date, what: str | Text) -> UnitVersion:
        current = self.unit(key)
        if current is None:
            raise RuleViolation(
                IN_EFFECT, text("in-effect", what=what, reason=self.absence("unit", key, day))
            )
        return current

    def require_position(self, key: str, day: date, what: str | Text) -> PositionVersion:
        current = self.position(key)
        if current is None:
            raise RuleViolation(
                IN_EFFECT, text("in-effect", what=what, reason=self.absence("position", key, day))
            )
        return current

    def require_delegation(self, key: str, day: date, what: str | Text) -> DelegationVersion:
        current = self.delegation(key)
        if current is None:
            raise RuleViolation(
                IN_EFFECT, text("in-effect", what=what, reason=self.absence("delegation", key, day))
            )
        return current

    def absence(self, noun: str, key: str, day: date) -> Text:
        """Why `key` is not a `noun` in effect on `day`, in plain words."""
        stores: dict[str, Mapping[str, tuple[Version, ...]]] = {
            "unit": self.units,
            "position": self.positions,
            "delegation": self.delegations,
        }
        versions = stores[noun].get(key)
        if versions is not None:
            valid_to = versions[-1].valid_to
            assert valid_to is not None
            return text("in-effect:ended", key=key, day=day, end=last_day(valid_to))
        other = self.key_in_use(key)
        if other is not None:
            return text(
                "in-effect:other-kind",
                key=key,
                other=text(f"in-effect:{other}"),
                noun=text(f"in-effect:{noun}"),
            )
        # In a re-fold, the timeline before it knows what the key named and since when.
        known = self.hindsight.key_in_use(key) if self.hindsight else None
        if self.hindsight is None or known is None:
            return text("in-effect:unknown", key=key, day=day, noun=text(f"unique-key:{noun}"))
        first = getattr(self.hindsight, f"{known}s")[key][0]
        if first.valid_from > day:
            return text("in-effect:not-yet", key=key, day=day, start=first.valid_from)
        # It began on or before `day` until this re-fold: the change that made it is
        # either being cancelled or among the changes that no longer apply.
        made = text("in-effect:granted" if known == "delegation" else "in-effect:established")
        if self._replaying_ids is None:  # built once: a re-fold may report many conflicts
            self._replaying_ids = {entry[2].id or "" for entry in self.replaying}
        if first.change_id in self._replaying_ids:
            return text("in-effect:no-longer-applies", key=key, day=day, change=first.change_id, made=made)
        return text(
            "in-effect:cancelled",
            noun=text(f"unique-key:{known}"),
            key=key,
            change=first.change_id,
            made=made,
        )

    # --- answers for a day (used by summaries and the tests) ----------------------------

    def unit_on(self, key: str, day: date) -> UnitVersion | None:
        versions = self.units.get(key)
        return version_on(versions, day) if versions else None

    def position_on(self, key: str, day: date) -> PositionVersion | None:
        versions = self.positions.get(key)
        return version_on(versions, day) if versions else None

    def delegation_on(self, key: str, day: date) -> DelegationVersion | None:
        versions = self.delegations.get(key)
        return version_on(versions, day) if versions else None

    def organisation_on(self, day: date) -> dict[str, UnitVersion]:
        found = {}
        for key, versions in self.units.items():
            version = version_on(versions, day)
            if version is not None:
                found[key] = version
        return found

    def name_of(self, key: str, day: date) -> str:
        """The unit's name on `day`, or its last name if it had ended by then."""
        versions = self.units.get(key)
        if not versions:
            return key
        version = version_on(versions, day)
        if version is None:
            earlier = [v for v in versions if v.valid_from <= day]
            version = earlier[-1] if earlier else versions[0]
        return version.name


def fold(changes: Iterable[DatedChange]) -> Timeline:
    """A timeline of the given changes, recorded in the given order."""
    timeline = Timeline()
    for seq, change in enumerate(changes, start=1):
        timeline.apply(change, seq)
    return timeline
