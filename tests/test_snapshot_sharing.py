"""A snapshot writes equal small values once, so that the register read from it holds one of each.

The register read in by a serving process is most of its memory: every key, name and day is
an object of its own per value that names it, and a change as a pydantic model (with its
decision, another) some 1 KiB. The snapshot's pickler shares the small values and writes each
change packed, as its canonical JSON (`orgchange/adapters/snapshots.py`, `_reducers`;
`orgchange.domain.changes.Packed`); what is read back must be equal to what was written, part
by part, and a change read back must behave as one made from its file.
"""

from __future__ import annotations

import copy
import copyreg
import dataclasses
import io
import pickle
import pickletools
import zlib
from datetime import date

import pytest
from pydantic import BaseModel, ValidationError

from orgchange.adapters import snapshots
from orgchange.adapters.snapshots import UnreadableSnapshot, _model, decode, encode
from orgchange.domain.changes import Packed, change_adapter, unpacked
from orgchange.domain.register import Register
from tests.builders import base_organisation, change, record, refused
from tests.builders import register as new_register


def _round_trip(changes):
    register = new_register(changes)
    state = copy.deepcopy(register).snapshot_state()
    return state, decode(encode(state))


def test_a_register_read_from_a_snapshot_equals_the_one_written_part_by_part():
    state, back = _round_trip(
        [*base_organisation(), change("rename_unit", id="r", effective="2015-01-01", unit="va", name="VA")]
    )
    assert back["log"] == state["log"]
    assert back["reports"] == state["reports"]
    assert back["entries"] == state["entries"]
    for part, values in state["timeline"].items():
        assert back["timeline"][part] == values, part


@pytest.mark.parametrize("per_pickle", [1, snapshots.CHUNK_ITEMS])
def test_equal_field_sets_keys_and_days_are_one_object_each_when_read_back(monkeypatch, per_pickle):
    """Whether the values that name them are in one pickle of the payload or in many (one
    entry per pickle: each shared value is then met in other pickles than its first)."""
    monkeypatch.setattr(snapshots, "CHUNK_ITEMS", per_pickle)
    renames = [
        change(
            "rename_unit",
            id=f"r{n}",
            effective=f"{2014 + n}-01-01",
            unit="va",
            name=f"VA {n}",
            decision={"body": "kf", "date": f"{2013 + n}-12-01", "paragraph": "§ 42"},
        )
        for n in range(6)
    ]
    # equal paragraphs, each an object of its own (as a file's decoder makes them)
    renames = [
        c.model_copy(
            update={"decision": c.decision.model_copy(update={"paragraph": "".join(["§ ", str(40 + 2)])})}
        )
        for c in renames
    ]
    written = [c.decision.paragraph for c in renames]
    assert len({id(p) for p in written}) == 6
    state, back = _round_trip([*base_organisation(), *renames])
    held = [back["log"][f"r{n}"].stored for n in range(6)]
    assert all(type(packed) is Packed for packed in held)  # its JSON, not a model
    assert [packed.unpack() for packed in held] == [state["log"][f"r{n}"].change for n in range(6)]
    versions = back["timeline"]["units"]["va"]
    assert versions[1].valid_from is versions[0].valid_to  # the day a version ends is the next one's first
    keys = {key: key for key in back["log"]}
    for key, recorded in back["log"].items():
        assert recorded.stored.id is key  # the packed change's id is the log's key
    for day, _, change_id in back["entries"]:
        assert change_id is keys[change_id]  # the log's key, not a string of its own
        assert day is back["log"][change_id].stored.effective
    units = {key: key for key in back["timeline"]["units"]}
    for members in back["timeline"]["children"].values():
        assert all(member is units[member] for member in members)


@pytest.mark.parametrize("per_pickle", [1, snapshots.CHUNK_ITEMS])
def test_ids_inside_a_fields_list_are_the_objects_the_rest_of_the_register_holds(monkeypatch, per_pickle):
    """A merge's units are a list of ids; read back they are the merge's (held packed, they hold
    no string of their own until the change is made again), and the timeline's are its keys."""
    monkeypatch.setattr(snapshots, "CHUNK_ITEMS", per_pickle)
    merge = change(
        "merge_units",
        id="m",
        effective="2016-01-01",
        units=["kfv", "va"],
        into="kfva",
        name="KFVA",
        kind="unit",
        parent="slk",
    )
    _, back = _round_trip([*base_organisation(), merge])
    units = {key: key for key in back["timeline"]["units"]}
    assert back["log"]["m"].change.units == ["kfv", "va"]
    merged = back["timeline"]["predecessors"]["kfva"]
    assert all(link.predecessor is units[link.predecessor] for link in merged)


def _pickles(payload: bytes) -> list[list[tuple[str, object]]]:
    """The pickles a payload is made of, each as its opcodes' names and arguments."""
    stream, found = io.BytesIO(payload), []
    while stream.tell() < len(payload):
        found.append([(op.name, arg) for op, arg, _ in pickletools.genops(stream)])
    return found


def test_each_pickle_of_a_payload_refers_to_no_object_of_another(monkeypatch):
    """The pickler forgets what it wrote between the payload's pickles, so that it holds one
    pickle's objects at a time, not every object of the register until the payload ends
    (several hundred MiB at 200,000 changes): no pickle reads back an object another one
    memoised. What is shared across them goes by number (`_atom`)."""
    monkeypatch.setattr(snapshots, "CHUNK_ITEMS", 2)
    state, back = _round_trip(
        [*base_organisation(), change("rename_unit", id="r", effective="2015-01-01", unit="va", name="VA")]
    )
    payload = zlib.decompress(b"".join(encode(state)))
    pickles = _pickles(payload)
    assert len(pickles) > 10
    gets = 0
    for opcodes in pickles:
        memoised = 0
        for name, arg in opcodes:
            if name == "MEMOIZE":
                memoised += 1
            elif name in ("BINGET", "LONG_BINGET"):
                gets += 1
                assert isinstance(arg, int) and arg < memoised
    assert gets  # (the memo is used within a pickle)
    assert b"_atom" in payload
    assert back["log"] == state["log"] and back["entries"] == state["entries"]


def test_a_change_read_back_is_copied_and_compared_as_one_made_from_its_file():
    _, back = _round_trip(base_organisation())
    read = back["log"]["va"].change
    again = change_adapter.validate_python(read.canonical())
    assert read == again and read.canonical() == again.canonical()
    renamed = read.with_id("another")
    assert renamed.id == "another" and read.id == "va"
    assert "id" in read.model_fields_set and read.model_fields_set == again.model_fields_set


def test_a_change_is_written_packed_and_read_back_the_same():
    """Each change is written as its canonical JSON (`Packed`), neither as pydantic pickles a
    model (a dict of four attributes per model, which the unpickler keeps until the payload
    ends) nor as a `_model` call (how payloads before held it, still read): the register read
    back holds it so, and makes the same change of it when it is asked for."""
    state, back = _round_trip(base_organisation())
    payload = zlib.decompress(b"".join(encode(state)))
    assert b"_model" not in payload and b"Packed" in payload
    assert type(back["log"]["va"].stored) is Packed
    read = back["log"]["va"].change
    assert type(read) is type(state["log"]["va"].change) and read == state["log"]["va"].change
    assert read.__pydantic_extra__ is None and read.__pydantic_private__ is None
    with pytest.raises(ValidationError):  # still frozen
        read.id = "another"


def _one_pickler_payload(state, dispatch_table=None) -> bytes:
    """A payload as snapshots were written before their pickles were kept apart: one pickler,
    whose memo each later pickle may refer to; no first pickle saying how to read them."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    if dispatch_table is not None:
        pickler.dispatch_table = dispatch_table

    def mapping(values):
        pickler.dump(len(values))
        if values:
            pickler.dump(list(values.items()))
        pickler.dump(None)

    pickler.dump({k: v for k, v in state.items() if k not in ("log", "reports", "timeline", "entries")})
    mapping(state["log"])
    mapping(state["reports"])
    pickler.dump(list(state["timeline"]))
    for values in state["timeline"].values():
        mapping(values)
    pickler.dump(len(state["entries"]))
    pickler.dump(state["entries"])
    return buffer.getvalue()


def test_a_snapshot_written_with_pydantics_own_pickling_is_read_the_same():
    """A snapshot taken before models were written as `_model` calls holds pydantic's form."""
    state, _ = _round_trip(base_organisation())
    payload = _one_pickler_payload(state)  # pydantic's reducer
    back = decode([zlib.compress(payload)])
    assert b"_model" not in payload
    assert back["log"] == state["log"] and back["entries"] == state["entries"]


def test_a_snapshot_written_in_one_pickle_with_model_calls_is_read_the_same():
    """A snapshot taken before its pickles were kept apart: models as `_model` calls, frozen
    dataclasses as their class called with their fields, every later pickle free to refer to
    an object of an earlier one (the log's change ids in the timeline's entries)."""
    state, _ = _round_trip(
        [*base_organisation(), change("rename_unit", id="r", effective="2015-01-01", unit="va", name="VA")]
    )

    def model(obj):
        return (_model, (type(obj), dict(obj.__dict__), set(obj.__pydantic_fields_set__)))

    def value(obj):
        return (type(obj), tuple(getattr(obj, f.name) for f in dataclasses.fields(obj)))

    table = {
        cls: model if issubclass(cls, BaseModel) else value
        for cls in snapshots.READ_CLASSES.values()
        if issubclass(cls, BaseModel) or dataclasses.is_dataclass(cls)
    }
    payload = _one_pickler_payload(state, {**copyreg.dispatch_table, **table})
    assert b"_model" in payload
    assert pickle.Unpickler(io.BytesIO(payload)).load() != snapshots.PICKLES_APART
    outside = memoised = 0  # references to what an earlier pickle memoised: why one unpickler reads it
    for opcodes in _pickles(payload):
        earlier = memoised
        for name, arg in opcodes:
            memoised += name == "MEMOIZE"
            outside += name in ("BINGET", "LONG_BINGET") and arg < earlier
    assert outside
    back = decode([zlib.compress(payload)])
    assert back["log"] == state["log"] and back["reports"] == state["reports"]
    assert back["entries"] == state["entries"]
    for part, values in state["timeline"].items():
        assert back["timeline"][part] == values, part


def test_a_payload_that_makes_something_else_than_a_model_with_model_is_refused():
    class Forged:
        def __reduce__(self):
            return (_model, (date, {"year": 2020}, set()))

    payload = pickle.dumps(Forged(), protocol=pickle.HIGHEST_PROTOCOL)
    with pytest.raises(UnreadableSnapshot, match="not one of the register's"):
        decode([zlib.compress(payload)])


# --- forged payloads (whoever can write the snapshot tables can make a digest match) -------------


def test_a_payload_that_sets_attributes_on_the_register_class_is_refused_and_changes_nothing():
    """`Register` is a dataclass (eventsourcing makes it one) but no value: a pickle naming it
    could set attributes on the class for the whole process. The unpickler does not make it."""
    from orgchange.domain.register import Register

    record = Register.record
    forged = b"corgchange.domain.register\nRegister\n(dS'record'\nNsb."  # Register, BUILD {"record": None}
    try:
        with pytest.raises(UnreadableSnapshot, match="never holds"):
            decode([zlib.compress(forged)])
        assert Register.record is record
    finally:
        Register.record = record  # (put back, should the refusal ever fail)


def test_a_payload_that_expands_without_end_is_refused_before_it_is_held():
    """A few hundred KiB of compressed zeros are 200 MiB: refused once the payload has expanded
    `MAX_EXPANSION` times, without decompressing the rest."""
    size = 200 * 1024 * 1024
    compressor = zlib.compressobj(9)
    # the layout's first pickle, then the start of a pickle of 200 MiB of bytes (BINBYTES8)
    bomb = compressor.compress(
        pickle.dumps(snapshots.PICKLES_APART) + b"\x80\x05\x8e" + size.to_bytes(8, "little")
    )
    zeros = bytes(1024 * 1024)
    bomb += b"".join(compressor.compress(zeros) for _ in range(size // len(zeros))) + compressor.flush()
    assert len(bomb) < 1024 * 1024
    with pytest.raises(UnreadableSnapshot, match="expands more than"):
        decode([bomb])


def test_a_payload_of_empty_chunks_is_refused_at_the_first():
    """A real payload never holds an empty chunk; a forged one of millions of them would keep a
    starting process reading for hours, a few bytes each."""
    parts = [
        pickle.dumps(snapshots.PICKLES_APART),
        pickle.dumps(({"version": 1}, [])),
        pickle.dumps((10**9, [])),  # the log's count
        *[pickle.dumps(([], []))] * 1000,
    ]
    with pytest.raises(UnreadableSnapshot, match="empty chunk"):
        decode([zlib.compress(b"".join(parts))])


@pytest.mark.parametrize("part_bytes", [1, 3, 64])
def test_a_payload_stored_in_parts_of_a_few_bytes_is_read_whole(part_bytes):
    """A part may hold too little to decompress to anything (the last one, a few bytes): the
    reader goes on to the next, and flushes what is left at the end."""
    state, _ = _round_trip(base_organisation())
    parts = list(encode(state, part_bytes=part_bytes))
    assert len(parts) > 10 and all(len(part) <= part_bytes for part in parts)
    back = decode(parts)
    assert back["log"] == state["log"] and back["entries"] == state["entries"]


def test_a_register_holding_its_changes_packed_takes_commands_as_the_one_it_was_read_from():
    """Reported, cancelled, corrected and re-folded: the commands that read old changes again
    (the report's check of each change's type, a cancellation's and a correction's target, the
    re-fold of the changes after them) give the same register and the same refusals whether its
    changes are held packed (read from a snapshot) or not."""
    changes = [
        *base_organisation(),
        change("rename_unit", id="r1", effective="2014-01-01", unit="va", name="VA 2014"),
        change("rename_unit", id="r2", effective="2015-01-01", unit="va", name="VA 2015"),
        change("report_changes", id="rep", to="ks", meeting="2015-02-02", changes=["r1"]),
    ]
    written = new_register(changes)
    read = Register.from_snapshot_state(decode(encode(copy.deepcopy(written).snapshot_state())))
    assert type(read.log["r1"].stored) is Packed and type(read.log["rep"].stored) is Packed
    again = [
        change("report_changes", id="rep2", to="ks", meeting="2015-03-02", changes=["r2"]),
        change("cancel_change", id="c1", change="r1", reason="fel"),
        change(
            "correct_change",
            id="k2",
            change="r2",
            replacement=change("rename_unit", id="r2b", effective="2013-06-01", unit="va", name="VA 13"),
        ),
    ]
    for register in (written, read):
        record(register, *again)
        report_of_a_report = change("report_changes", id="x", to="ks", meeting="2015-04-06", changes=["rep"])
        error = refused(register, report_of_a_report)
        assert error.violation.reason.key == "reporting:is-report"
    assert read.log == written.log and read.reports == written.reports
    for name in ("units", "positions", "delegations", "predecessors"):
        assert getattr(read.timeline, name) == getattr(written.timeline, name), name
    assert [(d, s, unpacked(c)) for d, s, c in read.timeline.entries] == written.timeline.entries
    assert any(type(c) is Packed for _, _, c in read.timeline.entries)  # (those not re-folded)
