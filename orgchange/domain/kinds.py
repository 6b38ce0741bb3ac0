"""Kinds of unit and of change, and what they are called: the one table of their names.

Every output names a kind from here: the change summaries, the diagrams, the
open-data vocabulary, and (through the API's `vocabulary`) the web page. A kind
has its key (what change files and the API write), its Swedish name in the
forms the outputs need, and its English name.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class KindName:
    """How a kind of unit is called."""

    key: str  # as change files write it, e.g. "area"
    name: str  # Swedish, indefinite singular: "verksamhetsområde"
    definite: str  # Swedish, definite singular, before a name: "verksamhetsområdet Välfärd skola"
    title: str  # Swedish, the full term, as a vocabulary heads it: "Verksamhetsområde"
    english: str  # English, the full term: "area", "municipal council"


UNIT_KINDS: dict[str, KindName] = {
    k.key: k
    for k in (
        KindName("council", "fullmäktige", "fullmäktige", "Kommunfullmäktige", "municipal council"),
        KindName("board", "nämnd", "nämnden", "Nämnd", "board"),
        KindName("committee", "utskott", "utskottet", "Utskott", "committee"),
        KindName("office", "förvaltning", "förvaltningen", "Förvaltning", "office"),
        KindName("area", "verksamhetsområde", "verksamhetsområdet", "Verksamhetsområde", "area"),
        KindName("unit", "enhet", "enheten", "Enhet", "unit"),
        KindName("group", "ledningsgrupp", "ledningsgruppen", "Ledningsgrupp", "management group"),
        KindName("company", "bolag", "bolaget", "Kommunalt bolag", "municipal company"),
    )
}

# The Swedish name of each change type, as a heading or a list says what a change is.
CHANGE_TYPE_NAMES: dict[str, str] = {
    "establish_unit": "Enhet bildad",
    "rename_unit": "Nytt namn",
    "reclassify_unit": "Ny typ",
    "move_unit": "Flyttad",
    "merge_units": "Sammanslagning",
    "split_unit": "Delning",
    "dissolve_unit": "Nedläggning",
    "spin_off_unit": "Bolagisering",
    "establish_position": "Befattning inrättad",
    "move_position": "Befattning flyttad",
    "abolish_position": "Befattning indragen",
    "grant_delegation": "Delegation",
    "amend_delegation": "Delegation ändrad",
    "revoke_delegation": "Delegation upphävd",
    "subdelegate": "Vidaredelegation",
    "cancel_change": "Rättelse",
    "correct_change": "Ändring rättad",
    "report_changes": "Anmälan",
    "note_report": "Anmälan noterad",
}


def kind_name(kind: str) -> str:
    """'verksamhetsområde': the Swedish name of a kind of unit."""
    return UNIT_KINDS[kind].name


def the_kind(kind: str) -> str:
    """'verksamhetsområdet': the kind in the definite form, as written before a unit's name."""
    return UNIT_KINDS[kind].definite


def a(kind: str) -> str:
    """'an office', 'an area', 'a board': the kind with its article."""
    return ("an " if kind[:1] in "aeio" else "a ") + kind  # (u: "a unit")
