"""Every change type's sentence, as recorded in the change log: what happened, in plain Swedish.

One register holds a change of every type (a delegation change both for a delegation a
board granted and for a vidaredelegation of it), recorded on both databases; each
change's `summary` is compared with the sentence a registrar would write. (The sentences
worded from the domain alone, reports and notings among them: tests/unit/test_summaries.py.)
"""

from __future__ import annotations

import pytest

from tests.unit.test_summaries import (
    LAPSED,
    SENTENCES,
    a_vidaredelegation_that_lapses,
    changes_of_every_type,
)


@pytest.fixture
def recorded(app):
    app.record_changes(changes_of_every_type(), "t")
    return app


def test_every_change_type_reads_as_what_happened(recorded):
    read = recorded.read_model
    written = {key: read.change(key).summary for key in SENTENCES}

    assert written == SENTENCES
    types = {read.change(key).type for key in SENTENCES}
    assert types == {
        "establish_unit",
        "rename_unit",
        "reclassify_unit",
        "move_unit",
        "merge_units",
        "split_unit",
        "dissolve_unit",
        "spin_off_unit",
        "establish_position",
        "move_position",
        "abolish_position",
        "grant_delegation",
        "amend_delegation",
        "revoke_delegation",
        "subdelegate",
        "cancel_change",
        "correct_change",
    }


def test_a_lapsed_vidaredelegation_is_named_when_its_delegation_gets_another_delegate(recorded):
    recorded.record_changes(a_vidaredelegation_that_lapses(), "t")

    assert recorded.read_model.change("a9").summary == LAPSED
