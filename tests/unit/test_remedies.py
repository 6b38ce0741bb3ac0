"""The way out of a delegation gap (orgchange/domain/remedies.py): the successor of an ended
post or committee, and the amendment or revocation offered for a draft (docs/drafts.md#preview-konsekvenser)."""

from __future__ import annotations

from datetime import date

from orgchange.domain.remedies import remedies, successor_of
from tests.builders import change, register

D0, D1 = "2020-01-01", "2027-01-01"
DAY = date(2027, 1, 1)


def base() -> list:
    return [
        change("establish_unit", effective=D0, unit="kf", name="KF", kind="council"),
        change("establish_unit", effective=D0, unit="ks", name="KS", kind="board", parent="kf"),
        change("establish_unit", effective=D0, unit="slk", name="SLK", kind="office", parent="ks"),
        change("establish_unit", effective=D0, unit="ekonomi", name="Ekonomi", kind="unit", parent="slk"),
        change("establish_unit", effective=D0, unit="personal", name="Personal", kind="unit", parent="slk"),
        change(
            "establish_position",
            effective=D0,
            position="ekonomichef",
            title="Ekonomichef",
            unit="ekonomi",
            director=True,
        ),
        change(
            "establish_position",
            effective=D0,
            position="personalchef",
            title="Personalchef",
            unit="personal",
            director=True,
        ),
        change(
            "grant_delegation",
            effective=D0,
            delegation="ks-p1",
            from_="ks",
            to="personalchef",
            matter="Anställning",
        ),
    ]


def merged(*posts: object) -> list:
    return [
        change(
            "merge_units", effective=D1, units=["ekonomi", "personal"], into="stab", name="Stab", kind="unit"
        ),
        *posts,
        change("abolish_position", effective=D1, position="ekonomichef"),
        change("abolish_position", effective=D1, position="personalchef"),
    ]


def test_the_one_director_of_the_unit_that_took_over_the_post_is_its_successor() -> None:
    head = change(
        "establish_position",
        effective=D1,
        position="stabschef",
        title="Stabschef",
        unit="stab",
        director=True,
    )
    timeline = register(base(), merged(head)).timeline

    assert successor_of(timeline, "personalchef", DAY) == "stabschef"
    amend, revoke = remedies(timeline, "ks-p1", "personalchef", DAY)
    assert amend.entry == {
        "type": "amend_delegation",
        "effective": "2027-01-01",
        "decision": {"body": "ks"},
        "delegation": "ks-p1",
        "to": "stabschef",
    }
    assert "Stabschef (stabschef)" in amend.reason
    assert revoke.entry["type"] == "revoke_delegation"


def test_a_post_of_the_same_title_goes_before_a_director() -> None:
    posts = (
        change(
            "establish_position",
            effective=D1,
            position="stabschef",
            title="Stabschef",
            unit="stab",
            director=True,
        ),
        change("establish_position", effective=D1, position="hr-chef", title="Personalchef", unit="stab"),
    )
    timeline = register(base(), merged(*posts)).timeline

    assert successor_of(timeline, "personalchef", DAY) == "hr-chef"


def test_without_one_clear_successor_only_the_revocation_is_offered() -> None:
    posts = (
        change(
            "establish_position", effective=D1, position="handlaggare-1", title="Handläggare", unit="stab"
        ),
        change(
            "establish_position", effective=D1, position="handlaggare-2", title="Handläggare", unit="stab"
        ),
    )
    timeline = register(base(), merged(*posts)).timeline

    assert successor_of(timeline, "personalchef", DAY) is None
    [revoke] = remedies(timeline, "ks-p1", "personalchef", DAY)
    assert revoke.entry["type"] == "revoke_delegation"
    assert revoke.entry["delegation"] == "ks-p1"


def test_the_gap_of_a_vidaredelegation_is_mended_on_the_delegation_whose_delegate_ended() -> None:
    passed_on = [
        change(
            "establish_position",
            effective=D0,
            position="stadsdirektor",
            title="Stadsdirektör",
            unit="slk",
            director=True,
        ),
        change(
            "grant_delegation",
            effective=D0,
            delegation="ks-b1",
            from_="ks",
            to="stadsdirektor",
            matter="Avtal",
            further_delegation=True,
        ),
        change(
            "subdelegate", effective=D0, delegation="ks-b1-e", parent_delegation="ks-b1", to="ekonomichef"
        ),
    ]
    head = change(
        "establish_position",
        effective=D1,
        position="stabschef",
        title="Stabschef",
        unit="stab",
        director=True,
    )
    timeline = register(base(), passed_on, merged(head)).timeline

    amend, _ = remedies(timeline, "ks-b1-e", "ekonomichef", DAY)

    assert amend.entry["delegation"] == "ks-b1-e"
    assert amend.entry["to"] == "stabschef"
