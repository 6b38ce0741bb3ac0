"""Typed inputs for a draft's changes: one GraphQL input type per change type (docs/drafts.md#graphql).

`ChangeInput` is a `@oneOf` input with a field per change type (`mergeUnits: MergeUnitsInput`, …);
each input type is made from the change type's own pydantic class in `orgchange/domain/changes.py`,
so a field is declared once and a new change type gets its input with no code here. What a caller
gives becomes a change-file entry again (`entry_of`), which the draft checks as it checks any file.

Fields map as: text, keys and kinds → String; days → Date; booleans → Boolean; lists → lists; the
decision and a split's successors → input types of their own; a mapping (a split's `children`,
`positions`) or anything else → JSON.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import types
import typing
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import strawberry
from pydantic import BaseModel
from strawberry.scalars import JSON

from orgchange.domain.changes import CHANGE_CLASSES

# Reporting is recorded with its own mutations, not prepared in a draft.
DRAFTED_TYPES = tuple(t for t in CHANGE_CLASSES if t not in ("report_changes", "note_report"))

_made: dict[type, type] = {}


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(part.title() for part in rest)


def _pascal(snake: str) -> str:
    return "".join(part.title() for part in snake.split("_"))


def _graphql_type(annotation: Any) -> Any:
    """The GraphQL form of a pydantic field's type (without its nullability)."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _graphql_type(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        inner = [a for a in get_args(annotation) if a is not type(None)]
        return _graphql_type(inner[0]) if len(inner) == 1 else JSON
    if origin is list:
        return list[_graphql_type(get_args(annotation)[0])]  # type: ignore[misc]
    if origin is Literal or annotation is str:
        return str
    if annotation is bool:
        return bool
    if annotation is dt.date:
        return dt.date
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return input_of(annotation, f"{annotation.__name__}Input")
    return JSON


def input_of(model: type[BaseModel], name: str) -> type:
    """The input type of `model`'s fields (its `type` left out: the field of `ChangeInput` says it)."""
    if model in _made:
        return _made[model]
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {}
    keys: dict[str, str] = {}
    for field_name, field in model.model_fields.items():
        if field_name == "type":
            continue
        kind = _graphql_type(field.annotation)
        key = field.alias or field_name
        keys[field_name] = key
        if field.is_required():
            annotations[field_name] = kind
            namespace[field_name] = strawberry.field(name=_camel(key))
        else:
            annotations[field_name] = typing.Optional[kind]  # noqa: UP045 - built at run time
            namespace[field_name] = strawberry.field(name=_camel(key), default=strawberry.UNSET)
    namespace["__annotations__"] = annotations
    namespace["__change_keys__"] = keys
    made = strawberry.input(type(name, (), namespace), name=name)
    _made[model] = made
    return made


def _change_input() -> type:
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {}
    for change_type in DRAFTED_TYPES:
        kind = input_of(CHANGE_CLASSES[change_type], f"{_pascal(change_type)}Input")
        annotations[change_type] = typing.Optional[kind]  # noqa: UP045 - built at run time
        namespace[change_type] = strawberry.field(name=_camel(change_type), default=strawberry.UNSET)
    namespace["__annotations__"] = annotations
    return strawberry.input(
        type("ChangeInput", (), namespace),
        name="ChangeInput",
        description=(
            "One change of a draft, typed: exactly one field, named after its change type "
            "(docs/change-files.md#the-change-types)."
        ),
        one_of=True,
    )


ChangeInput = _change_input()


def entry_of(change: Any) -> dict[str, Any]:
    """The change-file entry of a `ChangeInput`: `{"type": …, fields…}` as a file writes them."""
    for change_type in DRAFTED_TYPES:
        given = getattr(change, change_type, strawberry.UNSET)
        if given is not strawberry.UNSET and given is not None:
            return {"type": change_type, **_value(given)}
    return {}


def _value(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        keys: dict[str, str] = getattr(value, "__change_keys__", {})
        return {
            keys.get(f.name, f.name): _value(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if getattr(value, f.name) is not strawberry.UNSET
        }
    if isinstance(value, list):
        return [_value(item) for item in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
