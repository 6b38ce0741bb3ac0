"""The change types of the register: one immutable value per kind of change.

These models are the vocabulary of orgchange. The same classes describe the
`orgchange/v1` change file (docs/change-files.md), so a field is declared once and
validated by pydantic wherever a change enters the system; the rules that need
the rest of the register (docs/domain.md, rules 1–7) live in `timeline.py` and the
handler modules beside it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, ClassVar, Literal, get_args

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    model_validator,
)

from .calendar import within_calendar
from .messages import text
from .text import AS_STORED, line_at_the_door, lines_at_the_door

KEY_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
CHANGE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$"
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_date(value: Any) -> Any:
    """Accept a real date or an ISO `YYYY-MM-DD` string, nothing looser.

    pydantic's lax mode would read integers as Unix timestamps and datetimes as
    dates; in a register of decisions either would be a silent misreading.
    """
    if type(value) is date:
        return within_calendar(value)
    if type(value) is str and len(value) == 10 and _ISO_DATE.match(value):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise ValueError(str(text("INVALID_PARAMETER:calendar-date", value=value))) from None
        return within_calendar(day)
    raise ValueError(str(text("INVALID_PARAMETER:date", value=repr(value)[:60])))


Key = Annotated[str, StringConstraints(pattern=KEY_PATTERN, max_length=64)]
ChangeId = Annotated[str, StringConstraints(pattern=CHANGE_ID_PATTERN, max_length=100)]
# Text fields (see `text.py`): control characters and the like refused, NFC, limited in length.
# A field of a new change type gets the same checks by using one of these types.
Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    BeforeValidator(line_at_the_door),
]
Text = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=2000),
    BeforeValidator(line_at_the_door),
]
# A note or a reason: may also break lines and hold tabs.
Note = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=2000),
    BeforeValidator(lines_at_the_door),
]
Day = Annotated[date, BeforeValidator(_iso_date)]
Kind = Literal["council", "board", "committee", "office", "area", "unit", "group", "company"]

KINDS: tuple[str, ...] = get_args(Kind)


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class Decision(_Model):
    """The decision behind a change, cited as body + date + §.

    `body` is the deciding council, board or committee (its key; free text in older files);
    `position` the deciding official's post, where an official decided (see competence.py).
    """

    body: Name | None = None
    date: Day | None = None
    paragraph: Name | None = None
    reference: Name | None = None
    position: Key | None = None


class Change(_Model):
    """Fields every entry of a change file may carry."""

    TYPE: ClassVar[str]
    id: ChangeId | None = None
    decision: Decision | None = None
    note: Note | None = None

    def canonical(self) -> dict[str, Any]:
        """The change as it would be written in a change file (JSON types only)."""
        dumped = self.model_dump(mode="json", by_alias=True, exclude_unset=True)
        return {"type": self.TYPE} | dumped

    def with_id(self, change_id: str) -> Change:
        return self.model_copy(update={"id": change_id})

    @property
    def given_fields(self) -> set[str]:
        return set(self.model_fields_set)


class DatedChange(Change):
    """A change of the organisation or its delegations, with its effective date."""

    effective: Day


# --- units -----------------------------------------------------------------


class EstablishUnit(DatedChange):
    TYPE: ClassVar[str] = "establish_unit"
    type: Literal["establish_unit"] = "establish_unit"
    unit: Key
    name: Name
    kind: Kind
    parent: Key | None = None
    owner: Key | None = None
    supervisor: Key | None = None  # a company's board with uppsikt (an extension)


class RenameUnit(DatedChange):
    TYPE: ClassVar[str] = "rename_unit"
    type: Literal["rename_unit"] = "rename_unit"
    unit: Key
    name: Name


class ReclassifyUnit(DatedChange):
    TYPE: ClassVar[str] = "reclassify_unit"
    type: Literal["reclassify_unit"] = "reclassify_unit"
    unit: Key
    kind: Kind


class MoveUnit(DatedChange):
    """Re-parent a unit; a company changes `owner` and/or `supervisor` instead (extensions).

    An explicit `supervisor: null` ends the company's supervision by a board.
    """

    TYPE: ClassVar[str] = "move_unit"
    type: Literal["move_unit"] = "move_unit"
    unit: Key
    parent: Key | None = None
    owner: Key | None = None
    supervisor: Key | None = None

    @model_validator(mode="after")
    def _one_target(self) -> MoveUnit:
        company = self.owner is not None or self.moves_supervision
        if (self.parent is None) != company:
            raise ValueError("give either 'parent' (a unit), or for a company 'owner' and/or 'supervisor'")
        return self

    @property
    def moves_supervision(self) -> bool:
        return "supervisor" in self.model_fields_set


class MergeUnits(DatedChange):
    TYPE: ClassVar[str] = "merge_units"
    type: Literal["merge_units"] = "merge_units"
    # At least two units (rule 4): checked by the register, which names the rule.
    units: Annotated[list[Key], Field(max_length=1000)]
    into: Key
    name: Name | None = None
    kind: Kind | None = None
    parent: Key | None = None

    @model_validator(mode="after")
    def _distinct(self) -> MergeUnits:
        if len(set(self.units)) != len(self.units):
            raise ValueError("'units' lists a unit more than once")
        return self


class Successor(_Model):
    unit: Key
    name: Name
    kind: Kind | None = None
    parent: Key | None = None


class SplitUnit(DatedChange):
    TYPE: ClassVar[str] = "split_unit"
    type: Literal["split_unit"] = "split_unit"
    unit: Key
    # At least two successors (rule 4): checked by the register, which names the rule.
    into: Annotated[list[Successor], Field(max_length=1000)]
    children: dict[Key, Key] = Field(default_factory=dict)
    positions: dict[Key, Key] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _distinct(self) -> SplitUnit:
        keys = [s.unit for s in self.into]
        if len(set(keys)) != len(keys):
            raise ValueError("'into' lists a successor more than once")
        return self


class DissolveUnit(DatedChange):
    TYPE: ClassVar[str] = "dissolve_unit"
    type: Literal["dissolve_unit"] = "dissolve_unit"
    unit: Key


class SpinOffUnit(DatedChange):
    TYPE: ClassVar[str] = "spin_off_unit"
    type: Literal["spin_off_unit"] = "spin_off_unit"
    unit: Key
    company: Key
    name: Name
    owner: Key
    supervisor: Key | None = None  # the board with uppsikt over the company (an extension)


# --- positions -------------------------------------------------------------


class EstablishPosition(DatedChange):
    TYPE: ClassVar[str] = "establish_position"
    type: Literal["establish_position"] = "establish_position"
    position: Key
    title: Name
    unit: Key
    director: bool = False


class MovePosition(DatedChange):
    TYPE: ClassVar[str] = "move_position"
    type: Literal["move_position"] = "move_position"
    position: Key
    unit: Key


class AbolishPosition(DatedChange):
    TYPE: ClassVar[str] = "abolish_position"
    type: Literal["abolish_position"] = "abolish_position"
    position: Key


# --- delegations -----------------------------------------------------------


class GrantDelegation(DatedChange):
    TYPE: ClassVar[str] = "grant_delegation"
    type: Literal["grant_delegation"] = "grant_delegation"
    delegation: Key
    from_: Key = Field(alias="from")
    to: Key
    matter: Text
    code: Name | None = None
    legal_basis: Name | None = None
    limit: Text | None = None
    substitute: Key | None = None
    further_delegation: bool = False
    reporting: Text | None = None
    # Extension: the matter is one the law keeps with the board (KL (2017:725) 6 kap. 38 §);
    # delegating it is reported as a finding.
    reserved_matter: bool = False


AMENDABLE_TERMS = (
    "to",
    "matter",
    "code",
    "legal_basis",
    "limit",
    "substitute",
    "further_delegation",
    "reporting",
    "reserved_matter",
)


class AmendDelegation(DatedChange):
    """New terms from the effective date; an explicit null clears an optional term."""

    TYPE: ClassVar[str] = "amend_delegation"
    type: Literal["amend_delegation"] = "amend_delegation"
    delegation: Key
    to: Key | None = None
    matter: Text | None = None
    code: Name | None = None
    legal_basis: Name | None = None
    limit: Text | None = None
    substitute: Key | None = None
    further_delegation: bool | None = None
    reporting: Text | None = None
    reserved_matter: bool | None = None

    @model_validator(mode="after")
    def _some_term(self) -> AmendDelegation:
        given = self.amended_terms()
        if not given:
            raise ValueError(f"name at least one term to amend: {', '.join(AMENDABLE_TERMS)}")
        for required in ("to", "matter", "further_delegation", "reserved_matter"):
            if required in given and given[required] is None:
                raise ValueError(f"'{required}' cannot be cleared")
        return self

    def amended_terms(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in AMENDABLE_TERMS if f in self.model_fields_set}


class RevokeDelegation(DatedChange):
    TYPE: ClassVar[str] = "revoke_delegation"
    type: Literal["revoke_delegation"] = "revoke_delegation"
    delegation: Key


class Subdelegate(DatedChange):
    TYPE: ClassVar[str] = "subdelegate"
    type: Literal["subdelegate"] = "subdelegate"
    delegation: Key
    parent_delegation: Key
    to: Key
    # How decisions under it are reported; when omitted, to the förvaltningschef who passed it on.
    reporting: Text | None = None


# --- corrections and reporting ---------------------------------------------


class CancelChange(Change):
    TYPE: ClassVar[str] = "cancel_change"
    type: Literal["cancel_change"] = "cancel_change"
    change: ChangeId
    reason: Note


DatedAnyChange = Annotated[
    EstablishUnit
    | RenameUnit
    | ReclassifyUnit
    | MoveUnit
    | MergeUnits
    | SplitUnit
    | DissolveUnit
    | SpinOffUnit
    | EstablishPosition
    | MovePosition
    | AbolishPosition
    | GrantDelegation
    | AmendDelegation
    | RevokeDelegation
    | Subdelegate,
    Field(discriminator="type"),
]


class CorrectChange(Change):
    """An earlier change recorded in error, replaced by the change that should have been recorded.

    The earlier change is cancelled and the replacement recorded at once, and checked as
    one: the register without the earlier change and with the replacement must keep every
    rule (docs/time.md#corrections-keep-what-was-believed). The replacement is an organisational or delegation
    change of any type, with an id of its own (given, so that the correction is idempotent
    and the replacement can be named later).
    """

    TYPE: ClassVar[str] = "correct_change"
    type: Literal["correct_change"] = "correct_change"
    change: ChangeId
    replacement: DatedAnyChange

    def canonical(self) -> dict[str, Any]:
        return super().canonical() | {"replacement": self.replacement.canonical()}

    @model_validator(mode="after")
    def _replacement_has_its_own_id(self) -> CorrectChange:
        if self.replacement.id is None:
            raise ValueError("the replacement needs an id of its own")
        if self.replacement.id == self.change:
            raise ValueError("the replacement needs an id of its own, not that of the change it corrects")
        if self.id is not None and self.replacement.id == self.id:
            raise ValueError("the replacement and the correction need different ids")
        return self


class ReportChanges(Change):
    TYPE: ClassVar[str] = "report_changes"
    type: Literal["report_changes"] = "report_changes"
    to: Key
    meeting: Day
    changes: Annotated[list[ChangeId], Field(min_length=1, max_length=100_000)]
    reference: Name | None = None


class NoteReport(Change):
    TYPE: ClassVar[str] = "note_report"
    type: Literal["note_report"] = "note_report"
    to: Key
    meeting: Day
    paragraph: Name


CHANGE_TYPES: tuple[type[Change], ...] = (
    EstablishUnit,
    RenameUnit,
    ReclassifyUnit,
    MoveUnit,
    MergeUnits,
    SplitUnit,
    DissolveUnit,
    SpinOffUnit,
    EstablishPosition,
    MovePosition,
    AbolishPosition,
    GrantDelegation,
    AmendDelegation,
    RevokeDelegation,
    Subdelegate,
    CancelChange,
    CorrectChange,
    ReportChanges,
    NoteReport,
)
CHANGE_CLASSES: dict[str, type[Change]] = {cls.TYPE: cls for cls in CHANGE_TYPES}

AnyChange = Annotated[
    EstablishUnit
    | RenameUnit
    | ReclassifyUnit
    | MoveUnit
    | MergeUnits
    | SplitUnit
    | DissolveUnit
    | SpinOffUnit
    | EstablishPosition
    | MovePosition
    | AbolishPosition
    | GrantDelegation
    | AmendDelegation
    | RevokeDelegation
    | Subdelegate
    | CancelChange
    | CorrectChange
    | ReportChanges
    | NoteReport,
    Field(discriminator="type"),
]

change_adapter: TypeAdapter[Change] = TypeAdapter(AnyChange)


def change_from_canonical(data: dict[str, Any]) -> Change:
    """Rebuild a change from its canonical (stored) form.

    Its text is read as it was recorded: an event written before a check of text
    existed (or by other means) must stay readable, and documents clean it on output.
    """
    return change_adapter.validate_python(data, context=AS_STORED)


@dataclass(frozen=True, slots=True)
class Packed:
    """A recorded change held as its canonical JSON, made into a change again when it is read.

    A register read from a snapshot holds its changes so (`Register.from_snapshot_state`): a
    change as a pydantic model (and its decision, another) is some 1 KiB in memory, its JSON a
    quarter of that, and a serving process rarely reads an old change again (a cancellation's
    or a correction's target, a re-fold from a day long past). `id` and `effective` (None: the
    change has no day) are what the timeline asks of an entry without reading the change."""

    id: str
    effective: date | None
    payload: bytes

    @staticmethod
    def of(change: Change) -> Packed:
        effective = change.effective if isinstance(change, DatedChange) else None
        payload = json.dumps(change.canonical(), ensure_ascii=False, separators=(",", ":"))
        return Packed(change.id or "", effective, payload.encode())

    @property
    def type(self) -> str:
        """The change's type, read from the head of its JSON (`canonical` writes it first)."""
        if not self.payload.startswith(b'{"type":"'):
            raise ValueError("a packed change's JSON begins with its type")
        return self.payload[9 : self.payload.index(b'"', 9)].decode()

    def unpack(self) -> Change:
        """The change, as recorded (its text read as stored, as from an event)."""
        return change_adapter.validate_json(self.payload, context=AS_STORED)


def unpacked(change: Change | Packed) -> Change:
    """The change an entry or a record holds, made again if it is held packed."""
    return change.unpack() if type(change) is Packed else change  # type: ignore[return-value]


def type_of(change: Change | Packed) -> str:
    """A change's type, without making a packed change again."""
    return change.type if isinstance(change, Packed) else change.TYPE
