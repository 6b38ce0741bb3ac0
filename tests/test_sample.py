"""The bundled sample register (Nacka 2012–2018): every change type, recorded cleanly, and
faithful to its source report — what the report does not state is marked illustrative."""

from __future__ import annotations

import re
from datetime import date, timedelta

import yaml

from orgchange.application.changefile import parse_change
from orgchange.domain.changes import CHANGE_TYPES, DatedChange, NoteReport, ReportChanges
from tests.support import ROOT, SAMPLE

# The acts the source report gives with their §: KS backed the action plan, and KS took note
# of the stadsdirektör's four progress reports.
ACTION_PLAN = (date(2013, 2, 11), "§ 53")
PROGRESS_REPORTS = {
    date(2013, 9, 2): "§ 190",
    date(2014, 3, 3): "§ 56",
    date(2014, 9, 1): "§ 176",
    date(2015, 9, 28): "§ 243",
}


def test_the_sample_uses_every_change_type(sample_file):
    used = {c.TYPE for c in sample_file.changes}
    assert used == {cls.TYPE for cls in CHANGE_TYPES}
    assert all(c.decision is not None for c in sample_file.changes)


def test_the_sample_records_with_its_correction_and_spin_off(demo_app):
    read = demo_app.read_model
    cancelled = [row for row in read.all_changes_in_recording_order() if row.cancelled]
    assert [row.id for row in cancelled] == ["nacka-2017-005", "nacka-2018-002"]
    cancel = read.change("nacka-2017-006")
    assert cancel.type == "cancel_change" and cancel.effective == read.change("nacka-2017-005").effective
    correction = read.change("nacka-2018-013")
    assert correction.type == "correct_change" and correction.cancels == "nacka-2018-002"
    assert correction.effective == read.change("nacka-2018-014").effective
    assert read.change("nacka-2018-002").cancelled_by == "nacka-2018-013"
    spin_off = read.change("nacka-2017-001")
    assert spin_off.summary == ("VA- och avfallsenheten ombildades till bolaget Nacka vatten och avfall AB.")
    assert set(spin_off.unit_ids) == {"va-och-avfall", "nacka-vatten-och-avfall-ab"}
    _, successors = read.links(["va-och-avfall"])
    assert successors["va-och-avfall"] == ["nacka-vatten-och-avfall-ab"]
    merged = read.change("nacka-2017-020")
    assert merged.summary.startswith("Kultur- och fritidsenheten bildades genom sammanslagning av")
    life = read.lives(["va-och-avfall"])["va-och-avfall"]
    assert life.valid_to == date(2017, 1, 1)


def test_the_sample_shows_gaps_a_retroactive_change_reports_and_notings(sample_file, demo_app):
    gaps = demo_app.read_model.delegations.gaps
    assert [g.delegation_id for g in gaps(date(2014, 2, 1))] == ["ks-b3"]
    assert {g.delegation_id for g in gaps(date(2017, 5, 15))} == {"ntn-n2", "sn-1-1"}
    assert {g.delegation_id for g in gaps(date(2017, 10, 15))} == {"ntn-n2", "ks-b1-samhallsbyggnad"}
    dated = [c for c in sample_file.changes if isinstance(c, DatedChange)]
    retroactive = [c.id for i, c in enumerate(dated) if any(c.effective < d.effective for d in dated[:i])]
    assert retroactive == ["nacka-2018-012"]
    assert sum(isinstance(c, ReportChanges) for c in sample_file.changes) == 7
    assert sum(isinstance(c, NoteReport) for c in sample_file.changes) == 7


def test_the_reports_paragraphs_are_used_only_for_the_acts_it_says_they_were(sample_file):
    paragraphs = {*PROGRESS_REPORTS.values(), ACTION_PLAN[1]}
    # Never as the decision behind a change ...
    for change in sample_file.changes:
        assert change.decision is None or change.decision.paragraph not in paragraphs, change.id
    # ... but as KS noting each progress report to its minutes, at the meeting the report gives.
    notings = {c.meeting: c.paragraph for c in sample_file.changes if isinstance(c, NoteReport)}
    assert {day: notings.get(day) for day in PROGRESS_REPORTS} == PROGRESS_REPORTS
    for change in sample_file.changes:
        if isinstance(change, NoteReport) and change.meeting in PROGRESS_REPORTS:
            assert f"{change.meeting.isoformat()} {change.paragraph}" in (change.note or "")
    # The action plan KS backed is cited as what it was, in a note: no decision on the organisation.
    cited = [c for c in sample_file.changes if "2013-02-11 § 53" in (c.note or "")]
    assert [c.id for c in cited] == ["nacka-2013-001"]
    assert "handlingsplan" in cited[0].note and "inget beslut om" in cited[0].note


def test_what_the_report_does_not_state_is_marked_illustrative(sample_file):
    # Every change carries a note; all but KS's notings of the progress reports (whose meeting
    # and § the report gives) rest on something the report does not state, and say so.
    for change in sample_file.changes:
        if change.TYPE == "cancel_change":
            continue
        stated = isinstance(change, NoteReport) and change.meeting in PROGRESS_REPORTS
        assert ("Illustrativt:" in (change.note or "")) != stated, change.id
    # Names the report does not give are marked where they are introduced.
    by_id = {c.id: c for c in sample_file.changes}
    for key in ("nacka-2012-032", "nacka-2012-033", "nacka-2016-001", "nacka-2017-020"):
        assert "Illustrativt:" in by_id[key].note
    assert "rapporten nämner ingen sammanslagning" in by_id["nacka-2017-020"].note
    header = SAMPLE.read_text(encoding="utf-8").split("\nformat:", 1)[0]
    assert 'it names no unit such as\n# "Välfärd skola" or "Välfärd samhällsservice"' in header


def test_the_readme_cites_the_sample_as_the_sample_does(sample_file):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = yaml.safe_load(readme.split("## Change files\n\n```yaml\n", 1)[1].split("```", 1)[0])
    by_id = {c.id: c for c in sample_file.changes}
    for entry in example["changes"]:
        written = parse_change(entry, 1).canonical()
        sample = by_id[entry["id"]].canonical()
        assert written.pop("note").startswith("Illustrativt:")
        assert sample.pop("note").count("Illustrativt:") == 1
        assert written == sample
    for paragraph in re.findall(r"KF § \d+ / KFKS \d+/\d+", readme):
        number, reference = paragraph[3:].split(" / ")
        assert any(
            c.decision and (c.decision.paragraph, c.decision.reference) == (number, reference)
            for c in sample_file.changes
        ), paragraph


def test_the_kommun_owns_its_companies_through_the_council(demo_app):
    units = {u.id: u for u in demo_app.read_model.organisation(date(2017, 3, 1))}
    assert units["nacka-stadshus-ab"].owner_id == "kf"
    assert units["nacka-vatten-och-avfall-ab"].owner_id == "nacka-stadshus-ab"


def test_the_sample_keeps_to_who_may_decide_what(sample_file, demo_app):
    """Only the council forms boards and companies; an official decides only inside the office
    or area the post belongs to, on the day of the decision."""
    timeline = demo_app.register().timeline

    def above(key: str, day: date) -> list[str]:
        chain = []
        version = timeline.unit_on(key, day)
        while version is not None:
            chain.append(key)
            key = version.parent
            version = timeline.unit_on(key, day) if key else None
        return chain

    for change in sample_file.changes:
        if not isinstance(change, DatedChange) or change.decision is None:
            continue
        decision = change.decision
        kind = getattr(change, "kind", None)
        if change.TYPE == "spin_off_unit" or kind in ("board", "company"):
            assert decision.body == "kf", change.id
        if decision.position is None:
            continue
        day = decision.date or change.effective
        post = timeline.position_on(decision.position, day)
        home = next(k for k in above(post.unit, day) if timeline.unit_on(k, day).kind in ("office", "area"))
        row = demo_app.read_model.change(change.id)
        if change.TYPE in ("subdelegate", "revoke_delegation"):
            assert row.report_to == "ks", change.id  # the stadsdirektör's own delegation, B.1
            continue
        for unit in row.unit_ids:  # old units as they stood the day before, new ones on the day
            on = (
                change.effective
                if timeline.unit_on(unit, change.effective)
                else change.effective - timedelta(1)
            )
            assert home in above(unit, on), (change.id, unit, home)
