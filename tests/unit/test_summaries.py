"""Every change type's sentence (orgchange/domain/summaries.py): what happened, in plain Swedish,
worded from the domain's timeline alone.

One register holds a change of every type (a delegation change both for a delegation a
board granted and for a vidaredelegation of it); each change's sentence is compared with
the one a registrar would write. The database tests (tests/test_summaries.py) keep the
round trip: the sentence as the change log stores it.
"""

from __future__ import annotations

import pytest

from orgchange.domain.changes import CHANGE_TYPES
from orgchange.domain.register import Register
from orgchange.domain.reporting import ended_by_change
from orgchange.domain.summaries import summarise, units_touched
from tests.builders import base_organisation, change, record, register

KS = {"body": "ks", "date": "2013-01-01"}
SD = {"position": "stadsdirektor", "date": "2013-01-01"}


def changes_of_every_type() -> list:
    """A register holding a change of every type (tests/test_summaries.py records it too)."""
    return [
        *base_organisation(),
        change(
            "establish_unit",
            id="e1",
            effective="2013-01-01",
            unit="ekonomi",
            name="Ekonomienheten",
            kind="unit",
            parent="slk",
            decision=SD,
        ),
        change(
            "establish_unit",
            id="e2",
            effective="2013-01-01",
            unit="stadshus",
            name="Exempel stadshus AB",
            kind="company",
            owner="kf",
            decision={"body": "kf"},
        ),
        change(
            "establish_unit",
            id="e3",
            effective="2013-01-01",
            unit="fastigheter",
            name="Exempel fastigheter AB",
            kind="company",
            owner="stadshus",
            decision={"body": "kf"},
        ),
        change(
            "establish_unit",
            id="e4",
            effective="2013-01-01",
            unit="plan",
            name="Plan",
            kind="unit",
            parent="slk",
            decision=SD,
        ),
        change(
            "establish_unit",
            id="e5",
            effective="2013-01-01",
            unit="bygglov",
            name="Bygglov",
            kind="unit",
            parent="slk",
            decision=SD,
        ),
        change(
            "establish_position",
            id="p1",
            effective="2013-01-01",
            position="ekonomidirektor",
            title="Ekonomidirektör",
            unit="ekonomi",
            director=True,
            decision=SD,
        ),
        change(
            "establish_position",
            id="p2",
            effective="2013-01-01",
            position="planchef",
            title="Planchef",
            unit="plan",
            decision=SD,
        ),
        change(
            "grant_delegation",
            id="g1",
            effective="2013-01-01",
            delegation="b1",
            from_="ks",
            to="stadsdirektor",
            code="B.1",
            matter="Upphandling",
            further_delegation=True,
            decision=KS,
        ),
        change(
            "grant_delegation",
            id="g2",
            effective="2013-01-01",
            delegation="b2",
            from_="ks",
            to="stadsdirektor",
            code="B.2",
            matter="Hyresavtal",
            further_delegation=True,
            decision=KS,
        ),
        change(
            "grant_delegation",
            id="g3",
            effective="2013-01-01",
            delegation="a2",
            from_="ks",
            to="ksau",
            code="A.2",
            matter="Remissyttranden",
            decision=KS,
        ),
        change(
            "grant_delegation",
            id="g4",
            effective="2013-01-01",
            delegation="b3",
            from_="ks",
            to="stadsdirektor",
            code="B.3",
            matter="Lokaler",
            further_delegation=True,
            decision=KS,
        ),
        change(
            "subdelegate",
            id="s1",
            effective="2013-02-01",
            delegation="b1-ekonomi",
            parent_delegation="b1",
            to="ekonomidirektor",
            decision=SD,
        ),
        change(
            "subdelegate",
            id="s2",
            effective="2013-02-01",
            delegation="b2-ekonomi",
            parent_delegation="b2",
            to="ekonomidirektor",
            decision=SD,
        ),
        change(
            "subdelegate",
            id="s3",
            effective="2013-02-01",
            delegation="b2-plan",
            parent_delegation="b2",
            to="planchef",
            decision=SD,
        ),
        change(
            "rename_unit",
            id="r1",
            effective="2013-03-01",
            unit="kfv",
            name="Kultur- och fritidsenheten",
            decision=SD,
        ),
        change(
            "reclassify_unit", id="c1", effective="2013-03-01", unit="ekonomi", kind="office", decision=KS
        ),
        change("move_unit", id="m1", effective="2013-03-01", unit="va", parent="ekonomi", decision=SD),
        change(
            "move_unit",
            id="m2",
            effective="2013-03-01",
            unit="fastigheter",
            owner="kf",
            decision={"body": "kf"},
        ),
        change(
            "move_position",
            id="mp",
            effective="2013-03-01",
            position="kulturchef",
            unit="ekonomi",
            decision=SD,
        ),
        change(
            "amend_delegation",
            id="a1",
            effective="2013-04-01",
            delegation="b1",
            legal_basis="KL (1991:900) 6 kap. 33 §",
            limit="Högst 5 miljoner kronor",
            decision=KS,
        ),
        change(
            "amend_delegation",
            id="a2",
            effective="2013-04-01",
            delegation="b1-ekonomi",
            reporting="Anmäls månadsvis till stadsdirektören",
            decision=SD,
        ),
        change(
            "amend_delegation",
            id="a3",
            effective="2013-04-01",
            delegation="a2",
            code="A.2a",
            limit=None,
            decision=KS,
        ),
        change(
            "amend_delegation",
            id="a4",
            effective="2013-04-01",
            delegation="b3",
            further_delegation=False,
            decision=KS,
        ),
        change("revoke_delegation", id="x1", effective="2013-05-01", delegation="b1-ekonomi", decision=SD),
        change("revoke_delegation", id="x2", effective="2013-05-01", delegation="b2", decision=KS),
        change(
            "merge_units",
            id="mg1",
            effective="2013-06-01",
            units=["plan", "bygglov"],
            into="bygglov",
            decision=SD,
        ),
        change(
            "merge_units",
            id="mg2",
            effective="2013-06-01",
            units=["kfv", "va"],
            into="kultur-va",
            name="Kultur och VA",
            kind="unit",
            parent="slk",
            decision=SD,
        ),
        change(
            "split_unit",
            id="sp",
            effective="2013-07-01",
            unit="kultur-va",
            into=[{"unit": "kultur", "name": "Kulturenheten"}, {"unit": "vatten", "name": "VA-enheten"}],
            positions={"va-chef": "vatten"},
            decision=SD,
        ),
        change("abolish_position", id="ab", effective="2013-08-01", position="planchef", decision=SD),
        change(
            "spin_off_unit",
            id="so",
            effective="2013-09-01",
            unit="vatten",
            company="vatten-ab",
            name="Exempel vatten AB",
            owner="stadshus",
            decision={"body": "kf"},
        ),
        change("dissolve_unit", id="d1", effective="2013-10-01", unit="kultur", decision=SD),
        change("cancel_change", id="cc", change="d1", reason="Registrerad av misstag."),
        change(
            "rename_unit", id="rn1", effective="2013-11-01", unit="kultur", name="Kulturenhten", decision=SD
        ),
        change(
            "correct_change",
            id="cr",
            change="rn1",
            replacement={
                "type": "rename_unit",
                "id": "rn2",
                "effective": "2013-11-01",
                "unit": "kultur",
                "name": "Kulturenheten i Exempel",
                "decision": SD,
            },
        ),
    ]


SENTENCES = {
    "e1": "Ekonomienheten bildades under Stadsledningskontoret.",
    "e2": "Exempel stadshus AB bildades, ägt av kommunen.",
    "e3": "Exempel fastigheter AB bildades, ägt av Exempel stadshus AB.",
    "p1": "Befattningen Ekonomidirektör (förvaltningschef/direktör) inrättades vid Ekonomienheten.",
    "g1": "Kommunstyrelsen delegerade beslut i ärendet ”Upphandling” (B.1) till Stadsdirektör.",
    "g3": "Kommunstyrelsen delegerade beslut i ärendet ”Remissyttranden” (A.2) till Arbetsutskottet.",
    "s1": "Stadsdirektör vidaredelegerade delegationen B.1 (Upphandling) till Ekonomidirektör.",
    "r1": "Enheten Kultur och fritid bytte namn till Kultur- och fritidsenheten.",
    "c1": "Ekonomienheten ombildades från enhet till förvaltning.",
    "m1": "Enheten Vatten och avfall flyttades från Stadsledningskontoret till Ekonomienheten.",
    "m2": "Ägandet av Exempel fastigheter AB gick över från Exempel stadshus AB till kommunen.",
    "mp": "Befattningen Kulturchef flyttades från enheten Kultur och fritid till Ekonomienheten.",
    # A delegation the board granted, and a vidaredelegation of it: each says which it is.
    "a1": (
        "Delegationen B.1 (Upphandling) ändrades; nytt lagrum: KL (1991:900) 6 kap. 33 §; "
        "ny begränsning: Högst 5 miljoner kronor."
    ),
    "a2": (
        "Vidaredelegationen av delegationen B.1 (Upphandling) till Ekonomidirektör ändrades; "
        "ny anmälan: Anmäls månadsvis till stadsdirektören."
    ),
    "a3": "Delegationen A.2 (Remissyttranden) ändrades; nytt nummer: A.2a; begränsningen togs bort.",
    "a4": "Delegationen B.3 (Lokaler) ändrades; får inte längre vidaredelegeras.",
    "x1": (
        "Vidaredelegationen av delegationen B.1 (Upphandling) till Ekonomidirektör upphävdes; "
        "delegationen B.1 står kvar."
    ),
    "x2": (
        "Delegationen B.2 (Hyresavtal) upphävdes, och med den vidaredelegationerna till "
        "Ekonomidirektör och Planchef."
    ),
    "mg1": "Enheten Plan uppgick i enheten Bygglov.",
    "mg2": (
        "Enheten Kultur och VA bildades genom sammanslagning av Kultur- och fritidsenheten och "
        "enheten Vatten och avfall."
    ),
    "sp": "Enheten Kultur och VA delades upp i Kulturenheten och VA-enheten.",
    "ab": "Befattningen Planchef vid enheten Bygglov drogs in.",
    "so": "VA-enheten ombildades till bolaget Exempel vatten AB.",
    "d1": "Kulturenheten lades ned.",
    "cc": "Ändringen d1 makulerades: Registrerad av misstag.",
    "rn2": "Kulturenheten bytte namn till Kulturenheten i Exempel.",
    "cr": "Ändringen rn1 rättades och ersattes av ändringen rn2 (nytt namn, från 2013-11-01).",
}


def sentence(of: Register, change_id: str) -> str:
    """The change's sentence as the register words it once recorded, with what it ended."""
    tl = of.timeline
    ended = ended_by_change(tl, tl.positions, tl.units, tl.delegations).get(change_id, set())
    return summarise(of.log[change_id].change, tl, ended)


@pytest.fixture(scope="module")
def recorded() -> Register:
    return register(changes_of_every_type())


def test_every_change_type_reads_as_what_happened(recorded):
    assert {key: sentence(recorded, key) for key in SENTENCES} == SENTENCES
    types = {recorded.log[key].change.TYPE for key in SENTENCES}
    assert types | {"report_changes", "note_report"} == {cls.TYPE for cls in CHANGE_TYPES}


def a_vidaredelegation_that_lapses() -> list:
    """A delegation given to another delegate (a9), so that its vidaredelegation lapses."""
    return [
        change(
            "establish_position",
            id="p9",
            effective="2014-01-01",
            position="kanslichef",
            title="Kanslichef",
            unit="slk",
            decision=SD,
        ),
        change(
            "grant_delegation",
            id="g9",
            effective="2014-01-01",
            delegation="c1",
            from_="ks",
            to="stadsdirektor",
            code="C.1",
            matter="Personalfrågor",
            further_delegation=True,
            decision=KS,
        ),
        change(
            "subdelegate",
            id="s9",
            effective="2014-01-01",
            delegation="c1-ekonomi",
            parent_delegation="c1",
            to="ekonomidirektor",
            decision=SD,
        ),
        change(
            "amend_delegation", id="a9", effective="2014-02-01", delegation="c1", to="kanslichef", decision=KS
        ),
    ]


LAPSED = (
    "Delegationen C.1 (Personalfrågor) ändrades; ny delegat: Kanslichef; "
    "vidaredelegationen till Ekonomidirektör upphörde."
)


def test_a_lapsed_vidaredelegation_is_named_when_its_delegation_gets_another_delegate():
    org = register(changes_of_every_type())
    record(org, *a_vidaredelegation_that_lapses())
    assert sentence(org, "a9") == LAPSED


def test_reports_and_notings_are_sentences_too(recorded):
    report = change("report_changes", to="ks", meeting="2013-09-16", changes=["e1", "r1"])
    noting = change("note_report", to="ks", meeting="2013-09-16", paragraph="§ 12")
    timeline = recorded.timeline
    assert (
        summarise(report, timeline)
        == "2 ändringar anmäldes till Kommunstyrelsen för sammanträdet 2013-09-16."
    )
    assert (
        summarise(noting, timeline) == "Kommunstyrelsen noterade anmälan 2013-09-16 till protokollet (§ 12)."
    )


def test_the_units_a_change_is_about_are_the_old_and_the_new(recorded):
    def about(change_id: str) -> list[str]:
        return units_touched(recorded.log[change_id].change, recorded.timeline)

    assert about("m1") == ["va"]
    assert about("mg2") == ["kfv", "va", "kultur-va"]
    assert about("sp") == ["kultur-va", "kultur", "vatten"]
    assert about("so") == ["vatten", "vatten-ab"]
    assert about("mp") == ["kfv", "ekonomi"]
    assert about("g1") == ["ks"] and about("cc") == []
