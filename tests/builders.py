"""Small builders for tests: changes in the words of a change file, and a register of the
domain with changes recorded in it (no database: the unit tier builds on these).

Everything here comes from `orgchange.domain` alone, so that the unit tier stays free of
adapters and databases."""

from __future__ import annotations

import copy
import typing
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pydantic import BaseModel, BeforeValidator

from orgchange.domain.changes import Change, change_adapter
from orgchange.domain.errors import ChangeRejected
from orgchange.domain.register import Register
from orgchange.domain.text import line_at_the_door, lines_at_the_door


def change(type_: str, **fields: Any) -> Change:
    """One change; `from_` stands for the contract's `from`."""
    if "from_" in fields:
        fields["from"] = fields.pop("from_")
    return change_adapter.validate_python({"type": type_, **fields})


# --- a register of the domain, without a database ----------------------------------------------

RECORDED_AT = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def register(*changes: Change | Iterable[Change], organisation: str | None = None) -> Register:
    """A new register with the changes recorded in it, in order (lists are flattened)."""
    started = Register.start(organisation)
    record(started, *changes)
    return started


def record(into: Register, *changes: Change | Iterable[Change], by: str = "test") -> list[str]:
    """Record the changes as one command, all or nothing, as the application does: on a working
    copy of the register, kept only if every change is accepted; each command a second after
    the one before (what the register knew when is then a matter of its timestamps)."""
    flat: list[Change] = []
    for item in changes:
        flat.extend([item] if isinstance(item, BaseModel) else item)  # type: ignore[list-item]
    working = copy.deepcopy(into)
    ids = working.record(flat, by, next_instant(into))
    pending = into._pending_events + working._pending_events  # type: ignore[attr-defined]
    into.__dict__.update(working.__dict__)
    into._pending_events = pending  # type: ignore[attr-defined]
    return ids


def next_instant(of: Register) -> datetime:
    """A second after the last change the register recorded."""
    last = max((recorded.recorded_at for recorded in of.log.values()), default=RECORDED_AT)
    return last + timedelta(seconds=1)


def refused(into: Register, *changes: Change) -> ChangeRejected:
    """The rejection of a command of these changes; the register is left as it was."""
    try:
        record(into, *changes)
    except ChangeRejected as rejection:
        return rejection
    raise AssertionError("the register recorded changes that a rule should refuse")


def organisation_on(of: Register, day: str) -> dict[str, Any]:
    """The units in effect on a day, by key."""
    return of.timeline.organisation_on(date.fromisoformat(day))


def base_organisation() -> list[Change]:
    """KF, KS with an office, two units and a few posts, all from 2012-01-01."""
    d = "2012-01-01"
    return [
        change("establish_unit", id="kf", effective=d, unit="kf", name="Kommunfullmäktige", kind="council"),
        change(
            "establish_unit",
            id="ks",
            effective=d,
            unit="ks",
            name="Kommunstyrelsen",
            kind="board",
            parent="kf",
        ),
        change(
            "establish_unit", id="sn", effective=d, unit="sn", name="Socialnämnden", kind="board", parent="kf"
        ),
        change(
            "establish_unit",
            id="ksau",
            effective=d,
            unit="ksau",
            name="Arbetsutskottet",
            kind="committee",
            parent="ks",
        ),
        change(
            "establish_unit",
            id="slk",
            effective=d,
            unit="slk",
            name="Stadsledningskontoret",
            kind="office",
            parent="ks",
        ),
        change(
            "establish_unit",
            id="kfv",
            effective=d,
            unit="kfv",
            name="Kultur och fritid",
            kind="unit",
            parent="slk",
        ),
        change(
            "establish_unit",
            id="va",
            effective=d,
            unit="va",
            name="Vatten och avfall",
            kind="unit",
            parent="slk",
        ),
        change(
            "establish_position",
            id="p-sd",
            effective=d,
            position="stadsdirektor",
            title="Stadsdirektör",
            unit="slk",
            director=True,
        ),
        change(
            "establish_position",
            id="p-kc",
            effective=d,
            position="kulturchef",
            title="Kulturchef",
            unit="kfv",
        ),
        change("establish_position", id="p-vc", effective=d, position="va-chef", title="VA-chef", unit="va"),
    ]


# --- the text fields of the change types -----------------------------------------------------------


def _checker(annotation: Any, metadata: list[Any]) -> str | None:
    """'line' or 'lines' if the type (or a member of its union) is one of the text types."""
    for item in metadata:
        if isinstance(item, BeforeValidator) and item.func in (line_at_the_door, lines_at_the_door):
            return "line" if item.func is line_at_the_door else "lines"
    if typing.get_origin(annotation) is typing.Annotated:
        base, *extra = typing.get_args(annotation)
        return _checker(base, extra)
    for member in typing.get_args(annotation):
        found = _checker(member, [])
        if found:
            return found
    return None


def _models(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [model for member in typing.get_args(annotation) for model in _models(member)]


def text_fields(model: type[BaseModel], prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], str]]:
    """Every text field of a model as (path, 'line' | 'lines'); nested models (a decision, the
    successors of a split) by their paths, a list's item as its first."""
    found = []
    for name, field in model.model_fields.items():
        key = field.alias or name
        kind = _checker(field.annotation, list(field.metadata))
        if kind:
            found.append(((*prefix, key), kind))
        for nested in _models(field.annotation):
            if issubclass(nested, Change):
                continue  # a correction's replacement: a change of its own type, walked as that type
            is_list = typing.get_origin(field.annotation) is list
            found += text_fields(nested, (*prefix, key, *(("0",) if is_list else ())))
    return found
