"""Many stored events decoded at once, for a rebuild: each distinct value converted once.

The mapper (`eventstore.VersionedMapper.to_domain_event`) decodes one event at a time:
the JSON with a Python hook called for every object in it, every instant parsed again
(all the events of one transaction share one), and every change validated by pydantic
from its stored entry as if it came from a file. A rebuild reads every event of the
register, and that was most of its time. Here, for the events this version wrote:

* the JSON is read by the C decoder without a hook, and the few tagged values
  (`{"_type_": …, "_data_": …}`) are found by walking what it gave;
* an instant or a day is parsed once per distinct text;
* a change stored in the current schema (`CHANGE_SCHEMA_VERSION`) is built from its
  entry without validating it again (`trusted_change`): it was validated when it was
  recorded, and the entry is the change's own `canonical()`. The fields are converted
  as validation would convert them (days from their ISO text, nested models built the
  same way), and the fields given are the fields set, so `canonical()` is the same.

Anything else — an event of an older class version (upcast), an entry of an older schema,
an entry with text that validation would still change (surrounding blanks), a cipher or
a compressor — goes the mapper's own way, event by event, so the answer is the same.
"""

from __future__ import annotations

import json
import types
from collections.abc import Callable, Hashable, Sequence
from datetime import date
from functools import cache, lru_cache
from typing import Annotated, Any, Literal, Union, cast, get_args, get_origin

from eventsourcing.persistence import JSONTranscoder, StoredEvent, find_id_convertor
from eventsourcing.utils import resolve_topic
from pydantic import BaseModel, StringConstraints
from pydantic_core import PydanticUndefined

from orgchange.domain.changes import CHANGE_TYPES, Change
from orgchange.domain.versions import CHANGE_SCHEMA_VERSION

Convert = Callable[[Any], Any]
_SKIP = object()  # a value the fast path cannot vouch for: the event goes the mapper's way


class _NotTrusted(Exception):
    """The stored entry is not one this version wrote as it stands."""


_BY_TYPE: dict[str, type[Change]] = {cls.TYPE: cls for cls in CHANGE_TYPES}


@lru_cache(maxsize=65_536)
def _day(text: str) -> date:
    return date.fromisoformat(text)


def _identity(value: Any) -> Any:
    return value


def _stripped(value: Any) -> Any:
    """Text that validation strips: trusted only if there is nothing to strip."""
    if type(value) is not str or (value and (value[0].isspace() or value[-1].isspace())):
        raise _NotTrusted
    return value


def _as_day(value: Any) -> date:
    if type(value) is not str or len(value) != 10:
        raise _NotTrusted
    return _day(value)


def _converter(annotation: Any) -> Convert:
    """How validation turns the stored JSON value of a field of this type into the field's value."""
    origin = get_origin(annotation)
    if origin is Annotated:
        base, *metadata = get_args(annotation)
        inner = _converter(base)
        if any(isinstance(m, StringConstraints) and m.strip_whitespace for m in metadata):
            if inner is not _identity:
                raise TypeError(f"stripped text of another type: {annotation!r}")
            return _stripped
        return inner
    if origin in (Union, types.UnionType):
        options = [a for a in get_args(annotation) if a is not type(None)]
        if len(options) == 1:
            inner = _converter(options[0])
            if inner is _identity:
                return _identity
            return lambda value: None if value is None else inner(value)
        if all(isinstance(o, type) and issubclass(o, Change) for o in options):
            return _any_change  # a discriminated union of changes, by `type`
        raise TypeError(f"a union the fast path does not know: {annotation!r}")
    if origin is Literal or annotation in (str, bool, int):
        return _identity
    if origin is list:
        (item,) = get_args(annotation)
        inner = _converter(item)
        if inner is _identity:
            return lambda value: list(value) if type(value) is list else _untrusted()
        return lambda value: [inner(v) for v in value] if type(value) is list else _untrusted()
    if origin is dict:
        key, item = get_args(annotation)
        if _converter(key) is not _identity or _converter(item) is not _identity:
            raise TypeError(f"a mapping the fast path does not know: {annotation!r}")
        return lambda value: dict(value) if type(value) is dict else _untrusted()
    if annotation is date:
        return _as_day
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _model(annotation)
    raise TypeError(f"a field type the fast path does not know: {annotation!r}")


def _untrusted() -> Any:
    raise _NotTrusted


@cache
def _fields(model: type[BaseModel]) -> dict[str, tuple[str, Convert]]:
    """Stored name (alias) → (field name, conversion), for every field of `model`."""
    fields: dict[str, tuple[str, Convert]] = {}
    for name, info in model.model_fields.items():
        # pydantic keeps a field's own constraints beside its type (`metadata`), not in it.
        annotation = Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
        fields[info.alias or name] = (name, _converter(annotation))
    return fields


@cache
def _model(model: type[BaseModel]) -> Convert:
    """Builds `model` as `model_construct` does (the fields in their order, defaults for those
    not given, the given ones as the fields set), without its per-call bookkeeping."""
    fields = _fields(model)
    order = list(model.model_fields)
    missing = {
        name: (info.default_factory, info.default)
        for name, info in model.model_fields.items()
        if info.default_factory is not None or info.default is not PydanticUndefined
    }
    if model.__private_attributes__ or model.model_config.get("extra") == "allow":
        raise TypeError(f"a model the fast path does not know: {model!r}")
    new = object.__new__
    set_attribute = object.__setattr__

    def build(value: Any) -> BaseModel:
        if type(value) is not dict:
            raise _NotTrusted
        given: dict[str, Any] = {}
        for stored, item in value.items():
            found = fields.get(stored)
            if found is None:
                raise _NotTrusted  # validation would refuse it (extra="forbid")
            name, convert = found
            given[name] = convert(item)
        values: dict[str, Any] = {}
        for name in order:
            if name in given:
                values[name] = given[name]
            elif name in missing:
                factory, default = missing[name]
                values[name] = factory() if factory is not None else default  # type: ignore[call-arg]
            else:
                raise _NotTrusted  # a required field not given: validation would refuse it
        built = new(model)
        set_attribute(built, "__dict__", values)
        set_attribute(built, "__pydantic_fields_set__", set(given))
        set_attribute(built, "__pydantic_extra__", None)
        set_attribute(built, "__pydantic_private__", None)
        return built

    return build


def _any_change(value: Any) -> Change:
    if type(value) is not dict:
        raise _NotTrusted
    cls = _BY_TYPE.get(value.get("type"))  # type: ignore[arg-type]
    if cls is None:
        raise _NotTrusted
    built = _model(cls)(value)
    assert isinstance(built, Change)
    return built


def trusted_change(entry: dict[str, Any]) -> Change | None:
    """The change whose canonical entry (as this version stores it) is `entry`, built without
    validating it again; None if the entry is not one to trust as it stands."""
    try:
        return _any_change(entry)
    except _NotTrusted:
        return None


class BulkDecoder:
    """Decodes the stored events of one read of the register (a rebuild), sharing what they share."""

    def __init__(self, transcoder: JSONTranscoder, one_by_one: Callable[[StoredEvent], Any]):
        self.transcoder = transcoder
        self.one_by_one = one_by_one  # the mapper's own way, for anything not decoded here
        self._classes: dict[str, type] = {}
        self._tagged: dict[tuple[str, str], Any] = {}

    def decode(self, stored_events: Sequence[StoredEvent]) -> list[Any]:
        return [self._event(stored) for stored in stored_events]

    def _event(self, stored: StoredEvent) -> Any:
        cls = self._classes.get(stored.topic)
        if cls is None:
            cls = self._classes[stored.topic] = resolve_topic(stored.topic)
        try:
            state = json.loads(stored.state)
        except ValueError:
            return self.one_by_one(stored)  # which says what is wrong with it
        if type(state) is not dict or state.pop("class_version", 1) != getattr(cls, "class_version", 1):
            return self.one_by_one(stored)  # to be upcast (or refused) by the mapper
        for name, value in state.items():
            if type(value) is dict or type(value) is list:
                value = self._walk(value)
                if value is _SKIP:
                    return self.one_by_one(stored)
                state[name] = value
        convert = find_id_convertor(cls, cast(Hashable, type(stored.originator_id)))
        state["originator_id"] = convert(stored.originator_id)
        state["originator_version"] = stored.originator_version
        event = object.__new__(cls)
        object.__setattr__(event, "__dict__", state)
        return event

    def _walk(self, value: Any) -> Any:
        if type(value) is list:
            items = [self._walk(v) for v in value]
            return _SKIP if any(v is _SKIP for v in items) else items
        if type(value) is not dict:
            return value
        if len(value) == 2 and "_type_" in value and "_data_" in value:
            return self._tagged_value(value["_type_"], value["_data_"])
        walked = {k: self._walk(v) for k, v in value.items()}
        return _SKIP if any(v is _SKIP for v in walked.values()) else walked

    def _tagged_value(self, name: Any, data: Any) -> Any:
        if type(data) is str:  # an instant, a day, …: once per distinct text
            key = (name, data)
            found = self._tagged.get(key)
            if found is None:
                transcoding = self.transcoder.names.get(name)
                if transcoding is None:
                    return _SKIP
                found = self._tagged[key] = transcoding.decode(data)
            return found
        if type(name) is str and name.startswith("change:") and type(data) is dict:
            if data.get("schema") != CHANGE_SCHEMA_VERSION or type(data.get("entry")) is not dict:
                return _SKIP  # an older schema (or 0.1.0's bare entry): upcast by the mapper
            change = trusted_change(data["entry"])
            if change is None or name != f"change:{change.TYPE}":
                return _SKIP
            return change
        return _SKIP
