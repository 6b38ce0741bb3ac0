"""Reading and writing change files (`format: orgchange/v1`, YAML or JSON).

Reading only checks the file's form (docs/change-files.md): that it is YAML/JSON,
that every entry has a known `type` and well-typed fields. The rules that need
the register are checked when the changes are recorded.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import TypeAdapter, ValidationError

from orgchange.adapters.collection import collection_paused
from orgchange.application.errors import MalformedInput
from orgchange.domain import messages
from orgchange.domain.changes import CHANGE_CLASSES, Change, Name, change_adapter
from orgchange.domain.messages import Text

FORMAT = "orgchange/v1"
MAX_PROBLEMS = 20
NUL_MESSAGE = "text cannot contain the character U+0000 (NUL)"

# A change file is at most this large (in UTF-8): the largest register measured, of 500,000
# changes, is about a fifth of it. It bounds the work of reading before anything is read.
MAX_DOCUMENT_BYTES = 256 * 2**20


def _timestamp_as_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> str:
    # Dates are read as text and checked by the change types: PyYAML's own date
    # constructor fails with a bare ValueError on 2017-02-30 and accepts times.
    return loader.construct_scalar(node)


def _unique_keys(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    """A mapping whose keys are each written once: PyYAML keeps the last of a repeated key
    without a word, so `name:` written twice in a change would record the second silently."""
    seen: set[str] = set()
    for key_node, _ in node.value:
        if isinstance(key_node, yaml.ScalarNode):
            if key_node.value in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key {key_node.value!r} is written twice", key_node.start_mark
                )
            seen.add(key_node.value)
    return yaml.SafeLoader.construct_mapping(loader, node, deep)


class _PythonLoader(yaml.SafeLoader):
    """PyYAML's safe loader in pure Python, dates read as text, each key once."""

    construct_mapping = _unique_keys


_PythonLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)

if hasattr(yaml, "CSafeLoader"):

    class _LibyamlLoader(yaml.CSafeLoader):
        """The same with libyaml's parser and composer (in C: several times faster)."""

        construct_mapping = _unique_keys

    _LibyamlLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)
    YAML_LOADERS: dict[str, type] = {"libyaml": _LibyamlLoader, "python": _PythonLoader}
else:  # PyYAML built without libyaml
    YAML_LOADERS = {"python": _PythonLoader}
YAML_LOADER = next(iter(YAML_LOADERS.values()))


# YAML nodes (scalars, lists, mappings) a file may hold: this many, and one more for every
# NODE_BYTES bytes of it. A change file has about one node in 15 bytes; a file of tiny nodes
# (`[a,a,a,…]`, one in 2 bytes) takes some 350 bytes of memory per node once loaded, so 2 MB
# of them took 350 MB.
BASE_NODES = 10_000
NODE_BYTES = 8
NODES_CODE = "YAML_TOO_MANY_NODES"
_NODE_EVENTS = (yaml.ScalarEvent, yaml.SequenceStartEvent, yaml.MappingStartEvent)


# At most this many, whatever the size: 2.4 million tiny nodes (19 MB) took a gigabyte to load.
# A file of 10,000 changes holds some 300,000; a larger register is written as JSON.
MAX_NODES = 400_000
TOO_MANY_CHANGES = "TOO_MANY_CHANGES"


def node_budget(text: str) -> int:
    return min(BASE_NODES + len(text) // NODE_BYTES, MAX_NODES)


def _scan(text: str, source: str, loader: type) -> None:
    """No anchors (&name) or aliases (*name), and no more nodes than the budget.

    A change file never needs anchors, and aliases are how a few hundred bytes of YAML
    expand into gigabytes ("billion laughs"); a file of many tiny nodes does the same
    without them, more slowly. Checked on the parser's events, one at a time and before
    anything is composed (libyaml composes the document in C, where no Python hook on the
    composer would ever run): a file over the budget is refused at the node that passes it.
    """
    budget = node_budget(text)
    shown = f"{budget:,}".replace(",", " ")
    nodes = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, _NODE_EVENTS):
            nodes += 1
            if nodes > budget:
                mark = event.start_mark
                assert mark is not None  # the parser marks where each event starts
                raise MalformedInput(
                    [
                        messages.text(
                            NODES_CODE, source=source, limit=shown, line=mark.line + 1, column=mark.column + 1
                        )
                    ]
                )
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            mark = event.start_mark
            assert mark is not None  # the parser marks where each event starts
            raise MalformedInput(
                [
                    messages.text(
                        "malformed-input:anchors", source=source, line=mark.line + 1, column=mark.column + 1
                    )
                ]
            )


def holds_nul(value: Any) -> bool:
    """Whether any text in `value` (keys included, at any depth) holds U+0000.

    PostgreSQL can neither store nor compare such text, so it is refused where it comes in:
    in a change file here, in GraphQL arguments and REST parameters by the API.
    """
    pending = [value]
    while pending:  # not recursive: a hostile file may nest a thousand levels deep
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list | tuple):
            pending.extend(item)
    return False


# The organisation's display name: text like a unit's name (at most 200 characters).
_organisation_name: TypeAdapter[str] = TypeAdapter(Name)


@dataclass(frozen=True)
class ChangeFile:
    changes: list[Change]
    organisation: str | None = None


class RepeatedKey(Exception):
    """A key written twice in one JSON object."""

    def __init__(self, key: str):
        self.key = key


def unique_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object whose keys are each written once (json keeps the last, silently)."""
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise RepeatedKey(key)
            seen.add(key)
    return result


def _load_text(text: str | bytes, source: str, loader: type | None = None) -> Any:
    """The file's content as Python values: JSON if it reads as JSON, else YAML (safe, no aliases).

    `loader` is one of `YAML_LOADERS` (by default the fastest there is).
    """
    limit = MAX_DOCUMENT_BYTES
    if len(text) > limit:  # bytes, or characters (each at least a byte)
        raise MalformedInput([messages.text("malformed-input:too-large", source=source, limit=f"{limit:,}")])
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise MalformedInput([messages.text("malformed-input:not-utf8", source=source)]) from None
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            return json.loads(text, object_pairs_hook=unique_object)
        except RepeatedKey as repeated:
            raise MalformedInput(
                [messages.text("malformed-input:repeated-key", source=source, key=_shown(repeated.key))]
            ) from None
        except json.JSONDecodeError:
            pass  # maybe YAML flow style; let the YAML reader say what is wrong
        except ValueError:  # an integer of more digits than Python converts (sys.get_int_max_str_digits)
            limit = sys.get_int_max_str_digits()
            raise MalformedInput(
                [messages.text("malformed-input:long-number", source=source, limit=limit)]
            ) from None
        except RecursionError:
            raise MalformedInput([messages.text("malformed-input:too-deep", source=source)]) from None
    loader = loader or YAML_LOADER
    try:
        _scan(text, source, loader)
        return yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as error:
        where: str | Text = ""
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        if mark is not None:
            where = messages.text("malformed-input:where", line=mark.line + 1, column=mark.column + 1)
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise MalformedInput(
            [messages.text("malformed-input:not-yaml", source=source, where=where, problem=problem)]
        ) from None
    except RecursionError:
        raise MalformedInput([messages.text("malformed-input:too-deep", source=source)]) from None
    except (ValueError, TypeError, OverflowError) as error:  # a value no constructor could take
        raise MalformedInput(
            [
                messages.text(
                    "malformed-input:not-yaml", source=source, where="", problem=_shown(str(error), 120)
                )
            ]
        ) from None


def parse_change_file(
    text: str | bytes,
    source: str = "change file",
    *,
    yaml_loader: type | None = None,
    max_changes: int | None = None,
) -> ChangeFile:
    """A change file read and checked for form; `yaml_loader` is one of `YAML_LOADERS`;
    a file of more than `max_changes` changes is refused before any is checked."""
    with collection_paused():  # a long file is hundreds of thousands of objects that stay
        return _parse_change_file(text, source, yaml_loader, max_changes)


def _parse_change_file(
    text: str | bytes, source: str, yaml_loader: type | None, max_changes: int | None = None
) -> ChangeFile:
    data = _load_text(text, source, yaml_loader)
    if not isinstance(data, dict):
        raise MalformedInput([messages.text("malformed-input:not-a-file", source=source)])
    problems: list[str | Text] = []
    # A YAML key need not be text (`? ` is a null key, `1:` a number): sort and show them as text.
    unknown = sorted(str(key) for key in data if key not in ("format", "organisation", "changes"))
    if unknown:
        problems.append(
            messages.text("malformed-input:unknown-fields", source=source, fields=", ".join(unknown))
        )
    if data.get("format") != FORMAT:
        problems.append(
            messages.text(
                "malformed-input:format", source=source, expected=FORMAT, found=_shown(data.get("format"))
            )
        )
    organisation = data.get("organisation")
    if organisation is not None and not isinstance(organisation, str):
        problems.append(messages.text("malformed-input:organisation-text", source=source))
    elif organisation is not None and holds_nul(organisation):
        problems.append(messages.text("malformed-input:organisation-nul", source=source))
    elif organisation is not None and not organisation.strip():
        organisation = None  # as if not given
    elif organisation is not None:
        try:
            organisation = _organisation_name.validate_python(organisation)
        except ValidationError as error:
            problems.append(f"{source}: {_describe(error.errors()[0], 'organisation')}")
    entries = data.get("changes")
    if not isinstance(entries, list):
        problems.append(messages.text("malformed-input:changes-list", source=source))
        entries = []
    if max_changes is not None and len(entries) > max_changes:
        raise MalformedInput(
            [
                messages.text(
                    TOO_MANY_CHANGES,
                    source=source,
                    count=f"{len(entries):,}".replace(",", " "),
                    limit=f"{max_changes:,}".replace(",", " "),
                )
            ]
        )
    changes: list[Change] = []
    for index, entry in enumerate(entries, start=1):
        try:
            changes.append(parse_change(entry, index))
        except MalformedInput as error:
            problems.extend(error.reasons)
        if len(problems) >= MAX_PROBLEMS:
            problems.append(messages.text("malformed-input:more"))
            break
    if problems:
        raise MalformedInput(problems)
    return ChangeFile(changes=changes, organisation=organisation)


def parse_change(entry: Any, index: int) -> Change:
    """One entry of a change file, or `MalformedInput` naming it by position and id."""
    if not isinstance(entry, dict):
        raise MalformedInput([messages.text("malformed-input:not-a-mapping", index=index)])
    change_id = entry.get("id")
    label = messages.text(
        "malformed-input:change", index=index, ident=f" ({change_id})" if isinstance(change_id, str) else ""
    )
    if holds_nul(entry):
        raise MalformedInput([messages.text("malformed-input:nul", index=index)])
    change_type = entry.get("type")
    if not isinstance(change_type, str) or change_type not in CHANGE_CLASSES:
        expected = ", ".join(CHANGE_CLASSES)
        what = (
            messages.text("malformed-input:no-type")
            if change_type is None
            else messages.text("malformed-input:type", type=_shown(change_type))
        )
        raise MalformedInput(
            [messages.text("malformed-input:unknown-type", label=label, what=what, expected=expected)]
        )
    try:
        return change_adapter.validate_python(entry)
    except ValidationError as error:
        raise MalformedInput(
            [f"{label} {change_type}: {_describe(e)}" for e in error.errors()[:MAX_PROBLEMS]]
        ) from None
    except RecursionError:
        raise MalformedInput(
            [messages.text("malformed-input:change-too-deep", label=label, type=change_type)]
        ) from None


def _shown(value: Any, limit: int = 60) -> str:
    """A value as written in a message, cut short: a hostile file may put megabytes anywhere."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _describe(error: Any, field: str | None = None) -> str:
    """One of pydantic's problems in the words of a change file's errors."""
    if field is None:
        field = ".".join(str(part) for part in error["loc"][1:])  # drop the union tag
    message = error["msg"]
    if error["type"] == "missing":
        return f"missing field '{field}'"
    if error["type"] == "extra_forbidden":
        return f"unknown field '{field}'"
    if error["type"] == "text_character":  # "field 'name' holds a control character (U+000B, …)"
        return f"field '{field}' {message}"
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    return f"field '{field}': {message}" if field else message


def load_change_file(path: str | Path) -> ChangeFile:
    source = str(path)
    try:
        text = Path(path).read_bytes()
    except OSError as error:
        raise MalformedInput(
            [messages.text("malformed-input:unreadable", source=source, reason=error.strerror)]
        ) from None
    return parse_change_file(text, source)


def dump_change_file(entries: list[dict[str, Any]], organisation: str | None, fmt: str = "yaml") -> str:
    document: dict[str, Any] = {"format": FORMAT}
    if organisation:
        document["organisation"] = organisation
    document["changes"] = entries
    return dump_document(document, fmt)


def dump_document(document: dict[str, Any], fmt: str = "yaml") -> str:
    """A file of this service's (change file, decisions file) as JSON or YAML, its keys in order."""
    if fmt == "json":
        return json.dumps(document, ensure_ascii=False, indent=1)
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(document, Dumper=dumper, allow_unicode=True, sort_keys=False, width=100)
