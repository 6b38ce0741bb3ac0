"""Drafts (utkast): changes a registrar is preparing, kept by the service until recorded.

A draft is a change file (`orgchange/v1`, the same form as a file an engineer writes)
with a name, who made it, when, its status (open, recorded, discarded) and a revision
number. It is no part of the register: its changes become events only when the draft
is recorded, through the same path as `POST /changes`. Like the API tokens it cannot be
rebuilt from the events, so its table is made the same way (`create_tables`) and
backed up with them (docs/drafts.md).

Two registrars editing one draft never lose an edit silently: each save names the
revision it was made from, and a save from an older revision is refused
(`DRAFT_CHANGED`) with the draft as it now stands.

Checking and previewing a draft record its changes in a transaction that is rolled
back (`OrgChange.try_out`): the answer comes from the code that records, against the
register as it stands today. A draft made before later changes were recorded is
re-checked against them; what no longer fits is a conflict (`DRAFT_CONFLICT`).
"""

from __future__ import annotations

import json
import re
import secrets
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from dataclasses import field as default
from datetime import UTC, date, datetime
from typing import Any, ClassVar, Protocol

from sqlalchemy import (
    Column,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
    insert,
    select,
    update,
)

from orgchange.application.changefile import FORMAT, ChangeFile, _load_text, parse_change
from orgchange.application.errors import MalformedInput, ReadOnlyRegister
from orgchange.application.service import OrgChange, RecordResult
from orgchange.domain import messages
from orgchange.domain.changes import Change, DatedChange
from orgchange.domain.errors import ChangeRejected, OrgChangeError
from orgchange.domain.findings import Finding
from orgchange.domain.register import Register
from orgchange.domain.remedies import remedies
from projections.delegations import Gap
from projections.queries import OrgDiff, compare_organisations
from projections.read_model import ReadModel
from projections.rows import UnitRow
from projections.tables import UTCDateTime

MAX_NAME_LENGTH = 200
DEFAULT_MAX_OPEN_DRAFTS = 50  # per registrar; ORGCHANGE_MAX_DRAFTS_PER_USER
MAX_REFUSED = 10  # changes a check names as refused by the register

OPEN, RECORDED, DISCARDED = "open", "recorded", "discarded"
STATUSES = (OPEN, RECORDED, DISCARDED)

metadata = MetaData()

drafts = Table(
    "drafts",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(MAX_NAME_LENGTH), nullable=False),
    Column("file", Text, nullable=False),  # the change file, as JSON
    Column("created_by", String(100), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("status", String(16), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("based_on", Integer, nullable=False),  # the register's last event id when last saved
    Column("recorded_ids", Text),  # JSON list of the change ids, once recorded
    Index("ix_drafts_created_by_status", "created_by", "status"),
)


def create_tables(engine: Engine) -> None:
    metadata.create_all(engine)


# --- errors ------------------------------------------------------------------------------


class DraftError(OrgChangeError):
    """A draft could not be read, saved or recorded as asked: a message of the catalogue, put
    into words in the language of where it is shown; `code` is each kind's own."""

    code: ClassVar[str]

    def __init__(self, message: messages.Text, **details: Any):
        self.details = details
        super().__init__(message)

    @property
    def message(self) -> str:
        return str(self)


class DraftNotFound(DraftError):
    code = "DRAFT_NOT_FOUND"


class DraftChanged(DraftError):
    """Saved from an older revision: someone else saved the draft in between."""

    code = "DRAFT_CHANGED"


class DraftClosed(DraftError):
    """The draft was recorded or discarded: it can no longer be changed."""

    code = "DRAFT_CLOSED"


class DraftInvalid(DraftError):
    """A name or a file that a draft cannot hold."""

    code = "DRAFT_INVALID"


class TooManyDrafts(DraftError):
    code = "DRAFT_LIMIT"


class DraftTooLarge(DraftError):
    code = "DRAFT_TOO_LARGE"


class DraftConflict(DraftError):
    """The register changed after the draft was made, and the draft no longer fits it."""

    code = "DRAFT_CONFLICT"


class DecisionMissing(DraftError):
    """A change of the draft lacks the decision it is to be recorded under."""

    code = "DRAFT_DECISION_MISSING"


# --- the draft ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Draft:
    id: str
    name: str
    file: dict[str, Any]
    created_by: str
    created_at: datetime
    updated_at: datetime
    status: str
    revision: int
    based_on: int
    recorded_ids: list[str] = default(default_factory=list)

    @property
    def entries(self) -> list[Any]:
        changes = self.file.get("changes")
        return changes if isinstance(changes, list) else []


@dataclass(frozen=True)
class Problem:
    """What is wrong with one change of a draft (or with the file, `index` None)."""

    code: str  # MALFORMED_INPUT, CHANGE_REJECTED or DRAFT_CONFLICT
    message: str  # in Swedish, naming the change
    index: int | None = None  # 1-based place of the change in the draft
    change_id: str | None = None
    field: str | None = None  # the field concerned, where it is known
    rule: str | None = None
    conflicts: list[str] = default(default_factory=list)  # later recorded changes it would break


@dataclass(frozen=True)
class Check:
    """A draft checked against the register as it stands: `problems` empty when it fits."""

    problems: list[Problem]
    based_on: int  # the register's last event when the draft was last saved
    register_at: int  # the register's last event now

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def stale(self) -> bool:
        """Changes were recorded after the draft was last saved."""
        return self.register_at > self.based_on

    @property
    def conflicting(self) -> bool:
        return any(p.code == DraftConflict.code for p in self.problems)


@dataclass(frozen=True)
class Sentence:
    change_id: str
    type: str
    effective: date | None
    summary: str


@dataclass(frozen=True)
class GapFix:
    """A delegation the draft would leave without a delegate, and the changes that would mend it."""

    board: str
    gap: Gap
    fixes: list[dict[str, Any]]  # change-file entries, the amendment (if any) first
    reasons: list[str]


@dataclass(frozen=True)
class Preview:
    """What recording the draft would do (konsekvenser), as of `as_of`: its last effective day."""

    as_of: date
    diff: OrgDiff
    sentences: list[Sentence]
    gaps: list[GapFix]
    closed: list[Gap]
    findings: list[Finding]
    before: list[UnitRow]  # the part of the organisation the draft touches, before …
    after: list[UnitRow]  # … and after

    @property
    def boards(self) -> list[str]:
        return sorted({fix.board for fix in self.gaps})


class Recorder(Protocol):
    """How the service records and tries out changes (api.recording.ChangeRecorder): one
    writer at a time per process, the same path as `POST /changes`."""

    def record(
        self, changes: Sequence[Change], recorded_by: str, organisation: str | None = None
    ) -> RecordResult: ...

    def try_out(
        self,
        changes: Sequence[Change],
        look_before: Callable[[ReadModel], Any],
        look_after: Callable[[ReadModel, Register, list[str], Any], Any],
        recorded_by: str,
    ) -> Any: ...


class Drafts:
    """The drafts of one register: stored beside it, checked, previewed and recorded."""

    def __init__(
        self,
        orgchange: OrgChange,
        recorder: Recorder,
        max_changes: int = 5_000,
        max_bytes: int = 20_000_000,
        max_open_per_user: int = DEFAULT_MAX_OPEN_DRAFTS,
    ):
        self.orgchange = orgchange
        self.recorder = recorder
        self.max_changes = max_changes
        self.max_bytes = max_bytes
        self.max_open_per_user = max_open_per_user

    @property
    def engine(self) -> Engine:
        return self.orgchange.engine

    # --- storage -------------------------------------------------------------------------

    def listed(self, status: str | None = None) -> list[Draft]:
        query = select(drafts).order_by(drafts.c.updated_at.desc(), drafts.c.id)
        if status is not None:
            query = query.where(drafts.c.status == status)
        with self.engine.connect() as connection:
            return [_draft(row) for row in connection.execute(query)]

    def get(self, draft_id: str) -> Draft:
        with self.engine.connect() as connection:
            row = connection.execute(select(drafts).where(drafts.c.id == draft_id)).first()
        if row is None:
            raise DraftNotFound(messages.text("DRAFT_NOT_FOUND", id=_shown(draft_id)), id=draft_id)
        return _draft(row)

    def _writing(self) -> None:
        if self.orgchange.read_only:
            raise ReadOnlyRegister()

    def create(self, name: str, file: Any, created_by: str) -> Draft:
        self._writing()
        name = _valid_name(name)
        document = self._valid_file(file if file is not None else {"format": FORMAT, "changes": []})
        now = datetime.now(UTC)
        draft_id = secrets.token_hex(8)
        create_tables(self.engine)  # made at the service's start; here if it could not be then
        with self.engine.begin() as connection:
            open_drafts = connection.execute(
                select(func.count())
                .select_from(drafts)
                .where(drafts.c.created_by == created_by, drafts.c.status == OPEN)
            ).scalar_one()
            if open_drafts >= self.max_open_per_user:
                raise TooManyDrafts(
                    messages.text("DRAFT_LIMIT", user=created_by, count=open_drafts),
                    limit=self.max_open_per_user,
                )
            connection.execute(
                insert(drafts).values(
                    id=draft_id,
                    name=name,
                    file=document,
                    created_by=created_by,
                    created_at=now,
                    updated_at=now,
                    status=OPEN,
                    revision=1,
                    based_on=self.orgchange.last_event_id(),
                )
            )
        return self.get(draft_id)

    def update(self, draft_id: str, file: Any, revision: int | None = None, name: str | None = None) -> Draft:
        """Save a new version of the draft's file; from `revision`, if given, or refused.

        The save is one conditional UPDATE (`WHERE revision = r`): of two saves from the
        same revision exactly one is kept, whichever process makes it.
        """
        document = self._valid_file(file)
        values: dict[str, Any] = {"file": document}
        if name is not None:
            values["name"] = _valid_name(name)
        return self._save(draft_id, values, revision)

    def edit(
        self,
        draft_id: str,
        index: int | None,
        entry: dict[str, Any] | None,
        revision: int | None = None,
        replace: bool = False,
    ) -> Draft:
        """One change added (at `index`, from 1; at the end if None), replaced or removed
        (`entry` None), from `revision` if given, else from the draft as read here: an edit
        made by someone else in between is refused, never overwritten."""
        current = self.get(draft_id)
        entries = list(current.entries)
        last = len(entries) + (0 if replace or entry is None else 1)
        if index is not None and not 1 <= index <= last:
            raise DraftInvalid(
                messages.text("DRAFT_INVALID:no-entry", index=index, count=len(entries)), index=index
            )
        at = (index if index is not None else last) - 1
        if entry is None:
            del entries[at]
        elif replace:
            entries[at] = entry
        else:
            entries.insert(at, entry)
        expected = current.revision if revision is None else revision
        return self.update(draft_id, dict(current.file, changes=entries), expected)

    def discard(self, draft_id: str, revision: int | None = None) -> Draft:
        current = self.get(draft_id)
        if current.status == DISCARDED:
            return current  # discarding again changes nothing
        return self._save(draft_id, {"status": DISCARDED}, revision)

    def _save(
        self, draft_id: str, values: dict[str, Any], revision: int | None, rebase: bool = True
    ) -> Draft:
        """Save `values` from `revision` (None: the current one). `rebase`: the draft is now
        based on the register as it stands (a registrar's edit, checked against it)."""
        self._writing()
        current = self.get(draft_id)
        if current.status != OPEN:
            raise DraftClosed(
                messages.text("DRAFT_CLOSED", name=current.name, status=_status_words(current.status)),
                status=current.status,
            )
        expected = current.revision if revision is None else revision
        if expected != current.revision:
            raise _changed(current)
        with self.engine.begin() as connection:
            done = connection.execute(
                update(drafts)
                .where(drafts.c.id == draft_id, drafts.c.revision == expected, drafts.c.status == OPEN)
                .values(
                    revision=expected + 1,
                    updated_at=datetime.now(UTC),
                    **({"based_on": self.orgchange.last_event_id()} if rebase else {}),
                    **values,
                )
            )
        if done.rowcount != 1:
            raise _changed(self.get(draft_id))
        return self.get(draft_id)

    def _valid_file(self, file: Any) -> str:
        """The file as stored (JSON text): a change file in form, within the bounds. Its
        changes need not be complete yet — a draft is work in progress; `check` says
        what is missing, change by change."""
        if isinstance(file, str | bytes):  # YAML or JSON text, read as every change file is
            file = _load_text(file, "utkastet")
        if not isinstance(file, dict):
            raise DraftInvalid(messages.text("DRAFT_INVALID:not-a-file"))
        unknown = sorted(str(key) for key in file if key not in ("format", "organisation", "changes"))
        if unknown:
            raise DraftInvalid(messages.text("DRAFT_INVALID:unknown-fields", fields=", ".join(unknown)))
        if file.get("format") != FORMAT:
            raise DraftInvalid(messages.text("DRAFT_INVALID:format", format=FORMAT))
        changes = file.get("changes", [])
        if not isinstance(changes, list):
            raise DraftInvalid(messages.text("DRAFT_INVALID:changes"))
        if len(changes) > self.max_changes:
            raise DraftTooLarge(
                messages.text("DRAFT_TOO_LARGE", count=len(changes), limit=self.max_changes),
                limit=self.max_changes,
            )
        text = json.dumps(file, ensure_ascii=False, sort_keys=False)
        if len(text.encode("utf-8")) > self.max_bytes:
            raise DraftTooLarge(
                messages.text("DRAFT_TOO_LARGE:bytes", limit=self.max_bytes), limit=self.max_bytes
            )
        return text

    # --- checking and previewing --------------------------------------------------------------

    def parse(self, draft: Draft) -> tuple[ChangeFile | None, list[Problem]]:
        """The draft's changes read as a change file's, or the problems of form, one per field."""
        problems: list[Problem] = []
        changes: list[Change] = []
        for index, entry in enumerate(draft.entries, start=1):
            try:
                changes.append(parse_change(entry, index))
            except MalformedInput as error:
                change_id = entry.get("id") if isinstance(entry, dict) else None
                for reason in error.reasons:
                    problems.append(
                        Problem(
                            "MALFORMED_INPUT",
                            _named(messages.render(reason)),
                            index,
                            change_id if isinstance(change_id, str) else None,
                            # The field, read from the words of one language whatever is shown.
                            _field_of(messages.render(reason, messages.ENGLISH)),
                            "malformed-input",
                        )
                    )
        organisation = draft.file.get("organisation")
        if organisation is not None and not isinstance(organisation, str):
            problems.append(
                Problem(
                    "MALFORMED_INPUT",
                    messages.text("malformed-input:draft-organisation").render(),
                    field="organisation",
                )
            )
            organisation = None
        if problems:
            return None, problems
        return ChangeFile(changes, organisation or None), []

    def check(self, draft: Draft) -> Check:
        """The draft against the register plus its own earlier changes, as recording would check it."""
        check, _ = self._try(draft, preview=False)
        return check

    def preview(self, draft: Draft) -> tuple[Check, Preview | None]:
        """The check, and what the draft would do if it passes: None when it is refused."""
        return self._try(draft, preview=True)

    def _try(self, draft: Draft, preview: bool) -> tuple[Check, Preview | None]:
        register_at = self.orgchange.last_event_id()
        change_file, problems = self.parse(draft)
        if change_file is None or not change_file.changes:
            return Check(problems, draft.based_on, register_at), None
        changes = change_file.changes
        days = sorted({c.effective for c in changes if isinstance(c, DatedChange)})
        as_of = days[-1] if days else date.today()

        def look_before(model: ReadModel) -> dict[str, Any]:
            if not preview:
                return {}
            return {
                "units": model.organisation(as_of),
                "posts": model.units_of_posts(as_of),
                "gaps": {day: model.delegations.gaps(day) for day in days},
            }

        def look_after(model: ReadModel, register: Register, ids: list[str], before: dict) -> Preview | None:
            if not preview:
                return None
            return _preview(model, register, ids, before, days, as_of)

        try:
            answer = self.recorder.try_out(changes, look_before, look_after, draft.created_by)
        except ChangeRejected as rejected:
            stale = register_at > draft.based_on
            found = self._refused(changes, rejected, draft.created_by)
            listed = [_rejected(r, stale, draft.entries[index - 1]) for index, r in found]
            return Check(listed, draft.based_on, register_at), None
        return Check([], draft.based_on, register_at), answer

    def _refused(
        self, changes: Sequence[Change], first: ChangeRejected, recorded_by: str
    ) -> list[tuple[int, ChangeRejected]]:
        """Every change of the draft the register refuses (at most `MAX_REFUSED`), each with its
        place in the draft: after the first, the draft is checked again without the changes
        refused so far, on the register in memory and undone after (the rules are the domain's; nothing
        is written). A change that needs a refused one is refused too, in its own words."""
        places = list(range(1, len(changes) + 1))
        found = [(first.index, first)]
        del places[first.index - 1]
        while places and len(found) < MAX_REFUSED:
            try:
                with self.orgchange._command(keep=False) as register:  # (undone: nothing is written)
                    at = self.orgchange._next_instant(register)
                    register.record([changes[i - 1] for i in places], recorded_by, at)
            except ChangeRejected as rejected:
                place = places.pop(rejected.index - 1)
                found.append((place, replace(rejected, index=place)))
                continue
            break
        return sorted(found, key=lambda item: item[0])

    # --- recording ------------------------------------------------------------------------------

    def record(self, draft_id: str, recorded_by: str) -> Draft:
        """Record the whole draft, all or nothing, through the path of `POST /changes`; close it.

        Its changes are first given ids where they have none (`<draft id>-<n>`), saved in the
        draft: recording again after a failure part-way is idempotent, as for any change file.
        Recording an already recorded draft answers its recorded changes again.
        """
        draft = self.get(draft_id)
        if draft.status == RECORDED:
            return draft
        if draft.status != OPEN:
            raise DraftClosed(messages.text("DRAFT_CLOSED:record", name=draft.name), status=draft.status)
        change_file, problems = self.parse(draft)
        if change_file is None:
            raise MalformedInput([p.message for p in problems])
        if not change_file.changes:
            raise DraftInvalid(messages.text("DRAFT_INVALID:empty", name=draft.name))
        missing = [
            (index, c.id)
            for index, c in enumerate(change_file.changes, start=1)
            if isinstance(c, DatedChange)
            and (
                c.decision is None
                or c.decision.date is None
                or (c.decision.body is None and c.decision.position is None)
            )
        ]
        if missing:
            named = ", ".join(
                messages.text(
                    "DRAFT_DECISION_MISSING:change", index=i, ident=f" ({cid})" if cid else ""
                ).render()
                for i, cid in missing[:10]
            )
            raise DecisionMissing(
                messages.text("DRAFT_DECISION_MISSING", named=named), changes=[i for i, _ in missing]
            )
        # The claim: the ids given where missing, saved from the revision read. A save made in
        # between is told (DRAFT_CHANGED) rather than recorded over, and one made from the
        # revision read here is refused from now on.
        entries = [
            dict(entry, id=f"{draft.id}-{index}")
            if isinstance(entry, dict) and not entry.get("id")
            else entry
            for index, entry in enumerate(draft.entries, start=1)
        ]
        file = json.dumps(dict(draft.file, changes=entries), ensure_ascii=False)
        draft = self._save(draft.id, {"file": file}, draft.revision, rebase=False)
        change_file, _ = self.parse(draft)
        assert change_file is not None  # ids were added to changes that were in form
        try:
            result = self.recorder.record(change_file.changes, recorded_by, change_file.organisation)
        except ChangeRejected as rejected:
            if self.orgchange.last_event_id() > draft.based_on:
                problem = _rejected(rejected, stale=True)
                raise DraftConflict(_rejected_text(rejected, stale=True), problem=problem) from None
            raise
        with self.engine.begin() as connection:
            connection.execute(
                update(drafts)
                .where(drafts.c.id == draft.id, drafts.c.status == OPEN)
                .values(
                    status=RECORDED,
                    recorded_ids=json.dumps(result.ids),
                    revision=drafts.c.revision + 1,
                    updated_at=datetime.now(UTC),
                )
            )
        return self.get(draft.id)


# --- helpers ------------------------------------------------------------------------------------


def _preview(
    model: ReadModel, register: Register, ids: list[str], before: dict, days: list[date], as_of: date
) -> Preview:
    rows = model.changes_by_id(list(dict.fromkeys(ids)))
    by_change = model.findings.of_changes(rows)
    after_units = model.organisation(as_of)
    diff = compare_organisations(before["units"], after_units, before["posts"], model.units_of_posts(as_of))
    opened: dict[str, Gap] = {}
    closed: dict[str, Gap] = {}
    for day in days:
        old = {g.delegation_id: g for g in before["gaps"][day]}
        new = {g.delegation_id: g for g in model.delegations.gaps(day)}
        for key in new.keys() - old.keys():
            opened.setdefault(key, new[key])
        for key in old.keys() - new.keys():
            closed.setdefault(key, old[key])
    timeline = register.timeline
    gaps = []
    for gap in sorted(opened.values(), key=lambda g: (g.since, g.delegation_id)):
        version = timeline.delegation_on(gap.delegation_id, gap.since)
        found = remedies(timeline, gap.delegation_id, gap.missing_delegate, gap.since)
        gaps.append(
            GapFix(
                board=version.board if version else "",
                gap=gap,
                fixes=[r.entry for r in found],
                reasons=[r.reason for r in found],
            )
        )
    affected = {u for row in rows for u in row.unit_ids}
    return Preview(
        as_of=as_of,
        diff=diff,
        sentences=[Sentence(r.id, r.type, r.effective, r.summary) for r in rows],
        gaps=gaps,
        closed=sorted(closed.values(), key=lambda g: (g.since, g.delegation_id)),
        findings=[f for row in rows for f in by_change.get(row.id, [])],
        before=_neighbourhood(before["units"], affected),
        after=_neighbourhood(after_units, affected),
    )


def _neighbourhood(units: list[UnitRow], affected: set[str]) -> list[UnitRow]:
    """The affected units with their parents and children: the part of the chart a reader needs."""
    keep = set(affected)
    for unit in units:
        if unit.id in affected and unit.parent_id:
            keep.add(unit.parent_id)
        if unit.parent_id in affected:
            keep.add(unit.id)
    return [unit for unit in units if unit.id in keep]


def _rejected_text(rejected: ChangeRejected, stale: bool) -> messages.Text:
    """A refused change named by its place in the draft; `stale`: refused for changes recorded since."""
    ident = f" ({rejected.change_id})" if rejected.change_id else ""
    return messages.text(
        "DRAFT_CONFLICT" if stale else "DRAFT_CONFLICT:rejected",
        label=messages.text("DRAFT_CONFLICT:label", index=rejected.index, ident=ident),
        type=rejected.change_type,
        reason=rejected.violation.reason,
    )


def _rejected(rejected: ChangeRejected, stale: bool, entry: Any = None) -> Problem:
    conflicts = [c.describe() for c in rejected.conflicts]
    text = rejected.violation.message
    return Problem(
        "DRAFT_CONFLICT" if stale else "CHANGE_REJECTED",
        _rejected_text(rejected, stale).render(),
        rejected.index,
        rejected.change_id,
        _field_named(entry, text),
        rejected.rule,
        conflicts,
    )


_QUOTED = re.compile(r"'([^']+)'")


def _field_named(entry: Any, message: str) -> str | None:
    """The field of `entry` whose value the rule's message names last: the message says what the
    change would do and then why not ("… under 'kfv': 'kfv' is not in effect …"), so the last
    key it quotes that is a value of the change is the one at fault. None when none is."""
    if not isinstance(entry, dict):
        return None
    for quoted in reversed(_QUOTED.findall(message)):
        for name, value in entry.items():
            if name in ("type", "id", "decision", "note"):
                continue
            if value == quoted or (isinstance(value, list) and quoted in value):
                return str(name)
    return None


_FIELD = re.compile(r"field '([^']+)'")


def _field_of(text: str) -> str | None:
    found = _FIELD.search(text)
    if found:
        return found.group(1)
    return "type" if "type" in text and ("unknown type" in text or "has no 'type'" in text) else None


def _named(text: str) -> str:
    """A form problem of the change-file reader ("change #3 (id) …"), named as a draft names it
    in the language shown (the reader's own words for some problems are English only)."""
    if messages.current_language() != messages.SWEDISH:
        return text
    return re.sub(r"^change #(\d+)", r"ändring nr \1", text)


def _changed(current: Draft) -> DraftChanged:
    return DraftChanged(
        messages.text(
            "DRAFT_CHANGED",
            name=current.name,
            revision=current.revision,
            saved=f"{current.updated_at:%Y-%m-%d %H:%M}",
        ),
        revision=current.revision,
    )


def _status_words(status: str) -> str | messages.Text:
    return messages.text(f"DRAFT_CLOSED:{status}") if status in (RECORDED, DISCARDED) else status


def _draft(row: Any) -> Draft:
    return Draft(
        id=row.id,
        name=row.name,
        file=json.loads(row.file),
        created_by=row.created_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
        status=row.status,
        revision=row.revision,
        based_on=row.based_on,
        recorded_ids=json.loads(row.recorded_ids) if row.recorded_ids else [],
    )


def _valid_name(name: str) -> str:
    if not isinstance(name, str):
        raise DraftInvalid(messages.text("DRAFT_INVALID:no-name"))
    cleaned = unicodedata.normalize("NFC", name.strip())
    if not cleaned:
        raise DraftInvalid(messages.text("DRAFT_INVALID:no-name"))
    if len(cleaned) > MAX_NAME_LENGTH:
        raise DraftInvalid(messages.text("DRAFT_INVALID:long-name", limit=MAX_NAME_LENGTH))
    if any(unicodedata.category(ch).startswith("C") for ch in cleaned):
        raise DraftInvalid(messages.text("DRAFT_INVALID:control"))
    return cleaned


def _shown(value: str, limit: int = 40) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


__all__ = [
    "DISCARDED",
    "OPEN",
    "RECORDED",
    "Check",
    "DecisionMissing",
    "Draft",
    "DraftChanged",
    "DraftClosed",
    "DraftConflict",
    "DraftError",
    "DraftInvalid",
    "DraftNotFound",
    "DraftTooLarge",
    "Drafts",
    "GapFix",
    "Preview",
    "Problem",
    "TooManyDrafts",
    "create_tables",
]
