"""The bundled sample register (Nacka 2012–2018) exercises every change type and records cleanly."""

from __future__ import annotations

from datetime import date

from orgchange.domain.changes import CHANGE_TYPES


def test_the_sample_uses_every_change_type(sample_file):
    used = {c.TYPE for c in sample_file.changes}
    assert used == {cls.TYPE for cls in CHANGE_TYPES}
    assert all(c.decision is not None for c in sample_file.changes)


def test_the_sample_records_with_its_correction_and_spin_off(demo_app):
    read = demo_app.read_model
    cancelled = [row for row in read.all_changes_in_recording_order() if row.cancelled]
    assert [row.id for row in cancelled] == ["nacka-2017-005"]
    cancel = read.change("nacka-2017-006")
    assert cancel.type == "cancel_change" and cancel.effective == read.change("nacka-2017-005").effective
    spin_off = read.change("nacka-2017-001")
    assert spin_off.summary == ("VA- och avfallsenheten ombildades till bolaget Nacka vatten och avfall AB.")
    assert set(spin_off.unit_ids) == {"va-och-avfall", "nacka-vatten-och-avfall-ab"}
    _, successors = read.links(["va-och-avfall"])
    assert successors["va-och-avfall"] == ["nacka-vatten-och-avfall-ab"]
    merged = read.change("nacka-2017-020")
    assert merged.summary.startswith("Kultur- och fritidsenheten bildades genom sammanslagning av")
    life = read.lives(["va-och-avfall"])["va-och-avfall"]
    assert life.valid_to == date(2017, 1, 1)
