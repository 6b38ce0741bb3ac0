"""Recording, checking, reporting and listing delegated decisions (docs/decisions.md).

The decisions are events of their own streams, never the register's: recording a hundred
thousand of them neither waits for nor slows the recording of a reorganisation. Each body
(a request, a file) is recorded atomically in one transaction with its read model, and is
idempotent by decision id. The check against the delegationsordning of the decision date
is made as the decisions are recorded, and made again for the decisions a later change of
the delegationsordning touches (`OrgChange._save_and_write` calls `recheck_after`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import uuid4

from pydantic import ValidationError
from sqlalchemy import Connection, func, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import IntegrityError as SAIntegrityError

from orgchange.domain import messages
from orgchange.domain.decisions import (
    FORMAT,
    MAX_DECISIONS,
    DecisionReportNoted,
    DecisionsRecorded,
    DecisionsReported,
    DelegatedDecisionEntry,
)
from orgchange.domain.errors import OrgChangeError
from orgchange.domain.messages import Text
from orgchange.domain.personal_data import may_hold_identity_number, scan
from projections import decisions as dm
from projections import tables as t

from .changefile import MAX_DOCUMENT_BYTES, _describe, _load_text, _shown, dump_document, holds_nul

if TYPE_CHECKING:
    from .service import OrgChange

MAX_PROBLEMS = 20


class DecisionsRefused(OrgChangeError):
    """Decisions that were not recorded (or a report refused); nothing was recorded.

    `code` is the stable name (docs/errors.md#delegated-decisions): DECISIONS_MALFORMED,
    PERSONAL_DATA, DECISION_CONFLICT or DECISION_REPORT_REFUSED.
    """

    def __init__(self, code: str, problems: Sequence[str | Text]):
        self.code = code
        self.reasons = list(problems)
        super().__init__(*self.reasons)

    @property
    def problems(self) -> list[str]:
        return [messages.render(p) for p in self.reasons]

    def __str__(self) -> str:
        return "\n".join(self.problems)


@dataclass(frozen=True)
class DecisionsResult:
    ids: list[str]
    recorded: list[str]
    skipped: list[str]


def _label(index: int, item: Any) -> Text:
    ident = item.get("id") if isinstance(item, dict) else None
    return messages.text(
        "DECISIONS_MALFORMED:item", index=index, ident=f" ({ident})" if isinstance(ident, str) else ""
    )


def _flat_texts(item: dict[Any, Any]) -> list[str] | None:
    """The keys and texts of a decision given as a flat mapping (as a decision is), integers as
    text (as `scan` reads them); None for anything nested, which takes the general path."""
    texts: list[str] = []
    for key, value in item.items():
        if not isinstance(key, str):
            return None
        texts.append(key)
        if isinstance(value, str):
            texts.append(value)
        elif isinstance(value, int) and not isinstance(value, bool):
            texts.append(str(value))
        elif value is not None and not isinstance(value, float | bool):
            return None
    return texts


def parse_decision(item: Any, index: int, where: Text | None = None) -> DelegatedDecisionEntry:
    """One decision of a body or file, or `DecisionsRefused` naming it (and `where`, for a row)."""
    label = where or _label(index, item)
    if not isinstance(item, dict):
        raise DecisionsRefused(
            "DECISIONS_MALFORMED", [messages.text("DECISIONS_MALFORMED:not-a-mapping", label=label)]
        )
    flat = _flat_texts(item)
    if holds_nul(item) if flat is None else any("\x00" in text for text in flat):
        raise DecisionsRefused("DECISIONS_MALFORMED", [messages.text("DECISIONS_MALFORMED:nul", label=label)])
    found = list(scan(item)) if flat is None or may_hold_identity_number(flat) else []
    if found:
        raise DecisionsRefused(
            "PERSONAL_DATA",
            [
                messages.text("PERSONAL_DATA:field", label=label, field=f.field, number=f.masked)
                for f in found
            ],
        )
    try:
        return DelegatedDecisionEntry.model_validate(item)
    except ValidationError as error:
        raise DecisionsRefused(
            "DECISIONS_MALFORMED",
            [
                messages.text(
                    "DECISIONS_MALFORMED:field",
                    label=label,
                    problem=_describe(e, ".".join(map(str, e["loc"]))),
                )
                for e in error.errors()[:MAX_PROBLEMS]
            ],
        ) from None


def parse_decisions(body: str | bytes, source: str = "request body") -> list[DelegatedDecisionEntry]:
    """A body or file `orgchange-decisions/v1` (JSON or YAML), checked for form and personal data."""
    from .errors import MalformedInput

    try:
        data = _load_text(body, source)
    except MalformedInput as error:
        raise DecisionsRefused("DECISIONS_MALFORMED", error.reasons) from None
    if not isinstance(data, dict):
        raise DecisionsRefused(
            "DECISIONS_MALFORMED", [messages.text("DECISIONS_MALFORMED:not-a-file", source=source)]
        )
    problems: list[str | Text] = []
    unknown = sorted(str(k) for k in data if k not in ("format", "decisions"))
    if unknown:
        problems.append(
            messages.text("DECISIONS_MALFORMED:unknown-fields", source=source, fields=", ".join(unknown))
        )
    if data.get("format") != FORMAT:
        problems.append(
            messages.text(
                "DECISIONS_MALFORMED:format", source=source, expected=FORMAT, found=_shown(data.get("format"))
            )
        )
    items = data.get("decisions")
    if not isinstance(items, list):
        problems.append(messages.text("DECISIONS_MALFORMED:list", source=source))
        items = []
    if len(items) > MAX_DECISIONS:
        raise DecisionsRefused(
            "DECISIONS_MALFORMED",
            [
                messages.text(
                    "DECISIONS_MALFORMED:too-many", source=source, count=len(items), limit=MAX_DECISIONS
                )
            ],
        )
    entries: list[DelegatedDecisionEntry] = []
    code = "DECISIONS_MALFORMED"
    for index, item in enumerate(items, start=1):
        try:
            entries.append(parse_decision(item, index))
        except DecisionsRefused as error:
            if error.code == "PERSONAL_DATA":
                code = "PERSONAL_DATA"
            problems.extend(error.reasons)
        if len(problems) >= MAX_PROBLEMS:
            break
    if problems:
        raise DecisionsRefused(code, problems)
    return entries


def load_decisions(path: str | Path, mapping: str | Path | None = None) -> list[DelegatedDecisionEntry]:
    """The decisions of a file: `orgchange-decisions/v1` (JSON or YAML), or a CSV or XLSX export
    with a column `mapping` (docs/decisions.md#importing-from-the-case-management-system)."""
    source = str(path)
    if mapping is not None or Path(path).suffix.lower() in (".csv", ".xlsx"):
        return load_table(path, mapping)
    try:
        body = Path(path).read_bytes()
    except OSError as error:
        raise DecisionsRefused(
            "DECISIONS_MALFORMED",
            [
                messages.text(
                    "DECISIONS_MALFORMED:unreadable", source=source, problem=error.strerror or str(error)
                )
            ],
        ) from None
    return parse_decisions(body, source)


def load_table(path: str | Path, mapping: str | Path | None) -> list[DelegatedDecisionEntry]:
    """A CSV or XLSX export of decisions, read with a column mapping; refused whole when a row
    is bad, naming its line and column."""
    source = str(path)
    if mapping is None:
        raise DecisionsRefused(
            "DECISIONS_MALFORMED", [messages.text("DECISIONS_MALFORMED:mapping", source=source)]
        )
    try:
        from . import tables
    except ImportError:
        raise DecisionsRefused(
            "DECISIONS_MALFORMED", [messages.text("DECISIONS_MALFORMED:no-tables", source=source)]
        ) from None
    return _entries_of_table(tables, path, mapping)


TABLE_FIELDS = (
    ("id", True),
    ("delegation", True),
    ("decided_by", True),
    ("date", True),
    ("matter", True),
    ("reference", False),
    ("amount", False),
    ("acting_as_substitute", False),
)
YES = {"ja", "j", "yes", "y", "true", "1", "x", "sant"}
NO = {"nej", "n", "no", "false", "0", "falskt"}
YES_OR_NO = YES | NO


def _amount(text: str) -> float:
    cleaned = text.replace("\u00a0", "").replace(" ", "").replace("kr", "").strip()
    if "," in cleaned and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    return float(cleaned)


def _entries_of_table(tables: Any, path: str | Path, mapping: str | Path) -> list[DelegatedDecisionEntry]:
    """Each row a decision; every bad row named by its line and column, and nothing recorded."""
    rows = tables.read_table(
        path, tables.load_mapping(mapping), [tables.Field(name, required) for name, required in TABLE_FIELDS]
    )
    if len(rows) > MAX_DECISIONS:
        raise DecisionsRefused(
            "DECISIONS_MALFORMED",
            [
                messages.text(
                    "DECISIONS_MALFORMED:too-many", source=str(path), count=len(rows), limit=MAX_DECISIONS
                )
            ],
        )
    entries: list[DelegatedDecisionEntry] = []
    problems: list[str | Text] = []
    code = "DECISIONS_MALFORMED"
    for row in rows:
        item: dict[str, Any] = {}
        bad = False
        values = [(name, row.get(name)) for name, _ in TABLE_FIELDS]
        suspect = may_hold_identity_number(value for _, value in values if value is not None)
        for name, value in values:
            if value is None:
                continue
            found = list(scan(value)) if suspect else []
            if found:
                problems.append(
                    row.problem(name, messages.text("PERSONAL_DATA:cell", number=found[0].masked))
                )
                code, bad = "PERSONAL_DATA", True
                continue
            if name == "amount":
                try:
                    item[name] = _amount(value)
                except ValueError:
                    problems.append(
                        row.problem(name, messages.text("DECISIONS_MALFORMED:amount", value=_shown(value)))
                    )
                    bad = True
            elif name == "acting_as_substitute":
                folded = value.strip().casefold()
                if folded in YES_OR_NO:
                    item[name] = folded in YES
                else:
                    problems.append(
                        row.problem(name, messages.text("DECISIONS_MALFORMED:yes-no", value=_shown(value)))
                    )
                    bad = True
            else:
                item[name] = value
        if not bad:
            try:
                entries.append(DelegatedDecisionEntry.model_validate(item))
            except ValidationError as error:
                for e in error.errors()[:MAX_PROBLEMS]:
                    field = str(e["loc"][0]) if e["loc"] else None
                    problems.append(row.problem(field, _describe(e, field or "")))
        if len(problems) >= MAX_PROBLEMS:
            break
    if problems:
        raise DecisionsRefused(code, problems[:MAX_PROBLEMS])
    return entries


# --- recording -------------------------------------------------------------------------------


def _bump_stamp(connection: Connection, before: int, last: int) -> None:
    """The read models reflect the decisions' events too: move their last event on, so the
    health check sees them current and every cached answer (ETag) is made anew."""
    state = t.projection_state
    connection.execute(
        update(state)
        .where(state.c.name == "read_models", state.c.last_event_id >= before)
        .values(last_event_id=last)
    )


def _save(app: OrgChange, event: Any) -> tuple[int, int]:
    """The event into the store, in the caller's transaction: the last event id before and after."""
    before = app.recorder.max_notification_id() or 0
    ids = app.recorder.insert_events([app.mapper.to_stored_event(event)])
    return before, (ids[-1] if ids else before)


def _instant() -> datetime:
    return datetime.now(UTC)


def record_decisions(
    app: OrgChange, entries: Sequence[DelegatedDecisionEntry], recorded_by: str
) -> DecisionsResult:
    """Record decisions atomically, each id once (the same id with the same content is skipped;
    with other content refused); each is checked against the delegationsordning of its day."""
    app._writing()
    ids = [e.id for e in entries]
    seen: dict[str, DelegatedDecisionEntry] = {}
    problems: list[str | Text] = []
    unique: list[DelegatedDecisionEntry] = []
    for index, entry in enumerate(entries, start=1):
        if entry.id in seen:
            if seen[entry.id] != entry:
                problems.append(messages.text("DECISION_CONFLICT:twice", index=index, ident=entry.id))
            continue
        seen[entry.id] = entry
        unique.append(entry)
    if problems:
        raise DecisionsRefused("DECISION_CONFLICT", problems[:MAX_PROBLEMS])
    for attempt in range(app.max_attempts):
        try:
            with app.datastore.transaction(commit=True) as session:
                connection = session.connection()
                known = dm.recorded_contents(connection, ids)
                conflicts = [
                    messages.text("DECISION_CONFLICT:recorded", index=i, ident=e.id)
                    for i, e in enumerate(unique, start=1)
                    if e.id in known and known[e.id] != dm.content_of(e)
                ]
                if conflicts:
                    raise DecisionsRefused("DECISION_CONFLICT", conflicts[:MAX_PROBLEMS])
                new = [e for e in unique if e.id not in known]
                if new:
                    at = _instant()
                    canonicals = [e.canonical() for e in new]
                    event = DecisionsRecorded(  # type: ignore[call-arg]
                        originator_id=uuid4(),
                        originator_version=1,
                        timestamp=at,
                        decisions=canonicals,
                        recorded_by=recorded_by,
                    )
                    # The event first: saving it takes the writers' lock that a change of the
                    # register takes too (PostgreSQL: the events table's lock; SQLite: the
                    # database's), held to the commit. So the check below sees every change
                    # committed before it, and a change committed after it waits for these
                    # decisions and re-checks them: no check made before a change survives it.
                    before, last = _save(app, event)
                    dm.write_decisions(connection, new, recorded_by, at, canonicals)
                    _bump_stamp(connection, before, last)
            if len(new) >= ANALYZE_AFTER:
                _refresh_statistics(app)
            return DecisionsResult(ids, [e.id for e in new], [i for i in dict.fromkeys(ids) if i in known])
        except SAIntegrityError:  # another writer recorded one of the ids at the same moment
            time.sleep(0.01 * 2**attempt)
            continue
    from .errors import ConcurrentWriteError

    raise ConcurrentWriteError()


ANALYZE_AFTER = 1000  # decisions in one recording: enough to change the tables' statistics


def _refresh_statistics(app: OrgChange) -> None:
    """Let PostgreSQL's planner see the decisions' tables as they now are, after a large
    recording. Planned with the statistics of an empty table, the look-up of a file's ids
    (`recorded_contents`) scanned the whole table once per thousand ids: the import of a year
    then grew with the square of the decisions already recorded."""
    if app.engine.dialect.name != "postgresql":
        return
    names = ", ".join(table.name for table in dm.DECISION_TABLES)
    try:
        with app.engine.begin() as connection:
            connection.exec_driver_sql(f"ANALYZE {names}")
    except DBAPIError:  # statistics are an optimisation: the decisions are recorded
        pass


def recheck_after(connection: Connection, recorded_at: datetime, changed: Mapping[str, set[str]]) -> int:
    """After a change of the register at `recorded_at`: check again the decisions it touches
    (a register without decisions pays one look at an empty table). `changed`: the keys whose
    versions the transaction closed or added, per key column, as the read models' writer
    returns them."""
    if not dm.any_recorded(connection):
        return 0
    return dm.recheck(connection, dm.affected_by(connection, changed), recorded_at)


# --- reporting -------------------------------------------------------------------------------


def report_decisions(
    app: OrgChange, to: str, meeting: date, decision_ids: Sequence[str], recorded_by: str
) -> None:
    """Decisions reported (anmälda) to `to` (a board, or a förvaltningschef's post) for a meeting."""
    app._writing()
    if not decision_ids:
        raise DecisionsRefused("DECISION_REPORT_REFUSED", [messages.text("DECISION_REPORT_REFUSED:none")])
    with app.datastore.transaction(commit=True) as session:
        connection = session.connection()
        reader = dm.DecisionReader(connection)
        rows = reader.existing(list(dict.fromkeys(decision_ids)))
        problems: list[str | Text] = []
        for decision_id in dict.fromkeys(decision_ids):
            row = rows.get(decision_id)
            if row is None:
                problems.append(messages.text("DECISION_REPORT_REFUSED:unknown", ident=decision_id))
            elif row.report_to != to:
                problems.append(
                    messages.text(
                        "DECISION_REPORT_REFUSED:elsewhere",
                        ident=decision_id,
                        to=to,
                        report_to=row.report_to or messages.text("DECISION_REPORT_REFUSED:nobody"),
                    )
                )
            elif row.reported_at is not None:
                problems.append(
                    messages.text(
                        "DECISION_REPORT_REFUSED:already", ident=decision_id, meeting=row.reported_at
                    )
                )
            elif meeting < row.date:  # a report is made after the decision, never before it
                problems.append(
                    messages.text(
                        "DECISION_REPORT_REFUSED:before-decision",
                        ident=decision_id,
                        meeting=meeting,
                        day=row.date,
                    )
                )
        if problems:
            raise DecisionsRefused("DECISION_REPORT_REFUSED", problems[:MAX_PROBLEMS])
        at = _instant()
        ids = list(dict.fromkeys(decision_ids))
        event = DecisionsReported(  # type: ignore[call-arg]
            originator_id=uuid4(),
            originator_version=1,
            timestamp=at,
            to=to,
            meeting=meeting,
            decision_ids=ids,
            recorded_by=recorded_by,
        )
        before, last = _save(app, event)
        dm.write_report(connection, to, meeting, ids, at)
        _bump_stamp(connection, before, last)


def note_decision_report(app: OrgChange, to: str, meeting: date, paragraph: str, recorded_by: str) -> None:
    """The board noted the decisions reported for `meeting` to its minutes, with the §."""
    app._writing()
    paragraph = paragraph.strip()
    if not paragraph or len(paragraph) > 200 or holds_nul(paragraph) or any(ord(c) < 32 for c in paragraph):
        raise DecisionsRefused(
            "DECISION_REPORT_REFUSED", [messages.text("DECISION_REPORT_REFUSED:paragraph")]
        )
    with app.datastore.transaction(commit=True) as session:
        connection = session.connection()
        m = dm.decision_report_meetings
        row = connection.execute(select(m).where(m.c.to_id == to, m.c.meeting == meeting)).first()
        if row is None:
            raise DecisionsRefused(
                "DECISION_REPORT_REFUSED",
                [messages.text("DECISION_REPORT_REFUSED:no-report", to=to, meeting=meeting)],
            )
        if row.noted_paragraph is not None:
            raise DecisionsRefused(
                "DECISION_REPORT_REFUSED",
                [
                    messages.text(
                        "DECISION_REPORT_REFUSED:noted", to=to, meeting=meeting, paragraph=row.noted_paragraph
                    )
                ],
            )
        at = _instant()
        event = DecisionReportNoted(  # type: ignore[call-arg]
            originator_id=uuid4(),
            originator_version=1,
            timestamp=at,
            to=to,
            meeting=meeting,
            paragraph=paragraph,
            recorded_by=recorded_by,
        )
        before, last = _save(app, event)
        dm.write_note(connection, to, meeting, paragraph, at)
        _bump_stamp(connection, before, last)


# --- rebuilding ------------------------------------------------------------------------------


def rebuild_decisions(connection: Connection, events: Sequence[Any], total: int) -> None:
    """The decisions' read model made anew from their events (`events`, in the order they were
    stored), in `connection`'s transaction, after the register's read models: each decision
    checked as the register knew it when it was recorded, and again at every later change of
    the register that touched it — the same rows the incremental path wrote."""
    dm.clear(connection)
    events = [e for e in events if isinstance(e, DecisionsRecorded | DecisionsReported | DecisionReportNoted)]
    if not events:
        return
    changes = dm.register_changes(connection, events[0].timestamp - timedelta(microseconds=1))
    instants = sorted(changes)
    position = 0

    def catch_up(until: datetime | None) -> None:
        nonlocal position
        while position < len(instants) and (until is None or instants[position] < until):
            at = instants[position]
            recheck_after(connection, at, changes[at])
            position += 1

    for event in events:
        catch_up(event.timestamp)
        if isinstance(event, DecisionsRecorded):
            entries = [DelegatedDecisionEntry.model_validate(d) for d in event.decisions]
            dm.write_decisions(connection, entries, event.recorded_by, event.timestamp)
        elif isinstance(event, DecisionsReported):
            dm.write_report(connection, event.to, event.meeting, event.decision_ids, event.timestamp)
        elif isinstance(event, DecisionReportNoted):
            dm.write_note(connection, event.to, event.meeting, event.paragraph, event.timestamp)
    catch_up(None)
    state = t.projection_state
    connection.execute(
        update(state)
        .where(state.c.name == "read_models", state.c.last_event_id < total)
        .values(last_event_id=total)
    )


def decision_count(app: OrgChange) -> int:
    with app.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(dm.delegated_decisions)).scalar_one()


EXPORT_CHUNK = 5_000  # rows read at a time
EXPORT_PART = MAX_DECISIONS  # decisions in one exported file at most: what an import takes


def export_decisions(app: OrgChange, fmt: str = "yaml", part_size: int | None = None) -> Iterator[str]:
    """Every delegated decision as it was recorded, in recording order, as `orgchange-decisions/v1`
    files: what `decisions import` reads back into another database (with `orgchange export` for
    the register, the way to move a register from one kind of database to another). Their
    reporting to meetings is not part of the format.

    One file holds at most `part_size` (`EXPORT_PART`) decisions and `MAX_DOCUMENT_BYTES`, what
    `decisions import` takes in one file: a larger register comes as several, to be imported in
    order. There is always at least one file (with no decisions, an empty list)."""
    part_size = part_size or EXPORT_PART
    part: list[dict[str, Any]] = []
    given = False
    for entry in _recorded_entries(app):
        part.append(entry)
        if len(part) == part_size:
            yield from _dumped(part, fmt)
            part, given = [], True
    if part or not given:
        yield from _dumped(part, fmt)


def _dumped(entries: list[dict[str, Any]], fmt: str) -> Iterator[str]:
    """`entries` as one file, or in halves while a file would be larger than an import takes."""
    document = dump_document({"format": FORMAT, "decisions": entries}, fmt)
    if len(entries) < 2 or len(document.encode("utf-8")) <= MAX_DOCUMENT_BYTES:
        yield document
        return
    half = len(entries) // 2
    yield from _dumped(entries[:half], fmt)
    yield from _dumped(entries[half:], fmt)


def _recorded_entries(app: OrgChange) -> Iterator[dict[str, Any]]:
    """The recorded entries by `seq`, then id (two writers may have given two the same `seq`),
    a chunk at a time, each chunk starting right after the last one's last row."""
    d = dm.delegated_decisions
    after: tuple[int, str] = (0, "")
    with app.engine.connect() as connection:
        while True:
            seq, decision_id = after
            rows = connection.execute(
                select(d.c.seq, d.c.decision_id, d.c.content)
                .where((d.c.seq > seq) | ((d.c.seq == seq) & (d.c.decision_id > decision_id)))
                .order_by(d.c.seq, d.c.decision_id)
                .limit(EXPORT_CHUNK)
            ).all()
            for row in rows:  # the stored entry has its keys sorted: in the file's own order again
                yield DelegatedDecisionEntry.model_validate(json.loads(row.content)).canonical()
            if len(rows) < EXPORT_CHUNK:
                return
            after = (rows[-1].seq, rows[-1].decision_id)


def as_json(row: dm.DecisionRow) -> dict[str, Any]:
    """A decision as `orgchange decisions list --format json` and the API give it (camelCase)."""
    return {
        "id": row.id,
        "delegationId": row.delegation_id,
        "decidedBy": row.decided_by,
        "date": row.date.isoformat(),
        "matter": row.matter,
        "reference": row.reference,
        "amount": row.amount,
        "reportTo": row.report_to,
        "findings": list(row.findings),
        "reportedAt": row.reported_at.isoformat() if row.reported_at else None,
    }


def dumps(rows: Sequence[dm.DecisionRow]) -> str:
    return json.dumps([as_json(r) for r in rows], ensure_ascii=False, indent=2)


# --- listing ---------------------------------------------------------------------------------


LISTING_PAGE = 10_000  # decisions read at a time for a whole list


def listing(
    app: OrgChange,
    *,
    board: str | None = None,
    start: date | None = None,
    end: date | None = None,
    unreported: bool | None = None,
    known_at: datetime | None = None,
) -> list[dm.DecisionRow]:
    """Every decision of a board (or post) and period, by decision date: read a page at a time
    through the list's index, each page starting right after the last one's last decision."""
    reader = dm.DecisionReader(app.engine)
    rows: list[dm.DecisionRow] = []
    after: dm.Position | int = 0
    while True:
        page = reader.page(
            board=board,
            start=start,
            end=end,
            unreported=unreported,
            known_at=known_at,
            first=LISTING_PAGE,
            after=after,
        )
        rows.extend(page.rows)
        if not page.has_next or not page.rows:
            return rows
        after = page.rows[-1].position


CSV_COLUMNS = (
    "id",
    "date",
    "delegationId",
    "decidedBy",
    "matter",
    "reference",
    "amount",
    "reportTo",
    "reportedAt",
    "findings",
)


def as_csv(rows: Sequence[dm.DecisionRow]) -> str:
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        shown = as_json(row)
        shown["findings"] = " | ".join(row.findings)
        writer.writerow([_csv_safe(shown[c]) for c in CSV_COLUMNS])
    return out.getvalue()


def _csv_safe(value: Any) -> str:
    """A cell as text; one that a spreadsheet would take for a formula is quoted with '."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def as_text(rows: Sequence[dm.DecisionRow]) -> str:
    if not rows:
        return "Inga delegationsbeslut.\n"
    lines = []
    for row in rows:
        told = f"anmäls till {row.report_to}" if row.report_to else "anmäls inte"
        reported = f", anmält {row.reported_at.isoformat()}" if row.reported_at else ""
        lines.append(
            f"{row.date.isoformat()}  {row.id}  {row.delegation_id or row.delegation_ref}  {row.decided_by}  "
            f"{row.matter} ({told}{reported})"
        )
        lines.extend(f"    ! {finding}" for finding in row.findings)
    return "\n".join(lines) + "\n"


def as_html(
    rows: Sequence[dm.DecisionRow],
    *,
    board: str | None = None,
    start: date | None = None,
    end: date | None = None,
) -> str:
    """A page of its own: the decisions, those with findings first and marked."""
    from html import escape

    ordered = sorted(rows, key=lambda r: (not r.findings, r.date, r.id))
    period = " – ".join(d.isoformat() for d in (start, end) if d is not None)
    title = "Delegationsbeslut" + (f" – {board}" if board else "") + (f", {period}" if period else "")
    body = []
    for row in ordered:
        findings = "".join(f"<li>{escape(f)}</li>" for f in row.findings)
        body.append(
            f'<tr class="{"finding" if row.findings else "clean"}"><td>{escape(row.date.isoformat())}</td>'
            f"<td>{escape(row.id)}</td><td>{escape(row.delegation_id or row.delegation_ref)}</td>"
            f"<td>{escape(row.decided_by)}</td><td>{escape(row.matter)}</td>"
            f"<td>{escape(row.reference or '')}</td>"
            f"<td>{escape(row.report_to or 'anmäls inte')}</td>"
            f"<td>{'<ul>' + findings + '</ul>' if findings else 'Inga'}</td></tr>"
        )
    return (
        '<!DOCTYPE html>\n<html lang="sv"><head><meta charset="utf-8"><title>'
        + escape(title)
        + "</title><style>tr.finding{background:#fde8e8}"
        "th,td{text-align:left;vertical-align:top;padding:.2em .5em}"
        "</style></head><body><h1>"
        + escape(title)
        + "</h1><table><thead><tr><th>Datum</th><th>Beslut</th><th>Delegation</th><th>Beslutat av</th>"
        "<th>Ärende</th><th>Diarienummer</th><th>Anmäls till</th><th>Iakttagelser</th></tr></thead><tbody>"
        + "".join(body)
        + "</tbody></table></body></html>\n"
    )
