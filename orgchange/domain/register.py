"""The register: the event-sourced aggregate of one organisation's changes.

The rules of docs/domain.md hold across the whole organisation (no cycle on any day,
a retroactive change checked against every later day), so the whole register is
the consistency boundary: one aggregate, one stream of events. Its state is the
log of recorded changes, the reports to boards, and the `Timeline` that folds
the active changes; every write is checked against it and saved with optimistic
concurrency on the aggregate's version.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import partial
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from eventsourcing.domain import Aggregate
from eventsourcing.utils import register_topic

from .changes import (
    CancelChange,
    Change,
    CorrectChange,
    DatedChange,
    NoteReport,
    Packed,
    ReportChanges,
    type_of,
    unpacked,
)
from .errors import ChangeRejected, RetroactiveConflict, RuleViolation
from .messages import a_kind, text
from .timeline import _ABSENT, Journal, Timeline, _put_back

REGISTER_ID: UUID = uuid5(NAMESPACE_URL, "urn:orgchange:register")

IDEMPOTENCY = "idempotency"
CANCELLATION = "cancellation"
CORRECTION = "correction"
REPORTING = "reporting"


@dataclass(frozen=True, slots=True, eq=False)
class Recorded:
    """A change as the register holds it: who recorded it, when, and whether it stands.

    `stored`: the change, or in a register read from a snapshot the change packed (`Packed`);
    `change` is the change either way. Two records are equal if they say the same."""

    stored: Change | Packed
    seq: int
    recorded_at: datetime
    recorded_by: str
    cancelled_by: str | None = None
    cancelled_at: datetime | None = None

    @property
    def change(self) -> Change:
        return unpacked(self.stored)

    @property
    def effective(self) -> date | None:
        """The change's day (None: it has none), without making a packed change again."""
        stored = self.stored
        if type(stored) is Packed:
            return stored.effective
        return stored.effective if isinstance(stored, DatedChange) else None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Recorded):
            return NotImplemented
        return (self.seq, self.recorded_at, self.recorded_by, self.cancelled_by, self.cancelled_at) == (
            other.seq,
            other.recorded_at,
            other.recorded_by,
            other.cancelled_by,
            other.cancelled_at,
        ) and (self.stored is other.stored or self.change == other.change)

    __hash__ = None  # type: ignore[assignment]  # (equal records need not be the same object)


@dataclass(frozen=True, slots=True)
class Report:
    """Changes reported (anmälda) to a board for a meeting, and the § that noted them."""

    board: str
    meeting: date
    change_ids: tuple[str, ...]
    reference: str | None = None
    noted_paragraph: str | None = None
    noted_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Savepoint:
    """Where `Register.rollback_to` puts the register back to (`Register.savepoint`)."""

    journal: int
    version: int
    modified_on: datetime
    pending: int
    organisation: str | None
    timeline: tuple


# The names the register's events are stored under (docs/upgrading.md). A stored topic is a
# name, not a place in the code: a class may move or be renamed, its name stays. Versions
# up to 0.1.0 stored the module path; those topics are registered as well (below), forever.
TOPIC_PREFIX = "orgchange:"
LEGACY_MODULE = "orgchange.domain.register"


class Register(Aggregate):
    """One organisation's register of changes."""

    TOPIC = "orgchange:Register"

    class Created(Aggregate.Created):
        TOPIC = "orgchange:Register.Created"  # never stored: the register starts with `Started`

    class Started(Aggregate.Created):
        TOPIC = "orgchange:Register.Started"

        organisation: str | None

    class Named(Aggregate.Event):
        """The organisation's display name changed: recorded, like a change, with who and when.

        Version 3 calls the name given `name` (version 2 called it `organisation`, like the
        aggregate's attribute it sets; the event is the naming, and its field the name).
        """

        TOPIC = "orgchange:Register.Named"

        name: str
        recorded_by: str | None

        class_version = 3

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["recorded_by"] = None  # older namings did not say who made them

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            state["name"] = state.pop("organisation")

        def apply(self, register: Register) -> None:
            register.organisation = self.name

    class ChangeRecorded(Aggregate.Event):
        TOPIC = "orgchange:Register.ChangeRecorded"

        change: DatedChange
        recorded_by: str

        def apply(self, register: Register) -> None:
            register._timeline.apply(self.change, self.originator_version)
            register.log_change(self.change, self.originator_version, self.timestamp, self.recorded_by)

    class ChangeCancelled(Aggregate.Event):
        TOPIC = "orgchange:Register.ChangeCancelled"

        change: CancelChange
        recorded_by: str

        def apply(self, register: Register) -> None:
            register._timeline.withdraw(self.change.change, register._effective(self.change.change))
            register.log_change(self.change, self.originator_version, self.timestamp, self.recorded_by)
            target = register.log[self.change.change]
            register._put(
                register.log,
                self.change.change,  # (the target's id: a packed target is not made again for it)
                replace(target, cancelled_by=self.change.id, cancelled_at=self.timestamp),
            )

    class ChangeCorrected(Aggregate.Event):
        """A change replaced by another: the first of the two events of a `correct_change`.

        It cancels the earlier change and folds the replacement in, in one re-fold (the
        replacement's place among same-day changes is this event's). The replacement is
        logged by the `ReplacementRecorded` that follows it in the same transaction.
        """

        TOPIC = "orgchange:Register.ChangeCorrected"

        change: CorrectChange
        recorded_by: str

        def apply(self, register: Register) -> None:
            c = self.change
            register._timeline.replace(
                c.change, c.replacement, self.originator_version, register._effective(c.change)
            )
            register.log_change(c, self.originator_version, self.timestamp, self.recorded_by)
            target = register.log[c.change]
            register._put(
                register.log, c.change, replace(target, cancelled_by=c.id, cancelled_at=self.timestamp)
            )

    class ReplacementRecorded(Aggregate.Event):
        """The replacement of a `correct_change`, logged as a change of its own (its fold is done)."""

        TOPIC = "orgchange:Register.ReplacementRecorded"

        change: DatedChange
        corrects: str
        recorded_by: str

        def apply(self, register: Register) -> None:
            register.log_change(self.change, self.originator_version, self.timestamp, self.recorded_by)

    class ChangesReported(Aggregate.Event):
        TOPIC = "orgchange:Register.ChangesReported"

        change: ReportChanges
        recorded_by: str

        def apply(self, register: Register) -> None:
            c = self.change
            key = (c.to, c.meeting)
            report = register.reports.get(key) or Report(c.to, c.meeting, (), c.reference)
            register._put(
                register.reports,
                key,
                replace(
                    report,
                    change_ids=report.change_ids + tuple(c.changes),
                    reference=report.reference or c.reference,
                ),
            )
            register.log_change(c, self.originator_version, self.timestamp, self.recorded_by)

    class ReportNoted(Aggregate.Event):
        TOPIC = "orgchange:Register.ReportNoted"

        change: NoteReport
        recorded_by: str

        def apply(self, register: Register) -> None:
            c = self.change
            key = (c.to, c.meeting)
            register._put(
                register.reports,
                key,
                replace(register.reports[key], noted_paragraph=c.paragraph, noted_at=self.timestamp),
            )
            register.log_change(c, self.originator_version, self.timestamp, self.recorded_by)

    def __init__(self, organisation: str | None) -> None:
        self.organisation = organisation
        # Stored events replay with re-folds deferred: the register's history was
        # consistent after every transaction, so one re-fold when the timeline is
        # first read (`timeline`) gives the same timeline as one re-fold per
        # retroactive change.
        self._timeline = Timeline()
        self._timeline.deferring = True
        self.log: dict[str, Recorded] = {}
        self.reports: dict[tuple[str, date], Report] = {}
        self._journal = None

    # The undo journal of the command being recorded in place (`begin`), shared with the timeline.
    _journal: Journal | None = None

    def _effective(self, change_id: str) -> date | None:
        """The day a logged dated change takes effect: where the timeline holds its entry."""
        recorded = self.log.get(change_id)
        return recorded.effective if recorded is not None else None

    @classmethod
    def start(cls, organisation: str | None = None) -> Register:
        return cls._create(cls.Started, id=REGISTER_ID, organisation=organisation)

    def __deepcopy__(self, memo: dict[int, Any]) -> Register:
        """A working copy for one command: shares the immutable records, not the dicts."""
        new = copy.copy(self)
        new._timeline = self._timeline.copy()
        new.log = dict(self.log)
        new.reports = dict(self.reports)
        new._pending_events = []
        new._journal = None
        return new

    # --- snapshots ---------------------------------------------------------------

    # What a snapshot holds of the register (`snapshot_state`): the aggregate's identity and
    # version, the log, the reports, and the settled timeline's versions and indexes. A
    # timeline entry is kept as (day, seq, change id): its change is the one the log holds.
    SNAPSHOT_TIMELINE = (
        "units",
        "positions",
        "delegations",
        "predecessors",
        *Timeline._INDEXES,
    )

    def snapshot_state(self) -> dict[str, Any]:
        """The register's state as plain values, for a snapshot; the timeline is settled first.

        Call it on a copy that no other thread changes (`copy.deepcopy`): settling re-folds
        what replayed events owe, and the dicts are read while the snapshot is written.
        """
        timeline = self.timeline
        return {
            "id": self.id,
            "version": self.version,
            "created_on": self.created_on,
            "modified_on": self.modified_on,
            "organisation": self.organisation,
            "log": self.log,
            "reports": self.reports,
            "timeline": {name: getattr(timeline, name) for name in self.SNAPSHOT_TIMELINE},
            "entries": [(day, seq, change.id or "") for day, seq, change in timeline.entries],
        }

    @classmethod
    def from_snapshot_state(cls, state: dict[str, Any]) -> Register:
        """The register a snapshot holds, as replaying its events up to its version would leave it."""
        register = cls.__new__(cls)
        register._id = state["id"]
        register._version = state["version"]
        register._created_on = state["created_on"]
        register._modified_on = state["modified_on"]
        register._pending_events = []
        register._journal = None
        register.organisation = state["organisation"]
        register.log = state["log"]
        register.reports = state["reports"]
        timeline = Timeline()
        for name in cls.SNAPSHOT_TIMELINE:
            setattr(timeline, name, state["timeline"][name])
        log = register.log
        entries: list[Any] = []
        for day, seq, change_id in state["entries"]:
            recorded = log[change_id]
            if recorded.effective != day:
                raise TypeError(f"the timeline's entry {change_id} is no dated change of its day")
            entries.append((day, seq, recorded.stored))  # (packed, as the log holds it)
        timeline.entries = entries
        timeline.with_last_days()  # derived from the versions, not held by the snapshot
        timeline.deferring = True  # as after replaying stored events
        register._timeline = timeline
        return register

    def collect_events(self) -> list[Any]:
        # The library pops pending events from the front, one by one: quadratic in a
        # file of 200,000 changes.
        collected, self._pending_events = self._pending_events, []
        return collected

    @property
    def timeline(self) -> Timeline:
        """The organisation over effective time, with every recorded change folded in."""
        self._timeline.settle()
        return self._timeline

    # --- commands --------------------------------------------------------------

    def name(self, organisation: str, recorded_by: str, recorded_at: datetime) -> bool:
        """Give the organisation this name; True if that changed it (the same name records nothing)."""
        if organisation == self.organisation:
            return False
        self.trigger_event(self.Named, name=organisation, recorded_by=recorded_by, timestamp=recorded_at)
        return True

    def record(
        self,
        changes: Sequence[Change],
        recorded_by: str,
        recorded_at: datetime,
        progress: Callable[[int, int], None] | None = None,
    ) -> list[str]:
        """Check and record the changes in order, all or nothing; returns their ids.

        A change whose id was recorded before with the same content is skipped
        (imports are idempotent); the same id with other content is rejected.

        A file of several changes is first recorded with its re-folds deferred to
        the end (`Timeline.settle`): a long file with retroactive changes then
        costs one re-fold, not one per retroactive change. If anything in it is
        rejected, the register is put back as it was and the file is recorded
        again change by change, so that the rejection names the change, the rule
        and the conflicts exactly as one change at a time would.
        """
        timeline = self.timeline  # settled: what stored events owed is folded in
        timeline.checking = set()  # the changes of this command meet the checks at recording
        try:
            return self._record_checked(changes, recorded_by, recorded_at, progress)
        finally:
            self._timeline.checking = set()

    def _record_checked(
        self,
        changes: Sequence[Change],
        recorded_by: str,
        recorded_at: datetime,
        progress: Callable[[int, int], None] | None,
    ) -> list[str]:
        timeline = self._timeline
        if len(changes) > 1:
            with self._in_place() as saved:
                try:
                    ids = self._record_all(changes, recorded_by, recorded_at, progress)
                    timeline.settle()
                    return ids
                except (ChangeRejected, RuleViolation):
                    self.rollback_to(saved)
        timeline.deferring = False
        try:
            return self._record_all(changes, recorded_by, recorded_at, progress)
        finally:
            timeline.deferring = True

    # --- recording in place, with an undo journal ----------------------------------------

    def begin(self) -> Savepoint:
        """Start a command on this register in place: every write to its state from now on is
        journalled, so that `rollback_to` can undo it exactly; ended by `end`.

        A command then costs the change, not the register: nothing of the register's size is
        copied (the journal holds one entry per key written, the savepoint a few scalars).
        The caller holds the writers' lock from here to `end`: nobody else reads or writes
        the register in between.
        """
        if self._journal is not None:
            raise RuntimeError("a command is being recorded on this register already")
        journal: Journal = []
        self._journal = self._timeline.journal = journal
        return self.savepoint()

    def end(self) -> None:
        """The command is over (committed, or rolled back): the journal is let go."""
        self._journal = self._timeline.journal = None

    def savepoint(self) -> Savepoint:
        """The register as it stands, to come back to with `rollback_to` (needs `begin`)."""
        journal = self._journal
        if journal is None:
            raise RuntimeError("a savepoint needs a command begun on the register (begin)")
        return Savepoint(
            len(journal),
            self._version,
            self._modified_on,
            len(self._pending_events),
            self.organisation,
            self._timeline.savepoint(),
        )

    def rollback_to(self, point: Savepoint) -> None:
        """Undo every write since `point`, newest first: the register is as it was then, exactly."""
        self._timeline.undo_to(point.timeline)  # (the journal is shared: the register's writes too)
        self._version = point.version
        self._modified_on = point.modified_on
        del self._pending_events[point.pending :]
        self.organisation = point.organisation

    @contextmanager
    def _in_place(self) -> Iterator[Savepoint]:
        """A savepoint, within the command begun by the caller or, if none was, within one
        begun (and ended) here: `record` called on a register of its own works as before."""
        if self._journal is not None:
            yield self.savepoint()
            return
        point = self.begin()
        try:
            yield point
        finally:
            self.end()

    def _put(self, store: dict, key: Any, value: Any) -> None:
        """`store[key] = value`, journalled while a command is being recorded."""
        if self._journal is not None:
            self._journal.append(partial(_put_back, store, key, store.get(key, _ABSENT)))
        store[key] = value

    def _record_all(
        self,
        changes: Sequence[Change],
        recorded_by: str,
        recorded_at: datetime,
        progress: Callable[[int, int], None] | None,
    ) -> list[str]:
        ids: list[str] = []
        for index, change in enumerate(changes, start=1):
            try:
                ids.append(self._record_one(change, recorded_by, recorded_at))
            except RuleViolation as violation:
                conflicts = violation.conflicts if isinstance(violation, RetroactiveConflict) else []
                raise ChangeRejected(index, change.id, change.TYPE, violation, conflicts) from None
            if progress and (index % 1000 == 0 or index == len(changes)):
                progress(index, len(changes))
        return ids

    def _record_one(self, change: Change, recorded_by: str, recorded_at: datetime) -> str:
        if change.id is None:
            change = change.with_id(self._new_change_id())
        elif change.id in self.log:
            earlier = self.log[change.id].change
            if earlier.canonical() != change.canonical():
                raise RuleViolation(IDEMPOTENCY, text("idempotency", change=change.id))
            return change.id
        event_kwargs = {"change": change, "recorded_by": recorded_by, "timestamp": recorded_at}
        if isinstance(change, DatedChange):
            self._timeline.checking.add(change.id or "")
            self.trigger_event(self.ChangeRecorded, **event_kwargs)
        elif isinstance(change, CancelChange):
            self._check_cancellation(change)
            self.trigger_event(self.ChangeCancelled, **event_kwargs)
        elif isinstance(change, CorrectChange):
            self._check_correction(change)
            self._timeline.checking.add(change.replacement.id or "")
            self.trigger_event(self.ChangeCorrected, **event_kwargs)
            self.trigger_event(
                self.ReplacementRecorded,
                change=change.replacement,
                corrects=change.change,
                recorded_by=recorded_by,
                timestamp=recorded_at,
            )
        elif isinstance(change, ReportChanges):
            self._check_report(change)
            self.trigger_event(self.ChangesReported, **event_kwargs)
        elif isinstance(change, NoteReport):
            self._check_note(change)
            self.trigger_event(self.ReportNoted, **event_kwargs)
        return change.id or ""

    def _new_change_id(self) -> str:
        while True:
            candidate = uuid4().hex[:16]
            if candidate not in self.log:
                return candidate

    # --- checks that need the log rather than the timeline ---------------------------

    def _check_cancellation(self, c: CancelChange) -> None:
        what = text("cancellation:what", change=c.change)
        target = self.log.get(c.change)
        if target is None:
            raise RuleViolation(CANCELLATION, text("cancellation:unknown", what=what))
        if not isinstance(target.change, DatedChange):
            raise RuleViolation(
                CANCELLATION, text("cancellation:not-cancellable", what=what, type=target.change.TYPE)
            )
        if target.cancelled_by is not None:
            raise RuleViolation(CANCELLATION, text("cancellation:already", what=what, by=target.cancelled_by))

    def _check_correction(self, c: CorrectChange) -> None:
        what = text("correction:what", change=c.change)
        target = self.log.get(c.change)
        if target is None:
            raise RuleViolation(CORRECTION, text("correction:unknown", what=what))
        if not isinstance(target.change, DatedChange):
            raise RuleViolation(
                CORRECTION, text("correction:not-correctable", what=what, type=target.change.TYPE)
            )
        if target.cancelled_by is not None:
            raise RuleViolation(CORRECTION, text("correction:cancelled", what=what, by=target.cancelled_by))
        replacement = c.replacement.id or ""
        if replacement in self.log:
            raise RuleViolation(
                CORRECTION, text("correction:replacement-id", what=what, replacement=replacement)
            )

    def _check_report(self, c: ReportChanges) -> None:
        what = text("reporting:what", to=c.to, meeting=c.meeting)
        board = self.timeline.unit_on(c.to, c.meeting)
        if board is None or board.kind != "board":
            where = (
                text("reporting:no-board")
                if board is None
                else text("reporting:kind", kind=a_kind(board.kind))
            )
            raise RuleViolation(
                REPORTING, text("reporting:not-a-board", what=what, to=c.to, where=where, meeting=c.meeting)
            )
        seen: set[str] = set()
        for change_id in c.changes:
            target = self.log.get(change_id)
            if change_id in seen:
                raise RuleViolation(REPORTING, text("reporting:twice", what=what, change=change_id))
            seen.add(change_id)
            if target is None:
                raise RuleViolation(REPORTING, text("reporting:unknown", what=what, change=change_id))
            if type_of(target.stored) in (ReportChanges.TYPE, NoteReport.TYPE):  # (not made again)
                raise RuleViolation(REPORTING, text("reporting:is-report", what=what, change=change_id))
            if target.cancelled_by is not None:
                raise RuleViolation(
                    REPORTING,
                    text("reporting:cancelled", what=what, change=change_id, by=target.cancelled_by),
                )
            earlier = self.reported_to(c.to, change_id)
            if earlier is not None:
                raise RuleViolation(
                    REPORTING, text("reporting:already", what=what, change=change_id, to=c.to, day=earlier)
                )

    def _check_note(self, c: NoteReport) -> None:
        what = text("reporting:note-what", to=c.to, meeting=c.meeting)
        report = self.reports.get((c.to, c.meeting))
        if report is None:
            raise RuleViolation(REPORTING, text("reporting:nothing", what=what))
        if report.noted_paragraph is not None:
            raise RuleViolation(
                REPORTING, text("reporting:noted", what=what, paragraph=report.noted_paragraph)
            )

    # --- queries on the aggregate ------------------------------------------------

    def reported_to(self, board: str, change_id: str) -> date | None:
        for (to, meeting), report in self.reports.items():
            if to == board and change_id in report.change_ids:
                return meeting
        return None

    def log_change(self, change: Change, seq: int, at: datetime, by: str) -> None:
        self._put(self.log, change.id or "", Recorded(change, seq, at, by))


EVENT_CLASSES: tuple[type[Aggregate.Event], ...] = (
    Register.Started,
    Register.Named,
    Register.ChangeRecorded,
    Register.ChangeCancelled,
    Register.ChangesReported,
    Register.ReportNoted,
)


def _register_legacy_topics() -> None:
    """The module-path topics of 0.1.0 and earlier name the same classes as the names above."""
    register_topic(f"{LEGACY_MODULE}:Register", Register)
    for event_class in EVENT_CLASSES:
        register_topic(f"{LEGACY_MODULE}:Register.{event_class.__name__}", event_class)


_register_legacy_topics()
