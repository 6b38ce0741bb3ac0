"""Stored change-file entries of earlier versions are brought up to today's, one version at a time."""

from __future__ import annotations

import pytest

from orgchange.domain.messages import ENGLISH, SWEDISH
from orgchange.domain.versions import CHANGE_SCHEMA_VERSION, StoredByNewerVersion, upcast_change_entry


def _to_v2(entry: dict) -> dict:
    entry["title"] = entry.pop("name")  # a field renamed in version 2
    return entry


def _to_v3(entry: dict) -> dict:
    entry["decision"] = {"body": entry.pop("decided_by")}  # a field restructured in version 3
    return entry


UPCASTERS = {1: _to_v2, 2: _to_v3}


def test_an_entry_of_version_1_goes_through_every_upcaster_in_order():
    stored = {"type": "x", "name": "Enheten", "decided_by": "ks"}

    entry = upcast_change_entry(stored, 1, current=3, upcasters=UPCASTERS)

    assert entry == {"type": "x", "title": "Enheten", "decision": {"body": "ks"}}
    assert stored == {"type": "x", "name": "Enheten", "decided_by": "ks"}  # the stored one untouched


def test_an_entry_of_a_later_version_skips_the_upcasters_it_has_passed():
    entry = upcast_change_entry(
        {"type": "x", "title": "E", "decided_by": "ks"}, 2, current=3, upcasters=UPCASTERS
    )

    assert entry == {"type": "x", "title": "E", "decision": {"body": "ks"}}


def test_an_entry_of_the_current_version_is_read_as_it_is():
    stored = {"type": "rename_unit", "unit": "a", "name": "A"}

    assert upcast_change_entry(stored, CHANGE_SCHEMA_VERSION) == stored


def test_an_entry_of_a_newer_version_is_refused_with_the_code_that_says_so():
    with pytest.raises(StoredByNewerVersion) as refused:
        upcast_change_entry({"type": "x"}, 4, current=3, upcasters=UPCASTERS)

    assert refused.value.code == "DATABASE_TOO_NEW"
    assert refused.value.text is not None
    swedish, english = refused.value.text.render(SWEDISH), refused.value.text.render(ENGLISH)
    assert "nyare version" in swedish and "ändringsposten version 4" in swedish
    assert "newer version" in english and "the change entry version 4" in english
    assert "DATABASE_TOO_NEW" in swedish and "DATABASE_TOO_NEW" in english
