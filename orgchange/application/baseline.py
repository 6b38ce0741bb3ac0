"""A register started from what a kommun has: its organisation and its delegationsordning in tables.

`units_from_table` turns the rows of a spreadsheet of units (one row per unit: key or
code, name, kind, parent's key or name, manager's title) into `establish_unit` and
`establish_position` changes on one day, parents first; `delegations_from_table` turns
a delegationsordning's rows into `grant_delegation` changes, each delegate matched to a
post of the board's organisation by its title. Everything wrong is named by the row's
line and column (docs/baseline.md); the changes are then checked and recorded like any
change file's, all or nothing (`record`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from orgchange.application.tables import ColumnMapping, Field, TableError, TableRow, read_table_data
from orgchange.domain import messages
from orgchange.domain.changes import Change, change_adapter
from orgchange.domain.errors import ChangeRejected, OrgChangeError
from orgchange.domain.kinds import UNIT_KINDS
from orgchange.domain.messages import Text
from projections.rows import PositionRow, UnitRow

__all__ = [
    "DELEGATION_FIELDS",
    "UNIT_FIELDS",
    "Baseline",
    "BaselineRejected",
    "DelegatesUnmatched",
    "as_key",
    "delegations_from_table",
    "delegations_of_upload",
    "kind_of",
    "units_from_table",
    "units_of_upload",
]

UNIT_FIELDS = [
    Field("key", required=False),
    Field("name"),
    Field("kind"),
    Field("parent", required=False),
    Field("manager_title", required=False),
]
DELEGATION_FIELDS = [
    Field("code", required=False),
    Field("matter"),
    Field("delegate"),
    Field("substitute", required=False),
    Field("limit", required=False),
    Field("legal_basis", required=False),
    Field("reporting", required=False),
    Field("further_delegation", required=False),
]
# What a table may write for yes and no (further_delegation), without regard to case.
YES = frozenset({"ja", "j", "yes", "y", "true", "x", "1"})
NO = frozenset({"nej", "n", "no", "false", "-", "0"})

# The words a table may use for a kind, besides the register's own names of it (`UNIT_KINDS`):
# compared without regard to case and surrounding space.
KIND_WORDS: dict[str, tuple[str, ...]] = {
    "council": ("kommunfullmäktige", "fullmäktige", "regionfullmäktige", "council"),
    "board": ("nämnd", "nämnden", "kommunstyrelse", "kommunstyrelsen", "styrelse", "regionstyrelse"),
    "committee": ("utskott", "arbetsutskott", "beredning", "kommitté", "committee"),
    "office": (
        "förvaltning",
        "stadsledningskontor",
        "kommunledningskontor",
        "kontor",
        "administration",
        "office",
    ),
    "area": ("verksamhetsområde", "område", "sektor", "area"),
    "unit": ("enhet", "avdelning", "sektion", "verksamhet", "unit", "department", "section"),
    "group": ("ledningsgrupp", "grupp", "group", "management group"),
    "company": ("bolag", "aktiebolag", "kommunalt bolag", "company", "municipal company"),
}


def _folded(value: str) -> str:
    return " ".join(unicodedata.normalize("NFC", value).casefold().split())


_KINDS: dict[str, str] = {}
for _kind, _words in KIND_WORDS.items():
    _names = UNIT_KINDS[_kind]
    for _word in (_kind, _names.name, _names.definite, _names.title, _names.english, *_words):
        _KINDS[_folded(_word)] = _kind


def kind_of(word: str) -> str | None:
    """The register's kind for a word of a table (`Förvaltning`, `enhet`, `board`), or None."""
    return _KINDS.get(_folded(word))


def as_key(value: str) -> str:
    """A key made of a code or a name: lower case, without accents, other characters as '-'.

    `Socialförvaltningen` → `socialforvaltningen`, `A 10.2` → `a-10-2`; '' if nothing is left.
    """
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:64].strip("-")


class BaselineRejected(OrgChangeError):
    """A change made of a row broke a rule of the register; nothing was recorded."""

    def __init__(self, row: TableRow, rejected: ChangeRejected):
        self.row = row
        self.rejected = rejected
        super().__init__(messages.text("CHANGE_REJECTED:row", where=row.where(), change=str(rejected)))

    @property
    def rule(self) -> str:
        return self.rejected.rule


class DelegatesUnmatched(OrgChangeError):
    """Delegates (or substitutes) whose title matches no post, or several; nothing was recorded."""

    code = "DELEGATES_UNMATCHED"

    def __init__(self, board: str, day: date, unmatched: list[Text]):
        self.unmatched = unmatched
        super().__init__(messages.text("DELEGATES_UNMATCHED", count=len(unmatched), board=board, day=day))

    def __str__(self) -> str:
        return "\n".join([super().__str__(), *(f"  {problem}" for problem in self.unmatched)])


@dataclass
class Baseline:
    """The changes made of a table, each with the row it was made of (`origins`, in step)."""

    source: str
    as_of: date
    entries: list[dict[str, Any]] = field(default_factory=list)
    origins: list[TableRow] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    unmatched: list[Text] = field(default_factory=list)  # delegations: rows left out

    def row_of(self, rejected: ChangeRejected) -> TableRow:
        return self.origins[rejected.index - 1]


# --- the organisation ----------------------------------------------------------------------

# The table's field each field of a change is made of: where a change's problem is named.
_FIELD_OF = {
    "unit": "key",
    "position": "key",
    "name": "name",
    "kind": "kind",
    "parent": "parent",
    "owner": "parent",
    "title": "manager_title",
    "matter": "matter",
    "to": "delegate",
    "substitute": "substitute",
    "limit": "limit",
    "legal_basis": "legal_basis",
    "reporting": "reporting",
    "delegation": "code",
    "further_delegation": "further_delegation",
}
_FIELD_OF["code"] = "code"  # (not in the literal: a dict's "code" key reads as an error code)


def units_from_table(
    rows: Sequence[TableRow], as_of: date, existing: Iterable[UnitRow], source: str
) -> Baseline:
    """The units and managers' posts of `rows` as changes on `as_of`, parents first.

    A parent is named by a key (or code) of the table or of a unit of the register in
    effect on `as_of` (`existing`), or by a name, of the table or of the register, that
    names one unit. `TableError` names every row that cannot be used.
    """
    problems: list[str | Text] = []
    registered = {unit.id: unit for unit in existing}
    registered_names: dict[str, list[str]] = {}
    for unit in registered.values():
        registered_names.setdefault(_folded(unit.name), []).append(unit.id)
    keys: list[str] = []
    kinds: list[str | None] = []
    by_key: dict[str, int] = {}
    by_code: dict[str, int] = {}
    by_name: dict[str, list[int]] = {}
    for index, row in enumerate(rows):
        written = row.get("key")
        key = as_key(written or row.get("name") or "")
        field_name = "key" if written else "name"
        if not key:
            problems.append(
                row.problem(field_name, messages.text("TABLE_VALUE:key", value=written or row.get("name")))
            )
        elif key in by_key:
            first = rows[by_key[key]]
            problems.append(
                row.problem(field_name, messages.text("TABLE_VALUE:repeated-key", key=key, line=first.line))
            )
        else:
            by_key[key] = index
            if written:
                by_code.setdefault(_folded(written), index)
        keys.append(key)
        by_name.setdefault(_folded(row.get("name") or ""), []).append(index)
        kind = kind_of(row.get("kind") or "")
        if kind is None:
            kinds_shown = ", ".join(UNIT_KINDS)
            problems.append(
                row.problem(
                    "kind", messages.text("TABLE_VALUE:kind", value=row.get("kind"), kinds=kinds_shown)
                )
            )
        kinds.append(kind)
    if problems:
        raise TableError(problems)

    # Each row's parent: the index of a row of the table, or the key of a unit of the register.
    parents: list[int | str | None] = []
    for row in rows:
        written = row.get("parent")
        if written is None:
            parents.append(None)
            continue
        folded, key = _folded(written), as_key(written)
        names = by_name.get(folded, [])
        found: int | str | None = None
        if folded in by_code:
            found = by_code[folded]
        elif written in by_key:
            found = by_key[written]
        elif written in registered:
            found = written
        elif len(names) == 1:
            found = names[0]
        elif len(names) > 1:
            lines = [rows[i].line for i in names]
            problems.append(
                row.problem("parent", messages.text("TABLE_VALUE:repeated-name", name=written, line=lines[0]))
            )
            parents.append(None)
            continue
        elif len(registered_names.get(folded, [])) == 1:
            found = registered_names[folded][0]
        elif registered_names.get(folded):
            problems.append(
                row.problem(
                    "parent",
                    messages.text(
                        "TABLE_VALUE:ambiguous-parent",
                        parent=written,
                        units=", ".join(registered_names[folded]),
                    ),
                )
            )
            parents.append(None)
            continue
        elif key in by_key:
            found = by_key[key]
        if found is None:
            problems.append(
                messages.text("TABLE_REFERENCE", where=row.where("parent"), parent=written, day=as_of)
            )
        parents.append(found)
    if problems:
        raise TableError(problems)

    order = _parents_first(rows, parents, keys)
    baseline = Baseline(source, as_of)
    note = f"Utgångsläge inläst från {_shown_name(source)}"
    for index in order:
        row, key, kind = rows[index], keys[index], kinds[index]
        parent = parents[index]
        parent_key = keys[parent] if isinstance(parent, int) else parent
        entry: dict[str, Any] = {
            "id": f"baseline-{as_of.isoformat()}-{key}",
            "type": "establish_unit",
            "effective": as_of.isoformat(),
            "note": note,
            "unit": key,
            "name": row.get("name"),
            "kind": kind,
        }
        if parent_key is not None:
            entry["owner" if kind == "company" else "parent"] = parent_key
        baseline.entries.append(entry)
        baseline.origins.append(row)
        title = row.get("manager_title")
        if title is not None:
            position = f"{key[:58].rstrip('-')}-chef"
            baseline.entries.append(
                {
                    "id": f"baseline-{as_of.isoformat()}-{position}",
                    "type": "establish_position",
                    "effective": as_of.isoformat(),
                    "note": note,
                    "position": position,
                    "title": title,
                    "unit": key,
                    "director": kind == "office",
                }
            )
            baseline.origins.append(row)
    _checked(baseline)
    return baseline


def _parents_first(rows: Sequence[TableRow], parents: list[int | str | None], keys: list[str]) -> list[int]:
    """The rows' indexes, each after its parent's (otherwise in the table's order); a cycle is refused."""
    order: list[int] = []
    done: set[int] = set()
    for start in range(len(rows)):
        path: list[int] = []
        current: int | str | None = start
        while isinstance(current, int) and current not in done:
            if current in path:
                cycle = path[path.index(current) :] + [current]
                row = rows[current]
                raise TableError(
                    [
                        messages.text(
                            "TABLE_REFERENCE:cycle",
                            where=row.where("parent"),
                            path=" → ".join(keys[i] for i in cycle),
                        )
                    ]
                )
            path.append(current)
            current = parents[current]
        for index in reversed(path):
            done.add(index)
            order.append(index)
    return order


def _shown_name(source: str) -> str:
    name = Path(source).name
    return name if len(name) <= 120 else name[:119] + "…"


def _checked(baseline: Baseline) -> None:
    """Each entry read as a change of a change file; a problem named by the row and column it came from."""
    problems: list[str | Text] = []
    for entry, row in zip(baseline.entries, baseline.origins, strict=True):
        try:
            baseline.changes.append(change_adapter.validate_python(entry))
        except ValidationError as error:
            for problem in error.errors()[:5]:
                loc = [str(part) for part in problem["loc"][1:]]
                name = _FIELD_OF.get(loc[0]) if loc else None
                message = str(problem["msg"]).removeprefix("Value error, ")
                problems.append(row.problem(name, messages.text("TABLE_VALUE:change", problem=message)))
    if problems:
        raise TableError(problems)


# --- the delegationsordning --------------------------------------------------------------------


def organisation_of(board: str, units: Iterable[UnitRow]) -> list[UnitRow]:
    """The board and every unit that stands under it (by parent, not by owner)."""
    units = list(units)
    below: dict[str | None, list[UnitRow]] = {}
    for unit in units:
        below.setdefault(unit.parent_id, []).append(unit)
    found = [unit for unit in units if unit.id == board]
    pending = list(found)
    while pending:
        unit = pending.pop()
        children = below.get(unit.id, [])
        found.extend(children)
        pending.extend(children)
    return found


def delegations_from_table(
    rows: Sequence[TableRow],
    board: str,
    as_of: date,
    units: Sequence[UnitRow],
    positions: dict[str, list[PositionRow]],
    source: str,
    partial: bool = False,
) -> Baseline:
    """The rows as `grant_delegation`s of `board` on `as_of`.

    Each delegate (and substitute) is matched to a post of the board's organisation in effect
    on `as_of` (`units`, `positions`) by its title, without regard to case or space, or by
    the post's key; a delegate may also be a committee of the board, by name or key. A title
    that matches no post, or several, is listed: `DelegatesUnmatched` is raised and nothing
    is made, or with `partial` those rows are left out (`Baseline.unmatched`).
    """
    organisation = organisation_of(board, units)
    by_title: dict[str, list[str]] = {}
    by_key: set[str] = set()
    for unit in organisation:
        for post in positions.get(unit.id, []):
            by_title.setdefault(_folded(post.title), []).append(post.id)
            by_key.add(post.id)
    committees: dict[str, list[str]] = {}
    for unit in organisation:
        if unit.kind == "committee" and unit.parent_id == board:
            committees.setdefault(_folded(unit.name), []).append(unit.id)
            by_key.add(unit.id)

    def match(row: TableRow, name: str, with_committees: bool) -> tuple[str | None, Text | None]:
        written = row.get(name)
        if written is None:
            return None, None
        if written in by_key:
            return written, None
        found = list(by_title.get(_folded(written), []))
        if with_committees:
            found += committees.get(_folded(written), [])
        if len(found) == 1:
            return found[0], None
        if found:
            return None, messages.text(
                "DELEGATES_UNMATCHED:several",
                where=row.where(name),
                title=written,
                positions=", ".join(found),
            )
        return None, messages.text("DELEGATES_UNMATCHED:none", where=row.where(name), title=written)

    problems: list[str | Text] = []
    keys: dict[str, TableRow] = {}
    baseline = Baseline(source, as_of)
    note = f"Delegationsordning inläst från {_shown_name(source)}"
    for ordinal, row in enumerate(rows, start=1):
        code = row.get("code")
        key = f"{board}-{as_key(code)}" if code and as_key(code) else f"{board}-p{ordinal}"
        key = key[:64].rstrip("-")
        if key in keys:
            problems.append(
                row.problem("code", messages.text("TABLE_VALUE:repeated-key", key=key, line=keys[key].line))
            )
            continue
        keys[key] = row
        further = _folded(row.get("further_delegation") or "nej")
        if further not in YES | NO:
            problems.append(
                row.problem(
                    "further_delegation",
                    messages.text("TABLE_VALUE:yes-no", value=row.get("further_delegation")),
                )
            )
            continue
        delegate, missing = match(row, "delegate", with_committees=True)
        substitute, missing_substitute = match(row, "substitute", with_committees=False)
        missing_here = [m for m in (missing, missing_substitute) if m is not None]
        if missing_here:
            baseline.unmatched.extend(missing_here)
            continue
        entry: dict[str, Any] = {
            "id": f"baseline-{as_of.isoformat()}-{key}",
            "type": "grant_delegation",
            "effective": as_of.isoformat(),
            "note": note,
            "delegation": key,
            "from": board,
            "to": delegate,
            "matter": row.get("matter"),
        }
        if code is not None:
            entry["code"] = code
        optional = {
            "substitute": substitute,
            "limit": row.get("limit"),
            "legal_basis": row.get("legal_basis"),
            "reporting": row.get("reporting"),
        }
        entry.update({name: value for name, value in optional.items() if value is not None})
        if further in YES:
            entry["further_delegation"] = True
        baseline.entries.append(entry)
        baseline.origins.append(row)
    if problems:
        raise TableError(problems)
    if baseline.unmatched and not partial:
        raise DelegatesUnmatched(board, as_of, baseline.unmatched)
    _checked(baseline)
    return baseline


# --- checking and recording ------------------------------------------------------------------


def record(record_changes: Callable[[list[Change]], Any], baseline: Baseline) -> Any:
    """`record_changes(baseline.changes)`, a refused change named by the row it was made of."""
    try:
        return record_changes(baseline.changes)
    except ChangeRejected as rejected:
        raise BaselineRejected(baseline.row_of(rejected), rejected) from None


def import_units(app: Any, path: str, as_of: date, mapping_path: str | None) -> Baseline:
    """The units of the table at `path` as changes, checked for form against the register on `as_of`."""
    from orgchange.application.tables import load_mapping, read_table

    mapping = load_mapping(mapping_path) if mapping_path else None
    rows = read_table(path, mapping, UNIT_FIELDS)
    return units_from_table(rows, as_of, app.read_model.organisation(as_of), path)


def import_delegations(
    app: Any, path: str, board: str, as_of: date, mapping_path: str | None, partial: bool
) -> Baseline:
    """The delegations of the table at `path`, their delegates matched to the posts of `board`'s
    organisation on `as_of`."""
    from orgchange.application.tables import load_mapping, read_table

    mapping = load_mapping(mapping_path) if mapping_path else None
    rows = read_table(path, mapping, DELEGATION_FIELDS)
    return _delegations_of(app, rows, board, as_of, path, partial)


def units_of_upload(
    app: Any, data: bytes, kind: str, source: str, as_of: date, mapping: ColumnMapping | None
) -> Baseline:
    """`import_units` of a table given as its bytes (`kind`: 'csv' or 'xlsx'): an upload over HTTP."""
    rows = read_table_data(data, kind, source, mapping, UNIT_FIELDS)
    return units_from_table(rows, as_of, app.read_model.organisation(as_of), source)


def delegations_of_upload(
    app: Any,
    data: bytes,
    kind: str,
    source: str,
    board: str,
    as_of: date,
    mapping: ColumnMapping | None,
    partial: bool,
) -> Baseline:
    """`import_delegations` of a table given as its bytes: an upload over HTTP."""
    rows = read_table_data(data, kind, source, mapping, DELEGATION_FIELDS)
    return _delegations_of(app, rows, board, as_of, source, partial)


def _delegations_of(
    app: Any, rows: Sequence[TableRow], board: str, as_of: date, source: str, partial: bool
) -> Baseline:
    units = app.read_model.organisation(as_of)
    if not any(unit.id == board and unit.kind in ("board", "committee") for unit in units):
        raise TableError([messages.text("TABLE_REFERENCE:board", board=board, day=as_of)])
    ids = [unit.id for unit in organisation_of(board, units)]
    positions = app.read_model.positions(ids, as_of)
    return delegations_from_table(rows, board, as_of, units, positions, source, partial)


def chart_with(app: Any, baseline: Baseline) -> Any:
    """The org chart on the baseline's day as it would be with its changes recorded (nothing is)."""
    from orgchange.application.documents.charts import OrgChart

    def look_after(model: Any, register: Any, ids: list[str], before: Any) -> OrgChart:
        return OrgChart.load(model, baseline.as_of)

    return record(lambda changes: app.try_out(changes, lambda model: None, look_after), baseline)


def delegations_with(app: Any, baseline: Baseline, board: str) -> Any:
    """The board's delegationsordning on the baseline's day as it would be with its changes
    recorded (nothing is): the delegations, their gaps and findings."""
    from orgchange.application.documents.delegationsordning import Delegationsordning

    def look_after(model: Any, register: Any, ids: list[str], before: Any) -> Delegationsordning:
        return Delegationsordning.load(model, baseline.as_of, board)

    return record(lambda changes: app.try_out(changes, lambda model: None, look_after), baseline)
