"""Delegated decisions: their rows, their checks as known over time, and their reports.

The decisions are events of their own streams (orgchange.domain.decisions); these tables are
their read model, made by the migration 0006_decisions and rebuilt from the events by
`orgchange rebuild` (docs/decisions.md#storage). A decision's check against the
delegationsordning of its day is kept bitemporally in `decision_checks`: a row holds from
the instant the register came to know it (`recorded_from`) until a later change of the
delegationsordning made another (`recorded_to`), so `knownAt` shows the findings as known then.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Date,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)

from orgchange.adapters.bulk import bulk_insert
from orgchange.domain.decisions import (
    Checked,
    DelegatedDecisionEntry,
    Holder,
    Situation,
    Terms,
    check,
)
from orgchange.domain.text import refused

from . import tables as t
from .rows import Reader, believed, chunks
from .tables import UTCDateTime

metadata = MetaData()

delegated_decisions = Table(
    "delegated_decisions",
    metadata,
    Column("decision_id", String(100), primary_key=True),
    Column("seq", Integer, nullable=False),  # recording order
    Column("delegation_ref", String(200), nullable=False),
    Column("decided_by", String(64), nullable=False),
    Column("decision_date", Date, nullable=False),
    Column("matter", Text, nullable=False),
    Column("reference", String(200)),
    Column("amount", Float),
    Column("acting_as_substitute", Boolean, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("recorded_by", String(100), nullable=False),
    Column("content", Text, nullable=False),  # the entry as recorded (idempotency)
    # The check as now known (the believed row of decision_checks), for fast lists.
    Column("delegation_id", String(64)),
    Column("board_id", String(64)),
    Column("report_to", String(64)),
    Column("not_reported", Boolean, nullable=False),
    Column("finding_count", Integer, nullable=False),
    # The board (or post) whose list shows it: `report_to`, or the board that decided not to hear of it.
    Column("listed_for", String(64)),
    # A list's whole order (keyset paging: a page is a search that stops when full), 0007.
    Index("ix_delegated_decisions_listed", "listed_for", "decision_date", "seq", "decision_id"),
    Index("ix_delegated_decisions_report_to", "report_to", "decision_date", "seq", "decision_id"),
    Index("ix_delegated_decisions_board", "board_id", "decision_date"),
    Index("ix_delegated_decisions_delegation", "delegation_id"),
    Index("ix_delegated_decisions_decided_by", "decided_by"),
    # The decisions naming a delegation by its code, re-checked when it changes (0008).
    Index("ix_delegated_decisions_ref", "delegation_ref"),
    Index("ix_delegated_decisions_date", "decision_date"),
)

decision_checks = Table(
    "decision_checks",
    metadata,
    Column("row_id", Integer, primary_key=True, autoincrement=True),
    Column("decision_id", String(100), nullable=False),
    Column("delegation_id", String(64)),
    Column("board_id", String(64)),
    Column("report_to", String(64)),
    Column("not_reported", Boolean, nullable=False),
    Column("findings", Text, nullable=False),  # a JSON list of sentences
    Column("recorded_from", UTCDateTime, nullable=False),
    Column("recorded_to", UTCDateTime),
    Index("ix_decision_checks_decision", "decision_id", "recorded_to"),
)

decision_reports = Table(
    "decision_reports",
    metadata,
    Column("decision_id", String(100), primary_key=True),
    Column("to_id", String(64), primary_key=True),
    Column("meeting", Date, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Index("ix_decision_reports_meeting", "to_id", "meeting"),
)

decision_report_meetings = Table(
    "decision_report_meetings",
    metadata,
    Column("to_id", String(64), primary_key=True),
    Column("meeting", Date, primary_key=True),
    Column("noted_paragraph", String(200)),
    Column("noted_at", UTCDateTime),
)

DECISION_TABLES = (delegated_decisions, decision_checks, decision_reports, decision_report_meetings)


# --- the check against the read models -----------------------------------------------------


@dataclass(frozen=True)
class _Version:
    """One believed version of a delegation's terms, with the days it holds."""

    terms: Terms  # valid_from/valid_to: the delegation's whole life
    start: date
    end: date | None

    def holds(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)


class Checker(Reader):
    """Checks decisions against the delegationsordning as known at one instant (None: now).

    The delegations believed at that instant are read once, in one query, and the posts and
    committees they (and the decisions) name once more: a batch of thousands of decisions,
    or a re-check after a change, costs a few queries, not a few per decision.
    """

    def __init__(self, bind: Connection, known_at: datetime | None):
        super().__init__(bind)
        self.known_at = known_at
        self._versions: dict[str, list[_Version]] | None = None
        self._by_code: dict[str, list[str]] = {}
        self._children: dict[str, list[str]] = {}
        self._holders: dict[str, tuple[date, date | None, bool, list[tuple[date, str]]]] = {}
        # A situation depends only on (delegation named, decided by, day): a file's thousands
        # of decisions share a few hundred of them, so each is made once per checker.
        self._situations: dict[tuple[str, str, date], Situation] = {}
        self._boards: dict[tuple[str, date], str | None] = {}

    # --- reading, once -----------------------------------------------------------------

    def _load(self) -> dict[str, list[_Version]]:
        if self._versions is not None:
            return self._versions
        v = t.delegation_versions
        query = (
            select(
                v.c.delegation_id,
                v.c.board_id,
                v.c.to_id,
                v.c.code,
                v.c.limit_text,
                v.c.substitute_id,
                v.c.parent_delegation_id,
                v.c.reporting,
                v.c.reserved_matter,
                v.c.valid_from,
                v.c.valid_to,
            )
            .where(believed(v, self.known_at))
            .order_by(v.c.delegation_id, v.c.valid_from)
        )
        raw: dict[str, list[Any]] = {}
        for row in self._all(query):
            raw.setdefault(row.delegation_id, []).append(row)
        versions: dict[str, list[_Version]] = {}
        for key, rows in raw.items():
            start = rows[0].valid_from
            end = None if any(r.valid_to is None for r in rows) else max(r.valid_to for r in rows)
            versions[key] = [
                _Version(
                    Terms(
                        id=key,
                        code=r.code,
                        board=r.board_id,
                        to=r.to_id,
                        limit=r.limit_text,
                        substitute=r.substitute_id,
                        parent=r.parent_delegation_id,
                        reporting=r.reporting,
                        reserved_matter=r.reserved_matter,
                        valid_from=start,
                        valid_to=end,
                    ),
                    r.valid_from,
                    r.valid_to,
                )
                for r in rows
            ]
            for r in rows:
                if r.code:
                    self._by_code.setdefault(r.code, [])
                    if key not in self._by_code[r.code]:
                        self._by_code[r.code].append(key)
                if r.parent_delegation_id:
                    children = self._children.setdefault(r.parent_delegation_id, [])
                    if key not in children:
                        children.append(key)
        self._versions = versions
        return versions

    def _load_holders(self, keys: set[str]) -> None:
        missing = sorted(k for k in keys if k not in self._holders)
        if not missing:
            return
        for table, key, label, committee in (
            (t.position_versions, "position_id", "title", False),
            (t.unit_versions, "unit_id", "name", True),
        ):
            for chunk in chunks(missing):
                query = (
                    select(table.c[key], table.c[label], table.c.valid_from, table.c.valid_to)
                    .where(table.c[key].in_(chunk), believed(table, self.known_at))
                    .order_by(table.c[key], table.c.valid_from)
                )
                rows: dict[str, list[Any]] = {}
                for row in self._all(query):
                    rows.setdefault(row[0], []).append(row)
                for k, found in rows.items():
                    end = None if any(r[3] is None for r in found) else max(r[3] for r in found)
                    self._holders[k] = (found[0][2], end, committee, [(r[2], r[1]) for r in found])

    # --- on a day ----------------------------------------------------------------------

    def _version(self, key: str, day: date) -> Terms | None:
        for version in self._load().get(key, ()):
            if version.holds(day):
                return version.terms
        return None

    def _resolve(self, ref: str, day: date) -> Terms | None:
        found = self._version(ref, day)
        if found is not None:
            return found
        for key in sorted(self._by_code.get(ref, [])):
            terms = self._version(key, day)
            if terms is not None and terms.code == ref:
                return terms
        return None

    def _life(self, ref: str) -> Terms | None:
        versions = self._load()
        key = ref if ref in versions else next(iter(sorted(self._by_code.get(ref, []))), None)
        if key is None or key not in versions:
            return None
        return versions[key][-1].terms

    def _subdelegations(self, delegation_id: str) -> list[Terms]:
        """Each version of each vidaredelegation of the delegation, with the days it held."""
        found = []
        for key in sorted(self._children.get(delegation_id, [])):
            for version in self._load()[key]:
                if version.terms.parent != delegation_id:
                    continue
                found.append(
                    Terms(**{**version.terms.__dict__, "valid_from": version.start, "valid_to": version.end})
                )
        return found

    def _holder(self, key: str, day: date) -> Holder:
        known = self._holders.get(key)
        if known is None:
            return Holder(key, key, False, None, False)
        start, end, committee, titles = known
        title = next((name for since, name in reversed(titles) if since <= day), titles[0][1])
        alive = start <= day and (end is None or day < end)
        return Holder(key, title, alive, end, committee)

    def situation(self, decision: DelegatedDecisionEntry) -> Situation:
        key = (decision.delegation, decision.decided_by, decision.date)
        found = self._situations.get(key)
        if found is None:
            found = self._situations[key] = self._situation(decision)
        return found

    def _situation(self, decision: DelegatedDecisionEntry) -> Situation:
        day = decision.date
        delegation = self._resolve(decision.delegation, day)
        life = None if delegation else self._life(decision.delegation)
        parent = None
        subs: dict[str, list[Terms]] = {}
        keys = {decision.decided_by}
        if delegation is not None:
            keys.add(delegation.to)
            if delegation.parent:
                parent = self._version(delegation.parent, day)
                if parent is not None:
                    keys.add(parent.to)
            for sub in self._subdelegations(delegation.id):
                subs.setdefault(sub.to, []).append(sub)
        self._load_holders(keys)
        return Situation(delegation, life, parent, subs, {k: self._holder(k, day) for k in keys})

    def prepare(self, decisions: Sequence[DelegatedDecisionEntry]) -> None:
        """Read the posts and committees a batch names in one go."""
        keys = {d.decided_by for d in decisions}
        for versions in self._load().values():
            for version in versions:
                keys.add(version.terms.to)
        self._load_holders(keys)

    def check(self, decision: DelegatedDecisionEntry) -> Checked:
        return check(decision, self.situation(decision))

    def board_of(self, checked: Checked, day: date) -> str | None:
        if checked.delegation_id is None:
            return None
        key = (checked.delegation_id, day)
        if key not in self._boards:
            terms = self._version(checked.delegation_id, day) or self._life(checked.delegation_id)
            self._boards[key] = terms.board if terms else None
        return self._boards[key]


# --- writing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredDecision:
    entry: DelegatedDecisionEntry
    recorded_at: datetime


def entry_of(content: str) -> DelegatedDecisionEntry:
    return DelegatedDecisionEntry.model_validate(json.loads(content))


def content_of(entry: DelegatedDecisionEntry) -> str:
    return json.dumps(entry.canonical(), sort_keys=True, ensure_ascii=False)


def recorded_contents(connection: Connection, ids: Sequence[str]) -> dict[str, str]:
    d = delegated_decisions
    found: dict[str, str] = {}
    for chunk in chunks(list(ids)):
        found.update(
            (row[0], row[1])
            for row in connection.execute(
                select(d.c.decision_id, d.c.content).where(d.c.decision_id.in_(chunk))
            )
        )
    return found


def _check_row(
    decision_id: str, board: str | None, checked: Checked, at: Any, findings: str | None = None
) -> dict[str, Any]:
    return {
        "decision_id": decision_id,
        "delegation_id": checked.delegation_id,
        "board_id": board,
        "report_to": checked.report_to,
        "not_reported": checked.not_reported,
        "findings": findings if findings is not None else _findings_text(checked.findings),
        "recorded_from": at,
        "recorded_to": None,
    }


def _findings_text(findings: tuple[str, ...]) -> str:
    return json.dumps(list(findings), ensure_ascii=False)


def listed_for(checked: Checked, board: str | None) -> str | None:
    """Whose list shows the decision: where it is reported, or the board that decided not to hear of it."""
    return checked.report_to or (board if checked.not_reported else None)


def _board_of(checker: Checker, checked: Checked, day: date) -> str | None:
    return checker.board_of(checked, day)


def write_decisions(
    connection: Connection,
    entries: Sequence[DelegatedDecisionEntry],
    recorded_by: str,
    at: datetime,
    canonicals: Sequence[dict[str, Any]] | None = None,
) -> None:
    """Insert new decisions with their first check, as the register knows it at `at`.

    `canonicals`: each entry's `canonical()`, where the caller already made them (for the
    event). The rows go in by the bulk path, two statements for the whole batch; the instant
    is converted for the driver once, not once per row."""
    if not entries:
        return
    checker = Checker(connection, at)
    checker.prepare(entries)
    d = delegated_decisions
    seq = connection.execute(select(func.coalesce(func.max(d.c.seq), 0))).scalar_one()
    processor = d.c.recorded_at.type.bind_processor(connection.dialect)
    stored_at = processor(at) if processor is not None else at
    texts: dict[tuple[str, ...], str] = {}
    decisions, checks = [], []
    for index, entry in enumerate(entries):
        seq += 1
        checked = checker.check(entry)
        board = _board_of(checker, checked, entry.date)
        findings = texts.get(checked.findings)
        if findings is None:
            findings = texts[checked.findings] = _findings_text(checked.findings)
        canonical = canonicals[index] if canonicals is not None else entry.canonical()
        decisions.append(
            {
                "decision_id": entry.id,
                "seq": seq,
                "delegation_ref": entry.delegation,
                "decided_by": entry.decided_by,
                "decision_date": entry.date,
                "matter": entry.matter,
                "reference": entry.reference,
                "amount": entry.amount,
                "acting_as_substitute": entry.acting_as_substitute,
                "recorded_at": stored_at,
                "recorded_by": recorded_by,
                "content": json.dumps(canonical, sort_keys=True, ensure_ascii=False),
                "delegation_id": checked.delegation_id,
                "board_id": board,
                "report_to": checked.report_to,
                "not_reported": checked.not_reported,
                "finding_count": len(checked.findings),
                "listed_for": listed_for(checked, board),
            }
        )
        checks.append(_check_row(entry.id, board, checked, stored_at, findings))
    bulk_insert(connection, d, decisions, ready=("recorded_at",))
    bulk_insert(connection, decision_checks, checks, ready=("recorded_from",))


def affected_by(connection: Connection, changed: Mapping[str, set[str]]) -> list[str]:
    """The decisions whose check a transaction of the register may have changed: those under
    (or naming) a delegation it changed, or its parent or vidaredelegations, and those decided
    by or under a post or committee it changed. Nothing else is re-checked.

    What the transaction changed is `changed`: the keys whose versions it closed or added,
    per key column, as the writer that has just written it tells (a rebuild: as
    `register_changes` reads them) — not read back from the version tables by the recording
    instant, which no index serves."""
    touched = {key: set(changed.get(key, ())) for key in ("delegation_id", "position_id", "unit_id")}
    delegations = touched["delegation_id"]
    holders = touched["position_id"] | touched["unit_id"]
    if not delegations and not holders:
        return []
    v = t.delegation_versions
    related = set(delegations)
    conditions = []
    if delegations:
        conditions += [
            v.c.parent_delegation_id.in_(sorted(delegations)),
            v.c.delegation_id.in_(sorted(delegations)),
        ]
    if holders:
        conditions += [v.c.to_id.in_(sorted(holders)), v.c.substitute_id.in_(sorted(holders))]
    rows = connection.execute(
        select(v.c.delegation_id, v.c.parent_delegation_id, v.c.code).where(
            v.c.recorded_to.is_(None), or_(*conditions)
        )
    ).all()
    codes = set()
    for key, parent, code in rows:
        related.add(key)
        if parent:
            related.add(parent)
        if code:
            codes.add(code)
    # vidaredelegations of what is related (their delegate's mandate rests on it)
    if related:
        for (key,) in connection.execute(
            select(v.c.delegation_id).where(
                v.c.recorded_to.is_(None), v.c.parent_delegation_id.in_(sorted(related))
            )
        ):
            related.add(key)
    d = delegated_decisions
    refs = sorted(related | codes)
    found: set[str] = set()
    for chunk in chunks(sorted(related)):
        found.update(
            r[0] for r in connection.execute(select(d.c.decision_id).where(d.c.delegation_id.in_(chunk)))
        )
    for chunk in chunks(refs):
        found.update(
            r[0] for r in connection.execute(select(d.c.decision_id).where(d.c.delegation_ref.in_(chunk)))
        )
    for chunk in chunks(sorted(holders)):
        found.update(
            r[0] for r in connection.execute(select(d.c.decision_id).where(d.c.decided_by.in_(chunk)))
        )
    found.update(r[0] for r in connection.execute(select(d.c.decision_id).where(d.c.delegation_id.is_(None))))
    return sorted(found)


def recheck(connection: Connection, decision_ids: Sequence[str], at: datetime) -> int:
    """Check the decisions again as the register knows them at `at`; a check that came out
    otherwise closes the believed row and adds the new one. Returns how many changed."""
    if not decision_ids:
        return 0
    checker = Checker(connection, at)
    d, c = delegated_decisions, decision_checks
    changed = 0
    for chunk in chunks(list(decision_ids), 2000):
        current = {
            r.decision_id: r
            for part in chunks(list(chunk))
            for r in connection.execute(select(c).where(c.c.decision_id.in_(part), c.c.recorded_to.is_(None)))
        }
        stored = [
            (decision_id, entry_of(content))
            for part in chunks(list(chunk))
            for decision_id, content in connection.execute(
                select(d.c.decision_id, d.c.content).where(d.c.decision_id.in_(part))
            )
        ]
        checker.prepare([entry for _, entry in stored])
        closed: list[int] = []
        rows: list[dict[str, Any]] = []
        for decision_id, entry in stored:
            checked = checker.check(entry)
            board = _board_of(checker, checked, entry.date)
            row = _check_row(decision_id, board, checked, at)
            old = current.get(decision_id)
            if old is not None and all(
                getattr(old, k) == row[k]
                for k in ("delegation_id", "board_id", "report_to", "not_reported", "findings")
            ):
                continue
            changed += 1
            if old is not None:
                closed.append(old.row_id)
            rows.append(row)
            connection.execute(
                update(d)
                .where(d.c.decision_id == decision_id)
                .values(
                    delegation_id=checked.delegation_id,
                    board_id=board,
                    report_to=checked.report_to,
                    not_reported=checked.not_reported,
                    finding_count=len(checked.findings),
                    listed_for=listed_for(checked, board),
                )
            )
        for start in range(0, len(closed), 500):
            part = closed[start : start + 500]
            connection.execute(update(c).where(c.c.row_id.in_(part)).values(recorded_to=at))
        bulk_insert(connection, c, rows)
    return changed


def write_report(
    connection: Connection, to: str, meeting: date, decision_ids: Sequence[str], at: datetime
) -> None:
    r, m = decision_reports, decision_report_meetings
    connection.execute(
        insert(r),
        [{"decision_id": i, "to_id": to, "meeting": meeting, "recorded_at": at} for i in decision_ids],
    )
    exists = connection.execute(select(m.c.to_id).where(m.c.to_id == to, m.c.meeting == meeting)).first()
    if exists is None:
        connection.execute(insert(m).values(to_id=to, meeting=meeting))


def write_note(connection: Connection, to: str, meeting: date, paragraph: str, at: datetime) -> None:
    m = decision_report_meetings
    connection.execute(
        update(m)
        .where(m.c.to_id == to, m.c.meeting == meeting)
        .values(noted_paragraph=paragraph, noted_at=at)
    )


def any_recorded(connection: Connection) -> bool:
    d = delegated_decisions
    return connection.execute(select(d.c.decision_id).limit(1)).first() is not None


def clear(connection: Connection) -> None:
    for table in DECISION_TABLES:
        connection.execute(delete(table))


def register_changes(connection: Connection, since: datetime) -> dict[datetime, dict[str, set[str]]]:
    """The instants after `since` at which the register changed posts, committees or
    delegations, each with the keys whose versions it closed or added then (per key column,
    as the writer tells a write's): one read of each version table, for a rebuild's catching up."""
    found: dict[datetime, dict[str, set[str]]] = {}
    for table, key in (
        (t.delegation_versions, "delegation_id"),
        (t.position_versions, "position_id"),
        (t.unit_versions, "unit_id"),
    ):
        for column in (table.c.recorded_from, table.c.recorded_to):
            for at, k in connection.execute(select(column, table.c[key]).distinct().where(column > since)):
                found.setdefault(at, {}).setdefault(key, set()).add(k)
    return found


# --- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DecisionRow:
    id: str
    delegation_id: str | None
    delegation_ref: str
    decided_by: str
    date: dt.date
    matter: str
    reference: str | None
    amount: float | None
    acting_as_substitute: bool
    board_id: str | None
    report_to: str | None
    not_reported: bool
    findings: tuple[str, ...]
    reported_to: str | None
    reported_at: dt.date | None  # the meeting it was reported to
    noted_paragraph: str | None
    recorded_at: datetime
    recorded_by: str
    seq: int = 0  # recording order

    @property
    def position(self) -> Position:
        return (self.date, self.seq, self.id)


@dataclass(frozen=True)
class DecisionPage:
    rows: list[DecisionRow]
    total: int | None  # None: not counted (asked only when wanted: a count reads every match)
    has_next: bool
    end_cursor: str | None


# A place in a list by decision date: (date, recording order, id). The id breaks ties, so the
# place is exact even where two writers gave two decisions the same recording order.
Position = tuple[date, int, str]
CURSOR_KIND = "decision"


def cursor_of(place: int | Position) -> str:
    """A cursor after `place`: a position (keyset: the next page is an index search from it,
    at any depth); an offset is what cursors were before, still read (`position_of`)."""
    if isinstance(place, int):
        return base64.urlsafe_b64encode(f"{CURSOR_KIND}:{place}".encode()).decode()
    day, seq, ident = place
    return base64.urlsafe_b64encode(f"{CURSOR_KIND}@{day.isoformat()}@{seq}@{ident}".encode()).decode()


def position_of(cursor: str | None) -> Position | int | None:
    """Where a cursor points: a position, an offset (a cursor of the earlier kind, still
    honoured), 0 for none; None for a cursor that is not one of these."""
    if cursor is None:
        return 0
    try:
        decoded = base64.urlsafe_b64decode(cursor.encode()).decode()
        if decoded.startswith(CURSOR_KIND + "@"):
            _, day, seq, ident = decoded.split("@", 3)
            number = int(seq)
            # The id is compared in the database: text no decision id can hold (a NUL, which
            # PostgreSQL cannot even compare) makes it a cursor the service never gave out.
            if not ident or refused(ident) is not None or not 0 <= number < 2**31:
                return None
            return (date.fromisoformat(day), number, ident)
        kind, _, text = decoded.partition(":")
        value = int(text)
    except (ValueError, UnicodeDecodeError):
        return None
    return value if kind == CURSOR_KIND and 0 <= value < 2**31 else None


def offset_of(cursor: str | None) -> int | None:
    """The offset a cursor of the earlier kind names (0 for none); None for any other."""
    place = position_of(cursor)
    return place if isinstance(place, int) else None


class DecisionReader(Reader):
    def _query(
        self,
        *,
        board: str | None = None,
        decided_by: str | None = None,
        delegation: str | None = None,
        start: date | None = None,
        end: date | None = None,
        unreported: bool | None = None,
        with_findings: bool | None = None,
        known_at: datetime | None = None,
        ids: Sequence[str] | None = None,
    ) -> Any:
        d, c, r = delegated_decisions, decision_checks, decision_reports
        if known_at is None:
            source = select(
                d,
                d.c.finding_count.label("n_findings"),
                d.c.delegation_id.label("c_delegation_id"),
                d.c.board_id.label("c_board_id"),
                d.c.report_to.label("c_report_to"),
                d.c.not_reported.label("c_not_reported"),
            )
            checks = d.c
            delegation_col, board_col, report_col, not_reported_col = (
                d.c.delegation_id,
                d.c.board_id,
                d.c.report_to,
                d.c.not_reported,
            )
            findings_col = d.c.finding_count
        else:
            joined = d.join(c, and_(c.c.decision_id == d.c.decision_id, believed(c, known_at)))
            source = select(
                d,
                c.c.findings.label("c_findings"),
                c.c.delegation_id.label("c_delegation_id"),
                c.c.board_id.label("c_board_id"),
                c.c.report_to.label("c_report_to"),
                c.c.not_reported.label("c_not_reported"),
            ).select_from(joined)
            checks = c.c
            delegation_col, board_col, report_col, not_reported_col = (
                c.c.delegation_id,
                c.c.board_id,
                c.c.report_to,
                c.c.not_reported,
            )
            findings_col = None
            source = source.where(d.c.recorded_at <= known_at)
        del checks
        conditions: list[Any] = []
        if ids is not None:
            conditions.append(d.c.decision_id.in_(list(ids)))
        if board is not None and known_at is None:
            conditions.append(d.c.listed_for == board)
        elif board is not None:
            conditions.append(or_(report_col == board, and_(board_col == board, not_reported_col.is_(True))))
        if decided_by is not None:
            conditions.append(d.c.decided_by == decided_by)
        if delegation is not None:
            conditions.append(delegation_col == delegation)
        if start is not None:
            conditions.append(d.c.decision_date >= start)
        if end is not None:
            conditions.append(d.c.decision_date <= end)
        reported = select(r.c.decision_id).where(r.c.decision_id == d.c.decision_id)
        if known_at is not None:
            reported = reported.where(r.c.recorded_at <= known_at)
        if unreported:
            conditions += [report_col.is_not(None), ~reported.exists()]
        elif unreported is False:
            conditions.append(reported.exists())
        if with_findings is not None:
            if findings_col is not None:
                conditions.append(findings_col > 0 if with_findings else findings_col == 0)
            else:
                empty = c.c.findings == "[]"
                conditions.append(~empty if with_findings else empty)
        return source.where(*conditions)

    def count(self, **filters: Any) -> int:
        """How many decisions the filters of `page` match (a read of every match: asked for
        only where a count is wanted)."""
        query = self._query(**filters)
        with self._connection() as connection:
            return connection.execute(select(func.count()).select_from(query.subquery())).scalar_one()

    def page(
        self,
        *,
        first: int = 100,
        after: Position | int = 0,
        offset: int = 0,
        count: bool = False,
        **filters: Any,
    ) -> DecisionPage:
        """A page of the decisions matching `filters`, by decision date and recording order.

        `after`: a position (the next page starts right after it, through the index of the
        list: the cost of a page does not grow with its depth), or an offset (cursors of the
        earlier kind). `count`: also count every match (`total`); otherwise `total` is None."""
        d = delegated_decisions
        base = query = self._query(**filters)
        skip = offset
        if isinstance(after, tuple):
            day, seq, ident = after
            # The day bounds the index range; the rest sorts out the ties of that day.
            query = query.where(
                d.c.decision_date >= day,
                or_(
                    d.c.decision_date > day,
                    d.c.seq > seq,
                    and_(d.c.seq == seq, d.c.decision_id > ident),
                ),
            )
        else:
            skip += after
        ordered = query.order_by(d.c.decision_date, d.c.seq, d.c.decision_id)
        if filters.get("known_at") is None:  # the findings as now known, in the same read
            c = decision_checks
            ordered = ordered.outerjoin_from(
                d, c, and_(c.c.decision_id == d.c.decision_id, c.c.recorded_to.is_(None))
            ).add_columns(c.c.findings.label("c_findings"))
        if skip:
            ordered = ordered.offset(skip)
        with self._connection() as connection:
            rows = connection.execute(ordered.limit(first + 1)).all()
            has_next = len(rows) > first
            rows = rows[:first]
            decision_rows = self._rows(connection, rows, filters.get("known_at"))
            total = (
                connection.execute(select(func.count()).select_from(base.subquery())).scalar_one()
                if count
                else None
            )
        end_cursor = cursor_of(decision_rows[-1].position) if decision_rows else None
        return DecisionPage(decision_rows, total, has_next, end_cursor)

    def _rows(
        self, connection: Connection, rows: Sequence[Any], known_at: datetime | None
    ) -> list[DecisionRow]:
        ids = [row.decision_id for row in rows]
        r, m = decision_reports, decision_report_meetings  # (the findings came with the rows)
        reports: dict[str, tuple[str, date, str | None]] = {}
        for chunk in chunks(ids):
            query = (
                select(r.c.decision_id, r.c.to_id, r.c.meeting, m.c.noted_paragraph, m.c.noted_at)
                .select_from(r.outerjoin(m, and_(m.c.to_id == r.c.to_id, m.c.meeting == r.c.meeting)))
                .where(r.c.decision_id.in_(chunk))
            )
            if known_at is not None:
                query = query.where(r.c.recorded_at <= known_at)
            for decision_id, to, meeting, paragraph, noted_at in connection.execute(query):
                noted = (
                    paragraph if known_at is None or (noted_at is not None and noted_at <= known_at) else None
                )
                reports[decision_id] = (to, meeting, noted)
        out = []
        for row in rows:
            text = row.c_findings or "[]"
            report = reports.get(row.decision_id)
            out.append(
                DecisionRow(
                    id=row.decision_id,
                    delegation_id=row.c_delegation_id,
                    delegation_ref=row.delegation_ref,
                    decided_by=row.decided_by,
                    date=row.decision_date,
                    matter=row.matter,
                    reference=row.reference,
                    amount=row.amount,
                    acting_as_substitute=row.acting_as_substitute,
                    board_id=row.c_board_id,
                    report_to=row.c_report_to,
                    not_reported=row.c_not_reported,
                    findings=tuple(json.loads(text)),
                    reported_to=report[0] if report else None,
                    reported_at=report[1] if report else None,
                    noted_paragraph=report[2] if report else None,
                    recorded_at=row.recorded_at,
                    recorded_by=row.recorded_by,
                    seq=row.seq,
                )
            )
        return out

    def reported_to_meeting(self, to: str, meeting: date) -> list[DecisionRow]:
        r = decision_reports
        with self._connection() as connection:
            ids = [
                row[0]
                for row in connection.execute(
                    select(r.c.decision_id).where(r.c.to_id == to, r.c.meeting == meeting)
                )
            ]
        if not ids:
            return []
        return self.page(ids=ids, first=len(ids)).rows

    def existing(self, ids: Sequence[str]) -> dict[str, DecisionRow]:
        if not ids:
            return {}
        return {row.id: row for row in self.page(ids=ids, first=len(ids)).rows}
