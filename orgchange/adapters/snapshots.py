"""Snapshots of the register: its state at one version, stored beside the events.

A process that starts reads the newest usable snapshot and the events after it, instead
of replaying the whole history (docs/operations.md#snapshots). A snapshot is a cache:
events are never derived from it, a rebuild never reads it, and one that cannot be
trusted is skipped (with a log line) for an older one or for the events alone.

Stored in two tables (migration 0005_register_snapshots): `register_snapshots`, one row per snapshot —
the register's version, the format version, the shape of the state's classes, the
digest and size of the payload — and `register_snapshot_parts`, the payload in parts
of at most `PART_BYTES`. The parts are written first, each in a transaction of its
own (a writer of events waits for SQLite's lock for one part at most), and the row's
digest last: a snapshot without a digest is unfinished (its writer is still at it, or
was killed) and is never read.

The payload is the register's `snapshot_state`, pickled a chunk at a time and compressed
with zlib: a sequence of pickles, each of which refers to no object of another (the pickler
forgets between them, so it holds one chunk's objects at a time, not the whole register's),
while equal short strings, days and field sets are written once and named by number after
(`_Sharing`), so that the register read back holds one of each. A payload written before
(one pickler whose memo every later pickle could refer to, without the first pickle
`PICKLES_APART`) is still read. It is read back by an unpickler that makes nothing but the
register's own value classes and dates, so a payload that was tampered with cannot run
code. A snapshot is used only if
* its `format` is `SNAPSHOT_FORMAT` (raised by hand when the fold's results change for
  the same events: a snapshot of the old fold would not be what replay gives), and
* its `shape` is this code's `state_shape()` (the classes pickled, their fields and
  types: a class that gained or lost a field makes older snapshots unreadable), and
* its digest matches the parts read, and the payload unpickles to a register of the
  version its row names.
"""

from __future__ import annotations

import contextlib
import copyreg
import dataclasses
import hashlib
import io
import logging
import operator
import os
import pickle
import re
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from types import ModuleType
from typing import Any
from uuid import UUID

from pydantic import BaseModel
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Engine,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    delete,
    func,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from orgchange.domain import changes, records
from orgchange.domain import register as register_module
from orgchange.domain.changes import Packed
from orgchange.domain.register import Recorded, Register
from orgchange.domain.versions import CHANGE_SCHEMA_VERSION

log = logging.getLogger("orgchange.snapshots")

# Raised by hand whenever the same events would fold to another state than before (a rule's
# effect changed): snapshots of another format are skipped, and the state comes from events.
SNAPSHOT_FORMAT = 1
SNAPSHOTS_TABLE = "register_snapshots"
PARTS_TABLE = "register_snapshot_parts"
PART_BYTES = 4 * 1024 * 1024  # compressed bytes per stored part
CHUNK_ITEMS = 5_000  # entries of a dict pickled at a time, between which other threads run
SWITCH_SECONDS = 0.0005  # Python's thread switch interval while a snapshot is taken (`_switching_often`)
MAX_EXPANSION = 50  # a payload expanding more than this is refused (`_Decompressed`)
READ_BUFFER = 64 * 1024  # bytes read ahead for the unpickler (`decode`)
KEEP = 2  # finished snapshots kept: the newest, and one to fall back on
ABANDONED_AFTER = timedelta(hours=1)  # an unfinished snapshot this old was given up

metadata = MetaData()
snapshots_table = Table(
    SNAPSHOTS_TABLE,
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("register_version", Integer, nullable=False),
    Column("format", Integer, nullable=False),
    Column("shape", String(64), nullable=False),
    Column("taken_at", DateTime, nullable=False),  # naive UTC
    Column("parts", Integer),
    Column("size", BigInteger),  # compressed bytes
    Column("seconds", Float),  # the time taking it took
    Column("digest", String(64)),  # SHA-256 of the parts in order; NULL: unfinished
    Index("ix_register_snapshots_version", "register_version"),
)
parts_table = Table(
    PARTS_TABLE,
    metadata,
    Column("snapshot_id", Integer, primary_key=True),
    Column("part", Integer, primary_key=True),
    Column("data", LargeBinary, nullable=False),
)

_STATE_MODULES: tuple[ModuleType, ...] = (changes, records, register_module)


def _value_classes() -> dict[tuple[str, str], type]:
    """The classes a snapshot may hold: the domain's value classes, and dates and instants."""
    allowed: dict[tuple[str, str], type] = {
        ("datetime", "date"): date,
        ("datetime", "datetime"): datetime,
        ("datetime", "timedelta"): timedelta,
        ("datetime", "timezone"): timezone,
        ("uuid", "UUID"): UUID,
    }
    for module in _STATE_MODULES:
        for name, value in vars(module).items():
            if (
                isinstance(value, type)
                and value.__module__ == module.__name__
                and (dataclasses.is_dataclass(value) or issubclass(value, BaseModel))
            ):
                allowed[(module.__name__, name)] = value
    return allowed


VALUE_CLASSES = _value_classes()

# What the unpickler makes: the classes above but the mutable ones (the register itself, which
# eventsourcing makes a dataclass). A pickle may set attributes on a class it names; a value
# class refuses that (frozen, its `__setstate__` needs an instance), an ordinary class does not.
READ_CLASSES = {
    key: cls
    for key, cls in VALUE_CLASSES.items()
    if not (dataclasses.is_dataclass(cls) and not cls.__dataclass_params__.frozen)  # type: ignore[attr-defined]
}


# The first pickle of a payload whose pickles share nothing but the shared values (`encode`).
PICKLES_APART = ("orgchange snapshot: pickles apart", 2)

# Strings up to this length are written once per snapshot however many values hold them (keys,
# names, paragraphs): the register read from it then holds one object for each.
SHARED_STRING = 80


class _Shared(tuple):
    """A reference to a value an earlier pickle of the payload defined, as one pickle writes it:
    the call that gives it back as read (`_atom` with its number). Pickled by `tuple`, a C
    function: `(callable, args)` is a reducer's answer."""

    __slots__ = ()


def _atom(index: int) -> Any:
    """Stands in the payload for a shared value an earlier pickle defined; `_ValuesOnly` reads it."""
    raise UnreadableSnapshot("a shared value is read by the snapshot's unpickler only")


class _Sharing:
    """The shared values of one payload being written (short strings, days, pydantic's sets of
    the fields given), and what the pickle being written now writes for each.

    The payload is a sequence of pickles, and the pickler forgets everything between them
    (`encode`): its memo would otherwise keep every object it has written until the payload
    ends — at 200,000 changes some four million, with the temporary tuples and dicts the
    reducers make for them, several hundred MiB on top of the register for as long as a
    snapshot takes. What must stay shared across the pickles — equal values the register read
    back should hold once — is numbered here. The pickle that meets a value first writes the
    value itself (once, by its memo) and, after its own value, the list of the values it
    defined, in their numbers' order; a later pickle writes a reference to the number."""

    def __init__(self) -> None:
        self.numbers: dict[Any, int] = {}
        self.here: dict[Any, Any] = {}  # key: the value itself, or a `_Shared` reference
        self.defined: list[Any] = []  # the values the pickle being written defines
        here, met = self.here, self.met

        def same(value: Any) -> Any:
            """A short string or a day as what this pickle holds for it, ids and days inside a
            plain tuple, list or dict the same way (a key, an entry, a report's changes, a
            merge's units); any other value as it is. (A function of its own rather than a
            method: it is called for every field of every value.)"""
            kind = type(value)
            if kind is date or (kind is str and len(value) <= SHARED_STRING):
                found = here.get(value)
                return met(value, value) if found is None else found
            if kind is tuple or kind is list:
                return kind(map(same, value))
            if kind is dict:
                return {same(key): same(item) for key, item in value.items()}
            return value

        self.same = same

    def met(self, key: Any, value: Any) -> Any:
        """What the pickle being written holds for the shared value `key` stands for, met in it
        for the first time: `value` itself if no pickle held it before, else its number."""
        number = self.numbers.get(key)
        if number is None:
            self.numbers[key] = len(self.numbers)
            self.defined.append(value)
            found = value
        else:
            found = _Shared((_atom, (number,)))
        self.here[key] = found
        return found

    def next_pickle(self) -> None:
        self.here.clear()
        self.defined = []


def _reducers(sharing: _Sharing) -> dict[type, Callable[[Any], tuple]]:
    """How the value classes are pickled in one snapshot (a new set for each: they share what they
    have written).

    Frozen slotted dataclasses as their class and their fields' values, made again by calling
    the class: the standard library's way asks `dataclasses.fields` once per object, which at
    hundreds of thousands of versions is most of a snapshot's time. Pydantic models (the changes
    and their decisions) as a call of `_model` with their class, values and the set of the
    fields given, that set shared by every model that gave the same fields (pydantic keeps one
    per object: at 200,000 changes, 400,000 sets and some 85 MiB). Equal short strings and
    dates are written as one shared value (`_Sharing`): a register read from the snapshot holds
    one of each, not one per value that names it. The values read back are equal to the ones
    written; only their sharing differs."""
    same, met, here = sharing.same, sharing.met, sharing.here

    def fields_set(names: set[str]) -> Any:
        key = frozenset(names)
        found = here.get(key)
        return met(key, set(names)) if found is None else found

    def dataclass_reducer(cls: type, names: list[str]) -> Callable[[Any], tuple]:
        values = operator.attrgetter(*names)
        if len(names) == 1:
            return lambda obj: (cls, (same(values(obj)),))
        return lambda obj: (cls, tuple(map(same, values(obj))))

    def model_reducer(cls: type) -> Callable[[Any], tuple]:
        def reduce(obj: Any) -> tuple:
            values = {key: same(value) for key, value in obj.__dict__.items()}
            given = fields_set(obj.__pydantic_fields_set__)
            if obj.__pydantic_extra__ is None and not obj.__pydantic_private__:
                return (_model, (cls, values, given))
            return (
                copyreg.__newobj__,  # type: ignore[attr-defined]
                (cls,),
                {
                    "__dict__": values,
                    "__pydantic_extra__": obj.__pydantic_extra__,
                    "__pydantic_fields_set__": given,
                    "__pydantic_private__": obj.__pydantic_private__,
                },
            )

        return reduce

    reducers: dict[type, Callable[[Any], tuple]] = {_Shared: tuple}
    for cls in VALUE_CLASSES.values():
        if dataclasses.is_dataclass(cls):
            reducers[cls] = dataclass_reducer(cls, [f.name for f in dataclasses.fields(cls) if f.init])
        elif issubclass(cls, BaseModel):
            reducers[cls] = model_reducer(cls)
    recorded = reducers[Recorded]

    def record_packed(obj: Recorded) -> tuple:
        """A record with its change packed (`Packed`): the register read back holds it so."""
        stored = obj.stored
        if isinstance(stored, Packed):
            return recorded(obj)
        return recorded(dataclasses.replace(obj, stored=Packed.of(stored)))

    reducers[Recorded] = record_packed
    return reducers


_MODELS = frozenset(cls for cls in VALUE_CLASSES.values() if issubclass(cls, BaseModel))


def _model(cls: type[BaseModel], values: dict[str, Any], given: set[str]) -> BaseModel:
    """A pydantic model as a snapshot holds it: its class, its fields' values and the set of the
    fields given (no extra fields, no private attributes — the domain's models have neither).

    Pydantic's own pickling passes a dict of the four attributes for each model, and the
    unpickler keeps every object it made until the end of the payload: at 200,000 changes
    400,000 such dicts, some 60 MiB that are freed only once the register is read and leave the
    allocator's pages fragmented for the life of the process. A call's three arguments cost a
    third of that."""
    if cls not in _MODELS or type(values) is not dict:
        raise UnreadableSnapshot("a model in the payload is not one of the register's")
    model = cls.__new__(cls)
    _set_dict(model, values)
    _set_fields_set(model, given)
    _set_extra(model, None)
    _set_private(model, None)
    return model


# The slots of a pydantic model, set through their descriptors (as `object.__setattr__` does,
# without looking each name up: `_model` is called for every change and decision read back).
_set_dict, _set_fields_set, _set_extra, _set_private = (
    vars(BaseModel)[name].__set__
    for name in ("__dict__", "__pydantic_fields_set__", "__pydantic_extra__", "__pydantic_private__")
)


def state_shape() -> str:
    """A digest of what a snapshot's payload is made of: each class, its fields and their types."""
    # (a change is held packed, as an entry of a change file: the entries' schema and the
    # fields' names in it, aliases included, are part of what a snapshot is made of)
    lines = [
        f"format {SNAPSHOT_FORMAT}",
        f"change schema {CHANGE_SCHEMA_VERSION}",
        "timeline " + " ".join(Register.SNAPSHOT_TIMELINE),
    ]
    for (module, name), cls in sorted(VALUE_CLASSES.items()):
        if dataclasses.is_dataclass(cls):
            fields = [f"{f.name}:{f.type}" for f in dataclasses.fields(cls)]
        elif issubclass(cls, BaseModel):
            fields = [
                f"{key}={info.alias or key}:{info.annotation}" for key, info in cls.model_fields.items()
            ]
        else:
            fields = []
        lines.append(f"{module}.{name}({', '.join(fields)})")
    # (a validator's function is named by its address, which differs from process to process)
    shape = re.sub(r" at 0x[0-9a-fA-F]+", "", "\n".join(lines))
    return hashlib.sha256(shape.encode()).hexdigest()


@contextlib.contextmanager
def _switching_often() -> Iterator[None]:
    """Python's lock handed between threads every `SWITCH_SECONDS` while a snapshot is taken
    beside other threads. A server's write gives the lock up at each statement it sends to the
    database and must then wait for the snapshot's thread to hand it back: at the default
    interval (5 ms) that is up to 5 ms a statement, a write of a dozen statements several
    times slower while a snapshot is taken."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(min(before, SWITCH_SECONDS))
    try:
        yield
    finally:
        sys.setswitchinterval(before)


class UnreadableSnapshot(Exception):
    """A snapshot that is not used: why, in one line."""


class _ValuesOnly(pickle.Unpickler):
    """Makes the register's value classes and nothing else (no other function or class than
    `_model`, which makes one of them, and `_atom`, which hands out a value already made)."""

    def __init__(self, file: Any, shared: list[Any]):
        super().__init__(file)
        self.shared = shared

    def find_class(self, module: str, name: str) -> Any:
        if module == __name__:
            if name == "_model":
                return _model
            if name == "_atom":
                return self.shared.__getitem__
        found = READ_CLASSES.get((module, name))
        if found is None:
            raise UnreadableSnapshot(f"the payload names {module}.{name}, which a snapshot never holds")
        return found


# --- the payload ---------------------------------------------------------------------------


def encode(
    state: dict[str, Any],
    part_bytes: int = PART_BYTES,
    pause: Callable[[], None] = lambda: time.sleep(0),
) -> Iterator[bytes]:
    """The payload of `state` (`Register.snapshot_state`), as compressed parts.

    Each chunk is a pickle of its own — the chunk, then the shared values it defined — after
    which the pickler forgets what it wrote (`_Sharing`). `pause` is called between chunks: the
    thread that takes a snapshot lets the server's threads run (pickling holds Python's lock).
    """
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    sharing = _Sharing()
    pickler.dispatch_table = {**copyreg.dispatch_table, **_reducers(sharing)}
    compressor = zlib.compressobj(1)
    pending = bytearray()

    def dump(value: Any) -> None:
        """One pickle of the payload: `value`, then the shared values it defined (a list its
        reducers fill as they go; `value` may hold what `same` made for this pickle)."""
        pickler.dump((value, sharing.defined))
        pickler.clear_memo()
        sharing.next_pickle()

    def drain() -> Iterator[bytes]:
        pending.extend(compressor.compress(buffer.getbuffer()))
        buffer.seek(0)
        buffer.truncate()
        while len(pending) >= part_bytes:
            yield bytes(pending[:part_bytes])
            del pending[:part_bytes]
        pause()

    same = sharing.same

    def dump_mapping(mapping: dict) -> Iterator[bytes]:
        dump(len(mapping))
        chunk: list = []
        for key, value in mapping.items():
            # (an index's members are ids; every other value is a value class, or a tuple of them)
            if type(value) is frozenset:
                value = frozenset(map(same, value))
            chunk.append((same(key), value))
            if len(chunk) == CHUNK_ITEMS:
                dump(chunk)
                chunk = []
                yield from drain()
        if chunk:
            dump(chunk)
        dump(None)  # the mapping's end

    small = {k: v for k, v in state.items() if k not in ("log", "reports", "timeline", "entries")}
    pickler.dump(PICKLES_APART)  # alone: it tells a reader how the pickles after it are read
    pickler.clear_memo()
    dump(small)
    yield from dump_mapping(state["log"])
    yield from dump_mapping(state["reports"])
    dump(list(state["timeline"]))
    for mapping in state["timeline"].values():
        yield from dump_mapping(mapping)
    entries = state["entries"]
    dump(len(entries))
    for start in range(0, len(entries), CHUNK_ITEMS * 4):
        dump(
            [(same(day), seq, same(change)) for day, seq, change in entries[start : start + CHUNK_ITEMS * 4]]
        )
        yield from drain()
    yield from drain()
    pending.extend(compressor.flush())
    while pending:
        yield bytes(pending[:part_bytes])
        del pending[:part_bytes]


class _Decompressed(io.RawIOBase):
    """The decompressed bytes of compressed parts, as a stream the unpickler reads.

    Decompressed a piece at a time, and never to more than `MAX_EXPANSION` times the bytes
    read (and a piece): a stored part that expands without end (a few MiB can hold GiBs of
    zeros) is refused, not held in memory."""

    PIECE = 1 << 20

    def __init__(self, parts: Iterable[bytes]):
        self._parts = iter(parts)
        self._decompressor = zlib.decompressobj()
        self._input = b""  # compressed bytes not yet decompressed
        self._ready = b""
        self._at = 0
        self._read = 0  # compressed bytes taken
        self._made = 0  # decompressed bytes made
        self._ended = False  # every part taken, and the rest flushed

    def readable(self) -> bool:
        return True

    def _next_piece(self) -> bytes | None:
        """The next decompressed bytes (perhaps none yet); None once every part is done."""
        while not self._input:
            if self._ended:
                return None
            part = next(self._parts, None)
            if part is None:
                self._ended = True
                return self._decompressor.flush()
            self._input = part
            self._read += len(part)
        piece = self._decompressor.decompress(self._input, self.PIECE)
        self._input = self._decompressor.unconsumed_tail
        return piece

    def readinto(self, target: Any) -> int:
        while self._at >= len(self._ready):
            piece = self._next_piece()
            if piece is None:
                return 0
            self._made += len(piece)
            if self._made > MAX_EXPANSION * self._read + self.PIECE:
                raise UnreadableSnapshot(
                    f"its payload expands more than {MAX_EXPANSION} times (a snapshot's does about 4 times)"
                )
            self._ready, self._at = piece, 0
        size = min(len(target), len(self._ready) - self._at)
        target[:size] = self._ready[self._at : self._at + size]
        self._at += size
        return size


def decode(parts: Iterable[bytes]) -> dict[str, Any]:
    """The state `encode` wrote (raises if it cannot be read whole).

    A payload that begins with `PICKLES_APART` is read a pickle at a time by an unpickler of
    its own, sharing only the shared values (the unpickler's memo cannot be emptied between
    pickles: it goes on numbering where it was). One without it was written before, by one
    pickler whose memo every later pickle may refer to, and is read by one unpickler."""
    # (a small buffer: each pickle's unpickler begins by copying what the buffer holds)
    stream = io.BufferedReader(_Decompressed(parts), buffer_size=READ_BUFFER)
    shared: list[Any] = []
    first = _ValuesOnly(stream, shared)
    state = first.load()
    if state == PICKLES_APART:

        def load() -> Any:
            found = _ValuesOnly(stream, shared).load()
            if type(found) is not tuple or len(found) != 2 or type(found[1]) is not list:
                raise UnreadableSnapshot("a pickle of the payload is not a value and its shared values")
            shared.extend(found[1])
            return found[0]

        state = load()
    else:
        load = first.load

    def mapping() -> dict:
        count = load()
        found: dict = {}
        while (chunk := load()) is not None:
            if not chunk:  # (never written: a forged payload of empty chunks would run on)
                raise UnreadableSnapshot("a mapping of the payload has an empty chunk")
            found.update(chunk)
        if len(found) != count:
            raise UnreadableSnapshot(f"a mapping of {count} entries holds {len(found)}")
        return found

    if not isinstance(state, dict):
        raise UnreadableSnapshot("the payload does not begin with the register's fields")
    state["log"] = mapping()
    state["reports"] = mapping()
    names = load()
    state["timeline"] = {name: mapping() for name in names}
    count = load()
    entries: list = []
    while len(entries) < count:
        chunk = load()
        if not chunk:
            raise UnreadableSnapshot("the timeline's entries have an empty chunk")
        entries.extend(chunk)
    state["entries"] = entries
    return state


# --- the store -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SnapshotInfo:
    """A finished snapshot, as its row describes it."""

    id: int
    register_version: int
    format: int
    shape: str
    taken_at: datetime  # aware, UTC
    parts: int
    size: int
    seconds: float
    digest: str


def _digest(parts: Iterable[bytes]) -> str:
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(part)
    return hasher.hexdigest()


class SnapshotStore:
    """Where the register's snapshots are written and read (the two tables of migration 0004)."""

    def __init__(self, engine: Engine, part_bytes: int = PART_BYTES):
        self.engine = engine
        self.part_bytes = part_bytes
        # Called (by tests) with each part's number once it is written, before the next.
        self.after_part: Callable[[int], None] | None = None
        self._present = False

    def available(self) -> bool:
        """Whether the tables are there (not before the database is migrated to 0004)."""
        if not self._present:
            try:
                with self.engine.connect() as connection:
                    names = set(inspect(connection).get_table_names())
            except DBAPIError:
                return False
            self._present = {SNAPSHOTS_TABLE, PARTS_TABLE} <= names
        return self._present

    # --- reading --------------------------------------------------------------------

    def finished(self, at_most: int | None = None) -> list[SnapshotInfo]:
        """The finished snapshots (of versions up to `at_most`), newest first."""
        if not self.available():
            return []
        t = snapshots_table
        query = select(t).where(t.c.digest.is_not(None))
        if at_most is not None:
            query = query.where(t.c.register_version <= at_most)
        query = query.order_by(t.c.register_version.desc(), t.c.id.desc())
        with self.engine.connect() as connection:
            rows = connection.execute(query).mappings().all()
        return [
            SnapshotInfo(
                id=row["id"],
                register_version=row["register_version"],
                format=row["format"],
                shape=row["shape"],
                taken_at=row["taken_at"].replace(tzinfo=UTC),
                parts=row["parts"],
                size=row["size"],
                seconds=row["seconds"],
                digest=row["digest"],
            )
            for row in rows
        ]

    def latest(self, at_most: int) -> Register | None:
        """The register from the newest usable snapshot of a version up to `at_most`, or None.

        A snapshot that cannot be used is skipped with a line in the log saying why, and
        the next older one is tried; with none left, the register comes from the events.
        """
        shape = state_shape()
        for info in self.finished(at_most):
            try:
                return self._read(info, shape)
            except Exception as error:  # whatever is wrong with it, the events are still right
                log.warning(
                    "snapshot %d of the register at version %d skipped: %s",
                    info.id,
                    info.register_version,
                    error,
                )
        return None

    def _read(self, info: SnapshotInfo, shape: str) -> Register:
        if info.format != SNAPSHOT_FORMAT:
            raise UnreadableSnapshot(
                f"it is of format {info.format}, and this version reads format {SNAPSHOT_FORMAT}"
            )
        if info.shape != shape:
            raise UnreadableSnapshot("its state's classes are not this version's (their fields changed)")
        hasher = hashlib.sha256()
        read = 0

        def parts() -> Iterator[bytes]:
            nonlocal read
            for number in range(info.parts):
                with self.engine.connect() as connection:
                    data = connection.execute(
                        select(parts_table.c.data).where(
                            parts_table.c.snapshot_id == info.id, parts_table.c.part == number
                        )
                    ).scalar()
                if data is None:
                    raise UnreadableSnapshot(f"its part {number} is missing")
                data = bytes(data)
                hasher.update(data)
                read += len(data)
                yield data

        # The digest is of every part, so it is known only at the end: the state is checked then.
        stream = parts()
        state = decode(stream)
        for _ in stream:  # what the unpickler did not need (nothing, unless the stream is corrupt)
            pass
        if read != info.size or hasher.hexdigest() != info.digest:
            raise UnreadableSnapshot("its payload does not match its digest (the stored bytes changed)")
        if state.get("version") != info.register_version:
            raise UnreadableSnapshot(
                f"its payload is of version {state.get('version')}, not {info.register_version}"
            )
        return Register.from_snapshot_state(state)

    # --- writing --------------------------------------------------------------------

    def take(self, register: Register) -> SnapshotInfo | None:
        """Write a snapshot of `register` (a copy no other thread changes); None if there are no tables.

        Each part is a transaction of its own; the row is finished (its digest written) last.
        """
        if not self.available():
            return None
        started = time.perf_counter()
        state = register.snapshot_state()
        with _switching_often():
            return self._write(state["version"], encode(state, self.part_bytes), started)

    def _write(self, version: int, parts: Iterable[bytes], started: float) -> SnapshotInfo:
        """The row (unfinished), then each part as it comes, then the digest that finishes it."""
        shape = state_shape()
        taken_at = datetime.now(UTC).replace(tzinfo=None)
        with self.engine.begin() as connection:
            made = connection.execute(
                insert(snapshots_table).values(
                    register_version=version, format=SNAPSHOT_FORMAT, shape=shape, taken_at=taken_at
                )
            ).inserted_primary_key
            assert made is not None  # an insert of one row
            snapshot_id = made[0]
        hasher = hashlib.sha256()
        count = size = 0
        for data in parts:
            with self.engine.begin() as connection:
                connection.execute(insert(parts_table).values(snapshot_id=snapshot_id, part=count, data=data))
            if self.after_part is not None:
                self.after_part(count)
            hasher.update(data)
            count += 1
            size += len(data)
        seconds = time.perf_counter() - started
        digest = hasher.hexdigest()
        with self.engine.begin() as connection:
            connection.execute(
                update(snapshots_table)
                .where(snapshots_table.c.id == snapshot_id)
                .values(parts=count, size=size, seconds=seconds, digest=digest)
            )
        self.prune()
        at = taken_at.replace(tzinfo=UTC)
        return SnapshotInfo(snapshot_id, version, SNAPSHOT_FORMAT, shape, at, count, size, seconds, digest)

    def prune(self) -> None:
        """Drop all but the `KEEP` newest finished snapshots, and unfinished ones long abandoned."""
        t = snapshots_table
        with self.engine.begin() as connection:
            newest_first = (t.c.register_version.desc(), t.c.id.desc())
            finished = (
                connection.execute(select(t.c.id).where(t.c.digest.is_not(None)).order_by(*newest_first))
                .scalars()
                .all()
            )
            cutoff = datetime.now(UTC).replace(tzinfo=None) - ABANDONED_AFTER
            abandoned = (
                connection.execute(select(t.c.id).where(t.c.digest.is_(None), t.c.taken_at < cutoff))
                .scalars()
                .all()
            )
            dropped = list(finished[KEEP:]) + list(abandoned)
            if dropped:
                connection.execute(delete(parts_table).where(parts_table.c.snapshot_id.in_(dropped)))
                connection.execute(delete(t).where(t.c.id.in_(dropped)))

    def newest_version(self) -> int:
        """The version of the newest finished snapshot (0: none)."""
        if not self.available():
            return 0
        t = snapshots_table
        with self.engine.connect() as connection:
            found = connection.execute(select(func.max(t.c.register_version)).where(t.c.digest.is_not(None)))
            return found.scalar() or 0


# --- taken by a child process ------------------------------------------------------------------


def can_fork() -> bool:
    """Whether snapshots may be taken by a forked child: Linux only (macOS's system libraries
    are not safe to use in a child forked from a process with threads)."""
    return sys.platform == "linux" and hasattr(os, "fork")


class ForkedSnapshot:
    """A snapshot of the register encoded by a child process while this one goes on writing.

    The way Redis's BGSAVE works: `os.fork` gives the child the register as it stands at that
    instant (its memory shared with the parent's, copied page by page only where either
    writes), and the child's pickling runs on another core — a thread would wait for Python's
    lock instead. A command of the command line that records many changes (`orgchange import`)
    forks before it writes its events and read models, so the snapshot is made while they are
    written, not after them.

    The events may still be rolled back, so the child writes nothing until told: `commit`
    once the transaction has committed, `abort` otherwise (a parent that dies tells it the
    same as abort). What it writes is an ordinary snapshot, finished by its digest last: a
    child killed on the way leaves an unfinished one, which is never read.
    """

    def __init__(self, store: SnapshotStore, register: Register):
        self.version = register.version
        read_end, self._write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns into the parent's code
            os.close(self._write_end)
            os._exit(_snapshot_in_child(store, register, read_end))
        os.close(read_end)
        self.pid = pid
        self._written: bool | None = None

    def commit(self) -> None:
        """The register's events are committed: the child may write its snapshot."""
        self._tell(b"y")

    def abort(self) -> None:
        """The events were rolled back: the child ends without writing."""
        self._tell(b"n")

    def _tell(self, word: bytes) -> None:
        if self._write_end < 0:
            return
        with contextlib.suppress(OSError):
            os.write(self._write_end, word)
        with contextlib.suppress(OSError):
            os.close(self._write_end)
        self._write_end = -1

    def wait(self) -> bool:
        """Whether the child wrote its snapshot, once it has ended (an untold child is aborted)."""
        if self._written is None:
            self.abort()
            _, status = os.waitpid(self.pid, 0)
            self._written = os.waitstatus_to_exitcode(status) == 0
        return self._written


def _snapshot_in_child(store: SnapshotStore, register: Register, read_end: int) -> int:
    """The child's work; its exit status: 0 written, 3 told not to, 1 failed (logged)."""
    try:
        store.engine.dispose(close=False)  # the parent's connections stay the parent's
        started = time.perf_counter()
        state = register.snapshot_state()
        parts = list(encode(state, store.part_bytes, pause=lambda: None))
        with os.fdopen(read_end, "rb") as pipe:
            word = pipe.read(1)
        if word != b"y":
            return 3
        info = store._write(state["version"], parts, started)
        log.info(
            "snapshot of the register at version %d taken by process %d: %d bytes in %.2f s",
            info.register_version,
            os.getpid(),
            info.size,
            info.seconds,
        )
        return 0
    except BaseException as error:  # an optimisation only: the parent's events are saved
        log.warning("snapshot of the register at version %d not taken: %s", register.version, error)
        return 1


# --- taken by a process of its own -------------------------------------------------------------


def separate_process_sees(database_url: str) -> bool:
    """Whether another process can open the same database (not an in-memory SQLite one)."""
    url = make_url(database_url)
    return not (url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"))


class SnapshotProcess:
    """A snapshot taken by a process of its own: `orgchange snapshot`, started by a server.

    The process reads the register as any process that starts does (the newest snapshot and
    the events after it), takes the snapshot and ends. The server that starts it goes on
    serving on its own core: none of its writes waits for Python's lock held by a pickler,
    and its memory is not where the snapshot's objects are made and freed, so that a server
    taking snapshot after snapshot does not grow by them. It costs the machine a second
    register in memory for as long as the process lasts, and the reading of the snapshot
    it starts from.

    * The database's address goes in the environment, not on the command line (which every
      user of the machine can list).
    * It imports the code the server imports, from where the server has it, and nothing from
      its working directory (`-P`): that is the server's, often the directory of the SQLite
      database (where a relative database address points), and a file there named like a
      module would otherwise be run.
    * It has a session of its own, so a Ctrl-C meant for a server in a terminal does not cut
      it short; it needs no server to finish, and a server that stops does not wait for it.
    * Its log lines go to the server's standard error, in the server's format (`--logged`),
      and how it ended is logged as soon as it has, by a thread that waits for it (no zombie
      is left until the next write looks).

    A process killed on the way leaves an unfinished snapshot, never read, as a thread would.
    """

    def __init__(self, database_url: str, version: int):
        self.version = version  # the register's version when it was started (at least)
        here = str(Path(__file__).resolve().parents[2])  # where `orgchange` and `api` are imported from
        paths = [here, *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
        environment = dict(os.environ, ORGCHANGE_DATABASE_URL=database_url, PYTHONPATH=os.pathsep.join(paths))
        self._process = subprocess.Popen(
            [sys.executable, "-P", "-m", "orgchange", "snapshot", "--logged"],
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            close_fds=True,
            start_new_session=True,
        )
        self.pid = self._process.pid
        self._waiter = threading.Thread(target=self._wait_and_say, name="snapshot-waiter", daemon=True)
        self._waiter.start()

    def _wait_and_say(self) -> None:
        status = self._process.wait()
        if status != 0:
            log.warning("snapshot process %d ended with status %d: no snapshot taken", self.pid, status)

    def ended(self) -> int | None:
        """Its exit status once it has ended and that is logged (0: taken, or nothing to take),
        else None."""
        return None if self._waiter.is_alive() else self._process.returncode

    def wait(self, timeout: float | None = None) -> int | None:
        """Its exit status once it has ended, waiting up to `timeout` seconds (None: still running)."""
        self._waiter.join(timeout)
        return self.ended()
