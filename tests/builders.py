"""Small helpers to write change files in tests, in the contract's own words."""

from __future__ import annotations

from typing import Any

from orgchange.changefile import parse_change
from orgchange.domain.changes import Change


def change(type_: str, **fields: Any) -> Change:
    """One change; `from_` stands for the contract's `from`."""
    if "from_" in fields:
        fields["from"] = fields.pop("from_")
    return parse_change({"type": type_, **fields}, 1)


def base_organisation() -> list[Change]:
    """KF, KS with an office, two units and a few posts, all from 2012-01-01."""
    d = "2012-01-01"
    return [
        change("establish_unit", id="kf", effective=d, unit="kf", name="Kommunfullmäktige", kind="council"),
        change(
            "establish_unit",
            id="ks",
            effective=d,
            unit="ks",
            name="Kommunstyrelsen",
            kind="board",
            parent="kf",
        ),
        change(
            "establish_unit", id="sn", effective=d, unit="sn", name="Socialnämnden", kind="board", parent="kf"
        ),
        change(
            "establish_unit",
            id="ksau",
            effective=d,
            unit="ksau",
            name="Arbetsutskottet",
            kind="committee",
            parent="ks",
        ),
        change(
            "establish_unit",
            id="slk",
            effective=d,
            unit="slk",
            name="Stadsledningskontoret",
            kind="office",
            parent="ks",
        ),
        change(
            "establish_unit",
            id="kfv",
            effective=d,
            unit="kfv",
            name="Kultur och fritid",
            kind="unit",
            parent="slk",
        ),
        change(
            "establish_unit",
            id="va",
            effective=d,
            unit="va",
            name="Vatten och avfall",
            kind="unit",
            parent="slk",
        ),
        change(
            "establish_position",
            id="p-sd",
            effective=d,
            position="stadsdirektor",
            title="Stadsdirektör",
            unit="slk",
            director=True,
        ),
        change(
            "establish_position",
            id="p-kc",
            effective=d,
            position="kulturchef",
            title="Kulturchef",
            unit="kfv",
        ),
        change("establish_position", id="p-vc", effective=d, position="va-chef", title="VA-chef", unit="va"),
    ]
