"""Stored events decoded in bulk (a rebuild) are the events the mapper decodes one by one."""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orgchange.adapters.decoding import trusted_change
from orgchange.application.changefile import parse_change_file
from orgchange.domain.changes import Change, change_from_canonical
from tests.builders import base_organisation
from tests.strategies import valid_changes
from tests.support import SAMPLE, opened


def _same_change(built: Change | None, validated: Change) -> None:
    assert built is not None
    assert type(built) is type(validated)
    assert built == validated
    assert built.model_fields_set == validated.model_fields_set
    assert built.canonical() == validated.canonical()


def test_every_change_of_the_sample_is_built_from_its_entry_as_validation_builds_it() -> None:
    changes = parse_change_file(SAMPLE.read_text(encoding="utf-8")).changes
    assert len(changes) > 100
    for change in changes:
        entry = change.canonical()
        _same_change(trusted_change(entry), change_from_canonical(entry))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(changes=valid_changes())
def test_generated_changes_are_built_from_their_entries_as_validation_builds_them(
    changes: list[Change],
) -> None:
    for change in changes:
        entry = change.canonical()
        _same_change(trusted_change(entry), change_from_canonical(entry))


def test_an_entry_validation_would_change_or_refuse_is_not_trusted() -> None:
    entry: dict[str, Any] = {"type": "rename_unit", "id": "c1", "effective": "2020-01-01", "unit": "u1"}
    assert trusted_change(entry | {"name": " Ny enhet"}) is None  # validation strips it
    assert trusted_change(entry | {"name": "Ny enhet", "colour": "röd"}) is None  # an unknown field
    assert trusted_change(entry | {"name": "Ny enhet", "effective": 20200101}) is None  # not a day
    assert trusted_change(entry | {"type": "paint_unit", "name": "Ny enhet"}) is None
    built = trusted_change(entry | {"name": "Ny enhet"})
    assert built is not None and built.effective == date(2020, 1, 1)


def test_a_register_decoded_in_bulk_equals_the_register_decoded_event_by_event(database_url: str) -> None:
    with opened(database_url) as app:
        app.record_changes(base_organisation(), "test", organisation="Testkommunen")
        stored = app.recorder.select_notifications(1, limit=10_000)
        one_by_one = [app.mapper.to_domain_event(n) for n in stored]
        in_bulk = app.mapper.decode_many(stored)
    assert len(in_bulk) == len(one_by_one) > 10
    for bulk, single in zip(in_bulk, one_by_one, strict=True):
        assert type(bulk) is type(single)
        assert vars(bulk) == vars(single)


@settings(max_examples=10, deadline=None)
@given(st.sampled_from(["2020-1-01", "2020-01-01T00:00", "20200101", None, 7]))
def test_a_day_not_written_as_this_version_writes_it_is_left_to_validation(day: Any) -> None:
    entry = {"type": "dissolve_unit", "id": "c2", "effective": day, "unit": "u1"}
    assert trusted_change(entry) is None
