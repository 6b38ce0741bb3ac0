"""Small helpers to write change files in tests, in the contract's own words."""

from __future__ import annotations

import typing
from typing import Any

from pydantic import BaseModel, BeforeValidator

from orgchange.application.changefile import parse_change
from orgchange.domain.changes import Change
from orgchange.domain.text import line_at_the_door, lines_at_the_door


def change(type_: str, **fields: Any) -> Change:
    """One change; `from_` stands for the contract's `from`."""
    if "from_" in fields:
        fields["from"] = fields.pop("from_")
    return parse_change({"type": type_, **fields}, 1)


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
            is_list = typing.get_origin(field.annotation) is list
            found += text_fields(nested, (*prefix, key, *(("0",) if is_list else ())))
    return found
